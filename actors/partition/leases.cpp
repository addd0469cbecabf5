#include "actors/partition/leases.hpp"

#include <chrono>

#include "actors/partition/redis_partition_store.hpp"
#include "engine/redis/channel_state_scripts.hpp"
#include "engine/redis/router.hpp"

namespace herald {

namespace scripts = redis::scripts;
using redis::Reply;

namespace {

std::string failure(std::error_code ec, const Reply& r) {
  if (ec) return ec.message();
  if (r.is_error()) return r.str();
  return {};
}

std::vector<std::string> strings(const Reply& r) {
  std::vector<std::string> out;
  if (!r.is_array()) return out;
  for (const auto& e : r.elements())
    if (e.is_string()) out.push_back(e.str());
  return out;
}

}  // namespace

RedisLeases::RedisLeases(std::shared_ptr<redis::Router> router, std::string prefix,
                         int64_t keep_lapsed_ms, std::function<int64_t()> clock)
    : router_(std::move(router)),
      prefix_(std::move(prefix)),
      keep_ms_(keep_lapsed_ms),
      clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] {
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
}

void RedisLeases::heartbeat(const std::string& uid, int64_t lease_ms,
                            Callback<HeartbeatResult> done) {
  const std::string tag = RedisPartitionStore::cluster_tag(prefix_);
  const std::string g = "{" + tag + "}";
  scripts::state_heartbeat().run(
      router_->sender(tag), {g + ":nodes"},
      {g, uid, std::to_string(lease_ms), std::to_string(clock_()), std::to_string(keep_ms_)},
      [done = std::move(done)](std::error_code ec, Reply r) {
        StoreResult<HeartbeatResult> out;
        out.error = failure(ec, r);
        if (out.error.empty()) {
          if (r.is_array() && r.size() >= 4 && r[0].is_integer()) {
            out.value.was_alive = r[0].integer() == 1;
            out.value.live = strings(r[2]);
            out.value.lapsed = strings(r[3]);
          } else {
            out.error = "unexpected heartbeat answer: " + r.to_string();
          }
        }
        done(std::move(out));
      });
}

void RedisLeases::leave(const std::string& uid, Callback<bool> done) {
  const std::string tag = RedisPartitionStore::cluster_tag(prefix_);
  const std::string g = "{" + tag + "}";
  scripts::state_leave().run(router_->sender(tag), {g + ":nodes"},
                             {g, uid, std::to_string(clock_())},
                             [done = std::move(done)](std::error_code ec, Reply r) {
                               StoreResult<bool> out;
                               out.error = failure(ec, r);
                               out.value = out.error.empty();
                               done(std::move(out));
                             });
}

void RedisLeases::lease(uint32_t partition, const std::string& uid, int64_t lease_ms, Op op,
                        Callback<LeaseAnswer> done) {
  const std::string tag = RedisPartitionStore::partition_tag(prefix_, partition);
  const char* action = op == Op::take ? "take" : op == Op::release ? "release" : "probe";
  scripts::state_lease().run(router_->sender(tag), {"{" + tag + "}:lease"},
                             {uid, std::to_string(lease_ms), action},
                             [done = std::move(done)](std::error_code ec, Reply r) {
                               StoreResult<LeaseAnswer> out;
                               out.error = failure(ec, r);
                               if (out.error.empty()) {
                                 if (r.is_array() && r.size() >= 2 && r[0].is_integer()) {
                                   out.value.ours = r[0].integer() == 1;
                                   if (r[1].is_string()) out.value.holder = r[1].str();
                                 } else {
                                   out.error = "unexpected lease answer: " + r.to_string();
                                 }
                               }
                               done(std::move(out));
                             });
}

}  // namespace herald
