#include "actors/partition/redis_partition_store.hpp"

#include <charconv>
#include <chrono>
#include <mutex>
#include <set>

#include "engine/redis/channel_state_scripts.hpp"
#include "engine/redis/engine_codec.hpp"
#include "engine/redis/script.hpp"

namespace herald {

namespace scripts = redis::scripts;
using redis::Reply;

namespace {

std::optional<int64_t> to_int(const Reply& r) {
  if (r.is_integer()) return r.integer();
  if (!r.is_string()) return std::nullopt;
  int64_t v = 0;
  const std::string& s = r.str();
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

/// An error text for a failed call, or "" when `r` is a usable answer.
std::string failure(std::error_code ec, const Reply& r) {
  if (ec) return ec.message();
  if (r.is_error()) return r.str();
  return {};
}

LogStatus status_of(const Reply& backlog, const Reply& oldest) {
  LogStatus s;
  s.backlog = static_cast<uint64_t>(std::max<int64_t>(0, to_int(backlog).value_or(0)));
  if (auto t = to_int(oldest); t && *t >= 0) s.oldest_ms = *t;
  return s;
}

/// {emitted, dropped, next_due | -1, backlog, oldest | -1}
std::optional<StoreReport> parse_report(const Reply& r) {
  if (!r.is_array() || r.size() < 5) return std::nullopt;
  StoreReport out;
  auto emitted = to_int(r[0]), dropped = to_int(r[1]), due = to_int(r[2]);
  if (!emitted || !dropped || !due) return std::nullopt;
  out.emitted = static_cast<uint64_t>(*emitted);
  out.dropped = static_cast<uint64_t>(*dropped);
  if (*due >= 0) out.next_due_ms = *due;
  out.log = status_of(r[3], r[4]);
  return out;
}

/// A stream entry [id "0-<seq>", [c, ch, t, o|v, g, gen, m, ms, r, reason]].
std::optional<LoggedEvent> parse_entry(uint32_t partition, const Reply& e) {
  if (!e.is_array() || e.size() < 2 || !e[0].is_string() || !e[1].is_array())
    return std::nullopt;
  const std::string& id = e[0].str();
  const size_t dash = id.find('-');
  if (dash == std::string::npos) return std::nullopt;
  LoggedEvent out;
  auto [p, ec] = std::from_chars(id.data() + dash + 1, id.data() + id.size(), out.seq);
  if (ec != std::errc{}) return std::nullopt;
  const auto& f = e[1].elements();
  bool has_channel = false, has_gen = false;
  for (size_t i = 0; i + 1 < f.size(); i += 2) {
    const std::string& k = f[i].str();
    const std::string& v = f[i + 1].str();
    if (k == "c") {
      out.event.channel = v;
      has_channel = true;
    } else if (k == "t") {
      out.event.type = v == "v" ? ChannelStateEvent::Type::vacated
                                : ChannelStateEvent::Type::occupied;
    } else if (k == "g") {
      auto g = to_int(f[i + 1]);
      if (!g || *g < 0) return std::nullopt;
      out.event.gen = static_cast<uint64_t>(*g);
      has_gen = true;
    } else if (k == "m") {
      out.event.time_ms = to_int(f[i + 1]).value_or(0);
    } else if (k == "r") {
      out.event.reason = v;
    }
  }
  if (!has_channel || !has_gen) return std::nullopt;
  out.event.id = std::to_string(partition) + "-" + std::to_string(out.event.gen);
  return out;
}

const char* kind_arg(PresenceChange::Kind k) { return k == PresenceChange::Kind::add ? "a" : "r"; }

}  // namespace

RedisPartitionStore::RedisPartitionStore(std::shared_ptr<redis::Router> router, Options options)
    : router_(std::move(router)), options_(std::move(options)), clock_(options_.clock) {
  if (!clock_)
    clock_ = [] {
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
  if (options_.num_partitions == 0) options_.num_partitions = 1;
  if (options_.limits.max_log == 0) options_.limits.max_log = 1;
  if (options_.batch_limit == 0) options_.batch_limit = 1;
}

std::string RedisPartitionStore::partition_tag(const std::string& prefix, uint32_t partition) {
  return prefix + ".cs." + std::to_string(partition);
}

std::string RedisPartitionStore::cluster_tag(const std::string& prefix) { return prefix + ".cs"; }

std::string RedisPartitionStore::base(uint32_t partition) const {
  return "{" + partition_tag(options_.prefix, partition) + "}";
}

redis::Sender RedisPartitionStore::sender(uint32_t partition) const {
  return router_->sender(partition_tag(options_.prefix, partition));
}

std::vector<std::string> RedisPartitionStore::common_args(uint32_t partition) const {
  const int64_t now = clock_();
  return {base(partition), std::to_string(now), std::to_string(options_.limits.vacated_delay_ms),
          std::to_string(options_.limits.max_log),
          std::to_string(options_.initial_counter ? options_.initial_counter()
                                                  : static_cast<uint64_t>(now) * 1000)};
}

void RedisPartitionStore::write(const char* what, uint32_t partition, const redis::Script& script,
                                std::vector<std::string> extra, Callback<StoreReport> done) {
  if (partition >= options_.num_partitions)
    return done({"no partition " + std::to_string(partition), {}});
  auto args = common_args(partition);
  args.reserve(args.size() + extra.size());
  for (auto& a : extra) args.push_back(std::move(a));
  script.run(sender(partition), {base(partition) + ":meta"}, std::move(args),
             [what, done = std::move(done)](std::error_code ec, Reply r) {
               StoreResult<StoreReport> out;
               out.error = failure(ec, r);
               if (out.error.empty()) {
                 if (auto report = parse_report(r))
                   out.value = *report;
                 else
                   out.error = std::string("unexpected ") + what + " answer: " + r.to_string();
               }
               done(std::move(out));
             });
}

void RedisPartitionStore::apply(uint32_t partition, std::string node,
                                std::vector<PresenceChange> changes, Callback<StoreReport> done) {
  std::vector<std::string> extra;
  extra.reserve(1 + 5 * changes.size());
  extra.push_back(std::move(node));
  for (auto& c : changes) {
    extra.emplace_back(kind_arg(c.kind));
    extra.push_back(std::move(c.channel));
    extra.push_back(c.info.client);
    if (c.kind == PresenceChange::Kind::add) {
      extra.push_back(std::to_string(c.ttl_ms));
      extra.push_back(redis::encode_client_info(c.info));
    } else {
      extra.emplace_back(to_string(c.reason));
      extra.emplace_back();
    }
  }
  write("apply", partition, scripts::state_apply(), std::move(extra), std::move(done));
}

void RedisPartitionStore::sweep(uint32_t partition, std::vector<std::string> dead_nodes,
                                Callback<StoreReport> done) {
  std::vector<std::string> extra{std::to_string(options_.batch_limit)};
  for (auto& n : dead_nodes) extra.push_back(std::move(n));
  write("sweep", partition, scripts::state_sweep(), std::move(extra), std::move(done));
}

void RedisPartitionStore::fire_due(uint32_t partition, Callback<StoreReport> done) {
  write("fire_due", partition, scripts::state_fire_due(), {std::to_string(options_.batch_limit)},
        std::move(done));
}

void RedisPartitionStore::read(uint32_t partition, uint64_t after, size_t max,
                               Callback<LogRead> done) {
  if (partition >= options_.num_partitions)
    return done({"no partition " + std::to_string(partition), {}});
  scripts::state_read().run(
      sender(partition), {base(partition) + ":log"},
      {std::to_string(after), std::to_string(std::max<size_t>(1, max))},
      [partition, done = std::move(done)](std::error_code ec, Reply r) {
        StoreResult<LogRead> out;
        out.error = failure(ec, r);
        if (!out.error.empty()) return done(std::move(out));
        if (!r.is_array() || r.size() < 3 || !r[2].is_array()) {
          out.error = "unexpected read answer: " + r.to_string();
          return done(std::move(out));
        }
        out.value.status = status_of(r[0], r[1]);
        for (const auto& e : r[2].elements()) {
          auto ev = parse_entry(partition, e);
          if (!ev) {
            out.error = "malformed event in the log: " + e.to_string();
            return done(std::move(out));
          }
          out.value.events.push_back(std::move(*ev));
        }
        done(std::move(out));
      });
}

void RedisPartitionStore::ack(uint32_t partition, uint64_t up_to, Callback<LogStatus> done) {
  if (partition >= options_.num_partitions)
    return done({"no partition " + std::to_string(partition), {}});
  scripts::state_ack().run(sender(partition), {base(partition) + ":log"},
                           {"0-" + std::to_string(up_to + 1)},
                           [done = std::move(done)](std::error_code ec, Reply r) {
                             StoreResult<LogStatus> out;
                             out.error = failure(ec, r);
                             if (out.error.empty()) {
                               if (r.is_array() && r.size() >= 2)
                                 out.value = status_of(r[0], r[1]);
                               else
                                 out.error = "unexpected ack answer: " + r.to_string();
                             }
                             done(std::move(out));
                           });
}

// -- reads ------------------------------------------------------------------------------------

void RedisPartitionStore::hgetall_members(
    uint32_t partition, std::string channel,
    std::function<void(StoreResult<PresenceMapResult>)> done) {
  if (partition >= options_.num_partitions)
    return done({"no partition " + std::to_string(partition), {}});
  const int64_t now = clock_();
  sender(partition)({"HGETALL", base(partition) + ":m:" + channel},
                    [now, done = std::move(done)](std::error_code ec, Reply r) {
                      StoreResult<PresenceMapResult> out;
                      out.error = failure(ec, r);
                      if (!out.error.empty()) return done(std::move(out));
                      if (!r.is_array()) {
                        out.error = "unexpected HGETALL answer: " + r.to_string();
                        return done(std::move(out));
                      }
                      // "<expire_ms>|<node>|<ClientInfo>"; lapsed entries are not shown
                      // (reads never see them, as PartitionState::presence).
                      for (size_t i = 0; i + 1 < r.size(); i += 2) {
                        const std::string& v = r[i + 1].str();
                        const size_t a = v.find('|');
                        const size_t b = a == std::string::npos ? a : v.find('|', a + 1);
                        if (b == std::string::npos) continue;
                        int64_t expire = 0;
                        std::from_chars(v.data(), v.data() + a, expire);
                        if (expire <= now) continue;
                        auto info = redis::decode_client_info(std::string_view(v).substr(b + 1));
                        if (!info) continue;
                        out.value.emplace(r[i].str(), std::move(*info));
                      }
                      done(std::move(out));
                    });
}

void RedisPartitionStore::presence(uint32_t partition, std::string channel,
                                   Callback<PresenceMapResult> done) {
  hgetall_members(partition, std::move(channel), std::move(done));
}

void RedisPartitionStore::presence_stats(uint32_t partition, std::string channel,
                                         Callback<PresenceStats> done) {
  hgetall_members(partition, std::move(channel),
                  [done = std::move(done)](StoreResult<PresenceMapResult> r) {
                    StoreResult<PresenceStats> out;
                    out.error = std::move(r.error);
                    std::set<std::string_view> users;
                    for (const auto& [client, info] : r.value) users.insert(info.user);
                    out.value.num_clients = static_cast<uint32_t>(r.value.size());
                    out.value.num_users = static_cast<uint32_t>(users.size());
                    done(std::move(out));
                  });
}

// -- start-up checks --------------------------------------------------------------------------

bool RedisPartitionStore::safe_policy(const std::string& policy) {
  return policy == "noeviction" || policy.rfind("volatile-", 0) == 0;
}

namespace {

/// Collects the answers of many commands; calls `done` with all of them once the last came.
template <class T>
class Gather {
 public:
  Gather(size_t n, std::function<void(std::vector<T>)> done) : left_(n), done_(std::move(done)) {
    results_.resize(n);
  }
  void set(size_t i, T value) {
    std::function<void(std::vector<T>)> done;
    {
      std::lock_guard lock(mu_);
      results_[i] = std::move(value);
      if (--left_ != 0) return;
      done = std::move(done_);
    }
    done(std::move(results_));
  }

 private:
  std::mutex mu_;
  size_t left_;
  std::vector<T> results_;
  std::function<void(std::vector<T>)> done_;
};

}  // namespace

void RedisPartitionStore::maxmemory_policies(Callback<std::vector<std::string>> done) {
  // One question per partition's server (and the cluster-wide keys' one): on a cluster the
  // only way to reach every master that holds partitions.
  const uint32_t n = options_.num_partitions;
  auto gather = std::make_shared<Gather<std::string>>(
      n + 1, [done = std::move(done)](std::vector<std::string> all) {
        std::set<std::string> distinct(all.begin(), all.end());
        done({{}, std::vector<std::string>(distinct.begin(), distinct.end())});
      });
  auto ask = [gather](redis::Sender s, size_t i) {
    s({"CONFIG", "GET", "maxmemory-policy"}, [gather, i](std::error_code ec, Reply r) {
      std::string why = failure(ec, r);
      if (why.empty() && r.is_array() && r.size() >= 2 && r[1].is_string())
        return gather->set(i, r[1].str());
      gather->set(i, "?" + (why.empty() ? r.to_string() : why));
    });
  };
  for (uint32_t p = 0; p < n; ++p) ask(sender(p), p);
  ask(router_->sender(cluster_tag(options_.prefix)), n);
}

void RedisPartitionStore::check_num_partitions(bool force, Callback<PartitionCountCheck> done) {
  const std::string config = "{" + cluster_tag(options_.prefix) + "}:config";
  auto global = router_->sender(cluster_tag(options_.prefix));
  const std::string mine = std::to_string(options_.num_partitions);
  auto store = [global, config, mine](PartitionCountCheck check,
                                      Callback<PartitionCountCheck> done) {
    global({"HSET", config, "num_partitions", mine},
           [check, done = std::move(done)](std::error_code ec, Reply r) mutable {
             StoreResult<PartitionCountCheck> out;
             out.error = failure(ec, r);
             check.written = out.error.empty();
             out.value = check;
             done(std::move(out));
           });
  };
  global({"HGET", config, "num_partitions"}, [this, force, store, mine,
                                             done = std::move(done)](std::error_code ec,
                                                                     Reply r) mutable {
    StoreResult<PartitionCountCheck> out;
    out.error = failure(ec, r);
    if (!out.error.empty()) return done(std::move(out));
    PartitionCountCheck check;
    if (r.is_nil() || r.str() == mine) {
      if (!r.is_nil()) check.stored = options_.num_partitions;
      return store(check, std::move(done));
    }
    auto stored = to_int(r);
    if (!stored || *stored <= 0 || *stored > 65536) {
      out.error = "unexpected stored num_partitions: " + r.to_string();
      return done(std::move(out));
    }
    check.stored = static_cast<uint32_t>(*stored);
    // Live state: any partition of the stored count with members, occupied channels,
    // pending vacated events or undelivered events.
    const uint32_t n = *check.stored;
    auto gather = std::make_shared<Gather<int>>(
        n, [check, force, store, done = std::move(done)](std::vector<int> found) mutable {
          for (int f : found) {
            if (f < 0) return done({"cannot read the state of the partitions", {}});
            if (f > 0) check.live = true;
          }
          if (check.live && !force) return done({{}, check});
          store(check, std::move(done));
        });
    for (uint32_t p = 0; p < n; ++p) {
      const std::string b = "{" + partition_tag(options_.prefix, p) + "}";
      router_->sender(partition_tag(options_.prefix, p))(
          {"EXISTS", b + ":exp", b + ":occ", b + ":pend", b + ":log"},
          [gather, p](std::error_code ec, Reply r) {
            gather->set(p, ec || !r.is_integer() ? -1 : static_cast<int>(r.integer()));
          });
    }
  });
}

}  // namespace herald
