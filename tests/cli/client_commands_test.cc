// The client sub-commands (datasets, models, upload, runs, export): argument handling in-process
// with CLI11, and each command through the built binary against a live `nucleus serve`
// (tests/support/server_fixture.h): its effect on the server, what it prints, and a failure as
// one "error: ..." line on stderr with exit status 1.
#include "cli/client_commands.h"

#include <gtest/gtest.h>

#include <memory>

#include "cli_test_util.h"
#include "nucleus/nucleus.h"
#include "support/server_fixture.h"

namespace nucleus::cli {
namespace {

using testing::Lines;
using testing::ParseIn;
using testing::RunBinary;
using testing::TempDir;

TEST(ClientCommandArgsTest, RequiredArgumentsAndChoicesAreCheckedBeforeConnecting) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const Case cases[] = {
      {{"upload", "predictions", "--model", "prj_1", "f.ndjson"}, "RequiredError"},
      {{"upload", "predictions", "--dataset", "ds_1", "f.ndjson"}, "RequiredError"},
      {{"upload", "predictions", "--dataset", "ds_1", "--model", "prj_1"}, "RequiredError"},
      {{"runs", "commit"}, "RequiredError"},
      {{"runs", "commit", "run_1", "--class-agnostic", "maybe"}, "ValidationError"},
      {{"export", "predictions", "--dataset", "ds_1"}, "RequiredError"},
      {{"export", "run"}, "RequiredError"},
      {{"datasets"}, "RequiredError"},  // a sub-command is required
      {{"upload", "predictions", "--dataset", "ds_1", "--model", "prj_1", "f", "--batch-size", "x"},
       "ConversionError"},
  };
  for (const Case& c : cases) {
    CLI::App app;
    AddClientCommands(app);
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    EXPECT_EQ(ParseIn(app, c.args), c.error) << joined;
  }
}

// A malformed --allowed-label-match fails before any request, with one error line and status 1.
TEST(ClientCommandArgsTest, MalformedLabelMatchIsOneErrorLine) {
  CLI::App app;
  AddClientCommands(app);
  ::testing::internal::CaptureStderr();
  std::string error = ParseIn(
      app, {"runs", "commit", "run_1", "--allowed-label-match", "car:auto", "--allowed-label-match",
            "truck", "--endpoint", "http://127.0.0.1:9/v1/nucleus", "--api-key", "k"});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(error, "RuntimeError(1)");
  EXPECT_EQ(err, "error: --allowed-label-match wants GT:PRED, got truck\n");
}

TEST(ClientCommandArgsTest, UnreadableFileFailsWithTheFileNamed) {
  TempDir dir;
  CLI::App app;
  AddClientCommands(app);
  ::testing::internal::CaptureStderr();
  std::string error = ParseIn(app, {"upload", "predictions", "--dataset", "ds_1", "--model",
                                    "prj_1", dir.Path("absent.ndjson"), "--endpoint",
                                    "http://127.0.0.1:9/v1/nucleus", "--api-key", "k"});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(error, "RuntimeError(1)");
  EXPECT_EQ(err, "error: cannot read " + dir.Path("absent.ndjson") + "\n");
}

class ClientCommandsLiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<nucleus::testing::ServerFixture>(NUCLEUS_BIN);
    if (!server_->Start()) {
      error_ = server_->error();
      server_.reset();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_NE(server_, nullptr) << "cannot start nucleus serve: " << error_; }

  NucleusClient Client() const {
    ClientOptions options;
    options.api_key = server_->api_key();
    options.endpoint = server_->endpoint();
    options.job_poll_interval_ms = 50;
    return NucleusClient(options);
  }

  // The binary with --endpoint/--api-key of the live server appended.
  testing::Run Cli(std::vector<std::string> args) {
    args.insert(args.end(), {"--endpoint", server_->endpoint(), "--api-key", server_->api_key()});
    return RunBinary(NUCLEUS_BIN, args, scratch_);
  }

  // A dataset with items a.jpg and b.jpg, each with one "car" box at (0, 0, 10, 10).
  Dataset SeededDataset(const std::string& name) {
    NucleusClient client = Client();
    Result<Dataset> dataset = client.create_dataset(name);
    EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
    std::vector<DatasetItem> items;
    std::vector<Annotation> boxes;
    for (const char* ref : {"a.jpg", "b.jpg"}) {
      items.push_back(DatasetItem{.image_location = std::string("https://example.com/") + ref,
                                  .reference_id = ref});
      boxes.push_back(BoxAnnotation{.label = "car",
                                    .x = 0,
                                    .y = 0,
                                    .width = 10,
                                    .height = 10,
                                    .reference_id = ref,
                                    .annotation_id = std::string("gt-") + ref});
    }
    EXPECT_TRUE(dataset->append(items).ok());
    EXPECT_TRUE(dataset->annotate(boxes).ok());
    return *dataset;
  }

  static std::unique_ptr<nucleus::testing::ServerFixture> server_;
  static std::string error_;
  TempDir scratch_;
};

std::unique_ptr<nucleus::testing::ServerFixture> ClientCommandsLiveTest::server_;
std::string ClientCommandsLiveTest::error_;

TEST_F(ClientCommandsLiveTest, ListsShowTheCallersDatasetsAndModelsOnePerLine) {
  Dataset dataset = SeededDataset("listed dataset");
  Result<Model> model = Client().create_model("listed model", "listed-ref");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  testing::Run datasets = Cli({"datasets", "list"});
  EXPECT_EQ(datasets.exit_code, 0) << datasets.err;
  bool found = false;
  for (const std::string& line : Lines(datasets.out)) {
    // "<id padded to 26> <name>"
    if (line.rfind(dataset.id(), 0) == 0) {
      found = true;
      EXPECT_EQ(line.substr(26), " listed dataset") << line;
    }
  }
  EXPECT_TRUE(found) << datasets.out;
  testing::Run models = Cli({"models", "list"});
  EXPECT_EQ(models.exit_code, 0) << models.err;
  found = false;
  for (const std::string& line : Lines(models.out)) {
    if (line.rfind(model->id(), 0) == 0) {
      found = true;
      EXPECT_EQ(line.substr(26, 11), " listed-ref") << line;
      EXPECT_EQ(line.substr(line.size() - 13), " listed model") << line;
    }
  }
  EXPECT_TRUE(found) << models.out;
  // Another owner's key sees neither.
  std::string other_key = server_->CreateKey("other");
  testing::Run other = RunBinary(
      NUCLEUS_BIN, {"datasets", "list", "--endpoint", server_->endpoint(), "--api-key", other_key},
      scratch_);
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.out.find(dataset.id()), std::string::npos) << other.out;
}

// nucleus slices create / list / export: the id printed by create is listed (with its dataset,
// type and name) and exports one NDJSON row per member with its ground truth.
TEST_F(ClientCommandsLiveTest, SlicesAreCreatedListedAndExported) {
  Dataset dataset = SeededDataset("sliced dataset");
  testing::Run created = Cli({"slices", "create", "--dataset", dataset.id(), "only b", "b.jpg"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::vector<std::string> lines = Lines(created.out);
  ASSERT_EQ(lines.size(), 1u) << created.out;
  const std::string slice_id = lines[0];
  EXPECT_EQ(slice_id.substr(0, 4), "slc_");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"slices", "list"},
        std::vector<std::string>{"slices", "list", "--dataset", dataset.id()}}) {
    testing::Run listed = Cli(args);
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    bool found = false;
    for (const std::string& line : Lines(listed.out)) {
      if (line.rfind(slice_id, 0) != 0) continue;
      found = true;
      EXPECT_NE(line.find(dataset.id()), std::string::npos) << line;
      EXPECT_NE(line.find(" dataset_item "), std::string::npos) << line;
      EXPECT_EQ(line.substr(line.size() - 7), " only b") << line;
    }
    EXPECT_TRUE(found) << listed.out;
  }
  testing::Run exported = Cli({"slices", "export", slice_id});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  lines = Lines(exported.out);
  ASSERT_EQ(lines.size(), 1u) << exported.out;
  Result<Json> row = Json::parse(lines[0]);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ((*row)["item"]["reference_id"].as_string(), "b.jpg");
  ASSERT_EQ((*row)["box"].size(), 1u);
  const Json* annotation_id = (*row)["box"].as_array()[0].find("annotation_id");
  ASSERT_NE(annotation_id, nullptr);
  EXPECT_EQ(annotation_id->as_string(), "gt-b.jpg");
  testing::Run unknown = Cli({"slices", "export", "slc_unknown"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("slice slc_unknown not found"), std::string::npos) << unknown.err;
}

// COCO results mapped through the ground truth's file names and category names, uploaded,
// committed with an allowed label match, and exported to a file.
TEST_F(ClientCommandsLiveTest, CocoUploadCommitAndExportToFile) {
  Dataset dataset = SeededDataset("coco upload");
  Result<Model> model = Client().create_model("coco model", "coco-model");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::string gt = scratch_.Write("gt.json", R"({
    "images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
    "categories": [{"id": 3, "name": "car"}], "annotations": []})");
  std::string dt = scratch_.Write("dt.json", R"([
    {"image_id": 1, "category_id": 3, "bbox": [0, 0, 10, 10], "score": 0.9},
    {"image_id": 2, "category_id": 3, "bbox": [1, 1, 10, 10], "score": 0.8},
    {"image_id": 3, "category_id": 3, "bbox": [1, 1, 10, 10], "score": 0.7}])");
  testing::Run up = Cli({"upload", "predictions", "--dataset", dataset.id(), "--model", model->id(),
                         dt, "--coco-gt", gt});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  std::vector<std::string> lines = Lines(up.out);
  ASSERT_GE(lines.size(), 2u) << up.out;
  // "run <id>: 2 processed, 0 ignored, 1 errors" then the errors, indented.
  ASSERT_EQ(lines[0].rfind("run run_", 0), 0u) << up.out;
  std::string run_id = lines[0].substr(4, lines[0].find(':') - 4);
  EXPECT_EQ(lines[0].substr(lines[0].find(':')), ": 2 processed, 0 ignored, 1 errors");
  EXPECT_EQ(lines[1].rfind("  ", 0), 0u);
  EXPECT_NE(lines[1].find('3'), std::string::npos) << "the unknown image id is named: " << lines[1];

  testing::Run again = Cli({"upload", "predictions", "--dataset", dataset.id(), "--model",
                            model->id(), dt, "--coco-gt", gt});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find(": 0 processed, 2 ignored, 1 errors"), std::string::npos) << again.out;

  testing::Run commit = Cli({"runs", "commit", run_id, "--allowed-label-match", "car:vehicle"});
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  Result<Json> response = Json::parse(Lines(commit.out).at(0));
  ASSERT_TRUE(response.ok()) << commit.out;
  EXPECT_TRUE(response->is_object()) << commit.out;

  std::string out_path = scratch_.Path("export.ndjson");
  testing::Run exported = Cli(
      {"export", "predictions", "--dataset", dataset.id(), "--model", model->id(), "-o", out_path});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_TRUE(exported.out.empty()) << "with -o nothing goes to stdout: " << exported.out;
  std::vector<std::string> rows = Lines(testing::ReadFile(out_path));
  ASSERT_EQ(rows.size(), 2u);
  std::vector<std::string> refs;
  for (const std::string& row : rows) {
    Result<Json> json = Json::parse(row);
    ASSERT_TRUE(json.ok()) << row;
    EXPECT_EQ(json->find("label")->as_string(), "car");
    EXPECT_EQ(json->find("type")->as_string(), "box");
    refs.push_back(json->find("reference_id")->as_string());
  }
  std::sort(refs.begin(), refs.end());
  EXPECT_EQ(refs, (std::vector<std::string>{"a.jpg", "b.jpg"}));

  testing::Run by_run = Cli({"export", "run", run_id});
  ASSERT_EQ(by_run.exit_code, 0) << by_run.err;
  EXPECT_EQ(Lines(by_run.out).size(), 2u) << by_run.out;
  EXPECT_NE(by_run.out.find("det-0"), std::string::npos) << by_run.out;
}

TEST_F(ClientCommandsLiveTest, UpdateReplacesAndAsyncUploadWaitsForTheJob) {
  Dataset dataset = SeededDataset("update upload");
  Result<Model> model = Client().create_model("update model", "update-model");
  ASSERT_TRUE(model.ok());
  auto file = [&](double x) {
    return scratch_.Write(
        "p.ndjson",
        R"({"label":"car","type":"box","geometry":{"x":)" + std::to_string(x) +
            R"(,"y":0,"width":5,"height":5},"reference_id":"a.jpg","annotation_id":"p"})"
            "\n");
  };
  std::vector<std::string> base = {"upload",     "predictions", "--dataset",
                                   dataset.id(), "--model",     model->id()};
  auto with = [&](std::vector<std::string> extra, const std::string& path) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(path);
    return Cli(args);
  };
  ASSERT_EQ(with({}, file(1)).exit_code, 0);
  testing::Run ignored = with({}, file(2));
  EXPECT_NE(ignored.out.find(": 0 processed, 1 ignored, 0 errors"), std::string::npos)
      << ignored.out;
  testing::Run updated = with({"--update"}, file(3));
  EXPECT_NE(updated.out.find(": 1 processed, 0 ignored, 0 errors"), std::string::npos)
      << updated.out;
  testing::Run async = with({"--async", "--update"}, file(4));
  ASSERT_EQ(async.exit_code, 0) << async.err;
  EXPECT_NE(async.err.find("job job_"), std::string::npos) << async.err;
  Result<Json> status = Json::parse(Lines(async.out).at(0));
  ASSERT_TRUE(status.ok()) << async.out;
  ASSERT_NE(status->find("status"), nullptr) << async.out;
  EXPECT_EQ(status->find("status")->as_string(), "Completed") << async.out;
  Result<Prediction> stored = dataset.prediction_loc(*model, "a.jpg", "p");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(std::get<BoxPrediction>(*stored).x, 4);
}

TEST_F(ClientCommandsLiveTest, ServerErrorsAreOneLineAndExitStatusOne) {
  std::string path = scratch_.Write(
      "one.ndjson",
      R"({"label":"car","type":"box","geometry":{"x":1,"y":1,"width":1,"height":1},"reference_id":"a.jpg"})"
      "\n");
  Result<Model> model = Client().create_model("errors model", "errors-model");
  ASSERT_TRUE(model.ok());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"upload", "predictions", "--dataset", "ds_doesnotexist000000000",
                                 "--model", model->id(), path},
        std::vector<std::string>{"upload", "predictions", "--dataset", "ds_x", "--model",
                                 "prj_doesnotexist000000000", path},
        std::vector<std::string>{"runs", "commit", "run_doesnotexist000000000"},
        std::vector<std::string>{"export", "run", "run_doesnotexist000000000"}}) {
    testing::Run run = Cli(args);
    EXPECT_EQ(run.exit_code, 1) << args[0] << " " << args[1];
    std::vector<std::string> err = Lines(run.err);
    ASSERT_EQ(err.size(), 1u) << run.err;
    EXPECT_EQ(err[0].rfind("error: ", 0), 0u) << err[0];
  }
  testing::Run bad_key = RunBinary(
      NUCLEUS_BIN,
      {"datasets", "list", "--endpoint", server_->endpoint(), "--api-key", "not-a-key"}, scratch_);
  EXPECT_EQ(bad_key.exit_code, 1);
  EXPECT_EQ(Lines(bad_key.err).size(), 1u) << bad_key.err;
}

// --endpoint and --api-key default to $NUCLEUS_ENDPOINT and $NUCLEUS_API_KEY.
TEST_F(ClientCommandsLiveTest, ConnectionComesFromTheEnvironmentByDefault) {
  Dataset dataset = SeededDataset("env dataset");
  testing::Run run = RunBinary(NUCLEUS_BIN, {"datasets", "list"}, scratch_,
                               "NUCLEUS_ENDPOINT='" + server_->endpoint() + "' NUCLEUS_API_KEY='" +
                                   server_->api_key() + "'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(dataset.id()), std::string::npos) << run.out;
}

}  // namespace
}  // namespace nucleus::cli
