#include "cli/client_commands.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "nucleus/client.h"
#include "nucleus/validate.h"
#include "wire/annotations.h"
#include "wire/json_reader.h"

namespace nucleus::cli {
namespace {

struct Connection {
  std::string endpoint;
  std::string api_key;
  int concurrency = 4;
};

void AddConnectionOptions(CLI::App* cmd, Connection* c) {
  cmd->add_option("--endpoint", c->endpoint,
                  "Server base URL (default $NUCLEUS_ENDPOINT, then the hosted service)");
  cmd->add_option("--api-key", c->api_key, "API key (default $NUCLEUS_API_KEY)");
}

[[noreturn]] void Die(const Status& status) {
  std::string message = status.message();
  for (char& ch : message) {
    if (ch == '\n') ch = ' ';
  }
  std::fprintf(stderr, "error: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) Die(result.status());
  return std::move(result).value();
}

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
ProgressCallback ProgressBar() {
  if (!isatty(STDERR_FILENO)) return nullptr;
  return [](const Progress& p) {
    constexpr int kWidth = 30;
    int filled = p.total ? static_cast<int>(kWidth * p.done / p.total) : kWidth;
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu", p.stage.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), p.done, p.total);
    if (p.done >= p.total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

NucleusClient MakeClient(const Connection& c) {
  ClientOptions options;
  options.endpoint = c.endpoint;
  options.api_key = c.api_key;
  options.max_concurrent_requests = static_cast<size_t>(std::max(1, c.concurrency));
  options.progress = ProgressBar();
  return NucleusClient(std::move(options));
}

// Writes predictions as NDJSON to `path` ("-" or empty: stdout).
void WriteNdjson(const PredictionGroups& groups, const std::string& path) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!path.empty() && path != "-") {
    file.open(path, std::ios::trunc);
    if (!file) Die(Internal("cannot write " + path));
    out = &file;
  }
  auto emit = [out](const auto& list) {
    for (const auto& p : list) *out << to_json(Prediction(p)) << '\n';
  };
  emit(groups.box);
  emit(groups.line);
  emit(groups.polygon);
  emit(groups.keypoints);
  emit(groups.cuboid);
  emit(groups.segmentation);
  emit(groups.category);
  out->flush();
  if (!*out) Die(Internal("cannot write " + path));
}

Result<std::vector<Prediction>> ReadCoco(const std::string& path, const std::string& text,
                                         const CocoMapping& coco) {
  std::map<int64_t, std::string> images, categories;
  if (!coco.gt_path.empty()) {
    std::ifstream in(coco.gt_path, std::ios::binary);
    if (!in) return NotFound("cannot read " + coco.gt_path);
    std::stringstream buf;
    buf << in.rdbuf();
    auto gt = Json::parse(buf.str());
    if (!gt.ok()) return InvalidArgument(coco.gt_path + ": " + gt.status().message());
    if (const Json* list = gt->find("images")) {
      for (const Json& image : list->as_array()) {
        const Json* id = image.find("id");
        const Json* name = image.find("file_name");
        if (id && name) images[id->as_int()] = name->as_string();
      }
    }
    if (const Json* list = gt->find("categories")) {
      for (const Json& category : list->as_array()) {
        const Json* id = category.find("id");
        const Json* name = category.find("name");
        if (id && name) categories[id->as_int()] = name->as_string();
      }
    }
  }
  auto results = Json::parse(text);
  if (!results.ok()) return InvalidArgument(path + ": " + results.status().message());
  std::vector<Prediction> out;
  out.reserve(results->size());
  size_t index = 0;
  for (const Json& r : results->as_array()) {
    const Json* image_id = r.find("image_id");
    const Json* category_id = r.find("category_id");
    const Json* bbox = r.find("bbox");
    if (!image_id || !category_id || !bbox || bbox->size() != 4) {
      return InvalidArgument(path + ": result " + std::to_string(index) +
                             " needs image_id, category_id and a 4-number bbox");
    }
    auto lookup = [](const std::map<int64_t, std::string>& names, const Json& id) {
      auto it = names.find(id.as_int());
      return it != names.end() ? it->second : id.dump();
    };
    BoxPrediction box{.label = lookup(categories, *category_id),
                      .x = (*bbox)[0].as_double(),
                      .y = (*bbox)[1].as_double(),
                      .width = (*bbox)[2].as_double(),
                      .height = (*bbox)[3].as_double(),
                      .reference_id = lookup(images, *image_id),
                      .annotation_id = "det-" + std::to_string(index)};
    if (const Json* score = r.find("score")) box.confidence = score->as_double();
    out.push_back(std::move(box));
    ++index;
  }
  return out;
}

}  // namespace

Result<std::vector<Prediction>> ReadPredictionsFile(const std::string& path,
                                                    const CocoMapping& coco) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') return ReadCoco(path, text, coco);
  std::vector<Prediction> out;
  size_t line_no = 0;
  size_t pos = 0;
  wire::JsonDoc doc;  // one parser for every line
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    // The server's own rules first (missing geometry fields, negative sizes, NaN, ...), so a bad
    // file fails here with its line number instead of uploading defaults.
    Status parsed = doc.Parse(line, "prediction");
    if (parsed.ok()) {
      parsed = wire::ParseAnnotation(doc.root(), static_cast<int64_t>(line_no - 1),
                                     {.prediction = true})
                   .status();
    }
    if (!parsed.ok()) {
      return InvalidArgument(path + " line " + std::to_string(line_no) + ": " + parsed.message());
    }
    auto p = prediction_from_json(line);
    if (!p.ok()) {
      return InvalidArgument(path + " line " + std::to_string(line_no) + ": " +
                             p.status().message());
    }
    out.push_back(std::move(p).value());
  }
  return out;
}

// Writes each element of `rows` (a JSON array) as one NDJSON line to `path` ("-" or empty:
// stdout).
void WriteRows(const Json& rows, const std::string& path) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!path.empty() && path != "-") {
    file.open(path);
    if (!file) Die(Internal("cannot write " + path));
    out = &file;
  }
  if (rows.is_array()) {
    for (const Json& row : rows.as_array()) *out << row.dump() << '\n';
  }
  out->flush();
  if (!*out) Die(Internal("cannot write " + path));
}

// nucleus slices list [--dataset DS] | create --dataset DS NAME REF... | export SLICE
void AddSliceCommands(CLI::App& app) {
  CLI::App* slices = app.add_subcommand("slices", "Slices on a server");
  slices->require_subcommand(1);
  struct SliceArgs {
    Connection conn;
    std::string dataset, name, slice, model, output;
    std::vector<std::string> reference_ids;
  };
  auto la = std::make_shared<SliceArgs>();
  CLI::App* list = slices->add_subcommand("list", "List slices (id, dataset id, type, name)");
  AddConnectionOptions(list, &la->conn);
  list->add_option("--dataset", la->dataset, "Only this dataset's slices");
  list->callback([la] {
    NucleusClient client = MakeClient(la->conn);
    std::vector<Slice> found = la->dataset.empty()
                                   ? Must(client.slices())
                                   : Must(client.get_dataset(la->dataset).slices());
    for (Slice& s : found) {
      SliceInfo info = Must(s.info());
      std::printf("%-26s %-26s %-13s %s\n", info.id.c_str(), info.dataset_id.c_str(),
                  info.type.c_str(), info.name.c_str());
    }
  });
  auto ca = std::make_shared<SliceArgs>();
  CLI::App* create = slices->add_subcommand("create", "Create a slice from item reference ids");
  AddConnectionOptions(create, &ca->conn);
  create->add_option("--dataset", ca->dataset, "Dataset id (ds_...)")->required();
  create->add_option("name", ca->name, "Slice name")->required();
  create->add_option("reference_ids", ca->reference_ids,
                     "Reference ids of its items (scenes in a scene dataset); none: empty");
  create->callback([ca] {
    NucleusClient client = MakeClient(ca->conn);
    Slice slice = Must(client.get_dataset(ca->dataset).create_slice(ca->name, ca->reference_ids));
    std::printf("%s\n", slice.id().c_str());
  });
  auto ea = std::make_shared<SliceArgs>();
  CLI::App* exp = slices->add_subcommand(
      "export", "Export a slice's items with their ground truth (or a model's predictions) as "
                "NDJSON rows");
  AddConnectionOptions(exp, &ea->conn);
  exp->add_option("slice", ea->slice, "Slice id (slc_...)")->required();
  exp->add_option("--model", ea->model, "Export this model's predictions instead (prj_...)");
  exp->add_option("-o,--output", ea->output, "Output file (default stdout)");
  exp->callback([ea] {
    NucleusClient client = MakeClient(ea->conn);
    std::string route = "slice/" + ea->slice + "/";
    if (!ea->model.empty()) route += ea->model + "/";
    Json answer = Must(client.make_request("GET", route + "exportForTraining"));
    const Json* rows = answer.find("exportedRows");
    if (rows == nullptr) Die(Internal("the export answered no \"exportedRows\""));
    WriteRows(*rows, ea->output);
  });
}

// "<result>" of an evaluation: the number, "-" when nothing was measured.
std::string ResultText(const ScenarioTestEvaluation& e) {
  if (!e.result) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", *e.result);
  return buf;
}

// Prints one line per evaluation the job made: test, function, result, threshold, verdict.
// Returns whether all of them passed.
bool PrintEvaluations(Validate& validate, const std::vector<ScenarioTest>& tests,
                      const Json& job_status) {
  std::map<std::string, std::string> names;  // function id -> name
  AvailableEvalFunctions catalogue = Must(validate.eval_functions());
  for (const EvalFunctionEntry& e : catalogue.entries()) {
    names[e.id] = e.name;
  }
  std::map<std::string, bool> made;  // the evaluation ids of the job's message
  if (const Json* message = job_status.find("message")) {
    if (const Json* ids = message->find("evaluation_ids")) {
      for (const Json& id : ids->as_array()) made[id.as_string()] = true;
    }
  }
  bool all_passed = true;
  for (ScenarioTest test : tests) {
    std::vector<ScenarioTestEvaluation> history = Must(test.get_eval_history());
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
      if (!made.count(it->id)) continue;
      std::string verdict = it->status == "errored" ? "errored: " + it->error
                            : it->passed           ? "passed"
                                                   : "failed";
      if (it->status != "completed" || !it->passed) all_passed = false;
      std::string threshold = "-";
      if (it->threshold) {
        threshold = it->threshold_comparison + " " + std::to_string(*it->threshold);
      }
      std::printf("%s\t%s\t%s\t%s\t%s\n", test.name().c_str(), names[it->eval_function_id].c_str(),
                  ResultText(*it).c_str(), threshold.c_str(), verdict.c_str());
    }
  }
  return all_passed;
}

// nucleus tests list | evaluate --model PRJ NAME... (Model CI, docs/api/validate.md)
void AddTestsCommands(CLI::App& app) {
  CLI::App* tests = app.add_subcommand("tests", "Model CI scenario tests on a server");
  tests->require_subcommand(1);
  auto list_conn = std::make_shared<Connection>();
  CLI::App* list = tests->add_subcommand("list", "List scenario tests (id, name, slice id)");
  AddConnectionOptions(list, list_conn.get());
  list->callback([list_conn] {
    Validate validate(MakeClient(*list_conn));
    for (const ScenarioTest& t : Must(validate.scenario_tests())) {
      std::printf("%-26s %-40s %s\n", t.id().c_str(), t.name().c_str(), t.slice_id().c_str());
    }
  });
  struct EvaluateArgs {
    Connection conn;
    std::string model;
    std::vector<std::string> names;
  };
  auto ev = std::make_shared<EvaluateArgs>();
  CLI::App* evaluate = tests->add_subcommand(
      "evaluate",
      "Evaluate a model on scenario tests; prints test, function, result, threshold and "
      "verdict per metric; exit status 2 when any metric fails or errors");
  AddConnectionOptions(evaluate, &ev->conn);
  evaluate->add_option("--model", ev->model, "Model id (prj_...)")->required();
  evaluate->add_option("names", ev->names, "Scenario test names")->required();
  evaluate->callback([ev] {
    Validate validate(MakeClient(ev->conn));
    std::vector<ScenarioTest> named;
    for (const ScenarioTest& t : Must(validate.scenario_tests())) {
      for (const std::string& n : ev->names) {
        if (t.name() == n) named.push_back(t);
      }
    }
    AsyncJob job = Must(validate.evaluate_model_on_scenario_tests(ev->model, ev->names));
    Json status = Must(job.sleep_until_complete());
    if (!PrintEvaluations(validate, named, status)) throw CLI::RuntimeError(2);
  });
}

void AddClientCommands(CLI::App& app) {
  // nucleus datasets list
  CLI::App* datasets = app.add_subcommand("datasets", "Datasets on a server");
  datasets->require_subcommand(1);
  auto datasets_conn = std::make_shared<Connection>();
  CLI::App* datasets_list = datasets->add_subcommand("list", "List datasets (id, name)");
  AddConnectionOptions(datasets_list, datasets_conn.get());
  datasets_list->callback([datasets_conn] {
    NucleusClient client = MakeClient(*datasets_conn);
    for (const DatasetSummary& d : Must(client.datasets())) {
      std::printf("%-26s %s\n", d.id.c_str(), d.name.c_str());
    }
  });

  // nucleus models list
  CLI::App* models = app.add_subcommand("models", "Models on a server");
  models->require_subcommand(1);
  auto models_conn = std::make_shared<Connection>();
  CLI::App* models_list = models->add_subcommand("list", "List models (id, reference id, name)");
  AddConnectionOptions(models_list, models_conn.get());
  models_list->callback([models_conn] {
    NucleusClient client = MakeClient(*models_conn);
    for (const Model& m : Must(client.models())) {
      std::printf("%-26s %-30s %s\n", m.id().c_str(), m.reference_id().c_str(),
                  m.name().c_str());
    }
  });

  // nucleus upload predictions --dataset DS --model PRJ FILE
  CLI::App* upload = app.add_subcommand("upload", "Upload to a server");
  upload->require_subcommand(1);
  struct UploadArgs {
    Connection conn;
    std::string dataset, model, file, coco_gt;
    bool update = false, asynchronous = false;
    size_t batch_size = 5000;
  };
  auto up = std::make_shared<UploadArgs>();
  CLI::App* predictions = upload->add_subcommand(
      "predictions", "Upload a model's predictions: NDJSON of prediction objects or COCO results");
  AddConnectionOptions(predictions, &up->conn);
  predictions->add_option("--dataset", up->dataset, "Dataset id (ds_...)")->required();
  predictions->add_option("--model", up->model, "Model id (prj_...)")->required();
  predictions->add_option("file", up->file, "NDJSON or COCO results JSON file")->required();
  predictions->add_option("--coco-gt", up->coco_gt,
                          "COCO ground truth: file names become reference ids, category names "
                          "labels");
  predictions->add_flag("--update", up->update, "Replace predictions that already exist");
  predictions->add_flag("--async", up->asynchronous, "Upload through a server job");
  predictions->add_option("--batch-size", up->batch_size, "Predictions per request");
  predictions->add_option("--concurrency", up->conn.concurrency, "Requests in flight");
  predictions->callback([up] {
    auto list = Must(ReadPredictionsFile(up->file, CocoMapping{up->coco_gt}));
    NucleusClient client = MakeClient(up->conn);
    Model model = Must(client.get_model(up->model));
    Dataset dataset = client.get_dataset(up->dataset);
    UploadOptions options;
    options.update = up->update;
    options.asynchronous = up->asynchronous;
    options.batch_size = up->batch_size;
    UploadResponse response = Must(dataset.upload_predictions(model, list, options));
    if (response.job) {
      std::fprintf(stderr, "job %s started; waiting\n", response.job->job_id().c_str());
      Json status = Must(response.job->sleep_until_complete());
      std::printf("%s\n", status.dump().c_str());
      return;
    }
    std::printf("run %s: %lld processed, %lld ignored, %zu errors\n",
                response.model_run_id.c_str(), static_cast<long long>(response.processed),
                static_cast<long long>(response.ignored), response.errors.size());
    for (size_t i = 0; i < response.errors.size() && i < 10; ++i) {
      std::printf("  %s\n", response.errors[i].c_str());
    }
  });

  // nucleus runs commit RUN
  CLI::App* runs = app.add_subcommand("runs", "Model runs on a server");
  runs->require_subcommand(1);
  struct CommitArgs {
    Connection conn;
    std::string run;
    std::vector<std::string> matches;
    std::string class_agnostic;
  };
  auto ca = std::make_shared<CommitArgs>();
  CLI::App* commit = runs->add_subcommand("commit", "Match a run's predictions to ground truth");
  AddConnectionOptions(commit, &ca->conn);
  commit->add_option("run", ca->run, "Model run id (run_...)")->required();
  commit->add_option("--allowed-label-match", ca->matches,
                     "GT:PRED label pair that may match (repeatable; implies not class-agnostic)");
  commit->add_option("--class-agnostic", ca->class_agnostic, "true or false")
      ->check(CLI::IsMember({"true", "false"}));
  commit->callback([ca] {
    CommitOptions options;
    if (!ca->class_agnostic.empty()) options.class_agnostic = ca->class_agnostic == "true";
    if (!ca->matches.empty()) {
      options.allowed_label_matches.emplace();
      for (const std::string& m : ca->matches) {
        size_t colon = m.find(':');
        if (colon == std::string::npos) {
          Die(InvalidArgument("--allowed-label-match wants GT:PRED, got " + m));
        }
        options.allowed_label_matches->push_back({m.substr(0, colon), m.substr(colon + 1)});
      }
    }
    NucleusClient client = MakeClient(ca->conn);
    Json response = Must(client.get_model_run(ca->run, "").commit(options));
    std::printf("%s\n", response.dump().c_str());
  });

  // nucleus export predictions|run
  CLI::App* exp = app.add_subcommand("export", "Export from a server as NDJSON");
  exp->require_subcommand(1);
  struct ExportArgs {
    Connection conn;
    std::string dataset, model, run, output;
  };
  auto ea = std::make_shared<ExportArgs>();
  CLI::App* export_predictions =
      exp->add_subcommand("predictions", "All predictions of a model on a dataset");
  AddConnectionOptions(export_predictions, &ea->conn);
  export_predictions->add_option("--dataset", ea->dataset, "Dataset id")->required();
  export_predictions->add_option("--model", ea->model, "Model id")->required();
  export_predictions->add_option("-o,--output", ea->output, "Output file (default stdout)");
  export_predictions->callback([ea] {
    NucleusClient client = MakeClient(ea->conn);
    Model model = Must(client.get_model(ea->model));
    WriteNdjson(Must(client.get_dataset(ea->dataset).export_predictions(model)), ea->output);
  });
  auto er = std::make_shared<ExportArgs>();
  CLI::App* export_run = exp->add_subcommand("run", "All predictions of a model run");
  AddConnectionOptions(export_run, &er->conn);
  export_run->add_option("run", er->run, "Model run id")->required();
  export_run->add_option("-o,--output", er->output, "Output file (default stdout)");
  export_run->callback([er] {
    NucleusClient client = MakeClient(er->conn);
    WriteNdjson(Must(client.get_model_run(er->run, "").ungrouped_export()), er->output);
  });

  AddSliceCommands(app);
  AddTestsCommands(app);
}

}  // namespace nucleus::cli
