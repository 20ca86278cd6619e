#include "server/http_server.h"
#include "server/routes.h"

namespace nucleus::server {

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
}

}  // namespace nucleus::server
