#include "transport/ws/handshake.hpp"

#include <gtest/gtest.h>

#include <string>

namespace herald::ws {
namespace {

using protocol::Protocol;

TEST(WsGlob, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "https://anything"));
  EXPECT_TRUE(glob_match("a*b*c", "abc"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "acb"));
  EXPECT_TRUE(glob_match("https://*.example.com", "https://app.example.com"));
  EXPECT_FALSE(glob_match("https://*.example.com", "https://example.com"));
  EXPECT_FALSE(glob_match("https://*.example.com", "https://app.example.com.evil.io"));
  EXPECT_TRUE(glob_match("exact", "exact"));
  EXPECT_FALSE(glob_match("exact", "exactly"));
  EXPECT_FALSE(glob_match("", "x"));
}

TEST(WsGlob, HostileInputStaysCheap) {
  std::string text(20000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*b", text));
}

TEST(WsOrigin, MissingOriginIsAlwaysAllowed) {
  EXPECT_TRUE(origin_allowed({}, ""));
  EXPECT_TRUE(origin_allowed({"https://x.com"}, ""));
}

TEST(WsOrigin, EmptyListRefusesBrowsers) {
  EXPECT_FALSE(origin_allowed({}, "https://x.com"));
}

TEST(WsOrigin, StarAllowsAll) {
  EXPECT_TRUE(origin_allowed({"*"}, "https://whatever.org"));
}

TEST(WsOrigin, PatternsMatchCaseInsensitively) {
  const std::vector<std::string> allowed = {"https://App.Example.com", "http://*.local:8000"};
  EXPECT_TRUE(origin_allowed(allowed, "HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(origin_allowed(allowed, "http://dev.local:8000"));
  EXPECT_FALSE(origin_allowed(allowed, "http://dev.local:9000"));
  EXPECT_FALSE(origin_allowed(allowed, "https://evil.com"));
}

TEST(WsProtocol, SubprotocolSelectsAndIsEchoed) {
  auto pb = choose_protocol("centrifuge-protobuf", "");
  EXPECT_EQ(pb.protocol, Protocol::protobuf);
  EXPECT_STREQ(pb.subprotocol, "centrifuge-protobuf");

  auto js = choose_protocol("centrifuge-json", "");
  EXPECT_EQ(js.protocol, Protocol::json);
  EXPECT_STREQ(js.subprotocol, "centrifuge-json");

  auto both = choose_protocol("centrifuge-json, centrifuge-protobuf", "");
  EXPECT_EQ(both.protocol, Protocol::protobuf);
  EXPECT_STREQ(both.subprotocol, "centrifuge-protobuf");
}

TEST(WsProtocol, UnknownSubprotocolsAreNotEchoed) {
  auto c = choose_protocol("chat, centrifuge-protobufx", "");
  EXPECT_EQ(c.protocol, Protocol::json);
  EXPECT_EQ(c.subprotocol, nullptr);
  EXPECT_EQ(choose_protocol("", "").subprotocol, nullptr);
}

TEST(WsProtocol, QuerySelectsProtobuf) {
  EXPECT_EQ(choose_protocol("", "cf_protocol=protobuf").protocol, Protocol::protobuf);
  EXPECT_EQ(choose_protocol("", "a=1&format=protobuf").protocol, Protocol::protobuf);
  EXPECT_EQ(choose_protocol("", "cf_protocol=json").protocol, Protocol::json);
  EXPECT_EQ(choose_protocol("", "cf_protocol=protobuf").subprotocol, nullptr);
  // The subprotocol echo follows the offer even when the query picks the encoding.
  auto c = choose_protocol("centrifuge-json", "cf_protocol=protobuf");
  EXPECT_EQ(c.protocol, Protocol::protobuf);
  EXPECT_STREQ(c.subprotocol, "centrifuge-json");
}

TEST(WsProtocol, FramePingPongNeedsTrue) {
  EXPECT_TRUE(wants_frame_ping_pong("cf_ws_frame_ping_pong=true"));
  EXPECT_TRUE(wants_frame_ping_pong("x=y&cf_ws_frame_ping_pong=true"));
  EXPECT_FALSE(wants_frame_ping_pong("cf_ws_frame_ping_pong=1"));
  EXPECT_FALSE(wants_frame_ping_pong(""));
}

TEST(WsProtocol, QueryValueDecodesAndTakesTheFirst) {
  EXPECT_EQ(query_value("a=%70rotobuf&a=json", "a"), "protobuf");
  EXPECT_EQ(query_value("a", "a"), "");
  EXPECT_EQ(query_value("b=1", "a"), "");
}

}  // namespace
}  // namespace herald::ws
