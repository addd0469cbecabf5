// The hand-written protobuf encoder against the generated classes: our bytes must parse to
// the expected message and equal its deterministic serialization byte for byte.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "proto/client.pb.h"
#include "engine/codes.hpp"
#include "proto/codec/codec.hpp"

namespace herald::protocol {
namespace {

namespace cp = centrifugal::centrifuge::protocol;
using google::protobuf::util::MessageDifferencer;

std::string deterministic(const cp::Reply& r) {
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);
  r.SerializeToCodedStream(&cos);
  cos.Trim();
  return out;
}

// Splits the frame's messages at their varint prefixes.
std::vector<std::string> split(const std::string& frame) {
  std::vector<std::string> out;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(frame.data()),
                                            static_cast<int>(frame.size()));
  while (in.CurrentPosition() < static_cast<int>(frame.size())) {
    uint32_t len = 0;
    if (!in.ReadVarint32(&len)) {
      ADD_FAILURE() << "bad prefix";
      break;
    }
    std::string body;
    if (!in.ReadString(&body, static_cast<int>(len))) {
      ADD_FAILURE() << "prefix longer than frame";
      break;
    }
    out.push_back(std::move(body));
  }
  return out;
}

void expect_encodes_to(const std::string& frame, const cp::Reply& want) {
  const auto bodies = split(frame);
  ASSERT_EQ(bodies.size(), 1u);
  cp::Reply got;
  ASSERT_TRUE(got.ParseFromString(bodies[0]));
  EXPECT_TRUE(MessageDifferencer::Equals(got, want))
      << "got:\n" << got.DebugString() << "want:\n" << want.DebugString();
  EXPECT_EQ(bodies[0], deterministic(want));
}

void expect_reply(const Reply& r, const cp::Reply& want) {
  std::string out;
  append_reply(Protocol::protobuf, r, out);
  expect_encodes_to(out, want);
}

Publication sample_pub(std::string data) {
  Publication p;
  p.data = std::move(data);
  p.offset = 300;
  p.info = ClientInfo{"user", "client", std::string("\x00\x01", 2), "ch"};
  p.tags = {{"a", "1"}, {"b", ""}, {"", "z"}};
  p.time_ms = 99;  // server-side only
  return p;
}

void fill(cp::Publication* p, const Publication& src) {
  p->set_data(src.data);
  p->set_offset(src.offset);
  if (src.info) {
    p->mutable_info()->set_user(src.info->user);
    p->mutable_info()->set_client(src.info->client);
    p->mutable_info()->set_conn_info(src.info->conn_info);
    p->mutable_info()->set_chan_info(src.info->chan_info);
  }
  for (const auto& [k, v] : src.tags) (*p->mutable_tags())[k] = v;
}

TEST(ClientCodecProtobufEncode, PingIsZeroByte) {
  std::string out;
  append_ping(Protocol::protobuf, out);
  EXPECT_EQ(out, std::string(1, '\0'));
  out.clear();
  append_reply(Protocol::protobuf, Reply{}, out);
  EXPECT_EQ(out, std::string(1, '\0'));
}

TEST(ClientCodecProtobufEncode, PublicationPushSmallAndLarge) {
  for (std::size_t size : {0u, 5u, 200u, 20000u}) {
    const Publication pub = sample_pub(std::string(size, 'd'));
    cp::Reply want;
    want.mutable_push()->set_channel("news");
    fill(want.mutable_push()->mutable_pub(), pub);
    std::string fast;
    append_publication_push(Protocol::protobuf, "news", pub, fast);
    expect_encodes_to(fast, want);
    std::string generic;
    append_reply(Protocol::protobuf, Reply{0, {}, Push{"news", pub}}, generic);
    EXPECT_EQ(generic, fast) << size;
  }
}

TEST(ClientCodecProtobufEncode, JoinLeaveMessagePushes) {
  const ClientInfo ci{"u", "c", "{}", ""};
  cp::Reply join;
  join.mutable_push()->set_channel("ch");
  join.mutable_push()->mutable_join()->mutable_info()->set_user("u");
  join.mutable_push()->mutable_join()->mutable_info()->set_client("c");
  join.mutable_push()->mutable_join()->mutable_info()->set_conn_info("{}");
  std::string out;
  append_join_push(Protocol::protobuf, "ch", ci, out);
  expect_encodes_to(out, join);

  cp::Reply leave;
  leave.mutable_push()->set_channel("ch");
  *leave.mutable_push()->mutable_leave()->mutable_info() = join.push().join().info();
  out.clear();
  append_leave_push(Protocol::protobuf, "ch", ci, out);
  expect_encodes_to(out, leave);

  cp::Reply message;
  message.mutable_push()->mutable_message()->set_data(std::string(300, 'm'));
  out.clear();
  append_message_push(Protocol::protobuf, std::string(300, 'm'), out);
  expect_encodes_to(out, message);
}

TEST(ClientCodecProtobufEncode, UnsubscribeAndSubscribePushes) {
  cp::Reply unsub;
  unsub.mutable_push()->set_channel("ch");
  unsub.mutable_push()->mutable_unsubscribe()->set_code(2500);
  unsub.mutable_push()->mutable_unsubscribe()->set_reason("insufficient state");
  std::string out;
  append_unsubscribe_push(Protocol::protobuf, "ch", 2500, "insufficient state", out);
  expect_encodes_to(out, unsub);

  cp::Reply sub;
  sub.mutable_push()->set_channel("ch");
  auto* s = sub.mutable_push()->mutable_subscribe();
  s->set_recoverable(true);
  s->set_epoch("ep");
  s->set_offset(1ull << 35);
  s->set_positioned(true);
  s->set_data("x");
  out.clear();
  append_subscribe_push(Protocol::protobuf, "ch", SubscribePush{true, "ep", 1ull << 35, true, "x"},
                        out);
  expect_encodes_to(out, sub);

  cp::Reply empty_sub;
  empty_sub.mutable_push()->mutable_subscribe();
  out.clear();
  append_subscribe_push(Protocol::protobuf, "", SubscribePush{}, out);
  expect_encodes_to(out, empty_sub);
}

TEST(ClientCodecProtobufEncode, ConnectReplyAndPushNumbering) {
  ConnectResult c;
  c.client = "id";
  c.version = "6.0.0";
  c.expires = true;
  c.ttl = 60;
  c.data = "d";
  c.ping = 25;
  c.pong = true;
  c.session = "s";
  c.node = "n";
  c.time = -1;
  SubscribeResult sr;
  sr.recoverable = true;
  sr.publications = {sample_pub("p")};
  c.subs["a"] = sr;
  c.subs["b"] = SubscribeResult{};

  cp::SubscribeResult want_sr;
  want_sr.set_recoverable(true);
  fill(want_sr.add_publications(), sample_pub("p"));
  cp::Reply want;
  want.set_id(1);
  auto* r = want.mutable_connect();
  r->set_client("id");
  r->set_version("6.0.0");
  r->set_expires(true);
  r->set_ttl(60);
  r->set_data("d");
  r->set_ping(25);
  r->set_pong(true);
  r->set_session("s");
  r->set_node("n");
  r->set_time(-1);
  (*r->mutable_subs())["a"] = want_sr;
  (*r->mutable_subs())["b"];
  expect_reply({1, {}, c}, want);

  cp::Reply push;
  auto* p = push.mutable_push()->mutable_connect();
  p->set_client("id");
  p->set_version("6.0.0");
  p->set_expires(true);
  p->set_ttl(60);
  p->set_data("d");
  p->set_ping(25);
  p->set_pong(true);
  p->set_session("s");
  p->set_node("n");
  p->set_time(-1);
  (*p->mutable_subs())["a"] = want_sr;
  (*p->mutable_subs())["b"];
  expect_reply({0, {}, Push{"", c}}, push);
}

TEST(ClientCodecProtobufEncode, SubscribeReply) {
  SubscribeResult s;
  s.expires = true;
  s.ttl = 10;
  s.recoverable = true;
  s.epoch = "e";
  s.publications = {sample_pub(std::string(150, 'x')), sample_pub("y")};
  s.recovered = true;
  s.offset = 12;
  s.positioned = true;
  s.data = "d";
  s.was_recovering = true;
  s.delta = true;
  cp::Reply want;
  want.set_id(300);
  auto* r = want.mutable_subscribe();
  r->set_expires(true);
  r->set_ttl(10);
  r->set_recoverable(true);
  r->set_epoch("e");
  fill(r->add_publications(), s.publications[0]);
  fill(r->add_publications(), s.publications[1]);
  r->set_recovered(true);
  r->set_offset(12);
  r->set_positioned(true);
  r->set_data("d");
  r->set_was_recovering(true);
  r->set_delta(true);
  expect_reply({300, {}, s}, want);
}

TEST(ClientCodecProtobufEncode, OtherReplies) {
  cp::Reply want;
  want.set_id(2);
  want.mutable_error()->set_code(111);
  want.mutable_error()->set_message("too many requests");
  want.mutable_error()->set_temporary(true);
  expect_reply({2, make_error(ErrorCode::too_many_requests), PublishResult{}}, want);

  PresenceResult pr;
  pr.presence["c1"] = ClientInfo{"u1", "c1", "", "x"};
  pr.presence["c2"] = ClientInfo{"", "c2", "", ""};
  want.Clear();
  want.set_id(3);
  auto& e1 = (*want.mutable_presence()->mutable_presence())["c1"];
  e1.set_user("u1");
  e1.set_client("c1");
  e1.set_chan_info("x");
  (*want.mutable_presence()->mutable_presence())["c2"].set_client("c2");
  expect_reply({3, {}, pr}, want);

  want.Clear();
  want.set_id(4);
  want.mutable_presence_stats()->set_num_clients(5);
  want.mutable_presence_stats()->set_num_users(3);
  expect_reply({4, {}, PresenceStats{5, 3}}, want);

  HistoryResult h;
  h.publications = {sample_pub("a")};
  h.position = {7, "ep"};
  want.Clear();
  want.set_id(5);
  fill(want.mutable_history()->add_publications(), h.publications[0]);
  want.mutable_history()->set_epoch("ep");
  want.mutable_history()->set_offset(7);
  expect_reply({5, {}, h}, want);

  want.Clear();
  want.set_id(6);
  want.mutable_rpc()->set_data(std::string(70000, 'r'));  // three-byte length
  expect_reply({6, {}, RpcResult{std::string(70000, 'r')}}, want);

  want.Clear();
  want.set_id(7);
  want.mutable_refresh()->set_client("c");
  want.mutable_refresh()->set_version("v");
  want.mutable_refresh()->set_expires(true);
  want.mutable_refresh()->set_ttl(20);
  expect_reply({7, {}, RefreshResult{"c", "v", true, 20}}, want);

  want.Clear();
  want.set_id(8);
  want.mutable_sub_refresh()->set_expires(true);
  want.mutable_sub_refresh()->set_ttl(20);
  expect_reply({8, {}, SubRefreshResult{true, 20}}, want);

  want.Clear();
  want.mutable_push()->set_channel("x");
  want.mutable_push()->mutable_disconnect()->set_code(3001);
  want.mutable_push()->mutable_disconnect()->set_reason("shutdown");
  want.mutable_push()->mutable_disconnect()->set_reconnect(true);
  expect_reply({0, {}, Push{"x", DisconnectPush{3001, "shutdown", true}}}, want);

  want.Clear();
  want.mutable_push()->mutable_refresh()->set_expires(true);
  want.mutable_push()->mutable_refresh()->set_ttl(9);
  expect_reply({0, {}, Push{"", RefreshPush{true, 9}}}, want);
}

TEST(ClientCodecProtobufEncode, EmptyResultsArePresent) {
  cp::Reply want;
  want.set_id(1);
  want.mutable_publish();
  expect_reply({1, {}, PublishResult{}}, want);
  want.Clear();
  want.set_id(1);
  want.mutable_unsubscribe();
  expect_reply({1, {}, UnsubscribeResult{}}, want);
  want.Clear();
  want.set_id(1);
  want.mutable_ping();
  expect_reply({1, {}, PingResult{}}, want);
  want.Clear();
  want.set_id(1);
  want.mutable_history();
  expect_reply({1, {}, HistoryResult{}}, want);
  want.Clear();
  want.set_id(1);
  want.mutable_presence();
  expect_reply({1, {}, PresenceResult{}}, want);
}

TEST(ClientCodecProtobufEncode, FrameWriterConcatenatesPrefixedMessages) {
  FrameWriter w(Protocol::protobuf);
  w.add_reply({1, {}, PublishResult{}});
  w.add_ping();
  std::string shared;
  append_message_push(Protocol::protobuf, "m", shared);
  w.add_encoded(shared);
  const auto bodies = split(w.take());
  ASSERT_EQ(bodies.size(), 3u);
  cp::Reply r;
  ASSERT_TRUE(r.ParseFromString(bodies[0]));
  EXPECT_EQ(r.id(), 1u);
  EXPECT_TRUE(r.has_publish());
  EXPECT_TRUE(bodies[1].empty());
  ASSERT_TRUE(r.ParseFromString(bodies[2]));
  EXPECT_EQ(r.push().message().data(), "m");
}

}  // namespace
}  // namespace herald::protocol
