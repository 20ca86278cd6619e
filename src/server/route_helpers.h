// Shared glue for route handlers: parse the body, answer errors, serialise common objects.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"
#include "server/http.h"
#include "server/router.h"
#include "store/jobs.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"
#include "wire/limits.h"

namespace nucleus::server {

// Parses req.body as a JSON object into `doc`/`obj`. A POST or PUT needs one: an empty body,
// `[]`, `null`, a number or a string is InvalidArgument ("request body must be a JSON object,
// got ..."), so a handler never mistakes "nothing sent" for "nothing to do". On other methods
// (GET, DELETE) an empty body counts as {}: the official client sends `{}` or nothing there.
Status ParseBodyObject(const Request& req, wire::JsonDoc* doc, wire::JsonObject* obj);

// When `status` is an error, answers it (res.Error) and returns true; else false. Reads as
// `if (AnsweredError(s, res)) return;`.
inline bool AnsweredError(const Status& status, Response& res) {
  if (status.ok()) return false;
  res.Error(status);
  return true;
}

template <typename T>
bool AnsweredError(const Result<T>& result, Response& res) {
  return AnsweredError(result.status(), res);
}

// Reads an array of strings (`key` of `obj`), e.g. tags; absent → empty.
Status ReadStringList(wire::JsonObject obj, std::string_view key, std::string_view what,
                      std::vector<std::string>* out);

void WriteStringArray(wire::JsonWriter& w, const std::vector<std::string>& values);

// A use case that adds to or removes from one object's string list (tags, trained slice ids)
// and returns the list as stored afterwards.
using StringListChange = std::function<Result<std::vector<std::string>>(
    const std::string& owner, const std::string& id, const std::vector<std::string>& values)>;

// The handler of such a route: reads body {"<list_key>": [...]}, applies `change` to the object
// named by path parameter `id_param`, answers {"<id_key>": id, "<list_key>": [...]}.
Handler StringListRoute(std::string id_param, std::string id_key, std::string list_key,
                        StringListChange change);

// A local-mask upload (annotations.md §4, also on the prediction routes): the part
// "serialized_request" ({"segmentations": [...], "annotations": [...], "update": bool}), then one
// "mask" part per segmentation in the same order (filename = its mask_url percent-encoded).
struct MaskUpload {
  const FormPart* request = nullptr;  // "serialized_request"
  std::vector<const FormPart*> masks;
  std::vector<std::string> filenames;  // of `masks`, percent-decoded
  wire::JsonDoc doc;
  wire::JsonObject body;  // `request` parsed by ParseRequest()
  bool update = false;

  // Parses `request` into `body` and its "update" flag.
  Status ParseRequest();
  // The file of the i-th segmentation, whose mask_url is `mask_url`: the i-th part when its name
  // matches, else the part named like mask_url, else the i-th part; nullptr when there is none.
  const FormPart* FileFor(size_t i, const std::string& mask_url) const;
};
// Splits req.parts; `what` names the upload in the error when "serialized_request" is missing
// ("multipart annotate"). Nothing is parsed yet, so callers can check ownership first.
Status ReadMaskUpload(const Request& req, std::string_view what, MaskUpload* out);

// "" when `file`, the mask part of segmentation `i` (on `reference_id`), is within
// max_mask_bytes; else that segmentation's `errors` entry, naming it and the limit.
std::string MaskTooLarge(const FormPart& file, size_t i, const std::string& reference_id,
                         const wire::Limits& limits);

// The request-level cap on objects per sync batch: InvalidArgument naming `field` of the request
// body when `count` > max_batch_objects (nothing is stored).
Status CheckBatchSize(std::string_view field, size_t count, const wire::Limits& limits);

// Answers 200 with a stored blob (an uploaded image or mask). Whatever a client uploaded, a
// browser must never run it: the type is `content_type` only when it is on the allow-list of
// raster image types (image/jpeg, png, webp, gif, bmp, tiff), else application/octet-stream; with
// the X-Content-Type-Options: nosniff the front end sends on every answer, the bytes are never
// sniffed as HTML or SVG.
void ServeBlob(Response& res, std::string bytes, std::string_view content_type);

// jobs.md §1: {"job_id", "job_last_known_status", "job_type", "job_creation_time"}.
void WriteJobObject(wire::JsonWriter& w, const store::Job& job, const std::string& status);

// Answers an `?async=1` call with the job it submitted, or with the error. A new job always
// reads "Running" (jobs.md §3: "Queued" would end the client's wait at once).
void RespondJobSubmitted(Response& res, const Result<store::Job>& job);

}  // namespace nucleus::server
