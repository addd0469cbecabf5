// The server side of RFC 6455 framing without sockets: client frames are built here (masked)
// and fed to FrameReader in every split, including one byte at a time.
#include "transport/ws/frame_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herald::ws {
namespace {

using Kind = FrameEvent::Kind;

/// A client frame: masked with a fixed key, `len_form` forcing the 16/64-bit length forms.
std::string ClientFrame(uint8_t op, std::string_view payload, bool fin = true,
                        uint8_t rsv = 0, bool masked = true, int len_form = 0) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | rsv | op));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  const uint64_t n = payload.size();
  if (len_form == 0 && n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (len_form == 16 || (len_form == 0 && n <= 0xFFFF)) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(n >> (8 * i)));
  }
  const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(payload[i] ^ (masked ? key[i % 4] : 0)));
  return f;
}

struct Seen {
  std::vector<FrameEvent> events;
  std::vector<std::string> messages;
};

/// Feeds `wire` in pieces of `step` bytes (0: all at once), collecting every event.
Seen FeedAll(FrameReader& r, const std::string& wire, size_t step = 0) {
  Seen seen;
  std::string message;
  size_t at = 0;
  while (at < wire.size()) {
    const size_t piece = step == 0 ? wire.size() - at : std::min(step, wire.size() - at);
    size_t off = 0;
    while (off < piece) {
      FrameEvent ev;
      off += r.feed(wire.data() + at + off, piece - off, message, ev);
      if (ev.kind == Kind::none) continue;
      if (ev.kind == Kind::message) {
        seen.messages.push_back(message);
        message.clear();
      }
      const bool stop = ev.kind == Kind::error || ev.kind == Kind::close;
      seen.events.push_back(std::move(ev));
      if (stop) return seen;
    }
    at += piece;
  }
  return seen;
}

TEST(FrameReaderTest, MessagesOfEveryLengthFormArriveWholeInAnySplit) {
  const std::string small = "{\"id\":1}";
  const std::string medium(300, 'm');
  const std::string large(70000, 'L');
  std::string wire = ClientFrame(1, small) + ClientFrame(2, medium) + ClientFrame(2, large) +
                     ClientFrame(1, "");
  for (size_t step : {size_t{0}, size_t{1}, size_t{3}, size_t{7}, size_t{4096}}) {
    FrameReader r(0);
    Seen s = FeedAll(r, wire, step);
    ASSERT_EQ(s.messages.size(), 4u) << "step " << step;
    EXPECT_EQ(s.messages[0], small);
    EXPECT_EQ(s.messages[1], medium);
    EXPECT_EQ(s.messages[2], large);
    EXPECT_EQ(s.messages[3], "");
    EXPECT_FALSE(s.events[0].binary);
    EXPECT_TRUE(s.events[1].binary);
    EXPECT_FALSE(r.in_message());
  }
}

TEST(FrameReaderTest, FragmentsJoinAndControlFramesMayComeBetweenThem) {
  std::string wire = ClientFrame(1, "hel", false) + ClientFrame(9, "pp", true) +
                     ClientFrame(0, "lo ", false) + ClientFrame(10, "") +
                     ClientFrame(0, "world", true);
  FrameReader r(0);
  Seen s = FeedAll(r, wire, 2);
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[0].kind, Kind::ping);
  EXPECT_EQ(s.events[0].payload, "pp");
  EXPECT_EQ(s.events[1].kind, Kind::pong);
  EXPECT_EQ(s.events[2].kind, Kind::message);
  ASSERT_EQ(s.messages.size(), 1u);
  EXPECT_EQ(s.messages[0], "hello world");
}

TEST(FrameReaderTest, CloseFrameCarriesCodeAndReason) {
  FrameReader r(0);
  Seen s = FeedAll(r, ClientFrame(8, std::string("\x03\xe8") + "bye"), 1);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].kind, Kind::close);
  EXPECT_EQ(s.events[0].code, 1000);
  EXPECT_EQ(s.events[0].payload, "bye");

  FrameReader empty(0);
  s = FeedAll(empty, ClientFrame(8, ""));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].kind, Kind::close);
  EXPECT_EQ(s.events[0].code, 0);
}

TEST(FrameReaderTest, ProtocolViolationsFailWith1002) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"unmasked", ClientFrame(1, "x", true, 0, false)},
      {"rsv bit", ClientFrame(1, "x", true, 0x40)},
      {"unknown opcode", ClientFrame(3, "x")},
      {"fragmented ping", ClientFrame(9, "x", false)},
      {"long ping", ClientFrame(9, std::string(126, 'p'))},
      {"continuation of nothing", ClientFrame(0, "x")},
      {"new message inside one", ClientFrame(1, "a", false) + ClientFrame(1, "b")},
      {"16-bit form for a short length", ClientFrame(1, "short", true, 0, true, 16)},
      {"64-bit form for a short length", ClientFrame(2, std::string(300, 'x'), true, 0, true, 64)},
      {"close with one byte", ClientFrame(8, "\x03")},
      {"close code 1005", ClientFrame(8, "\x03\xed")},
      {"close code 999", ClientFrame(8, "\x03\xe7")},
  };
  for (const auto& [what, wire] : cases) {
    FrameReader r(0);
    Seen s = FeedAll(r, wire, 1);
    ASSERT_FALSE(s.events.empty()) << what;
    EXPECT_EQ(s.events.back().kind, Kind::error) << what;
    EXPECT_EQ(s.events.back().code, kCloseProtocolError) << what;
    EXPECT_TRUE(s.messages.empty()) << what;
  }
}

TEST(FrameReaderTest, TheSizeLimitCountsTheWholeMessage) {
  FrameReader r(64);
  Seen s = FeedAll(r, ClientFrame(1, std::string(64, 'a')));
  ASSERT_EQ(s.messages.size(), 1u);
  // Two fragments of 40: the second takes the message past 64 before its payload is read.
  s = FeedAll(r, ClientFrame(1, std::string(40, 'b'), false) +
                     ClientFrame(0, std::string(40, 'b')));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].kind, Kind::error);
  EXPECT_EQ(s.events[0].code, kCloseTooBig);
}

TEST(FrameReaderTest, InvalidUtf8FailsTextButNotBinaryWith1007) {
  FrameReader r(0);
  Seen s = FeedAll(r, ClientFrame(2, "\xff\xfe"));
  ASSERT_EQ(s.messages.size(), 1u);
  s = FeedAll(r, ClientFrame(1, "{\"x\":\"\xff\"}"));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].code, kCloseBadPayload);
  FrameReader c(0);
  s = FeedAll(c, ClientFrame(8, "\x03\xe8\xc3"));  // close reason cut inside a character
  EXPECT_EQ(s.events.back().code, kCloseBadPayload);
}

TEST(Utf8Test, AcceptsWellFormedAndRejectsTheRest) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_TRUE(valid_utf8("\xef\xbf\xbf\xf4\x8f\xbf\xbf"));  // U+FFFF, U+10FFFF
  EXPECT_FALSE(valid_utf8("\x80"));                          // continuation first
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                      // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));                  // overlong, 3 bytes
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                  // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));              // past U+10FFFF
  EXPECT_FALSE(valid_utf8("abc\xe2\x82"));                   // cut short
  EXPECT_FALSE(valid_utf8("12345678\xc3("));                 // bad continuation
}

TEST(FrameWriterTest, HeadersUseTheShortestLengthForm) {
  uint8_t h[10];
  ASSERT_EQ(write_frame_header(h, Opcode::text, 125), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 125);
  ASSERT_EQ(write_frame_header(h, Opcode::binary, 126), 4u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 126);
  ASSERT_EQ(write_frame_header(h, Opcode::binary, 65536), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 1);  // 0x00 00 00 00 00 01 00 00
  EXPECT_EQ(h[8], 0);
}

TEST(FrameWriterTest, CloseAndControlFrames) {
  std::string out;
  append_close_frame(out, 3008, "slow");
  EXPECT_EQ(out, std::string("\x88\x06\x0b\xc0slow", 8));
  out.clear();
  append_close_frame(out, 0, "");
  EXPECT_EQ(out, std::string("\x88\x00", 2));
  out.clear();
  append_control_frame(out, Opcode::pong, "pp");
  EXPECT_EQ(out, std::string("\x8a\x02pp", 4));
}

}  // namespace
}  // namespace herald::ws
