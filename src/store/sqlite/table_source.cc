#include "store/sqlite/table_source.h"

#include <filesystem>

#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace nucleus::store::sqlite {
namespace {

class SqliteTableSource final : public TableSource {
 public:
  explicit SqliteTableSource(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  ~SqliteTableSource() override { (void)db_->ExecScript("COMMIT"); }

  Status ForEachRow(const std::string& table, const std::vector<std::string>& columns,
                    const std::function<Status(const std::vector<Cell>& row)>& fn) override {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += "\"" + columns[i] + "\"";
    }
    sql += " FROM \"" + table + "\"";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_->raw(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      Status error = NotFound("cannot read " + table + " from the SQLite store: " +
                              sqlite3_errmsg(db_->raw()));
      sqlite3_finalize(stmt);
      return error;
    }
    std::vector<Cell> row(columns.size());
    Status status;
    int rc;
    while (status.ok() && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      for (size_t c = 0; c < columns.size(); ++c) {
        const int col = static_cast<int>(c);
        Cell& cell = row[c];
        switch (sqlite3_column_type(stmt, col)) {
          case SQLITE_INTEGER:
            cell.kind = Cell::Kind::kInt;
            cell.i = sqlite3_column_int64(stmt, col);
            break;
          case SQLITE_FLOAT:
            cell.kind = Cell::Kind::kReal;
            cell.d = sqlite3_column_double(stmt, col);
            break;
          case SQLITE_TEXT:
            cell.kind = Cell::Kind::kText;
            cell.bytes = std::string_view(
                reinterpret_cast<const char*>(sqlite3_column_text(stmt, col)),
                static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
            break;
          case SQLITE_BLOB: {
            cell.kind = Cell::Kind::kBlob;
            const void* data = sqlite3_column_blob(stmt, col);
            cell.bytes = std::string_view(static_cast<const char*>(data),
                                          static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
            break;
          }
          default:
            cell.kind = Cell::Kind::kNull;
        }
      }
      status = fn(row);
    }
    if (status.ok() && rc != SQLITE_DONE) status = db_->Error("reading " + table);
    sqlite3_finalize(stmt);
    return status;
  }

 private:
  std::unique_ptr<Db> db_;
};

}  // namespace

Result<std::unique_ptr<TableSource>> OpenTableSource(const std::string& path) {
  if (!std::filesystem::exists(path)) return NotFound("no SQLite store at " + path);
  // Brings the file to the current schema, then lets go of it.
  NUCLEUS_RETURN_IF_ERROR(SqliteStore::Open(path).status());
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path));
  NUCLEUS_RETURN_IF_ERROR(db->ExecScript("BEGIN"));
  // A deferred transaction takes its snapshot at its first read: read now.
  NUCLEUS_RETURN_IF_ERROR(db->ExecScript("SELECT count(*) FROM sqlite_master"));
  return std::unique_ptr<TableSource>(new SqliteTableSource(std::move(db)));
}

}  // namespace nucleus::store::sqlite
