// Routes that add to or remove from one object's string list (tags, trained slice ids): body
// {"<list_key>": [...]}, answer {"<id_key>": id, "<list_key>": [the list as stored afterwards]}.
// Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "nucleus/result.h"
#include "server/http.h"
#include "server/router.h"

namespace nucleus::server {

// Which list of which object: the path parameter naming the object, and the answer's keys.
struct StringList {
  std::string_view id_param;  // "id", "ds"
  std::string_view id_key;    // "model_id", "dataset_id"
  std::string_view list_key;  // "tags", "trained_slice_ids"
};

// An api use case that changes the list of object `id` and returns it as stored afterwards.
using StringListUseCase = Result<std::vector<std::string>> (*)(
    api::Context& ctx, const std::string& owner, const std::string& id,
    const std::vector<std::string>& values);

// Decodes the body, applies `use_case` to the object named by `list.id_param`, answers.
void ChangeStringList(api::Context& ctx, Request& req, Response& res, const StringList& list,
                      StringListUseCase use_case);

// The same as a Handler, for routes registered one by one.
using StringListChange = std::function<Result<std::vector<std::string>>(
    const std::string& owner, const std::string& id, const std::vector<std::string>& values)>;
Handler StringListRoute(std::string id_param, std::string id_key, std::string list_key,
                        StringListChange change);

}  // namespace nucleus::server
