#include "engine/memory/presence_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/engine/memory/test_time.hpp"

namespace herald::memory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Key;
using testing::at;

constexpr std::chrono::milliseconds kTtl = std::chrono::seconds(60);

ClientInfo client(std::string user, std::string id) {
  return ClientInfo{std::move(user), std::move(id), R"({"name":"x"})", ""};
}

TEST(PresenceStore, AddAndGetByClientId) {
  PresenceStore store;
  store.add("ch", client("42", "c1"), kTtl, at(0));
  store.add("ch", client("43", "c2"), kTtl, at(0));
  store.add("other", client("44", "c3"), kTtl, at(0));
  auto presence = store.get("ch", at(1));
  EXPECT_THAT(presence, ElementsAre(Key("c1"), Key("c2")));
  EXPECT_EQ(presence.at("c1"), client("42", "c1"));
  EXPECT_THAT(store.get("none", at(1)), IsEmpty());
  EXPECT_EQ(store.channel_count(), 2u);
}

TEST(PresenceStore, RefreshExtendsTtlAndReplacesInfo) {
  PresenceStore store;
  store.add("ch", client("42", "c1"), kTtl, at(0));
  ClientInfo updated = client("42", "c1");
  updated.chan_info = R"({"role":"admin"})";
  store.add("ch", updated, kTtl, at(50));
  auto presence = store.get("ch", at(100));
  ASSERT_EQ(presence.size(), 1u);
  EXPECT_EQ(presence.at("c1").chan_info, R"({"role":"admin"})");
  EXPECT_THAT(store.get("ch", at(110)), IsEmpty());
}

TEST(PresenceStore, ExpiredEntriesAreExcludedAndCollected) {
  PresenceStore store;
  store.add("ch", client("42", "c1"), kTtl, at(0));
  store.add("ch", client("43", "c2"), kTtl, at(30));
  EXPECT_THAT(store.get("ch", at(60)), ElementsAre(Key("c2")));
  EXPECT_EQ(store.stats("ch", at(60)).num_clients, 1u);
  EXPECT_EQ(store.expire(at(89)), 0u);
  EXPECT_EQ(store.expire(at(90)), 1u);
  EXPECT_EQ(store.channel_count(), 0u);
  EXPECT_FALSE(store.next_deadline().has_value());
}

TEST(PresenceStore, RemoveReportsWhetherPresent) {
  PresenceStore store;
  store.add("ch", client("42", "c1"), kTtl, at(0));
  EXPECT_TRUE(store.remove("ch", "c1"));
  EXPECT_FALSE(store.remove("ch", "c1"));
  EXPECT_FALSE(store.remove("none", "c1"));
  EXPECT_THAT(store.get("ch", at(1)), IsEmpty());
  EXPECT_EQ(store.channel_count(), 0u);
}

TEST(PresenceStore, ReAddAfterRemoveIsNotExpiredByTheOldDeadline) {
  PresenceStore store;
  store.add("ch", client("42", "c1"), kTtl, at(0));
  store.remove("ch", "c1");
  store.add("ch", client("42", "c1"), kTtl, at(30));
  EXPECT_EQ(store.expire(at(60)), 0u);  // the first entry's item is stale
  EXPECT_THAT(store.get("ch", at(89)), ElementsAre(Key("c1")));
  EXPECT_EQ(store.expire(at(90)), 1u);
}

TEST(PresenceStore, StatsCountDistinctUsersWithAnonymousAsOne) {
  PresenceStore store;
  store.add("ch", client("42", "c1"), kTtl, at(0));
  store.add("ch", client("42", "c2"), kTtl, at(0));  // same user, second tab
  store.add("ch", client("7", "c3"), kTtl, at(0));
  store.add("ch", client("", "c4"), kTtl, at(0));
  store.add("ch", client("", "c5"), kTtl, at(0));
  auto stats = store.stats("ch", at(1));
  EXPECT_EQ(stats.num_clients, 5u);
  EXPECT_EQ(stats.num_users, 3u);  // "42", "7", ""

  store.remove("ch", "c1");
  EXPECT_EQ(store.stats("ch", at(1)).num_users, 3u);  // "42" still has c2
  store.remove("ch", "c2");
  EXPECT_EQ(store.stats("ch", at(1)).num_users, 2u);

  // A client whose user changes moves between users.
  store.add("ch", client("8", "c3"), kTtl, at(1));
  stats = store.stats("ch", at(1));
  EXPECT_EQ(stats.num_clients, 3u);
  EXPECT_EQ(stats.num_users, 2u);  // "8", ""
  EXPECT_EQ(store.stats("none", at(1)).num_clients, 0u);
}

TEST(PresenceStore, ChurnDoesNotHoldDeadlinesOfRemovedEntries) {
  // Connections that subscribe and leave within the TTL: their deadline items must not pile
  // up until the TTL passes (memory proportional to what is live).
  PresenceStore store;
  store.add("ch", client("1", "stays"), kTtl, at(0));
  for (int i = 0; i < 20000; ++i) {
    const std::string id = "c" + std::to_string(i);
    store.add("ch", client("u", id), kTtl, at(0));
    EXPECT_TRUE(store.remove("ch", id));
  }
  EXPECT_LE(store.deadline_items(), 2100u);
  EXPECT_EQ(store.stats("ch", at(0)).num_clients, 1u);
  EXPECT_EQ(store.expire(at(60)), 1u);  // the live entry still expires on time
}

TEST(PresenceStore, RefreshesKeepOneHeapItemPerEntry) {
  PresenceStore store;
  for (int i = 0; i < 100; ++i) store.add("ch", client("42", "c1"), kTtl, at(i));
  EXPECT_EQ(store.next_deadline(), at(60));
  EXPECT_EQ(store.expire(at(60)), 0u);  // re-pushed at its refreshed deadline
  EXPECT_EQ(store.next_deadline(), at(159));
  EXPECT_EQ(store.expire(at(159)), 1u);
}

}  // namespace
}  // namespace herald::memory
