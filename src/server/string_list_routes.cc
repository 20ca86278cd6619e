#include "server/string_list_routes.h"

#include "server/answered_error.h"
#include "wire/bodies.h"

namespace nucleus::server {
namespace {

void AnswerChange(Request& req, Response& res, const StringList& list,
                  const StringListChange& change) {
  auto values = wire::DecodeStringListChange(req.body, req.method, list.list_key);
  if (AnsweredError(values, res)) return;
  const std::string& id = req.Param(list.id_param);
  auto updated = change(req.owner, id, *values);
  if (AnsweredError(updated, res)) return;
  res.Json(wire::EncodeStringListChange(list.id_key, id, list.list_key, *updated));
}

}  // namespace

void ChangeStringList(api::Context& ctx, Request& req, Response& res, const StringList& list,
                      StringListUseCase use_case) {
  AnswerChange(
      req, res, list,
      [&](const std::string& owner, const std::string& id, const std::vector<std::string>& values) {
        return use_case(ctx, owner, id, values);
      });
}

Handler StringListRoute(std::string id_param, std::string id_key, std::string list_key,
                        StringListChange change) {
  return [id_param = std::move(id_param), id_key = std::move(id_key),
          list_key = std::move(list_key), change = std::move(change)](Request& req, Response& res) {
    AnswerChange(req, res, StringList{id_param, id_key, list_key}, change);
  };
}

}  // namespace nucleus::server
