// libFuzzer target: request routing (server/router.h) and percent-decoding (core/strings.h).
// Input: one byte choosing the method, then the raw path as it arrives (still percent-encoded).
// The router holds a sample of the server's real patterns (literals, ":name" captures, a "*rest"
// capture, overlapping routes). Beyond "no crash / no UB":
//  - PercentDecode(PercentEncode(s)) == s for every s;
//  - captures round-trip: the path rebuilt from a ":name"-only route's pattern with every
//    capture percent-encoded is routed again, to the same captures when to the same pattern.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "server/router.h"

namespace s = nucleus::server;
namespace c = nucleus::core;

namespace {

const s::Router& SampleRouter() {
  static const s::Router* router = [] {
    auto* r = new s::Router;
    const s::Handler none;
    for (const char* get :
         {"dataset/", "dataset/details", "dataset/:ds", "dataset/:ds/info",
          "dataset/:ds/refloc/:ref", "dataset/:ds/loc/:ref",
          "dataset/:ds/groundTruth/loc/:ref/:ann", "job/:job",
          "modelRun/:run/prediction/loc/:ref/:ann", "models/", "blob/*key", "healthz"}) {
      r->Add("GET", get, none);
    }
    for (const char* post : {"dataset/create", "dataset/:ds/append", "dataset/:ds/annotate",
                             "modelRun/:run/predict", "dataset/:ds/model/:prj/uploadPredictions"}) {
      r->Add("POST", post, none);
    }
    r->Add("DELETE", "dataset/:ds/refloc/:ref", none);
    r->Add("PUT", "upload/*token", none, s::RouteOptions{.requires_auth = false});
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* const kMethods[] = {"GET", "POST", "DELETE", "PUT"};
  const std::string_view method = kMethods[data[0] % 4];
  const std::string_view path(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string decoded;
  if (c::PercentDecode(c::PercentEncode(path), &decoded) && decoded != path) std::abort();
  if (!c::PercentDecode(c::PercentEncode(path), &decoded)) std::abort();
  (void)c::PercentDecode(path, &decoded);
  (void)c::Split(path, '/');

  s::Router::Match match;
  if (!SampleRouter().Find(method, path, &match)) return 0;
  if (match.handler == nullptr) std::abort();
  if (match.pattern.find('*') != std::string::npos) return 0;
  // Rebuild the path from the pattern with every capture percent-encoded: same route again.
  std::string rebuilt;
  for (std::string_view seg : c::Split(match.pattern, '/')) {
    if (seg.empty()) continue;
    if (!rebuilt.empty()) rebuilt.push_back('/');
    if (seg[0] == ':') {
      auto it = match.params.find(seg.substr(1));
      if (it == match.params.end()) std::abort();
      rebuilt += c::PercentEncode(it->second);
    } else {
      rebuilt += seg;
    }
  }
  // (It may find a more specific literal route: "dataset/detail%73" captures ds = "details",
  // while "dataset/details" is a route of its own, since literals must not be escaped.)
  s::Router::Match again;
  if (!SampleRouter().Find(method, rebuilt, &again)) std::abort();
  if (again.pattern == match.pattern && again.params != match.params) std::abort();
  return 0;
}
