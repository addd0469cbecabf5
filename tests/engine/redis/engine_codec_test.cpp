// The Redis engine's payloads (protobuf Publication / ClientInfo, PUB/SUB prefixes) and key
// names: round trips, bytes fixed by hand from the field numbers of proto/client.proto, and
// malformed input that must be refused without crashing.
#include "engine/redis/engine_codec.hpp"

#include <gtest/gtest.h>

#include <random>

#include "engine/redis/engine_keys.hpp"

namespace herald::redis {
namespace {

using namespace std::string_literals;

Publication sample() {
  Publication p;
  p.data = R"({"text":"hi"})";
  p.info = ClientInfo{"alice", "c1", R"({"a":1})", "\x00\xff"s};
  p.tags = {{"k", "v"}, {"empty", ""}};
  p.time_ms = 1700000000123;
  return p;
}

TEST(RedisEngineCodec, ClientInfoBytesAreProtobuf) {
  ClientInfo info{"u", "c", "", "x"};
  // field 1 (user) len 1 'u', field 2 (client) len 1 'c', field 4 (chan_info) len 1 'x'.
  EXPECT_EQ(encode_client_info(info), "\x0a\x01u\x12\x01" "c\x22\x01x"s);
  EXPECT_EQ(decode_client_info(encode_client_info(info)), info);
  EXPECT_EQ(decode_client_info(""), ClientInfo{});
}

TEST(RedisEngineCodec, PublicationBytesAreProtobuf) {
  Publication p;
  p.data = "{}";
  p.time_ms = 1;
  // data (4): 0x22 len 2; time (9): 0x48 varint 1. No offset: it lives outside.
  EXPECT_EQ(encode_publication(p), "\x22\x02{}\x48\x01"s);
  p.offset = 7;
  EXPECT_EQ(encode_publication(p), "\x22\x02{}\x48\x01"s);
}

TEST(RedisEngineCodec, PublicationRoundTrip) {
  Publication p = sample();
  auto back = decode_publication(encode_publication(p));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, p);
  // An empty info is still "an info".
  p.info = ClientInfo{};
  back = decode_publication(encode_publication(p));
  ASSERT_TRUE(back && back->info);
  EXPECT_EQ(*back->info, ClientInfo{});
  // A negative time survives (int64 as a 10-byte varint).
  p.time_ms = -5;
  EXPECT_EQ(decode_publication(encode_publication(p))->time_ms, -5);
}

TEST(RedisEngineCodec, UnknownFieldsOfEveryWireTypeAreSkipped) {
  std::string bytes = encode_publication(sample());
  bytes += "\x50\x01"s;                       // field 10 varint
  bytes += "\x59" "12345678"s;                // field 11 fixed64
  bytes += "\x62\x03" "abc"s;                 // field 12 bytes
  bytes += "\x6d" "1234"s;                    // field 13 fixed32
  bytes += "\x72\x05" "epoch"s;               // field 14: epoch (read)
  bytes += "\x30\x09"s;                       // field 6: offset 9 (read)
  auto p = decode_publication(bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->data, sample().data);
  EXPECT_EQ(p->epoch, "epoch");
  EXPECT_EQ(p->offset, 9u);
}

TEST(RedisEngineCodec, MalformedProtobufIsRefused) {
  const std::string good = encode_publication(sample());
  for (size_t n = 1; n < good.size(); ++n) {
    // Every truncation either fails or decodes a prefix of whole fields; never crashes.
    (void)decode_publication(good.substr(0, n));
  }
  EXPECT_FALSE(decode_publication("\x22\x05{}"s));             // length past the end
  EXPECT_FALSE(decode_publication("\x22"s));                   // tag without a length
  EXPECT_FALSE(decode_publication("\x23\x00"s));               // group start (wire type 3)
  EXPECT_FALSE(decode_publication("\x00\x00"s));               // field 0
  EXPECT_FALSE(decode_publication("\x20\x01"s));               // data as a varint
  EXPECT_FALSE(decode_publication("\x30\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s));
  EXPECT_FALSE(decode_publication("\x2a\x02\x0a\x05"s));       // info with a broken user
  EXPECT_FALSE(decode_publication("\x3a\x02\x08\x01"s));       // tag entry key as a varint
  EXPECT_FALSE(decode_client_info("\x0a\xff\xff\xff\xff\x0f"s));  // 4 GB length
}

TEST(RedisEngineCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 64);
  for (int i = 0; i < 20000; ++i) {
    std::string s(len(rng), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    if (i % 3 == 0) s = "__p1:" + s;
    if (i % 3 == 1) s = "__j__" + s;
    (void)decode_message(s);
    (void)decode_client_info(s);
  }
}

TEST(RedisEngineCodec, MessagesWithHistoryCarryOffsetAndEpoch) {
  Publication p = sample();
  std::string m = encode_publication_message(p, 12, "AbCdEfGh");
  EXPECT_TRUE(m.starts_with("__p1:12:AbCdEfGh__"));
  auto d = decode_message(m);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, PubSubMessage::Kind::publication);
  EXPECT_EQ(d->epoch, "AbCdEfGh");
  EXPECT_EQ(d->publication.offset, 12u);
  EXPECT_EQ(d->publication.epoch, "");  // only offset 1 carries it
  EXPECT_EQ(d->publication.data, p.data);
  EXPECT_EQ(d->publication.info, p.info);

  d = decode_message(encode_publication_message(p, 1, "AbCdEfGh"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->publication.epoch, "AbCdEfGh");
}

TEST(RedisEngineCodec, MessagesWithoutHistoryAreBarePublications) {
  Publication p = sample();
  auto d = decode_message(encode_publication_message(p));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, PubSubMessage::Kind::publication);
  EXPECT_EQ(d->publication, p);
  EXPECT_EQ(d->epoch, "");
}

TEST(RedisEngineCodec, JoinAndLeave) {
  ClientInfo info{"bob", "c2", "{}", ""};
  EXPECT_EQ(encode_join_message(info), "__j__" + encode_client_info(info));
  auto j = decode_message(encode_join_message(info));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->kind, PubSubMessage::Kind::join);
  EXPECT_EQ(j->info, info);
  auto l = decode_message(encode_leave_message(info));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->kind, PubSubMessage::Kind::leave);
  EXPECT_EQ(l->info, info);
}

TEST(RedisEngineCodec, MalformedMessagesAreRefused) {
  for (const char* bad : {"__", "__x__", "__p1:", "__p1:5", "__p1:5:epoch", "__p1::e__",
                          "__p1:x:e__", "__p1:-1:e__", "__p1:99999999999999999999:e__",
                          "__d1:1:e:0::2:{}", "__j__\x0a\x09"}) {
    EXPECT_FALSE(decode_message(bad)) << bad;
  }
  EXPECT_FALSE(decode_message("\x22\x09short"s));  // a bare publication, truncated
}

TEST(RedisEngineKeys, StandaloneNames) {
  EngineKeys k("centrifugo", false);
  EXPECT_EQ(k.client_channel("chat:index"), "centrifugo.client.chat:index");
  EXPECT_EQ(k.stream("chat:index"), "centrifugo.stream.chat:index");
  EXPECT_EQ(k.stream_meta("chat:index"), "centrifugo.stream.meta.chat:index");
  EXPECT_EQ(k.result("chat:index", "key1"), "centrifugo.result.chat:index.key1");
  EXPECT_EQ(k.presence_data("ch"), "centrifugo.presence.data.ch");
  EXPECT_EQ(k.presence_expire("ch"), "centrifugo.presence.expire.ch");
  EXPECT_EQ(k.control_channel(), "centrifugo.control");
  EXPECT_EQ(k.node_channel("uid-1"), "centrifugo.node.uid-1");
  EXPECT_EQ(k.channel_of("centrifugo.client.chat:index"), "chat:index");
  EXPECT_EQ(k.channel_of("centrifugo.client.{x}"), "{x}");
  EXPECT_FALSE(k.channel_of("centrifugo.control"));
  EXPECT_FALSE(k.channel_of("other.client.x"));
}

TEST(RedisEngineKeys, ClusterNamesAreHashTagged) {
  EngineKeys k("p", true);
  EXPECT_EQ(k.client_channel("ch"), "p.client.{ch}");
  EXPECT_EQ(k.stream("ch"), "p.stream.{ch}");
  EXPECT_EQ(k.stream_meta("ch"), "p.stream.meta.{ch}");
  EXPECT_EQ(k.result("ch", "k"), "p.result.{ch}.k");
  EXPECT_EQ(k.presence_data("ch"), "p.presence.data.{ch}");
  EXPECT_EQ(k.presence_expire("ch"), "p.presence.expire.{ch}");
  EXPECT_EQ(k.control_channel(), "p.control");
  EXPECT_EQ(k.channel_of("p.client.{ch}"), "ch");
  EXPECT_FALSE(k.channel_of("p.client.ch"));
  EXPECT_FALSE(k.channel_of("p.client.{"));
}

}  // namespace
}  // namespace herald::redis
