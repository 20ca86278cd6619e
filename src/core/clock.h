// Time as a dependency: code asks a Clock instead of calling system_clock, so tests control it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace nucleus::core {

using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  static const SystemClock& Get();
};

// Milliseconds since the Unix epoch.
inline int64_t ToUnixMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixMillis(int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

// "2026-06-01T12:00:00.000Z" (UTC, millisecond precision).
std::string FormatIso8601(Timestamp t);

// Parses a user date: "2021-11-05", "2021-11-05 00:00:00", "2021-11-05T00:00:00.123456+01:00",
// with an optional trailing "Z". Returns false when the text is not such a date.
bool ParseDateTime(const std::string& text, Timestamp* out);

}  // namespace nucleus::core
