#include "core/blob_urls.h"

#include <gtest/gtest.h>

namespace nucleus::core {
namespace {

TEST(BlobUrlsTest, ResolvesEveryLocalReferenceToTheGivenBase) {
  std::string body =
      R"([{"image_url":"nucleus://local/blob/img/a.jpg"},{"m":"nucleus://local/blob/mask/b.png"}])";
  EXPECT_TRUE(ResolveLocalBlobUrls("http://h:1/v1/nucleus", &body));
  EXPECT_EQ(body, R"([{"image_url":"http://h:1/v1/nucleus/blob/img/a.jpg"},)"
                  R"({"m":"http://h:1/v1/nucleus/blob/mask/b.png"}])");
}

TEST(BlobUrlsTest, LeavesTextWithoutLocalReferencesAlone) {
  std::string body = R"({"image_url":"s3://bucket/a.jpg"})";
  EXPECT_FALSE(ResolveLocalBlobUrls("http://h:1/v1/nucleus", &body));
  EXPECT_EQ(body, R"({"image_url":"s3://bucket/a.jpg"})");
}

TEST(BlobUrlsTest, AbsoluteUrlsOfStoredBlobsBecomeLocationFree) {
  EXPECT_EQ(LocationFreeBlobUrls("http://127.0.0.1:8080/v1/nucleus/blob/img/ab.jpg"),
            "nucleus://local/blob/img/ab.jpg");
  EXPECT_EQ(LocationFreeBlobUrls(
                R"({"mask_url":"m.png","stored_mask_url":"https://x.example/v1/nucleus/blob/mask/)"
                R"(c.png","n":1})"),
            R"({"mask_url":"m.png","stored_mask_url":"nucleus://local/blob/mask/c.png","n":1})");
  // Two in one payload.
  EXPECT_EQ(LocationFreeBlobUrls("a http://h/v1/nucleus/blob/img/1 b http://g:2/v1/nucleus/"
                                 "blob/mask/2 c"),
            "a nucleus://local/blob/img/1 b nucleus://local/blob/mask/2 c");
}

TEST(BlobUrlsTest, OtherUrlsAreUnchanged) {
  for (const char* text : {"s3://bucket/v1/nucleus/blob/img/a.jpg",  // not http(s)
                           "http://h/v1/nucleus/blob/upload/a",      // not a served kind
                           "http://h/other/v1/nucleus/blob/img/a",   // a path before the prefix
                           "http://h/v1/nucleus/dataset/x", "no url at all", ""}) {
    EXPECT_EQ(LocationFreeBlobUrls(text), text);
  }
}

}  // namespace
}  // namespace nucleus::core
