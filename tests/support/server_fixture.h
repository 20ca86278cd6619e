// ServerFixture: a live `nucleus serve` for end-to-end tests.
//
// Start() creates a temporary data directory, creates an API key with `nucleus keys create`,
// starts the build's `nucleus serve` on a free loopback port and waits for /healthz. The
// destructor (or Stop()) sends SIGTERM, waits, and removes the directory. Not thread-safe; one
// per test suite is plenty (start it in SetUpTestSuite).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace nucleus::testing {

// A port nobody listens on right now (bind to 0, read it, close).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Runs `command` through the shell and returns its standard output.
inline std::string RunCapture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

// True when GET /healthz on 127.0.0.1:port answers 200.
inline bool Healthy(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[64] = {};
      ssize_t n = read(fd, buf, sizeof buf - 1);
      ok = n > 12 && std::string(buf, static_cast<size_t>(n)).find(" 200") != std::string::npos;
    }
  }
  close(fd);
  return ok;
}

class ServerFixture {
 public:
  // `binary`: path of the `nucleus` executable.
  explicit ServerFixture(std::string binary) : binary_(std::move(binary)) {}
  ~ServerFixture() { Stop(); }
  ServerFixture(const ServerFixture&) = delete;
  ServerFixture& operator=(const ServerFixture&) = delete;

  // Returns false (and fills error()) when the server could not be started.
  bool Start() {
    char tmpl[] = "/tmp/nucleus-sdk-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Fail("mkdtemp failed");
    dir_ = tmpl;
    key_ = CreateKey("sdk-test");
    if (key_.empty()) return Fail("nucleus keys create printed nothing");
    port_ = FreePort();
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::string log = dir_ + "/server.log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // No dashboard: its default port (this port + 1) may be the "free" port another test's
    // server was just handed, which then answered that test's requests.
    std::vector<std::string> args = {binary_, "serve", "--data", dir_, "--listen", listen,
                                     "--quiet", "--dashboard", "off"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, binary_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return Fail("cannot spawn " + binary_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Healthy(port_)) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return Fail("server exited at start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Fail("server did not answer /healthz within 30 s");
  }

  // Creates one more key in the same data directory (a second owner).
  std::string CreateKey(const std::string& name) {
    std::string out = RunCapture("'" + binary_ + "' keys create --data '" + dir_ + "' --name '" +
                                 name + "' 2>/dev/null");
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    size_t nl = out.rfind('\n');
    return nl == std::string::npos ? out : out.substr(nl + 1);
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 200 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
      pid_ = 0;
    }
    if (!dir_.empty() && std::getenv("NUCLEUS_KEEP_TEST_DATA") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    dir_.clear();
  }

  int port() const { return port_; }
  const std::string& api_key() const { return key_; }
  const std::string& data_dir() const { return dir_; }
  const std::string& error() const { return error_; }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1/nucleus";
  }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  std::string binary_;
  std::string dir_;
  std::string key_;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace nucleus::testing
