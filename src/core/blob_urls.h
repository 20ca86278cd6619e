// Location-free references to the blobs a server stores (uploaded item images, local masks).
//
// A stored row never names the host it was uploaded through: an item's image_url or a mask's
// stored_mask_url is kept as kLocalBlobBase + "/blob/img/<name>" (or "/blob/mask/<name>"), and
// the server answering a request turns kLocalBlobBase into its own API base URL (its
// `--public-url`, else the request's Host), so a row written through one server or port reads
// correctly through any other (docs/design/blobs.md, "Stored URLs"). Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace nucleus::core {

// The stand-in for "the API base URL of whichever server answers". Not a URL a client can use.
inline constexpr std::string_view kLocalBlobBase = "nucleus://local";

// `text` with every kLocalBlobBase replaced by `base_url` (e.g.
// "http://127.0.0.1:8080/v1/nucleus"). Returns false and leaves `text` alone when it has none.
bool ResolveLocalBlobUrls(std::string_view base_url, std::string* text);

// `text` with every absolute URL of a blob stored by a server under `api_prefix`
// ("http://HOST/v1/nucleus/blob/img/..." or ".../blob/mask/...", as rows written before
// location-free references hold them) rewritten to its location-free form
// (kLocalBlobBase + "/blob/..."). Text around such URLs, and any other URL, is unchanged.
std::string LocationFreeBlobUrls(std::string_view text,
                                 std::string_view api_prefix = "/v1/nucleus");

}  // namespace nucleus::core
