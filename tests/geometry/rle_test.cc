#include "geometry/rle.h"

#include <gtest/gtest.h>

namespace nucleus::geometry {
namespace {

TEST(RleTest, StringRoundTrip) {
  RleMask mask{4, 5, {3, 2, 0, 1, 14}};
  Result<RleMask> back = RleFromString(RleToString(mask), 4, 5);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->counts, mask.counts);
}

}  // namespace
}  // namespace nucleus::geometry
