#include "server/blob_answer.h"

#include "core/blob_urls.h"

namespace nucleus::server {

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

std::string LocalBlobUrlBase() {
  std::string base(core::kLocalBlobBase);
  base += "/blob/";
  return base;
}

}  // namespace nucleus::server
