// The Redis engine (see redis_engine.hpp and README.md "The engine").
//
// One EngineImpl holds one or two Deployments (the broker's Redis and, when separate, the
// presence manager's). A standalone deployment has one Shard per address: a pipelined
// Connection for commands and scripts and, for the broker, a PubSub connection that carries
// the client channels of this shard plus the control channels. A cluster deployment has one
// ClusterClient: commands routed by slot, client and control channels on sharded PUB/SUB.
//
// Threading: every client runs on its own strand; callbacks of different shards can run at
// the same time, so the engine's own books (subscribed channels, connection states, the
// handler) are guarded by one mutex, never held while calling out (clients only queue).
#include "engine/redis/redis_engine.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "engine/codes.hpp"
#include "engine/control/control_codec.hpp"
#include "engine/redis/cluster.hpp"
#include "engine/redis/connection.hpp"
#include "engine/redis/engine_codec.hpp"
#include "engine/redis/engine_keys.hpp"
#include "engine/redis/engine_scripts.hpp"
#include "engine/redis/pubsub.hpp"
#include "engine/redis/redis_engine_factory.hpp"
#include "engine/redis/shard.hpp"

namespace herald::redis {

std::string generate_epoch() {
  static constexpr std::string_view kLetters =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, kLetters.size() - 1);
  std::string epoch(8, 'a');
  for (char& c : epoch) c = kLetters[pick(rng)];
  return epoch;
}

namespace {

Error internal() { return make_error(ErrorCode::internal); }

/// Whole seconds for Redis' EXPIRE, rounded up and at least 1 (EXPIRE 0 deletes the key).
std::string ttl_seconds(int64_t ms) { return std::to_string(ms <= 1000 ? 1 : (ms + 999) / 1000); }

int64_t unix_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

/// An offset as Redis returns it: an integer, or a string of digits (HMGET, HGET).
std::optional<uint64_t> parse_uint(const Reply& r) {
  if (r.is_integer()) {
    if (r.integer() < 0) return std::nullopt;
    return static_cast<uint64_t>(r.integer());
  }
  if (!r.is_string()) return std::nullopt;
  uint64_t v = 0;
  const std::string& s = r.str();
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

/// "<offset>-<seq>" → offset.
std::optional<uint64_t> parse_entry_id(const std::string& id) {
  size_t dash = id.find('-');
  if (dash == 0 || dash == std::string::npos) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(id.data(), id.data() + dash, v);
  if (ec != std::errc{} || ptr != id.data() + dash) return std::nullopt;
  return v;
}

/// Logs unexpected answers (error replies, malformed replies or messages) at most once a
/// second: a misconfigured Redis or a foreign writer must not flood the log.
class RateLimitedLog {
 public:
  void warn(std::string_view what, std::string_view detail) {
    using namespace std::chrono;
    int64_t now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    int64_t last = last_.load(std::memory_order_relaxed);
    if (last != 0 && now - last < 1000) {
      suppressed_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!last_.compare_exchange_strong(last, now)) return;
    uint64_t dropped = suppressed_.exchange(0);
    std::string shown(detail.substr(0, 200));
    for (char& c : shown) {
      if (c == '"' || static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    spdlog::warn("msg=\"redis: {}\" detail=\"{}\" suppressed_since_last={}", what, shown,
                 dropped);
  }

 private:
  std::atomic<int64_t> last_{0};
  std::atomic<uint64_t> suppressed_{0};
};

/// Many parts (one per shard), one callback: the first failure wins. Thread-safe: the parts
/// finish on different strands.
class Gather {
 public:
  Gather(size_t parts, Done done) : left_(parts), done_(std::move(done)) {}
  void part(bool ok) {
    Done done;
    {
      std::lock_guard lock(mu_);
      if (!ok) failed_ = true;
      if (--left_ != 0) return;
      done = std::move(done_);
    }
    if (done) done(failed_ ? internal() : Error{});
  }

 private:
  std::mutex mu_;
  size_t left_;
  bool failed_ = false;
  Done done_;
};

enum class ControlSub { none, pending, confirmed };

struct Shard {
  size_t index = 0;
  Address address;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<PubSub> pubsub;
  // Guarded by EngineImpl::mu_.
  bool conn_up = false;
  bool pubsub_up = false;
  std::optional<bool> reported_up;  ///< what the log said last
  ControlSub control = ControlSub::none;
  std::set<std::string> channels;  ///< client channels subscribed on this shard
};

struct Deployment {
  Deployment(std::string role_, const DeploymentOptions& o, bool with_pubsub_,
             const std::string& uid)
      : role(std::move(role_)),
        keys(o.prefix, !o.cluster.empty()),
        with_pubsub(with_pubsub_),
        control_channel(keys.control_channel()),
        node_channel(keys.node_channel(uid)) {}

  std::string role;
  EngineKeys keys;
  bool with_pubsub;
  std::string control_channel;
  std::string node_channel;
  std::vector<std::unique_ptr<Shard>> shards;  ///< standalone
  std::unique_ptr<ClusterClient> cluster;      ///< or a cluster
  // Cluster mode, guarded by EngineImpl::mu_.
  std::set<std::string> cluster_channels;
  ControlSub cluster_control = ControlSub::none;
  std::optional<bool> cluster_reported_up;
  std::atomic<size_t> control_round{0};

  bool is_cluster() const { return cluster != nullptr; }
  const char* publish_command() const { return is_cluster() ? "SPUBLISH" : "PUBLISH"; }
  Shard& shard_of(std::string_view channel) {
    return *shards[shards.size() == 1 ? 0 : shard_index(channel, shards.size())];
  }
  /// Where a command about `channel` goes; `key` routes it on a cluster.
  Sender sender(std::string_view channel, const std::string& key) {
    if (cluster) return cluster->sender_for(key);
    return shard_of(channel).conn->sender();
  }
  void command(std::string_view channel, const std::string& key, Args args, ReplyCallback cb) {
    if (cluster) return cluster->command(key, std::move(args), std::move(cb));
    shard_of(channel).conn->command(std::move(args), std::move(cb));
  }
};

class EngineImpl final : public RedisEngine, public std::enable_shared_from_this<EngineImpl> {
 public:
  EngineImpl(boost::asio::any_io_executor executor, EngineOptions options)
      : executor_(std::move(executor)), options_(std::move(options)) {}
  ~EngineImpl() override { close(); }

  void start() {
    std::lock_guard lock(mu_);  // callbacks that arrive meanwhile wait for the books
    broker_ = std::make_unique<Deployment>(options_.broker_role, options_.broker, true,
                                           options_.node_uid);
    start_deployment(*broker_, options_.broker);
    if (options_.presence) {
      presence_own_ = std::make_unique<Deployment>(options_.presence_role, *options_.presence,
                                                   false, options_.node_uid);
      start_deployment(*presence_own_, *options_.presence);
    }
    presence_ = presence_own_ ? presence_own_.get() : broker_.get();
  }

  // -- RedisEngine ----------------------------------------------------------------------------

  void set_handler(std::shared_ptr<EngineHandler> handler) override {
    std::lock_guard lock(mu_);
    if (!closed_) handler_ = std::move(handler);
  }

  void publish(const std::string& channel, const Publication& pub, const PublishOptions& opts,
               PublishDone done) override {
    Deployment& d = *broker_;
    std::string payload = encode_publication(pub);
    std::string pubsub = d.keys.client_channel(channel);
    const bool idempotent = !opts.idempotency_key.empty();
    std::string result_key = d.keys.result(channel, opts.idempotency_key);
    std::string result_ttl = idempotent ? std::to_string(options_.idempotent_result_ttl.count())
                                        : std::string();
    auto self = shared_from_this();
    if (opts.use_history()) {
      std::string stream = d.keys.stream(channel);
      std::vector<std::string> keys{stream, d.keys.stream_meta(channel), std::move(result_key)};
      std::vector<std::string> args{std::move(payload),
                                    std::to_string(opts.history_size),
                                    ttl_seconds(opts.history_ttl_ms),
                                    std::move(pubsub),
                                    opts.history_meta_ttl_ms > 0
                                        ? ttl_seconds(opts.history_meta_ttl_ms)
                                        : std::string("0"),
                                    generate_epoch(),
                                    d.is_cluster() ? "spublish" : "publish",
                                    std::move(result_ttl),
                                    "0",  // delta: not supported
                                    "0",  // version: not supported
                                    ""};
      scripts::add_history().run(
          d.sender(channel, stream), std::move(keys), std::move(args),
          [self, done = std::move(done)](std::error_code ec, Reply r) {
            if (self->failed("publish", ec, r)) return done(internal(), {}, false);
            std::optional<uint64_t> offset;
            if (r.is_array() && r.size() >= 2 && r[1].is_string()) offset = parse_uint(r[0]);
            if (!offset) {
              self->bad_reply_.warn("unexpected publish reply", r.to_string());
              return done(internal(), {}, false);
            }
            bool cached = r.size() >= 3 && r[2].str() == "1";
            done({}, StreamPosition{*offset, r[1].str()}, cached);
          });
      return;
    }
    if (idempotent) {
      scripts::publish_idempotent().run(
          d.sender(channel, result_key), {result_key},
          {std::move(payload), std::move(pubsub), d.is_cluster() ? "spublish" : "publish",
           std::move(result_ttl)},
          [self, done = std::move(done)](std::error_code ec, Reply r) {
            if (self->failed("publish", ec, r)) return done(internal(), {}, false);
            done({}, {}, r.is_array());  // an array: the stored result of an earlier publish
          });
      return;
    }
    d.command(channel, pubsub, {d.publish_command(), pubsub, std::move(payload)},
              [self, done = std::move(done)](std::error_code ec, Reply r) {
                if (self->failed("publish", ec, r)) return done(internal(), {}, false);
                done({}, {}, false);
              });
  }

  void join(const std::string& channel, const ClientInfo& info) override {
    send_client_message(channel, encode_join_message(info));
  }
  void leave(const std::string& channel, const ClientInfo& info) override {
    send_client_message(channel, encode_leave_message(info));
  }

  void subscribe(std::vector<std::string> channels, Done done) override {
    Deployment& d = *broker_;
    if (channels.empty()) return done({});
    auto self = shared_from_this();
    if (d.is_cluster()) {
      std::vector<std::string> names;
      {
        std::lock_guard lock(mu_);
        for (const auto& c : channels) {
          d.cluster_channels.insert(c);
          names.push_back(d.keys.client_channel(c));
        }
      }
      d.cluster->ssubscribe(std::move(names), [self, &d, channels = std::move(channels),
                                               done = std::move(done)](std::error_code ec,
                                                                       Reply r) {
        bool ok = !self->failed("ssubscribe", ec, r);
        if (!ok) {
          std::lock_guard lock(self->mu_);
          for (const auto& c : channels) d.cluster_channels.erase(c);
        }
        done(ok ? Error{} : internal());
      });
      return;
    }
    std::map<Shard*, std::vector<std::string>> by_shard;
    for (auto& c : channels) by_shard[&d.shard_of(c)].push_back(std::move(c));
    auto gather = std::make_shared<Gather>(by_shard.size(), std::move(done));
    for (auto& [shard, list] : by_shard) {
      std::vector<std::string> names;
      {
        std::lock_guard lock(mu_);
        for (const auto& c : list) {
          shard->channels.insert(c);
          names.push_back(d.keys.client_channel(c));
        }
      }
      shard->pubsub->subscribe(
          std::move(names), [self, shard = shard, list = std::move(list), gather](
                                std::error_code ec, Reply r) {
            bool ok = !self->failed("subscribe", ec, r);
            if (!ok) {  // PubSub forgot them too
              std::lock_guard lock(self->mu_);
              for (const auto& c : list) shard->channels.erase(c);
            }
            gather->part(ok);
          });
    }
  }

  void unsubscribe(std::vector<std::string> channels) override {
    Deployment& d = *broker_;
    if (channels.empty()) return;
    if (d.is_cluster()) {
      std::vector<std::string> names;
      {
        std::lock_guard lock(mu_);
        for (const auto& c : channels) {
          d.cluster_channels.erase(c);
          names.push_back(d.keys.client_channel(c));
        }
      }
      d.cluster->sunsubscribe(std::move(names));
      return;
    }
    std::map<Shard*, std::vector<std::string>> by_shard;
    {
      std::lock_guard lock(mu_);
      for (const auto& c : channels) {
        Shard& s = d.shard_of(c);
        s.channels.erase(c);
        by_shard[&s].push_back(d.keys.client_channel(c));
      }
    }
    for (auto& [shard, names] : by_shard) shard->pubsub->unsubscribe(std::move(names));
  }

  void control(const ControlMessage& message) override {
    Deployment& d = *broker_;
    std::string channel = message.to.empty() ? d.control_channel : d.keys.node_channel(message.to);
    Args args{d.publish_command(), channel, control::encode(message)};
    auto self = shared_from_this();
    auto cb = [self](std::error_code ec, Reply r) { self->failed("control publish", ec, r); };
    if (d.is_cluster()) return d.cluster->command(channel, std::move(args), std::move(cb));
    // Every shard carries the control channels: spread the load round-robin.
    size_t i = d.control_round.fetch_add(1, std::memory_order_relaxed) % d.shards.size();
    d.shards[i]->conn->command(std::move(args), std::move(cb));
  }

  void add_presence(const std::string& channel, const ClientInfo& info,
                    std::chrono::milliseconds ttl, Done done) override {
    Deployment& d = *presence_;
    std::string ttl_s = ttl_seconds(ttl.count());
    std::string zset = d.keys.presence_expire(channel);
    std::string expire_at = std::to_string(unix_seconds() + std::stoll(ttl_s));
    scripts::presence_add().run(
        d.sender(channel, zset), {zset, d.keys.presence_data(channel)},
        {ttl_s, expire_at, info.client, encode_client_info(info)}, simple(std::move(done)));
  }

  void remove_presence(const std::string& channel, const ClientInfo& info, Done done) override {
    Deployment& d = *presence_;
    std::string zset = d.keys.presence_expire(channel);
    scripts::presence_remove().run(d.sender(channel, zset),
                                   {zset, d.keys.presence_data(channel)}, {info.client},
                                   simple(std::move(done)));
  }

  void presence(const std::string& channel, PresenceDone done) override {
    read_presence(channel, [done = std::move(done)](Error e, PresenceMap m) {
      done(std::move(e), std::move(m));
    });
  }

  void presence_stats(const std::string& channel, PresenceStatsDone done) override {
    // As Centrifugo without user mapping: count clients and distinct users of the whole
    // (expiry-cleaned) hash.
    read_presence(channel, [done = std::move(done)](Error e, PresenceMap m) {
      if (e) return done(std::move(e), {});
      std::set<std::string_view> users;
      for (const auto& [client, info] : m) users.insert(info.user);
      done({}, PresenceStats{static_cast<uint32_t>(m.size()), static_cast<uint32_t>(users.size())});
    });
  }

  void history(const std::string& channel, const HistoryQuery& q, HistoryDone done) override {
    // Checked before touching Redis, as Centrifuge's Node.History does.
    if (q.reverse && q.since && q.since->offset == 0)
      return done(make_error(ErrorCode::bad_request), {});
    Deployment& d = *broker_;
    bool with_pubs = q.limit != 0;
    uint64_t start = 0;
    if (q.since) {
      if (q.reverse) {
        start = q.since->offset - 1;
        if (start == 0) with_pubs = false;  // nothing before offset 1
      } else {
        start = q.since->offset + 1;
      }
    }
    std::string stream = d.keys.stream(channel);
    std::vector<std::string> args{
        with_pubs ? "1" : "0",
        std::to_string(start),
        std::to_string(q.limit > 0 ? q.limit : 0),
        q.reverse ? "1" : "0",
        q.history_meta_ttl_ms > 0 ? ttl_seconds(q.history_meta_ttl_ms) : std::string("0"),
        generate_epoch()};
    auto self = shared_from_this();
    scripts::read_history().run(
        d.sender(channel, stream), {stream, d.keys.stream_meta(channel)}, std::move(args),
        [self, since = q.since, done = std::move(done)](std::error_code ec, Reply r) {
          if (self->failed("history", ec, r)) return done(internal(), {});
          HistoryResult result;
          if (!self->parse_history(r, result)) return done(internal(), {});
          if (since && !since->epoch.empty() && since->epoch != result.position.epoch)
            return done(make_error(ErrorCode::unrecoverable_position), std::move(result));
          done({}, std::move(result));
        });
  }

  void remove_history(const std::string& channel, Done done) override {
    Deployment& d = *broker_;
    std::string stream = d.keys.stream(channel);
    d.command(channel, stream, {"DEL", stream}, simple(std::move(done)));
  }

  void close() override {
    std::vector<Deployment*> all;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
      handler_.reset();
      if (broker_) all.push_back(broker_.get());
      if (presence_own_) all.push_back(presence_own_.get());
    }
    for (Deployment* d : all) {
      if (d->cluster) d->cluster->close();
      for (auto& s : d->shards) {
        if (s->pubsub) s->pubsub->close();
        if (s->conn) s->conn->close();
      }
    }
  }

 private:
  using PresenceMap = std::map<std::string, ClientInfo>;

  void start_deployment(Deployment& d, const DeploymentOptions& o) {
    std::weak_ptr<EngineImpl> weak = shared_from_this();
    Deployment* dp = &d;
    if (!o.cluster.empty()) {
      ClusterOptions co;
      co.node = o.connection;
      ClusterHandlers h;
      h.on_state = [weak, dp](Event e, const std::string& reason) {
        if (auto self = weak.lock()) self->on_cluster_state(*dp, e, reason);
      };
      h.on_node_state = [role = d.role](const std::string& endpoint, Event e,
                                        const std::string& reason) {
        // A node's pub/sub connection follows its command connection: log the latter only.
        if (reason.starts_with("pub/sub")) return;
        if (e == Event::up) {
          spdlog::info("msg=\"redis node up\" role={} address={}", role, endpoint);
        } else if (e == Event::down) {
          spdlog::warn("msg=\"redis node down\" role={} address={} reason=\"{}\"", role,
                       endpoint, reason);
        }
      };
      if (d.with_pubsub) {
        h.on_message = [weak, dp](std::string_view channel, std::string_view payload) {
          if (auto self = weak.lock()) self->on_message(*dp, channel, payload);
        };
      }
      d.cluster = std::make_unique<ClusterClient>(executor_, o.cluster, co, std::move(h));
      if (d.with_pubsub) {
        d.cluster_control = ControlSub::pending;
        subscribe_control_cluster(d);
      }
      return;
    }
    for (size_t i = 0; i < o.shards.size(); ++i) {
      auto s = std::make_unique<Shard>();
      s->index = i;
      s->address = o.shards[i];
      d.shards.push_back(std::move(s));
    }
    for (auto& sp : d.shards) {
      Shard* s = sp.get();
      s->conn = std::make_unique<Connection>(
          executor_, s->address, o.connection, [weak, dp, s](Event e, const std::string& reason) {
            if (auto self = weak.lock()) self->on_shard_state(*dp, *s, false, e, reason);
          });
      if (!d.with_pubsub) continue;
      PubSubHandlers h;
      h.on_state = [weak, dp, s](Event e, const std::string& reason) {
        if (auto self = weak.lock()) self->on_shard_state(*dp, *s, true, e, reason);
      };
      h.on_message = [weak, dp](std::string_view channel, std::string_view payload) {
        if (auto self = weak.lock()) self->on_message(*dp, channel, payload);
      };
      h.on_lost = [weak, dp, s](const std::string& channel, bool) {
        if (auto self = weak.lock()) self->on_lost(*dp, *s, channel);
      };
      s->pubsub = std::make_unique<PubSub>(executor_, s->address, o.connection, std::move(h));
      s->control = ControlSub::pending;
      subscribe_control(d, *s);
    }
  }

  // -- connection states, logged once per transition ------------------------------------------

  void on_shard_state(Deployment& d, Shard& s, bool is_pubsub, Event e,
                      const std::string& reason) {
    if (e == Event::resubscribed) {
      std::vector<std::string> lost;
      std::shared_ptr<EngineHandler> h;
      {
        std::lock_guard lock(mu_);
        lost.assign(s.channels.begin(), s.channels.end());
        h = handler_;
      }
      spdlog::info("msg=\"redis pub/sub resubscribed\" role={} address={} channels={}", d.role,
                   s.address.endpoint(), lost.size());
      if (h && !lost.empty()) h->interrupted(std::move(lost));
      return;
    }
    bool resubscribe_control = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      (is_pubsub ? s.pubsub_up : s.conn_up) = e == Event::up;
      const bool all_up = s.conn_up && (!d.with_pubsub || s.pubsub_up);
      if (e == Event::down && s.reported_up != false) {
        s.reported_up = false;
        spdlog::warn("msg=\"redis down\" role={} address={} connection={} reason=\"{}\"", d.role,
                     s.address.endpoint(), is_pubsub ? "pubsub" : "commands", reason);
      } else if (all_up && s.reported_up != true) {
        s.reported_up = true;
        spdlog::info("msg=\"redis up\" role={} address={}", d.role, s.address.endpoint());
      }
      if (is_pubsub && e == Event::up && s.control == ControlSub::none) {
        s.control = ControlSub::pending;
        resubscribe_control = true;
      }
    }
    if (resubscribe_control) subscribe_control(d, s);
  }

  void on_cluster_state(Deployment& d, Event e, const std::string& reason) {
    std::vector<std::string> lost;
    std::shared_ptr<EngineHandler> h;
    bool resubscribe_control = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      if (e == Event::resubscribed) {
        lost.assign(d.cluster_channels.begin(), d.cluster_channels.end());
        h = handler_;
      } else if (e == Event::down && d.cluster_reported_up != false) {
        d.cluster_reported_up = false;
        spdlog::warn("msg=\"redis cluster down\" role={} reason=\"{}\"", d.role, reason);
      } else if (e == Event::up) {
        if (d.cluster_reported_up != true) {
          d.cluster_reported_up = true;
          spdlog::info("msg=\"redis cluster up\" role={}", d.role);
        }
        if (d.with_pubsub && d.cluster_control == ControlSub::none) {
          d.cluster_control = ControlSub::pending;
          resubscribe_control = true;
        }
      }
    }
    if (e == Event::resubscribed) {
      spdlog::info("msg=\"redis pub/sub resubscribed\" role={} reason=\"{}\" channels={}",
                   d.role, reason, lost.size());
      if (h && !lost.empty()) h->interrupted(std::move(lost));
    }
    if (resubscribe_control) subscribe_control_cluster(d);
  }

  // -- control channels: subscribed on every shard until confirmed, again after failures ------

  void subscribe_control(Deployment& d, Shard& s) {
    auto self = shared_from_this();
    s.pubsub->subscribe({d.control_channel, d.node_channel},
                        [self, &s, &d](std::error_code ec, Reply r) {
                          bool ok = !self->failed("control subscribe", ec, r);
                          std::lock_guard lock(self->mu_);
                          s.control = ok ? ControlSub::confirmed : ControlSub::none;
                          (void)d;
                        });
  }

  void subscribe_control_cluster(Deployment& d) {
    auto self = shared_from_this();
    d.cluster->ssubscribe({d.control_channel, d.node_channel},
                          [self, &d](std::error_code ec, Reply r) {
                            bool ok = !self->failed("control subscribe", ec, r);
                            std::lock_guard lock(self->mu_);
                            d.cluster_control = ok ? ControlSub::confirmed : ControlSub::none;
                          });
  }

  void on_lost(Deployment& d, Shard& s, const std::string& name) {
    std::shared_ptr<EngineHandler> h;
    std::optional<std::string> channel;
    {
      std::lock_guard lock(mu_);
      if (name == d.control_channel || name == d.node_channel) {
        s.control = ControlSub::none;  // subscribed again at the next `up`
      } else if ((channel = d.keys.channel_of(name))) {
        s.channels.erase(*channel);
        h = handler_;
      }
    }
    spdlog::warn("msg=\"redis pub/sub subscription lost\" role={} address={} channel=\"{}\"",
                 d.role, s.address.endpoint(), name);
    if (h && channel) h->interrupted({*channel});
  }

  // -- incoming messages ------------------------------------------------------------------------

  void on_message(Deployment& d, std::string_view name, std::string_view payload) {
    std::shared_ptr<EngineHandler> h;
    {
      std::lock_guard lock(mu_);
      h = handler_;
    }
    if (!h) return;
    if (name == d.control_channel || name == d.node_channel) {
      auto m = control::decode(payload);
      if (!m) return bad_message_.warn("undecodable control message", payload);
      if (m->from == options_.node_uid) return;  // our own, looped back by Redis
      if (!m->to.empty() && m->to != options_.node_uid) return;
      return h->control(std::move(*m));
    }
    auto channel = d.keys.channel_of(name);
    if (!channel) return;
    auto m = decode_message(payload);
    if (!m) return bad_message_.warn("undecodable message on " + std::string(name), payload);
    switch (m->kind) {
      case PubSubMessage::Kind::publication:
        return h->publication(std::move(*channel), std::move(m->publication),
                              std::move(m->epoch));
      case PubSubMessage::Kind::join: return h->join(std::move(*channel), std::move(m->info));
      case PubSubMessage::Kind::leave: return h->leave(std::move(*channel), std::move(m->info));
    }
  }

  // -- helpers ------------------------------------------------------------------------------------

  /// True when the command failed (no reply, or an error reply, which is logged).
  bool failed(std::string_view what, std::error_code ec, const Reply& r) {
    if (ec) return true;  // connection trouble: its transition is logged once elsewhere
    if (!r.is_error()) return false;
    error_reply_.warn(std::string(what) + " failed", r.str());
    return true;
  }

  ReplyCallback simple(Done done) {
    return [self = shared_from_this(), done = std::move(done)](std::error_code ec, Reply r) {
      bool bad = self->failed("command", ec, r);
      if (done) done(bad ? internal() : Error{});
    };
  }

  void send_client_message(const std::string& channel, std::string payload) {
    Deployment& d = *broker_;
    std::string pubsub = d.keys.client_channel(channel);
    auto self = shared_from_this();
    d.command(channel, pubsub, {d.publish_command(), pubsub, std::move(payload)},
              [self](std::error_code ec, Reply r) { self->failed("join/leave publish", ec, r); });
  }

  void read_presence(const std::string& channel, std::function<void(Error, PresenceMap)> done) {
    Deployment& d = *presence_;
    std::string zset = d.keys.presence_expire(channel);
    auto self = shared_from_this();
    scripts::presence_get().run(
        d.sender(channel, zset), {zset, d.keys.presence_data(channel)},
        {std::to_string(unix_seconds())},
        [self, done = std::move(done)](std::error_code ec, Reply r) {
          if (self->failed("presence", ec, r)) return done(internal(), {});
          if (!r.is_array() || r.size() % 2 != 0) {
            self->bad_reply_.warn("unexpected presence reply", r.to_string());
            return done(internal(), {});
          }
          PresenceMap out;
          for (size_t i = 0; i + 1 < r.size(); i += 2) {
            auto info = decode_client_info(r[i + 1].str());
            if (!r[i].is_string() || !info) {
              self->bad_message_.warn("undecodable presence entry", r[i + 1].str());
              continue;  // one foreign entry must not hide the others
            }
            out.emplace(r[i].str(), std::move(*info));
          }
          done({}, std::move(out));
        });
  }

  bool parse_history(const Reply& r, HistoryResult& out) {
    std::optional<uint64_t> top;
    if (r.is_array() && r.size() >= 2 && r[1].is_string()) top = parse_uint(r[0]);
    if (!top) {
      bad_reply_.warn("unexpected history reply", r.to_string());
      return false;
    }
    out.position = StreamPosition{*top, r[1].str()};
    if (r.size() < 3 || r[2].is_nil()) return true;
    if (!r[2].is_array()) return false;
    out.publications.reserve(r[2].size());
    for (const Reply& entry : r[2].elements()) {
      // [id, [field, value, ...]]
      if (!entry.is_array() || entry.size() != 2 || !entry[1].is_array()) return bad_entry(entry);
      auto offset = parse_entry_id(entry[0].str());
      const Reply* data = nullptr;
      const auto& fields = entry[1].elements();
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str() == "d") data = &fields[i + 1];
      }
      if (!offset || !data) return bad_entry(entry);
      auto pub = decode_publication(data->str());
      if (!pub) return bad_entry(entry);
      pub->offset = *offset;
      pub->epoch.clear();
      if (pub->offset == 1) pub->epoch = out.position.epoch;  // see engine/types.hpp
      out.publications.push_back(std::move(*pub));
    }
    return true;
  }

  bool bad_entry(const Reply& entry) {
    bad_reply_.warn("unexpected history entry", entry.to_string());
    return false;
  }

  boost::asio::any_io_executor executor_;
  EngineOptions options_;
  std::mutex mu_;
  bool closed_ = false;
  std::shared_ptr<EngineHandler> handler_;
  std::unique_ptr<Deployment> broker_;
  std::unique_ptr<Deployment> presence_own_;
  Deployment* presence_ = nullptr;
  RateLimitedLog error_reply_;
  RateLimitedLog bad_reply_;
  RateLimitedLog bad_message_;
};

}  // namespace

std::shared_ptr<RedisEngine> make_redis_engine(boost::asio::any_io_executor executor,
                                               EngineOptions options) {
  auto engine = std::make_shared<EngineImpl>(std::move(executor), std::move(options));
  engine->start();
  return engine;
}

}  // namespace herald::redis
