// JSON text helpers for columns that hold small string lists ('["a","b"]').
// Kept free of any JSON library: the lists are written and read only by the store.
#pragma once

#include <string>
#include <vector>

namespace nucleus::store::sqlite {

std::string EncodeStringList(const std::vector<std::string>& values);
// Parses text produced by EncodeStringList (and any JSON array of plain strings).
std::vector<std::string> DecodeStringList(const std::string& text);

}  // namespace nucleus::store::sqlite
