#include "store/sqlite/db.h"

namespace nucleus::store::sqlite {

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Stmt::Reset() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindStatic(int index, std::string_view text) {
  // An empty view may have a null data pointer, which sqlite would bind as NULL.
  sqlite3_bind_text(stmt_, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::BindBlobStatic(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.empty() ? "" : bytes.data(),
                    static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Stmt::Step() {
  if (stmt_ == nullptr) {
    status_ = Internal("sqlite prepare failed: " + db_->prepare_error());
    return false;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = db_->Error("step");
  return false;
}

Status Stmt::Exec() {
  while (Step()) {
  }
  return status_;
}

std::string_view Stmt::View(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string_view Stmt::BlobView(int col) const {
  const void* bytes = sqlite3_column_blob(stmt_, col);
  if (bytes == nullptr) return {};
  return std::string_view(static_cast<const char*>(bytes),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::unique_ptr<Db> db(new Db(raw));  // NOLINT: private constructor
  if (rc != SQLITE_OK) {
    return Internal("cannot open database " + path + ": " + sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(raw, 30000);
  // FULL sync in WAL mode: an answered request survives power loss, not only a crash.
  NUCLEUS_RETURN_IF_ERROR(db->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"));
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Stmt Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    // A bad SQL text is a programming error; Step() reports it through status().
    prepare_error_ = std::string(sqlite3_errmsg(db_)) + " in: " + std::string(sql);
    return Stmt(this, nullptr);
  }
  cache_.emplace(std::string(sql), stmt);
  return Stmt(this, stmt);
}

Status Db::ExecScript(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Internal("sqlite: " + msg);
  }
  return Status::Ok();
}

Status Db::Error(std::string_view context) const {
  int code = sqlite3_extended_errcode(db_);
  std::string msg = "sqlite ";
  msg += context;
  msg += ": ";
  msg += sqlite3_errmsg(db_);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Unavailable(msg);
  if ((code & 0xff) == SQLITE_CONSTRAINT) return AlreadyExists(msg);
  return Internal(msg);
}

std::string PlaceholderRows(int columns, size_t rows) {
  std::string group = "(";
  for (int c = 0; c < columns; ++c) group += c > 0 ? ",?" : "?";
  group += ')';
  std::string sql;
  sql.reserve(rows * (group.size() + 1));
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ',';
    sql += group;
  }
  return sql;
}

}  // namespace nucleus::store::sqlite
