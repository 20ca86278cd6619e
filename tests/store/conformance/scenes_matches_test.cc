// scenes.h, matches.h, evaluations.h: scene identity and layout, category put semantics,
// match sets replaced whole, paging by kind, and evaluations' owner isolation.
#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

Scene NewScene(const std::string& id, const std::string& dataset_id, const std::string& ref) {
  Scene scene;
  scene.id = id;
  scene.dataset_id = dataset_id;
  scene.reference_id = ref;
  scene.kind = "lidar";
  return scene;
}

TEST_P(StoreConformanceTest, SceneReferenceIdsAreUniquePerDatasetAndListedInUploadOrder) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Scene s2 = NewScene("scn_2", ds.id, "zz");
  Scene s1 = NewScene("scn_1", ds.id, "aa");
  Scene dup = NewScene("scn_3", ds.id, "zz");
  Scene elsewhere = NewScene("scn_4", other.id, "zz");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.scenes().Insert(&s2));
    NUCLEUS_RETURN_IF_ERROR(tx.scenes().Insert(&s1));
    return tx.scenes().Insert(&elsewhere);
  }));
  EXPECT_LT(s2.seq, s1.seq);
  EXPECT_NE(s1.rowid, 0);
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.scenes().Insert(&dup); }).ok());
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Scene> list, tx.scenes().List(ds.id));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, "scn_2");
      EXPECT_EQ(list[1].id, "scn_1");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Scene> by_ref, tx.scenes().FindByRef(other.id, "zz"));
    EXPECT_TRUE(by_ref && by_ref->id == "scn_4");
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Scene> cross, tx.scenes().FindById(ds.id, "scn_4"));
    EXPECT_FALSE(cross.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, SceneUpdateKeepsIdentityAndReplacesKindFields) {
  Dataset ds = AddDataset("owner_a");
  Scene scene = NewScene("scn_v", ds.id, "video-1");
  scene.kind = "video";
  scene.frame_rate = 10;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.scenes().Insert(&scene); }));
  Scene changed = scene;
  changed.reference_id = "not-changed";
  changed.frame_rate.reset();
  changed.video_url = "s3://v.mp4";
  changed.upload_to_scale = false;
  changed.metadata_json = R"({"m":1})";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.scenes().Update(changed); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Scene> got, tx.scenes().FindById(ds.id, "scn_v"));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->reference_id, "video-1");
      EXPECT_EQ(got->seq, scene.seq);
      EXPECT_FALSE(got->frame_rate.has_value());
      EXPECT_EQ(got->video_url, std::optional<std::string>("s3://v.mp4"));
      EXPECT_FALSE(got->upload_to_scale);
      EXPECT_EQ(got->metadata_json, R"({"m":1})");
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(
      Write([&](Tx& tx) { return tx.scenes().UpdateMetadata(scene.rowid, R"({"m":2})"); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Scene> got, tx.scenes().FindByRef(ds.id, "video-1"));
    EXPECT_TRUE(got && got->metadata_json == R"({"m":2})");
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, SceneFramesAndCategoriesFollowTheirOwnersLifetimes) {
  Dataset ds = AddDataset("owner_a");
  Item f0a = AddItem(ds.id, "f0-lidar");
  Item f0b = AddItem(ds.id, "f0-cam");
  Item f1 = AddItem(ds.id, "f1-lidar");
  Scene scene = NewScene("scn_1", ds.id, "scene");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.scenes().Insert(&scene));
    // Written out of order: Frames() orders by frame index, then position.
    return tx.scenes().AddFrames(scene.rowid, {{f1.rowid, "f1-lidar", 1, 0, "lidar"},
                                               {f0b.rowid, "f0-cam", 0, 1, "cam"},
                                               {f0a.rowid, "f0-lidar", 0, 0, "lidar"}});
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneFrame> frames, tx.scenes().Frames(scene.rowid));
    std::vector<std::string> refs;
    for (const SceneFrame& f : frames) refs.push_back(f.item_reference_id + "@" + f.sensor);
    EXPECT_EQ(refs, (std::vector<std::string>{"f0-lidar@lidar", "f0-cam@cam", "f1-lidar@lidar"}));
    return Status::Ok();
  }));
  // Deleting a frame item drops its layout row.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().Delete(f0b.rowid); }));
  SceneCategory gt;
  gt.id = "ann_c1";
  gt.dataset_id = ds.id;
  gt.scene_rowid = scene.rowid;
  gt.taxonomy_key = "weather";
  gt.label = "sun";
  gt.payload_json = R"({"label":"sun"})";
  SceneCategory gt2 = gt;
  gt2.id = "ann_c2";
  gt2.label = "rain";
  gt2.payload_json = R"({"label":"rain"})";
  SceneCategory pred = gt;
  pred.id = "pred_c1";
  pred.run_id = "run_1";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o1, tx.scenes().PutCategory(gt, false));
    EXPECT_EQ(o1, PutOutcome::kInserted);
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o2, tx.scenes().PutCategory(gt2, false));
    EXPECT_EQ(o2, PutOutcome::kIgnored);
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o3, tx.scenes().PutCategory(pred, false));
    EXPECT_EQ(o3, PutOutcome::kInserted);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneFrame> frames, tx.scenes().Frames(scene.rowid));
    EXPECT_EQ(frames.size(), 2u);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneCategory> cats,
                             tx.scenes().Categories(scene.rowid, ""));
    EXPECT_EQ(cats.size(), 1u);
    if (!cats.empty()) {
      EXPECT_EQ(cats[0].label, "sun");
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(PutOutcome o, tx.scenes().PutCategory(gt2, true));
    EXPECT_EQ(o, PutOutcome::kReplaced);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneCategory> cats,
                             tx.scenes().Categories(scene.rowid, ""));
    EXPECT_EQ(cats.size(), 1u);
    if (!cats.empty()) {
      EXPECT_EQ(cats[0].label, "rain");
      EXPECT_EQ(cats[0].payload_json, R"({"label":"rain"})");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneCategory> preds,
                             tx.scenes().Categories(scene.rowid, "run_1"));
    EXPECT_EQ(preds.size(), 1u);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t of_run, tx.scenes().DeleteCategoriesOfRun("run_1"));
    EXPECT_EQ(of_run, 1);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t none, tx.scenes().DeleteCategories(scene.rowid, "run_1"));
    EXPECT_EQ(none, 0);
    return tx.scenes().Delete(scene.rowid);
  }));
  // The scene's layout and categories went with it; its items stay (the caller deletes them).
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneFrame> frames, tx.scenes().Frames(scene.rowid));
    EXPECT_TRUE(frames.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<SceneCategory> cats,
                             tx.scenes().Categories(scene.rowid, ""));
    EXPECT_TRUE(cats.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Scene> gone, tx.scenes().FindById(ds.id, "scn_1"));
    EXPECT_FALSE(gone.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(int64_t items, tx.items().Count(ds.id));
    EXPECT_EQ(items, 2);
    return Status::Ok();
  }));
}

MatchRow Pair(int64_t item, int64_t ann, int64_t pred, const std::string& label) {
  MatchRow row;
  row.item_rowid = item;
  row.annotation_rowid = ann;
  row.prediction_rowid = pred;
  row.iou = ann && pred ? 0.75 : 0;
  row.labels_match = ann && pred;
  row.type = "box";
  row.gt_label = ann ? label : "";
  row.pred_label = pred ? label : "";
  if (pred) row.confidence = 0.9;
  row.gt_box = {1, 2, 3, 4};
  row.pred_box = {5, 6, 7, 8};
  row.gt_area = 12;
  row.pred_area = 56;
  return row;
}

// Fixture rows for the match tests: one item with one annotation and two predictions.
struct MatchWorld {
  Dataset ds;
  Item item, other_item;
  ModelRun run;
  int64_t ann = 0, ann2 = 0, pred1 = 0, pred2 = 0;
  std::string ann_id, pred1_id;
};

TEST_P(StoreConformanceTest, MatchSetsAreReplacedWholeAndPagedByKind) {
  MatchWorld w;
  w.ds = AddDataset("owner_a");
  w.item = AddItem(w.ds.id, "a");
  w.other_item = AddItem(w.ds.id, "b");
  w.run = AddRun(AddModel("owner_a", "m"), w.ds.id);
  Annotation ann = NewAnnotation(w.item, "id:g", "car", "{}");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(ann, false).status());
    PredictionWrite rows[2];
    rows[0] = {w.item.rowid, "pred_m1", "box", "id:p1", "p1", "car", 0.9, "{}", ""};
    rows[1] = {w.other_item.rowid, "pred_m2", "box", "id:p2", "p2", "car", 0.8, "{}", ""};
    return tx.predictions().PutMany(w.run.rowid, rows, false).status();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> anns,
                             tx.annotations().ListByItem(w.item.rowid));
    EXPECT_EQ(anns.size(), 1u);
    if (!anns.empty()) w.ann = anns[0].rowid;
    return tx.predictions().ForEachInRun(w.run.rowid, [&](const Prediction& p) {
      (p.id == "pred_m1" ? w.pred1 : w.pred2) = p.rowid;
      return Status::Ok();
    });
  }));
  std::vector<MatchRow> stale = {Pair(w.item.rowid, 0, w.pred1, "old")};
  std::vector<MatchRow> rows = {Pair(w.item.rowid, w.ann, w.pred1, "car"),    // seq 0: pair
                                Pair(w.other_item.rowid, 0, w.pred2, "car"),  // seq 1: FP
                                Pair(w.item.rowid, w.ann, 0, "car")};         // seq 2: FN
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.matches().Replace(w.run.id, w.run.rowid, stale, 10).status());
    NUCLEUS_ASSIGN_OR_RETURN(MatchSet set,
                             tx.matches().Replace(w.run.id, w.run.rowid, {rows.data(), 2}, 20));
    EXPECT_EQ(set.rows, 2);
    NUCLEUS_RETURN_IF_ERROR(tx.matches().Append(&set, {rows.data() + 2, 1}));
    EXPECT_EQ(set.rows, 3);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> set, tx.matches().FindSet(w.run.id));
    EXPECT_TRUE(set.has_value());
    if (!set) return Status::Ok();
    EXPECT_EQ(set->rows, 3);
    EXPECT_EQ(set->run_rowid, w.run.rowid);
    std::vector<int64_t> seqs;
    std::vector<std::string> labels;
    NUCLEUS_RETURN_IF_ERROR(tx.matches().ForEach(set->rowid, [&](int64_t seq, const MatchRow& row) {
      seqs.push_back(seq);
      labels.push_back(row.gt_label + "/" + row.pred_label);
      return Status::Ok();
    }));
    EXPECT_EQ(seqs, (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(labels, (std::vector<std::string>{"car/car", "/car", "car/"}));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> pairs,
                             tx.matches().Page(set->rowid, MatchKind::kPairs, 0, 10));
    EXPECT_EQ(pairs.size(), 1u);
    if (!pairs.empty()) {
      EXPECT_EQ(pairs[0].seq, 0);
      EXPECT_EQ(pairs[0].item_id, w.item.id);
      EXPECT_EQ(pairs[0].annotation_id, ann.id);
      EXPECT_EQ(pairs[0].prediction_id, "pred_m1");
      EXPECT_EQ(pairs[0].row.iou, 0.75);
      EXPECT_EQ(pairs[0].row.confidence, std::optional<double>(0.9));
      EXPECT_EQ(pairs[0].row.pred_box.height, 8);
      EXPECT_EQ(pairs[0].row.gt_area, 12);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> fps,
                             tx.matches().Page(set->rowid, MatchKind::kFalsePositives, 0, 10));
    EXPECT_TRUE(fps.size() == 1 && fps[0].seq == 1 && fps[0].annotation_id.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> fns,
                             tx.matches().Page(set->rowid, MatchKind::kFalseNegatives, 0, 10));
    EXPECT_TRUE(fns.size() == 1 && fns[0].seq == 2 && fns[0].prediction_id.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> page,
                             tx.matches().Page(set->rowid, MatchKind::kAll, 1, 1));
    EXPECT_TRUE(page.size() == 1 && page[0].seq == 1);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> tail,
                             tx.matches().Page(set->rowid, MatchKind::kAll, 1, 10));
    EXPECT_EQ(tail.size(), 2u);
    std::vector<int64_t> want = {2, 7, 0};
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> at, tx.matches().ViewsAt(set->rowid, want));
    EXPECT_EQ(at.size(), 2u);
    if (at.size() == 2) {
      EXPECT_EQ(at[0].seq, 2);
      EXPECT_EQ(at[1].seq, 0);
    }
    return Status::Ok();
  }));
  // Deleting an item leaves its rows, which every read skips.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.items().Delete(w.other_item.rowid); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> set, tx.matches().FindSet(w.run.id));
    if (!set) return NotFound("set");
    std::vector<int64_t> seqs;
    NUCLEUS_RETURN_IF_ERROR(tx.matches().ForEach(set->rowid, [&](int64_t seq, const MatchRow&) {
      seqs.push_back(seq);
      return Status::Ok();
    }));
    EXPECT_EQ(seqs, (std::vector<int64_t>{0, 2}));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> all,
                             tx.matches().Page(set->rowid, MatchKind::kAll, 0, 10));
    EXPECT_EQ(all.size(), 2u);
    std::vector<int64_t> want = {1};
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<MatchView> at, tx.matches().ViewsAt(set->rowid, want));
    EXPECT_TRUE(at.empty());
    return Status::Ok();
  }));
  // Deleting the run deletes its sets.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.models().DeleteRun(w.run.rowid); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> set, tx.matches().FindSet(w.run.id));
    EXPECT_FALSE(set.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, MatchSetsAreKeyedAndDeletedByKey) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "a");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  std::vector<MatchRow> rows = {Pair(item.rowid, 0, 0, "x")};
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.matches().Replace("evalv2_1", run.rowid, rows, 1).status());
    return tx.matches().Replace("evalv2_2", run.rowid, rows, 1).status();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.matches().DeleteSet("evalv2_1"); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> gone, tx.matches().FindSet("evalv2_1"));
    EXPECT_FALSE(gone.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> kept, tx.matches().FindSet("evalv2_2"));
    EXPECT_TRUE(kept && kept->rows == 1 && kept->key == "evalv2_2");
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, EvaluationsAreOwnerScopedAndListedNewestFirst) {
  Dataset ds = AddDataset("owner_a");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  Evaluation first;
  first.id = "evalv2_1";
  first.owner = "owner_a";
  first.run_rowid = run.rowid;
  first.model_run_id = run.id;
  first.dataset_id = ds.id;
  first.name = "first";
  first.allowed_label_matches_json = R"([{"groundTruthLabel":"a","modelPredictionLabel":"b"}])";
  first.created_at_ms = 100;
  Evaluation second = first;
  second.id = "evalv2_2";
  second.name.reset();
  second.allowed_label_matches_json = "[]";
  second.created_at_ms = 200;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.evaluations().Insert(&first));
    return tx.evaluations().Insert(&second);
  }));
  EXPECT_NE(first.rowid, 0);
  EXPECT_NE(first.rowid, second.rowid);
  first.status = "failed";
  first.job_id = "job_1";
  first.error_message = "boom";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.evaluations().Update(first); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.evaluations().Get("owner_b", "evalv2_1").status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(Evaluation got, tx.evaluations().Get("owner_a", "evalv2_1"));
    EXPECT_EQ(got.status, "failed");
    EXPECT_EQ(got.job_id, "job_1");
    EXPECT_EQ(got.error_message, std::optional<std::string>("boom"));
    EXPECT_EQ(got.name, std::optional<std::string>("first"));
    EXPECT_EQ(got.allowed_label_matches_json, first.allowed_label_matches_json);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Evaluation> list, tx.evaluations().ListByRun(run.rowid));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, "evalv2_2");
      EXPECT_FALSE(list[0].name.has_value());
      EXPECT_EQ(list[1].id, "evalv2_1");
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.evaluations().Delete(second.rowid); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.evaluations().Get("owner_a", "evalv2_2").status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Evaluation> list, tx.evaluations().ListByRun(run.rowid));
    EXPECT_EQ(list.size(), 1u);
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance
