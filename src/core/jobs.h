// What an async job carries: the request it runs (set by the use case that submits it) and the
// message it shows with its status (jobs.md). Plain values; thread-compatible.
//
// Both are typed so that api/ never writes or reads JSON: one codec (core::JobCodec, implemented
// in wire/job_codec.h and reached through api::Context::job_codec) turns them into the text kept
// in the store and back. Rows written by earlier versions decode unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::core {

// Options of a model-run commit (model_runs.md §3), also kept on the run for its next commit.
struct CommitOptions {
  // true (the default) matches regardless of labels; allowed_label_matches implies false.
  bool class_agnostic = true;
  // (ground_truth_label, model_prediction_label) pairs that may match when !class_agnostic,
  // besides identical labels (which always may).
  std::vector<std::pair<std::string, std::string>> allowed_label_matches;
};

// One struct for every job type; a type reads only the fields its comment names.
struct JobRequest {
  // Async uploads (uploadDatasetItems, uploadAnnotations, uploadPredictions, scene upload,
  // metadataUpdate): the blob key of the uploaded payload and the signed-URL request it came from.
  std::string payload;
  std::string request_id;
  bool update = false;
  // uploadPredictions and modelRunCommit.
  std::string model_run_id;
  // modelRunCommit.
  CommitOptions commit;
  // Model deletion.
  std::string model_id;
  // Evaluation.
  std::string evaluation_id;
  // Annotation deletion.
  std::vector<std::string> reference_ids;
  // Anything else a job type needs that has no field of its own: the request body as sent
  // (kept as bytes; decoded by the job's handler). "" when unused.
  std::string body;
};

// The `message` object shown with a job's status: an ordered list of fields whose values are
// integers, strings, string lists or nested objects, e.g.
//   JobMessage m;
//   m.Object("prediction_upload").Int("total", 10).String("model_run_id", run_id);
// shows {"prediction_upload":{"total":10,"model_run_id":"run_..."}}.
class JobMessage;

struct JobMessageField {
  enum class Kind { kInt, kString, kStrings, kObject };
  std::string name;
  Kind kind = Kind::kInt;
  int64_t int_value = 0;
  std::string string_value;
  std::vector<std::string> strings;
  std::vector<JobMessage> object;  // kObject: exactly one element
};

class JobMessage {
 public:
  JobMessage& Int(std::string name, int64_t value);
  JobMessage& String(std::string name, std::string value);
  JobMessage& Strings(std::string name, std::vector<std::string> values);
  // Adds a nested object `name` and returns it, to add its fields (the reference stays valid
  // until the next field is added to this message).
  JobMessage& Object(std::string name);
  const std::vector<JobMessageField>& fields() const { return fields_; }

 private:
  std::vector<JobMessageField> fields_;
};

// The store keeps requests and messages as text; this turns them into it and back. Implemented
// by wire/ (JSON, the shapes of jobs.md and of rows written by earlier versions).
class JobCodec {
 public:
  virtual ~JobCodec() = default;
  virtual std::string EncodeRequest(const JobRequest& request) const = 0;
  // `job_type` lets a type whose stored request has a shape of its own (metadataUpdate keeps the
  // body as sent) be read back. InvalidArgument naming the job request on malformed text.
  virtual Result<JobRequest> DecodeRequest(std::string_view job_type,
                                           std::string_view text) const = 0;
  virtual std::string EncodeMessage(const JobMessage& message) const = 0;
};

// A job as the store keeps it and the server shows it (jobs.md).
struct Job {
  std::string id;  // "job_..."
  std::string owner;
  std::string dataset_id;  // "" when not tied to a dataset
  std::string type;        // "uploadDatasetItems", "uploadAnnotations", ...
  std::string status;      // "Queued", "Running", "Completed", "Errored_User", "Errored_Server"
  std::string request_json = "{}";  // what the worker needs to run it
  std::string message_json = "{}";  // shown as `message` in job status
  int64_t completed_steps = 0;
  int64_t total_steps = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t status_reads = 0;  // how often a client has read the status (see JobService)
  int64_t attempts = 0;      // how often a worker has claimed it (ClaimNext counts)
  // The claim of a Running job (store/jobs.h, "Leases"): the claim's token (the server process
  // and a claim number) and when it lapses unless renewed. "" and 0 when not running.
  std::string lease_owner;
  int64_t lease_expires_at_ms = 0;
  // Where a run that takes the job over resumes: committed with each chunk of work, in the
  // chunk's transaction (JobRun::CommitChunk). `position` counts what the handler has consumed
  // (payload lines for the async uploads), `counters` are the handler's tallies so far, in an
  // order of its own. {0, {}} for a job never checkpointed.
  int64_t checkpoint_position = 0;
  std::vector<int64_t> checkpoint_counters;
};

// Which jobs a listing (POST jobs) returns.
struct JobFilter {
  std::string owner;
  std::optional<std::string> dataset_id;
  std::vector<std::string> types;  // empty = all
  std::optional<int64_t> from_ms;  // inclusive
  std::optional<int64_t> to_ms;    // inclusive
  bool show_completed = false;
  int64_t limit = 50000;
};

// A job as the client sees it: the status mapped for the client's polling loop.
struct JobView {
  Job job;
  std::string visible_status;  // "Running" for Queued, and on the first read of any job
};

}  // namespace nucleus::core
