// ShortestDouble's fast path for small integers writes exactly what std::to_chars writes.
#include "wire/json_writer.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <string>

namespace nucleus::wire {
namespace {

std::string ToChars(double v) {
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

std::string Shortest(double v) {
  char buf[32];
  return std::string(buf, ShortestDouble(v, buf));
}

TEST(ShortestDoubleTest, EveryIntegerOfTheFastPathIsWrittenAsToCharsWritesIt) {
  for (int n = -100001; n <= 100001; ++n) {
    const double v = n;
    ASSERT_EQ(Shortest(v), ToChars(v)) << n;
  }
}

TEST(ShortestDoubleTest, OtherValuesAreToCharsOwn) {
  const double values[] = {-0.0,   0.5,     -0.5,   1e5,        1e6,       -1e6,
                           123456, 99999.5, 1e-7,   3.14159265, 1.0 / 3.0, 4294967296.0,
                           -1e300, 1e300,   0.1,    40.125,     2e9,       -2147483648.0};
  for (double v : values) EXPECT_EQ(Shortest(v), ToChars(v)) << v;
  EXPECT_EQ(Shortest(-0.0), "-0");
  std::string out;
  AppendJsonDouble(std::nan(""), &out);
  EXPECT_EQ(out, "null");
}

}  // namespace
}  // namespace nucleus::wire
