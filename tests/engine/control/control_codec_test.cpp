#include "engine/control/control_codec.hpp"

#include <gtest/gtest.h>
#include <msgpack.hpp>

namespace herald::control {
namespace {

ControlMessage roundtrip(const ControlMessage& m) {
  auto back = decode(encode(m));
  EXPECT_TRUE(back.has_value());
  return back.value_or(ControlMessage{});
}

ConnectionFilter filter() { return ConnectionFilter{"42", "c1", "s1", {"w1", "w2"}}; }

TEST(ControlCodec, EveryKindSurvivesTheWire) {
  ServerSubscribeRequest sub;
  sub.channel = "chat:x";
  sub.expire_at = 1700000000;
  sub.info = R"({"a":1})";
  sub.data = std::string("\0bin", 4);
  sub.recover_since = StreamPosition{7, "abcd"};
  sub.override = {{"presence", true}, {"join_leave", false}};
  const std::vector<ControlMessage> all = {
      {"n1", "", Subscribe{filter(), sub}},
      {"n1", "", Subscribe{filter(), ServerSubscribeRequest{"c", 0, "", "", {}, {}}}},
      {"n1", "n2", Unsubscribe{filter(), "chat:y"}},
      {"n1", "", Disconnect{filter(), 4000, "bye"}},
      {"n1", "", Refresh{filter(), ServerRefreshRequest{true, 1700000001, "{}"}}},
      {"n1", "", Alive{NodeInfo{"n1", "node one", "0.1.0", 1, 2, 3, 4, 5}}},
      {"n1", "", SurveyRequest{9, "channels"}},
      {"n2", "n1", SurveyReply{9, {{"a", 1}, {"b", 2}}}},
  };
  for (const auto& m : all) EXPECT_EQ(roundtrip(m), m) << m.body.index();
}

TEST(ControlCodec, MalformedInputIsRejectedNotTrusted) {
  const std::string good = encode({"n1", "", Disconnect{filter(), 4000, "bye"}});
  EXPECT_FALSE(decode(""));
  EXPECT_FALSE(decode("garbage"));
  EXPECT_FALSE(decode(good.substr(0, good.size() / 2)));  // truncated
  std::string other_version = good;
  other_version[1] = 2;  // [version, ...]: the version is the array's first element
  EXPECT_FALSE(decode(other_version));
  // A well-formed msgpack array of the wrong shape.
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> p(buf);
  p.pack_array(4);
  p.pack(1u);
  p.pack("n1");
  p.pack("");
  p.pack(99u);  // unknown kind
  EXPECT_FALSE(decode(std::string_view(buf.data(), buf.size())));
  msgpack::sbuffer buf2;
  msgpack::packer<msgpack::sbuffer> p2(buf2);
  p2.pack_array(5);
  p2.pack(1u);
  p2.pack("n1");
  p2.pack("");
  p2.pack(3u);      // disconnect
  p2.pack("oops");  // not a filter
  EXPECT_FALSE(decode(std::string_view(buf2.data(), buf2.size())));
}

}  // namespace
}  // namespace herald::control
