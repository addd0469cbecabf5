#include "proto/state/state_json.hpp"

#include <gtest/gtest.h>

#include "tests/proto/state/sample_events.hpp"

namespace herald::state {
namespace {

using Type = ChannelStateEvent::Type;

ChannelStateEvent occupied(std::string channel, int64_t t, uint64_t gen = 0, std::string id = "") {
  return test::state_event(std::move(channel), Type::occupied, t, gen, std::move(id));
}

ChannelStateEvent vacated(std::string channel, int64_t t, uint64_t gen, std::string id,
                          std::string reason) {
  return test::state_event(std::move(channel), Type::vacated, t, gen, std::move(id),
                           std::move(reason));
}

TEST(StateJson, CentrifugoKeysFirstThenHeraldExtensions) {
  ChannelStateBatch b{occupied("chat:index", 1697206286533, 1, "7-1"),
                      vacated("chat:index", 1697206291533, 2, "7-2", "unsubscribe")};
  EXPECT_EQ(encode_json(b),
            R"({"events":[{"channel":"chat:index","type":"occupied","time_ms":1697206286533,)"
            R"("gen":1,"id":"7-1"},{"channel":"chat:index","type":"vacated",)"
            R"("time_ms":1697206291533,"gen":2,"id":"7-2","reason":"unsubscribe"}]})");
}

TEST(StateJson, WithoutExtensionsItIsExactlyThePublicExample) {
  ChannelStateBatch b{occupied("chat:index", 1697206286533)};
  EXPECT_EQ(encode_json(b),
            R"({"events":[{"channel":"chat:index","type":"occupied","time_ms":1697206286533}]})");
}

TEST(StateJson, TimeIsWrittenEvenWhenZeroBecauseReceiversIndexIt) {
  EXPECT_EQ(encode_json({occupied("a", 0)}),
            R"({"events":[{"channel":"a","type":"occupied","time_ms":0}]})");
}

TEST(StateJson, ReasonOnlyOnVacated) {
  auto e = occupied("a", 5, 3, "x");
  e.reason = "disconnect";  // meaningless on occupied: not sent
  EXPECT_EQ(encode_json({e}),
            R"({"events":[{"channel":"a","type":"occupied","time_ms":5,"gen":3,"id":"x"}]})");
}

TEST(StateJson, EmptyBatch) { EXPECT_EQ(encode_json({}), R"({"events":[]})"); }

TEST(StateJson, ChannelsAreEscapedAndInvalidUtf8Replaced) {
  EXPECT_EQ(encode_json({occupied("a\"b\\c\n\x01", 1)}),
            R"({"events":[{"channel":"a\"b\\c\n\u0001","type":"occupied","time_ms":1}]})");
  EXPECT_EQ(encode_json({occupied("x\xff", 1)}),
            R"({"events":[{"channel":"x\ufffd","type":"occupied","time_ms":1}]})");
}

TEST(StateJson, AppendKeepsWhatIsThere) {
  std::string out = "prefix";
  append_json(out, {});
  EXPECT_EQ(out, R"(prefix{"events":[]})");
}

TEST(StateJson, DecodeRoundTrips) {
  ChannelStateBatch b{occupied("chat:index", 1697206286533, 1, "7-1"),
                      vacated("chat:ü", -1, UINT64_MAX, "7-18446744073709551615", "node_lost"),
                      occupied("", 0)};
  auto back = decode_json(encode_json(b));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, b);
  auto empty = decode_json(R"({"events":[ ]})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(StateJson, DecodeSkipsUnknownKeysAndRejectsGarbage) {
  auto b = decode_json(
      R"( {"x":[1,{"y":2}],"events":[ {"z":null,"type":"vacated","channel":"c"} , )"
      R"({"type":"occupied","time_ms":7}]} )");
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].type, Type::vacated);
  EXPECT_EQ((*b)[0].channel, "c");
  EXPECT_EQ((*b)[1].time_ms, 7);
  EXPECT_FALSE(decode_json(""));
  EXPECT_FALSE(decode_json("[]"));
  EXPECT_FALSE(decode_json(R"({"events":[{"channel":"a"}]})"));  // no type
  EXPECT_FALSE(decode_json(R"({"events":[{"type":"busy"}]})"));
  EXPECT_FALSE(decode_json(R"({"events":[{"type":"occupied","time_ms":"1"}]})"));
  EXPECT_FALSE(decode_json(R"({"events":{}})"));
  EXPECT_FALSE(decode_json(R"({"events":[]} x)"));
}

TEST(StateJson, TypeNames) {
  EXPECT_EQ(type_name(Type::occupied), "occupied");
  EXPECT_EQ(type_name(Type::vacated), "vacated");
  EXPECT_EQ(parse_type("vacated"), Type::vacated);
  EXPECT_FALSE(parse_type("Vacated").has_value());
}

}  // namespace
}  // namespace herald::state
