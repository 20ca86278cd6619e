// NucleusClient, Dataset, Model, ModelRun and AsyncJob over the Transport. Each method mirrors
// the Python client method of the same name: same route, same body, same client-side checks.
#include "nucleus/client.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "client/annotation_json.h"
#include "client/evaluation_json.h"
#include "client/item_json.h"
#include "client/json_fields.h"
#include "client/transport.h"
#include "core/ids.h"
#include "core/strings.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus {
namespace internal {

using client::ToJson;
using wire::JsonArray;
using wire::JsonDoc;
using wire::JsonObject;
using wire::JsonValue;

// Builds the handles (their constructors are private).
struct Access {
  static Dataset MakeDataset(std::shared_ptr<Transport> t, std::string id) {
    Dataset d;
    d.transport_ = std::move(t);
    d.id_ = std::move(id);
    return d;
  }
  static Slice MakeSlice(std::shared_ptr<Transport> t, std::string id,
                         std::optional<SliceInfo> info = std::nullopt) {
    Slice slice;
    slice.transport_ = std::move(t);
    slice.id_ = std::move(id);
    slice.info_ = std::move(info);
    return slice;
  }
  static ModelRun MakeRun(std::shared_ptr<Transport> t, std::string run_id,
                          std::string dataset_id) {
    ModelRun r;
    r.transport_ = std::move(t);
    r.model_run_id_ = std::move(run_id);
    r.dataset_id_ = std::move(dataset_id);
    return r;
  }
  static Result<Model> MakeModel(std::shared_ptr<Transport> t, JsonValue value) {
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "model", &o));
    Model m;
    m.transport_ = std::move(t);
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "id", "model", &m.id_));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "name", "model", &m.name_));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "ref_id", "model", &m.reference_id_));
    JsonValue v;
    m.metadata_ = wire::Find(o, "metadata", &v) ? ToJson(v) : Json::object();
    if (wire::Find(o, "tags", &v)) {
      Json tags = ToJson(v);
      for (const Json& tag : tags.as_array()) m.tags_.push_back(tag.as_string());
    }
    if (wire::Find(o, "trained_slice_ids", &v)) {
      Json ids = ToJson(v);
      for (const Json& s : ids.as_array()) m.trained_slice_ids_.push_back(s.as_string());
    }
    return m;
  }
  static Model MakeModel(std::shared_ptr<Transport> t, std::string id, std::string name,
                         std::string reference_id, Json metadata, std::vector<std::string> tags,
                         std::vector<std::string> trained_slice_ids) {
    Model m;
    m.transport_ = std::move(t);
    m.id_ = std::move(id);
    m.name_ = std::move(name);
    m.reference_id_ = std::move(reference_id);
    m.metadata_ = std::move(metadata);
    m.tags_ = std::move(tags);
    m.trained_slice_ids_ = std::move(trained_slice_ids);
    return m;
  }
  static std::vector<std::string>& Tags(Model& m) { return m.tags_; }
  static Result<AsyncJob> MakeJob(std::shared_ptr<Transport> t, JsonValue value) {
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "job", &o));
    AsyncJob job;
    job.transport_ = std::move(t);
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "job_id", "job", &job.job_id_));
    NUCLEUS_RETURN_IF_ERROR(
        wire::GetString(o, "job_last_known_status", "job", &job.job_last_known_status_));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "job_type", "job", &job.job_type_));
    NUCLEUS_RETURN_IF_ERROR(
        wire::GetString(o, "job_creation_time", "job", &job.job_creation_time_));
    return job;
  }
  static const std::shared_ptr<Transport>& TransportOf(const Model& m) { return m.transport_; }
};

namespace {

// A parsed answer body; the simdjson tree lives as long as this object.
struct Body {
  std::unique_ptr<JsonDoc> doc = std::make_unique<JsonDoc>();
  JsonValue root() const { return doc->root(); }
};

Result<Body> ParseBody(const std::string& text, std::string_view route) {
  Body body;
  Status s = body.doc->Parse(text.empty() ? std::string_view("{}") : std::string_view(text),
                             "response of " + std::string(route));
  if (!s.ok()) return Internal(s.message());
  return body;
}

Result<Body> Call(Transport& t, std::string_view method, std::string_view route,
                  std::string_view payload) {
  NUCLEUS_ASSIGN_OR_RETURN(std::string text, t.Request(method, route, payload));
  return ParseBody(text, route);
}

Result<Json> CallJson(Transport& t, std::string_view method, std::string_view route,
                      std::string_view payload) {
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(t, method, route, payload));
  return ToJson(body.root());
}

std::string Quoted(std::string_view s) {
  std::string out;
  wire::AppendJsonString(s, &out);
  return out;
}

std::string StringArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    wire::AppendJsonString(values[i], &out);
  }
  out.push_back(']');
  return out;
}

// The Python client's accumulate_dict_values: ids are overwritten, everything else combined
// with `+` (numbers add up, lists and strings concatenate).
void Accumulate(const Json& response, Json* total) {
  for (const auto& [key, value] : response.as_object()) {
    Json& slot = (*total)[key];
    if (slot.is_null() || key == "dataset_id" || key == "model_run_id") {
      slot = value;
    } else if (slot.is_int() && value.is_int()) {
      slot = slot.as_int() + value.as_int();
    } else if (slot.is_number() && value.is_number()) {
      slot = slot.as_double() + value.as_double();
    } else if (slot.is_array() && value.is_array()) {
      for (const Json& e : value.as_array()) slot.mutable_array().push_back(e);
    } else if (slot.is_string() && value.is_string()) {
      slot = slot.as_string() + value.as_string();
    } else {
      slot = value;
    }
  }
}

class ProgressSink {
 public:
  ProgressSink(const ProgressCallback& cb, std::string stage, size_t total)
      : cb_(cb), stage_(std::move(stage)), total_(total) {}
  void Step() {
    if (!cb_) return;
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    cb_(Progress{stage_, done_, total_});
  }

 private:
  const ProgressCallback& cb_;
  std::string stage_;
  size_t total_;
  std::mutex mu_;
  size_t done_ = 0;
};

Result<std::string> SignedUpload(Transport& t, const std::string& dataset_id,
                                 const std::string& ndjson) {
  if (ndjson.size() > 536870888) {
    return PayloadTooLarge("the upload is over 536,870,888 bytes; split it");
  }
  std::string request_id = core::RandomHex(16);
  std::string route = "dataset/" + dataset_id + "/signedUrl/" + request_id;
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(t, "GET", route, {}));
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "signedUrl response", &o));
  std::string url;
  NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "signed_url", "signedUrl response", &url));
  NUCLEUS_RETURN_IF_ERROR(t.PutSignedUrl(url, ndjson));
  return request_id;
}

// Shared by annotate, predict and upload_predictions (annotations.md §3–5).
template <typename T>
Result<UploadResponse> Upload(const std::shared_ptr<Transport>& transport,
                              const std::string& route, const std::string& dataset_id,
                              const std::vector<T>& objects, const UploadOptions& options,
                              bool predictions, bool send_trained_slice_id) {
  Transport& t = *transport;
  if (options.local_files_per_upload_request > 10) {
    return InvalidArgument("local_files_per_upload_request must be <= 10");
  }
  if (options.batch_size == 0 || options.remote_files_per_upload_request == 0 ||
      options.local_files_per_upload_request == 0) {
    return InvalidArgument("batch sizes must be positive");
  }
  // Duplicate identities are rejected before anything is sent.
  if constexpr (std::is_same_v<T, Prediction>) {
    std::set<std::pair<std::optional<std::string>, std::string>> seen;
    for (const T& o : objects) {
      if (!client::HasAnnotationId(o)) continue;
      auto key = std::make_pair(client::EffectiveAnnotationId(o), client::ReferenceIdOf(o));
      if (!seen.insert(key).second) {
        return InvalidArgument(
            "Duplicate predictions with the same (annotation_id, reference_id) properties "
            "found: (" + key.first.value_or("None") + ", " + key.second +
            "). Avoid duplicate predictions, or give the failing ones a different "
            "annotation_id.");
      }
    }
  } else {
    std::set<std::tuple<std::string, std::optional<std::string>, std::optional<std::string>>>
        seen;
    for (const T& o : objects) {
      if (!client::HasAnnotationId(o)) continue;
      const std::optional<std::string>* task = client::TaskIdOf(o);
      auto key = std::make_tuple(client::ReferenceIdOf(o), client::EffectiveAnnotationId(o),
                                 task ? *task : std::nullopt);
      if (!seen.insert(key).second) {
        return InvalidArgument(
            "Duplicate annotations with the same (reference_id, annotation_id, task_id) "
            "properties found: (" + std::get<0>(key) + ", " + std::get<1>(key).value_or("None") +
            "). Avoid duplicate annotations, or give the failing ones a different "
            "annotation_id.");
      }
    }
  }
  const ProgressCallback& progress = options.progress ? options.progress : t.options().progress;
  auto append_object = [](const T& o, std::string* out) { client::AppendObjectJson(o, out); };

  UploadResponse result;
  if (options.asynchronous) {
    for (const T& o : objects) {
      if (auto* mask = client::AsSegmentation(o); mask && client::IsLocalPath(mask->mask_url)) {
        return InvalidArgument("asynchronous uploads need remote mask URLs; " + mask->mask_url +
                               " is a local path");
      }
    }
    std::string ndjson;
    ndjson.reserve(objects.size() * 256);
    for (const T& o : objects) {
      append_object(o, &ndjson);
      ndjson.push_back('\n');
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string request_id, SignedUpload(t, dataset_id, ndjson));
    std::string body = "{\"requestId\":" + Quoted(request_id) +
                       ",\"update\":" + (options.update ? "true" : "false");
    if (send_trained_slice_id) {
      body += ",\"trained_slice_id\":" +
              (options.trained_slice_id ? Quoted(*options.trained_slice_id) : "null");
    }
    body += "}";
    NUCLEUS_ASSIGN_OR_RETURN(Body answer, Call(t, "POST", route + "?async=1", body));
    NUCLEUS_ASSIGN_OR_RETURN(AsyncJob job, Access::MakeJob(transport, answer.root()));
    result.dataset_id = dataset_id;
    result.job = std::make_shared<AsyncJob>(std::move(job));
    result.raw = ToJson(answer.root());
    return result;
  }

  std::vector<const T*> local, remote_masks, others;
  for (const T& o : objects) {
    if (auto* mask = client::AsSegmentation(o)) {
      if (client::IsLocalPath(mask->mask_url)) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(mask->mask_url, ec)) {
          return NotFound("Mask file " + mask->mask_url + " does not exist.");
        }
        if (!core::EndsWith(mask->mask_url, ".png")) {
          return InvalidArgument("Only png files are supported. Got " + mask->mask_url);
        }
        local.push_back(&o);
      } else {
        remote_masks.push_back(&o);
      }
    } else {
      others.push_back(&o);
    }
  }
  std::string update = options.update ? "true" : "false";
  std::string slice;
  if (options.trained_slice_id && !options.trained_slice_id->empty()) {
    slice = ",\"trained_slice_id\":" + Quoted(*options.trained_slice_id);
  }
  std::vector<Json> responses;

  // 1. Local masks: multipart, up to 10 requests at once.
  if (!local.empty()) {
    size_t per = options.local_files_per_upload_request;
    size_t n = (local.size() + per - 1) / per;
    std::vector<Json> batch_responses(n);
    ProgressSink sink(progress, "Local segmentation mask file batches", n);
    NUCLEUS_RETURN_IF_ERROR(t.ParallelFor(n, std::min<size_t>(10, n), [&](size_t b) -> Status {
      std::vector<internal::MultipartPart> parts;
      std::string request = "{\"segmentations\":[";
      for (size_t i = b * per; i < std::min(local.size(), (b + 1) * per); ++i) {
        if (i != b * per) request.push_back(',');
        append_object(*local[i], &request);
      }
      request += "],\"update\":" + update + "}";
      parts.push_back({"serialized_request", "", "application/json", std::move(request), ""});
      for (size_t i = b * per; i < std::min(local.size(), (b + 1) * per); ++i) {
        const std::string& path = client::AsSegmentation(*local[i])->mask_url;
        parts.push_back({"mask", core::PercentEncode(path), "image/png", "", path});
      }
      NUCLEUS_ASSIGN_OR_RETURN(std::string text, t.PostMultipart(route, parts));
      NUCLEUS_ASSIGN_OR_RETURN(Body body, ParseBody(text, route));
      batch_responses[b] = ToJson(body.root());
      sink.Step();
      return Status::Ok();
    }));
    for (Json& r : batch_responses) responses.push_back(std::move(r));
  }

  // 2 and 3. Remote masks in small batches, then everything else, as JSON.
  struct Batch {
    const std::vector<const T*>* list;
    size_t begin, end;
    bool segmentations;
  };
  std::vector<Batch> batches;
  for (size_t i = 0; i < remote_masks.size(); i += options.remote_files_per_upload_request) {
    batches.push_back({&remote_masks, i,
                       std::min(remote_masks.size(), i + options.remote_files_per_upload_request),
                       true});
  }
  for (size_t i = 0; i < others.size(); i += options.batch_size) {
    batches.push_back({&others, i, std::min(others.size(), i + options.batch_size), false});
  }
  if (!batches.empty()) {
    std::vector<Json> batch_responses(batches.size());
    ProgressSink sink(progress, predictions ? "Prediction batches" : "Annotation batches",
                      batches.size());
    NUCLEUS_RETURN_IF_ERROR(t.ParallelFor(batches.size(), options.concurrency,
                                          [&](size_t b) -> Status {
      const Batch& batch = batches[b];
      std::string body;
      body.reserve((batch.end - batch.begin) * 300 + 64);
      body += "{\"update\":" + update;
      body += batch.segmentations ? ",\"segmentations\":[" : ",\"annotations\":[";
      for (size_t i = batch.begin; i < batch.end; ++i) {
        if (i != batch.begin) body.push_back(',');
        append_object(*(*batch.list)[i], &body);
      }
      body += "]" + slice + "}";
      NUCLEUS_ASSIGN_OR_RETURN(Body answer, Call(t, "POST", route, body));
      batch_responses[b] = ToJson(answer.root());
      sink.Step();
      return Status::Ok();
    }));
    for (Json& r : batch_responses) responses.push_back(std::move(r));
  }

  Json total = Json::object();
  for (const Json& r : responses) Accumulate(r, &total);
  result.raw = total;
  if (const Json* v = total.find("dataset_id")) result.dataset_id = v->as_string();
  if (result.dataset_id.empty()) result.dataset_id = dataset_id;
  if (const Json* v = total.find("model_run_id")) result.model_run_id = v->as_string();
  const char* processed = predictions ? "predictions_processed" : "annotations_processed";
  const char* ignored = predictions ? "predictions_ignored" : "annotations_ignored";
  if (const Json* v = total.find(processed)) result.processed = v->as_int();
  if (const Json* v = total.find(ignored)) result.ignored = v->as_int();
  if (const Json* v = total.find("errors")) {
    for (const Json& e : v->as_array()) {
      result.errors.push_back(e.is_string() ? e.as_string() : e.dump());
    }
  }
  return result;
}

Result<PredictionGroups> GroupsFromWrapped(const Body& body) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "predictions response", &o));
  JsonValue groups;
  // Without (or with an empty) "annotations" the Python client hands the body back unparsed:
  // there is nothing to list.
  JsonObject groups_obj;
  if (!wire::Find(o, "annotations", &groups) || groups.get(groups_obj) != simdjson::SUCCESS ||
      groups_obj.size() == 0) {
    return PredictionGroups{};
  }
  return client::ParsePredictionGroups(groups);
}

Result<ItemWithAnnotations> ItemFrom(const Body& body) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "item response", &o));
  JsonValue item, annotations;
  if (!wire::Find(o, "item", &item) || !wire::Find(o, "annotations", &annotations)) {
    return Internal("the item response lacks \"item\" or \"annotations\"");
  }
  ItemWithAnnotations out;
  NUCLEUS_ASSIGN_OR_RETURN(out.item, client::ParseItem(item));
  NUCLEUS_ASSIGN_OR_RETURN(out.annotations, client::ParseAnnotationGroups(annotations));
  return out;
}

std::string FormEncode(std::string_view s) {
  std::string out = core::PercentEncode(s);
  // quote_plus: spaces become '+'.
  std::string result;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out.compare(i, 3, "%20") == 0) {
      result.push_back('+');
      i += 2;
    } else {
      result.push_back(out[i]);
    }
  }
  return result;
}

Result<std::vector<AsyncJob>> ListJobs(const std::shared_ptr<Transport>& t,
                                       const JobListOptions& options) {
  if (options.limit > 50000) return InvalidArgument("limit must be <= 50000");
  std::string body = "{\"dataset_id\":" +
                     (options.dataset_id ? Quoted(*options.dataset_id) : "null") +
                     ",\"job_types\":" + StringArray(options.job_types) +
                     ",\"from_date\":" + (options.from_date ? Quoted(*options.from_date) : "null") +
                     ",\"to_date\":" + (options.to_date ? Quoted(*options.to_date) : "null") +
                     ",\"limit\":" + std::to_string(options.limit) +
                     ",\"show_completed\":" + (options.show_completed ? "true" : "false") + "}";
  NUCLEUS_ASSIGN_OR_RETURN(Body answer, Call(*t, "POST", "jobs/", body));
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(answer.root(), "jobs response", &arr));
  std::vector<AsyncJob> jobs;
  for (JsonValue e : arr) {
    NUCLEUS_ASSIGN_OR_RETURN(AsyncJob job, Access::MakeJob(t, e));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace
}  // namespace internal

using internal::Access;
using internal::Body;
using internal::Call;
using internal::CallJson;
using internal::EscapeRaw;
using internal::JsonArray;
using internal::JsonObject;
using internal::JsonValue;
using internal::Quoted;

// ----------------------------------------------------------------------------------- AsyncJob

Result<Json> AsyncJob::status() {
  NUCLEUS_ASSIGN_OR_RETURN(Json status, CallJson(*transport_, "GET", "job/" + job_id_, {}));
  const Json* s = status.find("status");
  if (s == nullptr || !s->is_string()) {
    return Internal("job " + job_id_ + ": the status answer lacks \"status\"");
  }
  job_last_known_status_ = s->as_string();
  return status;
}

Result<std::vector<std::string>> AsyncJob::errors() {
  NUCLEUS_ASSIGN_OR_RETURN(Json errors,
                           CallJson(*transport_, "GET", "job/" + job_id_ + "/errors", {}));
  if (!errors.is_array()) return Internal("job " + job_id_ + ": errors must be a JSON array");
  std::vector<std::string> out;
  for (const Json& e : errors.as_array()) {
    std::string s = e.is_string() ? e.as_string() : e.dump();
    for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"\\\\n", "\n"},
                            {"\\\\t", "\t"},
                            {"\\\\\"", "\""}}) {
      size_t pos = 0;
      while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<Json> AsyncJob::sleep_until_complete(bool verbose_std_out) {
  auto start = std::chrono::steady_clock::now();
  while (true) {
    NUCLEUS_ASSIGN_OR_RETURN(Json s, status());
    if (verbose_std_out) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("Status at %.1f s: %s\n", secs, s.dump().c_str());
    }
    const std::string& state = job_last_known_status_;
    if (state == "Running") {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(transport_->options().job_poll_interval_ms));
      continue;
    }
    if (core::StartsWith(state, "Errored")) {
      const Json* message = s.find("message");
      return Status(StatusCode::kInternal,
                    "The job reported a final status of " + state +
                        ". The final status message was: " +
                        (message ? (message->is_string() ? message->as_string() : message->dump())
                                 : std::string("null")) +
                        ". Call errors() on job " + job_id_ + " for details.");
    }
    return s;
  }
}

// ----------------------------------------------------------------------------------- ModelRun

Result<Json> ModelRun::info() {
  return CallJson(*transport_, "GET", "modelRun/" + model_run_id_ + "/info", {});
}

Result<Json> ModelRun::commit(const CommitOptions& payload) {
  std::string body;
  client::AppendCommit(payload, &body);
  return CallJson(*transport_, "POST", "modelRun/" + model_run_id_ + "/commit", body);
}

Result<UploadResponse> ModelRun::predict(const std::vector<Prediction>& predictions,
                                         const PredictOptions& options) {
  return internal::Upload(transport_, "modelRun/" + model_run_id_ + "/predict", dataset_id_,
                          predictions, options, /*predictions=*/true,
                          /*send_trained_slice_id=*/false);
}

Result<PredictionGroups> ModelRun::iloc(int64_t i) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body,
      Call(*transport_, "GET", "modelRun/" + model_run_id_ + "/iloc/" + std::to_string(i), {}));
  return internal::GroupsFromWrapped(body);
}

Result<PredictionGroups> ModelRun::loc(const std::string& dataset_item_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body,
      Call(*transport_, "GET", "modelRun/" + model_run_id_ + "/loc/" + EscapeRaw(dataset_item_id),
           {}));
  return internal::GroupsFromWrapped(body);
}

Result<PredictionGroups> ModelRun::refloc(const std::string& reference_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "modelRun/" + model_run_id_ + "/refloc/" + EscapeRaw(reference_id), "{}"));
  return internal::GroupsFromWrapped(body);
}

Result<Prediction> ModelRun::prediction_loc(const std::string& reference_id,
                                            const std::string& annotation_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "modelRun/" + model_run_id_ + "/prediction/loc/" + EscapeRaw(reference_id) +
                          "/" + EscapeRaw(annotation_id),
                      {}));
  return client::ParsePrediction(body.root());
}

Result<PredictionGroups> ModelRun::ungrouped_export() {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET", "modelRun/" + model_run_id_ + "/ungrouped", {}));
  return client::ParsePredictionGroups(body.root());
}

// -------------------------------------------------------------------------------------- Model

namespace {
// POST dataset/{id}/modelRun/create (Model::create_run, NucleusClient::create_model_run).
// Internal when the answer reports a failure (a truthy status_code) or names no model_run_id.
Result<ModelRun> CreateModelRun(const std::shared_ptr<internal::Transport>& transport,
                                const std::string& dataset_id, const std::string& body) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      CallJson(*transport, "POST", "dataset/" + dataset_id + "/modelRun/create", body));
  if (const Json* code = answer.find("status_code");
      code && !(code->is_null() || (code->is_bool() && !code->as_bool()) ||
                (code->is_number() && code->as_double() == 0))) {
    const Json* error = answer.find("error");
    return Internal("model run creation failed: " + (error ? error->dump() : answer.dump()));
  }
  const Json* run_id = answer.find("model_run_id");
  if (run_id == nullptr || !run_id->is_string()) {
    return Internal("model run creation answered without model_run_id: " + answer.dump());
  }
  return Access::MakeRun(transport, run_id->as_string(), dataset_id);
}
}  // namespace

Result<ModelRun> Model::create_run(const std::string& name, const Dataset& dataset,
                                   const std::vector<Prediction>& predictions,
                                   const Json& metadata, bool asynchronous) {
  Json payload = Json::object({{"name", name}, {"reference_id", reference_id_}});
  if (!metadata.empty()) payload["metadata"] = metadata;
  NUCLEUS_ASSIGN_OR_RETURN(ModelRun run, CreateModelRun(transport_, dataset.id(), payload.dump()));
  if (!predictions.empty()) {
    PredictOptions options;
    options.asynchronous = asynchronous;
    NUCLEUS_ASSIGN_OR_RETURN(UploadResponse uploaded, run.predict(predictions, options));
    if (uploaded.job) NUCLEUS_RETURN_IF_ERROR(uploaded.job->sleep_until_complete().status());
  }
  return run;
}

Result<Json> Model::add_tags(const std::vector<std::string>& tags) {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer,
                           CallJson(*transport_, "POST", "model/" + id_ + "/tag",
                                    "{\"tags\":" + internal::StringArray(tags) + "}"));
  for (const std::string& tag : tags) {
    if (std::find(tags_.begin(), tags_.end(), tag) == tags_.end()) tags_.push_back(tag);
  }
  return answer;
}

Result<Json> Model::remove_tags(const std::vector<std::string>& tags) {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer,
                           CallJson(*transport_, "DELETE", "model/" + id_ + "/tag",
                                    "{\"tags\":" + internal::StringArray(tags) + "}"));
  std::erase_if(tags_, [&](const std::string& t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
  });
  return answer;
}

// ------------------------------------------------------------------------------------ Dataset

namespace {
Result<bool> BoolField(internal::Transport& t, const std::string& route, const char* key) {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer, CallJson(t, "GET", route, {}));
  const Json* v = answer.find(key);
  if (v == nullptr || !v->is_bool()) {
    return Internal(route + " answered without a boolean \"" + key + "\"");
  }
  return v->as_bool();
}
std::vector<std::string> Strings(const Json* v) {
  std::vector<std::string> out;
  if (v == nullptr) return out;
  for (const Json& e : v->as_array()) out.push_back(e.as_string());
  return out;
}
}  // namespace

Result<std::string> Dataset::name() {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer, CallJson(*transport_, "GET", "dataset/" + id_ + "/name", {}));
  const Json* v = answer.find("name");
  if (v == nullptr || !v->is_string()) return Internal("dataset name answer lacks \"name\"");
  return v->as_string();
}

Result<bool> Dataset::is_scene() {
  return BoolField(*transport_, "dataset/" + id_ + "/is_scene", "is_scene");
}

Result<bool> Dataset::use_privacy_mode() {
  return BoolField(*transport_, "dataset/" + id_ + "/use_privacy_mode", "use_privacy_mode");
}

Result<DatasetInfo> Dataset::info() {
  NUCLEUS_ASSIGN_OR_RETURN(Json a, CallJson(*transport_, "GET", "dataset/" + id_ + "/info", {}));
  DatasetInfo info;
  for (const char* key : {"dataset_id", "name", "length", "model_run_ids", "slice_ids"}) {
    if (!a.contains(key)) return Internal(std::string("dataset info lacks \"") + key + "\"");
  }
  info.dataset_id = a.find("dataset_id")->as_string();
  info.name = a.find("name")->as_string();
  info.length = a.find("length")->as_int();
  info.model_run_ids = Strings(a.find("model_run_ids"));
  info.slice_ids = Strings(a.find("slice_ids"));
  if (const Json* v = a.find("annotation_metadata_schema")) info.annotation_metadata_schema = *v;
  if (const Json* v = a.find("item_metadata_schema")) info.item_metadata_schema = *v;
  info.tags = Strings(a.find("tags"));
  return info;
}

Result<int64_t> Dataset::size() {
  NUCLEUS_ASSIGN_OR_RETURN(Json a, CallJson(*transport_, "GET", "dataset/" + id_ + "/size", {}));
  const Json* v = a.find("count");
  if (v == nullptr || !v->is_number()) return Internal("dataset size answer lacks \"count\"");
  return v->as_int();
}

Result<std::vector<std::string>> Dataset::model_runs() {
  NUCLEUS_ASSIGN_OR_RETURN(Json a,
                           CallJson(*transport_, "GET", "dataset/" + id_ + "/model_runs", {}));
  if (!a.is_array()) return Internal("model_runs must be a JSON array");
  return Strings(&a);
}

Result<std::vector<DatasetItem>> Dataset::items() {
  NUCLEUS_ASSIGN_OR_RETURN(Body body,
                           Call(*transport_, "GET", "dataset/" + id_ + "/datasetItems", {}));
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "datasetItems response", &o));
  std::vector<DatasetItem> items;
  JsonValue list;
  JsonArray arr;
  if (wire::Find(o, "dataset_items", &list) && list.get(arr) == simdjson::SUCCESS) {
    for (JsonValue e : arr) {
      NUCLEUS_ASSIGN_OR_RETURN(DatasetItem item, client::ParseItem(e));
      items.push_back(std::move(item));
    }
  }
  return items;
}

Result<AppendResponse> Dataset::append(const std::vector<DatasetItem>& items,
                                       const AppendOptions& options) {
  internal::Transport& t = *transport_;
  if (options.batch_size == 0 || options.batch_size >= 30) {
    return InvalidArgument("Please specify a batch size smaller than 30 to avoid timeouts.");
  }
  if (options.local_files_per_upload_request == 0 || options.local_files_per_upload_request > 10) {
    return InvalidArgument("local_files_per_upload_request should be <= 10");
  }
  std::set<std::string> refs;
  for (const DatasetItem& item : items) {
    if (item.reference_id.empty()) return InvalidArgument("every item needs a reference_id");
    if (!refs.insert(item.reference_id).second) {
      return InvalidArgument("Duplicate reference IDs found among dataset items: " +
                             item.reference_id);
    }
  }
  AppendResponse result;
  result.dataset_id = id_;
  const ProgressCallback& progress = options.progress ? options.progress : t.options().progress;
  std::string update = options.update ? "true" : "false";

  if (options.asynchronous) {
    std::string ndjson;
    for (const DatasetItem& item : items) {
      if (item.is_local()) {
        return InvalidArgument("asynchronous appends need remote URLs; " + item.image_location +
                               " is a local path");
      }
      client::AppendItem(item, std::nullopt, &ndjson);
      ndjson.push_back('\n');
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::string request_id, internal::SignedUpload(t, id_, ndjson));
    NUCLEUS_ASSIGN_OR_RETURN(
        Body answer, Call(t, "POST", "dataset/" + id_ + "/append?async=1",
                          "{\"requestId\":" + Quoted(request_id) + ",\"update\":" + update + "}"));
    NUCLEUS_ASSIGN_OR_RETURN(AsyncJob job, Access::MakeJob(transport_, answer.root()));
    result.job = std::make_shared<AsyncJob>(std::move(job));
    return result;
  }

  std::vector<const DatasetItem*> local, remote;
  for (const DatasetItem& item : items) {
    if (item.is_local()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(item.image_location, ec)) {
        return NotFound("local file " + item.image_location + " does not exist");
      }
      local.push_back(&item);
    } else {
      remote.push_back(&item);
    }
  }
  std::vector<Json> responses;
  std::string route = "dataset/" + id_ + "/append";
  if (!local.empty()) {
    size_t per = options.local_files_per_upload_request;
    size_t n = (local.size() + per - 1) / per;
    std::vector<Json> batch(n);
    internal::ProgressSink sink(progress, "Local file batches", n);
    NUCLEUS_RETURN_IF_ERROR(t.ParallelFor(n, std::min<size_t>(10, n), [&](size_t b) -> Status {
      std::string array = "[";
      std::vector<internal::MultipartPart> parts;
      for (size_t i = b * per; i < std::min(local.size(), (b + 1) * per); ++i) {
        if (i != b * per) array.push_back(',');
        client::AppendItem(*local[i], options.update, &array);
      }
      array.push_back(']');
      parts.push_back({"items", "", "application/json", std::move(array), ""});
      for (size_t i = b * per; i < std::min(local.size(), (b + 1) * per); ++i) {
        const std::string& path = local[i]->image_location;
        std::string ext = path.substr(path.rfind('.') == std::string::npos ? path.size()
                                                                            : path.rfind('.') + 1);
        parts.push_back({"image", core::PercentEncode(path), "image/" + ext, "", path});
      }
      NUCLEUS_ASSIGN_OR_RETURN(std::string text, t.PostMultipart(route, parts));
      NUCLEUS_ASSIGN_OR_RETURN(Body body, internal::ParseBody(text, route));
      batch[b] = internal::ToJson(body.root());
      sink.Step();
      return Status::Ok();
    }));
    for (Json& r : batch) responses.push_back(std::move(r));
  }
  if (!remote.empty()) {
    size_t per = options.batch_size;
    size_t n = (remote.size() + per - 1) / per;
    std::vector<Json> batch(n);
    internal::ProgressSink sink(progress, "Remote file batches", n);
    NUCLEUS_RETURN_IF_ERROR(t.ParallelFor(n, options.concurrency ? options.concurrency : 1,
                                          [&](size_t b) -> Status {
      std::string body = "{\"items\":[";
      for (size_t i = b * per; i < std::min(remote.size(), (b + 1) * per); ++i) {
        if (i != b * per) body.push_back(',');
        client::AppendItem(*remote[i], std::nullopt, &body);
      }
      body += "],\"update\":" + update + "}";
      NUCLEUS_ASSIGN_OR_RETURN(Json answer, CallJson(t, "POST", route, body));
      batch[b] = std::move(answer);
      sink.Step();
      return Status::Ok();
    }));
    for (Json& r : batch) responses.push_back(std::move(r));
  }
  for (const Json& r : responses) {
    const Json* ds = r.find("dataset_id");
    if (ds == nullptr || ds->as_string() != id_) {
      return Internal("append answered for another dataset: " + r.dump());
    }
    if (const Json* v = r.find("new_items")) result.new_items += v->as_int();
    if (const Json* v = r.find("updated_items")) result.updated_items += v->as_int();
    if (const Json* v = r.find("ignored_items")) result.ignored_items += v->as_int();
    if (const Json* v = r.find("upload_errors")) result.upload_errors += v->as_int();
    if (const Json* v = r.find("error_payload")) {
      for (const Json& e : v->as_array()) result.error_payload.push_back(e);
    }
  }
  return result;
}

Result<UploadResponse> Dataset::annotate(const std::vector<Annotation>& annotations,
                                         const AnnotateOptions& options) {
  return internal::Upload(transport_, "dataset/" + id_ + "/annotate", id_, annotations, options,
                          /*predictions=*/false, /*send_trained_slice_id=*/false);
}

Result<UploadResponse> Dataset::upload_predictions(const Model& model,
                                                   const std::vector<Prediction>& predictions,
                                                   const UploadOptions& options) {
  return internal::Upload(transport_, "dataset/" + id_ + "/model/" + model.id() +
                                          "/uploadPredictions",
                          id_, predictions, options, /*predictions=*/true,
                          /*send_trained_slice_id=*/true);
}

Result<ItemWithAnnotations> Dataset::iloc(int64_t i) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET", "dataset/" + id_ + "/iloc/" + std::to_string(i), {}));
  return internal::ItemFrom(body);
}

Result<ItemWithAnnotations> Dataset::refloc(const std::string& reference_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "dataset/" + id_ + "/refloc/" + core::PercentEncode(reference_id), {}));
  return internal::ItemFrom(body);
}

Result<ItemWithAnnotations> Dataset::loc(const std::string& dataset_item_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body,
      Call(*transport_, "GET", "dataset/" + id_ + "/loc/" + EscapeRaw(dataset_item_id), {}));
  return internal::ItemFrom(body);
}

Result<Annotation> Dataset::ground_truth_loc(const std::string& reference_id,
                                             const std::string& annotation_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "dataset/" + id_ + "/groundTruth/loc/" + EscapeRaw(reference_id) + "/" +
                          EscapeRaw(annotation_id),
                      {}));
  return client::ParseAnnotation(body.root());
}

Result<Json> Dataset::delete_item(const std::string& reference_id) {
  return CallJson(*transport_, "DELETE",
                  "dataset/" + id_ + "/refloc/" + core::PercentEncode(reference_id), "{}");
}

Result<PredictionGroups> Dataset::predictions_iloc(const Model& model, int64_t i) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "dataset/" + id_ + "/model/" + model.id() + "/iloc/" + std::to_string(i),
                      {}));
  return internal::GroupsFromWrapped(body);
}

Result<PredictionGroups> Dataset::predictions_refloc(const Model& model,
                                                     const std::string& reference_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "dataset/" + id_ + "/model/" + model.id() + "/referenceId/" +
                          EscapeRaw(reference_id),
                      {}));
  return internal::GroupsFromWrapped(body);
}

Result<Prediction> Dataset::prediction_loc(const Model& model, const std::string& reference_id,
                                           const std::string& annotation_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "dataset/" + id_ + "/model/" + model.id() + "/loc/" +
                          EscapeRaw(reference_id) + "/" + EscapeRaw(annotation_id),
                      {}));
  return client::ParsePrediction(body.root());
}

Result<PredictionGroups> Dataset::export_predictions(const Model& model) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body,
      Call(*transport_, "GET", "dataset/" + id_ + "/model/" + model.id() + "/export", {}));
  return client::ParsePredictionGroups(body.root());
}

Result<Json> Dataset::calculate_evaluation_metrics(const Model& model,
                                                   const CommitOptions& options) {
  std::string body;
  client::AppendCommit(options, &body);
  return CallJson(*transport_, "POST",
                  "dataset/" + id_ + "/model/" + model.id() + "/calculateEvaluationMetrics", body);
}

Result<ModelRun> Dataset::create_model_run(const std::string& name,
                                           const std::optional<std::string>& reference_id,
                                           const Json& metadata) {
  Json payload = Json::object({{"name", name},
                               {"reference_id", reference_id ? Json(*reference_id) : Json()},
                               {"metadata", metadata.is_null() ? Json::object() : metadata},
                               {"annotation_metadata_schema", Json()}});
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      CallJson(*transport_, "POST", "dataset/" + id_ + "/modelRun/create", payload.dump()));
  const Json* run_id = answer.find("model_run_id");
  if (run_id == nullptr || !run_id->is_string()) {
    const Json* error = answer.find("error");
    return Internal("model run creation failed: " + (error ? error->dump() : answer.dump()));
  }
  return Access::MakeRun(transport_, run_id->as_string(), id_);
}

Result<Json> Dataset::add_taxonomy(const std::string& taxonomy_name,
                                   const std::string& taxonomy_type,
                                   const std::vector<std::string>& labels, bool update) {
  std::string body = "{\"taxonomy_name\":" + Quoted(taxonomy_name) +
                     ",\"type\":" + Quoted(taxonomy_type) +
                     ",\"labels\":" + internal::StringArray(labels) +
                     ",\"update\":" + (update ? "true" : "false") + "}";
  return CallJson(*transport_, "POST", "dataset/" + id_ + "/add_taxonomy", body);
}

Result<std::vector<EvaluationMatch>> Dataset::query_objects(const std::string& query,
                                                            const std::string& patch_mode,
                                                            const std::string& model_run_id) {
  std::vector<EvaluationMatch> out;
  std::optional<std::string> token;
  do {
    std::string body = "{\"pageToken\":" + (token ? Quoted(*token) : "null") +
                       ",\"pageSize\":10000,\"query\":" + Quoted(query) +
                       ",\"patch_mode\":" + Quoted(patch_mode) +
                       ",\"model_run_id\":" + Quoted(model_run_id) + "}";
    NUCLEUS_ASSIGN_OR_RETURN(
        Body answer, Call(*transport_, "POST", "dataset/" + id_ + "/queryObjectsPage", body));
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(answer.root(), "queryObjectsPage response", &o));
    JsonArray items;
    NUCLEUS_RETURN_IF_ERROR(wire::GetArray(o, "items", "queryObjectsPage response", &items));
    for (JsonValue e : items) {
      NUCLEUS_ASSIGN_OR_RETURN(EvaluationMatch m, client::ParseEvaluationMatch(e));
      out.push_back(std::move(m));
    }
    token.reset();
    std::optional<std::string> next;
    NUCLEUS_RETURN_IF_ERROR(wire::OptString(o, "nextPageToken", "page", &next));
    if (next && !next->empty()) token = next;
  } while (token);
  return out;
}

Result<std::vector<AsyncJob>> Dataset::jobs(JobListOptions options) {
  options.dataset_id = id_;
  return internal::ListJobs(transport_, options);
}

// ------------------------------------------------------------------------------ NucleusClient

NucleusClient::NucleusClient(std::string api_key, std::string endpoint)
    : NucleusClient(ClientOptions{.api_key = std::move(api_key), .endpoint = std::move(endpoint)}) {}

NucleusClient::NucleusClient(ClientOptions options)
    : transport_(std::make_shared<internal::Transport>(std::move(options))) {}

const std::string& NucleusClient::endpoint() const { return transport_->endpoint(); }

Result<std::vector<DatasetSummary>> NucleusClient::datasets() {
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(*transport_, "GET", "dataset/details", {}));
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(body.root(), "dataset/details response", &arr));
  std::vector<DatasetSummary> out;
  for (JsonValue e : arr) {
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(e, "dataset", &o));
    DatasetSummary d;
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "id", "dataset", &d.id));
    NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "name", "dataset", &d.name));
    JsonValue pub;
    if (!wire::Find(o, "is_public", &pub) || pub.get(d.is_public) != simdjson::SUCCESS) {
      return Internal("dataset " + d.id + ": \"is_public\" must be a boolean");
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<Dataset> NucleusClient::create_dataset(const std::string& name,
                                              const CreateDatasetOptions& options) {
  std::string body = "{\"name\":" + Quoted(name) +
                     ",\"is_scene\":" + (options.is_scene ? "true" : "false") +
                     ",\"use_privacy_mode\":" + (options.use_privacy_mode ? "true" : "false") +
                     ",\"annotation_metadata_schema\":" +
                     (options.annotation_metadata_schema ? options.annotation_metadata_schema->dump()
                                                         : "null") +
                     ",\"item_metadata_schema\":" +
                     (options.item_metadata_schema ? options.item_metadata_schema->dump() : "null") +
                     "}";
  NUCLEUS_ASSIGN_OR_RETURN(Json answer, CallJson(*transport_, "POST", "dataset/create", body));
  const Json* id = answer.find("dataset_id");
  if (id == nullptr || !id->is_string()) {
    return Internal("dataset/create answered without dataset_id: " + answer.dump());
  }
  return Access::MakeDataset(transport_, id->as_string());
}

Dataset NucleusClient::get_dataset(const std::string& dataset_id) {
  return Access::MakeDataset(transport_, dataset_id);
}

Result<Json> NucleusClient::delete_dataset(const std::string& dataset_id) {
  return CallJson(*transport_, "DELETE", "dataset/" + dataset_id, "{}");
}

Result<std::vector<Model>> NucleusClient::models() {
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(*transport_, "GET", "models/", {}));
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "models response", &o));
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::GetArray(o, "models", "models response", &arr));
  std::vector<Model> out;
  for (JsonValue e : arr) {
    NUCLEUS_ASSIGN_OR_RETURN(Model m, Access::MakeModel(transport_, e));
    out.push_back(std::move(m));
  }
  return out;
}

Result<Model> NucleusClient::create_model(const std::string& name,
                                          const std::string& reference_id,
                                          const CreateModelOptions& options) {
  Json payload = Json::object({{"name", name},
                               {"reference_id", reference_id},
                               {"metadata", options.metadata.empty() ? Json::object()
                                                                     : options.metadata}});
  if (!options.trained_slice_ids.empty()) {
    Json::Array ids(options.trained_slice_ids.begin(), options.trained_slice_ids.end());
    payload["trained_slice_ids"] = Json(std::move(ids));
  }
  if (options.bundle_name) payload["bundle_name"] = *options.bundle_name;
  if (!options.tags.empty()) {
    payload["tags"] = Json(Json::Array(options.tags.begin(), options.tags.end()));
  }
  NUCLEUS_ASSIGN_OR_RETURN(Json answer,
                           CallJson(*transport_, "POST", "models/add", payload.dump()));
  const Json* id = answer.find("model_id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    const Json* error = answer.find("error");
    return Internal("model creation failed: " + (error ? error->dump() : answer.dump()));
  }
  return Access::MakeModel(transport_, id->as_string(), name, reference_id, options.metadata,
                           options.tags, options.trained_slice_ids);
}

Result<Model> NucleusClient::get_model(const std::string& model_or_model_run_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET", "model/" + EscapeRaw(model_or_model_run_id), {}));
  return Access::MakeModel(transport_, body.root());
}

Result<Json> NucleusClient::delete_model(const std::string& model_id) {
  return CallJson(*transport_, "DELETE", "model/" + EscapeRaw(model_id), "{}");
}

ModelRun NucleusClient::get_model_run(const std::string& model_run_id,
                                      const std::string& dataset_id) {
  return Access::MakeRun(transport_, model_run_id, dataset_id);
}

Result<ModelRun> NucleusClient::create_model_run(const std::string& dataset_id,
                                                 const Json& payload) {
  return CreateModelRun(transport_, dataset_id, payload.dump());
}

Result<Json> NucleusClient::delete_model_run(const std::string& model_run_id) {
  return CallJson(*transport_, "DELETE", "modelRun/" + EscapeRaw(model_run_id), "{}");
}

Result<AsyncJob> NucleusClient::get_job(const std::string& job_id) {
  NUCLEUS_ASSIGN_OR_RETURN(Body body,
                           Call(*transport_, "GET", "job/" + EscapeRaw(job_id) + "/info", {}));
  return Access::MakeJob(transport_, body.root());
}

Result<std::vector<AsyncJob>> NucleusClient::list_jobs(const JobListOptions& options) {
  return internal::ListJobs(transport_, options);
}

Result<EvaluationV2> NucleusClient::create_evaluation_v2(const std::string& model_run_id,
                                                         const EvaluationV2Create& request) {
  std::string body = "{";
  if (request.name) body += "\"name\":" + Quoted(*request.name) + ",";
  if (request.allowed_label_matches) {
    body += "\"allowed_label_matches\":";
    client::AppendAllowedMatches(*request.allowed_label_matches, &body);
    body += ",";
  }
  if (request.allowed_label_matches_id) {
    body += "\"allowed_label_matches_id\":" + Quoted(*request.allowed_label_matches_id) + ",";
  }
  if (body.back() == ',') body.pop_back();
  body += "}";
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer,
      CallJson(*transport_, "POST", "modelRun/" + EscapeRaw(model_run_id) + "/evaluationsV2",
               body));
  const Json* id = answer.find("evaluation_id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return Internal("evaluation creation answered without evaluation_id: " + answer.dump());
  }
  return get_evaluation_v2(id->as_string());
}

Result<EvaluationV2> NucleusClient::get_evaluation_v2(const std::string& evaluation_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET", "evaluationsV2/" + EscapeRaw(evaluation_id), "{}"));
  return client::ParseEvaluationV2(body.root());
}

Result<std::vector<EvaluationV2>> NucleusClient::list_evaluations_v2(
    const std::string& model_run_id) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET",
                      "modelRun/" + EscapeRaw(model_run_id) + "/evaluationsV2", "{}"));
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(body.root(), "evaluationsV2 list", &arr));
  std::vector<EvaluationV2> out;
  for (JsonValue e : arr) {
    NUCLEUS_ASSIGN_OR_RETURN(EvaluationV2 ev, client::ParseEvaluationV2(e));
    out.push_back(std::move(ev));
  }
  return out;
}

Status NucleusClient::delete_evaluation_v2(const std::string& evaluation_id) {
  return transport_->Request("DELETE", "evaluationsV2/" + EscapeRaw(evaluation_id), "{}").status();
}

Result<EvaluationCharts> NucleusClient::evaluation_v2_charts(const std::string& evaluation_id,
                                                             const ChartsRequest& request) {
  std::string threshold;
  wire::AppendJsonDouble(request.iou_threshold, &threshold);
  if (threshold.find_first_of(".eE") == std::string::npos) threshold += ".0";
  std::string route =
      "evaluationsV2/" + EscapeRaw(evaluation_id) + "/charts?iouThreshold=" + threshold;
  if (request.filters) route += "&filters=" + internal::FormEncode(request.filters->dump());
  if (!request.query.empty()) route += "&query=" + internal::FormEncode(request.query);
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(*transport_, "GET", route, "{}"));
  return client::ParseCharts(body.root());
}

Result<EvaluationExamples> NucleusClient::evaluation_v2_examples(
    const std::string& evaluation_id, const ExamplesRequest& request) {
  Json payload = Json::object();
  if (request.match_type) payload["match_type"] = *request.match_type;
  if (request.limit) payload["limit"] = *request.limit;
  if (request.offset) payload["offset"] = *request.offset;
  if (request.sort_by) payload["sort_by"] = *request.sort_by;
  if (request.sort_order) payload["sort_order"] = *request.sort_order;
  if (request.filters) payload["filters"] = *request.filters;
  if (request.query) payload["query"] = *request.query;
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "POST", "evaluationsV2/" + EscapeRaw(evaluation_id) +
                                               "/examples",
                      payload.dump()));
  return client::ParseExamples(body.root());
}

Result<Json> NucleusClient::make_request(const std::string& method, const std::string& route,
                                         const Json& payload) {
  std::string body = method == "GET" ? std::string() : payload.dump();
  return CallJson(*transport_, method, route, body);
}

// ----------------------------------------------------------------------------------- slices

namespace {

Result<SliceInfo> ParseSliceInfo(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "slice", &o));
  SliceInfo info;
  NUCLEUS_RETURN_IF_ERROR(wire::GetString(o, "id", "slice", &info.id));
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(o, "name", "slice", &info.name));
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(o, "dataset_id", "slice", &info.dataset_id));
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(o, "type", "slice", &info.type));
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(o, "created_at", "slice", &info.created_at));
  NUCLEUS_RETURN_IF_ERROR(
      wire::OptInt(o, "pending_job_count", "slice", &info.pending_job_count));
  return info;
}

Result<std::vector<Slice>> SliceList(const std::shared_ptr<internal::Transport>& t,
                                     const std::string& route) {
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(*t, "GET", route, {}));
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(body.root(), "slice list", &arr));
  std::vector<Slice> out;
  for (JsonValue e : arr) {
    NUCLEUS_ASSIGN_OR_RETURN(SliceInfo info, ParseSliceInfo(e));
    std::string id = info.id;
    out.push_back(Access::MakeSlice(t, std::move(id), std::move(info)));
  }
  return out;
}

// The item JSON of each element of `list` (an array of items).
Result<std::vector<DatasetItem>> ItemsOf(JsonValue list, std::string_view what) {
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(list, what, &arr));
  std::vector<DatasetItem> items;
  for (JsonValue e : arr) {
    NUCLEUS_ASSIGN_OR_RETURN(DatasetItem item, client::ParseItem(e));
    items.push_back(std::move(item));
  }
  return items;
}

// An export row {"item", "box": [...], ..., "segmentation": ... | null} as the item and the
// text of its object groups (every key but "item", nulls left out). A prediction row's
// "multicategory" is left out too: the Python client reads it as ground truth, and predictions
// have no such group.
Result<DatasetItem> SplitExportRow(JsonValue row, bool predictions, std::string* groups) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(row, "export row", &o));
  JsonValue item;
  if (!wire::Find(o, "item", &item)) return Internal("an export row lacks \"item\"");
  groups->assign("{");
  for (auto field : o) {
    std::string_view key = field.key;
    if (key == "item" || field.value.is_null()) continue;
    if (predictions && key == "multicategory") continue;
    if (groups->size() > 1) groups->push_back(',');
    wire::AppendJsonString(key, groups);
    groups->push_back(':');
    groups->append(wire::Minify(field.value));
  }
  groups->push_back('}');
  return client::ParseItem(item);
}

// Every row of {"exportedRows": [...]}, parsed by `parse` (its groups' JSON text).
template <typename Row, typename ParseGroups>
Result<std::vector<Row>> ExportRows(const Body& body, bool predictions, const ParseGroups& parse) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "export response", &o));
  JsonValue rows;
  JsonArray arr;
  if (!wire::Find(o, "exportedRows", &rows)) return Internal("no \"exportedRows\" in the export");
  NUCLEUS_RETURN_IF_ERROR(wire::AsArray(rows, "exportedRows", &arr));
  std::vector<Row> out;
  for (JsonValue e : arr) {
    std::string groups;
    Row row;
    NUCLEUS_ASSIGN_OR_RETURN(row.item, SplitExportRow(e, predictions, &groups));
    wire::JsonDoc doc;
    NUCLEUS_RETURN_IF_ERROR(doc.Parse(groups, "export row"));
    NUCLEUS_RETURN_IF_ERROR(parse(doc.root(), &row));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Result<SliceInfo> Slice::info() {
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(*transport_, "GET", "slice/" + id_ + "/info", {}));
  NUCLEUS_ASSIGN_OR_RETURN(SliceInfo info, ParseSliceInfo(body.root()));
  info_ = info;
  return info;
}

Result<const SliceInfo*> Slice::Cached() {
  if (!info_) NUCLEUS_RETURN_IF_ERROR(info().status());
  return &*info_;
}

Result<std::string> Slice::name() {
  NUCLEUS_ASSIGN_OR_RETURN(const SliceInfo* info, Cached());
  return info->name;
}

Result<std::string> Slice::dataset_id() {
  NUCLEUS_ASSIGN_OR_RETURN(const SliceInfo* info, Cached());
  return info->dataset_id;
}

Result<std::string> Slice::type() {
  NUCLEUS_ASSIGN_OR_RETURN(const SliceInfo* info, Cached());
  return info->type;
}

Result<std::vector<DatasetItem>> Slice::items() {
  NUCLEUS_ASSIGN_OR_RETURN(Body body, Call(*transport_, "GET", "slice/" + id_, {}));
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "slice response", &o));
  JsonValue list;
  if (!wire::Find(o, "items", &list)) return std::vector<DatasetItem>();
  return ItemsOf(list, "slice items");
}

Result<std::vector<DatasetItem>> Slice::items_generator(int64_t page_size) {
  std::vector<DatasetItem> out;
  std::string token;
  while (true) {
    std::string payload = "{\"pageToken\":" + (token.empty() ? std::string("null") : Quoted(token));
    payload += ",\"pageSize\":" + std::to_string(page_size) + "}";
    NUCLEUS_ASSIGN_OR_RETURN(Body body,
                             Call(*transport_, "POST", "slice/" + id_ + "/itemsPage", payload));
    JsonObject o;
    NUCLEUS_RETURN_IF_ERROR(wire::AsObject(body.root(), "itemsPage response", &o));
    JsonValue list;
    if (wire::Find(o, "items", &list)) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<DatasetItem> page, ItemsOf(list, "itemsPage items"));
      for (DatasetItem& item : page) out.push_back(std::move(item));
    }
    std::optional<std::string> next;
    NUCLEUS_RETURN_IF_ERROR(wire::OptString(o, "nextPageToken", "itemsPage response", &next));
    if (!next || next->empty()) return out;
    token = *next;
  }
}

Result<Json> Slice::append(const std::vector<std::string>& reference_ids) {
  NUCLEUS_ASSIGN_OR_RETURN(std::string dataset, dataset_id());
  std::string payload = "{\"reference_ids\":" + internal::StringArray(reference_ids);
  payload += ",\"dataset_id\":" + Quoted(dataset) + "}";
  return CallJson(*transport_, "POST", "slice/" + id_ + "/append", payload);
}

Result<std::vector<ItemWithAnnotations>> Slice::items_and_annotations() {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body, Call(*transport_, "GET", "slice/" + id_ + "/exportForTraining", {}));
  return ExportRows<ItemWithAnnotations>(body, false, [](JsonValue groups, ItemWithAnnotations* row) {
    NUCLEUS_ASSIGN_OR_RETURN(row->annotations, client::ParseAnnotationGroups(groups));
    return Status::Ok();
  });
}

Result<std::vector<ItemWithPredictions>> Slice::export_predictions(const Model& model) {
  NUCLEUS_ASSIGN_OR_RETURN(
      Body body,
      Call(*transport_, "GET", "slice/" + id_ + "/" + model.id() + "/exportForTraining", {}));
  return ExportRows<ItemWithPredictions>(body, true, [](JsonValue groups, ItemWithPredictions* row) {
    NUCLEUS_ASSIGN_OR_RETURN(row->predictions, client::ParsePredictionGroups(groups));
    return Status::Ok();
  });
}

Result<std::vector<std::string>> Slice::export_class_labels() {
  NUCLEUS_ASSIGN_OR_RETURN(Json answer,
                           CallJson(*transport_, "GET", "slice/" + id_ + "/class_labels", {}));
  return Strings(answer.find("data"));
}

Result<Json> Slice::export_raw_items() {
  return CallJson(*transport_, "GET", "slice/" + id_ + "/exportRawItems", {});
}

Result<Slice> Dataset::create_slice(const std::string& name,
                                    const std::vector<std::string>& reference_ids) {
  std::string payload = "{\"name\":" + Quoted(name);
  if (reference_ids.empty()) {
    payload += ",\"allow_empty\":1}";
  } else {
    payload += ",\"reference_ids\":" + internal::StringArray(reference_ids) + "}";
  }
  NUCLEUS_ASSIGN_OR_RETURN(
      Json answer, CallJson(*transport_, "POST", "dataset/" + id_ + "/create_slice", payload));
  const Json* id = answer.find("slice_id");
  if (id == nullptr || !id->is_string()) return Internal("create_slice answered no \"slice_id\"");
  return Access::MakeSlice(transport_, id->as_string());
}

Result<std::vector<Slice>> Dataset::slices() {
  return SliceList(transport_, "dataset/" + id_ + "/slices");
}

Result<std::vector<Slice>> NucleusClient::slices() { return SliceList(transport_, "slice/"); }

Slice NucleusClient::get_slice(const std::string& slice_id) {
  return Access::MakeSlice(transport_, slice_id);
}

Result<Json> NucleusClient::delete_slice(const std::string& slice_id) {
  return CallJson(*transport_, "DELETE", "slice/" + slice_id, "{}");
}

}  // namespace nucleus
