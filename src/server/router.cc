#include "server/router.h"

#include "core/strings.h"

namespace nucleus::server {
namespace {

std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::string_view s : core::Split(path, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  for (std::string_view s : PathSegments(pattern)) route.segments.emplace_back(s);
  route.rest = !route.segments.empty() && route.segments.back()[0] == '*';
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
}

bool Router::Find(std::string_view method, std::string_view raw_path, Match* match) const {
  std::vector<std::string_view> raw = PathSegments(raw_path);
  std::vector<std::string> decoded(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!core::PercentDecode(raw[i], &decoded[i])) return false;
  }
  // The most specific route wins: "dataset/details" beats "dataset/:ds" whatever the order of
  // registration (score = number of literal segments, then no rest capture). Captures are built
  // for the winner only: this runs on every request.
  const Route* best = nullptr;
  int best_score = -1;
  for (const Route& route : routes_) {
    size_t fixed = route.rest ? route.segments.size() - 1 : route.segments.size();
    if (route.rest ? decoded.size() < route.segments.size() : decoded.size() != fixed) continue;
    bool ok = true;
    int score = route.rest ? 0 : 1;
    for (size_t i = 0; i < fixed && ok; ++i) {
      const std::string& seg = route.segments[i];
      if (seg[0] == ':') continue;
      ok = seg == decoded[i] && raw[i] == decoded[i];  // literals must not be escaped
      score += 2;
    }
    if (!ok) continue;
    if (route.method != method) {
      match->path_known = true;
      continue;
    }
    if (score <= best_score) continue;
    best_score = score;
    best = &route;
  }
  if (best == nullptr) return false;
  size_t fixed = best->rest ? best->segments.size() - 1 : best->segments.size();
  for (size_t i = 0; i < fixed; ++i) {
    const std::string& seg = best->segments[i];
    if (seg[0] == ':') match->params[seg.substr(1)] = std::move(decoded[i]);
  }
  if (best->rest) {
    std::string rest;
    for (size_t i = fixed; i < decoded.size(); ++i) {
      if (i > fixed) rest.push_back('/');
      rest += decoded[i];
    }
    match->params[best->segments.back().substr(1)] = std::move(rest);
  }
  match->handler = &best->handler;
  match->options = best->options;
  match->pattern = best->pattern;
  return true;
}

}  // namespace nucleus::server
