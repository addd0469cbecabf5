#include "actors/node/node_registry.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

using Registry = NodeRegistry<int, std::string>;

TEST(NodeRegistry, ChannelLivesFromFirstToLastSubscriber) {
  Registry r;
  EXPECT_EQ(r.find_channel("a"), nullptr);
  auto& ch = r.add_channel("a", 7);
  r.count_subscriber(ch);
  r.count_subscriber(*r.find_channel("a"));
  EXPECT_EQ(r.counts().num_subs, 2u);
  EXPECT_FALSE(r.release_subscriber("a"));
  EXPECT_TRUE(r.release_subscriber("a"));
  EXPECT_EQ(r.find_channel("a"), nullptr);
  EXPECT_EQ(r.counts().num_channels, 0u);
  EXPECT_FALSE(r.release_subscriber("missing"));
}

TEST(NodeRegistry, CountsUsersOncePerUser) {
  Registry r;
  r.add_connection("c1", "u1", "", "h1");
  r.add_connection("c2", "u1", "", "h2");
  r.add_connection("c3", "u2", "", "h3");
  EXPECT_EQ(r.counts().num_clients, 3u);
  EXPECT_EQ(r.counts().num_users, 2u);
  r.remove_connection("c1");
  EXPECT_EQ(r.counts().num_users, 2u);
  r.remove_connection("c2");
  EXPECT_EQ(r.counts().num_users, 1u);
  r.remove_connection("unknown");
  EXPECT_EQ(r.counts().num_clients, 1u);
}

TEST(NodeRegistry, AdmitsWithinConnectionLimits) {
  Registry r;
  EXPECT_TRUE(r.admits("u1", 0, 0));
  r.add_connection("c1", "u1", "", "h1");
  EXPECT_FALSE(r.admits("u1", 0, 1));
  EXPECT_TRUE(r.admits("u2", 0, 1));
  EXPECT_TRUE(r.admits("", 0, 1));  // anonymous: no user limit
  EXPECT_FALSE(r.admits("u2", 1, 0));
  EXPECT_TRUE(r.admits("u2", 2, 0));
}

TEST(NodeRegistry, MatchesByUserClientSessionAndWhitelist) {
  Registry r;
  r.add_connection("c1", "u1", "s1", "h1");
  r.add_connection("c2", "u1", "s2", "h2");
  r.add_connection("c3", "u2", "s3", "h3");
  EXPECT_EQ(r.match({"u1", "", "", {}}).size(), 2u);
  EXPECT_EQ(r.match({"u1", "c2", "", {}}), std::vector<std::string>{"h2"});
  EXPECT_EQ(r.match({"u1", "", "s1", {}}), std::vector<std::string>{"h1"});
  EXPECT_EQ(r.match({"u1", "", "", {"c1"}}), std::vector<std::string>{"h2"});
  EXPECT_TRUE(r.match({"u3", "", "", {}}).empty());
  EXPECT_TRUE(r.match({"", "", "", {}}).empty());  // no anonymous connection here
  EXPECT_TRUE(r.match({"u2", "c1", "", {}}).empty());
  EXPECT_TRUE(r.match({"", "c1", "", {}}).empty());  // c1 is u1's, not anonymous
}

TEST(NodeRegistry, EmptyUserNamesTheAnonymousConnections) {
  Registry r;
  r.add_connection("c1", "", "s1", "h1");
  r.add_connection("c2", "", "s2", "h2");
  r.add_connection("c3", "u1", "s3", "h3");
  EXPECT_EQ(r.match({"", "", "", {}}).size(), 2u);
  EXPECT_EQ(r.match({"", "c2", "", {}}), std::vector<std::string>{"h2"});
  EXPECT_EQ(r.match({"", "", "s1", {}}), std::vector<std::string>{"h1"});
}

}  // namespace
}  // namespace herald
