#include <gtest/gtest.h>

#include <string>

#include "engine/codes.hpp"
#include "proto/codec/codec.hpp"

namespace herald::protocol {
namespace {

std::string reply_json(Reply r) {
  std::string out;
  append_reply(Protocol::json, r, out);
  EXPECT_TRUE(is_valid_json(out)) << out;
  return out;
}

ClientInfo info(std::string user, std::string client, std::string conn = {},
                std::string chan = {}) {
  return ClientInfo{std::move(user), std::move(client), std::move(conn), std::move(chan)};
}

TEST(ClientCodecJsonEncode, ConnectReply) {
  ConnectResult c;
  c.client = "0c951315-be0e";
  c.version = "6.0.0";
  c.ping = 25;
  c.pong = true;
  EXPECT_EQ(reply_json({1, {}, c}),
            R"({"id":1,"connect":{"client":"0c951315-be0e","version":"6.0.0","ping":25,)"
            R"("pong":true}})");
  c.expires = true;
  c.ttl = 3600;
  c.data = R"({"x":1})";
  c.session = "s";
  c.node = "n";
  c.time = 1700000000000;
  SubscribeResult sub;
  sub.recoverable = true;
  c.subs["news"] = sub;
  EXPECT_EQ(reply_json({1, {}, c}),
            R"({"id":1,"connect":{"client":"0c951315-be0e","version":"6.0.0","expires":true,)"
            R"("ttl":3600,"data":{"x":1},"subs":{"news":{"recoverable":true}},"ping":25,)"
            R"("pong":true,"session":"s","node":"n","time":1700000000000}})");
}

TEST(ClientCodecJsonEncode, SubscribeReply) {
  SubscribeResult s;
  EXPECT_EQ(reply_json({2, {}, s}), R"({"id":2,"subscribe":{}})");
  s.expires = true;
  s.ttl = 60;
  s.recoverable = true;
  s.epoch = "xyz";
  Publication p;
  p.data = R"({"n":1})";
  p.offset = 4;
  s.publications = {p};
  s.recovered = true;
  s.offset = 3;
  s.positioned = true;
  s.data = "[1]";
  s.was_recovering = true;
  s.delta = true;
  EXPECT_EQ(reply_json({2, {}, s}),
            R"({"id":2,"subscribe":{"expires":true,"ttl":60,"recoverable":true,)"
            R"("epoch":"xyz","publications":[{"data":{"n":1},"offset":4}],"recovered":true,)"
            R"("offset":3,"positioned":true,"data":[1],"was_recovering":true,"delta":true}})");
}

TEST(ClientCodecJsonEncode, EmptyResultsAreEmptyObjects) {
  EXPECT_EQ(reply_json({3, {}, PublishResult{}}), R"({"id":3,"publish":{}})");
  EXPECT_EQ(reply_json({4, {}, UnsubscribeResult{}}), R"({"id":4,"unsubscribe":{}})");
  EXPECT_EQ(reply_json({5, {}, PingResult{}}), R"({"id":5,"ping":{}})");
  EXPECT_EQ(reply_json({6, {}, RpcResult{}}), R"({"id":6,"rpc":{}})");
  EXPECT_EQ(reply_json({7, {}, RefreshResult{}}), R"({"id":7,"refresh":{}})");
  EXPECT_EQ(reply_json({8, {}, SubRefreshResult{}}), R"({"id":8,"sub_refresh":{}})");
}

TEST(ClientCodecJsonEncode, ErrorReply) {
  Reply r{2, make_error(ErrorCode::permission_denied), PublishResult{}};
  EXPECT_EQ(reply_json(r), R"({"id":2,"error":{"code":103,"message":"permission denied"}})");
  r.error = make_error(ErrorCode::internal);
  EXPECT_EQ(reply_json(r),
            R"({"id":2,"error":{"code":100,"message":"internal server error",)"
            R"("temporary":true}})");
}

TEST(ClientCodecJsonEncode, PresenceReplies) {
  EXPECT_EQ(reply_json({1, {}, PresenceResult{}}), R"({"id":1,"presence":{"presence":{}}})");
  PresenceResult p;
  p.presence["c1"] = info("42", "c1", R"({"a":1})", R"("ch")");
  p.presence["c2"] = info("", "c2");
  EXPECT_EQ(reply_json({1, {}, p}),
            R"({"id":1,"presence":{"presence":{"c1":{"user":"42","client":"c1",)"
            R"("conn_info":{"a":1},"chan_info":"ch"},"c2":{"user":"","client":"c2"}}}})");
  EXPECT_EQ(reply_json({2, {}, PresenceStats{}}),
            R"({"id":2,"presence_stats":{"num_clients":0,"num_users":0}})");
  EXPECT_EQ(reply_json({2, {}, PresenceStats{3, 2}}),
            R"({"id":2,"presence_stats":{"num_clients":3,"num_users":2}})");
}

TEST(ClientCodecJsonEncode, HistoryReply) {
  EXPECT_EQ(reply_json({1, {}, HistoryResult{}}),
            R"({"id":1,"history":{"publications":[],"epoch":"","offset":0}})");
  HistoryResult h;
  Publication a;
  a.data = "1";
  a.offset = 1;
  a.tags = {{"k", "v"}, {"a", "b"}};
  Publication b;
  b.data = "2";
  b.offset = 2;
  b.info = info("u", "c");
  b.time_ms = 123;  // server-side only, never sent (as Centrifugo v6.0)
  h.publications = {a, b};
  h.position = {2, "ep"};
  EXPECT_EQ(reply_json({1, {}, h}),
            R"({"id":1,"history":{"publications":[{"data":1,"offset":1,)"
            R"("tags":{"a":"b","k":"v"}},{"data":2,"info":{"user":"u","client":"c"},)"
            R"("offset":2}],"epoch":"ep","offset":2}})");
}

TEST(ClientCodecJsonEncode, RpcAndRefreshReplies) {
  EXPECT_EQ(reply_json({9, {}, RpcResult{R"({"ok":true})"}}),
            R"({"id":9,"rpc":{"data":{"ok":true}}})");
  EXPECT_EQ(reply_json({9, {}, RefreshResult{"c", "v", true, 30}}),
            R"({"id":9,"refresh":{"client":"c","version":"v","expires":true,"ttl":30}})");
  EXPECT_EQ(reply_json({9, {}, SubRefreshResult{true, 30}}),
            R"({"id":9,"sub_refresh":{"expires":true,"ttl":30}})");
}

TEST(ClientCodecJsonEncode, PingIsEmptyObject) {
  std::string out;
  append_ping(Protocol::json, out);
  EXPECT_EQ(out, "{}");
  EXPECT_EQ(reply_json(Reply{}), "{}");
}

TEST(ClientCodecJsonEncode, PublicationPush) {
  Publication p;
  p.data = R"({"x":1})";
  p.offset = 7;
  std::string out;
  append_publication_push(Protocol::json, "news", p, out);
  EXPECT_EQ(out, R"({"push":{"channel":"news","pub":{"data":{"x":1},"offset":7}}})");
  // Same bytes through the generic Reply path.
  EXPECT_EQ(reply_json({0, {}, Push{"news", p}}), out);
}

TEST(ClientCodecJsonEncode, NewlinesAreStrippedFromRawData) {
  Publication p;
  p.data = "{\n  \"x\": [1,\n 2]\n}\n";
  p.info = info("u", "c", "{\n}", "\n1");
  std::string out;
  append_publication_push(Protocol::json, "c", p, out);
  EXPECT_EQ(out,
            R"({"push":{"channel":"c","pub":{"data":{  "x": [1, 2]},"info":{"user":"u",)"
            R"("client":"c","conn_info":{},"chan_info":1}}}})");
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(ClientCodecJsonEncode, OtherPushes) {
  std::string out;
  append_join_push(Protocol::json, "ch", info("42", "c1", R"({"n":"x"})"), out);
  EXPECT_EQ(out,
            R"({"push":{"channel":"ch","join":{"info":{"user":"42","client":"c1",)"
            R"("conn_info":{"n":"x"}}}}})");
  out.clear();
  append_leave_push(Protocol::json, "ch", info("", ""), out);
  EXPECT_EQ(out, R"({"push":{"channel":"ch","leave":{"info":{"user":"","client":""}}}})");
  out.clear();
  append_unsubscribe_push(Protocol::json, "ch", 2000, "server unsubscribe", out);
  EXPECT_EQ(out,
            R"({"push":{"channel":"ch","unsubscribe":{"code":2000,)"
            R"("reason":"server unsubscribe"}}})");
  out.clear();
  append_subscribe_push(Protocol::json, "ch", SubscribePush{true, "e", 5, true, "{}"}, out);
  EXPECT_EQ(out,
            R"({"push":{"channel":"ch","subscribe":{"recoverable":true,"epoch":"e",)"
            R"("offset":5,"positioned":true,"data":{}}}})");
  out.clear();
  append_subscribe_push(Protocol::json, "ch", SubscribePush{}, out);
  EXPECT_EQ(out, R"({"push":{"channel":"ch","subscribe":{}}})");
  out.clear();
  append_message_push(Protocol::json, R"("hello")", out);
  EXPECT_EQ(out, R"({"push":{"message":{"data":"hello"}}})");
}

TEST(ClientCodecJsonEncode, FastPushesMatchGenericPath) {
  const ClientInfo ci = info("u", "c", "{}");
  std::string fast;
  append_join_push(Protocol::json, "a", ci, fast);
  EXPECT_EQ(reply_json({0, {}, Push{"a", JoinPush{ci}}}), fast);
  fast.clear();
  append_leave_push(Protocol::json, "a", ci, fast);
  EXPECT_EQ(reply_json({0, {}, Push{"a", LeavePush{ci}}}), fast);
  fast.clear();
  append_unsubscribe_push(Protocol::json, "a", 2500, "r", fast);
  EXPECT_EQ(reply_json({0, {}, Push{"a", UnsubscribePush{2500, "r"}}}), fast);
  fast.clear();
  append_message_push(Protocol::json, "1", fast);
  EXPECT_EQ(reply_json({0, {}, Push{"", MessagePush{"1"}}}), fast);
}

TEST(ClientCodecJsonEncode, UnidirectionalPushes) {
  ConnectResult c;
  c.client = "id";
  c.ping = 25;
  EXPECT_EQ(reply_json({0, {}, Push{"", c}}),
            R"({"push":{"connect":{"client":"id","ping":25}}})");
  EXPECT_EQ(reply_json({0, {}, Push{"", DisconnectPush{3001, "shutdown", true}}}),
            R"({"push":{"disconnect":{"code":3001,"reason":"shutdown","reconnect":true}}})");
  EXPECT_EQ(reply_json({0, {}, Push{"", RefreshPush{true, 10}}}),
            R"({"push":{"refresh":{"expires":true,"ttl":10}}})");
}

TEST(ClientCodecJsonEncode, StringsAreEscaped) {
  std::string out;
  append_unsubscribe_push(Protocol::json, "a\"b\\c", 0, "\x01\b\f\n\r\t\x1F/\xC3\xA9", out);
  EXPECT_EQ(out,
            R"({"push":{"channel":"a\"b\\c","unsubscribe":{"reason":)"
            "\"\\u0001\\b\\f\\n\\r\\t\\u001f/\xC3\xA9\"}}}");
  EXPECT_TRUE(is_valid_json(out));
  // Invalid UTF-8 becomes U+FFFD so the text frame stays valid.
  out.clear();
  append_unsubscribe_push(Protocol::json, "x\xFFy\xE2\x82", 0, "", out);
  EXPECT_EQ(out, R"({"push":{"channel":"x\ufffdy\ufffd\ufffd","unsubscribe":{}}})");
  EXPECT_TRUE(is_valid_json(out));
}

TEST(ClientCodecJsonEncode, FrameWriterJoinsWithNewlines) {
  FrameWriter w(Protocol::json);
  EXPECT_TRUE(w.empty());
  w.add_reply({1, {}, PublishResult{}});
  std::string shared;
  append_message_push(Protocol::json, "1", shared);
  w.add_encoded(shared);
  w.add_ping();
  EXPECT_EQ(w.buffer(), "{\"id\":1,\"publish\":{}}\n{\"push\":{\"message\":{\"data\":1}}}\n{}");
  const std::string frame = w.take();
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(frame.back(), '}');  // no trailing newline
  // What the server writes, the decoder-side split (one object per line) reads back.
  std::size_t lines = 0;
  std::size_t pos = 0;
  for (std::size_t nl; (nl = frame.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    EXPECT_TRUE(is_valid_json(frame.substr(pos, nl - pos)));
    ++lines;
  }
  EXPECT_TRUE(is_valid_json(frame.substr(pos)));
  EXPECT_EQ(lines + 1, 3u);
}

}  // namespace
}  // namespace herald::protocol
