#include "core/clock.h"

#include <gtest/gtest.h>

namespace nucleus::core {
namespace {

TEST(ClockTest, FormatsIso8601WithMillisecondsInUtc) {
  EXPECT_EQ(FormatIso8601(FromUnixMillis(1780315200123)), "2026-06-01T12:00:00.123Z");
  EXPECT_EQ(FormatIso8601(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
}

TEST(ClockTest, ParsesTheDateShapesTheClientSends) {
  Timestamp t;
  ASSERT_TRUE(ParseDateTime("2021-11-05", &t));
  EXPECT_EQ(FormatIso8601(t), "2021-11-05T00:00:00.000Z");
  ASSERT_TRUE(ParseDateTime("2021-11-05 10:20:30", &t));
  EXPECT_EQ(FormatIso8601(t), "2021-11-05T10:20:30.000Z");
  ASSERT_TRUE(ParseDateTime("2021-11-05T10:20:30.250000+01:00", &t));
  EXPECT_EQ(FormatIso8601(t), "2021-11-05T09:20:30.250Z");
  ASSERT_TRUE(ParseDateTime("2021-11-05T10:20:30Z", &t));
  EXPECT_FALSE(ParseDateTime("yesterday", &t));
  EXPECT_FALSE(ParseDateTime("2021-13-05", &t));
}

}  // namespace
}  // namespace nucleus::core
