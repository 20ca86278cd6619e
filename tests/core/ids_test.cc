#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace nucleus::core {
namespace {

TEST(IdsTest, NewIdHasPrefixAndTwentyBase32HexCharacters) {
  std::string id = NewId("ds");
  ASSERT_EQ(id.size(), 23u);
  EXPECT_EQ(id.substr(0, 3), "ds_");
  for (char c : id.substr(3)) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'v')) << id;
  }
  EXPECT_EQ(IdPrefix(id), "ds");
}

TEST(IdsTest, IdsAreUniqueAndSortByCreation) {
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 10000; ++i) {
    std::string id = NewId("job");
    EXPECT_TRUE(seen.insert(id).second);
    // The leading characters encode the creation second, so ids sort by time.
    if (!previous.empty()) {
      EXPECT_LE(previous.substr(0, 9), id.substr(0, 9));
    }
    previous = id;
  }
}

TEST(IdsTest, IdPrefixSplitsOnFirstUnderscoreOnly) {
  EXPECT_EQ(IdPrefix("evalv2_abc_def"), "evalv2");
  EXPECT_EQ(IdPrefix("noprefix"), "");
}

TEST(IdsTest, RandomHexHasTwoCharactersPerByte) {
  std::string a = RandomHex(16), b = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace nucleus::core
