// One registration function per area; RegisterRoutes (routes.cc) calls them all.
#pragma once

#include "api/context.h"
#include "server/router.h"

namespace nucleus::server {

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

}  // namespace nucleus::server
