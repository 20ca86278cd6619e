// The dashboard's static files (web/), compiled into the binary. The table is generated at build
// time from web/ by src/server/embed_assets.cmake (see src/server/CMakeLists.txt).
#pragma once

#include <span>
#include <string_view>

namespace nucleus::server {

struct DashboardAsset {
  std::string_view path;  // relative to web/, e.g. "index.html", "js/app.js"
  std::string_view body;  // the file's bytes; static storage
};

// Every asset, in the order web/'s list in CMakeLists names them. Never empty in a build.
std::span<const DashboardAsset> DashboardAssets();

}  // namespace nucleus::server
