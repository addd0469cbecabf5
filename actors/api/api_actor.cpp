#include "actors/api/api_actor.hpp"

#include <atomic>
#include <unordered_map>

#include "actors/api/api_decode.hpp"
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
/// Publishes wait for the engine without a CAF timeout: each timed request costs an entry in
/// CAF's clock and two wake-ups of its clock thread (a third of the CPU of a batch of
/// publishes, measured), and the engines answer every publish by themselves — the memory
/// engine at once, the Redis engine within `io_timeout` (error 100) — or die, which fails
/// the request too.
constexpr auto kPublishTimeout = caf::infinite;

ApiReply fail(ErrorCode c) { return ApiReply{ApiReply::Status::ok, make_error(c), {}}; }
ApiReply fail(Error e) { return ApiReply{ApiReply::Status::ok, std::move(e), {}}; }
ApiReply fail(const caf::error& e) {
  return ApiReply{ApiReply::Status::ok, from_caf_error(e), {}};
}
ApiReply ok(std::string result) {
  return ApiReply{ApiReply::Status::ok, Error{}, std::move(result)};
}
ApiReply malformed() {
  return ApiReply{ApiReply::Status::malformed_body, make_error(ErrorCode::bad_request), {}};
}
/// The server API's 104: its message is "not found", not the client protocol's.
Error not_found() { return Error{static_cast<uint32_t>(ErrorCode::method_not_found), "not found"}; }

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

/// The members of one answer in a list (broadcast, batch, legacy): `"error":{...}`, or the
/// result under `result_key`.
void write_answer(JsonWriter& w, const ApiReply& r, std::string_view result_key) {
  if (r.error) {
    w.key("error");
    write_error(w, r.error);
  } else {
    w.key(result_key).raw(r.result_json);
  }
}

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// The methods that need no actor when the engine publishes directly (ctx.publisher).
bool runs_inline(std::string_view method) {
  return method == "publish" || method == "broadcast" || method == "rpc";
}

/// One API command in flight, its request already decoded (api_decode.hpp). It finishes
/// through `done` — now or after actor replies. Without an actor (`self` null: on an io
/// thread) it runs only the methods runs_inline() names.
class ApiCall {
 public:
  explicit ApiCall(self_ptr self) : self_(self), ctx_(*self->state.ctx) {}
  explicit ApiCall(const ApiContext& ctx) : self_(nullptr), ctx_(ctx) {}

  /// `method` is one of api_command_methods().
  void run(std::string_view method, const json& request, Done done);

 private:
  using Method = void (ApiCall::*)(const RequestFields&, Done);
  static const std::unordered_map<std::string_view, Method>& methods();

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

  /// The channel's namespace options, or nullptr when its namespace does not exist. The
  /// server API applies no channel name rules (length, characters, channel_regex): those
  /// are for clients.
  const ChannelOptions* namespace_of(const std::string& channel) const;
  /// The same, finishing the call with 102 when there are no options.
  const ChannelOptions* namespace_or_fail(const std::string& channel, Done& done) const;
  PublishOptions publish_options(const ChannelOptions& opts) const;
  void publish_one(const std::string& channel, const Publication& pub, PublishOptions opts,
                   Done done);
  static ConnectionFilter filter_of(const RequestFields& f);

  self_ptr self_;
  const ApiContext& ctx_;
};

const std::unordered_map<std::string_view, ApiCall::Method>& ApiCall::methods() {
  static const std::unordered_map<std::string_view, Method> table = {
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
  };
  return table;
}

void ApiCall::run(std::string_view method, const json& request, Done done) {
  auto it = methods().find(method);
  if (it == methods().end()) return done(fail(not_found()));
  if (!self_ && !(ctx_.publisher && runs_inline(method))) return done(fail(ErrorCode::internal));
  RequestFields fields(request);
  (this->*(it->second))(fields, std::move(done));
}

const ChannelOptions* ApiCall::namespace_of(const std::string& channel) const {
  return ctx_.resolver->namespace_options(channel);
}

const ChannelOptions* ApiCall::namespace_or_fail(const std::string& channel, Done& done) const {
  const ChannelOptions* opts = namespace_of(channel);
  if (!opts) done(fail(ErrorCode::unknown_channel));
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
  if (ctx_.publisher) {
    return ctx_.publisher->publish(channel, pub, opts,
                                   [done](const Error& e, PublishOutcome out) {
                                     done(e ? fail(e) : ok(render_publish_result(out)));
                                   });
  }
  self_->request(ctx_.engine, kPublishTimeout, publish_atom::value, channel, pub, opts)
      .then(
          [done](PublishOutcome& out) { done(ok(render_publish_result(out))); },
          [done](caf::error& e) { done(fail(e)); });
}

// Checks in Centrifugo's order: channel, base64, namespace, then data (`"data": null` is
// data: the JSON value null).
void ApiCall::publish(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  bool bad_b64 = false;
  Publication pub;
  pub.data = f.payload("data", "b64data", bad_b64);
  if (bad_b64) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = namespace_or_fail(channel, done);
  if (!opts) return;
  if (pub.data.empty()) return done(fail(ErrorCode::bad_request));
  pub.tags = f.string_map("tags");
  PublishOptions po = publish_options(*opts);
  po.skip_history = f.boolean("skip_history");
  po.idempotency_key = f.str("idempotency_key");
  pub.time_ms = unix_ms();
  publish_one(channel, pub, po, std::move(done));
}

void ApiCall::broadcast(const RequestFields& f, Done done) {
  auto channels = f.strings("channels");
  if (channels.empty()) return done(fail(ErrorCode::bad_request));
  bool bad_b64 = false;
  Publication pub;
  pub.data = f.payload("data", "b64data", bad_b64);
  if (bad_b64) return done(fail(ErrorCode::bad_request));
  pub.tags = f.string_map("tags");
  bool skip_history = f.boolean("skip_history");
  std::string idempotency_key = f.str("idempotency_key");
  pub.time_ms = unix_ms();

  // One engine message for all channels: the engine publishes them in order, and each
  // answers in its own slot. A channel that is empty, in an unknown namespace (102) or
  // given no data answers here (107, like an empty one) and is not sent.
  std::vector<ApiReply> replies(channels.size());
  std::vector<size_t> slots;
  std::vector<std::string> targets;
  std::vector<PublishOptions> options;
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string& ch = channels[i];
    const ChannelOptions* opts = ch.empty() ? nullptr : namespace_of(ch);
    if (!opts || pub.data.empty()) {
      replies[i] = fail(!ch.empty() && !opts ? ErrorCode::unknown_channel : ErrorCode::bad_request);
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
      write_answer(w, r, "result");
      w.end_object();
    }
    w.end_array().end_object();
    return result;
  };
  if (targets.empty()) return done(ok(render(replies)));
  if (ctx_.publisher) {  // in order, as the engine's broadcast does
    struct Gather {
      std::vector<ApiReply> replies;
      std::atomic<size_t> pending;
      Done done;
    };
    auto g = std::make_shared<Gather>();
    g->replies = std::move(replies);
    g->pending = targets.size();
    g->done = std::move(done);
    for (size_t k = 0; k < targets.size(); ++k)
      ctx_.publisher->publish(targets[k], pub, options[k],
                              [g, slot = slots[k], render](const Error& e, PublishOutcome out) {
                                g->replies[slot] = e ? fail(e) : ok(render_publish_result(out));
                                if (--g->pending == 0) g->done(ok(render(g->replies)));
                              });
    return;
  }
  self_->request(ctx_.engine, kPublishTimeout, broadcast_atom::value, std::move(targets), pub,
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

// Acting on connections needs no user: an empty one means the connections of anonymous
// users, as in Centrifugo (the node's registry decides what matches).
void ApiCall::subscribe(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  ServerSubscribeRequest req;
  req.channel = f.str("channel");
  if (req.channel.empty()) return done(fail(ErrorCode::bad_request));
  if (!namespace_or_fail(req.channel, done)) return;
  bool bad_data = false, bad_info = false;
  req.data = f.payload("data", "b64data", bad_data);
  req.info = f.payload("info", "b64info", bad_info);
  if (bad_data || bad_info) return done(fail(ErrorCode::bad_request));
  req.expire_at = f.integer("expire_at");
  req.recover_since = f.position("recover_since");
  if (const json* o = f.object("override")) {
    RequestFields of(*o);
    for (const char* k :
         {"presence", "join_leave", "force_recovery", "force_positioning", "force_push_join_leave"}) {
      if (const json* v = of.object(k)) req.override[k] = RequestFields(*v).boolean("value");
    }
  }
  // Answers the first failure among the user's connections, as Centrifugo does.
  self_->request(ctx_.node, kRequestTimeout, sub_atom::value, filter, req)
      .then([done](Error& e) { done(e ? fail(std::move(e)) : ok("{}")); },
            [done](caf::error& e) { done(fail(e)); });
}

/// Without a channel, Centrifugo unsubscribes each matching connection from "" — which it
/// is never subscribed to, yet each gets an unsubscribe push; the node passes it on as is.
void ApiCall::unsubscribe(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  std::string channel = f.str("channel");
  if (!channel.empty() && !namespace_or_fail(channel, done)) return;
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
      // Herald: codes above 4999 cannot be WebSocket close codes (docs/compatibility.md).
      if (c > 4999) return done(fail(ErrorCode::bad_request));
      code = static_cast<uint32_t>(c);
      reason = df.str("reason");
    }
  }
  self_->request(ctx_.node, kRequestTimeout, disconn_atom::value, filter, code, reason)
      .then([done](uint32_t) { done(ok("{}")); }, [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::refresh(const RequestFields& f, Done done) {
  ConnectionFilter filter = filter_of(f);
  ServerRefreshRequest req;
  req.expired = f.boolean("expired");
  req.expire_at = f.integer("expire_at");
  req.info = f.raw("info");
  self_->request(ctx_.node, kRequestTimeout, refresh_atom::value, filter, req)
      .then([done](uint32_t) { done(ok("{}")); }, [done](caf::error& e) { done(fail(e)); });
}

// -- presence and history -------------------------------------------------------------------

void ApiCall::presence(const RequestFields& f, Done done) {
  std::string channel = f.str("channel");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = namespace_or_fail(channel, done);
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
  const ChannelOptions* opts = namespace_or_fail(channel, done);
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
  const auto limit = static_cast<int32_t>(f.integer("limit"));  // decoded as an int32
  q.limit = limit < 0 ? -1 : limit;
  q.since = f.position("since");
  q.reverse = f.boolean("reverse");
  if (channel.empty()) return done(fail(ErrorCode::bad_request));
  const ChannelOptions* opts = namespace_or_fail(channel, done);
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
  const ChannelOptions* opts = namespace_or_fail(channel, done);
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
              w.key(name).begin_object();
              if (n > 0) w.key("num_clients").number(uint64_t{n});
              w.end_object();
            }
            w.end_object().end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

/// Herald extension: this node's channel state counters, in its `info` entry.
static void write_channel_state(JsonWriter& w, const ChannelStateSnapshot& s) {
  w.key("channel_state").begin_object();
  w.key("emitted").number(s.emitted).key("delivered").number(s.delivered);
  w.key("retried").number(s.retried).key("dropped").number(s.dropped);
  w.key("batches").number(s.batches).key("last_batch_size").number(s.last_batch_size);
  w.key("queue_length").number(s.queue_length);
  w.key("oldest_undelivered_ms").number(s.oldest_undelivered_ms);
  w.end_object();
}

void ApiCall::info(const RequestFields&, Done done) {
  const int connection_limit = ctx_.config->client.connection_limit;
  auto state = ctx_.presence ? ctx_.presence->counters() : std::nullopt;
  self_->request(ctx_.node, kRequestTimeout, nodes_atom::value)
      .then(
          [done, connection_limit, state](std::vector<NodeInfo>& nodes) {
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
              if (n.uptime_s > 0) w.key("uptime").number(n.uptime_s);
              write_node_metrics(w, n, nodes.size(), connection_limit);
              w.key("num_subs").number(uint64_t{n.num_subs});
              if (state && &n == &nodes.front()) write_channel_state(w, *state);  // this node
              w.end_object();
            }
            w.end_array().end_object();
            done(ok(std::move(result)));
          },
          [done](caf::error& e) { done(fail(e)); });
}

void ApiCall::rpc(const RequestFields& f, Done done) {
  // Centrifugo OSS registers no server API RPC extensions: every named method is unknown.
  done(fail(f.str("method").empty() ? make_error(ErrorCode::bad_request) : not_found()));
}

/// Runs asynchronous steps one after another without growing the stack when a step
/// finishes at once. `step(next)` starts the next step and returns true, calling `next()`
/// exactly once when that step is done; it returns false when none is left. `next()` may come
/// on another thread (a direct publish through Redis answers on an io thread), even while
/// `step` has not returned yet: whichever side is second goes on.
class InOrder : public std::enable_shared_from_this<InOrder> {
 public:
  using Step = std::function<bool(std::function<void()> next)>;

  static void run(Step step) {
    auto s = std::make_shared<InOrder>();
    s->step_ = std::move(step);
    s->advance();
  }

 private:
  enum : int { kRunning = 0, kReturned = 1, kDone = 2 };

  void advance() {
    auto self = shared_from_this();
    while (true) {
      auto sync = std::make_shared<std::atomic<int>>(kRunning);
      const bool started = step_([self, sync] {
        int expected = kRunning;
        if (sync->compare_exchange_strong(expected, kDone)) return;  // the loop goes on
        self->advance();  // the step had returned: go on from here
      });
      if (!started) return;
      int expected = kRunning;
      if (sync->compare_exchange_strong(expected, kReturned)) return;  // next() goes on
      // Done before step returned: loop without growing the stack.
    }
  }

  Step step_;
};

/// A batch (docs/protocol.md §4.1): every command decoded before any runs; they run in
/// order, or all at once with `parallel`. The answer is `{"replies":[...]}` — each
/// `{"<method>":result}` or `{"error":{...}}` — or `{}` for no commands; the HTTP front end
/// writes it as the whole body.
void run_batch(self_ptr self, const ApiContext& ctx, json request, Done done) {
  struct Batch {
    std::vector<const json*> commands;  // nullptr: a null command (107)
    std::vector<std::string> replies;
    size_t next = 0;
    std::atomic<size_t> pending{0};  // parallel answers may come on several threads (inline)
    Done done;

    void finish() {
      if (replies.empty()) return done(ok("{}"));
      std::string result;
      JsonWriter w(result);
      w.begin_object().key("replies").begin_array();
      for (const auto& r : replies) w.raw(r);
      w.end_array().end_object();
      done(ok(std::move(result)));
    }
  };
  auto b = std::make_shared<Batch>();
  b->done = std::move(done);
  // The request (and so every command) lives as long as the batch: `keep` holds it.
  auto keep = std::make_shared<const json>(std::move(request));
  if (const json* cmds = RequestFields(*keep).array("commands"))
    for (const auto& c : *cmds) b->commands.push_back(c.is_null() ? nullptr : &c);
  b->replies.resize(b->commands.size());

  // Command i: the first method it names, in Centrifugo's order; none is 104.
  // `ctx` outlives every call: it is the actor's, or the bridge's that runs calls inline.
  auto start = [self, ctx = &ctx, b, keep](size_t i, std::function<void()> after) {
    auto store = [b, i, after = std::move(after)](std::string_view method, ApiReply r) {
      std::string& out = b->replies[i];
      JsonWriter w(out);
      w.begin_object();
      write_answer(w, r, method);
      w.end_object();
      after();
    };
    const json* cmd = b->commands[i];
    if (cmd == nullptr) return store({}, fail(ErrorCode::bad_request));
    for (std::string_view method : api_command_methods()) {
      auto it = cmd->find(method);
      if (it == cmd->end() || it->is_null()) continue;
      return (self ? ApiCall(self) : ApiCall(*ctx)).run(method, *it,
                               [store, method](ApiReply r) { store(method, std::move(r)); });
    }
    store({}, fail(not_found()));
  };

  if (b->commands.empty()) return b->finish();
  if (RequestFields(*keep).boolean("parallel")) {
    b->pending = b->commands.size();
    for (size_t i = 0; i < b->commands.size(); ++i)
      start(i, [b] {
        if (--b->pending == 0) b->finish();
      });
    return;
  }
  InOrder::run([b, start](std::function<void()> next) {
    if (b->next == b->commands.size()) {
      b->finish();
      return false;
    }
    start(b->next++, std::move(next));
    return true;
  });
}

/// The legacy endpoint `POST <prefix>` (docs/protocol.md §4.1): a sequence of
/// `{"id","method","params"}` commands, each decoded only once the one before has run (a
/// bad one answers HTTP 400 for the whole body, after the earlier ones took effect).
/// Answers one line per command: `{"id":N,"error":{...}}` or `{"id":N,"result":{...}}`.
void run_legacy(self_ptr self, std::string body, Done done) {
  if (body.empty()) return done(malformed());
  struct Legacy {
    std::string body;
    size_t pos = 0;
    std::string out;
    Done done;
    bool failed = false;
  };
  auto l = std::make_shared<Legacy>();
  l->body = std::move(body);
  l->done = std::move(done);

  auto answer = [l](uint32_t id, const ApiReply& r) {
    if (!l->out.empty()) l->out.push_back('\n');
    JsonWriter w(l->out);
    w.begin_object();
    if (id != 0) w.key("id").number(uint64_t{id});
    write_answer(w, r, "result");
    w.end_object();
  };

  InOrder::run([self, l, answer](std::function<void()> next) {
    l->pos = skip_json_space(l->body, l->pos);
    if (l->pos == l->body.size()) {
      l->done(ok(std::move(l->out)));
      return false;
    }
    LegacyCommand cmd;
    try {
      auto end = json_value_end(l->body, l->pos);
      if (!end) throw MalformedRequest("truncated command");
      std::string_view text = std::string_view(l->body).substr(l->pos, *end - l->pos);
      l->pos = *end;
      cmd = decode_legacy_command(text);
    } catch (const MalformedRequest&) {
      l->done(malformed());
      return false;
    }
    auto reply = [answer, id = cmd.id, next = std::move(next)](ApiReply r) {
      answer(id, r);
      next();
    };
    if (cmd.method.empty()) {
      reply(fail(not_found()));
      return true;
    }
    json request = json::object();  // info reads no params
    if (cmd.method != "info") {
      try {
        if (cmd.params.empty()) throw MalformedRequest("no params");
        request = decode_request(cmd.method, cmd.params);
      } catch (const MalformedRequest&) {
        reply(fail(ErrorCode::bad_request));
        return true;
      }
    }
    ApiCall(self).run(cmd.method, request, std::move(reply));
    return true;
  });
}

/// Whether every command of a decoded batch runs without an actor (runs_inline()).
bool batch_runs_inline(const json& request) {
  const json* cmds = RequestFields(request).array("commands");
  if (!cmds) return true;
  for (const auto& c : *cmds) {
    if (c.is_null()) continue;  // answers 107 by itself
    for (std::string_view method : api_command_methods()) {
      auto it = c.find(method);
      if (it == c.end() || it->is_null()) continue;
      if (!runs_inline(method)) return false;
      break;
    }
  }
  return true;
}

}  // namespace

bool run_api_inline(const ApiContext& ctx, const std::string& method, const std::string& body,
                    const ApiReplyFn& reply) {
  if (!ctx.publisher) return false;
  if (method != "batch" && !runs_inline(method)) return false;
  try {
    json request = decode_request(method, body);
    if (method == "batch") {
      if (!batch_runs_inline(request)) return false;
      run_batch(nullptr, ctx, std::move(request), reply);
      return true;
    }
    ApiCall(ctx).run(method, request, reply);
  } catch (const MalformedRequest&) {
    reply(malformed());
  } catch (const std::exception&) {
    reply(fail(ErrorCode::internal));
  }
  return true;
}

std::vector<std::string> api_methods() {
  std::vector<std::string> out(api_command_methods().begin(), api_command_methods().end());
  out.emplace_back("batch");
  return out;
}

api_actor::behavior_type api_actor_impl(api_actor::stateful_pointer<ApiActorState> self,
                                        std::shared_ptr<const ApiContext> ctx) {
  self->state.ctx = std::move(ctx);
  return {
      [=](api_atom, std::string& method, std::string& body, ApiReplyFn& reply) {
        try {
          if (method.empty()) return run_legacy(self, std::move(body), reply);
          if (!is_api_method(method))
            return reply(ApiReply{ApiReply::Status::unknown_method, not_found(), {}});
          json request = decode_request(method, body);
          if (method == "batch")
            return run_batch(self, *self->state.ctx, std::move(request), reply);
          ApiCall(self).run(method, request, reply);
        } catch (const MalformedRequest&) {
          reply(malformed());
        } catch (const std::exception&) {
          reply(fail(ErrorCode::internal));
        }
      },
  };
}

}  // namespace herald
