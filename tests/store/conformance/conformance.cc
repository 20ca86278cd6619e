#include "conformance.h"

#include <random>

namespace nucleus::store::conformance {

namespace fs = std::filesystem;

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreConformanceTest::SetUp() {
  std::random_device rd;
  dir_ = fs::temp_directory_path() /
         ("nucleus-store-conformance-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(dir_);
  store_ = GetParam().open(dir_.string());
  ASSERT_NE(store_, nullptr) << "backend " << GetParam().name << " did not open " << dir_;
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void StoreConformanceTest::Reopen() {
  store_.reset();
  store_ = GetParam().open(dir_.string());
  ASSERT_NE(store_, nullptr);
}

std::string StoreConformanceTest::NextId(const std::string& prefix) {
  return prefix + "t" + std::to_string(++next_id_);
}

Dataset StoreConformanceTest::AddDataset(const std::string& owner, int64_t created_at_ms) {
  Dataset ds;
  ds.id = NextId("ds_");
  ds.owner = owner;
  ds.name = "dataset " + ds.id;
  ds.created_at_ms = created_at_ms;
  EXPECT_TRUE(Write([&](Tx& tx) { return tx.datasets().Insert(ds); }).ok());
  return ds;
}

Item StoreConformanceTest::AddItem(const std::string& dataset_id, const std::string& reference_id) {
  Item item;
  item.id = NextId("di_");
  item.dataset_id = dataset_id;
  item.reference_id = reference_id;
  item.image_url = "s3://bucket/" + reference_id + ".jpg";
  Status status = Write([&](Tx& tx) { return tx.items().Insert(&item); });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return item;
}

Annotation StoreConformanceTest::NewAnnotation(const Item& item, const std::string& identity,
                                               const std::string& label,
                                               const std::string& payload_json) {
  Annotation a;
  a.id = NextId("ann_");
  a.dataset_id = item.dataset_id;
  a.item_rowid = item.rowid;
  a.type = "box";
  a.identity = identity;
  a.annotation_id = identity;
  a.label = label;
  a.labels = {label};
  a.payload_json = payload_json;
  return a;
}

Model StoreConformanceTest::AddModel(const std::string& owner, const std::string& reference_id) {
  Model model;
  model.id = NextId("prj_");
  model.owner = owner;
  model.name = "model " + reference_id;
  model.reference_id = reference_id;
  model.created_at_ms = 1000 + next_id_;
  Status status = Write([&](Tx& tx) { return tx.models().Insert(&model); });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return model;
}

ModelRun StoreConformanceTest::AddRun(const Model& model, const std::string& dataset_id,
                                      int64_t created_at_ms) {
  ModelRun run;
  run.id = NextId("run_");
  run.owner = model.owner;
  run.model_rowid = model.rowid;
  run.dataset_id = dataset_id;
  run.name = "run " + run.id;
  run.created_at_ms = created_at_ms;
  Status status = Write([&](Tx& tx) { return tx.models().InsertRun(&run); });
  EXPECT_TRUE(status.ok()) << status.ToString();
  run.model_id = model.id;
  return run;
}

Job StoreConformanceTest::NewJob(const std::string& owner, const std::string& type,
                                 int64_t created_at_ms) {
  Job job;
  job.id = NextId("job_");
  job.owner = owner;
  job.type = type;
  job.status = "Queued";
  job.created_at_ms = created_at_ms;
  job.updated_at_ms = created_at_ms;
  return job;
}

std::vector<Item> StoreConformanceTest::AllItems(const std::string& dataset_id) {
  std::vector<Item> items;
  Status status = Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(items, tx.items().List(dataset_id, -1, 1 << 30));
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return items;
}

}  // namespace nucleus::store::conformance
