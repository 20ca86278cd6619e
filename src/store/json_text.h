// JSON text helpers for columns that hold small string lists ('["a","b"]').
// Kept free of any JSON library: the lists are written and read only by the store, in the
// same text by every backend (SQLite and PostgreSQL keep them in TEXT columns).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace nucleus::store {

std::string EncodeStringList(const std::vector<std::string>& values);
// EncodeStringList into `out` (cleared first), so a reused buffer allocates nothing.
void EncodeStringList(std::span<const std::string> values, std::string* out);
// Parses text produced by EncodeStringList (and any JSON array of plain strings).
std::vector<std::string> DecodeStringList(const std::string& text);

}  // namespace nucleus::store
