#include "server/route_helpers.h"

#include "core/strings.h"

namespace nucleus::server {

Status ParseBodyObject(const Request& req, wire::JsonDoc* doc, wire::JsonObject* obj) {
  std::string_view body = req.body;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (req.method == "POST" || req.method == "PUT") {
      return InvalidArgument("request body must be a JSON object, got an empty body");
    }
    body = "{}";
  }
  NUCLEUS_RETURN_IF_ERROR(doc->Parse(body));
  return wire::AsObject(doc->root(), "request body", obj);
}

Status ReadStringList(wire::JsonObject obj, std::string_view key, std::string_view what,
                      std::vector<std::string>* out) {
  wire::JsonValue v;
  if (!wire::Find(obj, key, &v)) return Status::Ok();
  wire::JsonArray array;
  if (!v.is_array() || v.get(array) != simdjson::SUCCESS) {
    return wire::FieldError(what, key, "must be an array of strings");
  }
  for (wire::JsonValue e : array) {
    if (!e.is_string()) return wire::FieldError(what, key, "must be an array of strings");
    out->emplace_back(e.get_string().value_unsafe());
  }
  return Status::Ok();
}

Status ReadMaskUpload(const Request& req, std::string_view what, MaskUpload* out) {
  for (const FormPart& part : req.parts) {
    if (part.name == "serialized_request" && out->request == nullptr) out->request = &part;
    if (part.name == "mask") out->masks.push_back(&part);
  }
  if (out->request == nullptr) {
    return InvalidArgument(std::string(what) + " needs a part named \"serialized_request\"");
  }
  for (const FormPart* part : out->masks) {
    std::string decoded;
    if (!core::PercentDecode(part->filename, &decoded)) decoded = part->filename;
    out->filenames.push_back(std::move(decoded));
  }
  return Status::Ok();
}

Status MaskUpload::ParseRequest() {
  constexpr std::string_view kPart = "part \"serialized_request\"";
  NUCLEUS_RETURN_IF_ERROR(doc.Parse(request->content, kPart));
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(doc.root(), kPart, &body));
  return wire::OptBool(body, "update", kPart, &update);
}

const FormPart* MaskUpload::FileFor(size_t i, const std::string& mask_url) const {
  if (i < masks.size() && filenames[i] == mask_url) return masks[i];
  for (size_t j = 0; j < masks.size(); ++j) {
    if (filenames[j] == mask_url) return masks[j];
  }
  return i < masks.size() ? masks[i] : nullptr;
}

std::string MaskTooLarge(const FormPart& file, size_t i, const std::string& reference_id,
                         const wire::Limits& limits) {
  if (static_cast<int64_t>(file.content.size()) <= limits.max_mask_bytes) return std::string();
  return "mask " + std::to_string(i) + " (reference_id " + reference_id +
         "): the \"mask\" part is " + std::to_string(file.content.size()) +
         " bytes, over the limit of " + std::to_string(limits.max_mask_bytes) + " (max_mask_bytes)";
}

Status CheckBatchSize(std::string_view field, size_t count, const wire::Limits& limits) {
  return wire::CheckCount("request body", field, count, limits.max_batch_objects,
                          "max_batch_objects");
}

void WriteStringArray(wire::JsonWriter& w, const std::vector<std::string>& values) {
  w.BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

Handler StringListRoute(std::string id_param, std::string id_key, std::string list_key,
                        StringListChange change) {
  return [id_param = std::move(id_param), id_key = std::move(id_key),
          list_key = std::move(list_key), change = std::move(change)](Request& req,
                                                                      Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    std::vector<std::string> values;
    if (AnsweredError(ReadStringList(body, list_key, "request body", &values), res)) return;
    const std::string& id = req.Param(id_param);
    auto updated = change(req.owner, id, values);
    if (AnsweredError(updated, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key(id_key).String(id).Key(list_key);
    WriteStringArray(w, *updated);
    res.Json(w.EndObject().Take());
  };
}

void ServeBlob(Response& res, std::string bytes, std::string_view content_type) {
  static constexpr std::string_view kAllowed[] = {"image/jpeg", "image/png", "image/webp",
                                                  "image/gif",  "image/bmp", "image/tiff"};
  bool allowed = false;
  for (std::string_view type : kAllowed) allowed = allowed || type == content_type;
  res.status = 200;
  res.body = std::move(bytes);
  // X-Content-Type-Options: nosniff is written by the front end on every response.
  res.content_type = allowed ? std::string(content_type) : "application/octet-stream";
}

}  // namespace nucleus::server
