// validate.h: external evaluation functions and scenario tests unique by name per owner and
// isolated by owner, metrics kept in creation order with their arguments and thresholds, the
// threshold of the first metric of a function, baselines, and deletion with the metrics.
#include <algorithm>
#include <string>
#include "conformance.h"
#include "store/validate.h"

namespace nucleus::store::conformance {
namespace {

ScenarioTestMetric Metric(const std::string& fn, const std::string& args,
                          std::optional<double> threshold = std::nullopt) {
  ScenarioTestMetric m;
  m.eval_function_id = fn;
  m.eval_func_arguments_json = args;
  m.threshold = threshold;
  return m;
}

TEST_P(StoreConformanceTest, ExternalEvalFunctionsAreUniquePerOwnerAndListedOldestFirst) {
  EvalFunction a{.id = NextId("ef_"), .name = "ext_a", .user_id = "owner_a", .level = "track"};
  EvalFunction b{.id = NextId("ef_"), .name = "ext_b", .user_id = "owner_a"};
  EvalFunction dup{.id = NextId("ef_"), .name = "ext_a", .user_id = "owner_a"};
  EvalFunction other{.id = NextId("ef_"), .name = "ext_a", .user_id = "owner_b"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertEvalFunction(&a));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertEvalFunction(&b));
    return tx.validate().InsertEvalFunction(&other);
  }));
  EXPECT_NE(a.rowid, 0);
  EXPECT_EQ(Write([&](Tx& tx) { return tx.validate().InsertEvalFunction(&dup); }).code(),
            StatusCode::kAlreadyExists);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<EvalFunction> list,
                             tx.validate().ListEvalFunctions("owner_a"));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, a.id);
      EXPECT_EQ(list[0].name, "ext_a");
      EXPECT_EQ(list[0].level, "track");
      EXPECT_EQ(list[0].user_id, "owner_a");
      EXPECT_TRUE(list[0].is_external_function);
      EXPECT_FALSE(list[0].is_public);
      EXPECT_EQ(list[1].id, b.id);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<EvalFunction> found,
                             tx.validate().FindEvalFunction("owner_a", b.id));
    EXPECT_TRUE(found && found->name == "ext_b");
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<EvalFunction> hidden,
                             tx.validate().FindEvalFunction("owner_b", b.id));
    EXPECT_FALSE(hidden.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ScenarioTestsKeepMetricsInOrderAndAreIsolatedByOwner) {
  ScenarioTest t{.id = NextId("ut_"), .owner = "owner_a", .name = "night", .slice_id = "slc_1",
                 .created_at_ms = 5};
  t.metrics = {Metric("ef_bbox_recall", "{}"),
               Metric("ef_bbox_iou", "{\"iou_threshold\":0.25}", 0.75),
               Metric("ef_bbox_recall", "{\"iou_threshold\":0.9}")};
  ScenarioTest second{.id = NextId("ut_"), .owner = "owner_a", .name = "rain",
                      .slice_id = "slc_2"};
  ScenarioTest dup{.id = NextId("ut_"), .owner = "owner_a", .name = "night", .slice_id = "slc_3"};
  ScenarioTest other{.id = NextId("ut_"), .owner = "owner_b", .name = "night",
                     .slice_id = "slc_4"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertTest(&t));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertTest(&second));
    return tx.validate().InsertTest(&other);
  }));
  EXPECT_EQ(Write([&](Tx& tx) { return tx.validate().InsertTest(&dup); }).code(),
            StatusCode::kAlreadyExists);
  Reopen();
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(ScenarioTest got, tx.validate().GetTest("owner_a", t.id));
    EXPECT_EQ(got.name, "night");
    EXPECT_EQ(got.slice_id, "slc_1");
    EXPECT_EQ(got.baseline_model_id, "");
    EXPECT_EQ(got.created_at_ms, 5);
    EXPECT_EQ(got.metrics.size(), 3u);
    if (got.metrics.size() == 3) {
      EXPECT_EQ(got.metrics[0].eval_function_id, "ef_bbox_recall");
      EXPECT_EQ(got.metrics[0].scenario_test_id, t.id);
      EXPECT_EQ(got.metrics[0].eval_func_arguments_json, "{}");
      EXPECT_FALSE(got.metrics[0].threshold.has_value());
      EXPECT_EQ(got.metrics[0].threshold_comparison, "greater_than_equal_to");
      EXPECT_EQ(got.metrics[1].eval_func_arguments_json, "{\"iou_threshold\":0.25}");
      EXPECT_EQ(got.metrics[1].threshold, std::optional<double>(0.75));
      EXPECT_EQ(got.metrics[2].eval_func_arguments_json, "{\"iou_threshold\":0.9}");
    }
    EXPECT_EQ(tx.validate().GetTest("owner_b", t.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<ScenarioTest> by_name,
                             tx.validate().FindTestByName("owner_a", "rain"));
    EXPECT_TRUE(by_name && by_name->id == second.id && by_name->metrics.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<ScenarioTest> none,
                             tx.validate().FindTestByName("owner_c", "rain"));
    EXPECT_FALSE(none.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ScenarioTest> list, tx.validate().ListTests("owner_a"));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, t.id);
      EXPECT_EQ(list[0].metrics.size(), 3u);
      EXPECT_EQ(list[1].id, second.id);
    }
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ScenarioTestMetricsThresholdsBaselineAndDeletion) {
  ScenarioTest t{.id = NextId("ut_"), .owner = "owner_a", .name = "t", .slice_id = "slc_1"};
  t.metrics = {Metric("ef_bbox_iou", "{}"), Metric("ef_bbox_iou", "{\"iou_threshold\":0.5}")};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().InsertTest(&t); }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.validate().AddMetric(t.rowid, Metric("ef_bbox_map", "{}")));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().SetThreshold(t.rowid, "ef_bbox_iou", 0.5));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().SetThreshold(t.rowid, "ef_bbox_map", 0.125));
    return tx.validate().SetBaselineModel(t.rowid, "prj_base");
  }));
  EXPECT_EQ(Write([&](Tx& tx) {
              return tx.validate().SetThreshold(t.rowid, "ef_cat_f1", 0.5);
            }).code(),
            StatusCode::kNotFound);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(ScenarioTest got, tx.validate().GetTest("owner_a", t.id));
    EXPECT_EQ(got.baseline_model_id, "prj_base");
    EXPECT_EQ(got.metrics.size(), 3u);
    if (got.metrics.size() == 3) {
      EXPECT_EQ(got.metrics[0].threshold, std::optional<double>(0.5));  // the first of ef_bbox_iou
      EXPECT_FALSE(got.metrics[1].threshold.has_value());
      EXPECT_EQ(got.metrics[2].eval_function_id, "ef_bbox_map");
      EXPECT_EQ(got.metrics[2].threshold, std::optional<double>(0.125));
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) {
    return tx.validate().SetThreshold(t.rowid, "ef_bbox_iou", std::nullopt);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(ScenarioTest got, tx.validate().GetTest("owner_a", t.id));
    EXPECT_FALSE(got.metrics.at(0).threshold.has_value());
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().DeleteTest(t.rowid); }));
  // A new test of the same name starts without the old metrics.
  ScenarioTest again{.id = NextId("ut_"), .owner = "owner_a", .name = "t", .slice_id = "slc_1"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().InsertTest(&again); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.validate().GetTest("owner_a", t.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(ScenarioTest got, tx.validate().GetTest("owner_a", again.id));
    EXPECT_TRUE(got.metrics.empty());
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance

namespace nucleus::store::conformance {
namespace {

TEST_P(StoreConformanceTest, ScenarioTestEvaluationsNewestFirstWithItemResults) {
  ScenarioTest t{.id = NextId("ut_"), .owner = "owner_a", .name = "t", .slice_id = "slc_1"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().InsertTest(&t); }));
  ScenarioTestEvaluation first{.id = NextId("ute_"), .owner = "owner_a", .test_rowid = t.rowid,
                               .eval_function_id = "ef_bbox_iou",
                               .eval_func_arguments_json = "{\"iou_threshold\":0.1}",
                               .model_id = "prj_1", .threshold = 0.5,
                               .threshold_comparison = "less_than", .job_id = "job_1",
                               .created_at_ms = 7};
  ScenarioTestEvaluation second = first;
  second.id = NextId("ute_");
  second.eval_function_id = "ef_bbox_map";
  second.threshold = std::nullopt;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.validate().InsertEvaluation(&first));
    return tx.validate().InsertEvaluation(&second);
  }));
  first.status = "completed";
  first.result = 0.25;
  first.pass = true;
  second.status = "errored";
  second.error = "no such mask";
  std::vector<ItemEvaluation> items = {{"di_1", 0.5, true}, {"di_2", std::nullopt, true},
                                       {"di_0", 0.0, false}};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.validate().UpdateEvaluation(first));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().UpdateEvaluation(second));
    NUCLEUS_RETURN_IF_ERROR(tx.validate().PutItemEvaluations(first.rowid, {{"di_9", 1.0, true}}));
    return tx.validate().PutItemEvaluations(first.rowid, items);  // replaces
  }));
  Reopen();
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ScenarioTestEvaluation> list,
                             tx.validate().ListEvaluations(t.rowid));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, second.id);
      EXPECT_EQ(list[0].status, "errored");
      EXPECT_EQ(list[0].error, "no such mask");
      EXPECT_FALSE(list[0].result.has_value());
      EXPECT_FALSE(list[0].threshold.has_value());
      EXPECT_EQ(list[1].id, first.id);
    }
    NUCLEUS_ASSIGN_OR_RETURN(ScenarioTestEvaluation got,
                             tx.validate().GetEvaluation("owner_a", first.id));
    EXPECT_EQ(got.scenario_test_id, t.id);
    EXPECT_EQ(got.status, "completed");
    EXPECT_EQ(got.result, std::optional<double>(0.25));
    EXPECT_TRUE(got.pass);
    EXPECT_EQ(got.threshold, std::optional<double>(0.5));
    EXPECT_EQ(got.threshold_comparison, "less_than");
    EXPECT_EQ(got.eval_func_arguments_json, "{\"iou_threshold\":0.1}");
    EXPECT_EQ(got.model_id, "prj_1");
    EXPECT_EQ(got.job_id, "job_1");
    EXPECT_EQ(got.created_at_ms, 7);
    EXPECT_EQ(tx.validate().GetEvaluation("owner_b", first.id).status().code(),
              StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ItemEvaluation> got_items,
                             tx.validate().ListItemEvaluations(first.rowid));
    EXPECT_EQ(got_items.size(), 3u);
    if (got_items.size() == 3) {
      EXPECT_EQ(got_items[0].dataset_item_id, "di_1");
      EXPECT_EQ(got_items[0].result, std::optional<double>(0.5));
      EXPECT_FALSE(got_items[1].result.has_value());
      EXPECT_EQ(got_items[2].dataset_item_id, "di_0");
      EXPECT_FALSE(got_items[2].pass);
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().DeleteTest(t.rowid); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.validate().GetEvaluation("owner_a", first.id).status().code(),
              StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ItemEvaluation> gone,
                             tx.validate().ListItemEvaluations(first.rowid));
    EXPECT_TRUE(gone.empty());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ManyItemResultsKeepTheirOrderAndValues) {
  // More rows than one multi-row statement writes (and not a multiple of it), replaced by a
  // shorter list: every row back in order with its value, null or not, and its pass.
  ScenarioTest t{.id = NextId("ut_"), .owner = "owner_a", .name = "many", .slice_id = "slc_1"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().InsertTest(&t); }));
  ScenarioTestEvaluation e{.id = NextId("ute_"),
                           .owner = "owner_a",
                           .test_rowid = t.rowid,
                           .eval_function_id = "ef_bbox_iou",
                           .model_id = "prj_1",
                           .job_id = "job_1"};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.validate().InsertEvaluation(&e); }));
  auto make = [](int n, int salt) {
    std::vector<ItemEvaluation> items;
    for (int i = 0; i < n; ++i) {
      std::optional<double> result;
      if ((i + salt) % 7 != 0) result = (i * 37 + salt) % 101 / 100.0;
      items.push_back({"di_" + std::to_string(n - i), result, (i + salt) % 3 == 0});
    }
    return items;
  };
  for (const std::vector<ItemEvaluation>& items : {make(1000, 1), make(130, 2)}) {
    NUCLEUS_ASSERT_OK(
        Write([&](Tx& tx) { return tx.validate().PutItemEvaluations(e.rowid, items); }));
    NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<ItemEvaluation> got,
                               tx.validate().ListItemEvaluations(e.rowid));
      EXPECT_EQ(got.size(), items.size());
      for (size_t i = 0; i < std::min(got.size(), items.size()); ++i) {
        EXPECT_EQ(got[i].dataset_item_id, items[i].dataset_item_id) << i;
        EXPECT_EQ(got[i].result, items[i].result) << i;
        EXPECT_EQ(got[i].pass, items[i].pass) << i;
      }
      return Status::Ok();
    }));
  }
}

}  // namespace
}  // namespace nucleus::store::conformance
