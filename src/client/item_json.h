// Dataset items ⇄ JSON: what Dataset::append sends (items.md §1.1) and how the client reads an
// item back (datasets.md §11). Internal to src/client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nucleus/result.h"
#include "nucleus/types.h"
#include "wire/json_reader.h"

namespace nucleus::client {

// True when `location` is not an http/https/s3/gs URL (the Python client's rule for item
// images and segmentation masks): such files are uploaded as multipart.
bool IsLocalPath(std::string_view location);

// `update` is written only inside multipart item arrays.
void AppendItem(const DatasetItem& item, std::optional<bool> update, std::string* out);
Result<DatasetItem> ParseItem(wire::JsonValue value);

}  // namespace nucleus::client
