// The model-run seed flow with the C++ SDK, step for step what a Python user writes:
//   dataset + items, ground truth, model, run, predictions with class_pdf, re-upload with
//   update=false then update=true, iloc / loc / refloc / prediction_loc, commit.
// Reads NUCLEUS_ENDPOINT and NUCLEUS_API_KEY; exits non-zero as soon as a step fails.
#include <nucleus/nucleus.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int failures = 0;

template <typename T>
bool Step(const char* what, const nucleus::Result<T>& result) {
  if (!result.ok()) {
    std::fprintf(stderr, "FAILED %s: %s\n", what, result.status().ToString().c_str());
    ++failures;
    return false;
  }
  std::printf("ok     %s\n", what);
  return true;
}

bool Check(const char* what, bool condition) {
  if (!condition) {
    std::fprintf(stderr, "FAILED %s\n", what);
    ++failures;
  } else {
    std::printf("ok     %s\n", what);
  }
  return condition;
}

}  // namespace

int main() {
  if (std::getenv("NUCLEUS_API_KEY") == nullptr) {
    std::fprintf(stderr, "set NUCLEUS_API_KEY (and NUCLEUS_ENDPOINT for a self-hosted server)\n");
    return 2;
  }
  nucleus::NucleusClient client;  // key and endpoint from the environment
  std::printf("endpoint %s\n", client.endpoint().c_str());

  auto dataset = client.create_dataset("C++ SDK example");
  if (!Step("create_dataset", dataset)) return 1;

  std::vector<nucleus::DatasetItem> items;
  for (int i = 0; i < 3; ++i) {
    std::string ref = "image_" + std::to_string(i) + ".jpg";
    items.push_back({.image_location = "https://example.com/" + ref,
                     .reference_id = ref,
                     .metadata = nucleus::Json::object({{"index", i}})});
  }
  auto appended = dataset->append(items);
  if (!Step("append", appended)) return 1;
  Check("append: 3 new items", appended->new_items == 3);

  auto ground_truth = dataset->annotate({
      nucleus::BoxAnnotation{.label = "car", .x = 10, .y = 10, .width = 50, .height = 40,
                             .reference_id = "image_0.jpg", .annotation_id = "gt-car"},
      nucleus::BoxAnnotation{.label = "bus", .x = 100, .y = 80, .width = 60, .height = 60,
                             .reference_id = "image_1.jpg", .annotation_id = "gt-bus"},
  });
  if (!Step("annotate", ground_truth)) return 1;

  auto model = client.create_model("example detector", "cpp-example-" + dataset->id(),
                                   {.metadata = nucleus::Json::object({{"framework", "c++"}})});
  if (!Step("create_model", model)) return 1;
  auto run = model->create_run("example run", *dataset, {});
  if (!Step("create_run", run)) return 1;

  std::vector<nucleus::Prediction> predictions = {
      nucleus::BoxPrediction{.label = "car", .x = 12, .y = 11, .width = 48, .height = 40,
                             .reference_id = "image_0.jpg", .confidence = 0.9,
                             .annotation_id = "pred-car",
                             .class_pdf = {{"car", 0.9}, {"bus", 0.1}}},
      nucleus::BoxPrediction{.label = "car", .x = 100, .y = 80, .width = 55, .height = 60,
                             .reference_id = "image_1.jpg", .confidence = 0.6,
                             .annotation_id = "pred-bus",
                             .class_pdf = {{"car", 0.6}, {"bus", 0.4}}},
  };
  auto predicted = run->predict(predictions);
  if (!Step("predict", predicted)) return 1;
  Check("predict: 2 processed", predicted->processed == 2);

  // Re-upload: update=false keeps the stored prediction, update=true replaces it.
  auto& first = std::get<nucleus::BoxPrediction>(predictions[0]);
  first.x = 14;
  auto skipped = run->predict({predictions[0]}, {.update = false});
  if (Step("predict update=false", skipped)) Check("update=false: ignored", skipped->ignored == 1);
  auto replaced = run->predict({predictions[0]}, {.update = true});
  if (Step("predict update=true", replaced)) {
    Check("update=true: processed", replaced->processed == 1);
  }

  auto by_index = run->iloc(0);
  if (Step("iloc(0)", by_index)) {
    Check("iloc(0): one box at x=14", by_index->box.size() == 1 && by_index->box[0].x == 14);
  }
  auto by_ref = run->refloc("image_1.jpg");
  if (Step("refloc(image_1.jpg)", by_ref)) {
    Check("refloc: class_pdf kept",
          by_ref->box.size() == 1 &&
              by_ref->box[0].class_pdf == nucleus::ClassPdf{{"car", 0.6}, {"bus", 0.4}});
  }
  auto item = dataset->iloc(0);
  if (Step("dataset iloc(0)", item)) {
    auto by_id = run->loc(item->item.id);
    if (Step("loc(item id)", by_id)) Check("loc: one box", by_id->box.size() == 1);
  }
  auto one = run->prediction_loc("image_0.jpg", "pred-car");
  if (Step("prediction_loc", one)) {
    Check("prediction_loc: confidence 0.9",
          std::get<nucleus::BoxPrediction>(*one).confidence == 0.9);
  }
  auto committed = run->commit({.class_agnostic = true});
  Step("commit", committed);

  std::printf("%s: %d failed step(s)\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
