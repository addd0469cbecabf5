#include "actors/api/api_actor.hpp"

#include <unordered_map>

#include "actors/api/api_request.hpp"
#include "actors/api/glob.hpp"
#include "actors/api/json_writer.hpp"
#include "actors/errors.hpp"

namespace herald {

using nlohmann::json;

namespace {

using self_ptr = api_actor::stateful_pointer<ApiActorState>;
using Done = std::function<void(ApiReply)>;

/// Engine and node are local actors; this only bounds a lost reply, it is no latency target.
constexpr auto kRequestTimeout = std::chrono::seconds(10);

ApiReply fail(ErrorCode c) { return ApiReply{ApiReply::Status::ok, make_error(c), {}}; }
ApiReply fail(Error e) { return ApiReply{ApiReply::Status::ok, std::move(e), {}}; }
ApiReply fail(const caf::error& e) {
  return ApiReply{ApiReply::Status::ok, from_caf_error(e), {}};
}
ApiReply ok(std::string result) {
  return ApiReply{ApiReply::Status::ok, Error{}, std::move(result)};
}

/// {"offset":N,"epoch":"..."}, or {} for a channel without history.
std::string render_publish_result(const PublishOutcome& out) {
  std::string result;
  JsonWriter w(result);
  w.begin_object();
  if (out.position.offset > 0) w.key("offset").number(out.position.offset);
  if (!out.position.epoch.empty()) w.key("epoch").string(out.position.epoch);
  w.end_object();
  return result;
}

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// One API call in flight. Every method reads its fields synchronously (a MalformedRequest
/// escapes to the caller) and finishes through `done` — now or after actor replies.
class ApiCall {
 public:
  ApiCall(self_ptr self) : self_(self), ctx_(*self->state.ctx) {}

  void run(const std::string& method, const json& params, Done done);

 private:
  using Method = void (ApiCall::*)(const RequestFields&, Done);
  static const std::unordered_map<std::string, Method>& methods();

  void publish(const RequestFields& f, Done done);
  void broadcast(const RequestFields& f, Done done);
  void subscribe(const RequestFields& f, Done done);
  void unsubscribe(const RequestFields& f, Done done);
  void disconnect(const RequestFields& f, Done done);
  void refresh(const RequestFields& f, Done done);
  void presence(const RequestFields& f, Done done);
  void presence_stats(const RequestFields& f, Done done);
  void history(const RequestFields& f, Done done);
  void history_remove(const RequestFields& f, Done done);
  void channels(const RequestFields& f, Done done);
  void info(const RequestFields& f, Done done);
  void rpc(const RequestFields& f, Done done);
  void batch(const RequestFields& f, Done done);

  /// Resolves a channel's namespace options or reports why not (107, 102).
  const ChannelOptions* resolve(const std::string& channel, Error& err) const;
  /// The same, finishing the call with the resolve error when there are no options.
  const ChannelOptions* resolve_or_fail(const std::string& channel, Done& done) const;
  PublishOptions publish_options(const ChannelOptions& opts) const;
  void publish_one(const std::string& channel, const Publication& pub, PublishOptions opts,
                   Done done);
  static ConnectionFilter filter_of(const RequestFields& f);

  self_ptr self_;
  const ApiContext& ctx_;
};

const std::unordered_map<std::string, ApiCall::Method>& ApiCall::methods() {
  static const std::unordered_map<std::string, Method> table = {
      {"publish", &ApiCall::publish},
      {"broadcast", &ApiCall::broadcast},
      {"subscribe", &ApiCall::subscribe},
      {"unsubscribe", &ApiCall::unsubscribe},
      {"disconnect", &ApiCall::disconnect},
      {"refresh", &ApiCall::refresh},
      {"presence", &ApiCall::presence},
      {"presence_stats", &ApiCall::presence_stats},
      {"history", &ApiCall::history},
      {"history_remove", &ApiCall::history_remove},
      {"channels", &ApiCall::channels},
      {"info", &ApiCall::info},
      {"rpc", &ApiCall::rpc},
      {"batch", &ApiCall::batch},
  };
  return table;
}

void ApiCall::run(const std::string& method, const json& params, Done done) {
  auto it = methods().find(method);
  if (it == methods().end()) {
    done(ApiReply{ApiReply::Status::unknown_method, make_error(ErrorCode::method_not_found), {}});
    return;
  }
  RequestFields fields(params);
  (this->*(it->second))(fields, std::move(done));
}

const ChannelOptions* ApiCall::resolve(const std::string& channel, Error& err) const {
  auto r = ctx_.resolver->resolve(channel);
  if (r.error) {
    err = r.error;
    return nullptr;
  }
  return r.channel.options;
}

const ChannelOptions* ApiCall::resolve_or_fail(const std::string& channel, Done& done) const {
  Error err;
  const ChannelOptions* opts = resolve(channel, err);
  if (!opts) done(ApiReply{ApiReply::Status::ok, err, {}});
  return opts;
}

PublishOptions ApiCall::publish_options(const ChannelOptions& opts) const {
  PublishOptions p;
  p.history_size = opts.history_size;
  p.history_ttl_ms = opts.history_ttl.count();
  p.history_meta_ttl_ms = opts.history_meta_ttl.count() > 0
                              ? opts.history_meta_ttl.count()
                              : ctx_.config->channel.history_meta_ttl.count();
  return p;
}

ConnectionFilter ApiCall::filter_of(const RequestFields& f) {
  ConnectionFilter filter;
  filter.user = f.str("user");
  filter.client = f.str("client");
  filter.session = f.str("session");
  return filter;
}

// -- publishing -----------------------------------------------------------------------------

void ApiCall::publish_one(const std::string& channel, const Publication& pub,
                          PublishOptions opts, Done done) {
  self_->request(ctx_.engine, kRequestTimeout, publish_atom::value, channel, pub, opts)
      .then(
          [done](PublishOutcome& out) { done(ok(render_publish_result(out))); },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::publish(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  bool bad_b64 = false;
  Publication pub;
  pub.data = f.payload("data", "b64data", bad_b64);
  pub.tags = f.string_map("tags");
  PublishOptions base;
  base.skip_history = f.boolean("skip_history");
  base.idempotency_key = f.str("idempotency_key");
  if (channel.empty() || pub.data.empty() || bad_b64) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = resolve_or_fail(channel, done);
  if (!opts) return;
  PublishOptions po = publish_options(*opts);
  po.skip_history = base.skip_history;
  po.idempotency_key = base.idempotency_key;
  pub.time_ms = unix_ms();
  publish_one(channel, pub, po, std::move(done));
}

void ApiCall::broadcast(const RequestFields& f, Done done) {
  auto channels = f.strings("channels");
  bool bad_b64 = false;
  Publication pub;
  pub.data = f.payload("data", "b64data", bad_b64);
  pub.tags = f.string_map("tags");
  bool skip_history = f.boolean("skip_history");
  std::string idempotency_key = f.str("idempotency_key");
  if (channels.empty() || pub.data.empty() || bad_b64) return done(fail(ErrorCode::bad_request));
  pub.time_ms = unix_ms();

  // One engine message for all channels: the engine publishes them in order, and each
  // answers in its own slot. Channels that do not resolve answer here and are not sent.
  std::vector<ApiReply> replies(channels.size());
  std::vector<size_t> slots;
  std::vector<std::string> targets;
  std::vector<PublishOptions> options;
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string& ch = channels[i];
    Error err;
    const ChannelOptions* opts = ch.empty() ? nullptr : resolve(ch, err);
    if (!opts) {
      replies[i] = fail(ch.empty() ? make_error(ErrorCode::bad_request) : err);
      continue;
    }
    PublishOptions po = publish_options(*opts);
    po.skip_history = skip_history;
    po.idempotency_key = idempotency_key;
    slots.push_back(i);
    targets.push_back(ch);
    options.push_back(std::move(po));
  }
  auto render = [](const std::vector<ApiReply>& rs) {
    std::string result;
    JsonWriter w(result);
    w.begin_object().key("responses").begin_array();
    for (const auto& r : rs) {
      w.begin_object();
      if (r.error) {
        w.key("error");
        write_error(w, r.error);
      } else {
        w.key("result").raw(r.result_json);
      }
      w.end_object();
    }
    w.end_array().end_object();
    return result;
  };
  if (targets.empty()) return done(ok(render(replies)));
  self_->request(ctx_.engine, kRequestTimeout, broadcast_atom::value, std::move(targets), pub,
                 std::move(options))
      .then(
          [done, replies = std::move(replies), slots = std::move(slots),
           render](std::vector<PublishReply>& answers) mutable {
            for (size_t k = 0; k < slots.size() && k < answers.size(); ++k) {
              auto& a = answers[k];
              replies[slots[k]] = a.error ? ApiReply{ApiReply::Status::ok, a.error, {}}
                                          : ok(render_publish_result(a.outcome));
            }
            done(ok(render(replies)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

// -- acting on connections ------------------------------------------------------------------

void ApiCall::subscribe(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  ServerSubscribeRequest req;
  req.channel = f.str("channel");
  req.expire_at = f.integer("expire_at");
  bool bad_info = false, bad_data = false;
  req.info = f.payload("info", "b64info", bad_info);
  req.data = f.payload("data", "b64data", bad_data);
  req.recover_since = f.position("recover_since");
  if (const json* o = f.object("override")) {
    for (const char* k :
         {"presence", "join_leave", "force_recovery", "force_positioning", "force_push_join_leave"}) {
      RequestFields of(*o);
      if (const json* v = of.object(k)) req.override[k] = RequestFields(*v).boolean("value");
    }
  }
  if (filter.user.empty() || req.channel.empty() || bad_info || bad_data)
    return done(fail(ErrorCode::bad_request));
  if (!resolve_or_fail(req.channel, done)) return;
  // Answers the first failure among the user's connections, as Centrifugo does.
  self_->request(ctx_.node, kRequestTimeout, sub_atom::value, filter, req)
      .then([done](Error& e) { done(e ? fail(std::move(e)) : ok("{}")); },
            [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::unsubscribe(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  std::string channel = f.str("channel");
  if (filter.user.empty() || channel.empty()) return done(fail(ErrorCode::bad_request));
  if (!resolve_or_fail(channel, done)) return;
  self_->request(ctx_.node, kRequestTimeout, unsub_atom::value, filter, channel)
      .then([done](uint32_t) { done(ok("{}")); }, [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::disconnect(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  filter.whitelist = f.strings("whitelist");
  uint32_t code = disconnect::force_no_reconnect.code;
  std::string reason(disconnect::force_no_reconnect.reason);
  if (const json* d = f.object("disconnect")) {
    RequestFields df(*d);
    if (uint64_t c = df.unsigned_integer("code"); c > 0) {
      if (c > 4999) return done(fail(ErrorCode::bad_request));
      code = static_cast<uint32_t>(c);
      reason = df.str("reason");
    }
  }
  if (filter.user.empty()) return done(fail(ErrorCode::bad_request));
  self_->request(ctx_.node, kRequestTimeout, disconn_atom::value, filter, code, reason)
      .then([done](uint32_t) { done(ok("{}")); }, [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::refresh(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  ServerRefreshRequest req;
  req.expired = f.boolean("expired");
  req.expire_at = f.integer("expire_at");
  req.info = f.raw("info");
  if (filter.user.empty()) return done(fail(ErrorCode::bad_request));
  self_->request(ctx_.node, kRequestTimeout, refresh_atom::value, filter, req)
      .then([done](uint32_t) { done(ok("{}")); }, [done](caf::error& e) { done(fail(e)); });
}

// -- presence and history -------------------------------------------------------------------

void ApiCall::presence(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = resolve_or_fail(channel, done);
  if (!opts) return;
  if (!opts->presence) return done(fail(ErrorCode::not_available));
  auto target = ctx_.presence ? ctx_.presence->target(channel, opts) : presence_actor(ctx_.engine);
  self_->request(target, kRequestTimeout, presence_atom::value, channel)
      .then(
          [done](PresenceMap& m) {
            std::string result;
            JsonWriter w(result);
            w.begin_object().key("presence").begin_object();
            for (const auto& [client, info] : m) {
              w.key(client);
              write_client_info(w, info);
            }
            w.end_object().end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::presence_stats(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = resolve_or_fail(channel, done);
  if (!opts) return;
  if (!opts->presence) return done(fail(ErrorCode::not_available));
  auto target = ctx_.presence ? ctx_.presence->target(channel, opts) : presence_actor(ctx_.engine);
  self_->request(target, kRequestTimeout, pres_stat_atom::value, channel)
      .then(
          [done](PresenceStats& s) {
            std::string result;
            JsonWriter w(result);
            w.begin_object().key("num_clients").number(uint64_t{s.num_clients});
            w.key("num_users").number(uint64_t{s.num_users}).end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::history(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  HistoryQuery q;
  int64_t limit = f.integer("limit");
  q.limit = limit < 0 ? -1 : static_cast<int32_t>(std::min<int64_t>(limit, INT32_MAX));
  q.since = f.position("since");
  q.reverse = f.boolean("reverse");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = resolve_or_fail(channel, done);
  if (!opts) return;
  if (!opts->has_history())
    return done(fail(ErrorCode::not_available));
  q.history_meta_ttl_ms = publish_options(*opts).history_meta_ttl_ms;
  self_->request(ctx_.engine, kRequestTimeout, history_atom::value, channel, q)
      .then(
          [done](HistoryResult& h) {
            std::string result;
            JsonWriter w(result);
            w.begin_object().key("publications").begin_array();
            for (const auto& p : h.publications) write_api_publication(w, p);
            w.end_array();
            w.key("epoch").string(h.position.epoch);
            w.key("offset").number(h.position.offset).end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::history_remove(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = resolve_or_fail(channel, done);
  if (!opts) return;
  if (!opts->has_history())
    return done(fail(ErrorCode::not_available));
  self_->request(ctx_.engine, kRequestTimeout, hist_rm_atom::value, channel)
      .then([done](bool) { done(ok("{}")); }, [done](caf::error& e) { done(fail(e)); });
}

// -- node-wide ------------------------------------------------------------------------------

void ApiCall::channels(const RequestFields& f, Done done) {
  std::string pattern = f.str("pattern");
  if (!glob_valid(pattern)) return done(fail(ErrorCode::bad_request));
  self_->request(ctx_.node, kRequestTimeout, channels_atom::value)
      .then(
          [done, pattern](ChannelCounts& counts) {
            std::string result;
            JsonWriter w(result);
            w.begin_object().key("channels").begin_object();
            for (const auto& [name, n] : counts) {
              if (!glob_match(pattern, name).value_or(false)) continue;
              w.key(name).begin_object().key("num_clients").number(uint64_t{n}).end_object();
            }
            w.end_object().end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::info(const RequestFields&, Done done) {
  self_->request(ctx_.node, kRequestTimeout, nodes_atom::value)
      .then(
          [done](std::vector<NodeInfo>& nodes) {
            std::string result;
            JsonWriter w(result);
            w.begin_object().key("nodes").begin_array();
            for (const auto& n : nodes) {
              w.begin_object();
              w.key("uid").string(n.uid).key("name").string(n.name);
              w.key("version").string(n.version);
              w.key("num_clients").number(uint64_t{n.num_clients});
              w.key("num_users").number(uint64_t{n.num_users});
              w.key("num_channels").number(uint64_t{n.num_channels});
              w.key("uptime").number(n.uptime_s);
              w.key("num_subs").number(uint64_t{n.num_subs});
              w.end_object();
            }
            w.end_array().end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::rpc(const RequestFields& f, Done done) {
  // Centrifugo OSS registers no server API RPC extensions: every method is unknown.
  (void)f.str("method");
  done(fail(ErrorCode::method_not_found));
}

namespace {

/// A batch in flight: commands run in order (or all at once with `parallel`), each answer
/// rendered into its slot as `{"<method>":result}` or `{"error":{...}}`.
struct BatchRun {
  self_ptr self;
  std::vector<std::pair<std::string, json>> commands;  // method name ("" = none), params
  std::vector<std::string> replies;
  size_t next = 0;
  size_t pending = 0;
  bool running_sync = false;  // a command answered before `run` returned
  Done done;

  void store(size_t i, const ApiReply& r) {
    std::string& out = replies[i];
    JsonWriter w(out);
    w.begin_object();
    if (r.status == ApiReply::Status::unknown_method) {
      w.key("error");
      write_error(w, make_error(ErrorCode::method_not_found));
    } else if (r.status == ApiReply::Status::malformed_body) {
      w.key("error");
      write_error(w, make_error(ErrorCode::bad_request));
    } else if (r.error) {
      w.key("error");
      write_error(w, r.error);
    } else {
      w.key(commands[i].first).raw(r.result_json);
    }
    w.end_object();
  }

  void finish() {
    std::string result;
    JsonWriter w(result);
    w.begin_object().key("replies").begin_array();
    for (const auto& r : replies) w.raw(r);
    w.end_array().end_object();
    done(ok(std::move(result)));
  }

  // Starts command i; `on_reply` gets its ApiReply. Malformed params answer 107 for that slot.
  template <class F>
  void start(size_t i, F on_reply) {
    try {
      ApiCall(self).run(commands[i].first, commands[i].second, on_reply);
    } catch (const MalformedRequest&) {
      on_reply(ApiReply{ApiReply::Status::malformed_body, make_error(ErrorCode::bad_request), {}});
    }
  }

  // Runs commands one after another without growing the stack on synchronous answers.
  static void advance(const std::shared_ptr<BatchRun>& b) {
    while (b->next < b->commands.size()) {
      size_t i = b->next++;
      bool answered = false;
      b->running_sync = true;
      b->start(i, [b, i, &answered](ApiReply r) {
        b->store(i, r);
        if (b->running_sync) {
          answered = true;  // the loop goes on
        } else {
          advance(b);
        }
      });
      b->running_sync = false;
      if (!answered) return;  // an async answer will call advance()
    }
    b->finish();
  }
};

}  // namespace

void ApiCall::batch(const RequestFields& f, Done done) {
  auto b = std::make_shared<BatchRun>();
  b->self = self_;
  b->done = std::move(done);
  if (const json* cmds = f.array("commands")) {
    for (const auto& c : *cmds) {
      if (!c.is_object()) throw MalformedRequest("commands must be objects");
      std::string method;
      json params;
      for (auto it = c.begin(); it != c.end(); ++it) {
        if (it->is_null() || !methods().count(it.key()) || it.key() == "batch") continue;
        method = it.key();
        params = *it;
        break;
      }
      b->commands.emplace_back(std::move(method), std::move(params));
    }
  }
  b->replies.resize(b->commands.size());
  if (b->commands.empty()) return b->finish();
  if (!f.boolean("parallel")) return BatchRun::advance(b);
  b->pending = b->commands.size();
  for (size_t i = 0; i < b->commands.size(); ++i) {
    b->start(i, [b, i](ApiReply r) {
      b->store(i, r);
      if (--b->pending == 0) b->finish();
    });
  }
}

}  // namespace

api_actor::behavior_type api_actor_impl(api_actor::stateful_pointer<ApiActorState> self,
                                        std::shared_ptr<const ApiContext> ctx) {
  self->state.ctx = std::move(ctx);
  return {
      [=](api_atom, std::string& method, std::string& body, ApiReplyFn& reply) {
        json params = json::parse(body, nullptr, false);
        if (params.is_discarded()) {
          reply(ApiReply{ApiReply::Status::malformed_body, make_error(ErrorCode::bad_request), {}});
          return;
        }
        try {
          ApiCall(self).run(method, params, reply);
        } catch (const MalformedRequest&) {
          reply(ApiReply{ApiReply::Status::malformed_body, make_error(ErrorCode::bad_request), {}});
        } catch (const std::exception&) {
          reply(fail(ErrorCode::internal));
        }
      },
  };
}

}  // namespace herald
