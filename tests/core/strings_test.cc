#include "core/strings.h"

#include <gtest/gtest.h>

namespace nucleus::core {
namespace {

TEST(StringsTest, PercentDecodeDecodesSlashAndSpace) {
  std::string out;
  ASSERT_TRUE(PercentDecode("test%2Freference%2Fid%20%5B1%5D", &out));
  EXPECT_EQ(out, "test/reference/id [1]");
}

TEST(StringsTest, PercentDecodeRejectsTruncatedEscapes) {
  std::string out;
  EXPECT_FALSE(PercentDecode("abc%2", &out));
  EXPECT_FALSE(PercentDecode("abc%", &out));
  EXPECT_FALSE(PercentDecode("%zz", &out));
  EXPECT_TRUE(PercentDecode("plus+stays", &out));
  EXPECT_EQ(out, "plus+stays");
}

TEST(StringsTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("tests/test_img.jpg"), "tests%2Ftest_img.jpg");
  EXPECT_EQ(PercentEncode("a b~-._"), "a%20b~-._");
}

TEST(StringsTest, SplitKeepsEmptyPieces) {
  auto parts = Split("/a//b/", '/');
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[1], "a");
  EXPECT_EQ(parts[2], "");
}

TEST(StringsTest, Sha256AndHmacMatchKnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(StringsTest, Base64DecodeHandlesPadding) {
  std::string out;
  ASSERT_TRUE(Base64Decode("a2V5Og==", &out));
  EXPECT_EQ(out, "key:");
  EXPECT_FALSE(Base64Decode("a2V5*g==", &out));
}

TEST(StringsTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(StringsTest, AppendQuotedEscapesAsJsonStrings) {
  std::string out = "ref ";
  AppendQuoted("a\"b\\c\n\t\x01 é", &out);
  EXPECT_EQ(out, "ref \"a\\\"b\\\\c\\n\\t\\u0001 é\"");
  std::string plain;
  AppendQuoted("img_1.jpg", &plain);
  EXPECT_EQ(plain, "\"img_1.jpg\"");
}

}  // namespace
}  // namespace nucleus::core
