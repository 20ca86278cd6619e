// Reading a local-mask upload (annotations.md §4, also on the prediction routes): the multipart
// part "serialized_request" ({"segmentations": [...], "annotations": [...], "update": bool}),
// then one "mask" part per segmentation in the same order (filename = its mask_url
// percent-encoded). Not thread-safe; one MaskUpload per request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "nucleus/result.h"
#include "server/http.h"
#include "wire/json_reader.h"

namespace nucleus::server {

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
                         const core::Limits& limits);

}  // namespace nucleus::server
