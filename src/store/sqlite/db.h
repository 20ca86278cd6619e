// A thin RAII layer over one sqlite3 connection: cached prepared statements and typed binds.
// Not thread-safe: a Db is used by one thread at a time (SqliteStore hands them out).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "nucleus/result.h"
#include "nucleus/status.h"

namespace nucleus::store::sqlite {

class Db;

// A prepared statement borrowed from Db's cache; reset and cleared when it goes out of scope.
class Stmt {
 public:
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

  // Binds are 1-based like sqlite's; each returns *this for chaining.
  Stmt& Bind(int index, std::string_view text);
  // Binds without copying: `text` must stay alive and unchanged until the statement is reset
  // (bulk inserts bind thousands of values per request).
  Stmt& BindStatic(int index, std::string_view text);
  // As BindStatic, as a BLOB (bytes kept as they are, no text encoding).
  Stmt& BindBlobStatic(int index, std::string_view bytes);
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Stmt& Bind(int index, double value);
  Stmt& BindNull(int index);
  Stmt& BindBool(int index, bool value) { return Bind(index, static_cast<int64_t>(value)); }

  // Advances; true when a row is available, false when done. Errors land in status().
  bool Step();
  // Runs to completion (for statements without rows).
  Status Exec();
  const Status& status() const { return status_; }
  // Makes the statement runnable again with new binds (for loops over one statement).
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view View(int col) const;
  // The bytes of a BLOB column; valid until the next Step/Reset.
  std::string_view BlobView(int col) const;
  std::string Text(int col) const { return std::string(View(col)); }

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
  Status status_;
};

class Db {
 public:
  // Opens (creating if needed) the database file with WAL, foreign keys and a busy timeout.
  static Result<std::unique_ptr<Db>> Open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A cached prepared statement for `sql` (the text is the cache key).
  Stmt Prepare(std::string_view sql);
  // Runs one or more statements without results.
  Status ExecScript(const std::string& sql);
  Status Error(std::string_view context) const;
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }
  const std::string& prepare_error() const { return prepare_error_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  // Looked up by string_view, so finding a cached statement allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
  std::string prepare_error_;
};

// "(?,?,…),(?,…),…": `rows` groups of `columns` placeholders, the VALUES of a multi-row INSERT
// (one sqlite3_step writes a whole batch; see the PutMany / InsertMany of the repositories).
std::string PlaceholderRows(int columns, size_t rows);

}  // namespace nucleus::store::sqlite
