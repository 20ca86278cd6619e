#include "core/blob_urls.h"

#include <string.h>

namespace nucleus::core {

namespace {

// text.find(needle, from) by glibc's memmem: it runs over every JSON answer, where the
// needle's first byte ('n', as in "null") is too common for std::string::find's memchr.
size_t Find(std::string_view text, std::string_view needle, size_t from) {
  if (from >= text.size()) return std::string_view::npos;
  const void* hit = memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return hit == nullptr ? std::string_view::npos
                        : static_cast<size_t>(static_cast<const char*>(hit) - text.data());
}

}  // namespace

bool ResolveLocalBlobUrls(std::string_view base_url, std::string* text) {
  size_t at = Find(*text, kLocalBlobBase, 0);
  if (at == std::string::npos) return false;
  std::string out;
  out.reserve(text->size() + 64);
  size_t from = 0;
  for (; at != std::string::npos; at = Find(*text, kLocalBlobBase, from)) {
    out.append(*text, from, at - from);
    out.append(base_url);
    from = at + kLocalBlobBase.size();
  }
  out.append(*text, from, std::string::npos);
  *text = std::move(out);
  return true;
}

namespace {

// Where the "http://HOST" or "https://HOST" that ends at `end` starts, or npos when the text
// before `end` is not such a scheme and host (a host has no '/', quote, backslash or space).
size_t SchemeAndHostStart(std::string_view text, size_t end) {
  size_t sep = text.rfind("://", end);
  if (sep == std::string_view::npos) return sep;
  std::string_view host = text.substr(sep + 3, end - sep - 3);
  if (host.empty() || host.find_first_of("/\"\\ ") != std::string_view::npos) {
    return std::string_view::npos;
  }
  for (std::string_view scheme : {"https", "http"}) {
    if (sep >= scheme.size() && text.substr(sep - scheme.size(), scheme.size()) == scheme) {
      return sep - scheme.size();
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string LocationFreeBlobUrls(std::string_view text, std::string_view api_prefix) {
  std::string out;
  size_t from = 0;
  std::string marker(api_prefix);
  marker += "/blob/";
  for (size_t at = text.find(marker); at != std::string_view::npos;
       at = text.find(marker, at + 1)) {
    std::string_view kind = text.substr(at + marker.size());
    if (kind.substr(0, 4) != "img/" && kind.substr(0, 5) != "mask/") continue;
    const size_t start = SchemeAndHostStart(text, at);
    if (start == std::string_view::npos || start < from) continue;
    out.append(text.substr(from, start - from));
    out.append(kLocalBlobBase);
    from = at + api_prefix.size();
  }
  if (from == 0) return std::string(text);
  out.append(text.substr(from));
  return out;
}

}  // namespace nucleus::core
