#include "store/json_text.h"

#include <cstdint>

namespace nucleus::store {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string EncodeStringList(const std::vector<std::string>& values) {
  std::string out;
  EncodeStringList(values, &out);
  return out;
}

void EncodeStringList(std::span<const std::string> values, std::string* out_text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string& out = *out_text;
  out.clear();
  out.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (unsigned char c : values[i]) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        out.push_back('\\');
        out.push_back('u');
        out.push_back('0');
        out.push_back('0');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('"');
  }
  out.push_back(']');
}

std::vector<std::string> DecodeStringList(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '"') {
      ++i;
      continue;
    }
    ++i;
    std::string value;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) {
        char e = text[i + 1];
        i += 2;
        switch (e) {
          case 'n': value.push_back('\n'); break;
          case 't': value.push_back('\t'); break;
          case 'r': value.push_back('\r'); break;
          case 'b': value.push_back('\b'); break;
          case 'f': value.push_back('\f'); break;
          case 'u': {
            uint32_t cp = static_cast<uint32_t>(std::stoul(text.substr(i, 4), nullptr, 16));
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= text.size() && text[i] == '\\') {
              uint32_t lo = static_cast<uint32_t>(std::stoul(text.substr(i + 2, 4), nullptr, 16));
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i += 6;
            }
            AppendUtf8(cp, &value);
            break;
          }
          default: value.push_back(e);
        }
      } else {
        value.push_back(text[i++]);
      }
    }
    ++i;
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace nucleus::store
