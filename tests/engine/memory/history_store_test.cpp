#include "engine/memory/history_store.hpp"

#include <cctype>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/codes.hpp"
#include "tests/engine/memory/test_time.hpp"

namespace herald::memory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::at;
using testing::history_opts;
using testing::offsets;
using testing::pub;

constexpr uint64_t kSeed = 42;

HistoryQuery query(int32_t limit, std::optional<StreamPosition> since = std::nullopt,
                   bool reverse = false) {
  HistoryQuery q;
  q.limit = limit;
  q.since = std::move(since);
  q.reverse = reverse;
  q.history_meta_ttl_ms = 3600'000;
  return q;
}

/// A store with offsets 1..n published at at(0) into "ch", keeping `size`.
HistoryStore filled(uint64_t n, uint64_t size) {
  HistoryStore store(kSeed);
  for (uint64_t i = 1; i <= n; ++i) {
    store.add("ch", pub("p" + std::to_string(i)), history_opts(size, 60, 3600), at(0));
  }
  return store;
}

TEST(HistoryStore, OffsetsStartAtOneWithFourLetterEpoch) {
  HistoryStore store(kSeed);
  auto first = store.add("ch", pub("a"), history_opts(10, 60, 3600), at(0));
  auto second = store.add("ch", pub("b"), history_opts(10, 60, 3600), at(1));
  EXPECT_EQ(first.offset, 1u);
  EXPECT_EQ(second.offset, 2u);
  EXPECT_EQ(first.epoch, second.epoch);
  ASSERT_EQ(first.epoch.size(), 8u);
  for (char c : first.epoch) EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(c))) << c;
  // Another channel has its own counter and epoch stream.
  EXPECT_EQ(store.add("other", pub("c"), history_opts(10, 60, 3600), at(1)).offset, 1u);
}

TEST(HistoryStore, TrimsToHistorySizeAndKeepsOffsets) {
  HistoryStore store = filled(5, 3);
  Error err;
  auto r = store.read("ch", query(-1), at(1), &err);
  EXPECT_FALSE(err);
  EXPECT_THAT(offsets(r), ElementsAre(3, 4, 5));
  EXPECT_EQ(r.publications.front().data, "p3");
  EXPECT_EQ(r.position.offset, 5u);
  EXPECT_EQ(store.add("ch", pub("p6"), history_opts(3, 60, 3600), at(1)).offset, 6u);
  EXPECT_THAT(offsets(store.read("ch", query(-1), at(1), &err)), ElementsAre(4, 5, 6));
}

TEST(HistoryStore, LimitZeroReturnsPositionOnly) {
  HistoryStore store = filled(4, 10);
  Error err;
  auto r = store.read("ch", query(0), at(1), &err);
  EXPECT_FALSE(err);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position.offset, 4u);
  EXPECT_FALSE(r.position.epoch.empty());
}

TEST(HistoryStore, LimitMinusOneReturnsAllAndPositiveLimitCapsOldestFirst) {
  HistoryStore store = filled(6, 10);
  Error err;
  EXPECT_THAT(offsets(store.read("ch", query(-1), at(1), &err)), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(offsets(store.read("ch", query(2), at(1), &err)), ElementsAre(1, 2));
  EXPECT_THAT(offsets(store.read("ch", query(100), at(1), &err)).size(), 6u);
}

TEST(HistoryStore, ReverseWithoutSinceIsNewestFirst) {
  HistoryStore store = filled(5, 10);
  Error err;
  EXPECT_THAT(offsets(store.read("ch", query(2, std::nullopt, true), at(1), &err)),
              ElementsAre(5, 4));
  EXPECT_THAT(offsets(store.read("ch", query(-1, std::nullopt, true), at(1), &err)),
              ElementsAre(5, 4, 3, 2, 1));
}

TEST(HistoryStore, SinceForwardReturnsLaterOffsets) {
  HistoryStore store = filled(6, 10);
  Error err;
  auto top = store.read("ch", query(0), at(1), &err).position;
  EXPECT_THAT(offsets(store.read("ch", query(-1, StreamPosition{3, top.epoch}), at(1), &err)),
              ElementsAre(4, 5, 6));
  EXPECT_THAT(offsets(store.read("ch", query(2, StreamPosition{3, top.epoch}), at(1), &err)),
              ElementsAre(4, 5));
  // An empty epoch in `since` is accepted (client does not know it yet).
  EXPECT_THAT(offsets(store.read("ch", query(-1, StreamPosition{5, ""}), at(1), &err)),
              ElementsAre(6));
  EXPECT_FALSE(err);
  // At or beyond the top: nothing, but the position.
  auto r = store.read("ch", query(-1, StreamPosition{6, top.epoch}), at(1), &err);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position, top);
  EXPECT_THAT(store.read("ch", query(-1, StreamPosition{99, ""}), at(1), &err).publications,
              IsEmpty());
}

TEST(HistoryStore, SinceReverseReturnsEarlierOffsetsNewestFirst) {
  HistoryStore store = filled(6, 10);
  Error err;
  EXPECT_THAT(offsets(store.read("ch", query(-1, StreamPosition{4, ""}, true), at(1), &err)),
              ElementsAre(3, 2, 1));
  EXPECT_THAT(offsets(store.read("ch", query(2, StreamPosition{4, ""}, true), at(1), &err)),
              ElementsAre(3, 2));
  EXPECT_THAT(store.read("ch", query(-1, StreamPosition{1, ""}, true), at(1), &err).publications,
              IsEmpty());
  EXPECT_FALSE(err);
}

TEST(HistoryStore, SinceOutsideTrimmedWindow) {
  HistoryStore store = filled(10, 3);  // keeps 8, 9, 10
  Error err;
  EXPECT_THAT(offsets(store.read("ch", query(-1, StreamPosition{2, ""}), at(1), &err)),
              ElementsAre(8, 9, 10));
  EXPECT_THAT(offsets(store.read("ch", query(-1, StreamPosition{9, ""}, true), at(1), &err)),
              ElementsAre(8));
  EXPECT_THAT(store.read("ch", query(-1, StreamPosition{8, ""}, true), at(1), &err).publications,
              IsEmpty());
}

TEST(HistoryStore, ReverseSinceZeroIsBadRequestAndTouchesNothing) {
  HistoryStore store(kSeed);
  Error err;
  auto r = store.read("ch", query(10, StreamPosition{0, ""}, true), at(0), &err);
  EXPECT_EQ(err.code, static_cast<uint32_t>(ErrorCode::bad_request));
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(store.channel_count(), 0u);
}

TEST(HistoryStore, EpochMismatchIsUnrecoverablePosition) {
  HistoryStore store = filled(3, 10);
  Error err;
  auto r = store.read("ch", query(-1, StreamPosition{1, "zzzz"}), at(1), &err);
  EXPECT_EQ(err, make_error(ErrorCode::unrecoverable_position));
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position.offset, 3u);
  // A following good read resets the error.
  store.read("ch", query(-1, StreamPosition{1, r.position.epoch}), at(1), &err);
  EXPECT_FALSE(err);
}

TEST(HistoryStore, ReadOfUnknownChannelCreatesEpochThatPublishContinues) {
  HistoryStore store(kSeed);
  Error err;
  auto r = store.read("new", query(10), at(0), &err);
  EXPECT_FALSE(err);
  EXPECT_EQ(r.position.offset, 0u);
  EXPECT_FALSE(r.position.epoch.empty());
  EXPECT_EQ(store.channel_count(), 1u);
  auto pos = store.add("new", pub("x"), history_opts(10, 60, 3600), at(1));
  EXPECT_EQ(pos, (StreamPosition{1, r.position.epoch}));
}

TEST(HistoryStore, StreamTtlDropsPublicationsButKeepsPosition) {
  HistoryStore store(kSeed);
  auto opts = history_opts(10, 60, 3600);
  store.add("ch", pub("a"), opts, at(0));
  auto top = store.add("ch", pub("b"), opts, at(30));  // refreshes the whole stream's TTL
  Error err;
  EXPECT_THAT(offsets(store.read("ch", query(-1), at(89), &err)), ElementsAre(1, 2));
  auto r = store.read("ch", query(-1), at(90), &err);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position, top);
  EXPECT_EQ(store.add("ch", pub("c"), opts, at(91)), (StreamPosition{3, top.epoch}));
  EXPECT_THAT(offsets(store.read("ch", query(-1), at(92), &err)), ElementsAre(3));
}

TEST(HistoryStore, MetaTtlExpiryStartsNewEpochAndRestartsOffsets) {
  HistoryStore store(kSeed);
  auto opts = history_opts(10, 60, 300);
  store.add("ch", pub("a"), opts, at(0));
  auto old_top = store.add("ch", pub("b"), opts, at(10));
  Error err;
  HistoryQuery position_only = query(0);
  position_only.history_meta_ttl_ms = 300'000;
  // A read refreshes the meta TTL (310 → 400 → 699).
  EXPECT_EQ(store.read("ch", position_only, at(100), &err).position, old_top);
  EXPECT_EQ(store.read("ch", position_only, at(399), &err).position, old_top);
  auto fresh = store.add("ch", pub("c"), opts, at(699));
  EXPECT_EQ(fresh.offset, 1u);
  EXPECT_NE(fresh.epoch, old_top.epoch);
  // The old position is now unrecoverable.
  store.read("ch", query(-1, old_top), at(700), &err);
  EXPECT_EQ(err.code, static_cast<uint32_t>(ErrorCode::unrecoverable_position));
}

TEST(HistoryStore, MetaWithoutTtlNeverExpires) {
  HistoryStore store(kSeed);
  auto top = store.add("ch", pub("a"), history_opts(10, 60, 0), at(0));
  Error err;
  HistoryQuery q = query(-1);
  q.history_meta_ttl_ms = 0;
  EXPECT_EQ(store.expire(at(1'000'000)), 1u);  // the stream only
  auto r = store.read("ch", q, at(1'000'000), &err);
  EXPECT_EQ(r.position, top);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(store.channel_count(), 1u);
}

TEST(HistoryStore, RemoveKeepsEpochAndOffset) {
  HistoryStore store = filled(4, 10);
  Error err;
  auto top = store.read("ch", query(0), at(1), &err).position;
  store.remove("ch");
  store.remove("unknown");
  auto r = store.read("ch", query(-1), at(1), &err);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position, top);
  EXPECT_EQ(store.add("ch", pub("e"), history_opts(10, 60, 3600), at(2)).offset, 5u);
  EXPECT_EQ(store.channel_count(), 1u);
}

TEST(HistoryStore, ExpireCollectsStreamsThenMetas) {
  HistoryStore store(kSeed);
  store.add("a", pub("1"), history_opts(10, 60, 300), at(0));
  store.add("b", pub("1"), history_opts(10, 60, 300), at(0));
  store.add("b", pub("2"), history_opts(10, 60, 300), at(50));  // extends b
  EXPECT_EQ(store.expire(at(59)), 0u);
  EXPECT_EQ(store.expire(at(60)), 1u);   // a's stream
  EXPECT_EQ(store.expire(at(110)), 1u);  // b's stream, after its re-pushed deadline
  EXPECT_EQ(store.channel_count(), 2u);
  EXPECT_EQ(store.expire(at(300)), 1u);  // a's meta
  EXPECT_EQ(store.channel_count(), 1u);
  EXPECT_EQ(store.expire(at(350)), 1u);  // b's meta
  EXPECT_EQ(store.channel_count(), 0u);
  EXPECT_EQ(store.pending_deadlines(), 0u);
  EXPECT_FALSE(store.next_deadline().has_value());
}

TEST(HistoryStore, ManyPublishesKeepOneDeadlinePerKind) {
  HistoryStore store(kSeed);
  for (int i = 0; i < 1000; ++i) {
    store.add("ch", pub("x"), history_opts(5, 60, 300), at(i % 50));
  }
  EXPECT_EQ(store.pending_deadlines(), 2u);
  EXPECT_EQ(store.next_deadline(), at(60));
}

TEST(HistoryStore, LazilyExpiredChannelIsRecreatedCleanly) {
  HistoryStore store(kSeed);
  auto opts = history_opts(10, 60, 300);
  auto old_top = store.add("ch", pub("a"), opts, at(0));
  // Expired at access time, before any expire() call: new epoch, offset 1.
  auto fresh = store.add("ch", pub("b"), opts, at(400));
  EXPECT_EQ(fresh.offset, 1u);
  EXPECT_NE(fresh.epoch, old_top.epoch);
  // The stale heap items of the first incarnation must not drop the new one early.
  EXPECT_EQ(store.expire(at(459)), 0u);
  Error err;
  HistoryQuery keep_meta_ttl = query(-1);
  keep_meta_ttl.history_meta_ttl_ms = 0;
  EXPECT_THAT(offsets(store.read("ch", keep_meta_ttl, at(459), &err)), ElementsAre(1));
  EXPECT_EQ(store.expire(at(460)), 1u);
  EXPECT_EQ(store.expire(at(700)), 1u);
  EXPECT_EQ(store.channel_count(), 0u);
}

TEST(HistoryStore, NullErrorPointerIsAccepted) {
  HistoryStore store = filled(2, 10);
  auto r = store.read("ch", query(-1, StreamPosition{0, "nope"}), at(1), nullptr);
  EXPECT_THAT(r.publications, IsEmpty());
  EXPECT_EQ(r.position.offset, 2u);
}

}  // namespace
}  // namespace herald::memory
