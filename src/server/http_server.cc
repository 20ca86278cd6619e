#include "server/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/blob_urls.h"
#include "core/log.h"
#include "core/strings.h"
#include "server/http.h"
#include "server/http_parser.h"
#include "wire/json_writer.h"

namespace nucleus::server {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

// The API key from "Authorization: Basic base64(key:)", "Bearer key" or "x-limited-access-key".
std::string CredentialOf(const RequestHead& head) {
  if (const std::string* limited = head.Find("x-limited-access-key");
      limited != nullptr && !limited->empty()) {
    return *limited;
  }
  const std::string* auth = head.Find("authorization");
  if (auth == nullptr) return "";
  if (core::StartsWith(*auth, "Basic ") || core::StartsWith(*auth, "basic ")) {
    std::string decoded;
    if (!core::Base64Decode(std::string_view(*auth).substr(6), &decoded)) return "";
    return decoded.substr(0, decoded.find(':'));
  }
  if (core::StartsWith(*auth, "Bearer ")) return auth->substr(7);
  return "";
}

// Splits a request target into the raw path and the decoded query parameters.
void SplitTarget(std::string_view target, std::string* path,
                 std::multimap<std::string, std::string, std::less<>>* query) {
  size_t q = target.find('?');
  path->assign(target.substr(0, q));
  if (q == std::string_view::npos) return;
  for (std::string_view pair : core::Split(target.substr(q + 1), '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    std::string raw_key(pair.substr(0, eq));
    std::string raw_value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    for (char& c : raw_value) {
      if (c == '+') c = ' ';
    }
    if (!core::PercentDecode(raw_key, &key)) key = raw_key;
    if (!core::PercentDecode(raw_value, &value)) value = raw_value;
    query->emplace(std::move(key), std::move(value));
  }
}

bool IsMultipart(const RequestHead& head) {
  const std::string* type = head.Find("content-type");
  return type != nullptr && type->size() >= 19 &&
         strncasecmp(type->c_str(), "multipart/form-data", 19) == 0;
}

// A header value cannot carry CR or LF into the response.
std::string HeaderSafe(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// A multipart body written to an unlinked file as it arrives, then mapped read-only: the parts
// are views into the mapping, so a large upload costs page cache, not heap.
class SpooledBody {
 public:
  static Result<std::shared_ptr<SpooledBody>> Create(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::string path = dir + "/nucleus-body-XXXXXX";
      fd = ::mkostemp(path.data(), O_CLOEXEC);
      if (fd >= 0) ::unlink(path.c_str());
    }
    if (fd < 0) {
      return Internal("cannot spool a multipart body in " + dir + ": " + std::strerror(errno));
    }
    return std::shared_ptr<SpooledBody>(new SpooledBody(fd));
  }
  ~SpooledBody() {
    if (map_ != nullptr) ::munmap(map_, size_);
    ::close(fd_);
  }
  Status Append(std::string_view piece) {
    while (!piece.empty()) {
      ssize_t w = ::write(fd_, piece.data(), piece.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return Internal(std::string("cannot spool a multipart body: ") + std::strerror(errno));
      }
      piece.remove_prefix(static_cast<size_t>(w));
      size_ += static_cast<size_t>(w);
    }
    return Status::Ok();
  }
  Result<std::string_view> Map() {
    if (size_ == 0) return std::string_view();
    map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      return Internal("cannot map a spooled multipart body");
    }
    return std::string_view(static_cast<const char*>(map_), size_);
  }

 private:
  explicit SpooledBody(int fd) : fd_(fd) {}
  int fd_;
  void* map_ = nullptr;
  size_t size_ = 0;
};

enum Phase : int { kHead, kIdle, kWorker, kLinger, kClosed };

// recv on a non-blocking socket: > 0 bytes read; 0 when nothing is there now; -1 when the peer
// closed or the connection failed (the caller closes it).
ssize_t RecvNonBlocking(int fd, char* buf, size_t cap) {
  while (true) {
    ssize_t r = ::recv(fd, buf, cap, 0);
    if (r > 0) return r;
    if (r == 0) return -1;
    if (errno == EINTR) continue;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
  }
}

// What a worker hands back to the event loop with a connection.
enum class After { kKeepAlive, kClose, kLinger, kAwaitHead };

}  // namespace

// One TCP connection. Loop-owned while its phase is kHead, kIdle or kLinger; worker-owned in
// kWorker (the loop then touches nothing but `phase` and `deadline_ms`).
struct Conn {
  int fd = -1;
  std::string in;  // bytes received and not yet consumed (a head, a body's start, a pipelined request)
  std::atomic<int> phase{kHead};
  std::atomic<int64_t> deadline_ms{0};
  // Set by the loop when it hands a complete head to a worker.
  RequestHead head;
  size_t head_len = 0;
};

class HttpServer::Impl {
 public:
  Impl(const ServerOptions& options, Router& router, Router& site_router, api::KeyCache& keys)
      : options_(options), router_(router), site_router_(site_router), keys_(keys) {
    threads_ = options.threads > 0
                   ? options.threads
                   : std::max(8, 4 * static_cast<int>(std::thread::hardware_concurrency()));
    limits_.max_head_bytes = options.max_head_bytes;
    limits_.max_target_bytes = options.max_target_bytes;
    limits_.max_headers = options.max_headers;
  }
  ~Impl() {
    for (auto& [ptr, conn] : conns_) {
      if (conn->phase.load() != kClosed) ::close(conn->fd);
    }
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Result<int> Bind();
  Status Serve();
  void Stop() {
    stopping_.store(true);
    Wake();
  }

 private:
  class BodyReader;

  void Wake() {
    uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof(one));
  }
  // --- event loop (one thread) ---
  void AcceptAll();
  void OnReadable(Conn* c);
  void OnLingerReadable(Conn* c);
  void Arm(Conn* c, int op);
  void Close(Conn* c);
  void StartLinger(Conn* c);
  void RespondFromLoop(Conn* c, int status, const std::string& message);
  void Sweep(int64_t now);
  void TakeHandbacks();
  bool MakeRoom();
  void Dispatch(Conn* c);
  // --- workers ---
  void WorkerMain();
  void ServeConnection(Conn* c);
  // One request on a worker, in named steps over an Exchange; the std::optional<After> steps
  // return an answer when the request ends there, nullopt to go on.
  struct Exchange;
  After HandleOne(Conn* c);
  bool Finish(Exchange& x, bool close);  // writes and logs the answer; false: close after it
  After FinishKeepingAlive(Exchange& x);  // Finish, keeping the connection if the client wishes
  After AnswerWithoutBody(Exchange& x);
  After Refuse(Exchange& x, const Status& status);
  After BodyFailed(Exchange& x, const BodyReader& body, Status status);
  std::optional<After> RouteRequest(Exchange& x, Router::Match* match);
  std::optional<After> AdmitBody(Exchange& x, const RouteOptions& route);
  std::optional<After> ReadBody(Exchange& x, BodyReader& body);
  After RunHandler(Exchange& x, const Handler& handler, const BodyReader& body);
  void Rearm(Conn* c, Phase phase, int64_t deadline);
  bool AwaitNextRequest(Conn* c);
  void HandBack(Conn* c, After after);
  bool WriteResponse(Conn* c, const Response& res, bool head_only, bool close);

  const ServerOptions& options_;
  Router& router_;
  Router& site_router_;  // paths outside the prefix (the dashboard's assets); no credentials
  api::KeyCache& keys_;
  HeadLimits limits_;
  int max_connections_ = 0;
  int threads_ = 8;

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_workers_{0};  // connections in kWorker

  // Loop only.
  // Keyed by address, not descriptor: a descriptor closed in this iteration can come back from
  // accept() before the closed Conn is freed.
  std::unordered_map<Conn*, std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> graveyard_;  // closed this iteration, freed after it

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::deque<Conn*> work_;
  std::atomic<int> queued_{0};  // work_.size(), readable without the lock
  bool workers_exit_ = false;
  std::vector<std::thread> workers_;

  std::mutex back_mu_;
  std::vector<std::pair<Conn*, After>> back_;
};

// ---- binding ----------------------------------------------------------------------------------

Result<int> HttpServer::Impl::Bind() {
  // Idle and slow clients each hold a descriptor: allow as many as the hard limit permits.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
  max_connections_ = options_.max_connections;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    // Keep room for the store's files, blobs being written and the workers' needs.
    const int64_t room = static_cast<int64_t>(rl.rlim_cur) - 128 - 2 * threads_;
    max_connections_ = static_cast<int>(std::clamp<int64_t>(room, 16, max_connections_));
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options_.port);
  const char* host = options_.host.empty() ? nullptr : options_.host.c_str();
  auto cannot = [&](const std::string& why) {
    return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       ": " + why);
  };
  if (int rc = getaddrinfo(host, service.c_str(), &hints, &found); rc != 0) {
    return cannot(gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      listen_fd_ = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) return cannot(last_error);
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port_ = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  }
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return Internal("cannot create the event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = &wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  return port_;
}

// ---- the event loop ---------------------------------------------------------------------------

Status HttpServer::Impl::Serve() {
  if (listen_fd_ < 0) return FailedPrecondition("Serve() before Bind()");
  for (int i = 0; i < threads_; ++i) {
    workers_.emplace_back([this] { WorkerMain(); });
  }
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int64_t next_sweep = NowMs() + 200;
  bool accepting = true;
  while (true) {
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, 200);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      void* ptr = events[i].data.ptr;
      if (ptr == &listen_fd_) {
        if (accepting) AcceptAll();
      } else if (ptr == &wake_fd_) {
        uint64_t count;
        (void)!::read(wake_fd_, &count, sizeof(count));
        TakeHandbacks();
      } else {
        Conn* c = static_cast<Conn*>(ptr);
        int phase = c->phase.load(std::memory_order_acquire);
        if (phase == kLinger) {
          OnLingerReadable(c);
        } else if (phase == kHead || phase == kIdle) {
          OnReadable(c);
        }
      }
    }
    TakeHandbacks();
    if (stopping_.load() && accepting) {
      accepting = false;
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    int64_t now = NowMs();
    if (now >= next_sweep || !accepting) {
      Sweep(now);
      next_sweep = now + 200;
    }
    for (Conn* dead : graveyard_) conns_.erase(dead);
    graveyard_.clear();
    if (!accepting && in_workers_.load() == 0) break;
  }
  {
    std::lock_guard<std::mutex> lock(work_mu_);
    workers_exit_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  TakeHandbacks();
  for (auto& [ptr, conn] : conns_) {
    if (conn->phase.load() != kClosed) ::close(conn->fd);
  }
  conns_.clear();
  graveyard_.clear();
  return Status::Ok();
}

void HttpServer::Impl::AcceptAll() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of descriptors: the next wake-up tries again
    }
    if (static_cast<int>(conns_.size() - graveyard_.size()) >= max_connections_ && !MakeRoom()) {
      static const std::string kFull =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
          "Content-Length: 59\r\nConnection: close\r\n\r\n"
          "{\"error\":\"the server has too many open connections: retry\"}";
      (void)!::send(fd, kFull.data(), kFull.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    int yes = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    conn->phase.store(kHead);
    conn->deadline_ms.store(NowMs() + options_.head_timeout_ms);
    Conn* c = conn.get();
    conns_.emplace(c, std::move(conn));
    Arm(c, EPOLL_CTL_ADD);
  }
}

// Makes room for new connections when the cap is reached: closes a batch (1/32 of the cap) of
// the connections that hold no request in progress, idle keep-alive ones first, then those
// whose head has not arrived, each group oldest deadline first. A flood of silent connections
// thus cannot lock real clients out, and one scan serves many accepts. Returns false when
// every connection is inside a request.
bool HttpServer::Impl::MakeRoom() {
  std::vector<std::pair<int64_t, Conn*>> idle, heads;
  for (auto& [ptr, conn] : conns_) {
    const int phase = conn->phase.load(std::memory_order_acquire);
    if (phase == kIdle) idle.emplace_back(conn->deadline_ms.load(), conn.get());
    if (phase == kHead) heads.emplace_back(conn->deadline_ms.load(), conn.get());
  }
  size_t want = std::max<size_t>(1, static_cast<size_t>(max_connections_) / 32);
  size_t closed = 0;
  for (auto* group : {&idle, &heads}) {
    if (closed >= want) break;
    size_t take = std::min(group->size(), want - closed);
    std::nth_element(group->begin(), group->begin() + static_cast<ptrdiff_t>(take),
                     group->end());
    for (size_t i = 0; i < take; ++i) Close((*group)[i].second);
    closed += take;
  }
  return closed > 0;
}

void HttpServer::Impl::Arm(Conn* c, int op) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.ptr = c;
  if (epoll_ctl(epoll_fd_, op, c->fd, &ev) != 0) Close(c);
}

void HttpServer::Impl::Close(Conn* c) {
  if (c->phase.load() == kClosed) return;
  c->phase.store(kClosed);
  ::close(c->fd);
  graveyard_.push_back(c);
}

void HttpServer::Impl::OnReadable(Conn* c) {
  char buf[16 * 1024];
  while (true) {
    ssize_t r = RecvNonBlocking(c->fd, buf, sizeof(buf));
    if (r == 0) break;  // nothing more for now
    if (r < 0) return Close(c);
    if (c->phase.load() == kIdle) {
      c->phase.store(kHead);
      c->deadline_ms.store(NowMs() + options_.head_timeout_ms);
    }
    c->in.append(buf, static_cast<size_t>(r));
    RequestHead head;
    size_t consumed = 0;
    std::pair<int, std::string> error;
    HeadParse parsed = ParseRequestHead(c->in, limits_, &head, &consumed, &error);
    if (parsed == HeadParse::kComplete) {
      c->head = std::move(head);
      c->head_len = consumed;
      return Dispatch(c);
    }
    if (parsed == HeadParse::kError) return RespondFromLoop(c, error.first, error.second);
    if (static_cast<size_t>(r) < sizeof(buf)) break;
  }
  Arm(c, EPOLL_CTL_MOD);
}

void HttpServer::Impl::Dispatch(Conn* c) {
  if (stopping_.load()) return Close(c);
  c->phase.store(kWorker, std::memory_order_release);
  in_workers_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(work_mu_);
    work_.push_back(c);
    queued_.fetch_add(1, std::memory_order_relaxed);
  }
  work_cv_.notify_one();
}

// An error found before a worker saw the request: a small response written without waiting,
// then the connection drains what the client still sends and closes.
void HttpServer::Impl::RespondFromLoop(Conn* c, int status, const std::string& message) {
  std::string body = wire::ErrorBody(message);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) +
                    "\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n" + body;
  (void)!::send(c->fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (options_.log_requests) {
    core::LogInfo("- - " + std::to_string(status) + " 0.0ms (" + message + ")");
  }
  StartLinger(c);
}

void HttpServer::Impl::StartLinger(Conn* c) {
  ::shutdown(c->fd, SHUT_WR);
  c->in.clear();
  c->in.shrink_to_fit();
  c->deadline_ms.store(NowMs() + options_.linger_ms);
  c->phase.store(kLinger, std::memory_order_release);
  Arm(c, EPOLL_CTL_MOD);
}

// Reads and drops what a refused client is still sending, so that it gets to read our answer
// instead of a reset; bounded by time (linger_ms) and by 1 MiB per wake-up for fairness.
void HttpServer::Impl::OnLingerReadable(Conn* c) {
  char buf[64 * 1024];
  size_t this_round = 0;
  while (this_round < (size_t{1} << 20)) {
    ssize_t r = RecvNonBlocking(c->fd, buf, sizeof(buf));
    if (r == 0) break;
    if (r < 0) return Close(c);
    this_round += static_cast<size_t>(r);
  }
  Arm(c, EPOLL_CTL_MOD);
}

void HttpServer::Impl::Sweep(int64_t now) {
  const bool stopping = stopping_.load();
  for (auto& [ptr, conn] : conns_) {
    Conn* c = conn.get();
    int phase = c->phase.load(std::memory_order_acquire);
    if (phase == kWorker || phase == kClosed) continue;
    if (stopping && phase != kLinger) {
      Close(c);
      continue;
    }
    if (now < c->deadline_ms.load()) continue;
    if (phase == kHead && !c->in.empty()) {
      // A head that did not arrive in time: say so, then close.
      static const std::string kLate =
          "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
          "Content-Length: 51\r\nConnection: close\r\n\r\n"
          "{\"error\":\"the request head did not arrive in time\"}";
      (void)!::send(c->fd, kLate.data(), kLate.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      Close(c);
    } else {
      Close(c);
    }
  }
}

void HttpServer::Impl::TakeHandbacks() {
  std::vector<std::pair<Conn*, After>> back;
  {
    std::lock_guard<std::mutex> lock(back_mu_);
    back.swap(back_);
  }
  for (auto [c, after] : back) {
    in_workers_.fetch_sub(1);
    if (stopping_.load() || after == After::kClose) {
      Close(c);
    } else if (after == After::kLinger) {
      StartLinger(c);
    } else {
      // Back to waiting for a request (the worker set the deadline).
      c->phase.store(after == After::kAwaitHead ? kHead : kIdle, std::memory_order_release);
      Arm(c, EPOLL_CTL_MOD);
    }
  }
}

// ---- workers ----------------------------------------------------------------------------------

void HttpServer::Impl::WorkerMain() {
  while (true) {
    Conn* c = nullptr;
    {
      std::unique_lock<std::mutex> lock(work_mu_);
      work_cv_.wait(lock, [&] { return workers_exit_ || !work_.empty(); });
      if (work_.empty()) return;
      c = work_.front();
      work_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    ServeConnection(c);
  }
}

void HttpServer::Impl::ServeConnection(Conn* c) {
  while (true) {
    After after = HandleOne(c);
    if (after != After::kKeepAlive || stopping_.load()) {
      return HandBack(c, after == After::kKeepAlive ? After::kClose : after);
    }
    if (c->in.empty() && !AwaitNextRequest(c)) {
      return Rearm(c, kIdle, NowMs() + options_.idle_timeout_ms);
    }
    // A pipelined request is already (partly) here.
    RequestHead head;
    size_t consumed = 0;
    std::pair<int, std::string> error;
    HeadParse parsed = ParseRequestHead(c->in, limits_, &head, &consumed, &error);
    if (parsed == HeadParse::kIncomplete) {
      return Rearm(c, kHead, NowMs() + options_.head_timeout_ms);
    }
    if (parsed == HeadParse::kError) {
      Response res;
      res.Error(Status(StatusCode::kInvalidArgument, error.second));
      res.status = error.first;
      WriteResponse(c, res, false, true);
      return HandBack(c, After::kLinger);
    }
    c->head = std::move(head);
    c->head_len = consumed;
  }
}

// A busy keep-alive client sends its next request right after reading the answer: waiting a
// moment for it here saves two thread hand-offs through the event loop (the tail of reads on a
// loaded machine is mostly waiting for a core). Only when no other request is queued, so a
// worker never idles on one connection while others wait; an idle client goes back to the loop.
bool HttpServer::Impl::AwaitNextRequest(Conn* c) {
  if (options_.keep_alive_wait_us <= 0 || queued_.load(std::memory_order_relaxed) > 0) {
    return false;
  }
  pollfd p{c->fd, POLLIN, 0};
  timespec wait{0, static_cast<long>(options_.keep_alive_wait_us) * 1000};
  if (::ppoll(&p, 1, &wait, nullptr) <= 0 || (p.revents & POLLIN) == 0) return false;
  char buf[16 * 1024];
  ssize_t r = ::recv(c->fd, buf, sizeof(buf), 0);
  if (r <= 0) return false;  // closed or failed: the loop sees it and closes
  c->in.append(buf, static_cast<size_t>(r));
  return true;
}

// Hands an idle connection (or one with part of its next head) back to the loop, which re-arms
// it. Only the loop touches a connection's registration and descriptor once it is not in a
// worker: re-arming here could race with the loop closing it (eviction, shutdown).
void HttpServer::Impl::Rearm(Conn* c, Phase phase, int64_t deadline) {
  c->deadline_ms.store(deadline);
  HandBack(c, phase == kHead ? After::kAwaitHead : After::kKeepAlive);
}

void HttpServer::Impl::HandBack(Conn* c, After after) {
  {
    std::lock_guard<std::mutex> lock(back_mu_);
    back_.emplace_back(c, after);
  }
  Wake();
}

// Reads one request's body from the connection: first what is already buffered, then the
// socket, under the minimum-rate deadline. Leaves any byte past the body in `c->in`.
class HttpServer::Impl::BodyReader {
 public:
  BodyReader(const ServerOptions& options, Conn* c, const BodyFraming& framing)
      : options_(options), c_(c), framing_(framing), remaining_(framing.length) {
    started_ms_ = NowMs();
  }

  bool done() const { return done_; }
  bool timed_out() const { return timed_out_; }
  bool started() const { return started_; }

  // Feeds the decoded body to `sink`, at most `limit` decoded bytes. Call once.
  Status Pump(uint64_t limit, const std::function<Status(std::string_view)>& sink) {
    started_ = true;
    if (framing_.kind == BodyFraming::Kind::kNone) {
      done_ = true;
      return Status::Ok();
    }
    auto decoder = ContentDecoder::Make(framing_.coding, limit);
    if (!decoder.ok()) return decoder.status();
    ContentDecoder& dec = **decoder;
    auto feed = [&](std::string_view piece) { return dec.Feed(piece, sink); };

    // What arrived with the head.
    if (!c_->in.empty()) {
      size_t used = 0;
      NUCLEUS_RETURN_IF_ERROR(Consume(c_->in, feed, &used));
      c_->in.erase(0, used);
    }
    std::string buf(64 * 1024, '\0');
    while (!done_) {
      size_t n = 0;
      NUCLEUS_RETURN_IF_ERROR(Receive(buf.data(), buf.size(), &n));
      size_t used = 0;
      NUCLEUS_RETURN_IF_ERROR(Consume(std::string_view(buf.data(), n), feed, &used));
      if (used < n) c_->in.append(buf.data() + used, n - used);  // the next request's bytes
    }
    return dec.Finish();
  }

 private:
  Status Consume(std::string_view raw, const std::function<Status(std::string_view)>& feed,
                 size_t* used) {
    if (framing_.kind == BodyFraming::Kind::kLength) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, raw.size()));
      NUCLEUS_RETURN_IF_ERROR(feed(raw.substr(0, take)));
      remaining_ -= take;
      received_ += take;
      *used = take;
      if (remaining_ == 0) done_ = true;
      return Status::Ok();
    }
    Result<size_t> n = chunked_.Feed(raw, feed);
    if (!n.ok()) return n.status();
    received_ += *n;
    *used = *n;
    if (chunked_.done()) done_ = true;
    return Status::Ok();
  }

  Status Receive(char* buf, size_t cap, size_t* n) {
    while (true) {
      ssize_t r = ::recv(c_->fd, buf, cap, 0);
      if (r > 0) {
        *n = static_cast<size_t>(r);
        return Status::Ok();
      }
      if (r == 0) return InvalidArgument("the connection closed before the request body ended");
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return InvalidArgument("the request body could not be read: " +
                               std::string(std::strerror(errno)));
      }
      // The body must keep coming: `grace` plus one second per min_rate bytes received.
      const int64_t now = NowMs();
      const uint64_t rate = std::max<uint64_t>(1, options_.min_body_rate_bytes_per_s);
      const int64_t earned = static_cast<int64_t>(std::min<uint64_t>(received_ / rate * 1000,
                                                                     uint64_t{1} << 40));
      const int64_t deadline = started_ms_ + options_.body_grace_ms + earned;
      const int64_t wait = std::min<int64_t>(deadline - now, options_.body_idle_timeout_ms);
      if (wait <= 0) {
        timed_out_ = true;
        return InvalidArgument("the request body arrived too slowly (under " +
                               std::to_string(rate) + " bytes/s)");
      }
      pollfd p{c_->fd, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(wait));
      if (rc == 0) {
        timed_out_ = true;
        return InvalidArgument("the request body stopped arriving");
      }
    }
  }

  const ServerOptions& options_;
  Conn* c_;
  BodyFraming framing_;
  uint64_t remaining_;
  uint64_t received_ = 0;
  int64_t started_ms_ = 0;
  ChunkedDecoder chunked_;
  bool done_ = false;
  bool started_ = false;
  bool timed_out_ = false;
};

namespace {

std::string TooLarge(uint64_t limit, const char* flag) {
  return "request body is larger than the server's limit of " + std::to_string(limit) +
         " bytes (see " + flag + ")";
}

}  // namespace

// One request and its answer on a connection: what HandleOne's steps share. Lives on the
// worker's stack for the request's duration.
struct HttpServer::Impl::Exchange {
  explicit Exchange(Conn* conn) : c(conn), head(conn->head) {}
  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  Conn* c;
  const RequestHead& head;
  Request req;
  Response res;
  std::string route = "-";
  bool head_only = false;
  BodyFraming framing;
  bool has_body = false;
  bool multipart = false;
  uint64_t limit = 0;  // the body limit of the matched route
  const char* flag = "";  // the option that sets `limit`, named when it is passed
};

After HttpServer::Impl::HandleOne(Conn* c) {
  Exchange x(c);
  c->in.erase(0, c->head_len);
  c->head_len = 0;

  std::pair<int, std::string> error;
  if (!DecideFraming(x.head, &x.framing, &error)) {
    x.res.Error(InvalidArgument(error.second));
    x.res.status = error.first;
    Finish(x, true);
    return After::kLinger;
  }
  x.has_body = x.framing.kind != BodyFraming::Kind::kNone;
  Router::Match match;
  if (std::optional<After> answered = RouteRequest(x, &match)) return *answered;
  if (std::optional<After> answered = AdmitBody(x, match.options)) return *answered;

  BodyReader body(options_, c, x.framing);
  // The handler calls read_body after this block: what it captures lives at function scope.
  Status stream_status;
  if (match.options.stream_body) {
    x.req.read_body = [&](const std::function<Status(std::string_view)>& sink) {
      if (body.started()) return FailedPrecondition("the request body was already read");
      stream_status = body.Pump(x.limit, sink);
      if (stream_status.code() == StatusCode::kPayloadTooLarge) {
        stream_status = PayloadTooLarge(TooLarge(x.limit, x.flag));
      }
      return stream_status;
    };
  } else if (x.has_body) {
    if (std::optional<After> answered = ReadBody(x, body)) return *answered;
  }
  return RunHandler(x, *match.handler, body);
}

bool HttpServer::Impl::Finish(Exchange& x, bool close) {
  bool written = WriteResponse(x.c, x.res, x.head_only, close);
  if (options_.log_requests) {
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - x.start)
                  .count();
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1fms", ms);
    core::LogInfo(x.head.method + " " + x.route + " " + std::to_string(x.res.status) + " " + buf);
  }
  return written && !close;
}

After HttpServer::Impl::FinishKeepingAlive(Exchange& x) {
  return Finish(x, !x.framing.keep_alive) ? After::kKeepAlive : After::kClose;
}

// An answer given without reading the body: a body already buffered whole is skipped (the
// official client sends "{}" on GETs), any other closes the connection after the answer.
After HttpServer::Impl::AnswerWithoutBody(Exchange& x) {
  if (!x.has_body) return FinishKeepingAlive(x);
  if (x.framing.kind == BodyFraming::Kind::kLength &&
      x.framing.coding == BodyFraming::Coding::kIdentity && x.framing.length <= x.c->in.size()) {
    x.c->in.erase(0, static_cast<size_t>(x.framing.length));
    return FinishKeepingAlive(x);
  }
  Finish(x, true);
  return After::kLinger;
}

After HttpServer::Impl::Refuse(Exchange& x, const Status& status) {
  x.res.Error(status);
  return AnswerWithoutBody(x);
}

// A body that fails while being read: the answer names why; the connection closes.
After HttpServer::Impl::BodyFailed(Exchange& x, const BodyReader& body, Status status) {
  if (status.code() == StatusCode::kPayloadTooLarge) {
    status = PayloadTooLarge(TooLarge(x.limit, x.flag));
  }
  x.res.Error(status);
  if (body.timed_out()) x.res.status = 408;
  Finish(x, true);
  return body.timed_out() ? After::kClose : After::kLinger;
}

// /healthz, the prefix, the route table, the base URL and the credentials (from the head: an
// unauthenticated request never costs a body byte). An answer if the request ends here.
std::optional<After> HttpServer::Impl::RouteRequest(Exchange& x, Router::Match* match) {
  const RequestHead& head = x.head;
  std::string path;
  SplitTarget(head.target, &path, &x.req.query);
  if (path == "/healthz") {
    x.route = "/healthz";
    x.res.Json("{\"status\":\"ok\"}");
    return AnswerWithoutBody(x);
  }
  std::string method = head.method;
  if (method == "HEAD") {
    method = "GET";
    x.head_only = true;
  }
  Request& req = x.req;
  if (!core::StartsWith(path, options_.prefix) ||
      (path.size() > options_.prefix.size() && path[options_.prefix.size()] != '/')) {
    // Site routes answer without credentials: they serve only public static files.
    if (!site_router_.Find(method, path, match)) {
      return Refuse(x, NotFound("no such route: " + head.method + " " + path));
    }
    x.route = match->pattern;
    req.method = method;
    req.path = path;
    req.params = std::move(match->params);
    req.header_fields = &head.headers;
    return std::nullopt;
  }
  req.method = method;
  req.path = path.substr(options_.prefix.size());
  if (!router_.Find(req.method, req.path, match)) {
    return Refuse(x, match->path_known
                         ? Status(StatusCode::kNotFound,
                                  "method " + req.method + " not allowed on " + req.path)
                         : NotFound("no such route: " + req.method + " " + req.path));
  }
  x.route = match->pattern;
  req.params = std::move(match->params);
  req.header_fields = &head.headers;
  const std::string* host = head.Find("host");
  if (!options_.public_url.empty()) {
    req.base_url = options_.public_url + options_.prefix;
  } else if (host != nullptr && !host->empty()) {
    req.base_url = "http://" + *host + options_.prefix;
  } else {
    req.base_url = "http://" + options_.host + ":" + std::to_string(port_) + options_.prefix;
  }
  if (match->options.requires_auth) {
    Result<std::string> owner = keys_.Authenticate(CredentialOf(head));
    if (!owner.ok()) return Refuse(x, owner.status());
    req.owner = *owner;
  }
  return std::nullopt;
}

// The route's body limit against a declared length, then "100 Continue" if the client waits
// for it. An answer if the request ends here.
std::optional<After> HttpServer::Impl::AdmitBody(Exchange& x, const RouteOptions& route) {
  x.multipart = !route.stream_body && IsMultipart(x.head);
  x.limit = route.stream_body ? options_.max_upload_bytes
            : x.multipart     ? options_.max_multipart_bytes
                              : options_.max_body_bytes;
  x.flag = route.stream_body ? "--max-upload-mb"
           : x.multipart     ? "--max-multipart-mb"
                             : "--max-body-mb";
  if (x.framing.kind == BodyFraming::Kind::kLength && x.framing.length > x.limit) {
    return Refuse(x, PayloadTooLarge(TooLarge(x.limit, x.flag)));
  }
  if (x.has_body && x.framing.expect_continue) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    (void)!::send(x.c->fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
  }
  return std::nullopt;
}

// A whole (not streamed) body into x.req: large multipart bodies go to a file as they arrive,
// everything else to memory; multipart is then split into parts. An answer if the request ends
// here.
std::optional<After> HttpServer::Impl::ReadBody(Exchange& x, BodyReader& body) {
  constexpr uint64_t kSpoolAbove = uint64_t{1} << 20;
  const bool spool = x.multipart && (x.framing.kind != BodyFraming::Kind::kLength ||
                                     x.framing.coding != BodyFraming::Coding::kIdentity ||
                                     x.framing.length > kSpoolAbove);
  std::string_view content;
  if (spool) {
    auto created = SpooledBody::Create(options_.spool_dir);
    if (!created.ok()) return BodyFailed(x, body, created.status());
    std::shared_ptr<SpooledBody> spooled = *created;
    Status read =
        body.Pump(x.limit, [&](std::string_view piece) { return spooled->Append(piece); });
    if (!read.ok()) return BodyFailed(x, body, read);
    auto mapped = spooled->Map();
    if (!mapped.ok()) return Refuse(x, mapped.status());
    content = *mapped;
    x.req.body_storage = spooled;
  } else {
    Status read = body.Pump(x.limit, [&](std::string_view piece) {
      x.req.body.append(piece);
      return Status::Ok();
    });
    if (!read.ok()) return BodyFailed(x, body, read);
    content = x.req.body;
  }
  if (!x.multipart) return std::nullopt;
  x.req.is_multipart = true;
  Result<std::string> boundary = MultipartBoundary(*x.head.Find("content-type"));
  std::vector<MultipartPart> parts;
  Status parsed = boundary.ok() ? ParseMultipart(content, *boundary, MultipartLimits{}, &parts)
                                : boundary.status();
  if (!parsed.ok()) {
    x.res.Error(parsed);
    return FinishKeepingAlive(x);
  }
  for (MultipartPart& p : parts) {
    x.req.parts.push_back(FormPart{std::move(p.name), std::move(p.filename),
                                   std::move(p.content_type), p.content});
  }
  return std::nullopt;
}

// Runs the route's handler (its exceptions become 500s) and answers; a streamed body the
// handler did not read to its end must not reach the next request.
After HttpServer::Impl::RunHandler(Exchange& x, const Handler& handler, const BodyReader& body) {
  try {
    handler(x.req, x.res);
  } catch (const std::bad_alloc&) {
    core::LogError("handler ran out of memory on " + x.route);
    x.res.Error(Internal("internal error: out of memory"));
  } catch (const std::exception& e) {
    core::LogError(std::string("handler threw: ") + e.what());
    x.res.Error(Internal(std::string("internal error: ") + e.what()));
  }
  // Stored blob references are location-free: the answer names this server (core/blob_urls.h).
  if (x.res.content_type == "application/json") {
    core::ResolveLocalBlobUrls(x.req.base_url, &x.res.body);
  }
  const bool consumed = !x.has_body || body.done();
  if (body.timed_out()) {
    Finish(x, true);
    return After::kClose;
  }
  if (!consumed) {
    Finish(x, true);
    return After::kLinger;
  }
  return FinishKeepingAlive(x);
}

bool HttpServer::Impl::WriteResponse(Conn* c, const Response& res, bool head_only, bool close) {
  std::string h;
  h.reserve(256);
  h += "HTTP/1.1 ";
  h += std::to_string(res.status);
  h += ' ';
  h += Reason(res.status);
  h += "\r\nContent-Type: ";
  h += HeaderSafe(res.content_type);
  h += "\r\nContent-Length: ";
  h += std::to_string(res.body.size());
  h += "\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : res.headers) {
    h += HeaderSafe(name);
    h += ": ";
    h += HeaderSafe(value);
    h += "\r\n";
  }
  if (close) h += "Connection: close\r\n";
  h += "\r\n";

  iovec iov[2];
  iov[0] = {h.data(), h.size()};
  iov[1] = {const_cast<char*>(res.body.data()), head_only ? 0 : res.body.size()};
  int first = 0;
  size_t total = iov[0].iov_len + iov[1].iov_len;
  while (total > 0) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = 2 - first;
    ssize_t w = ::sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      pollfd p{c->fd, POLLOUT, 0};
      if (::poll(&p, 1, options_.write_timeout_ms) <= 0) return false;
      continue;
    }
    size_t written = static_cast<size_t>(w);
    total -= written;
    while (written > 0 && first < 2) {
      size_t take = std::min(written, iov[first].iov_len);
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + take;
      iov[first].iov_len -= take;
      written -= take;
      if (iov[first].iov_len == 0) ++first;
    }
    if (first == 0 && iov[0].iov_len == 0) first = 1;
  }
  return true;
}

// ---- HttpServer -------------------------------------------------------------------------------

HttpServer::HttpServer(api::Context& ctx, ServerOptions options)
    : options_(std::move(options)), keys_(ctx.store) {
  impl_ = std::make_unique<Impl>(options_, router_, site_router_, keys_);
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind() { return impl_->Bind(); }

Status HttpServer::Serve() { return impl_->Serve(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace nucleus::server
