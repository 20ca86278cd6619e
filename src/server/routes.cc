#include "server/http_server.h"
#include "server/routes.h"

namespace nucleus::server {

void AddRoutes(Router& router, api::Context& ctx, std::span<const RouteRow> rows) {
  for (const RouteRow& row : rows) {
    RouteHandler handler = row.handler;
    router.Add(row.method, row.pattern,
               [&ctx, handler](Request& req, Response& res) { handler(ctx, req, res); },
               row.options);
  }
}

void RegisterRoutes(Router& router, api::Context& ctx) {
  RegisterDatasetRoutes(router, ctx);
  RegisterJobRoutes(router, ctx);
  RegisterAnnotationRoutes(router, ctx);
  RegisterModelRoutes(router, ctx);
  RegisterModelRunRoutes(router, ctx);
  RegisterPredictionRoutes(router, ctx);
  RegisterItemRoutes(router, ctx);
  RegisterUploadRoutes(router, ctx);
  RegisterSceneRoutes(router, ctx);
  RegisterEvaluationRoutes(router, ctx);
  RegisterSliceRoutes(router, ctx);
  RegisterValidateRoutes(router, ctx);
  RegisterDashboardRoutes(router, ctx);
}

}  // namespace nucleus::server
