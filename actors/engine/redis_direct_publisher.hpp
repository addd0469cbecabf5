// The Redis engine's publish without a mailbox: RedisEngine may be called from any thread and
// answers on its Asio threads (within connect_timeout + io_timeout, error 100 otherwise), so
// the server API's io threads publish through it directly instead of through the engine actor.
#pragma once

#include <memory>

#include "actors/engine/direct_publisher.hpp"
#include "engine/redis/redis_engine.hpp"

namespace herald {

class RedisDirectPublisher final : public DirectPublisher {
 public:
  explicit RedisDirectPublisher(std::shared_ptr<redis::RedisEngine> engine)
      : engine_(std::move(engine)) {}

  void publish(const std::string& channel, Publication pub, const PublishOptions& opts,
               Done done) override {
    engine_->publish(channel, pub, opts,
                     [done = std::move(done)](Error e, StreamPosition pos, bool from_cache) {
                       // No event: the publication comes back through PUB/SUB like any other.
                       done(e, e ? PublishOutcome{} : PublishOutcome{std::move(pos), from_cache, nullptr});
                     });
  }

 private:
  std::shared_ptr<redis::RedisEngine> engine_;
};

}  // namespace herald
