#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proto/codec/codec.hpp"

namespace herald::protocol {
namespace {

std::vector<Command> decode_ok(std::string_view frame) {
  std::vector<Command> out;
  EXPECT_EQ(decode_commands(Protocol::json, frame, out), DecodeStatus::ok) << frame;
  return out;
}

Command decode_one(std::string_view frame) {
  auto cmds = decode_ok(frame);
  EXPECT_EQ(cmds.size(), 1u) << frame;
  return cmds.empty() ? Command{} : std::move(cmds.front());
}

DecodeStatus decode_status(std::string_view frame) {
  std::vector<Command> out;
  return decode_commands(Protocol::json, frame, out);
}

TEST(ClientCodecJsonDecode, Connect) {
  const Command c = decode_one(
      R"({"id":1,"connect":{"token":"t.k.n","data":{"a": [1, 2]},"name":"js","version":"5.0",)"
      R"("subs":{"news":{"recover":true,"epoch":"ab","offset":18446744073709551615}},)"
      R"("headers":{"X-A":"1"}}})");
  EXPECT_EQ(c.id, 1u);
  ASSERT_EQ(c.kind, CommandKind::connect);
  const auto& r = std::get<ConnectRequest>(c.request);
  EXPECT_EQ(r.token, "t.k.n");
  EXPECT_EQ(r.data, R"({"a": [1, 2]})");  // raw text, byte-exact
  EXPECT_EQ(r.name, "js");
  EXPECT_EQ(r.version, "5.0");
  ASSERT_EQ(r.subs.count("news"), 1u);
  EXPECT_TRUE(r.subs.at("news").recover);
  EXPECT_EQ(r.subs.at("news").epoch, "ab");
  EXPECT_EQ(r.subs.at("news").offset, 18446744073709551615ull);
  EXPECT_EQ(r.headers, (std::map<std::string, std::string>{{"X-A", "1"}}));
}

TEST(ClientCodecJsonDecode, Subscribe) {
  const Command c = decode_one(
      R"({"id":2,"subscribe":{"channel":"chat:1","token":"x","recover":true,"epoch":"e",)"
      R"("offset":5,"data":"hi","positioned":true,"recoverable":true,"join_leave":true,)"
      R"("delta":"fossil","flag":1}})");
  ASSERT_EQ(c.kind, CommandKind::subscribe);
  SubscribeRequest want;
  want.channel = "chat:1";
  want.token = "x";
  want.recover = true;
  want.epoch = "e";
  want.offset = 5;
  want.data = "\"hi\"";
  want.positioned = want.recoverable = want.join_leave = true;
  want.delta = "fossil";
  EXPECT_EQ(std::get<SubscribeRequest>(c.request), want);
}

TEST(ClientCodecJsonDecode, EveryOtherKind) {
  auto cmds = decode_ok(
      R"({"id":3,"unsubscribe":{"channel":"a"}})"
      "\n"
      R"({"id":4,"publish":{"channel":"b","data":{"x":1}}})"
      "\n"
      R"({"id":5,"presence":{"channel":"c"}})"
      "\n"
      R"({"id":6,"presence_stats":{"channel":"d"}})"
      "\n"
      R"({"id":7,"history":{"channel":"e","limit":-1,"since":{"offset":3,"epoch":"x"},)"
      R"("reverse":true}})"
      "\n"
      R"({"id":8,"ping":{}})"
      "\n"
      R"({"send":{"data":[true]}})"
      "\n"
      R"({"id":9,"rpc":{"method":"m","data":null}})"
      "\n"
      R"({"id":10,"refresh":{"token":"tok"}})"
      "\n"
      R"({"id":11,"sub_refresh":{"channel":"f","token":"st"}})");
  ASSERT_EQ(cmds.size(), 10u);
  EXPECT_EQ(std::get<UnsubscribeRequest>(cmds[0].request).channel, "a");
  EXPECT_EQ(std::get<PublishRequest>(cmds[1].request), (PublishRequest{"b", R"({"x":1})"}));
  EXPECT_EQ(std::get<PresenceRequest>(cmds[2].request).channel, "c");
  EXPECT_EQ(cmds[3].kind, CommandKind::presence_stats);
  EXPECT_EQ(std::get<PresenceStatsRequest>(cmds[3].request).channel, "d");
  const auto& h = std::get<HistoryRequest>(cmds[4].request);
  EXPECT_EQ(h.channel, "e");
  EXPECT_EQ(h.limit, -1);
  ASSERT_TRUE(h.since.has_value());
  EXPECT_EQ(*h.since, (StreamPosition{3, "x"}));
  EXPECT_TRUE(h.reverse);
  EXPECT_EQ(cmds[5].kind, CommandKind::ping);
  EXPECT_EQ(cmds[6].kind, CommandKind::send);
  EXPECT_EQ(cmds[6].id, 0u);
  EXPECT_EQ(std::get<SendRequest>(cmds[6].request).data, "[true]");
  EXPECT_EQ(std::get<RpcRequest>(cmds[7].request), (RpcRequest{"", "m"}));
  EXPECT_EQ(std::get<RefreshRequest>(cmds[8].request).token, "tok");
  EXPECT_EQ(std::get<SubRefreshRequest>(cmds[9].request), (SubRefreshRequest{"f", "st"}));
  const uint32_t ids[] = {3, 4, 5, 6, 7, 8, 0, 9, 10, 11};
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(cmds[i].id, ids[i]) << i;
}

TEST(ClientCodecJsonDecode, HistoryWithoutSinceHasNoPosition) {
  const Command c = decode_one(R"({"id":1,"history":{"channel":"e","since":null}})");
  EXPECT_FALSE(std::get<HistoryRequest>(c.request).since.has_value());
  const Command d = decode_one(R"({"id":1,"history":{"channel":"e","since":{}}})");
  EXPECT_EQ(std::get<HistoryRequest>(d.request).since, StreamPosition{});
}

TEST(ClientCodecJsonDecode, TrailingNewlineAndWhitespace) {
  EXPECT_EQ(decode_ok("{}\n").size(), 1u);
  EXPECT_EQ(decode_ok(" { \"id\" : 1 , \"presence\" : { } } \r\n{}\n").size(), 2u);
}

TEST(ClientCodecJsonDecode, EmptyLinesAndFramesAreRejected) {
  EXPECT_EQ(decode_status(""), DecodeStatus::empty_frame);
  EXPECT_EQ(decode_status("\n"), DecodeStatus::syntax_error);
  EXPECT_EQ(decode_status("{}\n\n"), DecodeStatus::syntax_error);
  EXPECT_EQ(decode_status("{}\n\n{}"), DecodeStatus::syntax_error);
  EXPECT_EQ(decode_status("\n{}"), DecodeStatus::syntax_error);
  EXPECT_EQ(decode_status("   "), DecodeStatus::syntax_error);
}

TEST(ClientCodecJsonDecode, GarbageIsRejected) {
  for (std::string_view bad :
       {"{", "}", "{\"id\":1", "{\"id\":1,}", "{\"id\" 1}", "{'id':1}", "@{}", "{} {}",
        "{}x", "{\"a\":01}", "{\"a\":1.}", "{\"a\":tru}", "{\"a\":\"\x01\"}", "{\"a\":\"\\q\"}",
        "{\"a\":\"\\u12G4\"}", "{\"a\":[1,]}", "{\"a\":\"\xC0\xAF\"}", "{\"a\":\"unterminated}"}) {
    EXPECT_EQ(decode_status(bad), DecodeStatus::syntax_error) << bad;
  }
}

TEST(ClientCodecJsonDecode, WrongTypesAreRejected) {
  for (std::string_view bad :
       {"[]", "1", "{\"id\":\"1\"}", "{\"id\":-1}", "{\"id\":1.5}", "{\"id\":1e2}",
        "{\"id\":4294967296}", "{\"id\":1,\"subscribe\":[]}", "{\"id\":1,\"subscribe\":5}",
        "{\"id\":1,\"subscribe\":{\"channel\":5}}", "{\"id\":1,\"subscribe\":{\"recover\":1}}",
        "{\"id\":1,\"history\":{\"limit\":2147483648}}",
        "{\"id\":1,\"connect\":{\"subs\":[]}}", "{\"id\":1,\"connect\":{\"headers\":{\"a\":1}}}"}) {
    EXPECT_EQ(decode_status(bad), DecodeStatus::type_mismatch) << bad;
  }
}

TEST(ClientCodecJsonDecode, ErrorKeepsCommandsBeforeTheBadLine) {
  std::vector<Command> out;
  EXPECT_NE(decode_commands(Protocol::json, "{\"id\":1,\"ping\":{}}\n{bad", out),
            DecodeStatus::ok);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, CommandKind::ping);
}

TEST(ClientCodecJsonDecode, TooDeepIsRejected) {
  std::string deep = "{\"id\":1,\"publish\":{\"channel\":\"c\",\"data\":";
  deep += std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']') + "}}";
  EXPECT_EQ(decode_status(deep), DecodeStatus::too_deep);
}

TEST(ClientCodecJsonDecode, UnknownKeysAndNullsAreIgnored) {
  const Command c = decode_one(
      R"({"future":{"x":[1,{"y":null}]},"id":7,"ping":null,"publish":{"channel":"c",)"
      R"("data":{"k":"v"},"type":1,"key":null,"extra":[]},"method":5})");
  ASSERT_EQ(c.kind, CommandKind::publish);
  EXPECT_EQ(std::get<PublishRequest>(c.request), (PublishRequest{"c", R"({"k":"v"})"}));
}

TEST(ClientCodecJsonDecode, NullRequestIsAbsentAndNullIdIsZero) {
  EXPECT_EQ(decode_one(R"({"id":3,"subscribe":null})").kind, CommandKind::unknown);
  EXPECT_EQ(decode_one(R"({"id":null})").kind, CommandKind::pong);
  // A later null drops an earlier value of the same request.
  EXPECT_EQ(decode_one(R"({"id":3,"subscribe":{},"subscribe":null})").kind,
            CommandKind::unknown);
}

TEST(ClientCodecJsonDecode, IdZeroIsPongWhateverElseItHolds) {
  EXPECT_EQ(decode_one("{}").kind, CommandKind::pong);
  const Command c = decode_one(R"({"id":0,"subscribe":{"channel":"x"}})");
  EXPECT_EQ(c.kind, CommandKind::pong);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(c.request));
  // ...except with `send`, which is id-less by design.
  EXPECT_EQ(decode_one(R"({"subscribe":{"channel":"x"},"send":{"data":1}})").kind,
            CommandKind::send);
}

TEST(ClientCodecJsonDecode, FirstRequestInDispatchOrderWins) {
  Command c = decode_one(
      R"({"id":1,"sub_refresh":{"channel":"z"},"publish":{"channel":"p","data":1},)"
      R"("subscribe":{"channel":"s"}})");
  ASSERT_EQ(c.kind, CommandKind::subscribe);
  EXPECT_EQ(std::get<SubscribeRequest>(c.request).channel, "s");
  // rpc is dispatched before send, ping only when alone.
  EXPECT_EQ(decode_one(R"({"id":1,"send":{},"rpc":{}})").kind, CommandKind::rpc);
  EXPECT_EQ(decode_one(R"({"id":1,"ping":{},"refresh":{}})").kind, CommandKind::refresh);
  EXPECT_EQ(decode_one(R"({"id":1,"x":{}})").kind, CommandKind::unknown);
}

TEST(ClientCodecJsonDecode, RepeatedKeyOverwrites) {
  const Command c = decode_one(
      R"({"id":1,"id":2,"publish":{"channel":"a"},"publish":{"channel":"b","channel":"c"}})");
  EXPECT_EQ(c.id, 2u);
  EXPECT_EQ(std::get<PublishRequest>(c.request).channel, "c");
}

TEST(ClientCodecJsonDecode, StringEscapesAndEscapedKeys) {
  const Command c = decode_one(
      R"({"\u0069d":1,"publish":{"chan\u006eel":"a\"b\\c\/\n\t\u00e9\ud83d\ude00\ud800x",)"
      R"("data":"\u0041"}})");
  EXPECT_EQ(c.id, 1u);
  const auto& p = std::get<PublishRequest>(c.request);
  EXPECT_EQ(p.channel, "a\"b\\c/\n\t\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBDx");
  EXPECT_EQ(p.data, R"("\u0041")");  // raw: escapes untouched
}

TEST(ClientCodecJsonDecode, UnicodePassesThrough) {
  const Command c = decode_one("{\"id\":1,\"publish\":{\"channel\":\"\xE4\xB8\xAD\","
                               "\"data\":\"\xF0\x9F\x98\x80\"}}");
  const auto& p = std::get<PublishRequest>(c.request);
  EXPECT_EQ(p.channel, "\xE4\xB8\xAD");
  EXPECT_EQ(p.data, "\"\xF0\x9F\x98\x80\"");
}

TEST(ClientCodecJsonDecode, SubsEntriesCanBeNull) {
  const Command c = decode_one(R"({"id":1,"connect":{"subs":{"a":null,"b":{"offset":2}}}})");
  const auto& r = std::get<ConnectRequest>(c.request);
  ASSERT_EQ(r.subs.size(), 2u);
  EXPECT_EQ(r.subs.at("a"), SubscribeRequest{});
  EXPECT_EQ(r.subs.at("b").offset, 2u);
}

}  // namespace
}  // namespace herald::protocol
