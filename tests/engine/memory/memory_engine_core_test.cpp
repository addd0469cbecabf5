#include "engine/memory/memory_engine_core.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/engine/memory/test_time.hpp"

namespace herald::memory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::at;
using testing::history_opts;
using testing::offsets;
using testing::pub;

constexpr uint64_t kSeed = 7;

MemoryEngineCore core() { return MemoryEngineCore(IdempotencyCache::kDefaultTtl, kSeed); }

HistoryQuery all() {
  HistoryQuery q;
  q.limit = -1;
  return q;
}

TEST(MemoryEngineCore, PublishWithHistorySetsOffset) {
  auto engine = core();
  Publication p = pub("a");
  auto out = engine.publish("ch", p, history_opts(10, 60, 3600), at(0));
  EXPECT_FALSE(out.from_cache);
  EXPECT_EQ(out.position.offset, 1u);
  EXPECT_EQ(p.offset, 1u);
  Error err;
  auto r = engine.history("ch", all(), at(1), &err);
  EXPECT_THAT(offsets(r), ElementsAre(1));
  EXPECT_EQ(r.publications[0].data, "a");
  EXPECT_EQ(r.position, out.position);
}

TEST(MemoryEngineCore, PublishWithoutHistoryReturnsEmptyPosition) {
  auto engine = core();
  Publication p = pub("a");
  p.offset = 99;
  auto opts = history_opts(10, 60, 3600);
  opts.skip_history = true;
  auto out = engine.publish("ch", p, opts, at(0));
  EXPECT_EQ(out.position, StreamPosition{});
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(engine.history_store().channel_count(), 0u);
  Publication q = pub("b");
  EXPECT_EQ(engine.publish("ch", q, PublishOptions{}, at(0)).position, StreamPosition{});
}

TEST(MemoryEngineCore, IdempotentRepeatReturnsFirstResultAndStoresNothing) {
  auto engine = core();
  auto opts = history_opts(10, 600, 3600);
  opts.idempotency_key = "key-1";
  Publication first = pub("a");
  auto out1 = engine.publish("ch", first, opts, at(0));
  Publication repeat = pub("a");
  auto out2 = engine.publish("ch", repeat, opts, at(299));
  EXPECT_TRUE(out2.from_cache);
  EXPECT_EQ(out2.position, out1.position);
  EXPECT_EQ(repeat.offset, 1u);
  Error err;
  EXPECT_THAT(offsets(engine.history("ch", all(), at(299), &err)), ElementsAre(1));

  // Another key or channel is not a repeat.
  Publication other = pub("b");
  auto other_opts = opts;
  other_opts.idempotency_key = "key-2";
  EXPECT_EQ(engine.publish("ch", other, other_opts, at(1)).position.offset, 2u);

  // After 300 s the key is forgotten: the publish goes through anew.
  Publication late = pub("a");
  auto out3 = engine.publish("ch", late, opts, at(300));
  EXPECT_FALSE(out3.from_cache);
  EXPECT_EQ(out3.position.offset, 3u);
  EXPECT_THAT(offsets(engine.history("ch", all(), at(300), &err)), ElementsAre(1, 2, 3));
}

TEST(MemoryEngineCore, IdempotentPublishWithoutHistoryIsRemembered) {
  auto engine = core();
  PublishOptions opts;
  opts.idempotency_key = "k";
  Publication p = pub("a");
  EXPECT_FALSE(engine.publish("ch", p, opts, at(0)).from_cache);
  auto again = engine.publish("ch", p, opts, at(1));
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.position, StreamPosition{});
}

TEST(MemoryEngineCore, PresenceAndHistoryRemoveForward) {
  auto engine = core();
  engine.add_presence("ch", ClientInfo{"u", "c1", "", ""}, std::chrono::seconds(60), at(0));
  engine.add_presence("ch", ClientInfo{"u", "c2", "", ""}, std::chrono::seconds(60), at(0));
  EXPECT_EQ(engine.presence("ch", at(1)).size(), 2u);
  EXPECT_EQ(engine.presence_stats("ch", at(1)).num_users, 1u);
  EXPECT_TRUE(engine.remove_presence("ch", "c1"));
  EXPECT_EQ(engine.presence_stats("ch", at(1)).num_clients, 1u);

  Publication p = pub("a");
  auto top = engine.publish("ch", p, history_opts(10, 60, 3600), at(0)).position;
  engine.remove_history("ch");
  Error err;
  auto r = engine.history("ch", all(), at(1), &err);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position, top);
}

TEST(MemoryEngineCore, ExpireAllSweepsEveryStore) {
  auto engine = core();
  auto opts = history_opts(10, 60, 120);
  opts.idempotency_key = "k";
  Publication p = pub("a");
  engine.publish("ch", p, opts, at(0));  // stream @60, meta @120, result @300
  engine.add_presence("ch", ClientInfo{"u", "c1", "", ""}, std::chrono::seconds(30), at(0));
  EXPECT_EQ(engine.next_deadline(), at(30));
  EXPECT_EQ(engine.expire_all(at(29)), 0u);
  EXPECT_EQ(engine.expire_all(at(60)), 2u);   // presence entry + stream
  EXPECT_EQ(engine.expire_all(at(120)), 1u);  // meta
  EXPECT_EQ(engine.history_store().channel_count(), 0u);
  EXPECT_EQ(engine.idempotency_cache().size(), 1u);
  EXPECT_EQ(engine.expire_all(at(300)), 1u);  // idempotency result
  EXPECT_EQ(engine.idempotency_cache().size(), 0u);
  EXPECT_FALSE(engine.next_deadline().has_value());
}

}  // namespace
}  // namespace herald::memory
