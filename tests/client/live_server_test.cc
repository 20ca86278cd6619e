// Every public SDK call end to end against a live `nucleus serve` (tests/support/
// server_fixture.h). Every route the SDK calls must exist: a "no such route" answer fails the
// test (it used to skip, which let a missing route pass unnoticed).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "nucleus/nucleus.h"
#include "support/server_fixture.h"

namespace nucleus {
namespace {

#define ASSERT_OK(expr)                             \
  do {                                              \
    const auto& r_ = (expr);                        \
    ASSERT_TRUE(r_.ok()) << r_.status().ToString(); \
  } while (false)

// The seeded dataset's append must have succeeded, whatever the reason it did not.
#define ASSERT_SEEDED() ASSERT_TRUE(append_status_.ok()) << append_status_.ToString()

class LiveServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<testing::ServerFixture>(NUCLEUS_BIN);
    if (!server_->Start()) {
      error_ = server_->error();
      server_.reset();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "cannot start nucleus serve: " << error_;
  }

  NucleusClient Client() const {
    ClientOptions options;
    options.api_key = server_->api_key();
    options.endpoint = server_->endpoint();
    options.retry.base_delay_ms = 1;
    options.job_poll_interval_ms = 50;
    return NucleusClient(options);
  }

  // A dataset with three remote items a.jpg, b.jpg, c.jpg (in that order).
  Dataset SeededDataset(NucleusClient& client) {
    auto dataset = client.create_dataset("sdk test");
    EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
    std::vector<DatasetItem> items;
    for (const char* ref : {"a.jpg", "b.jpg", "c.jpg"}) {
      items.push_back(DatasetItem{.image_location = std::string("https://example.com/") + ref,
                                  .reference_id = ref,
                                  .metadata = Json::object({{"ref", ref}})});
    }
    append_status_ = dataset->append(items).status();
    return *dataset;
  }

  static std::unique_ptr<testing::ServerFixture> server_;
  static std::string error_;
  Status append_status_;
};

std::unique_ptr<testing::ServerFixture> LiveServerTest::server_;
std::string LiveServerTest::error_;

TEST_F(LiveServerTest, DatasetsAreCreatedListedAndDeleted) {
  NucleusClient client = Client();
  auto dataset = client.create_dataset("cars");
  ASSERT_OK(dataset);
  EXPECT_EQ(dataset->id().substr(0, 3), "ds_");
  auto listed = client.datasets();
  ASSERT_OK(listed);
  EXPECT_TRUE(std::any_of(listed->begin(), listed->end(), [&](const DatasetSummary& d) {
    return d.id == dataset->id() && d.name == "cars" && !d.is_public;
  }));
  auto name = dataset->name();
  ASSERT_OK(name);
  EXPECT_EQ(*name, "cars");
  auto scene = dataset->is_scene();
  ASSERT_OK(scene);
  EXPECT_FALSE(*scene);
  auto privacy = dataset->use_privacy_mode();
  ASSERT_OK(privacy);
  EXPECT_FALSE(*privacy);
  auto size = dataset->size();
  ASSERT_OK(size);
  EXPECT_EQ(*size, 0);
  auto info = dataset->info();
  ASSERT_OK(info);
  EXPECT_EQ(info->dataset_id, dataset->id());
  EXPECT_EQ(info->length, 0);
  auto deleted = client.delete_dataset(dataset->id());
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, Json::object({{"message", "Beginning dataset deletion..."}}));
}

TEST_F(LiveServerTest, UnknownDatasetIsNotFoundWithTheServersBody) {
  NucleusClient client = Client();
  auto info = client.get_dataset("ds_doesnotexist0000000").info();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(info.status().http_status(), 404);
  EXPECT_NE(info.status().http_body().find("error"), std::string::npos);
}

TEST_F(LiveServerTest, WrongKeyIsUnauthenticated) {
  ClientOptions options;
  options.api_key = "not-a-key";
  options.endpoint = server_->endpoint();
  NucleusClient client(options);
  auto datasets = client.datasets();
  ASSERT_FALSE(datasets.ok());
  EXPECT_EQ(datasets.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(LiveServerTest, AnotherOwnersDatasetIsNotFound) {
  NucleusClient client = Client();
  auto dataset = client.create_dataset("mine");
  ASSERT_OK(dataset);
  ClientOptions options;
  options.api_key = server_->CreateKey("other");
  options.endpoint = server_->endpoint();
  NucleusClient other(options);
  auto info = other.get_dataset(dataset->id()).info();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().http_status(), 404);
}

TEST_F(LiveServerTest, RemoteAndLocalItemsAreAppendedAndReadBack) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto local = dataset.append({DatasetItem{.image_location = NUCLEUS_TESTDATA "/image.png",
                                           .reference_id = "local.png"}});
  ASSERT_OK(local);
  EXPECT_EQ(local->new_items, 1);
  auto again = dataset.append({DatasetItem{.image_location = "https://example.com/a.jpg",
                                           .reference_id = "a.jpg",
                                           .metadata = Json::object({{"v", 2}})}},
                              {.update = true});
  ASSERT_OK(again);
  EXPECT_EQ(again->updated_items, 1);
  auto ignored = dataset.append({DatasetItem{.image_location = "https://example.com/a.jpg",
                                             .reference_id = "a.jpg"}});
  ASSERT_OK(ignored);
  EXPECT_EQ(ignored->ignored_items, 1);
  auto size = dataset.size();
  ASSERT_OK(size);
  EXPECT_EQ(*size, 4);
  auto items = dataset.items();
  ASSERT_OK(items);
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ(items->at(0).reference_id, "a.jpg");
  EXPECT_EQ(items->at(0).metadata, Json::object({{"v", 2}}));
  auto first = dataset.iloc(1);
  ASSERT_OK(first);
  EXPECT_EQ(first->item.reference_id, "b.jpg");
  EXPECT_EQ(first->item.image_location, "https://example.com/b.jpg");
  auto by_ref = dataset.refloc("c.jpg");
  ASSERT_OK(by_ref);
  auto by_id = dataset.loc(by_ref->item.id);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->item.reference_id, "c.jpg");
  auto deleted = dataset.delete_item("c.jpg");
  ASSERT_OK(deleted);
  auto gone = dataset.refloc("c.jpg");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
}

TEST_F(LiveServerTest, GroundTruthOfEveryKindIsAnnotatedAndReadBack) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  std::vector<Annotation> annotations = {
      BoxAnnotation{.label = "car", .x = 10, .y = 20, .width = 30, .height = 40,
                    .reference_id = "a.jpg", .annotation_id = "box-1",
                    .metadata = Json::object({{"color", "red"}}), .task_id = "task_1"},
      LineAnnotation{.label = "lane", .vertices = {{1, 2}, {3, 4}}, .reference_id = "a.jpg",
                     .annotation_id = "line-1"},
      PolygonAnnotation{.label = "bus", .vertices = {{0, 0}, {10, 0}, {10, 10}},
                        .reference_id = "a.jpg", .annotation_id = "poly-1"},
      KeypointsAnnotation{.label = "face",
                          .keypoints = {{1, 2, true}, {std::nullopt, std::nullopt, false}},
                          .names = {"nose", "chin"}, .reference_id = "a.jpg",
                          .skeleton = std::vector<std::pair<int, int>>{{0, 1}}},
      CategoryAnnotation{.label = "day", .reference_id = "a.jpg"},
      SegmentationAnnotation{.mask_url = "https://example.com/mask.png",
                             .annotations = {{.label = "grass", .index = 1}},
                             .reference_id = "b.jpg", .annotation_id = "mask-1"},
      BoxAnnotation{.label = "car", .reference_id = "nope.jpg"},
  };
  auto response = dataset.annotate(annotations);
  ASSERT_OK(response);
  EXPECT_EQ(response->processed, 6);
  ASSERT_EQ(response->errors.size(), 1u);
  EXPECT_NE(response->errors[0].find("nope.jpg"), std::string::npos);
  auto again = dataset.annotate({annotations[0]});
  ASSERT_OK(again);
  EXPECT_EQ(again->ignored, 1);
  auto item = dataset.refloc("a.jpg");
  ASSERT_OK(item);
  ASSERT_EQ(item->annotations.box.size(), 1u);
  EXPECT_EQ(item->annotations.box[0].label, "car");
  EXPECT_EQ(item->annotations.box[0].width, 30);
  EXPECT_EQ(item->annotations.box[0].task_id, std::optional<std::string>("task_1"));
  EXPECT_EQ(item->annotations.box[0].metadata, Json::object({{"color", "red"}}));
  EXPECT_EQ(item->annotations.line.size(), 1u);
  EXPECT_EQ(item->annotations.polygon.size(), 1u);
  ASSERT_EQ(item->annotations.keypoints.size(), 1u);
  EXPECT_FALSE(item->annotations.keypoints[0].keypoints[1].x.has_value());
  EXPECT_EQ(item->annotations.category.size(), 1u);
  auto one = dataset.ground_truth_loc("a.jpg", "box-1");
  ASSERT_OK(one);
  ASSERT_TRUE(std::holds_alternative<BoxAnnotation>(*one));
  EXPECT_EQ(std::get<BoxAnnotation>(*one).annotation_id, std::optional<std::string>("box-1"));
  auto masked = dataset.iloc(1);
  ASSERT_OK(masked);
  ASSERT_EQ(masked->annotations.segmentation.size(), 1u);
  EXPECT_EQ(masked->annotations.segmentation[0].mask_url, "https://example.com/mask.png");
}

TEST_F(LiveServerTest, ModelsAreCreatedListedTaggedAndDeleted) {
  NucleusClient client = Client();
  auto model = client.create_model("detector", "sdk-model-tags",
                                   {.metadata = Json::object({{"lr", 0.1}}),
                                    .tags = {"first_tag"}});
  ASSERT_OK(model);
  EXPECT_EQ(model->id().substr(0, 4), "prj_");
  auto models = client.models();
  ASSERT_OK(models);
  auto found = std::find_if(models->begin(), models->end(),
                            [&](const Model& m) { return m.id() == model->id(); });
  ASSERT_NE(found, models->end());
  EXPECT_EQ(found->reference_id(), "sdk-model-tags");
  EXPECT_EQ(found->metadata(), Json::object({{"lr", 0.1}}));
  ASSERT_OK(model->add_tags({"tag_a", "tag_b"}));
  auto fetched = client.get_model(model->id());
  ASSERT_OK(fetched);
  std::vector<std::string> tags = fetched->tags();
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"first_tag", "tag_a", "tag_b"}));
  ASSERT_OK(model->remove_tags({"tag_a", "tag_b"}));
  EXPECT_EQ(model->tags(), std::vector<std::string>{"first_tag"});
  auto missing = model->remove_tags({"never"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().http_status(), 400);
  EXPECT_NE(missing.status().http_body().find(
                "{\"error\":\"Deleted 0 tags from model. The specified tag(s) were not found.\"}"),
            std::string::npos);
  auto deleted = client.delete_model(model->id());
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, Json::object({{"msg", "Model deletion running in an async job"}}));
}

// The seed flow: a model run with box predictions, re-upload with update=false/true, every
// read, commit.
TEST_F(LiveServerTest, ModelRunPredictReadAndCommit) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  ASSERT_OK(dataset.annotate({BoxAnnotation{.label = "car", .x = 0, .y = 0, .width = 10,
                                            .height = 10, .reference_id = "a.jpg",
                                            .annotation_id = "gt-1"}}));
  auto model = client.create_model("detector", "sdk-model-run");
  ASSERT_OK(model);
  auto run = model->create_run("run one", dataset, {});
  ASSERT_OK(run);
  EXPECT_EQ(run->model_run_id().substr(0, 4), "run_");
  auto info = run->info();
  ASSERT_OK(info);
  EXPECT_EQ(*info->find("model_id"), Json(model->id()));

  BoxPrediction box{.label = "car", .x = 1, .y = 1, .width = 10, .height = 10,
                    .reference_id = "a.jpg", .confidence = 0.0,
                    .annotation_id = "pred-1", .metadata = Json::object({{"k", "v"}}),
                    .class_pdf = {{"car", 0.75}, {"bus", 0.25}}};
  std::vector<Prediction> predictions = {
      box,
      PolygonPrediction{.label = "bus", .vertices = {{0, 0}, {5, 0}, {5, 5}},
                        .reference_id = "b.jpg", .confidence = 0.5, .annotation_id = "poly-1"},
      BoxPrediction{.label = "car", .reference_id = "not-there.jpg"}};
  auto uploaded = run->predict(predictions);
  ASSERT_OK(uploaded);
  EXPECT_EQ(uploaded->processed, 2);
  EXPECT_EQ(uploaded->model_run_id, run->model_run_id());
  EXPECT_EQ(uploaded->errors.size(), 1u);

  auto ignored = run->predict({box});
  ASSERT_OK(ignored);
  EXPECT_EQ(ignored->processed, 0);
  EXPECT_EQ(ignored->ignored, 1);
  box.x = 2;
  auto updated = run->predict({box}, {.update = true});
  ASSERT_OK(updated);
  EXPECT_EQ(updated->processed, 1);

  auto by_ref = run->refloc("a.jpg");
  ASSERT_OK(by_ref);
  ASSERT_EQ(by_ref->box.size(), 1u);
  EXPECT_EQ(by_ref->box[0].x, 2);
  EXPECT_EQ(by_ref->box[0].confidence, std::optional<double>(0.0));
  EXPECT_EQ(by_ref->box[0].class_pdf, box.class_pdf);
  EXPECT_EQ(by_ref->box[0].metadata, box.metadata);
  auto by_index = run->iloc(0);
  ASSERT_OK(by_index);
  EXPECT_EQ(by_index->box.size(), 1u);
  auto item = dataset.refloc("a.jpg");
  ASSERT_OK(item);
  auto by_item_id = run->loc(item->item.id);
  ASSERT_OK(by_item_id);
  EXPECT_EQ(by_item_id->box.size(), 1u);
  auto one = run->prediction_loc("a.jpg", "pred-1");
  ASSERT_OK(one);
  ASSERT_TRUE(std::holds_alternative<BoxPrediction>(*one));
  EXPECT_EQ(std::get<BoxPrediction>(*one).x, 2);
  auto all = run->ungrouped_export();
  ASSERT_OK(all);
  EXPECT_EQ(all->box.size(), 1u);
  EXPECT_EQ(all->polygon.size(), 1u);

  auto committed = run->commit({.class_agnostic = false,
                                .allowed_label_matches = std::vector<AllowedMatch>{
                                    {"car", "car"}}});
  ASSERT_OK(committed);
  auto runs = dataset.model_runs();
  ASSERT_OK(runs);
  EXPECT_NE(std::find(runs->begin(), runs->end(), run->model_run_id()), runs->end());
  auto deleted = client.delete_model_run(run->model_run_id());
  ASSERT_OK(deleted);
}

TEST_F(LiveServerTest, CategoryPredictionsWithClassPdfRoundTrip) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto model = client.create_model("classifier", "sdk-model-category");
  ASSERT_OK(model);
  auto run = model->create_run("categories", dataset, {});
  ASSERT_OK(run);
  auto uploaded = run->predict({CategoryPrediction{.label = "day", .reference_id = "a.jpg",
                                                   .confidence = 0.9,
                                                   .class_pdf = {{"day", 0.9}, {"night", 0.1}}}});
  ASSERT_OK(uploaded);
  EXPECT_EQ(uploaded->processed, 1);
  auto back = run->refloc("a.jpg");
  ASSERT_OK(back);
  ASSERT_EQ(back->category.size(), 1u);
  EXPECT_EQ(back->category[0].class_pdf, (ClassPdf{{"day", 0.9}, {"night", 0.1}}));
  EXPECT_EQ(back->category[0].confidence, std::optional<double>(0.9));
}

TEST_F(LiveServerTest, ModelLevelUploadAndReads) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto model = client.create_model("detector", "sdk-model-level");
  ASSERT_OK(model);
  BoxPrediction box{.label = "car", .x = 5, .y = 5, .width = 10, .height = 10,
                    .reference_id = "b.jpg", .confidence = 0.0, .annotation_id = "p1"};
  auto uploaded = dataset.upload_predictions(*model, {box});
  ASSERT_OK(uploaded);
  EXPECT_EQ(uploaded->processed, 1);
  auto by_index = dataset.predictions_iloc(*model, 1);
  ASSERT_OK(by_index);
  ASSERT_EQ(by_index->box.size(), 1u);
  EXPECT_EQ(by_index->box[0].confidence, std::optional<double>(0.0));
  auto by_ref = dataset.predictions_refloc(*model, "b.jpg");
  ASSERT_OK(by_ref);
  EXPECT_EQ(by_ref->box.size(), 1u);
  auto one = dataset.prediction_loc(*model, "b.jpg", "p1");
  ASSERT_OK(one);
  EXPECT_EQ(std::get<BoxPrediction>(*one).label, "car");
  auto exported = dataset.export_predictions(*model);
  ASSERT_OK(exported);
  EXPECT_EQ(exported->box.size(), 1u);
  auto metrics = dataset.calculate_evaluation_metrics(*model, {.class_agnostic = true});
  ASSERT_OK(metrics);
}

// Slices with the Python shape: create, info, members (whole and paged), idempotent append,
// exports of ground truth and of a model's predictions, class labels, listings, delete.
TEST_F(LiveServerTest, SlicesAreCreatedAppendedExportedAndDeleted) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto slice = dataset.create_slice("hard cases", {"c.jpg"});
  ASSERT_OK(slice);
  EXPECT_EQ(slice->id().substr(0, 4), "slc_");
  auto name = slice->name();
  ASSERT_OK(name);
  EXPECT_EQ(*name, "hard cases");
  auto ds = slice->dataset_id();
  ASSERT_OK(ds);
  EXPECT_EQ(*ds, dataset.id());
  auto appended = slice->append({"c.jpg", "a.jpg"});
  ASSERT_OK(appended);
  EXPECT_EQ((*appended)["appended"].as_int(), 1);
  auto items = slice->items();
  ASSERT_OK(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].reference_id, "c.jpg");
  EXPECT_EQ((*items)[1].reference_id, "a.jpg");
  auto paged = slice->items_generator(1);
  ASSERT_OK(paged);
  ASSERT_EQ(paged->size(), 2u);
  EXPECT_EQ((*paged)[0].reference_id, "c.jpg");
  EXPECT_EQ((*paged)[1].reference_id, "a.jpg");
  EXPECT_EQ((*paged)[1].metadata, (*items)[1].metadata);

  ASSERT_OK(dataset.annotate({BoxAnnotation{.label = "car", .x = 1, .y = 1, .width = 4,
                                            .height = 4, .reference_id = "a.jpg",
                                            .annotation_id = "gt1"},
                              BoxAnnotation{.label = "bus", .x = 1, .y = 1, .width = 4,
                                            .height = 4, .reference_id = "b.jpg",
                                            .annotation_id = "gt2"}}));
  auto rows = slice->items_and_annotations();
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE((*rows)[0].annotations.box.empty());
  ASSERT_EQ((*rows)[1].annotations.box.size(), 1u);
  EXPECT_EQ((*rows)[1].annotations.box[0].label, "car");
  auto labels = slice->export_class_labels();
  ASSERT_OK(labels);
  EXPECT_EQ(*labels, std::vector<std::string>{"car"});

  auto model = client.create_model("detector", "sdk-slice-model");
  ASSERT_OK(model);
  ASSERT_OK(dataset.upload_predictions(
      *model, {BoxPrediction{.label = "car", .width = 3, .height = 3, .reference_id = "c.jpg",
                             .confidence = 0.25},
               BoxPrediction{.label = "car", .width = 3, .height = 3, .reference_id = "b.jpg",
                             .confidence = 0.5}}));
  auto predicted = slice->export_predictions(*model);
  ASSERT_OK(predicted);
  ASSERT_EQ(predicted->size(), 2u);
  ASSERT_EQ((*predicted)[0].predictions.box.size(), 1u);
  EXPECT_EQ((*predicted)[0].predictions.box[0].confidence, std::optional<double>(0.25));
  EXPECT_TRUE((*predicted)[1].predictions.box.empty());

  auto listed = dataset.slices();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id(), slice->id());
  auto all = client.slices();
  ASSERT_OK(all);
  EXPECT_TRUE(std::any_of(all->begin(), all->end(),
                          [&](const Slice& s) { return s.id() == slice->id(); }));
  ASSERT_OK(client.delete_slice(slice->id()));
  auto gone = client.get_slice(slice->id()).info();
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  auto size = dataset.size();
  ASSERT_OK(size);
  EXPECT_EQ(*size, 3);  // the items stay
}

TEST_F(LiveServerTest, AsynchronousPredictionUploadCompletesAndReportsUnknownItems) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto model = client.create_model("detector", "sdk-model-async");
  ASSERT_OK(model);
  auto run = dataset.create_model_run("async run", model->reference_id());
  ASSERT_OK(run);
  auto uploaded = run->predict({BoxPrediction{.label = "car", .width = 3, .height = 3,
                                              .reference_id = "a.jpg", .confidence = 0.5},
                                BoxPrediction{.label = "car", .reference_id = "ghost.jpg"}},
                               {.asynchronous = true});
  ASSERT_OK(uploaded);
  ASSERT_NE(uploaded->job, nullptr);
  EXPECT_EQ(uploaded->job->job_type(), "uploadPredictions");
  auto final_status = uploaded->job->sleep_until_complete();
  ASSERT_OK(final_status);
  EXPECT_EQ(*final_status->find("status"), Json("Completed"));
  auto errors = uploaded->job->errors();
  ASSERT_OK(errors);
  std::string all;
  for (const auto& e : *errors) all += e;
  EXPECT_NE(all.find("ghost.jpg"), std::string::npos);
  auto by_ref = run->refloc("a.jpg");
  ASSERT_OK(by_ref);
  EXPECT_EQ(by_ref->box.size(), 1u);
  auto job = client.get_job(uploaded->job->job_id());
  ASSERT_OK(job);
  EXPECT_EQ(job->job_id(), uploaded->job->job_id());
  auto jobs = client.list_jobs({.show_completed = true});
  ASSERT_OK(jobs);
  EXPECT_TRUE(std::any_of(jobs->begin(), jobs->end(), [&](const AsyncJob& j) {
    return j.job_id() == uploaded->job->job_id();
  }));
}

TEST_F(LiveServerTest, AsynchronousAppendCompletes) {
  NucleusClient client = Client();
  auto dataset = client.create_dataset("async items");
  ASSERT_OK(dataset);
  auto appended = dataset->append(
      {DatasetItem{.image_location = "https://example.com/x.jpg", .reference_id = "x.jpg"}},
      {.asynchronous = true});
  ASSERT_OK(appended);
  ASSERT_NE(appended->job, nullptr);
  auto final_status = appended->job->sleep_until_complete();
  ASSERT_OK(final_status);
  auto size = dataset->size();
  ASSERT_OK(size);
  EXPECT_EQ(*size, 1);
}

TEST_F(LiveServerTest, LocalMaskPredictionIsUploadedAsMultipart) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto model = client.create_model("segmenter", "sdk-model-mask");
  ASSERT_OK(model);
  SegmentationPrediction mask{.mask_url = NUCLEUS_TESTDATA "/mask.png",
                              .annotations = {{.label = "grass", .index = 1}},
                              .reference_id = "a.jpg", .annotation_id = "m1"};
  auto uploaded = dataset.upload_predictions(*model, {mask});
  ASSERT_OK(uploaded);
  EXPECT_EQ(uploaded->processed, 1);
  auto back = dataset.predictions_refloc(*model, "a.jpg");
  ASSERT_OK(back);
  ASSERT_EQ(back->segmentation.size(), 1u);
  EXPECT_EQ(back->segmentation[0].mask_url, mask.mask_url);
}

// Model CI (nucleus/validate.h): a scenario test on a slice, a threshold, an evaluation job and
// its history and item results, with the Python client's method names.
TEST_F(LiveServerTest, ModelCiScenarioTestIsEvaluated) {
  NucleusClient client = Client();
  Dataset dataset = SeededDataset(client);
  ASSERT_SEEDED();
  auto box = [](const char* ref, const char* id, double x, std::optional<double> confidence) {
    Json o = Json::object({{"label", "car"}, {"type", "box"}, {"reference_id", ref},
                           {"annotation_id", id},
                           {"geometry", Json::object({{"x", x}, {"y", 0}, {"width", 10},
                                                      {"height", 10}})}});
    if (confidence) o["confidence"] = *confidence;
    return o;
  };
  ASSERT_OK(client.make_request(
      "POST", "dataset/" + dataset.id() + "/annotate",
      Json::object({{"annotations", Json::array({box("a.jpg", "g1", 0, std::nullopt),
                                                 box("b.jpg", "g2", 0, std::nullopt)})}})));
  auto model = client.create_model("ci model", "ci_model_ref");
  ASSERT_OK(model);
  auto run = model->create_run("run", dataset, {});
  ASSERT_OK(run);
  ASSERT_OK(client.make_request(
      "POST", "modelRun/" + run->model_run_id() + "/predict",
      Json::object({{"annotations", Json::array({box("a.jpg", "p1", 0, 0.9),
                                                 box("b.jpg", "p2", 5, 0.8)})}})));
  auto slice = client.make_request(
      "POST", "dataset/" + dataset.id() + "/create_slice",
      Json::object({{"name", "ab"}, {"reference_ids", Json::array({"a.jpg", "b.jpg"})}}));
  ASSERT_OK(slice);
  Validate validate(client);
  auto functions = validate.eval_functions();
  ASSERT_OK(functions);
  EXPECT_EQ(functions->get("no_such_function").status().code(), StatusCode::kNotFound);
  auto iou = functions->get("bbox_iou");
  ASSERT_OK(iou);
  EXPECT_EQ(iou->id, "ef_bbox_iou");
  EXPECT_EQ(validate.create_scenario_test("empty", (*slice)["slice_id"].as_string(), {})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  auto test = validate.create_scenario_test("sdk_ci_test", (*slice)["slice_id"].as_string(),
                                            {*iou});
  ASSERT_OK(test);
  EXPECT_EQ(test->name(), "sdk_ci_test");
  auto added = test->add_eval_function(*functions->get("bbox_recall"));
  ASSERT_OK(added);
  EXPECT_EQ(added->eval_function_id, "ef_bbox_recall");
  auto metrics = test->get_eval_functions();
  ASSERT_OK(metrics);
  ASSERT_EQ(metrics->size(), 2u);
  ASSERT_TRUE((*metrics)[0].set_threshold(0.9).ok());
  EXPECT_EQ((*metrics)[0].threshold, std::optional<double>(0.9));
  auto baseline = test->set_baseline_model(model->id());
  ASSERT_OK(baseline);
  auto listed = validate.scenario_tests();
  ASSERT_OK(listed);
  EXPECT_TRUE(std::any_of(listed->begin(), listed->end(), [&](const ScenarioTest& t) {
    return t.id() == test->id() && t.baseline_model_id() == model->id();
  }));
  auto job = validate.evaluate_model_on_scenario_tests(model->id(), {"sdk_ci_test"});
  ASSERT_OK(job);
  EXPECT_EQ(job->job_type(), "testEvaluation");
  ASSERT_OK(job->sleep_until_complete());
  auto history = test->get_eval_history();
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 2u);
  const ScenarioTestEvaluation& first = (*history)[1];  // newest first: bbox_iou is the older
  EXPECT_EQ(first.eval_function_id, "ef_bbox_iou");
  EXPECT_EQ(first.status, "completed");
  ASSERT_TRUE(first.result.has_value());
  EXPECT_DOUBLE_EQ(*first.result, (1.0 + 50.0 / 150.0) / 2);  // 0.667 < 0.9
  EXPECT_FALSE(first.passed);
  auto items = validate.item_evaluations(first.id);
  ASSERT_OK(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_TRUE((*items)[0].passed);
  EXPECT_FALSE((*items)[1].passed);
  auto deleted = validate.delete_scenario_test(test->id());
  ASSERT_OK(deleted);
  EXPECT_TRUE(*deleted);
}

}  // namespace
}  // namespace nucleus
