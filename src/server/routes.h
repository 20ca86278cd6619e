// One registration function per area; RegisterRoutes (routes.cc) calls them all.
#pragma once

#include <span>
#include <string_view>

#include "api/context.h"
#include "server/router.h"

namespace nucleus::server {

// One route of an area's table. Each routes_<area>.cc lists its routes as data,
//   constexpr RouteRow kModelRoutes[] = {
//       {"POST", "models/add", CreateModel},
//       {"GET", "model/:id", GetModel},
//   };
// and every handler is a short named function that decodes the request (wire/), makes one api
// call and encodes the answer (wire/).
using RouteHandler = void (*)(api::Context& ctx, Request& req, Response& res);
struct RouteRow {
  std::string_view method;
  std::string_view pattern;
  RouteHandler handler;
  RouteOptions options = {};
};
// Adds every row of `rows` to `router`, its handler bound to `ctx` (which outlives the router).
void AddRoutes(Router& router, api::Context& ctx, std::span<const RouteRow> rows);

void RegisterDatasetRoutes(Router& router, api::Context& ctx);
void RegisterJobRoutes(Router& router, api::Context& ctx);
void RegisterAnnotationRoutes(Router& router, api::Context& ctx);
void RegisterModelRoutes(Router& router, api::Context& ctx);
void RegisterModelRunRoutes(Router& router, api::Context& ctx);
void RegisterPredictionRoutes(Router& router, api::Context& ctx);
void RegisterItemRoutes(Router& router, api::Context& ctx);
void RegisterUploadRoutes(Router& router, api::Context& ctx);
void RegisterSceneRoutes(Router& router, api::Context& ctx);
void RegisterEvaluationRoutes(Router& router, api::Context& ctx);
void RegisterSliceRoutes(Router& router, api::Context& ctx);
void RegisterValidateRoutes(Router& router, api::Context& ctx);
void RegisterDashboardRoutes(Router& router, api::Context& ctx);

}  // namespace nucleus::server
