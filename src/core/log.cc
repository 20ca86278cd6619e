#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

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

// Lines waiting for the next write(2). One request line per request made a write(2) on the
// request's own thread (≈ 3% of a cheap read's CPU, more when stderr is a pipe); now a
// background thread writes them in batches every kFlushEvery, or at once past kFlushBytes.
// Never destroyed (exit-time flushes and the detached writer may run during static teardown).
class Sink {
 public:
  static constexpr auto kFlushEvery = std::chrono::milliseconds(50);
  static constexpr size_t kFlushBytes = size_t{32} * 1024;

  static Sink& Get() {
    static Sink* sink = new Sink;  // NOLINT: intentionally leaked, see above
    return *sink;
  }

  void Append(const std::string& line, bool now) {
    std::unique_lock<std::mutex> lock(mu_);
    buffer_ += line;
    if (now || buffer_.size() >= kFlushBytes) return WriteLocked();
    if (!writer_started_) {
      writer_started_ = true;
      std::atexit([] { Sink::Get().Flush(); });
      std::thread([this] { Run(); }).detach();
    }
  }

  void Flush() {
    std::lock_guard<std::mutex> lock(mu_);
    WriteLocked();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait_for(lock, kFlushEvery);
      WriteLocked();
    }
  }

  // Under mu_, so lines keep their order across threads.
  void WriteLocked() {
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(2, buffer_.data() + done, buffer_.size() - done);
      if (n <= 0) break;  // stderr closed or full: drop rather than block the server
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;  // guarded by mu_
  bool writer_started_ = false;  // guarded by mu_
};

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
  // Warnings and errors are written at once (with everything before them).
  Sink::Get().Append(line, level >= LogLevel::kWarning);
}

void FlushLog() { Sink::Get().Flush(); }

}  // namespace nucleus::core
