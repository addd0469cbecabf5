// Script: SHA1 computed locally, EVALSHA with a transparent EVAL fallback on NOSCRIPT.
#include "engine/redis/script.hpp"

#include <gtest/gtest.h>

#include "engine/redis/connection.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::redis {
namespace {

using namespace test;

TEST(RedisScript, Sha1IsComputedLocally) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(Script("return redis.call('GET', KEYS[1])").sha1(),
            "d3c21d0c2b9ca22f82737626a27bcaf5d288f99f");
}

// "calls" of one command in INFO commandstats ("cmdstat_evalsha:calls=2,usec=...").
long long calls(const herald::test::RedisServer& server, const std::string& command) {
  std::string stats = server.command({"INFO", "commandstats"});
  std::string key = "cmdstat_" + command + ":calls=";
  size_t at = stats.find(key);
  return at == std::string::npos ? 0 : std::stoll(stats.substr(at + key.size()));
}

TEST(RedisScript, FallsBackToEvalWhenTheServerDoesNotKnowTheScript) {
  IoThread io;
  herald::test::RedisServer server;
  ASSERT_TRUE(server.start());
  Connection c(io.executor(), *parse_address(server.address()));
  Script script("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])");
  auto run_once = [&](const std::string& value) {
    Replies r;
    script.run(c, {"k"}, {value}, r.callback());
    return r.get();
  };

  EXPECT_EQ(server.command({"SCRIPT", "EXISTS", script.sha1()}), "0");
  EXPECT_EQ(run_once("one").reply, Reply::string_value("one"));  // NOSCRIPT → EVAL
  EXPECT_EQ(server.command({"SCRIPT", "EXISTS", script.sha1()}), "1");
  EXPECT_EQ(run_once(std::string("t\0wo", 4)).reply, Reply::string_value(std::string("t\0wo", 4)));
  EXPECT_EQ(calls(server, "evalsha"), 2);
  EXPECT_EQ(calls(server, "eval"), 1);

  EXPECT_EQ(server.command({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(run_once("three").reply, Reply::string_value("three"));
  EXPECT_EQ(calls(server, "evalsha"), 3);
  EXPECT_EQ(calls(server, "eval"), 2);
}

TEST(RedisScript, ScriptErrorsArePassedThrough) {
  IoThread io;
  herald::test::RedisServer server;
  ASSERT_TRUE(server.start());
  Connection c(io.executor(), *parse_address(server.address()));
  Replies r;
  Script("return redis.error_reply('BOOM failed on purpose')").run(c, {}, {}, r.callback());
  Result result = r.get();
  EXPECT_FALSE(result.ec);
  EXPECT_TRUE(result.reply.error_is("BOOM")) << result.reply.to_string();
}

}  // namespace
}  // namespace herald::redis
