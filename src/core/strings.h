// Small string helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nucleus::core {

// Decodes %XX escapes (all of them, %2F included). '+' stays '+'. Returns false on a malformed
// escape.
bool PercentDecode(std::string_view in, std::string* out);

// Encodes everything except unreserved characters (A-Z a-z 0-9 - . _ ~), like Python's
// urllib.parse.quote(s, safe="").
std::string PercentEncode(std::string_view in);

// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view in, char sep);

bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, as lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Compares in time independent of where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// Standard base64 decoding; returns false on bad input.
bool Base64Decode(std::string_view in, std::string* out);

// Appends `s` in double quotes with JSON's escapes (a"b becomes "a\"b"): how error messages
// quote user text (ids, labels), byte for byte what wire's JSON writer prints for a string.
void AppendQuoted(std::string_view s, std::string* out);

}  // namespace nucleus::core
