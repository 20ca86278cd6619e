// SDK upload of box predictions through ModelRun::predict, against a fresh `nucleus serve`.
//
// Same workload as bench/ingest/ingest_http.py (N/4 items, 4 boxes per item with confidence,
// requests of 5,000 to modelRun/{run}/predict), but the SDK builds and serialises every request
// inside the timed region, as a user's program would. Prints predictions/s for the first upload
// (new rows), update=false (all ignored) and update=true (all replaced).
//
// --encode-only starts no server: it times nucleus::to_json over the same predictions (the
// SDK's per-object encoder that predict uses), median of 5 passes, so that a change to the SDK's
// types or encoder is measured without the server's share of the upload.
//
//   sdk_upload_bench [--predictions N] [--concurrency C] [--bin path/to/nucleus] [--encode-only]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "nucleus/nucleus.h"
#include "support/server_fixture.h"

namespace {

template <typename T>
T Must(nucleus::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

std::vector<nucleus::Prediction> Boxes(size_t n) {
  std::vector<nucleus::Prediction> predictions;
  predictions.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    double k = static_cast<double>(i % 4);
    std::string reference_id = "img_";  // appends: g++ 12 warns falsely on "img_" + ...
    reference_id += std::to_string(i / 4);
    std::string annotation_id = "p";
    annotation_id += std::to_string(i % 4);
    predictions.push_back(nucleus::BoxPrediction{
        .label = "car", .x = 10 * k, .y = 10 * k, .width = 50, .height = 40,
        .reference_id = std::move(reference_id), .confidence = 0.5 + 0.1 * k,
        .annotation_id = std::move(annotation_id)});
  }
  return predictions;
}

int EncodeOnly(size_t n) {
  std::vector<nucleus::Prediction> predictions = Boxes(n);
  std::vector<double> secs;
  size_t bytes = 0;
  for (int pass = 0; pass < 5; ++pass) {
    bytes = 0;
    auto start = std::chrono::steady_clock::now();
    for (const nucleus::Prediction& p : predictions) bytes += nucleus::to_json(p).size();
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(secs.begin(), secs.end());
  std::printf("encode        %8.3f s  %10.0f predictions/s  (%zu bytes, median of 5)\n", secs[2],
              static_cast<double>(n) / secs[2], bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000;
  size_t concurrency = 2;
  std::string bin = NUCLEUS_BIN;
  bool encode_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--encode-only")) encode_only = true;
    if (i + 1 == argc) break;
    if (!std::strcmp(argv[i], "--predictions")) n = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--concurrency")) concurrency = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--bin")) bin = argv[i + 1];
  }
  if (encode_only) return EncodeOnly(n);
  nucleus::testing::ServerFixture server(bin);
  if (!server.Start()) {
    std::fprintf(stderr, "cannot start server: %s\n", server.error().c_str());
    return 1;
  }
  nucleus::ClientOptions options;
  options.api_key = server.api_key();
  options.endpoint = server.endpoint();
  options.max_concurrent_requests = concurrency;
  options.job_poll_interval_ms = 200;
  nucleus::NucleusClient client(options);

  size_t items = (n + 3) / 4;
  auto dataset = Must(client.create_dataset("sdk bench"), "create_dataset");
  std::vector<nucleus::DatasetItem> list;
  list.reserve(items);
  for (size_t i = 0; i < items; ++i) {
    list.push_back({.image_location = "https://example.com/" + std::to_string(i) + ".jpg",
                    .reference_id = "img_" + std::to_string(i)});
  }
  auto appended = Must(dataset.append(list, {.asynchronous = true}), "append");
  Must(appended.job->sleep_until_complete(), "append job");
  auto model = Must(client.create_model("bench", "sdk-bench"), "create_model");
  auto run = Must(model.create_run("bench", dataset, {}), "create_run");

  std::vector<nucleus::Prediction> predictions = Boxes(n);
  std::printf("predictions %zu, items %zu, concurrency %zu\n", n, items, concurrency);
  for (int pass = 0; pass < 3; ++pass) {
    nucleus::PredictOptions opts;
    opts.update = pass == 2;
    auto start = std::chrono::steady_clock::now();
    auto response = Must(run.predict(predictions, opts), "predict");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const char* name = pass == 0 ? "new" : pass == 1 ? "update=false" : "update=true";
    std::printf("%-13s %8.2f s  %10.0f predictions/s  (processed %lld, ignored %lld)\n", name,
                secs, static_cast<double>(n) / secs, static_cast<long long>(response.processed),
                static_cast<long long>(response.ignored));
  }
  return 0;
}
