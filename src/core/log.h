// Minimal structured logging to stderr. Thread-safe; lines are never interleaved.
//
// Debug and info lines are buffered and written by a background thread at least every 50 ms
// (and at exit, and before any warning or error), so logging a line per request costs no
// system call on the request's thread. A crash can lose the last 50 ms of info lines; warnings
// and errors are written before Log returns.
#pragma once

#include <string_view>

namespace nucleus::core {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view message);
// Writes buffered lines now (also done at exit by std::exit/return from main).
void FlushLog();

inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(std::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

}  // namespace nucleus::core
