#include "wire/scenes.h"

#include <gtest/gtest.h>

#include <string>

namespace nucleus::wire {
namespace {

using core::SceneInput;
using core::SceneKind;

Status Parse(const std::string& json, SceneKind kind, SceneInput* out) {
  JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(json));
  return ParseScene(doc.root(), kind, 0, out);
}

std::string ErrorOf(const std::string& json, SceneKind kind) {
  SceneInput scene;
  Status s = Parse(json, kind, &scene);
  EXPECT_FALSE(s.ok()) << json;
  return s.message();
}

const char* kLidar = R"({"reference_id": "scene_1", "frames": [
  {"lidar": {"metadata": {}, "reference_id": "pc_1", "url": "https://x/0.json", "type": "pointcloud"},
   "camera": {"metadata": {"camera_params": {"fx": 1}}, "reference_id": "cam_1", "width": 1920,
              "height": 1080, "url": "https://x/a.jpeg", "type": "image",
              "camera_params": {"fx": 1, "cx": 0.5}}},
  {"lidar": {"metadata": {}, "reference_id": "pc_2", "url": "https://x/0.json", "type": "pointcloud"}}],
  "metadata": {"k": 0.30000000000000004}})";

TEST(ParseSceneTest, LidarKeepsFrameOrderSensorsAndVerbatimMetadata) {
  SceneInput s;
  ASSERT_TRUE(Parse(kLidar, SceneKind::kLidar, &s).ok());
  EXPECT_EQ(s.reference_id, "scene_1");
  EXPECT_EQ(s.metadata_json, R"({"k":0.30000000000000004})");
  ASSERT_EQ(s.frames.size(), 2u);
  ASSERT_EQ(s.frames[0].items.size(), 2u);
  EXPECT_EQ(s.frames[0].items[0].sensor, "lidar");
  EXPECT_TRUE(s.frames[0].items[0].is_pointcloud);
  EXPECT_EQ(s.frames[0].items[1].sensor, "camera");
  EXPECT_EQ(s.frames[0].items[1].url, "https://x/a.jpeg");
  EXPECT_EQ(s.frames[0].items[1].metadata_json, R"({"camera_params":{"fx":1}})");
  EXPECT_EQ(s.frames[0].items[1].extra_json,
            R"("type":"image","width":1920,"height":1080,"camera_params":{"fx":1,"cx":0.5})");
  EXPECT_EQ(s.frames[0].items[0].extra_json, R"("type":"pointcloud")");
}

TEST(ParseSceneTest, LidarFrameWithTwoPointCloudsIsRejected) {
  std::string json = kLidar;
  json.replace(json.find("\"type\": \"image\""), 15, "\"type\": \"pointcloud\"");
  std::string error = ErrorOf(json, SceneKind::kLidar);
  EXPECT_NE(error.find("Scene scene_1: frame 0 has 2 point clouds"), std::string::npos) << error;
}

TEST(ParseSceneTest, SceneWithoutFramesIsRejected) {
  EXPECT_NE(ErrorOf(R"({"reference_id": "s", "frames": []})", SceneKind::kLidar).find("no frames"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"reference_id": "v", "frame_rate": 5})", SceneKind::kVideo)
                .find("no frames"),
            std::string::npos);
}

TEST(ParseSceneTest, VideoFileSceneNeedsNoFrames) {
  SceneInput s;
  ASSERT_TRUE(Parse(R"({"reference_id": "v", "video_url": "https://x/v.mp4",
                        "upload_to_scale": false})",
                    SceneKind::kVideo, &s)
                  .ok());
  EXPECT_TRUE(s.frames.empty());
  EXPECT_EQ(s.video_url.value(), "https://x/v.mp4");
  EXPECT_FALSE(s.upload_to_scale);
  EXPECT_FALSE(s.frame_rate.has_value());
}

TEST(ParseSceneTest, SceneOfTheOtherKindIsRejected) {
  EXPECT_NE(ErrorOf(kLidar, SceneKind::kVideo).find("is a lidar scene"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"reference_id": "v", "video_url": "u"})", SceneKind::kLidar)
                .find("is a video scene"),
            std::string::npos);
}

TEST(ParseSceneTest, DuplicateFrameReferenceIdIsRejected) {
  std::string error = ErrorOf(R"({"reference_id": "v", "frame_rate": 2, "frames": [
      {"reference_id": "f", "url": "a.jpg", "type": "image", "metadata": {}},
      {"reference_id": "f", "url": "b.jpg", "type": "image", "metadata": {}}]})",
                              SceneKind::kVideo);
  EXPECT_NE(error.find("duplicate frame reference id f"), std::string::npos) << error;
}

TEST(MergeJsonObjectsTest, PatchOverwritesAndAddsKeepingOtherKeysInPlace) {
  auto merged = MergeJsonObjects(R"({"a":1,"b":{"x":1},"c":[1]})", R"({"b":2,"d":null})");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, R"({"a":1,"b":2,"c":[1],"d":null})");
  EXPECT_EQ(*MergeJsonObjects("null", R"({"a":1})"), R"({"a":1})");
}

}  // namespace
}  // namespace nucleus::wire
