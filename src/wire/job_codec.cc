#include "wire/job_codec.h"

#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::wire {
namespace {

constexpr std::string_view kWhat = "job request";

void WriteFields(JsonWriter& w, const std::vector<core::JobMessageField>& fields) {
  w.BeginObject();
  for (const core::JobMessageField& f : fields) {
    w.Key(f.name);
    switch (f.kind) {
      case core::JobMessageField::Kind::kInt: w.Int(f.int_value); break;
      case core::JobMessageField::Kind::kString: w.String(f.string_value); break;
      case core::JobMessageField::Kind::kStrings:
        w.BeginArray();
        for (const std::string& s : f.strings) w.String(s);
        w.EndArray();
        break;
      case core::JobMessageField::Kind::kObject:
        if (f.object.empty()) {
          w.BeginObject().EndObject();
        } else {
          WriteFields(w, f.object.front().fields());
        }
        break;
    }
  }
  w.EndObject();
}

Status ReadStrings(JsonObject obj, std::string_view key, std::vector<std::string>* out) {
  JsonValue v;
  if (!Find(obj, key, &v)) return Status::Ok();
  JsonArray arr;
  NUCLEUS_RETURN_IF_ERROR(AsArray(v, kWhat, &arr));
  for (JsonValue e : arr) {
    std::string_view s;
    if (e.get(s) != simdjson::SUCCESS) return FieldError(kWhat, key, "must hold strings");
    out->emplace_back(s);
  }
  return Status::Ok();
}

Status ReadCommitOptions(JsonObject obj, core::CommitOptions* out) {
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "class_agnostic", kWhat, &out->class_agnostic));
  JsonValue v;
  if (!Find(obj, "allowed_label_matches", &v)) return Status::Ok();
  JsonArray pairs;
  NUCLEUS_RETURN_IF_ERROR(AsArray(v, kWhat, &pairs));
  for (JsonValue e : pairs) {
    JsonObject pair;
    NUCLEUS_RETURN_IF_ERROR(AsObject(e, "label match", &pair));
    std::string gt, pred;
    NUCLEUS_RETURN_IF_ERROR(GetString(pair, "ground_truth_label", "label match", &gt));
    NUCLEUS_RETURN_IF_ERROR(GetString(pair, "model_prediction_label", "label match", &pred));
    out->allowed_label_matches.emplace_back(std::move(gt), std::move(pred));
  }
  return Status::Ok();
}

}  // namespace

std::string JsonJobCodec::EncodeRequest(const core::JobRequest& r) const {
  JsonWriter w;
  w.BeginObject();
  if (!r.payload.empty()) w.Key("payload").String(r.payload);
  if (!r.request_id.empty()) w.Key("request_id").String(r.request_id);
  w.Key("update").Bool(r.update);
  if (!r.model_run_id.empty()) w.Key("model_run_id").String(r.model_run_id);
  w.Key("class_agnostic").Bool(r.commit.class_agnostic);
  if (!r.commit.allowed_label_matches.empty()) {
    w.Key("allowed_label_matches").BeginArray();
    for (const auto& [gt, pred] : r.commit.allowed_label_matches) {
      w.BeginObject().Key("ground_truth_label").String(gt);
      w.Key("model_prediction_label").String(pred).EndObject();
    }
    w.EndArray();
  }
  if (!r.model_id.empty()) w.Key("model_id").String(r.model_id);
  if (!r.evaluation_id.empty()) w.Key("evaluation_id").String(r.evaluation_id);
  if (!r.reference_ids.empty()) {
    w.Key("reference_ids").BeginArray();
    for (const std::string& id : r.reference_ids) w.String(id);
    w.EndArray();
  }
  if (!r.body.empty()) w.Key("body").String(r.body);
  return w.EndObject().Take();
}

Result<core::JobRequest> JsonJobCodec::DecodeRequest(std::string_view job_type,
                                                     std::string_view text) const {
  JsonDoc doc;
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(text, kWhat));
  JsonObject obj;
  NUCLEUS_RETURN_IF_ERROR(AsObject(doc.root(), kWhat, &obj));
  core::JobRequest r;
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "payload", kWhat, &r.payload));
  if (r.payload.empty()) NUCLEUS_RETURN_IF_ERROR(OptString(obj, "blob", kWhat, &r.payload));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "request_id", kWhat, &r.request_id));
  NUCLEUS_RETURN_IF_ERROR(OptBool(obj, "update", kWhat, &r.update));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "model_run_id", kWhat, &r.model_run_id));
  NUCLEUS_RETURN_IF_ERROR(ReadCommitOptions(obj, &r.commit));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "model_id", kWhat, &r.model_id));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "evaluation_id", kWhat, &r.evaluation_id));
  NUCLEUS_RETURN_IF_ERROR(ReadStrings(obj, "reference_ids", &r.reference_ids));
  NUCLEUS_RETURN_IF_ERROR(OptString(obj, "body", kWhat, &r.body));
  // Earlier versions kept a metadataUpdate's request body as the job request itself.
  if (job_type == "metadataUpdate" && r.body.empty()) r.body = std::string(text);
  return r;
}

std::string JsonJobCodec::EncodeMessage(const core::JobMessage& message) const {
  JsonWriter w;
  WriteFields(w, message.fields());
  return w.Take();
}

const core::JobCodec& JobCodec() {
  static const JsonJobCodec kCodec;
  return kCodec;
}

}  // namespace nucleus::wire
