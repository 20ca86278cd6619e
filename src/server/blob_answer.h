// Answering with a stored blob (an uploaded image or mask). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "server/http.h"

namespace nucleus::server {

// Answers 200 with `bytes`. Whatever a client uploaded, a browser must never run it: the type is
// `content_type` only when it is on the allow-list of raster image types (image/jpeg, png, webp,
// gif, bmp, tiff), else application/octet-stream; with the X-Content-Type-Options: nosniff the
// front end sends on every answer, the bytes are never sniffed as HTML or SVG.
void ServeBlob(Response& res, std::string bytes, std::string_view content_type);

// What a stored URL of a served blob starts with: core::kLocalBlobBase + "/blob/" (followed by
// "img/<name>" or "mask/<name>"). Location-free: the front end turns it into the answering
// server's URL in every JSON answer (core/blob_urls.h).
std::string LocalBlobUrlBase();

}  // namespace nucleus::server
