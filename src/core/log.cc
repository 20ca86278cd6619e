#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/clock.h"

namespace nucleus::core {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};

const char* Name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARN";
    case LogLevel::kError: return "ERROR";
  }
  return "?";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatIso8601(SystemClock::Get().Now());
  line += ' ';
  line += Name(level);
  line += ' ';
  line += message;
  line += '\n';
  // One write(2) per line keeps lines whole when threads log at once.
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace nucleus::core
