#include "config/duration.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

using std::chrono::milliseconds;

std::optional<int64_t> ms(std::string_view s) {
  auto d = parse_duration(s);
  if (!d) return std::nullopt;
  return d->count();
}

TEST(Duration, ParsesCentrifugoValues) {
  EXPECT_EQ(ms("25s"), 25'000);
  EXPECT_EQ(ms("500ms"), 500);
  EXPECT_EQ(ms("1m"), 60'000);
  EXPECT_EQ(ms("720h"), 720LL * 3'600'000);
  EXPECT_EQ(ms("1h30m"), 90 * 60'000);
  EXPECT_EQ(ms("1.5s"), 1'500);
  EXPECT_EQ(ms("0"), 0);
  EXPECT_EQ(ms("0s"), 0);
  EXPECT_EQ(ms(".5s"), 500);
  EXPECT_EQ(ms("1.s"), 1'000);
  EXPECT_EQ(ms("1s500ms"), 1'500);
  EXPECT_EQ(ms("+2s"), 2'000);
}

TEST(Duration, SubMillisecondUnitsRoundDown) {
  EXPECT_EQ(ms("1500us"), 1);
  EXPECT_EQ(ms("1500\xC2\xB5s"), 1);  // micro sign
  EXPECT_EQ(ms("1500\xCE\xBCs"), 1);  // Greek mu
  EXPECT_EQ(ms("999999ns"), 0);
  EXPECT_EQ(ms("2000000ns"), 2);
}

TEST(Duration, NegativeParses) {
  EXPECT_EQ(ms("-1s"), -1'000);
  EXPECT_EQ(ms("-1h30m"), -90 * 60'000);
}

TEST(Duration, RejectsInvalid) {
  for (const char* bad : {"", "abc", "5", "-", "+", "s", "1", "1x", "1.5", ".s", "1s2",
                          "1 s", " 1s", "1s ", "1S", "1d", "--1s", "1e3s", "9223372036855s",
                          "99999999999999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(milliseconds(25'000)), "25s");
  EXPECT_EQ(format_duration(milliseconds(500)), "500ms");
  EXPECT_EQ(format_duration(std::chrono::hours(720)), "720h");
  EXPECT_EQ(format_duration(milliseconds(90 * 60'000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1s500ms");
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(-1'000)), "-1s");
}

TEST(Duration, FormatRoundTrips) {
  for (int64_t v : {1LL, 999LL, 1'000LL, 61'001LL, 3'600'000LL, 3'661'001LL, -5LL,
                    86'400'000LL * 400}) {
    const milliseconds d(v);
    EXPECT_EQ(parse_duration(format_duration(d)), d) << v;
  }
}

}  // namespace
}  // namespace herald
