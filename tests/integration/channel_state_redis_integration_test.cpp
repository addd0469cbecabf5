// The real herald binary with channel state events on the Redis engine: the start-up checks
// (the num_partitions guard refuses a node whose count differs from the one the live state in
// Redis was made with, naming the key; the maxmemory-policy warning) and a clean start and
// SIGTERM stop (leases released, node lease ended). The events themselves across nodes are
// in tests/compat/state_events_redis_test.go.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "tests/support/herald_process.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::test {
namespace {

std::string config(const std::string& redis, int partitions, bool force = false) {
  return write_temp_file("cs-redis.json", R"({
    "http_server": {"address": "127.0.0.1", "port": 0}, "http_api": {"key": "k"},
    "engine": {"type": "redis", "redis": {"address": ")" + redis + R"(", "prefix": "csit",
               "channel_state": {"num_partitions": )" + std::to_string(partitions) + R"(,
                                 "force_num_partitions": )" + std::string(force ? "true" : "false") + R"(,
                                 "vacated_event_delay": "1s", "node_lease": "1s"}}},
    "channel": {"proxy": {"state": {"endpoint": "http://127.0.0.1:9/state"}},
                "namespaces": [{"name": "st", "presence": true, "state_proxy_enabled": true}]}})");
}

class ChannelStateRedis : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.start()); }
  RedisServer redis_;
};

TEST_F(ChannelStateRedis, StartsRecordsItsPartitionCountAndStopsCleanly) {
  HeraldProcess p;
  ASSERT_TRUE(p.start({"-c", config(redis_.address(), 8)})) << p.log();
  EXPECT_NE(p.log().find("channel state events on\" engine=redis partitions=8"),
            std::string::npos)
      << p.log();
  EXPECT_EQ(redis_.command({"HGET", "{csit.cs}:config", "num_partitions"}), "8");
  EXPECT_EQ(p.log().find("maxmemory"), std::string::npos) << p.log();  // noeviction: quiet
  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
}

TEST_F(ChannelStateRedis, AnotherCountOnLiveStateIsRefusedNamingTheKey) {
  redis_.command({"HSET", "{csit.cs}:config", "num_partitions", "8"});
  redis_.command({"ZADD", "{csit.cs.3}:pend", "1", "st:room"});  // a pending vacated: live
  std::string out;
  EXPECT_NE(HeraldProcess::run({"-c", config(redis_.address(), 4)}, out), 0);
  EXPECT_NE(out.find("engine.redis.channel_state.num_partitions: 4 differs from 8"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("{csit.cs}:config"), std::string::npos) << out;
  EXPECT_NE(out.find("force_num_partitions"), std::string::npos) << out;
  EXPECT_EQ(out.find("herald started"), std::string::npos) << out;
  EXPECT_EQ(redis_.command({"HGET", "{csit.cs}:config", "num_partitions"}), "8");

  // The recorded count starts; without live state another count is taken (and logged).
  HeraldProcess same;
  ASSERT_TRUE(same.start({"-c", config(redis_.address(), 8)})) << same.log();
  EXPECT_EQ(same.stop(SIGTERM), 0) << same.log();
  redis_.command({"DEL", "{csit.cs.3}:pend"});
  HeraldProcess other;
  ASSERT_TRUE(other.start({"-c", config(redis_.address(), 4)})) << other.log();
  EXPECT_NE(other.log().find("num_partitions changed"), std::string::npos) << other.log();
  EXPECT_EQ(redis_.command({"HGET", "{csit.cs}:config", "num_partitions"}), "4");
  EXPECT_EQ(other.stop(SIGTERM), 0) << other.log();
}

// force_num_partitions: the same live state, the other count starts, says what it orphans,
// and becomes the recorded count.
TEST_F(ChannelStateRedis, AForcedCountStartsOnLiveStateAndWarns) {
  redis_.command({"HSET", "{csit.cs}:config", "num_partitions", "8"});
  redis_.command({"ZADD", "{csit.cs.3}:pend", "1", "st:room"});
  HeraldProcess p;
  ASSERT_TRUE(p.start({"-c", config(redis_.address(), 4, true)})) << p.log();
  EXPECT_NE(p.log().find("num_partitions changed on live state (force_num_partitions)"),
            std::string::npos)
      << p.log();
  EXPECT_EQ(redis_.command({"HGET", "{csit.cs}:config", "num_partitions"}), "4");
  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
}

TEST_F(ChannelStateRedis, AnEvictingPolicyIsWarnedAbout) {
  redis_.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  HeraldProcess p;
  ASSERT_TRUE(p.start({"-c", config(redis_.address(), 8)})) << p.log();
  EXPECT_NE(p.log().find("maxmemory_policy=\"allkeys-lru\""), std::string::npos) << p.log();
  EXPECT_EQ(p.stop(SIGTERM), 0) << p.log();
}

}  // namespace
}  // namespace herald::test
