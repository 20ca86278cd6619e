#include "wire/evaluations.h"

#include <gtest/gtest.h>

namespace nucleus::wire {
namespace {

TEST(DecodeObjectsQueryTest, ReadsModeRunAndPaging) {
  auto q =
      DecodeObjectsQuery(R"({"query": "", "patch_mode": "false_negative", "model_run_id": "run_1",)"
                         R"( "pageToken": "20", "pageSize": 5})",
                         "ds_1");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->dataset_id, "ds_1");
  EXPECT_EQ(q->mode, core::PatchMode::kFalseNegative);
  EXPECT_EQ(q->model_run_id, "run_1");
  EXPECT_EQ(q->page_token, "20");
  EXPECT_EQ(q->page_size, 5);
}

TEST(DecodeObjectsQueryTest, AnUnknownModeListsTheKnownOnes) {
  EXPECT_EQ(DecodeObjectsQuery(R"({"patch_mode": "all"})", "ds").status().message(),
            "field \"patch_mode\" of queryObjectsPage request: must be one of \"iou\", "
            "\"false_positive\", \"false_negative\", \"predictions_only\", "
            "\"ground_truth_only\", got \"all\"");
  EXPECT_EQ(DecodeObjectsQuery(R"({"query": "x > 1"})", "ds").status().message(),
            "field \"query\": the query language is not supported by this server; send \"\"");
}

// Both spellings are read; entries that are not objects or lack a label are skipped; the
// evaluation shows the pairs in camelCase.
TEST(DecodeNewEvaluationTest, KeepsTheUsableLabelMatchesTypedAndAsShown) {
  auto e =
      DecodeNewEvaluation(R"({"name": "e", "allowed_label_matches": [{"ground_truth_label": "car",)"
                          R"( "model_prediction_label": "auto"}, 3, {"groundTruthLabel": "bus",)"
                          R"( "modelPredictionLabel": "coach"}, {"groundTruthLabel": "x"}]})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->name, "e");
  ASSERT_EQ(e->allowed_label_matches.size(), 2u);
  EXPECT_EQ(e->allowed_label_matches[1].first, "bus");
  EXPECT_EQ(e->allowed_label_matches_json,
            R"([{"groundTruthLabel":"car","modelPredictionLabel":"auto"},)"
            R"({"groundTruthLabel":"bus","modelPredictionLabel":"coach"}])");
  EXPECT_EQ(DecodeNewEvaluation("{}")->allowed_label_matches_json, "[]");
}

TEST(DecodeChartsQueryTest, ChecksTheThresholdAndReadsFilters) {
  auto q = DecodeChartsQuery(std::string("0.75"), "",
                             std::string(R"({"iouRange": {"min": 0.2}, "labelEquality": "NEQ"})"));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_DOUBLE_EQ(q->iou_threshold, 0.75);
  ASSERT_TRUE(q->filters.iou.has_value());
  EXPECT_EQ(q->filters.iou->min, 0.2);
  EXPECT_EQ(q->filters.label_equality, false);
  EXPECT_EQ(DecodeChartsQuery(std::string("1.5"), "", std::nullopt).status().message(),
            "query parameter \"iouThreshold\" must be a number in [0, 1], got \"1.5\"");
  EXPECT_EQ(DecodeChartsQuery(std::nullopt, "", std::string(R"({"itemMetadata": {}})"))
                .status()
                .message(),
            "field \"itemMetadata\" of filters: metadata filters are not supported by this server");
}

TEST(DecodeExamplesQueryTest, ReadsTypeSortAndPaging) {
  auto q = DecodeExamplesQuery(
      R"({"match_type": "FN", "limit": 3, "offset": 6, "sort_by": "iou", "sort_order": "asc"})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->match_type, core::ExampleType::kFalseNegative);
  EXPECT_EQ(q->limit, 3);
  EXPECT_EQ(q->offset, 6);
  EXPECT_EQ(q->sort_by, "iou");
  EXPECT_FALSE(q->descending);
  EXPECT_EQ(DecodeExamplesQuery(R"({"sort_order": "up"})").status().message(),
            "field \"sort_order\" of examples request: must be \"asc\" or \"desc\"");
}

TEST(EncodeEvaluationTest, ShowsStoredLabelMatchesAsTheyAre) {
  core::Evaluation e;
  e.id = "evalv2_1";
  e.model_run_id = "run_1";
  e.dataset_id = "ds_1";
  e.allowed_label_matches_json = R"([{"groundTruthLabel":"a","modelPredictionLabel":"b"}])";
  EXPECT_EQ(EncodeEvaluation(e),
            R"({"id":"evalv2_1","model_run_id":"run_1","dataset_id":"ds_1","status":"pending",)"
            R"("name":null,"temporal_workflow_id":null,"error_message":null,)"
            R"("created_at":"1970-01-01T00:00:00.000Z","allowed_label_matches_id":null,)"
            R"("allowed_label_matches":[{"groundTruthLabel":"a","modelPredictionLabel":"b"}],)"
            R"("allowed_label_matches_name":null})");
}

TEST(EncodeObjectsPageTest, AMatchShowsNullForItsMissingSide) {
  core::ObjectsPage page;
  page.model_run_id = "run_1";
  core::MatchView m;
  m.item_id = "di_1";
  m.row.annotation_rowid = 4;
  m.annotation_id = "ann_1";
  m.row.gt_label = "car";
  page.matches.push_back(m);
  page.next_page_token = "1";
  EXPECT_EQ(EncodeObjectsPage(page),
            R"({"items":[{"model_run_id":"run_1","model_prediction_id":null,)"
            R"("ground_truth_annotation_id":"ann_1","iou":0,"dataset_item_id":"di_1",)"
            R"("true_positive":false,"model_prediction_label":null,)"
            R"("ground_truth_annotation_label":"car"}],"nextPageToken":"1"})");
}

}  // namespace
}  // namespace nucleus::wire
