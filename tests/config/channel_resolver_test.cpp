#include "config/channel_resolver.hpp"

#include <gtest/gtest.h>

#include "engine/codes.hpp"

namespace herald {
namespace {

Config sample() {
  Config c;
  c.channel.without_namespace.presence = true;
  NamespaceConfig chat;
  chat.name = "chat";
  chat.options.history_size = 10;
  chat.options.allow_user_limited_channels = true;
  NamespaceConfig orders;
  orders.name = "orders";
  orders.options.channel_regex = "^[0-9]+$";
  NamespaceConfig intl;
  intl.name = "intl";
  intl.options.channel_regex = ".*";
  c.channel.namespaces = {chat, orders, intl};
  return c;
}

uint32_t code(const ResolveResult& r) { return r.error.code; }
constexpr uint32_t kBad = static_cast<uint32_t>(ErrorCode::bad_request);
constexpr uint32_t kUnknown = static_cast<uint32_t>(ErrorCode::unknown_channel);

TEST(ChannelResolver, WithoutNamespace) {
  ChannelResolver r(sample());
  ResolveResult res = r.resolve("news");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.channel.namespace_name, "");
  EXPECT_TRUE(res.channel.options->presence);
  EXPECT_FALSE(res.channel.is_private);
}

TEST(ChannelResolver, NamespaceBeforeFirstBoundary) {
  ChannelResolver r(sample());
  ResolveResult res = r.resolve("chat:room:1");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.channel.namespace_name, "chat");
  EXPECT_EQ(res.channel.options->history_size, 10u);
}

TEST(ChannelResolver, PrivatePrefixIsStrippedForTheNamespace) {
  ChannelResolver r(sample());
  ResolveResult res = r.resolve("$chat:secret");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.channel.namespace_name, "chat");
  EXPECT_TRUE(res.channel.is_private);
  EXPECT_TRUE(r.resolve("$news").channel.is_private);
}

TEST(ChannelResolver, ErrorsUseProtocolCodes) {
  ChannelResolver r(sample());
  EXPECT_EQ(code(r.resolve("")), kBad);
  EXPECT_EQ(code(r.resolve(std::string(256, 'a'))), kBad);
  EXPECT_TRUE(r.resolve(std::string(255, 'a')).ok());
  EXPECT_EQ(code(r.resolve("nope:x")), kUnknown);
  EXPECT_EQ(r.resolve("nope:x").error.message, "unknown channel");
  EXPECT_EQ(code(r.resolve("caf\xC3\xA9")), kBad);  // non-ASCII without channel_regex
}

TEST(ChannelResolver, EmptyNamespaceMeansWithoutNamespace) {
  ChannelResolver r(sample());
  ResolveResult res = r.resolve(":x");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.channel.namespace_name, "");
}

TEST(ChannelResolver, ChannelRegexAppliesToTheRest) {
  ChannelResolver r(sample());
  EXPECT_TRUE(r.resolve("orders:123").ok());
  EXPECT_EQ(code(r.resolve("orders:12a")), kBad);
  EXPECT_TRUE(r.resolve("intl:caf\xC3\xA9").ok());  // regex replaces the ASCII rule
}

TEST(ChannelResolver, UserLimitedChannels) {
  ChannelResolver r(sample());
  EXPECT_TRUE(r.resolve("chat:dialog#42,43").channel.is_user_limited);
  EXPECT_FALSE(r.resolve("news#42").channel.is_user_limited);  // not allowed there
  EXPECT_EQ(r.allowed_users("chat:dialog#42,43"), (std::vector<std::string>{"42", "43"}));
  EXPECT_EQ(r.allowed_users("a#b#7"), std::vector<std::string>{"7"});
  EXPECT_EQ(r.allowed_users("chat:#"), std::vector<std::string>{""});
  EXPECT_TRUE(r.allowed_users("chat:room").empty());
}

TEST(ChannelResolver, CustomBoundaries) {
  Config c = sample();
  c.channel.namespace_boundary = "/";
  c.channel.private_prefix = "private-";
  c.channel.user_separator = ";";
  ChannelResolver r(c);
  ResolveResult res = r.resolve("private-chat/x");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.channel.namespace_name, "chat");
  EXPECT_TRUE(res.channel.is_private);
  EXPECT_EQ(r.allowed_users("chat/d#1;2"), (std::vector<std::string>{"1", "2"}));
}

TEST(ChannelResolver, OwnsItsDataAcrossMovesAndConfigLifetime) {
  auto r = std::make_unique<ChannelResolver>(sample());  // the Config temporary is gone
  const ChannelOptions* before = r->resolve("chat:x").channel.options;
  ChannelResolver moved = std::move(*r);
  r.reset();
  ResolveResult res = moved.resolve("chat:x");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.channel.options, before);
  EXPECT_EQ(res.channel.options->history_size, 10u);
  EXPECT_EQ(moved.channel_config().namespaces.size(), 3u);
}

TEST(ChannelResolver, FreeFunctionsAgreeWithTheResolver) {
  const Config c = sample();
  ChannelResolver r(c);
  for (const char* ch : {"news", "chat:1", "$chat:1", "nope:1", "", "orders:x", "orders:1"}) {
    ResolveResult a = resolve_channel(c, ch);
    ResolveResult b = resolve_channel(r, ch);
    EXPECT_EQ(a.error, b.error) << ch;
    EXPECT_EQ(a.channel.namespace_name, b.channel.namespace_name) << ch;
    EXPECT_EQ(a.channel.is_private, b.channel.is_private) << ch;
  }
  EXPECT_EQ(resolve_channel(c, "chat:1").channel.options, &c.channel.namespaces[0].options);
  EXPECT_EQ(allowed_users(c, "x#1,2"), allowed_users(r, "x#1,2"));
}

}  // namespace
}  // namespace herald
