// Signed-URL uploads (items.md §4): the client asks for a URL, PUTs NDJSON to it without
// credentials, then names the request id in an `?async=1` call, which submits a job reading it.
//
// The URL is ours: <base>/upload/{ds}/{request_id}?expires=<unix s>&sig=<hmac-sha256 hex>, signed
// with Context::signing_key over "ds\nrequest_id\nexpires". Unguessable, expiring, usable without
// credentials; the payload is streamed to a blob. One PUT per request id.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "api/context.h"
#include "nucleus/result.h"

namespace nucleus::api {

// A signed URL stays valid for the PUT this long after it was issued. The expiry is checked once
// the body has been received, so a slow upload of a large payload must still fit in it.
inline constexpr int64_t kSignedUrlLifetimeMs = 6LL * 3600 * 1000;

// For GET dataset/{ds}/signedUrl/{request_id}: checks the dataset belongs to `owner`, records
// the pending upload and returns the absolute URL to PUT to. `base_url` is the API base as the
// client reached it (e.g. http://127.0.0.1:8080/v1/nucleus).
Result<std::string> CreateSignedUploadUrl(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id,
                                          const std::string& request_id,
                                          const std::string& base_url);

// Feeds a request body to `sink` piece by piece (stops at the first error it returns).
using BodySource =
    std::function<Status(const std::function<Status(std::string_view piece)>& sink)>;

// For the PUT: verifies signature and expiry (PermissionDenied otherwise) before reading
// anything, then streams the body into a blob, so memory stays flat whatever the payload size.
Status ReceiveSignedUpload(Context& ctx, const std::string& dataset_id,
                           const std::string& request_id, const std::string& expires,
                           const std::string& signature, const BodySource& body);

// For an `?async=1` call naming `request_id`: the blob name holding the uploaded payload, or
// InvalidArgument when nothing was uploaded under that id for this dataset and owner.
Result<std::string> UploadedPayload(Context& ctx, const std::string& owner,
                                    const std::string& dataset_id,
                                    const std::string& request_id);

}  // namespace nucleus::api
