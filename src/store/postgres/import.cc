#include "store/postgres/import.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace nucleus::store::postgres {
namespace {

// Every table of the schema that holds rows of the service, parents before children. A table
// added by a migration must be added here (ImportTables refuses a schema with one it does not
// know).
constexpr const char* kTableOrder[] = {
    "api_keys",    "datasets",   "items",       "annotations",  "taxonomies",   "slices",
    "slice_items", "jobs",       "job_errors",  "uploads",      "models",       "model_runs",
    "predictions", "scenes",     "scene_frames", "scene_categories", "match_sets", "match_chunks",
    "evaluations", "eval_functions", "scenario_tests", "scenario_test_metrics",
    "scenario_test_evaluations", "scenario_test_item_evaluations",
};
// Bookkeeping, kept by each store itself, and what is copied otherwise (blobs through the
// BlobStores, the signing key from the source's file).
constexpr const char* kNotCopied[] = {"schema_migrations", "nucleus_change_stamp", "blobs",
                                      "blob_chunks", "nucleus_secrets"};

constexpr size_t kCopyBufferBytes = 1 << 20;

struct Column {
  std::string name;
  bool bytea = false;
  bool serial = false;  // its default draws from a sequence
};

Result<std::vector<std::string>> SchemaTables(Conn& conn) {
  std::vector<std::string> tables;
  Stmt stmt = conn.Prepare(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
      "AND table_type = 'BASE TABLE' ORDER BY table_name");
  while (stmt.Step()) tables.push_back(stmt.Text(0));
  NUCLEUS_RETURN_IF_ERROR(stmt.status());
  return tables;
}

Result<std::vector<Column>> Columns(Conn& conn, const std::string& table) {
  std::vector<Column> columns;
  Stmt stmt = conn.Prepare(
      "SELECT column_name, data_type, COALESCE(column_default, '') FROM "
      "information_schema.columns WHERE table_schema = current_schema() AND table_name = ? "
      "ORDER BY ordinal_position");
  stmt.Bind(1, table);
  while (stmt.Step()) {
    columns.push_back(Column{stmt.Text(0), stmt.View(1) == "bytea",
                             stmt.View(2).starts_with("nextval(")});
  }
  NUCLEUS_RETURN_IF_ERROR(stmt.status());
  return columns;
}

Result<int64_t> RowCount(Conn& conn, const std::string& table) {
  Stmt stmt = conn.Prepare("SELECT count(*) FROM \"" + table + "\"");
  if (!stmt.Step()) {
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return Internal("no count of " + table);
  }
  return stmt.Int(0);
}

// Appends `cell` in COPY's text format, as the column's type reads it.
void AppendCell(const Cell& cell, const Column& column, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (cell.kind) {
    case Cell::Kind::kNull:
      out->append("\\N");
      return;
    case Cell::Kind::kInt: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, cell.i);
      out->append(buf, end);
      return;
    }
    case Cell::Kind::kReal: {
      if (std::isnan(cell.d)) {
        out->append("NaN");
      } else if (std::isinf(cell.d)) {
        out->append(cell.d > 0 ? "Infinity" : "-Infinity");
      } else {
        char buf[32];
        int n = std::snprintf(buf, sizeof buf, "%.17g", cell.d);  // round-trips exactly
        out->append(buf, static_cast<size_t>(n));
      }
      return;
    }
    case Cell::Kind::kText:
    case Cell::Kind::kBlob:
      break;
  }
  if (column.bytea) {
    out->append("\\\\x");  // COPY unescapes this to \x, bytea's hex form
    for (unsigned char c : cell.bytes) {
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
    return;
  }
  for (char c : cell.bytes) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: out->push_back(c);
    }
  }
}

std::string ResultError(pg_conn* conn, const std::string& context) {
  std::string text = PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return context + ": " + text;
}

// COPY of one table's rows from `source`; returns how many.
Result<int64_t> CopyTable(Conn& conn, TableSource& source, const std::string& table,
                          const std::vector<Column>& columns) {
  std::vector<std::string> names;
  std::string sql = "COPY \"" + table + "\" (";
  for (const Column& column : columns) {
    if (!names.empty()) sql += ", ";
    sql += "\"" + column.name + "\"";
    names.push_back(column.name);
  }
  sql += ") FROM STDIN";
  pg_conn* raw = conn.raw();
  PGresult* started = PQexec(raw, sql.c_str());
  const bool copying = PQresultStatus(started) == PGRES_COPY_IN;
  PQclear(started);
  if (!copying) return Internal(ResultError(raw, "COPY " + table));
  std::string buffer;
  buffer.reserve(kCopyBufferBytes + 4096);
  auto send = [&]() -> Status {
    if (PQputCopyData(raw, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      return Internal(ResultError(raw, "COPY " + table));
    }
    buffer.clear();
    return Status::Ok();
  };
  Status read = source.ForEachRow(table, names, [&](const std::vector<Cell>& row) -> Status {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) buffer.push_back('\t');
      AppendCell(row[c], columns[c], &buffer);
    }
    buffer.push_back('\n');
    return buffer.size() >= kCopyBufferBytes ? send() : Status::Ok();
  });
  if (read.ok() && !buffer.empty()) read = send();
  // End the COPY either way (aborted with the error when reading failed), then drain results.
  PQputCopyEnd(raw, read.ok() ? nullptr : "migrate-store: reading the source failed");
  Status done;
  int64_t rows = 0;
  while (PGresult* result = PQgetResult(raw)) {
    if (PQresultStatus(result) == PGRES_COMMAND_OK) {
      const char* tuples = PQcmdTuples(result);
      rows = tuples[0] != '\0' ? std::stoll(tuples) : 0;
    } else if (done.ok()) {
      done = Internal("COPY " + table + ": " + PQresultErrorMessage(result));
    }
    PQclear(result);
  }
  NUCLEUS_RETURN_IF_ERROR(read);
  NUCLEUS_RETURN_IF_ERROR(done);
  return rows;
}

bool Listed(const std::string& table, const auto& list) {
  return std::find(std::begin(list), std::end(list), table) != std::end(list);
}

// The whole import inside the caller's transaction.
Result<std::vector<std::pair<std::string, int64_t>>> ImportIn(Conn& conn, TableSource& source,
                                                             const std::string& signing_key) {
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> tables, SchemaTables(conn));
  for (const std::string& table : tables) {
    if (!Listed(table, kTableOrder) && !Listed(table, kNotCopied)) {
      return Internal("migrate-store does not know table " + table +
                      " (store/postgres/import.cc lists the tables it copies)");
    }
  }
  std::vector<std::pair<std::string, int64_t>> copied;
  for (const char* name : kTableOrder) {
    const std::string table = name;
    if (!Listed(table, tables)) return Internal("the schema has no table " + table);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t existing, RowCount(conn, table));
    if (existing > 0) {
      return FailedPrecondition("the target database is not empty: table " + table + " has " +
                                std::to_string(existing) + " rows");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Column> columns, Columns(conn, table));
    NUCLEUS_ASSIGN_OR_RETURN(int64_t rows, CopyTable(conn, source, table, columns));
    copied.emplace_back(table, rows);
    for (const Column& column : columns) {
      if (!column.serial) continue;
      // The next id drawn is past every copied one (or 1 for an empty table).
      NUCLEUS_RETURN_IF_ERROR(conn.ExecScript(
          "SELECT setval(pg_get_serial_sequence('\"" + table + "\"', '" + column.name +
          "'), COALESCE((SELECT MAX(\"" + column.name + "\") FROM \"" + table +
          "\"), 0) + 1, false)"));
    }
  }
  if (!signing_key.empty()) {
    Stmt insert = conn.Prepare(
        "INSERT INTO nucleus_secrets (name, value) VALUES ('signing_key', ?) "
        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value");
    insert.Bind(1, signing_key);
    NUCLEUS_RETURN_IF_ERROR(insert.Exec());
  }
  return copied;
}

}  // namespace

Status CheckEmpty(PostgresStore& target) {
  return target.WithConnection([&](Conn& conn) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<std::string> tables, SchemaTables(conn));
    for (const std::string& table : tables) {
      if (table == "schema_migrations" || table == "nucleus_change_stamp") continue;
      NUCLEUS_ASSIGN_OR_RETURN(int64_t rows, RowCount(conn, table));
      if (rows > 0) {
        return FailedPrecondition("the target database is not empty: table " + table + " has " +
                                  std::to_string(rows) + " rows");
      }
    }
    return Status::Ok();
  });
}

Result<std::vector<std::pair<std::string, int64_t>>> ImportTables(PostgresStore& target,
                                                                  TableSource& source,
                                                                  const std::string& signing_key) {
  std::vector<std::pair<std::string, int64_t>> copied;
  NUCLEUS_RETURN_IF_ERROR(target.WithConnection([&](Conn& conn) -> Status {
    // The write lock of PostgresStore::Write: no server's write interleaves with the copy.
    NUCLEUS_RETURN_IF_ERROR(conn.ExecScript(
        "BEGIN; SELECT pg_advisory_xact_lock(1314212684, hashtext(current_schema()))"));
    Result<std::vector<std::pair<std::string, int64_t>>> result =
        ImportIn(conn, source, signing_key);
    Status status = result.status();
    if (status.ok()) {
      status = conn.ExecScript(
          "UPDATE nucleus_change_stamp SET value = value + 1 WHERE id = 1; COMMIT");
    }
    if (!status.ok()) {
      (void)conn.ExecScript("ROLLBACK");
      return status;
    }
    copied = std::move(result).value();
    return Status::Ok();
  }));
  return copied;
}

}  // namespace nucleus::store::postgres
