// A thin RAII layer over one libpq connection: statements prepared once per connection (by
// name, PQprepare) and run with typed binds, rows read back in binary format. The statement
// API mirrors store/sqlite/db.h (Bind.../Step/Exec/Int/View...) so that each repository reads
// the same on both backends; SQL is written with `?` / `?N` placeholders, turned into `$N` when
// first prepared.
// Not thread-safe: a Conn is used by one thread at a time (PostgresStore's pool hands them out).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nucleus/result.h"
#include "nucleus/status.h"

struct pg_conn;
struct pg_result;

namespace nucleus::store::postgres {

class Conn;

// A statement prepared on `conn`, its binds, and (once run) its result. Binds are 1-based
// like sqlite's; strings and bytes go as binary parameters (no copy for the *Static forms:
// the bytes must stay alive until the statement runs), numbers as text. A bind index past the
// statement's parameters is an error reported when it runs.
class Stmt {
 public:
  // `prepare_error` (not ok when the statement could not be prepared) is what running it returns.
  Stmt(Conn* conn, std::string_view name, int params, Status prepare_error);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept;
  // A statement whose rows are read through a cursor, kRowsPerFetch at a time (Conn::Scan).
  static constexpr int kRowsPerFetch = 4096;

  Stmt& Bind(int index, std::string_view text);  // copied
  Stmt& BindStatic(int index, std::string_view text);
  Stmt& BindBlobStatic(int index, std::string_view bytes) { return BindStatic(index, bytes); }
  Stmt& BindBlob(int index, std::string_view bytes) { return Bind(index, bytes); }
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Stmt& Bind(int index, double value);
  Stmt& BindNull(int index);
  Stmt& BindBool(int index, bool value) { return Bind(index, static_cast<int64_t>(value)); }

  // Runs the statement on the first call (all rows are fetched), then moves through the rows:
  // true when a row is available. Errors land in status().
  bool Step();
  // Runs to completion; Conn::Changes() then tells how many rows it touched.
  Status Exec();
  const Status& status() const { return status_; }
  // Makes the statement runnable again (binds are kept until overwritten).
  void Reset();
  int64_t rows() const;

  // Column readers of the current row. Int reads any integer or boolean column, Double a
  // float8/float4 one; View/BlobView borrow the bytes until the next Step/Reset.
  int64_t Int(int col) const;
  double Double(int col) const;
  bool IsNull(int col) const;
  std::string_view View(int col) const;
  std::string_view BlobView(int col) const { return View(col); }
  std::string Text(int col) const { return std::string(View(col)); }

 private:
  struct Param {
    enum class Kind { kNull, kOwned, kBorrowed } kind = Kind::kNull;
    bool binary = false;
    std::string owned;
    std::string_view borrowed;
  };
  Param& Slot(int index);
  Status Run();
  // Cursor mode: the next batch of rows into result_; closes the cursor after the last one.
  Status Fetch();
  void CloseCursor();

  Conn* conn_;
  std::string name_;
  std::vector<Param> params_;
  std::string cursor_sql_;  // cursor mode: the numbered SELECT ("" otherwise)
  std::string cursor_;      // cursor mode: the open cursor's name ("" when closed)
  friend class Conn;
  pg_result* result_ = nullptr;
  int row_ = -1;
  bool ran_ = false;
  Status status_;
};

class Conn {
 public:
  // Connects to `uri` (a libpq connection URI or key=value string).
  static Result<std::unique_ptr<Conn>> Open(const std::string& uri);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // A statement for `sql`, prepared on this connection the first time it is seen (the text is
  // the cache key). A preparation error surfaces when the statement runs.
  Stmt Prepare(std::string_view sql);
  // A SELECT whose rows are read through a cursor, a batch at a time, so a scan of millions of
  // rows holds one batch in memory, not the whole result. Only inside a transaction (every
  // Read and Write is one); the text is parsed each time (no prepared statement).
  Stmt Scan(std::string_view sql);
  // Runs one or more statements without parameters or results (the simple query protocol).
  Status ExecScript(const std::string& sql);
  // Runs `copy_sql` (a `COPY table (...) FROM STDIN (FORMAT binary)`) and streams `data` (a
  // whole binary COPY stream: CopyRows::Finish) to it. Changes() then tells the rows copied.
  Status CopyIn(const std::string& copy_sql, std::string_view data);
  // Rows touched by the last Stmt::Exec / Step / CopyIn that ran.
  int64_t Changes() const { return changes_; }
  // Whether bulk writes on this connection go through its staging tables (COPY, then one merge
  // per batch) rather than column arrays (unnest); set by the store when it opens the
  // connection, after creating the staging tables.
  bool bulk_copy() const { return bulk_copy_; }
  void set_bulk_copy(bool on) { bulk_copy_ = on; }
  // False once the server has gone away: the pool drops the connection.
  bool healthy() const;
  pg_conn* raw() { return conn_; }

 private:
  friend class Stmt;
  explicit Conn(pg_conn* conn) : conn_(conn) {}
  Status ResultStatus(pg_result* result, std::string_view context);

  pg_conn* conn_;
  struct Prepared {
    std::string name;
    int params = 0;
    Status error;  // why it could not be prepared (reported when run)
  };
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, Prepared, SqlHash, std::equal_to<>> prepared_;
  int64_t changes_ = 0;
  int64_t cursors_ = 0;  // names the next cursor
  bool bulk_copy_ = false;
};

// A one-dimensional array parameter in PostgreSQL's binary format, built element by element:
// bulk writes send one array per column (`INSERT ... SELECT ... FROM unnest(?::bigint[], ...)`),
// so a batch of thousands of rows is one statement with a fixed number of parameters.
class ArrayParam {
 public:
  // Element type OIDs (pg_type).
  static constexpr uint32_t kInt8 = 20, kText = 25, kFloat8 = 701, kBytea = 17;
  explicit ArrayParam(uint32_t element_oid) : element_oid_(element_oid) {}
  // Empties the array (keeping its buffer) for the next batch.
  void Clear();
  void Add(std::string_view bytes);  // a text or bytea element
  void Add(int64_t value);           // an int8 element
  void Add(double value);            // a float8 element
  void AddNull();
  // The parameter's bytes (bind them with Stmt::BindStatic); valid until the next Add/Clear.
  std::string_view Bytes();

 private:
  uint32_t element_oid_;
  int32_t count_ = 0;
  bool has_null_ = false;
  std::string elements_;
  std::string bytes_;
};

// Rows in PostgreSQL's binary COPY format (a header, per row its field count then each field
// as length + bytes, a trailer), built field by field for Conn::CopyIn. Fields are sent as
// their type's binary form: the columns of the target table must match their order and types.
class CopyRows {
 public:
  CopyRows() { Clear(); }
  // Empties the stream (keeping its buffer) for the next batch.
  void Clear();
  // Starts a row of `fields` fields (each then added with one Add/AddNull). Not after Finish
  // (until the next Clear).
  void BeginRow(int fields);
  void Add(std::string_view bytes);  // a text or bytea field
  void Add(int64_t value);           // an int8 field
  void Add(double value);            // a float8 field
  void AddNull();
  // The whole stream, trailer included; valid until the next Clear.
  std::string_view Finish();
  size_t rows() const { return rows_; }

 private:
  std::string bytes_;
  size_t rows_ = 0;
  bool finished_ = false;  // the trailer is written
};

// `sql` with its `?` and `?N` placeholders (outside quotes) as `$N`; `*params` = the highest N.
std::string NumberPlaceholders(std::string_view sql, int* params);

}  // namespace nucleus::store::postgres
