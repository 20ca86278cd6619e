// The web dashboard's static site (docs/design/dashboard.md): the files of web/, compiled into
// the binary, served at "/" of the dashboard's port, outside the API prefix and without
// credentials (they hold no data: every number on a page comes from the authenticated API the
// same port also serves under the prefix).
#pragma once

#include "server/router.h"

namespace nucleus::server {

// Adds GET "/" (index.html) and GET "/<asset path>" to `site_router` (HttpServer::site_router()).
// An unknown path is 404 {"error":"no such file: ..."}. Answers carry a content type from the
// file's extension, Cache-Control: no-cache and a Content-Security-Policy that lets a page load
// scripts, styles and data only from its own origin (images: also the item URLs users stored).
void RegisterDashboardSite(Router& site_router);

}  // namespace nucleus::server
