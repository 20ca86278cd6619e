#include "eval/coco_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "eval/coco_eval.h"
#include "geometry/rle.h"

namespace nucleus::eval {
namespace {

const char* kGt =
    R"({"images":[{"id":1,"width":10,"height":10}],"categories":[{"id":1}],
"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,2,2],"area":4,"iscrowd":0}]})";

std::string Padded(std::string_view s) {
  std::string out;
  out.reserve(s.size() + kJsonPadding);
  out.append(s.data(), s.size());
  return out;
}

Status ParseDt(const std::string& dt) {
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(kGt), "gt.json", Padded(dt), "dt.json", IouType::kBbox, 1);
  return files.ok() ? Status::Ok() : files.status();
}

TEST(CocoJsonTest, BadFieldNamesFileLineAndElement) {
  const Status s = ParseDt(
      "[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1},\n"
      "{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1],\"score\":1}]");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("dt.json: line 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[1]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("bbox"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, SyntaxErrorNamesPosition) {
  const Status s = ParseDt("[{\"image_id\":1,\"category_id\":1 \"bbox\":[0,0,1,1],\"score\":1}]");
  EXPECT_NE(s.message().find("dt.json: line 1, column"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, UnknownImageIsAnError) {
  const Status s = ParseDt("[{\"image_id\":9,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1}]");
  EXPECT_NE(s.message().find("image_id 9"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, UnknownCategoryIsDropped) {
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(kGt), "gt.json",
                     Padded("[{\"image_id\":1,\"category_id\":7,\"bbox\":[0,0,1,1],\"score\":1},"
                            "{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1}]"),
                     "dt.json", IouType::kBbox, 1);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->dt.size(), 1u);
  EXPECT_EQ(files->dt.areas[0], 1.0);
}

// Results keep no id, area, iscrowd or num_keypoints (loadRes numbers results and derives the
// area), but those fields are still validated like the ground truth's.
TEST(CocoJsonTest, ResultIdAreaAndCrowdAreValidatedButNotUsed) {
  Result<CocoFiles> files = ParseCocoFiles(
      Padded(kGt), "gt.json",
      Padded("[{\"id\":7,\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,2,3],\"score\":1,"
             "\"area\":100,\"iscrowd\":1,\"num_keypoints\":3}]"),
      "dt.json", IouType::kBbox, 1);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->dt.size(), 1u);
  EXPECT_EQ(files->dt.areas[0], 6.0);  // w * h, not the given area
  const std::string head = "[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1,";
  Status s = ParseDt(head + "\"area\":\"big\"}]");
  EXPECT_NE(s.message().find("field \"area\" must be a number"), std::string::npos) << s.message();
  s = ParseDt(head + "\"iscrowd\":\"yes\"}]");
  EXPECT_NE(s.message().find("field \"iscrowd\" must be 0 or 1"), std::string::npos)
      << s.message();
  s = ParseDt(head + "\"id\":\"seven\"}]");
  EXPECT_NE(s.message().find("field \"id\" must be an integer"), std::string::npos) << s.message();
}

TEST(CocoJsonTest, MissingGroundTruthFieldIsNamed) {
  Result<CocoGroundTruth> gt =
      ParseCocoGroundTruth(Padded(R"({"images":[{"id":1}],"categories":[{"id":1}],
"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,2,2]}]})"),
                           "gt.json", IouType::kBbox);
  ASSERT_FALSE(gt.ok());
  EXPECT_NE(gt.status().message().find("annotations[0]"), std::string::npos);
  EXPECT_NE(gt.status().message().find("\"area\""), std::string::npos);
}

TEST(CocoJsonTest, UnpaddedTextIsCopiedNotOverread) {
  std::string gt(kGt);
  gt.shrink_to_fit();
  Result<CocoGroundTruth> parsed = ParseCocoGroundTruth(gt, "gt.json", IouType::kBbox);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), 1u);
}


// Result masks given as compressed strings are kept compressed and decoded only when needed;
// they must evaluate exactly like the same masks given as count arrays, including a string that
// needs JSON unescaping ('\' is in COCO's alphabet) and one that overlaps no ground truth.
TEST(CocoJsonTest, CompressedRleResultsEvaluateLikeCountArrays) {
  const std::string gt_json =
      R"({"images":[{"id":1,"width":20,"height":20}],"categories":[{"id":1}],
"annotations":[{"id":1,"image_id":1,"category_id":1,"area":25,"iscrowd":0,"bbox":[2,4,5,5],
"segmentation":[[2,4,7,4,7,9,2,9]]}]})";
  // 44 = column 2, row 4: the first count's string starts with a backslash.
  const std::vector<geometry::RleMask> masks = {
      {20, 20, {44, 5, 15, 5, 331}},
      {20, 20, {45, 5, 15, 5, 15, 5, 15, 5, 290}},
      {20, 20, {301, 3, 96}},  // far from the ground truth
  };
  std::string as_strings = "[", as_arrays = "[";
  for (size_t i = 0; i < masks.size(); ++i) {
    const std::string rle = geometry::RleToString(masks[i]);
    if (i == 0) {
      ASSERT_EQ(rle[0], '\\') << rle;
    }
    std::string escaped;
    for (char c : rle) {
      if (c == '\\') escaped += '\\';
      escaped += c;
    }
    std::string counts;  // appended piecewise: g++ 12 warns falsely (-Wrestrict) on "," + s
    for (uint32_t c : masks[i].counts) {
      if (!counts.empty()) counts += ',';
      counts += std::to_string(c);
    }
    std::string head = i ? "," : "";
    head += R"({"image_id":1,"category_id":1,"score":0.)";
    head += std::to_string(9 - i);
    head += R"(,"segmentation":{"size":[20,20],"counts":)";
    as_strings += head;
    as_strings += '"';
    as_strings += escaped;
    as_strings += "\"}}";
    as_arrays += head;
    as_arrays += '[';
    as_arrays += counts;
    as_arrays += "]}}";
  }
  as_strings += "]";
  as_arrays += "]";
  Result<CocoFiles> a = ParseCocoFiles(Padded(gt_json), "gt.json", Padded(as_strings), "dt.json",
                                       IouType::kSegm, 1);
  Result<CocoFiles> b = ParseCocoFiles(Padded(gt_json), "gt.json", Padded(as_arrays), "dt.json",
                                       IouType::kSegm, 1);
  // Left in the text (nucleus eval's mapped file) instead of copied: the text outlives `c`.
  const std::string dt_text = Padded(as_strings);
  Result<CocoFiles> c = ParseCocoFiles(Padded(gt_json), "gt.json", dt_text, "dt.json",
                                       IouType::kSegm, 1, /*dt_text_outlives_result=*/true);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // The two unescaped strings point into dt_text; the escaped one is a copy.
  const auto in_text = [&](std::string_view v) {
    return v.data() >= dt_text.data() && v.data() < dt_text.data() + dt_text.size();
  };
  EXPECT_FALSE(in_text(c->dt.mask_strings[0]));
  EXPECT_TRUE(in_text(c->dt.mask_strings[1]));
  EXPECT_TRUE(in_text(c->dt.mask_strings[2]));
  ASSERT_EQ(a->dt.size(), 3u);
  EXPECT_FALSE(a->dt.mask_strings.empty());  // kept compressed
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a->dt.areas[i], b->dt.areas[i]) << i;
    EXPECT_EQ(a->dt.boxes[i].x, b->dt.boxes[i].x) << i;
    EXPECT_EQ(a->dt.boxes[i].width, b->dt.boxes[i].width) << i;
    EXPECT_EQ(a->dt.mask_boxes[i].y, b->dt.mask_boxes[i].y) << i;
  }
  const CocoParams params = DefaultCocoParams(IouType::kSegm);
  const std::vector<CocoSummaryLine> sa = SummarizeCoco(EvaluateCoco(a->gt, a->dt, params), params);
  const std::vector<CocoSummaryLine> sb = SummarizeCoco(EvaluateCoco(b->gt, b->dt, params), params);
  ASSERT_EQ(sa.size(), sb.size());
  const std::vector<CocoSummaryLine> sc = SummarizeCoco(EvaluateCoco(c->gt, c->dt, params), params);
  ASSERT_EQ(sa.size(), sc.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].value, sb[i].value) << i;
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].value, sc[i].value) << i;
  EXPECT_GT(sa[0].value, 0.0);
}

TEST(CocoJsonTest, BadCompressedRleResultNamesTheDetection) {
  const Status s = ParseDt(
      R"([{"image_id":1,"category_id":1,"score":1,"segmentation":{"size":[10,10],"counts":"0~"}}])");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("[0]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("invalid character"), std::string::npos) << s.message();
}

// Counts that do not add up to the mask's pixels would hang pycocotools' rleIou (and did hang
// ours): they are refused at parse time, naming the object, as a count array or a string.
TEST(CocoJsonTest, RleCountsThatDoNotCoverTheMaskAreRefused) {
  for (const char* counts : {R"("52203")", "[5,2,2,2,5]", "[50,60]"}) {
    const std::string dt =
        std::string(R"([{"image_id":1,"category_id":1,"score":1,"segmentation":)") +
        R"({"size":[10,10],"counts":)" + counts + "}}]";
    const Status s = ParseDt(dt);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << counts;
    EXPECT_NE(s.message().find("[0]"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("not \"size\" 10 x 10 = 100"), std::string::npos) << s.message();
  }
  // Exactly 100 pixels is fine.
  EXPECT_TRUE(ParseDt(R"([{"image_id":1,"category_id":1,"score":1,"segmentation":)"
                      R"({"size":[10,10],"counts":[5,2,2,2,89]}}])")
                  .ok());
  const std::string gt =
      R"({"images":[{"id":1,"width":10,"height":10}],"categories":[{"id":1}],"annotations":[)"
      R"({"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[10,10],"counts":[3,4]},)"
      R"("area":4,"iscrowd":1}]})";
  const std::string dt = R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1}])";
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(gt), "gt.json", Padded(dt), "dt.json", IouType::kSegm, 1);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("gt.json"), std::string::npos)
      << files.status().message();
  EXPECT_NE(files.status().message().find("add up to 7 pixels"), std::string::npos)
      << files.status().message();
}

// A result file of a few MiB is parsed in ~1 MiB chunks, each resolved as soon as it is parsed
// and appended in file order (on several threads a chunk may wait for the ground truth, or for
// the chunks before it): the detections must be exactly the file's, in its order, without
// the ones of unknown categories, whatever the thread count and entry point.
struct ManyResults {
  std::string gt, dt;
  std::vector<int> image, category;  // of the kept detections, in file order
  std::vector<double> x, score;
};

ManyResults MakeManyResults(int count, int bad_image_at) {
  ManyResults m;
  char buf[200];
  m.gt = R"({"images":[)";
  for (int i = 1; i <= 50; ++i) {
    std::snprintf(buf, sizeof buf, R"(%s{"id":%d,"width":640,"height":480})", i > 1 ? "," : "",
                  i * 10);
    m.gt += buf;
  }
  m.gt += R"(],"categories":[{"id":1},{"id":2},{"id":3}],"annotations":[)";
  for (int a = 0; a < 150; ++a) {  // one box per image and category, where detections overlap
    std::snprintf(buf, sizeof buf,
                  R"(%s{"id":%d,"image_id":%d,"category_id":%d,"bbox":[%d,5,60,50],)"
                  R"("area":3000,"iscrowd":0})",
                  a ? "," : "", a + 1, 10 * (1 + a % 50), 1 + a / 50, (a * 37) % 600);
    m.gt += buf;
  }
  m.gt += "]}";
  m.dt = "[";
  for (int d = 0; d < count; ++d) {
    const int image = 10 * (1 + d % 50), category = 1 + d % 4;  // category 4: not in the GT
    const int x = d % 601;
    const double score = (d % 997) / 997.0;
    std::snprintf(buf, sizeof buf,
                  R"(%s{"image_id":%d,"category_id":%d,"bbox":[%d,5,60,50],"score":%.17g})",
                  d ? ",\n" : "", d == bad_image_at ? 7 : image, category, x, score);
    m.dt += buf;
    if (category == 4) continue;
    m.image.push_back(image / 10 - 1);
    m.category.push_back(category - 1);
    m.x.push_back(x);
    m.score.push_back(score);
  }
  m.dt += "]";
  return m;
}

void ExpectDetections(const ManyResults& m, const CocoDetections& dt) {
  ASSERT_EQ(dt.size(), m.image.size());
  ASSERT_EQ(dt.image.size(), m.image.size());
  ASSERT_EQ(dt.category.size(), m.image.size());
  ASSERT_EQ(dt.boxes.size(), m.image.size());
  ASSERT_EQ(dt.areas.size(), m.image.size());
  for (size_t i = 0; i < m.image.size(); ++i) {
    ASSERT_EQ(dt.image[i], static_cast<uint32_t>(m.image[i])) << i;
    ASSERT_EQ(dt.category[i], static_cast<uint32_t>(m.category[i])) << i;
    ASSERT_EQ(dt.boxes[i].x, m.x[i]) << i;
    ASSERT_EQ(dt.scores[i], m.score[i]) << i;
    ASSERT_EQ(dt.areas[i], 3000.0) << i;
  }
}

TEST(CocoJsonTest, ChunkedResultsKeepFileOrderOnAnyThreadCount) {
  const ManyResults m = MakeManyResults(60000, -1);  // ~5 MB: several chunks
  ASSERT_GT(m.dt.size(), size_t{4} << 20);
  for (int threads = 1; threads <= 3; ++threads) {
    SCOPED_TRACE(threads);
    Result<CocoFiles> files = ParseCocoFiles(Padded(m.gt), "gt.json", Padded(m.dt), "dt.json",
                                             IouType::kBbox, threads);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    ExpectDetections(m, files->dt);
    Result<CocoDetections> dt =
        ParseCocoDetections(Padded(m.dt), "dt.json", files->gt, IouType::kBbox, threads);
    ASSERT_TRUE(dt.ok()) << dt.status().ToString();
    ExpectDetections(m, *dt);
  }
}

TEST(CocoJsonTest, ProblemInALaterChunkNamesItsIndexInTheFile) {
  const ManyResults m = MakeManyResults(60000, 45678);
  for (int threads = 1; threads <= 2; ++threads) {
    SCOPED_TRACE(threads);
    Result<CocoFiles> files = ParseCocoFiles(Padded(m.gt), "gt.json", Padded(m.dt), "dt.json",
                                             IouType::kBbox, threads);
    ASSERT_FALSE(files.ok());
    const std::string message = files.status().message();
    EXPECT_NE(message.find("dt.json: line 45679, column 1"), std::string::npos) << message;
    EXPECT_NE(message.find("[45678]: image_id 7 is not an image of the ground truth"),
              std::string::npos)
        << message;
  }
}

// The rvalue EvaluateCoco reorders the detections in place on one thread (a walk along the
// permutation's cycles) and gathers them on more: both must give the const overload's result,
// on the small-set grouping (two passes) and the counting sort (from 64k detections).
TEST(CocoJsonTest, EvaluatingAMovedDetectionSetGivesTheSameResult) {
  for (int count : {20000, 80000}) {
    const ManyResults m = MakeManyResults(count, -1);
    Result<CocoFiles> files =
        ParseCocoFiles(Padded(m.gt), "gt.json", Padded(m.dt), "dt.json", IouType::kBbox, 1);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    const CocoParams params = DefaultCocoParams(IouType::kBbox);
    const CocoEvalResult kept = EvaluateCoco(files->gt, files->dt, params, 1);
    EXPECT_NE(std::count(kept.precision.begin(), kept.precision.end(), -1.0),
              static_cast<std::ptrdiff_t>(kept.precision.size()));  // not vacuous
    for (int threads = 1; threads <= 2; ++threads) {
      SCOPED_TRACE(testing::Message() << count << " detections, " << threads << " threads");
      Result<CocoFiles> again =
          ParseCocoFiles(Padded(m.gt), "gt.json", Padded(m.dt), "dt.json", IouType::kBbox, 1);
      ASSERT_TRUE(again.ok());
      const CocoEvalResult moved =
          EvaluateCoco(again->gt, std::move(again->dt), params, threads);
      EXPECT_EQ(kept.precision, moved.precision);
      EXPECT_EQ(kept.recall, moved.recall);
    }
  }
}

// nucleus eval asks for compact box results (CompactDetections: 24 bytes per detection instead
// of 56, issue 15). They must evaluate exactly like the arrays, on any thread count and through
// both overloads, and a file whose values cannot all be kept exactly must end up in the arrays.
struct CompactCase {
  std::string gt, dt;
};

// 50 images x 3 categories of ground truth; `count` box results (a 4th category is dropped),
// listed image by image when `by_image`, else cycling through the images. `value(d, field)`
// prints field 0-3 of the box and 4 (the score) of detection d.
template <typename Value>
CompactCase MakeCompactCase(int count, bool by_image, Value value) {
  CompactCase c;
  c.gt = MakeManyResults(0, -1).gt;
  c.dt = "[";
  for (int d = 0; d < count; ++d) {
    const int image = 10 * (1 + (by_image ? d * 50 / count : d % 50)), category = 1 + d % 4;
    c.dt += d ? ",\n" : "";
    c.dt += R"({"image_id":)" + std::to_string(image) + R"(,"category_id":)" +
            std::to_string(category) + R"(,"bbox":[)" + value(d, 0) + "," + value(d, 1) + "," +
            value(d, 2) + "," + value(d, 3) + R"(],"score":)" + value(d, 4) + "}";
  }
  c.dt += "]";
  return c;
}

// Parses `c` with and without compact_boxes on 1-2 threads; the compact one must be compact
// (or not) as `compact`, and every evaluation must equal the arrays' one on one thread.
void ExpectCompactEvaluatesLikeArrays(const CompactCase& c, bool compact, int box_scale = 0) {
  const CocoParams params = DefaultCocoParams(IouType::kBbox);
  Result<CocoFiles> arrays =
      ParseCocoFiles(Padded(c.gt), "gt.json", Padded(c.dt), "dt.json", IouType::kBbox, 1);
  ASSERT_TRUE(arrays.ok()) << arrays.status().ToString();
  ASSERT_FALSE(arrays->dt.is_compact);
  const CocoEvalResult expected = EvaluateCoco(arrays->gt, arrays->dt, params, 1);
  EXPECT_NE(std::count(expected.precision.begin(), expected.precision.end(), -1.0),
            static_cast<std::ptrdiff_t>(expected.precision.size()));  // not vacuous
  for (int threads = 1; threads <= 2; ++threads) {
    SCOPED_TRACE(testing::Message() << threads << " threads");
    for (bool moved : {false, true}) {
      Result<CocoFiles> files =
          ParseCocoFiles(Padded(c.gt), "gt.json", Padded(c.dt), "dt.json", IouType::kBbox,
                         threads, /*dt_text_outlives_result=*/false, /*compact_boxes=*/true);
      ASSERT_TRUE(files.ok()) << files.status().ToString();
      ASSERT_EQ(files->dt.size(), arrays->dt.size());
      ASSERT_EQ(files->dt.is_compact, compact);
      if (compact) {
        EXPECT_EQ(files->dt.compact.box_scale, box_scale);
        EXPECT_TRUE(files->dt.boxes.empty());
        EXPECT_TRUE(files->dt.scores.empty());
      } else {
        EXPECT_EQ(files->dt.image, arrays->dt.image);
        EXPECT_EQ(files->dt.category, arrays->dt.category);
        EXPECT_EQ(files->dt.scores, arrays->dt.scores);
        EXPECT_EQ(files->dt.areas, arrays->dt.areas);
        for (size_t i = 0; i < files->dt.boxes.size(); ++i) {
          ASSERT_EQ(std::signbit(files->dt.boxes[i].x), std::signbit(arrays->dt.boxes[i].x));
          ASSERT_EQ(files->dt.boxes[i].x, arrays->dt.boxes[i].x);
          ASSERT_EQ(files->dt.boxes[i].height, arrays->dt.boxes[i].height);
        }
      }
      const CocoEvalResult result =
          moved ? EvaluateCoco(files->gt, std::move(files->dt), params, threads)
                : EvaluateCoco(files->gt, files->dt, params, threads);
      EXPECT_EQ(result.precision, expected.precision);
      EXPECT_EQ(result.recall, expected.recall);
    }
  }
}

std::string Fixed(double v, int decimals) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Boxes with two decimals and scores with three, as COCO result files often have (and the
// benchmark's): kept at scale 2, with ties in score; in several chunks (~5 MB).
TEST(CocoJsonTest, CompactDecimalBoxesEvaluateLikeTheArrays) {
  for (bool by_image : {true, false}) {  // false: each category regrouped by image
    SCOPED_TRACE(by_image);
    const CompactCase c = MakeCompactCase(60000, by_image, [](int d, int field) {
      if (field == 4) return Fixed((d % 997) / 1000.0, 3);
      if (field == 1) return Fixed(5 + (d % 7) * 0.25, 2);
      return Fixed(field == 0 ? (d % 601) + (d % 100) / 100.0 : 55 + (d % 13) * 0.01, 2);
    });
    ASSERT_GT(c.dt.size(), size_t{4} << 20);
    ExpectCompactEvaluatesLikeArrays(c, /*compact=*/true, /*box_scale=*/2);
  }
}

// Values that are float32 (detectors' outputs, printed as the doubles they become) are kept as
// float bits (scale -1).
TEST(CocoJsonTest, CompactFloatBoxesEvaluateLikeTheArrays) {
  const CompactCase c = MakeCompactCase(20000, true, [](int d, int field) {
    char buf[40];
    const double exact = field == 4 ? (d % 997) / 997.0
                         : field == 0 ? (d % 601) / 1.7
                                      : 55 + d % 7 / 3.0;
    const float v = static_cast<float>(exact);
    std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
    return std::string(buf);
  });
  ExpectCompactEvaluatesLikeArrays(c, /*compact=*/true, /*box_scale=*/-1);
}

// A value that cannot be kept exactly at the scales chosen on the first chunk (more decimals,
// -0.0, beyond int32) sends every detection to the arrays, the earlier chunks too.
TEST(CocoJsonTest, CompactFallsBackToTheArraysWithoutChangingAValue) {
  const char* kOdd[] = {"17.123456789012345", "-0.0", "3000000000.5", "1e-30"};
  for (const char* odd : kOdd) {
    SCOPED_TRACE(odd);
    const CompactCase c = MakeCompactCase(50000, true, [&](int d, int field) {
      if (d == 45000 && field == 0) return std::string(odd);
      if (field == 4) return Fixed((d % 997) / 1000.0, 3);
      return Fixed(field == 0 ? (d % 601) + (d % 100) / 100.0 : 55 + (d % 13) * 0.01, 2);
    });
    ExpectCompactEvaluatesLikeArrays(c, /*compact=*/false);
  }
  // Scores of 17 significant digits fit no scale: arrays from the start.
  const CompactCase c = MakeCompactCase(5000, true, [](int d, int field) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", field == 4 ? (d % 997) / 997.0 : 20.0 + d % 9);
    return std::string(buf);
  });
  ExpectCompactEvaluatesLikeArrays(c, /*compact=*/false);
}

// segm results evaluated as bbox: their area is the mask's, not w * h, so they stay in arrays.
TEST(CocoJsonTest, CompactKeepsMaskAreasInTheArrays) {
  const std::string dt =
      R"([{"image_id":10,"category_id":1,"score":0.5,)"
      R"("segmentation":{"size":[480,640],"counts":[0,3,478,2,306717]}}])";
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(MakeManyResults(0, -1).gt), "gt.json", Padded(dt), "dt.json",
                     IouType::kBbox, 1, false, /*compact_boxes=*/true);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_FALSE(files->dt.is_compact);
  ASSERT_EQ(files->dt.areas.size(), 1u);
  EXPECT_EQ(files->dt.areas[0], 5.0);  // its box is 2 x 3
}


// nucleus eval keeps the precision of the last maxDets only (what summarize reads): the same
// summary lines and per-category AP bit for bit, the same recall, a third of the precision.
TEST(CocoJsonTest, LastMaxDetPrecisionSummarizesTheSame) {
  const ManyResults m = MakeManyResults(20000, -1);
  Result<CocoFiles> files =
      ParseCocoFiles(Padded(m.gt), "gt.json", Padded(m.dt), "dt.json", IouType::kBbox, 1);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const CocoParams params = DefaultCocoParams(IouType::kBbox);
  for (int threads = 1; threads <= 2; ++threads) {
    const CocoEvalResult all = EvaluateCoco(files->gt, files->dt, params, threads);
    const CocoEvalResult last =
        EvaluateCoco(files->gt, files->dt, params, threads, CocoPrecision::kLastMaxDet);
    ASSERT_EQ(last.first_precision_max_det, 2);
    EXPECT_EQ(last.precision.size() * 3, all.precision.size());
    EXPECT_EQ(last.recall, all.recall);
    for (int k = 0; k < all.num_categories; ++k) {
      for (int a = 0; a < all.num_areas; ++a) {
        for (int t = 0; t < all.num_iou; ++t) {
          for (int r = 0; r < all.num_recall; ++r) {
            ASSERT_EQ(last.Precision(t, r, k, a, 2), all.Precision(t, r, k, a, 2));
            ASSERT_EQ(last.Precision(t, r, k, a, 0), -1.0);
          }
        }
      }
    }
    const std::vector<CocoSummaryLine> a = SummarizeCoco(all, params);
    const std::vector<CocoSummaryLine> b = SummarizeCoco(last, params);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].value, b[i].value) << i;
    EXPECT_GT(a[0].value, 0);  // not vacuous (every box is medium: small and large are -1)
    EXPECT_GT(a[4].value, 0);
    EXPECT_EQ(PerCategoryAp(all), PerCategoryAp(last));
  }
}

}  // namespace
}  // namespace nucleus::eval
