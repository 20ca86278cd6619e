#include "server/dashboard.h"

#include <string>
#include <string_view>

#include "core/strings.h"
#include "server/dashboard_assets.h"
#include "server/http.h"

namespace nucleus::server {
namespace {

std::string_view ContentTypeOf(std::string_view path) {
  if (core::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (core::EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (core::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (core::EndsWith(path, ".svg")) return "image/svg+xml";
  if (core::EndsWith(path, ".png")) return "image/png";
  return "application/octet-stream";
}

// Images may come from wherever a user's items point (their image_url); everything else only
// from this origin: the dashboard fetches nothing from the internet.
constexpr std::string_view kSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob: http: https:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'";

void ServeAsset(std::string_view path, Response& res) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (asset.path != path) continue;
    res.status = 200;
    res.body.assign(asset.body);
    res.content_type = std::string(ContentTypeOf(path));
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.headers.emplace_back("Content-Security-Policy", std::string(kSecurityPolicy));
    return;
  }
  std::string message = "no such file: /";
  message.append(path);
  res.Error(Status(StatusCode::kNotFound, message));
}

}  // namespace

void RegisterDashboardSite(Router& site_router) {
  const RouteOptions public_file{.requires_auth = false};
  site_router.Add(
      "GET", "", [](Request&, Response& res) { ServeAsset("index.html", res); }, public_file);
  site_router.Add(
      "GET", "*file", [](Request& req, Response& res) { ServeAsset(req.Param("file"), res); },
      public_file);
}

}  // namespace nucleus::server
