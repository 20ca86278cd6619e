// Server-generated object ids: "<prefix>_<20 chars of 0-9a-v>", xid-like.
//
// The 20 characters encode 12 bytes (base32hex): 4 bytes of seconds since the epoch,
// 5 random bytes fixed per process, and a 3-byte counter — so ids sort roughly by creation time,
// are URL-safe and need no coordination between processes. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace nucleus::core {

// A new id such as "ds_c5jwptkgfsqg0cs503z0". `prefix` must not contain '_'.
std::string NewId(std::string_view prefix);

// 32 lowercase hex characters from a CSPRNG-quality source (keys, signatures, tokens).
std::string RandomHex(size_t bytes);

// The part of `id` before its first underscore ("" when there is none).
std::string_view IdPrefix(std::string_view id);

}  // namespace nucleus::core
