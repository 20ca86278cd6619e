// Router: maps (method, path) to a handler, splitting the raw path on '/' *before*
// percent-decoding each segment, so "refloc/a%2Fb" addresses the reference id "a/b".
//
// Patterns are written relative to the API prefix: "dataset/:ds/refloc/:ref". A ":name" segment
// captures one decoded segment; a trailing "*name" captures the rest of the path (decoded
// segments re-joined with '/'). A trailing slash and repeated slashes are ignored, so
// "models/" and "models" are the same route. Not thread-safe to build; Match() is read-only
// and may be called from many threads once built.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nucleus::server {

struct Request;
struct Response;
using Handler = std::function<void(Request&, Response&)>;

struct RouteOptions {
  bool requires_auth = true;
  bool stream_body = false;  // the handler reads the body through Request::read_body
};

class Router {
 public:
  void Add(std::string_view method, std::string_view pattern, Handler handler,
           RouteOptions options = {});

  struct Match {
    const Handler* handler = nullptr;
    RouteOptions options;
    std::map<std::string, std::string, std::less<>> params;
    std::string pattern;
    bool path_known = false;  // some route has this path (for 405 vs 404)
  };
  // `raw_path` is the path below the prefix, still percent-encoded, without the query.
  // Returns false with match->path_known set when only the method differs, or when a segment
  // has a malformed escape (then no handler).
  bool Find(std::string_view method, std::string_view raw_path, Match* match) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    bool rest = false;  // last segment is "*name"
    Handler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

}  // namespace nucleus::server
