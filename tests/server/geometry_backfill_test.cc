#include "server/geometry_backfill.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/packed_geometry.h"
#include "store/annotations.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/sqlite/sqlite_store.h"
#include "wire/annotations.h"
#include "wire/json_reader.h"

namespace nucleus::server {
namespace {

constexpr const char* kBox =
    R"({"label":"car","type":"box","geometry":{"x":0.1,"y":-0,"width":3,"height":4},)"
    R"("reference_id":"a","annotation_id":"g1","metadata":{}})";
constexpr const char* kPolygon =
    R"({"label":"car","type":"polygon","geometry":{"vertices":[{"x":0,"y":0},{"x":4,"y":0},)"
    R"({"x":0,"y":3}]},"reference_id":"a","annotation_id":"g2","metadata":{}})";
constexpr const char* kPredictedBox =
    R"({"label":"car","type":"box","geometry":{"x":1,"y":2,"width":3,"height":4},)"
    R"("reference_id":"a","annotation_id":"p1","metadata":{},"confidence":0.5})";

// What upload packs for `body`: the object parsed as sent, then packed.
std::string PackedAtUpload(const std::string& body, bool prediction) {
  wire::JsonDoc doc;
  EXPECT_TRUE(doc.Parse(body, "body").ok());
  wire::AnnotationParseOptions options;
  options.prediction = prediction;
  Result<wire::ParsedAnnotation> parsed = wire::ParseAnnotation(doc.root(), 0, options);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? core::PackGeometry(*parsed) : std::string();
}

class GeometryBackfillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/geometry-backfill-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = store::sqlite::SqliteStore::Open(dir_ + "/nucleus.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Stored geometry of every annotation, then every prediction, in rowid order.
  std::vector<std::string> Geometries() {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> anns,
                                               tx.annotations().ListByItem(item_rowid_));
                      for (const store::Annotation& a : anns) out.push_back(a.geometry);
                      return tx.predictions().ForEachInRun(run_rowid_,
                                                           [&](const store::Prediction& p) {
                                                             out.push_back(p.geometry);
                                                             return Status::Ok();
                                                           });
                    })
                    .ok());
    return out;
  }

  std::string dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  int64_t item_rowid_ = 0;
  int64_t run_rowid_ = 0;
};

// Rows without geometry (as an older database has them) get what upload would have packed, in
// chunks; a payload that does not parse gets "none"; rows that have one are left alone; a second
// pass finds nothing to do.
TEST_F(GeometryBackfillTest, FillsMissingRowsWithTheBytesUploadPacksInChunks) {
  const std::vector<std::string> annotation_payloads = {kBox, kPolygon, "{", "[1]", kBox};
  const std::vector<std::string> prediction_payloads = {kPredictedBox, "not json", kPolygon};
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    store::Dataset ds;
                    ds.id = "ds_1";
                    ds.owner = "o";
                    ds.name = "d";
                    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Insert(ds));
                    store::Item item;
                    item.id = "di_1";
                    item.dataset_id = ds.id;
                    item.reference_id = "a";
                    item.image_url = "https://example.com/a.jpg";
                    NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
                    item_rowid_ = item.rowid;
                    for (size_t i = 0; i < annotation_payloads.size(); ++i) {
                      store::Annotation a;
                      a.id = "ann_" + std::to_string(i);
                      a.dataset_id = ds.id;
                      a.item_rowid = item.rowid;
                      a.type = "box";
                      a.identity = "id:" + std::to_string(i);
                      a.payload_json = annotation_payloads[i];
                      if (i == 4) a.geometry = "kept";  // already has one
                      NUCLEUS_RETURN_IF_ERROR(tx.annotations().Put(a, false).status());
                    }
                    store::Model m;
                    m.id = "prj_1";
                    m.owner = "o";
                    m.name = m.reference_id = "m";
                    NUCLEUS_RETURN_IF_ERROR(tx.models().Insert(&m));
                    store::ModelRun run;
                    run.id = "run_1";
                    run.owner = "o";
                    run.model_rowid = m.rowid;
                    run.dataset_id = ds.id;
                    NUCLEUS_RETURN_IF_ERROR(tx.models().InsertRun(&run));
                    run_rowid_ = run.rowid;
                    std::vector<std::string> ids = {"pred_0", "pred_1", "pred_2"};
                    std::vector<std::string> identities = {"id:0", "id:1", "id:2"};
                    std::vector<store::PredictionWrite> rows(prediction_payloads.size());
                    for (size_t i = 0; i < rows.size(); ++i) {
                      rows[i].item_rowid = item.rowid;
                      rows[i].id = ids[i];
                      rows[i].type = "box";
                      rows[i].identity = identities[i];
                      rows[i].payload_json = prediction_payloads[i];
                    }
                    return tx.predictions().PutMany(run.rowid, rows, false).status();
                  })
                  .ok());

  Result<GeometryBackfill> done = BackfillPackedGeometry(*store_, /*chunk_rows=*/2);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->annotations, 4);
  EXPECT_EQ(done->predictions, 3);
  EXPECT_EQ(done->unparsed, 3);  // "{", "[1]", "not json"
  const std::vector<std::string> expected = {PackedAtUpload(kBox, false),
                                             PackedAtUpload(kPolygon, false),
                                             "",
                                             "",
                                             "kept",
                                             PackedAtUpload(kPredictedBox, true),
                                             "",
                                             PackedAtUpload(kPolygon, true)};
  EXPECT_EQ(Geometries(), expected);
  core::UnpackedGeometry box;
  ASSERT_TRUE(core::UnpackGeometry(expected[0], &box));
  EXPECT_EQ(box.geometry.box.x, 0.1);

  Result<GeometryBackfill> again = BackfillPackedGeometry(*store_, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->annotations + again->predictions, 0);
  EXPECT_EQ(Geometries(), expected);
}

}  // namespace
}  // namespace nucleus::server
