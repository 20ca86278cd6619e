// Checks of the caps of core/limits.h on JSON values (lengths, counts, user JSON depth and size).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/limits.h"
#include "nucleus/status.h"
#include "wire/json_reader.h"

namespace nucleus::wire {

// The caps themselves are core::Limits (core/limits.h): api/ reads them too.
using core::Limits;
using core::DefaultLimits;
using core::NoLimits;

// InvalidArgument "field \"<field>\" of <what>: is N bytes long, over the limit of M
// (max_id_bytes)" when `value` is longer than `max_bytes`; `limit_name` names the cap.
Status CheckLength(std::string_view what, std::string_view field, std::string_view value,
                   int64_t max_bytes, std::string_view limit_name);

// Checks user JSON (metadata and the like) against max_metadata_bytes and max_json_depth;
// `compact_size` is the size of its compact text.
Status CheckUserJson(std::string_view what, std::string_view field, JsonValue value,
                     size_t compact_size, const Limits& limits);

// Nesting depth of `value`: 0 for a scalar, 1 for an object or array of scalars. Stops counting
// at `stop_at` (so a hostile document costs no more than the cap).
int64_t JsonDepth(JsonValue value, int64_t stop_at);

// InvalidArgument naming `field` of `what` when `count` > `max` (request level: batch sizes).
Status CheckCount(std::string_view what, std::string_view field, size_t count, int64_t max,
                  std::string_view limit_name);

}  // namespace nucleus::wire
