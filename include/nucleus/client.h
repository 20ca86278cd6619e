// The C++ client SDK: NucleusClient and the handles Dataset, Slice, Model, ModelRun and AsyncJob.
//
// The shape mirrors the official Python client (scale-nucleus 0.18): a user who knows
// `run.predict(preds, update=True)` writes `run.predict(preds, {.update = true})`. Method names
// are therefore the Python ones (snake_case), a deliberate exception to our CamelCase rule for
// this public surface (docs/design/client_sdk.md).
//
// Errors are values: every call that talks to the server returns Status or Result<T>. An error
// that came from an HTTP answer carries the HTTP status and the raw body
// (Status::http_status()/http_body()) and a message naming the method, URL, status and body, like
// the Python NucleusAPIError. Transport failures (server down) are kUnavailable with
// http_status() == 0.
//
// Retries are the Python client's: answers 503, 504, 520 and 524 are retried after a random sleep
// in [0, 2t) for t = 1, 3, 9 (27) seconds — 4 attempts for JSON requests, 5 for multipart file
// uploads — then the last answer is returned as the error. ClientOptions::retry scales the delays
// (tests use a few milliseconds).
//
// Threading: a NucleusClient and the handles it returns are cheap to copy (they share one
// transport) and may be used from several threads at once. Batched uploads are sent by up to
// ClientOptions::max_concurrent_requests worker threads; progress callbacks run on those threads,
// one at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nucleus/json.h"
#include "nucleus/result.h"
#include "nucleus/status.h"
#include "nucleus/types.h"

namespace nucleus {

namespace internal {
class Transport;
struct Access;  // builds handles inside src/client
}  // namespace internal

inline constexpr char kDefaultEndpoint[] = "https://api.scale.com/v1/nucleus";

struct RetryOptions {
  // HTTP statuses that are retried (the Python client's RetryStrategy.statuses).
  std::vector<int> statuses = {503, 504, 520, 524};
  // Sleep before retry i is uniform in [0, 2 * factors[i] * base_delay_ms) milliseconds.
  std::vector<double> factors = {1, 3, 9, 27};
  int64_t base_delay_ms = 1000;
};

struct ClientOptions {
  std::string api_key;             // empty: $NUCLEUS_API_KEY (unless limited_access_key is set)
  std::string endpoint;            // empty: $NUCLEUS_ENDPOINT, then kDefaultEndpoint
  std::string limited_access_key;  // sent as x-limited-access-key instead of Basic auth
  RetryOptions retry;
  int64_t connect_timeout_ms = 120000;
  int64_t timeout_ms = 120000;          // per request; the signed-URL PUT has none
  size_t max_concurrent_requests = 10;  // batches in flight at once
  std::optional<bool> verify_tls;       // unset: verify unless $NUCLEUS_SKIP_SSL_VERIFY is set
  int64_t job_poll_interval_ms = 5000;  // AsyncJob::sleep_until_complete
  ProgressCallback progress;            // default progress sink of long calls
};

class NucleusClient;
class Dataset;
class Model;
class ModelRun;
class Slice;

// A server-side job (asynchronous uploads, commits). A handle: copying shares nothing mutable
// but the transport.
class AsyncJob {
 public:
  const std::string& job_id() const { return job_id_; }
  const std::string& job_last_known_status() const { return job_last_known_status_; }
  const std::string& job_type() const { return job_type_; }
  const std::string& job_creation_time() const { return job_creation_time_; }

  // GET job/{id}: {"job_id","status","message","job_progress","completed_steps",...}; updates
  // job_last_known_status().
  Result<Json> status();
  // GET job/{id}/errors, with the Python client's \\n, \\t, \\" replacements.
  Result<std::vector<std::string>> errors();
  // Polls status() every ClientOptions::job_poll_interval_ms while it is exactly "Running".
  // Returns the final status object, or an error (kInternal, message with the job's status and
  // message) when the job ended in an Errored* state.
  Result<Json> sleep_until_complete(bool verbose_std_out = false);

 private:
  friend struct internal::Access;
  AsyncJob() = default;
  std::shared_ptr<internal::Transport> transport_;
  std::string job_id_, job_last_known_status_, job_type_, job_creation_time_;
};

class ModelRun {
 public:
  const std::string& model_run_id() const { return model_run_id_; }
  const std::string& id() const { return model_run_id_; }
  const std::string& dataset_id() const { return dataset_id_; }

  // GET modelRun/{run}/info, returned unchanged.
  Result<Json> info();
  // POST modelRun/{run}/commit: matches predictions to ground truth.
  Result<Json> commit(const CommitOptions& payload = {});
  // Uploads predictions (sync batches, local masks as multipart, or asynchronously). Rejects two
  // predictions with the same (annotation_id, reference_id) before sending anything.
  Result<UploadResponse> predict(const std::vector<Prediction>& predictions,
                                 const PredictOptions& options = {});
  Result<PredictionGroups> iloc(int64_t i);
  Result<PredictionGroups> loc(const std::string& dataset_item_id);
  Result<PredictionGroups> refloc(const std::string& reference_id);
  Result<Prediction> prediction_loc(const std::string& reference_id,
                                    const std::string& annotation_id);
  Result<PredictionGroups> ungrouped_export();

 private:
  friend struct internal::Access;
  ModelRun() = default;
  std::shared_ptr<internal::Transport> transport_;
  std::string model_run_id_, dataset_id_;
};

class Model {
 public:
  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& reference_id() const { return reference_id_; }
  const Json& metadata() const { return metadata_; }
  const std::vector<std::string>& tags() const { return tags_; }
  const std::vector<std::string>& trained_slice_ids() const { return trained_slice_ids_; }

  // Creates a run of this model on `dataset` and predicts `predictions` on it (no upload
  // request for an empty list).
  Result<ModelRun> create_run(const std::string& name, const Dataset& dataset,
                              const std::vector<Prediction>& predictions,
                              const Json& metadata = Json::object(), bool asynchronous = false);
  // POST/DELETE model/{id}/tag; the local tags() follow on success.
  Result<Json> add_tags(const std::vector<std::string>& tags);
  Result<Json> remove_tags(const std::vector<std::string>& tags);

 private:
  friend struct internal::Access;
  Model() = default;
  std::shared_ptr<internal::Transport> transport_;
  std::string id_, name_, reference_id_;
  Json metadata_;
  std::vector<std::string> tags_, trained_slice_ids_;
};

// A slice of a dataset (docs/api/slices.md), the Python `Slice`: a handle on its id; `name()`,
// `dataset_id()` and `type()` read `info()` once and cache it.
class Slice {
 public:
  const std::string& id() const { return id_; }
  // GET slice/{id}/info (refreshes the cache).
  Result<SliceInfo> info();
  Result<std::string> name();
  Result<std::string> dataset_id();
  Result<std::string> type();
  // GET slice/{id}: the member items, in slice order (Python `dataset_items()`).
  Result<std::vector<DatasetItem>> items();
  // POST slice/{id}/itemsPage, page by page (Python `items_generator(page_size)`).
  Result<std::vector<DatasetItem>> items_generator(int64_t page_size = 100000);
  // POST slice/{id}/append {"reference_ids", "dataset_id"}: idempotent; members already there
  // are skipped. The answer {"slice_id", "appended"}.
  Result<Json> append(const std::vector<std::string>& reference_ids);
  // GET slice/{id}/exportForTraining: each member item with its ground truth.
  Result<std::vector<ItemWithAnnotations>> items_and_annotations();
  // GET slice/{id}/{model}/exportForTraining: each member item with the model's predictions.
  Result<std::vector<ItemWithPredictions>> export_predictions(const Model& model);
  // GET slice/{id}/class_labels.
  Result<std::vector<std::string>> export_class_labels();
  // GET slice/{id}/exportRawItems, as answered.
  Result<Json> export_raw_items();

 private:
  friend struct internal::Access;
  Slice() = default;
  Result<const SliceInfo*> Cached();
  std::shared_ptr<internal::Transport> transport_;
  std::string id_;
  std::optional<SliceInfo> info_;
};

class Dataset {
 public:
  const std::string& id() const { return id_; }

  Result<std::string> name();
  Result<bool> is_scene();
  Result<bool> use_privacy_mode();
  Result<DatasetInfo> info();
  Result<int64_t> size();
  Result<std::vector<std::string>> model_runs();
  Result<std::vector<DatasetItem>> items();

  // Local files go as multipart (up to 10 per request, requests in parallel), remote URLs as
  // JSON batches; asynchronous=true needs remote URLs only and returns the job.
  Result<AppendResponse> append(const std::vector<DatasetItem>& items,
                                const AppendOptions& options = {});
  Result<UploadResponse> annotate(const std::vector<Annotation>& annotations,
                                  const AnnotateOptions& options = {});
  Result<UploadResponse> upload_predictions(const Model& model,
                                            const std::vector<Prediction>& predictions,
                                            const UploadOptions& options = {});

  Result<ItemWithAnnotations> iloc(int64_t i);
  Result<ItemWithAnnotations> refloc(const std::string& reference_id);
  Result<ItemWithAnnotations> loc(const std::string& dataset_item_id);
  Result<Annotation> ground_truth_loc(const std::string& reference_id,
                                      const std::string& annotation_id);
  Result<Json> delete_item(const std::string& reference_id);

  Result<PredictionGroups> predictions_iloc(const Model& model, int64_t i);
  Result<PredictionGroups> predictions_refloc(const Model& model,
                                              const std::string& reference_id);
  Result<Prediction> prediction_loc(const Model& model, const std::string& reference_id,
                                    const std::string& annotation_id);
  Result<PredictionGroups> export_predictions(const Model& model);
  Result<Json> calculate_evaluation_metrics(const Model& model,
                                            const CommitOptions& options = {});

  // Dataset.create_model_run: always sends name, reference_id (or null), metadata.
  Result<ModelRun> create_model_run(const std::string& name,
                                    const std::optional<std::string>& reference_id = std::nullopt,
                                    const Json& metadata = Json::object());
  // POST dataset/{ds}/add_taxonomy ("category" or "multicategory").
  Result<Json> add_taxonomy(const std::string& taxonomy_name, const std::string& taxonomy_type,
                            const std::vector<std::string>& labels, bool update = false);
  // Matches of a committed run (patch_mode "iou", "false_positive", "false_negative").
  Result<std::vector<EvaluationMatch>> query_objects(const std::string& query,
                                                     const std::string& patch_mode,
                                                     const std::string& model_run_id);
  Result<std::vector<AsyncJob>> jobs(JobListOptions options = {});

  // POST dataset/{ds}/create_slice: from item reference ids (or scene reference ids in a scene
  // dataset); an empty list makes an empty slice ("allow_empty"). At most 10,000 ids.
  Result<Slice> create_slice(const std::string& name,
                             const std::vector<std::string>& reference_ids = {});
  // GET dataset/{ds}/slices, oldest first (Python `Dataset.slices`).
  Result<std::vector<Slice>> slices();

 private:
  friend struct internal::Access;
  Dataset() = default;
  std::shared_ptr<internal::Transport> transport_;
  std::string id_;
};

class NucleusClient {
 public:
  // `api_key` empty: $NUCLEUS_API_KEY; `endpoint` empty: $NUCLEUS_ENDPOINT, then the hosted URL.
  // Makes no request. Without any credential every call fails with kUnauthenticated.
  explicit NucleusClient(std::string api_key = "", std::string endpoint = "");
  explicit NucleusClient(ClientOptions options);

  const std::string& endpoint() const;

  // Datasets.
  Result<std::vector<DatasetSummary>> datasets();
  Result<Dataset> create_dataset(const std::string& name, const CreateDatasetOptions& options = {});
  Dataset get_dataset(const std::string& dataset_id);  // no request
  Result<Json> delete_dataset(const std::string& dataset_id);

  // Models and runs.
  Result<std::vector<Model>> models();
  Result<Model> create_model(const std::string& name, const std::string& reference_id,
                             const CreateModelOptions& options = {});
  Result<Model> get_model(const std::string& model_or_model_run_id);
  Result<Json> delete_model(const std::string& model_id);
  ModelRun get_model_run(const std::string& model_run_id, const std::string& dataset_id);
  Result<ModelRun> create_model_run(const std::string& dataset_id, const Json& payload);
  Result<Json> delete_model_run(const std::string& model_run_id);

  // Slices. get_slice makes no request (an unknown id fails at the first call); slices() lists
  // every slice of every dataset of the caller (GET slice/); delete_slice leaves the items.
  Result<std::vector<Slice>> slices();
  Slice get_slice(const std::string& slice_id);
  Result<Json> delete_slice(const std::string& slice_id);

  // Jobs.
  Result<AsyncJob> get_job(const std::string& job_id);
  Result<std::vector<AsyncJob>> list_jobs(const JobListOptions& options = {});

  // Evaluations V2.
  Result<EvaluationV2> create_evaluation_v2(const std::string& model_run_id,
                                            const EvaluationV2Create& request = {});
  Result<EvaluationV2> get_evaluation_v2(const std::string& evaluation_id);
  Result<std::vector<EvaluationV2>> list_evaluations_v2(const std::string& model_run_id);
  Status delete_evaluation_v2(const std::string& evaluation_id);
  Result<EvaluationCharts> evaluation_v2_charts(const std::string& evaluation_id,
                                                const ChartsRequest& request = {});
  // (`request.filters` may hold {"sliceId": "slc_..."}: the results of that slice alone.)
  Result<EvaluationExamples> evaluation_v2_examples(const std::string& evaluation_id,
                                                    const ExamplesRequest& request = {});

  // Low-level: one JSON request to `<endpoint>/<route>` with the retry policy; the parsed body.
  // `method` is GET, POST, PUT or DELETE.
  Result<Json> make_request(const std::string& method, const std::string& route,
                            const Json& payload = Json::object());

 private:
  std::shared_ptr<internal::Transport> transport_;
};

}  // namespace nucleus
