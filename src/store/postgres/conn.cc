#include "store/postgres/conn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace nucleus::store::postgres {
namespace {

// Binary-format integers and floats arrive in network byte order.
uint64_t BigEndian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string ErrorText(pg_conn* conn) {
  std::string text = PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string NumberPlaceholders(std::string_view sql, int* params) {
  std::string out;
  out.reserve(sql.size() + sql.size() / 4);
  int next = 0, highest = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
      continue;
    }
    if (c != '?') {
      out.push_back(c);
      continue;
    }
    int n = 0;
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
    if (j == i + 1) n = ++next;  // a bare `?`: the next number
    i = j - 1;
    if (n > highest) highest = n;
    out.push_back('$');
    out += std::to_string(n);
  }
  *params = highest;
  return out;
}

// ---- ArrayParam

namespace {
void PutBigEndian(uint64_t v, int n, std::string* out) {
  for (int i = n - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

void ArrayParam::Clear() {
  count_ = 0;
  has_null_ = false;
  elements_.clear();
}

void ArrayParam::Add(std::string_view bytes) {
  PutBigEndian(static_cast<uint32_t>(bytes.size()), 4, &elements_);
  elements_.append(bytes);
  ++count_;
}

void ArrayParam::Add(int64_t value) {
  PutBigEndian(8, 4, &elements_);
  PutBigEndian(static_cast<uint64_t>(value), 8, &elements_);
  ++count_;
}

void ArrayParam::Add(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  PutBigEndian(8, 4, &elements_);
  PutBigEndian(bits, 8, &elements_);
  ++count_;
}

void ArrayParam::AddNull() {
  PutBigEndian(0xffffffffu, 4, &elements_);  // length -1
  has_null_ = true;
  ++count_;
}

std::string_view ArrayParam::Bytes() {
  // Header: dimensions, has-null flag, element type, then (size, lower bound) per dimension.
  bytes_.clear();
  PutBigEndian(1, 4, &bytes_);
  PutBigEndian(has_null_ ? 1 : 0, 4, &bytes_);
  PutBigEndian(element_oid_, 4, &bytes_);
  PutBigEndian(static_cast<uint32_t>(count_), 4, &bytes_);
  PutBigEndian(1, 4, &bytes_);
  bytes_.append(elements_);
  return bytes_;
}

// ---- CopyRows

void CopyRows::Clear() {
  // Signature, flags (no OIDs), header extension length.
  static constexpr char kHeader[] = "PGCOPY\n\377\r\n";
  bytes_.assign(kHeader, sizeof kHeader);  // the signature includes its NUL
  PutBigEndian(0, 4, &bytes_);
  PutBigEndian(0, 4, &bytes_);
  rows_ = 0;
  finished_ = false;
}

void CopyRows::BeginRow(int fields) {
  PutBigEndian(static_cast<uint16_t>(fields), 2, &bytes_);
  ++rows_;
}

void CopyRows::Add(std::string_view bytes) {
  PutBigEndian(static_cast<uint32_t>(bytes.size()), 4, &bytes_);
  bytes_.append(bytes);
}

void CopyRows::Add(int64_t value) {
  PutBigEndian(8, 4, &bytes_);
  PutBigEndian(static_cast<uint64_t>(value), 8, &bytes_);
}

void CopyRows::Add(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  PutBigEndian(8, 4, &bytes_);
  PutBigEndian(bits, 8, &bytes_);
}

void CopyRows::AddNull() {
  PutBigEndian(0xffffffffu, 4, &bytes_);  // length -1
}

std::string_view CopyRows::Finish() {
  if (!finished_) PutBigEndian(0xffff, 2, &bytes_);  // field count -1: the end
  finished_ = true;
  return bytes_;
}

// ---- Stmt

Stmt::Stmt(Conn* conn, std::string_view name, int params, Status prepare_error)
    : conn_(conn), name_(name), params_(static_cast<size_t>(params)) {
  if (!prepare_error.ok()) {
    status_ = std::move(prepare_error);
    ran_ = true;
  }
}

Stmt::~Stmt() {
  CloseCursor();
  if (result_ != nullptr) PQclear(result_);
}

Stmt::Stmt(Stmt&& other) noexcept
    : conn_(other.conn_),
      name_(std::move(other.name_)),
      params_(std::move(other.params_)),
      cursor_sql_(std::move(other.cursor_sql_)),
      cursor_(std::move(other.cursor_)),
      result_(other.result_),
      row_(other.row_),
      ran_(other.ran_),
      status_(std::move(other.status_)) {
  other.result_ = nullptr;
  other.cursor_.clear();
}

Stmt::Param& Stmt::Slot(int index) {
  if (index < 1 || static_cast<size_t>(index) > params_.size()) {
    // Reported when the statement runs: a bind past the statement's parameters is a bug.
    if (status_.ok()) {
      std::string msg = "postgres: bind index ";
      msg += std::to_string(index);
      msg += " past the statement's parameters";
      status_ = Internal(msg);
    }
    static thread_local Param sink;
    return sink;
  }
  return params_[static_cast<size_t>(index - 1)];
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  Param& p = Slot(index);
  p.kind = Param::Kind::kOwned;
  p.binary = true;
  p.owned.assign(text);
  return *this;
}

Stmt& Stmt::BindStatic(int index, std::string_view text) {
  Param& p = Slot(index);
  p.kind = Param::Kind::kBorrowed;
  p.binary = true;
  p.borrowed = text;
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  Param& p = Slot(index);
  p.kind = Param::Kind::kOwned;
  p.binary = false;  // as text: the server reads it as whatever integer type it inferred
  p.owned = std::to_string(value);
  return *this;
}

Stmt& Stmt::Bind(int index, double value) {
  Param& p = Slot(index);
  p.kind = Param::Kind::kOwned;
  p.binary = false;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest exact form
  p.owned.assign(buf, ec == std::errc() ? end : buf);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  Slot(index).kind = Param::Kind::kNull;
  return *this;
}

Status Stmt::Run() {
  ran_ = true;
  row_ = -1;
  if (!status_.ok()) return status_;
  const size_t n = params_.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n), formats(n);
  for (size_t i = 0; i < n; ++i) {
    const Param& p = params_[i];
    formats[i] = p.binary ? 1 : 0;
    switch (p.kind) {
      case Param::Kind::kNull:
        values[i] = nullptr;
        break;
      case Param::Kind::kOwned:
        values[i] = p.owned.c_str();
        lengths[i] = static_cast<int>(p.owned.size());
        break;
      case Param::Kind::kBorrowed:
        // A binary parameter is read by length: no terminating NUL is needed. An empty view
        // may have no data pointer; libpq wants one all the same.
        values[i] = p.borrowed.data() != nullptr ? p.borrowed.data() : "";
        lengths[i] = static_cast<int>(p.borrowed.size());
        break;
    }
  }
  if (!cursor_sql_.empty()) {
    const std::string name = "nucleus_cursor_" + std::to_string(++conn_->cursors_);
    std::string declare = "DECLARE ";
    declare += name;
    declare += " NO SCROLL CURSOR FOR ";
    declare += cursor_sql_;
    pg_result* declared = PQexecParams(conn_->conn_, declare.c_str(), static_cast<int>(n),
                                       nullptr, values.data(), lengths.data(), formats.data(), 1);
    status_ = conn_->ResultStatus(declared, "declare cursor");
    if (declared != nullptr) PQclear(declared);
    if (!status_.ok()) return status_;
    cursor_ = name;
    return Fetch();
  }
  result_ = PQexecPrepared(conn_->conn_, name_.c_str(), static_cast<int>(n), values.data(),
                           lengths.data(), formats.data(), /*resultFormat=binary*/ 1);
  status_ = conn_->ResultStatus(result_, name_);
  if (status_.ok()) {
    const char* touched = PQcmdTuples(result_);
    conn_->changes_ = (touched != nullptr && *touched != '\0') ? std::atoll(touched) : 0;
  }
  return status_;
}

Status Stmt::Fetch() {
  if (result_ != nullptr) PQclear(result_);
  row_ = -1;
  const std::string fetch = "FETCH " + std::to_string(kRowsPerFetch) + " FROM " + cursor_;
  result_ = PQexecParams(conn_->conn_, fetch.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1);
  status_ = conn_->ResultStatus(result_, "fetch");
  if (!status_.ok() || PQntuples(result_) < kRowsPerFetch) CloseCursor();
  return status_;
}

void Stmt::CloseCursor() {
  if (cursor_.empty()) return;
  // Fails harmlessly when the transaction has already failed (its cursors are gone with it).
  pg_result* closed = PQexec(conn_->conn_, ("CLOSE " + cursor_).c_str());
  if (closed != nullptr) PQclear(closed);
  cursor_.clear();
}

bool Stmt::Step() {
  if (!ran_ && !Run().ok()) return false;
  if (!status_.ok() || result_ == nullptr) return false;
  if (row_ + 1 >= PQntuples(result_)) {
    if (cursor_.empty() || !Fetch().ok() || PQntuples(result_) == 0) return false;
  }
  ++row_;
  return true;
}

Status Stmt::Exec() {
  if (!ran_) return Run();
  return status_;
}

void Stmt::Reset() {
  CloseCursor();
  if (result_ != nullptr) PQclear(result_);
  result_ = nullptr;
  row_ = -1;
  ran_ = false;
}

int64_t Stmt::rows() const { return result_ == nullptr ? 0 : PQntuples(result_); }

bool Stmt::IsNull(int col) const { return PQgetisnull(result_, row_, col) != 0; }

std::string_view Stmt::View(int col) const {
  if (IsNull(col)) return {};
  return std::string_view(PQgetvalue(result_, row_, col),
                          static_cast<size_t>(PQgetlength(result_, row_, col)));
}

int64_t Stmt::Int(int col) const {
  if (IsNull(col)) return 0;
  const char* p = PQgetvalue(result_, row_, col);
  switch (PQgetlength(result_, row_, col)) {
    case 8:
      return static_cast<int64_t>(BigEndian(p, 8));
    case 4:
      return static_cast<int32_t>(BigEndian(p, 4));
    case 2:
      return static_cast<int16_t>(BigEndian(p, 2));
    case 1:
      return static_cast<unsigned char>(p[0]);  // boolean
    default:
      return 0;
  }
}

double Stmt::Double(int col) const {
  if (IsNull(col)) return 0;
  const char* p = PQgetvalue(result_, row_, col);
  if (PQgetlength(result_, row_, col) == 4) {
    const auto bits = static_cast<uint32_t>(BigEndian(p, 4));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  const uint64_t bits = BigEndian(p, 8);
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// ---- Conn

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& uri) {
  pg_conn* raw = PQconnectdb(uri.c_str());
  if (raw == nullptr) return Unavailable("postgres: out of memory connecting");
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string why = ErrorText(raw);
    PQfinish(raw);
    return Unavailable("postgres: cannot connect: " + why);
  }
  std::unique_ptr<Conn> conn(new Conn(raw));  // NOLINT: private constructor
  // Notices (e.g. "relation already exists, skipping") are not for the server's log.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  NUCLEUS_RETURN_IF_ERROR(conn->ExecScript("SET client_min_messages = warning"));
  return conn;
}

Conn::~Conn() { PQfinish(conn_); }

bool Conn::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Conn::ResultStatus(pg_result* result, std::string_view context) {
  if (result == nullptr) {
    std::string msg = "postgres ";
    msg += context;
    msg += ": ";
    msg += ErrorText(conn_);
    return Unavailable(msg);
  }
  const ExecStatusType st = PQresultStatus(result);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE) {
    return Status::Ok();
  }
  std::string msg = "postgres ";
  msg += context;
  msg += ": ";
  const char* text = PQresultErrorMessage(result);
  msg += text != nullptr ? text : "";
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string_view sqlstate = state != nullptr ? state : "";
  // As sqlite's constraint failures: class 23 (unique, foreign key, not null, check).
  if (sqlstate.starts_with("23")) return AlreadyExists(msg);
  // Serialisation failures, deadlocks, a server going down: the caller may retry.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P") || !healthy()) {
    return Unavailable(msg);
  }
  return Internal(msg);
}

Stmt Conn::Prepare(std::string_view sql) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    Prepared p;
    p.name = "n";
    p.name += std::to_string(prepared_.size() + 1);
    const std::string numbered = NumberPlaceholders(sql, &p.params);
    pg_result* result = PQprepare(conn_, p.name.c_str(), numbered.c_str(), 0, nullptr);
    p.error = ResultStatus(result, "prepare");
    if (!p.error.ok()) {
      std::string msg = p.error.message();
      msg += " [";
      msg += numbered;
      msg += "]";
      p.error = Internal(msg);
    }
    if (result != nullptr) PQclear(result);
    if (!p.error.ok()) return Stmt(this, p.name, p.params, p.error);  // not cached: retried
    it = prepared_.emplace(std::string(sql), std::move(p)).first;
  }
  return Stmt(this, it->second.name, it->second.params, Status::Ok());
}

Stmt Conn::Scan(std::string_view sql) {
  int params = 0;
  std::string numbered = NumberPlaceholders(sql, &params);
  Stmt stmt(this, "scan", params, Status::Ok());
  stmt.cursor_sql_ = std::move(numbered);
  return stmt;
}

Status Conn::CopyIn(const std::string& copy_sql, std::string_view data) {
  changes_ = 0;
  pg_result* started = PQexec(conn_, copy_sql.c_str());
  if (started == nullptr || PQresultStatus(started) != PGRES_COPY_IN) {
    Status status = ResultStatus(started, "copy");
    if (started != nullptr) PQclear(started);
    return status.ok() ? Internal("postgres copy: not a COPY FROM STDIN: " + copy_sql) : status;
  }
  PQclear(started);
  // In slices, so that libpq's output buffer stays small whatever the batch's size.
  constexpr size_t kSlice = size_t{1} << 20;
  std::string failed;
  for (size_t at = 0; at < data.size(); at += kSlice) {
    const size_t n = std::min(kSlice, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) {
      failed = ErrorText(conn_);
      break;
    }
  }
  if (PQputCopyEnd(conn_, failed.empty() ? nullptr : failed.c_str()) != 1 && failed.empty()) {
    failed = ErrorText(conn_);
  }
  // The COPY's result, then the end of results (nullptr).
  Status status;
  while (pg_result* result = PQgetResult(conn_)) {
    Status one = ResultStatus(result, "copy");
    if (one.ok()) {
      const char* copied = PQcmdTuples(result);
      if (copied != nullptr && *copied != '\0') changes_ = std::atoll(copied);
    } else if (status.ok()) {
      status = std::move(one);
    }
    PQclear(result);
  }
  if (status.ok() && !failed.empty()) status = Unavailable("postgres copy: " + failed);
  return status;
}

Status Conn::ExecScript(const std::string& sql) {
  pg_result* result = PQexec(conn_, sql.c_str());
  Status status = ResultStatus(result, "exec");
  if (result != nullptr) PQclear(result);
  return status;
}

}  // namespace nucleus::store::postgres
