#include "server/mask_upload.h"

#include "core/strings.h"

namespace nucleus::server {

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
                         const core::Limits& limits) {
  if (static_cast<int64_t>(file.content.size()) <= limits.max_mask_bytes) return std::string();
  return "mask " + std::to_string(i) + " (reference_id " + reference_id +
         "): the \"mask\" part is " + std::to_string(file.content.size()) +
         " bytes, over the limit of " + std::to_string(limits.max_mask_bytes) + " (max_mask_bytes)";
}

}  // namespace nucleus::server
