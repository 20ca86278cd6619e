// Request bodies every area shares: the JSON object a route reads its fields from, and the
// {"<list>": [...]} body of the routes that add to or remove from one object's string list (tags,
// trained slice ids), with that list's answer. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"

namespace nucleus::wire {

// Parses `body`, sent with HTTP method `method`, as a JSON object into `doc`/`obj`. A POST or PUT
// needs one: an empty body, `[]`, `null`, a number or a string is InvalidArgument ("request body
// must be a JSON object, got ..."), so a handler never mistakes "nothing sent" for "nothing to
// do". On other methods (GET, DELETE) an empty body counts as {}: the official client sends `{}`
// or nothing there.
Status ParseBodyObject(std::string_view body, std::string_view method, JsonDoc* doc,
                       JsonObject* obj);

// Reads an array of strings (`key` of `obj`), e.g. tags; absent → `out` unchanged.
// "field \"<key>\" of <what>: must be an array of strings" otherwise.
Status ReadStringList(JsonObject obj, std::string_view key, std::string_view what,
                      std::vector<std::string>* out);

// Writes `values` as an array of strings.
void WriteStringArray(JsonWriter& w, const std::vector<std::string>& values);

// The body {"<list_key>": [...]} of a string-list change (absent list: empty).
Result<std::vector<std::string>> DecodeStringListChange(std::string_view body,
                                                        std::string_view method,
                                                        std::string_view list_key);
// Its answer: {"<id_key>": id, "<list_key>": [...]}.
std::string EncodeStringListChange(std::string_view id_key, std::string_view id,
                                   std::string_view list_key,
                                   const std::vector<std::string>& values);

}  // namespace nucleus::wire
