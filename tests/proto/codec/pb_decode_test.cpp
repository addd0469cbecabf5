// The hand-written protobuf decoder against frames built with the generated classes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proto/client.pb.h"
#include "proto/codec/codec.hpp"

namespace herald::protocol {
namespace {

namespace cp = centrifugal::centrifuge::protocol;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string framed(const std::string& message) {
  std::string out;
  put_varint(out, message.size());
  return out + message;
}

std::string frame_of(const std::vector<cp::Command>& cmds) {
  std::string out;
  for (const auto& c : cmds) out += framed(c.SerializeAsString());
  return out;
}

std::vector<Command> decode_ok(const std::string& frame) {
  std::vector<Command> out;
  EXPECT_EQ(decode_commands(Protocol::protobuf, frame, out), DecodeStatus::ok);
  return out;
}

Command decode_one(const cp::Command& c) {
  auto cmds = decode_ok(frame_of({c}));
  EXPECT_EQ(cmds.size(), 1u);
  return cmds.empty() ? Command{} : std::move(cmds.front());
}

DecodeStatus status_of(const std::string& frame) {
  std::vector<Command> out;
  return decode_commands(Protocol::protobuf, frame, out);
}

TEST(ClientCodecProtobufDecode, Connect) {
  cp::Command c;
  c.set_id(1);
  auto* r = c.mutable_connect();
  r->set_token("tok");
  r->set_data(std::string("\x00\xFF bin", 6));
  r->set_name("go");
  r->set_version("1.0");
  (*r->mutable_headers())["X-A"] = "1";
  (*r->mutable_headers())["X-Empty"] = "";
  auto& sub = (*r->mutable_subs())["news"];
  sub.set_recover(true);
  sub.set_epoch("ep");
  sub.set_offset(1ull << 40);
  r->set_flag(7);  // HEAD-only, ignored
  const Command got = decode_one(c);
  ASSERT_EQ(got.kind, CommandKind::connect);
  const auto& req = std::get<ConnectRequest>(got.request);
  EXPECT_EQ(req.token, "tok");
  EXPECT_EQ(req.data, std::string("\x00\xFF bin", 6));
  EXPECT_EQ(req.name, "go");
  EXPECT_EQ(req.version, "1.0");
  EXPECT_EQ(req.headers, (std::map<std::string, std::string>{{"X-A", "1"}, {"X-Empty", ""}}));
  ASSERT_EQ(req.subs.size(), 1u);
  EXPECT_TRUE(req.subs.at("news").recover);
  EXPECT_EQ(req.subs.at("news").epoch, "ep");
  EXPECT_EQ(req.subs.at("news").offset, 1ull << 40);
}

TEST(ClientCodecProtobufDecode, Subscribe) {
  cp::Command c;
  c.set_id(2);
  auto* s = c.mutable_subscribe();
  s->set_channel("chat");
  s->set_token("t");
  s->set_recover(true);
  s->set_epoch("e");
  s->set_offset(9);
  s->set_data("d");
  s->set_positioned(true);
  s->set_recoverable(true);
  s->set_join_leave(true);
  s->set_delta("fossil");
  s->set_flag(1);
  s->set_type(2);
  s->mutable_tf()->set_op("and");
  SubscribeRequest want{"chat", "t", true, "e", 9, "d", true, true, true, "fossil"};
  EXPECT_EQ(std::get<SubscribeRequest>(decode_one(c).request), want);
}

TEST(ClientCodecProtobufDecode, EveryOtherKindInOneFrame) {
  std::vector<cp::Command> cmds(11);
  for (uint32_t i = 0; i < cmds.size(); ++i) cmds[i].set_id(i + 1);
  cmds[0].mutable_unsubscribe()->set_channel("a");
  cmds[1].mutable_publish()->set_channel("b");
  cmds[1].mutable_publish()->set_data("{}");
  cmds[2].mutable_presence()->set_channel("c");
  cmds[3].mutable_presence_stats()->set_channel("d");
  auto* h = cmds[4].mutable_history();
  h->set_channel("e");
  h->set_limit(-1);
  h->mutable_since()->set_offset(4);
  h->mutable_since()->set_epoch("x");
  h->set_reverse(true);
  cmds[5].mutable_ping();
  cmds[6].clear_id();
  cmds[6].mutable_send()->set_data("s");
  cmds[7].mutable_rpc()->set_method("m");
  cmds[7].mutable_rpc()->set_data("r");
  cmds[8].mutable_refresh()->set_token("tok");
  cmds[9].mutable_sub_refresh()->set_channel("f");
  cmds[9].mutable_sub_refresh()->set_token("st");
  cmds[10].clear_id();  // empty Command: pong
  const auto got = decode_ok(frame_of(cmds));
  ASSERT_EQ(got.size(), 11u);
  const CommandKind kinds[] = {CommandKind::unsubscribe, CommandKind::publish,
                               CommandKind::presence,    CommandKind::presence_stats,
                               CommandKind::history,     CommandKind::ping,
                               CommandKind::send,        CommandKind::rpc,
                               CommandKind::refresh,     CommandKind::sub_refresh,
                               CommandKind::pong};
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].kind, kinds[i]) << i;
    EXPECT_EQ(got[i].id, cmds[i].id()) << i;
  }
  EXPECT_EQ(std::get<UnsubscribeRequest>(got[0].request).channel, "a");
  EXPECT_EQ(std::get<PublishRequest>(got[1].request), (PublishRequest{"b", "{}"}));
  EXPECT_EQ(std::get<PresenceRequest>(got[2].request).channel, "c");
  EXPECT_EQ(std::get<PresenceStatsRequest>(got[3].request).channel, "d");
  const auto& hist = std::get<HistoryRequest>(got[4].request);
  EXPECT_EQ(hist.channel, "e");
  EXPECT_EQ(hist.limit, -1);
  EXPECT_EQ(hist.since, (StreamPosition{4, "x"}));
  EXPECT_TRUE(hist.reverse);
  EXPECT_EQ(std::get<SendRequest>(got[6].request).data, "s");
  EXPECT_EQ(std::get<RpcRequest>(got[7].request), (RpcRequest{"r", "m"}));
  EXPECT_EQ(std::get<RefreshRequest>(got[8].request).token, "tok");
  EXPECT_EQ(std::get<SubRefreshRequest>(got[9].request), (SubRefreshRequest{"f", "st"}));
}

TEST(ClientCodecProtobufDecode, EmptySinceIsPresent) {
  cp::Command c;
  c.set_id(1);
  c.mutable_history()->mutable_since();
  EXPECT_EQ(std::get<HistoryRequest>(decode_one(c).request).since, StreamPosition{});
  c.mutable_history()->clear_since();
  EXPECT_FALSE(std::get<HistoryRequest>(decode_one(c).request).since.has_value());
}

TEST(ClientCodecProtobufDecode, SingleZeroByteIsPong) {
  const auto got = decode_ok(std::string(1, '\0'));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, CommandKind::pong);
}

TEST(ClientCodecProtobufDecode, IdZeroIsPongUnlessSend) {
  cp::Command c;
  c.mutable_subscribe()->set_channel("x");
  EXPECT_EQ(decode_one(c).kind, CommandKind::pong);
  c.mutable_send()->set_data("d");
  EXPECT_EQ(decode_one(c).kind, CommandKind::send);
}

TEST(ClientCodecProtobufDecode, FirstRequestInDispatchOrderWins) {
  cp::Command c;
  c.set_id(5);
  c.mutable_sub_refresh()->set_channel("z");
  c.mutable_publish()->set_channel("p");
  c.mutable_subscribe()->set_channel("s");
  Command got = decode_one(c);
  ASSERT_EQ(got.kind, CommandKind::subscribe);
  EXPECT_EQ(std::get<SubscribeRequest>(got.request).channel, "s");
  cp::Command d;
  d.set_id(5);
  d.mutable_ping();
  d.mutable_send();
  d.mutable_rpc();
  EXPECT_EQ(decode_one(d).kind, CommandKind::rpc);
  cp::Command e;
  e.set_id(5);
  EXPECT_EQ(decode_one(e).kind, CommandKind::unknown);
}

TEST(ClientCodecProtobufDecode, RepeatedMessageFieldsMerge) {
  cp::Command a;
  a.set_id(1);
  a.mutable_subscribe()->set_channel("first");
  a.mutable_subscribe()->set_token("tok");
  cp::Command b;
  b.mutable_subscribe()->set_channel("second");
  b.set_id(2);
  // Concatenated serializations parse as one merged message.
  const std::string merged = a.SerializeAsString() + b.SerializeAsString();
  cp::Command reference;
  ASSERT_TRUE(reference.ParseFromString(merged));
  const auto got = decode_ok(framed(merged));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, reference.id());
  const auto& s = std::get<SubscribeRequest>(got[0].request);
  EXPECT_EQ(s.channel, reference.subscribe().channel());
  EXPECT_EQ(s.token, reference.subscribe().token());
}

TEST(ClientCodecProtobufDecode, UnknownFieldsAreSkipped) {
  cp::Command c;
  c.set_id(3);
  c.mutable_publish()->set_channel("p");
  std::string msg;
  put_varint(msg, (100u << 3) | 0);  // varint
  put_varint(msg, 1ull << 63);
  put_varint(msg, (101u << 3) | 1);  // fixed64
  msg += std::string(8, 'x');
  put_varint(msg, (102u << 3) | 5);  // fixed32
  msg += std::string(4, 'y');
  put_varint(msg, (3u << 3) | 2);  // reserved Command field 3 (v1 params)
  put_varint(msg, 2);
  msg += "zz";
  msg += c.SerializeAsString();
  const auto got = decode_ok(framed(msg));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 3u);
  EXPECT_EQ(std::get<PublishRequest>(got[0].request).channel, "p");
}

TEST(ClientCodecProtobufDecode, Id32BitsTruncatedLikeProtobuf) {
  std::string msg;
  put_varint(msg, (1u << 3) | 0);
  put_varint(msg, (1ull << 32) + 5);
  cp::Command reference;
  ASSERT_TRUE(reference.ParseFromString(msg));
  const auto got = decode_ok(framed(msg));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, reference.id());
  EXPECT_EQ(got[0].id, 5u);
}

TEST(ClientCodecProtobufDecode, EmptyFrame) { EXPECT_EQ(status_of(""), DecodeStatus::empty_frame); }

TEST(ClientCodecProtobufDecode, TruncatedVarintPrefix) {
  EXPECT_EQ(status_of("\x80"), DecodeStatus::truncated);
  EXPECT_EQ(status_of(std::string("\x00\xFF", 2)), DecodeStatus::truncated);
}

TEST(ClientCodecProtobufDecode, TruncatedMessage) {
  cp::Command c;
  c.set_id(1);
  c.mutable_subscribe()->set_channel("channel");
  std::string frame = frame_of({c});
  frame.pop_back();
  EXPECT_EQ(status_of(frame), DecodeStatus::truncated);
  // Length prefix fine, but a field inside runs past the message.
  std::string msg = c.SerializeAsString();
  msg.pop_back();
  EXPECT_EQ(status_of(framed(msg)), DecodeStatus::truncated);
  // A truncated varint inside the message.
  EXPECT_EQ(status_of(framed("\x08\x80")), DecodeStatus::truncated);
}

TEST(ClientCodecProtobufDecode, ErrorKeepsCommandsBeforeTheBadOne) {
  cp::Command c;
  c.set_id(1);
  c.mutable_ping();
  std::vector<Command> out;
  EXPECT_EQ(decode_commands(Protocol::protobuf, frame_of({c}) + "\x05\x08", out),
            DecodeStatus::truncated);
  EXPECT_EQ(out.size(), 1u);
}

TEST(ClientCodecProtobufDecode, MalformedWireIsRejected) {
  EXPECT_EQ(status_of(framed(std::string("\x00\x01", 2))), DecodeStatus::syntax_error);  // field 0
  EXPECT_EQ(status_of(framed("\x0B")), DecodeStatus::syntax_error);      // group start
  EXPECT_EQ(status_of(framed("\x0E\x00")), DecodeStatus::syntax_error);  // wire type 6
  // An 11-byte varint, and a 10th byte carrying bits past 64.
  EXPECT_EQ(status_of(framed("\x08" + std::string(10, '\xFF') + "\x01")),
            DecodeStatus::syntax_error);
  EXPECT_EQ(status_of(framed("\x08" + std::string(9, '\xFF') + "\x02")),
            DecodeStatus::syntax_error);
}

TEST(ClientCodecProtobufDecode, WrongWireTypeIsTypeMismatch) {
  EXPECT_EQ(status_of(framed("\x0A\x00")), DecodeStatus::type_mismatch);  // id as bytes
  EXPECT_EQ(status_of(framed("\x08\x01\x28\x01")), DecodeStatus::type_mismatch);  // subscribe=1
  // Inside the dispatched request: channel as a varint.
  EXPECT_EQ(status_of(framed("\x08\x01\x2A\x02\x08\x01")), DecodeStatus::type_mismatch);
}

}  // namespace
}  // namespace herald::protocol
