// models.h and predictions.h: model reference ids unique per owner, owner isolation of models
// and runs, retirement, cascades, and the prediction identity rules (ignore / update in place),
// orders, rowid ranges and the borrowed views of ReadItem / ScanRun.
#include <algorithm>
#include <map>
#include <memory>

#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

TEST_P(StoreConformanceTest, ModelReferenceIdsAreUniquePerOwner) {
  Model m = AddModel("owner_a", "yolo");
  Model dup;
  dup.id = NextId("prj_");
  dup.owner = "owner_a";
  dup.reference_id = "yolo";
  EXPECT_EQ(Write([&](Tx& tx) { return tx.models().Insert(&dup); }).code(),
            StatusCode::kAlreadyExists);
  Model other_owner = AddModel("owner_b", "yolo");
  EXPECT_NE(other_owner.rowid, 0);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Model> a, tx.models().FindByRef("owner_a", "yolo"));
    EXPECT_TRUE(a && a->id == m.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Model> b, tx.models().FindByRef("owner_b", "yolo"));
    EXPECT_TRUE(b && b->id == other_owner.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Model> none, tx.models().FindByRef("owner_c", "yolo"));
    EXPECT_FALSE(none.has_value());
    EXPECT_EQ(tx.models().Get("owner_b", m.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(Model by_rowid, tx.models().GetByRowid(m.rowid));
    EXPECT_EQ(by_rowid.id, m.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Model> list, tx.models().List("owner_a"));
    EXPECT_EQ(list.size(), 1u);
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, ModelsListOldestFirstWithTagsAndSlicesInOrder) {
  Model first = AddModel("owner_a", "m1");
  Model second = AddModel("owner_a", "m2");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.models().SetTags(second.rowid, {"z", "a"}));
    return tx.models().SetTrainedSliceIds(second.rowid, {"slc_2", "slc_1"});
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Model> list, tx.models().List("owner_a"));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, first.id);
      EXPECT_EQ(list[1].id, second.id);
      EXPECT_EQ(list[1].tags, (std::vector<std::string>{"z", "a"}));
      EXPECT_EQ(list[1].trained_slice_ids, (std::vector<std::string>{"slc_2", "slc_1"}));
      EXPECT_TRUE(list[0].tags.empty());
    }
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, RunsAreIsolatedByOwnerAndOrdered) {
  Dataset ds = AddDataset("owner_a");
  Dataset ds2 = AddDataset("owner_a");
  Model m = AddModel("owner_a", "m");
  ModelRun r1 = AddRun(m, ds.id, 100);
  ModelRun r2 = AddRun(m, ds.id, 200);
  ModelRun r3 = AddRun(m, ds2.id, 300);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(ModelRun got, tx.models().GetRun("owner_a", r2.id));
    EXPECT_EQ(got.model_id, m.id);
    EXPECT_EQ(got.model_rowid, m.rowid);
    EXPECT_EQ(got.dataset_id, ds.id);
    EXPECT_EQ(got.status, "Started");
    EXPECT_EQ(tx.models().GetRun("owner_b", r2.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<ModelRun> latest, tx.models().LatestRun(m.rowid, ds.id));
    EXPECT_TRUE(latest && latest->id == r2.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<ModelRun> none, tx.models().LatestRun(m.rowid, "ds_x"));
    EXPECT_FALSE(none.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ModelRun> runs, tx.models().ListRuns(ds.id));
    EXPECT_EQ(runs.size(), 2u);
    if (runs.size() == 2) {
      EXPECT_EQ(runs[0].id, r1.id);
      EXPECT_EQ(runs[1].id, r2.id);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ModelRun> of_model, tx.models().ListRunsOfModel(m.rowid));
    EXPECT_EQ(of_model.size(), 3u);
    if (of_model.size() == 3) {
      EXPECT_EQ(of_model[2].id, r3.id);
    }
    return Status::Ok();
  }));
  ModelRun update = r1;
  update.status = "Committed";
  update.commit_request_json = R"({"iou":0.5})";
  update.trained_slice_id = "slc_9";
  update.name = "ignored";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.models().UpdateRun(update); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(ModelRun got, tx.models().GetRun("owner_a", r1.id));
    EXPECT_EQ(got.status, "Committed");
    EXPECT_EQ(got.commit_request_json, R"({"iou":0.5})");
    EXPECT_EQ(got.trained_slice_id, "slc_9");
    EXPECT_EQ(got.name, r1.name);
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, RetiredModelsAndRunsLeaveTheOwnersView) {
  Dataset ds = AddDataset("owner_a");
  Model kept = AddModel("owner_a", "kept");
  Model retired = AddModel("owner_a", "retired");
  ModelRun kept_run = AddRun(kept, ds.id);
  ModelRun retired_run = AddRun(retired, ds.id);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.models().Retire(retired.rowid); }));
  const std::string retired_owner = std::string(kRetiredOwnerPrefix) + retired.id;
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.models().Get("owner_a", retired.id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.models().GetRun("owner_a", retired_run.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Model> by_ref,
                             tx.models().FindByRef("owner_a", "retired"));
    EXPECT_FALSE(by_ref.has_value());
    NUCLEUS_ASSIGN_OR_RETURN(Model moved, tx.models().Get(retired_owner, retired.id));
    EXPECT_EQ(moved.owner, retired_owner);
    NUCLEUS_ASSIGN_OR_RETURN(ModelRun moved_run, tx.models().GetRun(retired_owner, retired_run.id));
    EXPECT_EQ(moved_run.owner, retired_owner);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Model> list, tx.models().List("owner_a"));
    EXPECT_EQ(list.size(), 1u);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ModelRun> runs, tx.models().ListRuns(ds.id));
    EXPECT_EQ(runs.size(), 1u);
    if (!runs.empty()) {
      EXPECT_EQ(runs[0].id, kept_run.id);
    }
    return Status::Ok();
  }));
  // The owner may reuse the reference id at once.
  Model reused = AddModel("owner_a", "retired");
  EXPECT_NE(reused.rowid, 0);
}

// Box predictions of one item; owns the strings its rows' views point into, so it must outlive
// the PutMany it is passed to. Their geometry is opaque bytes to the store (a NUL inside).
class Boxes {
 public:
  Boxes(int64_t item_rowid, std::vector<std::string> ids, std::vector<std::string> identities,
        std::vector<std::string> payloads)
      : ids_(std::move(ids)), identities_(std::move(identities)), payloads_(std::move(payloads)) {
    rows_.resize(ids_.size());
    for (size_t i = 0; i < ids_.size(); ++i) {
      rows_[i].item_rowid = item_rowid;
      rows_[i].id = ids_[i];
      rows_[i].type = "box";
      rows_[i].identity = identities_[i];
      rows_[i].annotation_id = identities_[i];
      rows_[i].label = "car";
      rows_[i].confidence = 0.5;
      rows_[i].payload_json = payloads_[i];
      rows_[i].geometry = kGeometry;
    }
  }
  Boxes(const Boxes&) = delete;
  Boxes& operator=(const Boxes&) = delete;
  static constexpr std::string_view kGeometry{"\x01geo\0box", 9};
  PredictionWrite& operator[](size_t i) { return rows_[i]; }
  operator std::span<const PredictionWrite>() const { return rows_; }

 private:
  std::vector<std::string> ids_, identities_, payloads_;
  std::vector<PredictionWrite> rows_;
};

struct StoredPrediction {
  int64_t rowid;
  std::string id, identity, label, payload;
  std::optional<double> confidence;
  std::string geometry;
};

std::vector<StoredPrediction> RunPredictions(Store& store, int64_t run_rowid) {
  std::vector<StoredPrediction> out;
  Status status = store.Read([&](Tx& tx) {
    return tx.predictions().ForEachInRun(run_rowid, [&](const Prediction& p) {
      out.push_back(
          {p.rowid, p.id, p.identity, p.label, p.payload_json, p.confidence, p.geometry});
      return Status::Ok();
    });
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

TEST_P(StoreConformanceTest, PredictionPutIgnoresOrUpdatesInPlaceKeepingIdAndPosition) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes rows(item.rowid, {"pred_1", "pred_2", "pred_3"}, {"id:a", "id:b", "id:c"},
               {R"({"v":1})", R"({"v":2})", R"({"v":3})"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, rows, false));
    EXPECT_EQ(written, 3);
    return Status::Ok();
  }));
  std::vector<StoredPrediction> before = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(before.size(), 3u);
  // Without update: existing identities are ignored, the new one is added at the end.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes rows(item.rowid, {"pred_x", "pred_4"}, {"id:b", "id:d"}, {R"({"v":20})", R"({"v":4})"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, rows, false));
    EXPECT_EQ(written, 1);
    return Status::Ok();
  }));
  std::vector<StoredPrediction> ignored = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(ignored.size(), 4u);
  EXPECT_EQ(ignored[1].payload, R"({"v":2})");
  EXPECT_EQ(ignored[1].id, "pred_2");
  EXPECT_EQ(ignored[3].id, "pred_4");
  // With update: replaced in place (same id, rowid, position), new ones appended.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes rows(item.rowid, {"pred_y", "pred_5"}, {"id:a", "id:e"}, {R"({"v":10})", R"({"v":5})"});
    rows[0].label = "bus";
    rows[0].confidence = std::nullopt;
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, rows, true));
    EXPECT_EQ(written, 2);
    return Status::Ok();
  }));
  std::vector<StoredPrediction> updated = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(updated.size(), 5u);
  EXPECT_EQ(updated[0].id, "pred_1");
  EXPECT_EQ(updated[0].rowid, before[0].rowid);
  EXPECT_EQ(updated[0].identity, "id:a");
  EXPECT_EQ(updated[0].payload, R"({"v":10})");
  EXPECT_EQ(updated[0].label, "bus");
  EXPECT_FALSE(updated[0].confidence.has_value());
  EXPECT_EQ(updated[4].id, "pred_5");
  EXPECT_EQ(updated[4].confidence, std::optional<double>(0.5));
}

// Several PutMany in one transaction: each sees the rows the earlier ones wrote (ignored or
// replaced as existing), whatever path the store takes (PostgreSQL's COPY goes through a
// staging table per connection, which must hold nothing of an earlier batch).
TEST_P(StoreConformanceTest, PredictionPutManyBatchesOfOneWriteSeeEachOther) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes first(item.rowid, {"pred_1", "pred_2"}, {"id:a", "id:b"}, {R"({"v":1})", R"({"v":2})"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t w1, tx.predictions().PutMany(run.rowid, first, false));
    EXPECT_EQ(w1, 2);
    Boxes second(item.rowid, {"pred_x", "pred_3"}, {"id:a", "id:c"}, {R"({"v":9})", R"({"v":3})"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t w2, tx.predictions().PutMany(run.rowid, second, false));
    EXPECT_EQ(w2, 1);  // id:a exists: ignored
    Boxes third(item.rowid, {"pred_y", "pred_4"}, {"id:c", "id:d"}, {R"({"v":30})", R"({"v":4})"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t w3, tx.predictions().PutMany(run.rowid, third, true));
    EXPECT_EQ(w3, 2);  // id:c replaced in place, id:d added
    return Status::Ok();
  }));
  std::vector<StoredPrediction> rows = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].id, "pred_1");
  EXPECT_EQ(rows[0].payload, R"({"v":1})");
  EXPECT_EQ(rows[1].id, "pred_2");
  EXPECT_EQ(rows[2].id, "pred_3");
  EXPECT_EQ(rows[2].payload, R"({"v":30})");
  EXPECT_EQ(rows[3].id, "pred_4");
}

// A batch larger than one statement of the PostgreSQL store (10,000 rows) that mixes new and
// existing identities: written in order, existing ones ignored or replaced as in small batches.
TEST_P(StoreConformanceTest, PredictionPutManyLargeBatchIgnoresOrUpdatesExisting) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  auto batch = [&](int from, int to, const std::string& tag) {
    std::vector<std::string> ids, identities, payloads;
    for (int i = from; i < to; ++i) {
      ids.push_back("pred_" + tag + std::to_string(i));
      identities.push_back("id:" + std::to_string(i));
      payloads.push_back(R"({"tag":")" + tag + "\"}");
    }
    return std::make_unique<Boxes>(item.rowid, ids, identities, payloads);
  };
  // Every tenth of 0..12000 first, then all of them: ignored, then replaced.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 12000; i += 1000) {
      std::unique_ptr<Boxes> some = batch(i, i + 100, "a");
      NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, *some, false).status());
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    std::unique_ptr<Boxes> all = batch(0, 12000, "b");
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, *all, false));
    EXPECT_EQ(written, 12000 - 1200);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    std::unique_ptr<Boxes> all = batch(0, 12000, "c");
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, *all, true));
    EXPECT_EQ(written, 12000);
    return Status::Ok();
  }));
  std::vector<StoredPrediction> rows = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(rows.size(), 12000u);
  // Rowid order: the 1,200 first rows, then the others in batch order; all replaced by "c".
  EXPECT_EQ(rows[0].id, "pred_a0");
  EXPECT_EQ(rows[100].id, "pred_a1000");
  EXPECT_EQ(rows[1199].id, "pred_a11099");
  EXPECT_EQ(rows[1200].id, "pred_b100");
  EXPECT_EQ(rows[11999].id, "pred_b11999");
  for (size_t i = 1; i < rows.size(); ++i) ASSERT_LT(rows[i - 1].rowid, rows[i].rowid);
  EXPECT_TRUE(std::all_of(rows.begin(), rows.end(),
                          [](const StoredPrediction& p) { return p.payload == R"({"tag":"c"})"; }));
}

// A Write that fails after a PutMany leaves nothing behind, and the next PutMany works as on a
// fresh store (nothing staged by the rolled-back one reappears).
TEST_P(StoreConformanceTest, PredictionPutManyOfAFailedWriteLeavesNothing) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  for (int attempt = 0; attempt < 3; ++attempt) {
    Status failed = Write([&](Tx& tx) -> Status {
      Boxes rows(item.rowid, {"pred_1", "pred_2"}, {"id:a", "id:b"}, {"{}", "{}"});
      NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, rows, false).status());
      return Internal("abandoned");
    });
    EXPECT_EQ(failed.code(), StatusCode::kInternal);
  }
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes rows(item.rowid, {"pred_3"}, {"id:b"}, {"{}"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t written, tx.predictions().PutMany(run.rowid, rows, true));
    EXPECT_EQ(written, 1);
    return Status::Ok();
  }));
  std::vector<StoredPrediction> rows = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "pred_3");
}

TEST_P(StoreConformanceTest, PredictionIdentityIsPerRunAndItem) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Model m = AddModel("owner_a", "m");
  ModelRun r1 = AddRun(m, ds.id);
  ModelRun r2 = AddRun(m, ds.id);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes on_a(a.rowid, {"pred_1"}, {"id:x"}, {"{}"});
    Boxes on_b(b.rowid, {"pred_2"}, {"id:x"}, {"{}"});
    Boxes other_run(a.rowid, {"pred_3"}, {"id:x"}, {"{}"});
    NUCLEUS_ASSIGN_OR_RETURN(int64_t w1, tx.predictions().PutMany(r1.rowid, on_a, false));
    NUCLEUS_ASSIGN_OR_RETURN(int64_t w2, tx.predictions().PutMany(r1.rowid, on_b, false));
    NUCLEUS_ASSIGN_OR_RETURN(int64_t w3, tx.predictions().PutMany(r2.rowid, other_run, false));
    EXPECT_EQ(w1 + w2 + w3, 3);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t n1, tx.predictions().CountByRun(r1.rowid));
    NUCLEUS_ASSIGN_OR_RETURN(int64_t n2, tx.predictions().CountByRun(r2.rowid));
    EXPECT_EQ(n1, 2);
    EXPECT_EQ(n2, 1);
    return Status::Ok();
  }));
}

// PutMany borrows the caller's buffers only for the call: the store keeps its own copy.
TEST_P(StoreConformanceTest, PredictionPutCopiesTheBorrowedViews) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  std::string id = "pred_buf";
  std::string identity = "id:buf";
  std::string label = "car";
  std::string payload = R"({"label":"car"})";
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    PredictionWrite row;
    row.item_rowid = item.rowid;
    row.id = id;
    row.type = "box";
    row.identity = identity;
    row.label = label;
    row.payload_json = payload;
    NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, {&row, 1}, false).status());
    std::fill(id.begin(), id.end(), 'X');
    std::fill(identity.begin(), identity.end(), 'X');
    std::fill(label.begin(), label.end(), 'X');
    std::fill(payload.begin(), payload.end(), 'X');
    return Status::Ok();
  }));
  std::vector<StoredPrediction> stored = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, "pred_buf");
  EXPECT_EQ(stored[0].identity, "id:buf");
  EXPECT_EQ(stored[0].label, "car");
  EXPECT_EQ(stored[0].payload, R"({"label":"car"})");
}

TEST_P(StoreConformanceTest, PredictionReadsFollowItemAndInsertionOrder) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  ModelRun run = AddRun(AddModel("owner_a", "m"), ds.id);
  // Uploaded b1, a1, b2, a2 (interleaved).
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (auto [item, id] : {std::pair{b.rowid, "b1"}, std::pair{a.rowid, "a1"},
                            std::pair{b.rowid, "b2"}, std::pair{a.rowid, "a2"}}) {
      Boxes rows(item, {std::string("pred_") + id}, {std::string("id:") + id},
                 {std::string(R"({"p":")") + id + "\"}"});
      NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, rows, false).status());
    }
    return Status::Ok();
  }));
  std::vector<StoredPrediction> grouped = RunPredictions(*store_, run.rowid);
  std::vector<std::string> ids;
  for (const StoredPrediction& p : grouped) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"pred_a1", "pred_a2", "pred_b1", "pred_b2"}));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    std::vector<std::string> payloads;
    NUCLEUS_RETURN_IF_ERROR(tx.predictions().ReadItem(
        run.rowid, b.rowid, [&](std::span<const PredictionRef> refs) -> Status {
          for (const PredictionRef& ref : refs) {
            EXPECT_EQ(ref.item_rowid, b.rowid);
            EXPECT_EQ(ref.type, "box");
            payloads.emplace_back(ref.payload_json);
          }
          // Every view of the span is valid for the whole call, also after other reads.
          NUCLEUS_RETURN_IF_ERROR(tx.items().FindByRef(ds.id, "a").status());
          for (size_t i = 0; i < refs.size(); ++i) EXPECT_EQ(refs[i].payload_json, payloads[i]);
          return Status::Ok();
        }));
    EXPECT_EQ(payloads, (std::vector<std::string>{R"({"p":"b1"})", R"({"p":"b2"})"}));
    NUCLEUS_ASSIGN_OR_RETURN(
        std::optional<std::string> found,
        tx.predictions().FindPayloadByAnnotationId(run.rowid, a.rowid, "id:a2"));
    EXPECT_EQ(found, std::optional<std::string>(R"({"p":"a2"})"));
    NUCLEUS_ASSIGN_OR_RETURN(
        std::optional<std::string> none,
        tx.predictions().FindPayloadByAnnotationId(run.rowid, b.rowid, "id:a2"));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
}

// The packed geometry is stored as written (bytes the store does not interpret) and replaced
// by an update. Rows written without one are listed by PayloadsWithoutGeometry, across runs, in
// rowid order and paged by after_rowid, until SetGeometry gives them one ("" included: "none").
TEST_P(StoreConformanceTest, PredictionsWithoutGeometryAreListedUntilSet) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  Model m = AddModel("owner_a", "m");
  ModelRun run = AddRun(m, ds.id);
  ModelRun other = AddRun(m, ds.id);
  const std::string packed("\x03p\0q", 4);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes rows(item.rowid, {"pred_1", "pred_2", "pred_3"}, {"id:a", "id:b", "id:c"},
               {R"({"v":1})", R"({"v":2})", R"({"v":3})"});
    rows[1].geometry = "";
    rows[2].geometry = "";
    rows[2].type = "polygon";
    NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, rows, false).status());
    Boxes more(item.rowid, {"pred_4"}, {"id:d"}, {R"({"v":4})"});
    more[0].geometry = "";
    return tx.predictions().PutMany(other.rowid, more, false).status();
  }));
  std::vector<PayloadRow> missing;
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(missing, tx.predictions().PayloadsWithoutGeometry(0, 10));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<PayloadRow> page,
                             tx.predictions().PayloadsWithoutGeometry(missing.at(0).rowid, 1));
    EXPECT_EQ(page.size(), 1u);
    if (page.size() == 1) {
      EXPECT_EQ(page[0].rowid, missing.at(1).rowid);
    }
    return Status::Ok();
  }));
  ASSERT_EQ(missing.size(), 3u);
  EXPECT_EQ(missing[0].payload_json, R"({"v":2})");
  EXPECT_EQ(missing[0].type, "box");
  EXPECT_EQ(missing[1].payload_json, R"({"v":3})");
  EXPECT_EQ(missing[1].type, "polygon");
  EXPECT_EQ(missing[2].payload_json, R"({"v":4})");
  EXPECT_TRUE(missing[0].rowid < missing[1].rowid && missing[1].rowid < missing[2].rowid);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.predictions().SetGeometry(missing[0].rowid, ""));
    return tx.predictions().SetGeometry(missing[1].rowid, packed);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<PayloadRow> left,
                             tx.predictions().PayloadsWithoutGeometry(0, 10));
    EXPECT_EQ(left.size(), 1u);
    if (left.size() == 1) {
      EXPECT_EQ(left[0].rowid, missing[2].rowid);
    }
    return Status::Ok();
  }));
  std::vector<StoredPrediction> got = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].geometry, Boxes::kGeometry);
  EXPECT_EQ(got[1].geometry, "");
  EXPECT_EQ(got[2].geometry, packed);
  // An update replaces the geometry with the row's; one written without is missing again.
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    Boxes rows(item.rowid, {"pred_x", "pred_y"}, {"id:a", "id:c"}, {"{}", "{}"});
    rows[0].geometry = packed;
    rows[1].geometry = "";
    return tx.predictions().PutMany(run.rowid, rows, true).status();
  }));
  got = RunPredictions(*store_, run.rowid);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].geometry, packed);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<PayloadRow> left,
                             tx.predictions().PayloadsWithoutGeometry(0, 10));
    EXPECT_EQ(left.size(), 2u);
    if (!left.empty()) {
      EXPECT_EQ(left[0].rowid, got[2].rowid);
    }
    return Status::Ok();
  }));
}

// RunRowidRange bounds the run; ScanRun over disjoint parts of it (each in its own Read) yields
// every prediction once in insertion order, with its packed geometry (bytes as written, empty
// when written without) and without its payload.
TEST_P(StoreConformanceTest, ScanRunOverDisjointRangesCoversTheRunOnce) {
  Dataset ds = AddDataset("owner_a");
  Item a = AddItem(ds.id, "a");
  Item b = AddItem(ds.id, "b");
  Model m = AddModel("owner_a", "m");
  ModelRun run = AddRun(m, ds.id);
  ModelRun other = AddRun(m, ds.id);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(RowidRange empty, tx.predictions().RunRowidRange(run.rowid));
    EXPECT_EQ(empty.first, 0);
    EXPECT_EQ(empty.last, -1);
    EXPECT_EQ(empty.count, 0);
    return Status::Ok();
  }));
  std::vector<std::string> expected;  // each row's geometry
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 10; ++i) {
      std::string n = std::to_string(i);
      Boxes rows(i % 2 ? a.rowid : b.rowid, {"pred_" + n}, {"id:" + n}, {"{\"n\":" + n + "}"});
      // A NUL and a high byte inside; every third row written without geometry.
      std::string geometry = i % 3 == 0 ? "" : std::string("g\0\xff", 3) + n;
      rows[0].geometry = geometry;
      if (i % 3 == 0) rows[0].type = "polygon";
      NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(run.rowid, rows, false).status());
      expected.push_back(geometry);
      // Rows of another run in between.
      Boxes noise(a.rowid, {"pred_o" + n}, {"id:" + n}, {"{}"});
      NUCLEUS_RETURN_IF_ERROR(tx.predictions().PutMany(other.rowid, noise, false).status());
    }
    return Status::Ok();
  }));
  RowidRange range;
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(range, tx.predictions().RunRowidRange(run.rowid));
    return Status::Ok();
  }));
  EXPECT_EQ(range.count, 10);
  ASSERT_LT(range.first, range.last);
  int64_t mid = range.first + (range.last - range.first) / 2;
  std::vector<int64_t> rowids;
  std::map<int64_t, std::string> geometry_by_rowid;
  for (auto [lo, hi] : {std::pair{range.first, mid}, std::pair{mid + 1, range.last}}) {
    NUCLEUS_ASSERT_OK(Read([&](Tx& tx) {
      return tx.predictions().ScanRun(run.rowid, lo, hi, [&](const PredictionRef& ref) {
        EXPECT_GE(ref.rowid, lo);
        EXPECT_LE(ref.rowid, hi);
        EXPECT_EQ(ref.label, "car");
        EXPECT_EQ(ref.confidence, std::optional<double>(0.5));
        EXPECT_EQ(ref.payload_json, "") << "matching never reads the payload";
        rowids.push_back(ref.rowid);
        geometry_by_rowid[ref.rowid] = std::string(ref.geometry);
        return Status::Ok();
      });
    }));
  }
  ASSERT_EQ(rowids.size(), 10u);
  EXPECT_TRUE(std::is_sorted(rowids.begin(), rowids.end()));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(geometry_by_rowid[rowids[i]], expected[i]) << i;
  int calls = 0;
  Status stopped = Read([&](Tx& tx) {
    return tx.predictions().ScanRun(run.rowid, range.first, range.last, [&](const PredictionRef&) {
      return ++calls == 3 ? Status(StatusCode::kInternal, "stop") : Status::Ok();
    });
  });
  EXPECT_EQ(stopped.code(), StatusCode::kInternal);
  EXPECT_EQ(calls, 3);
}

TEST_P(StoreConformanceTest, DeletingRunsAndModelsDeletesTheirPredictions) {
  Dataset ds = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  Model m = AddModel("owner_a", "m");
  Model m2 = AddModel("owner_a", "m2");
  ModelRun r1 = AddRun(m, ds.id);
  ModelRun r2 = AddRun(m2, ds.id);
  ModelRun r3 = AddRun(m2, ds.id);
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (int64_t run : {r1.rowid, r2.rowid, r3.rowid}) {
      for (int i = 0; i < 5; ++i) {
        std::string n = std::to_string(run) + "_" + std::to_string(i);
        NUCLEUS_RETURN_IF_ERROR(
            tx.predictions()
                .PutMany(run, Boxes(item.rowid, {"pred_" + n}, {"id:" + n}, {"{}"}), false)
                .status());
      }
    }
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(int64_t some, tx.predictions().DeleteSomeOfRun(r1.rowid, 2));
    EXPECT_EQ(some, 2);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t left, tx.predictions().CountByRun(r1.rowid));
    EXPECT_EQ(left, 3);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t rest, tx.predictions().DeleteSomeOfRun(r1.rowid, 100));
    EXPECT_EQ(rest, 3);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t none, tx.predictions().DeleteByRun(r1.rowid));
    EXPECT_EQ(none, 0);
    NUCLEUS_RETURN_IF_ERROR(tx.models().DeleteRun(r2.rowid));
    NUCLEUS_ASSIGN_OR_RETURN(int64_t r2_left, tx.predictions().CountByRun(r2.rowid));
    EXPECT_EQ(r2_left, 0);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t r3_left, tx.predictions().CountByRun(r3.rowid));
    EXPECT_EQ(r3_left, 5);
    NUCLEUS_RETURN_IF_ERROR(tx.models().Delete(m2.rowid));
    NUCLEUS_ASSIGN_OR_RETURN(int64_t r3_gone, tx.predictions().CountByRun(r3.rowid));
    EXPECT_EQ(r3_gone, 0);
    EXPECT_EQ(tx.models().GetRun("owner_a", r3.id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.models().Get("owner_a", m2.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ModelRun> runs, tx.models().ListRuns(ds.id));
    EXPECT_EQ(runs.size(), 1u);
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance
