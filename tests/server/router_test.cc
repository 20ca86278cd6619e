#include "server/router.h"

#include <gtest/gtest.h>

#include "server/http.h"

namespace nucleus::server {
namespace {

Handler Named(std::string* hit, std::string name) {
  return [hit, name](Request&, Response&) { *hit = name; };
}

TEST(RouterTest, DecodesEachSegmentAfterSplitting) {
  Router router;
  std::string hit;
  router.Add("GET", "dataset/:ds/refloc/:ref", Named(&hit, "refloc"));
  Router::Match m;
  ASSERT_TRUE(router.Find("GET", "/dataset/ds_1/refloc/test%2Freference%2Fid", &m));
  EXPECT_EQ(m.params["ds"], "ds_1");
  EXPECT_EQ(m.params["ref"], "test/reference/id");
}

TEST(RouterTest, RawSlashMakesExtraSegmentsAndDoesNotMatch) {
  Router router;
  std::string hit;
  router.Add("GET", "dataset/:ds/refloc/:ref", Named(&hit, "refloc"));
  Router::Match m;
  EXPECT_FALSE(router.Find("GET", "/dataset/ds_1/refloc/a/b", &m));
}

TEST(RouterTest, LiteralRouteBeatsCaptureRegardlessOfOrder) {
  Router router;
  std::string hit;
  router.Add("GET", "dataset/:ds", Named(&hit, "capture"));
  router.Add("GET", "dataset/details", Named(&hit, "details"));
  Router::Match m;
  ASSERT_TRUE(router.Find("GET", "/dataset/details", &m));
  Request req;
  Response res;
  (*m.handler)(req, res);
  EXPECT_EQ(hit, "details");
}

TEST(RouterTest, TrailingAndRepeatedSlashesAreIgnored) {
  Router router;
  std::string hit;
  router.Add("GET", "models/", Named(&hit, "models"));
  Router::Match a, b, c;
  EXPECT_TRUE(router.Find("GET", "/models", &a));
  EXPECT_TRUE(router.Find("GET", "/models/", &b));
  EXPECT_TRUE(router.Find("GET", "//models", &c));
}

TEST(RouterTest, WrongMethodReportsKnownPath) {
  Router router;
  std::string hit;
  router.Add("POST", "dataset/create", Named(&hit, "create"));
  Router::Match m;
  EXPECT_FALSE(router.Find("GET", "/dataset/create", &m));
  EXPECT_TRUE(m.path_known);
}

TEST(RouterTest, EscapedLiteralDoesNotMatchLiteralSegment) {
  Router router;
  std::string hit;
  router.Add("GET", "dataset/details", Named(&hit, "details"));
  Router::Match m;
  EXPECT_FALSE(router.Find("GET", "/dataset/d%65tails", &m));
}

TEST(RouterTest, RestCaptureJoinsRemainingSegments) {
  Router router;
  std::string hit;
  router.Add("GET", "blob/*name", Named(&hit, "blob"));
  Router::Match m;
  ASSERT_TRUE(router.Find("GET", "/blob/a/b%20c.png", &m));
  EXPECT_EQ(m.params["name"], "a/b c.png");
}

TEST(RouterTest, MalformedEscapeMatchesNothing) {
  Router router;
  std::string hit;
  router.Add("GET", "dataset/:ds", Named(&hit, "ds"));
  Router::Match m;
  EXPECT_FALSE(router.Find("GET", "/dataset/%zz", &m));
  EXPECT_EQ(m.handler, nullptr);
}

}  // namespace
}  // namespace nucleus::server
