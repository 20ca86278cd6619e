// BlobStore in the PostgreSQL database (docs/design/blobs.md, "Where blobs live"): each write is
// a `blobs` row (schema v5) and its bytes 1 MiB `blob_chunks` rows, sent as they come and read
// back one chunk per statement, so neither side ever holds a whole payload. Every statement
// takes a connection of the store's pool for itself and gives it back: a reader's callback (an
// async upload writing rows) and a writer's producer never hold one across calls.
#include <algorithm>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "store/postgres/postgres_store.h"

namespace nucleus::store::postgres {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
// Commits and deletions of one name are serialised by this transaction-scoped advisory lock,
// (space, hash of the name); PostgresStore's writer and migrations use the space 1314212684.
constexpr const char* kLockName = "SELECT pg_advisory_xact_lock(1651469410, hashtext(?))";
// An unfinished write is listed (ForEach) under its name plus this and its row id, as the local
// store lists its temporary files, so that the collector can remove an abandoned one.
constexpr std::string_view kPendingMark = ".pending-";

int64_t NowMs() { return core::ToUnixMillis(core::SystemClock::Get().Now()); }

// Runs `fn` in one transaction on `conn` holding the lock of `name`.
Status LockedTx(Conn& conn, const std::string& name, const std::function<Status()>& fn) {
  NUCLEUS_RETURN_IF_ERROR(conn.ExecScript("BEGIN"));
  Stmt lock = conn.Prepare(kLockName);
  lock.Bind(1, name);
  Status status = lock.Exec();
  if (status.ok()) status = fn();
  if (status.ok()) status = conn.ExecScript("COMMIT");
  if (!status.ok()) (void)conn.ExecScript("ROLLBACK");
  return status;
}

class PgBlobWriter final : public BlobWriter {
 public:
  PgBlobWriter(PostgresStore& store, std::string name, int64_t id)
      : store_(store), name_(std::move(name)), id_(id) {
    buffer_.reserve(kChunkBytes);
  }
  ~PgBlobWriter() override {
    if (committed_) return;
    // Best effort: a row left behind (the database unreachable) is an abandoned write, which the
    // collector removes after its delay.
    (void)store_.WithConnection([&](Conn& conn) {
      Stmt del = conn.Prepare("DELETE FROM blobs WHERE id = ? AND committed = 0");
      del.Bind(1, id_);
      return del.Exec();
    });
  }

  Status Append(std::string_view data) override {
    if (committed_) return FailedPrecondition("blob " + name_ + " is already committed");
    while (!data.empty()) {
      const size_t take = std::min(data.size(), kChunkBytes - buffer_.size());
      buffer_.append(data.substr(0, take));
      data.remove_prefix(take);
      size_ += static_cast<int64_t>(take);
      if (buffer_.size() == kChunkBytes) NUCLEUS_RETURN_IF_ERROR(Flush());
    }
    return Status::Ok();
  }

  Status Commit() override {
    if (committed_) return FailedPrecondition("blob " + name_ + " is already committed");
    if (!buffer_.empty()) NUCLEUS_RETURN_IF_ERROR(Flush());
    NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) {
      return LockedTx(conn, name_, [&]() -> Status {
        const int64_t now = NowMs();
        // A name already stored keeps its bytes (a name is only ever written with the same
        // ones) and gets this write's time, so the collector sees it as freshly written.
        Stmt touch = conn.Prepare(
            "UPDATE blobs SET written_at_ms = ? WHERE name = ? AND committed = 1");
        touch.Bind(1, now).Bind(2, name_);
        NUCLEUS_RETURN_IF_ERROR(touch.Exec());
        const bool existed = conn.Changes() > 0;
        if (existed) {
          Stmt drop = conn.Prepare("DELETE FROM blobs WHERE id = ? AND committed = 0");
          drop.Bind(1, id_);
          NUCLEUS_RETURN_IF_ERROR(drop.Exec());
        } else {
          Stmt mark = conn.Prepare(
              "UPDATE blobs SET committed = 1, size_bytes = ?, written_at_ms = ? "
              "WHERE id = ? AND committed = 0");
          mark.Bind(1, size_).Bind(2, now).Bind(3, id_);
          NUCLEUS_RETURN_IF_ERROR(mark.Exec());
        }
        if (conn.Changes() != 1) {
          return Internal("blob " + name_ + " was removed before its commit (written too slowly?)");
        }
        return Status::Ok();
      });
    }));
    committed_ = true;
    return Status::Ok();
  }

  int64_t size() const override { return size_; }

 private:
  // Sends the buffered chunk and refreshes the write's time in one statement; no row when the
  // collector already removed the write as abandoned.
  Status Flush() {
    NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) -> Status {
      Stmt insert = conn.Prepare(
          "WITH touched AS (UPDATE blobs SET written_at_ms = ?::bigint WHERE id = ?::bigint "
          "AND committed = 0 RETURNING id) "
          "INSERT INTO blob_chunks (blob_id, seq, data) SELECT id, ?::bigint, ?::bytea "
          "FROM touched");
      insert.Bind(1, NowMs()).Bind(2, id_).Bind(3, chunks_).BindBlobStatic(4, buffer_);
      NUCLEUS_RETURN_IF_ERROR(insert.Exec());
      if (conn.Changes() != 1) return Internal("blob write " + name_ + " was abandoned");
      return Status::Ok();
    }));
    ++chunks_;
    buffer_.clear();
    return Status::Ok();
  }

  PostgresStore& store_;
  const std::string name_;
  const int64_t id_;
  std::string buffer_;
  int64_t chunks_ = 0;
  int64_t size_ = 0;
  bool committed_ = false;
};

class PostgresBlobStore final : public BlobStore {
 public:
  explicit PostgresBlobStore(PostgresStore& store) : store_(store) {}

  Result<std::string> Put(std::string_view data, std::string_view extension) override {
    std::string name = core::NewId("blob") + std::string(extension);
    NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, Create(name));
    NUCLEUS_RETURN_IF_ERROR(writer->Append(data));
    NUCLEUS_RETURN_IF_ERROR(writer->Commit());
    return name;
  }

  Result<std::unique_ptr<BlobWriter>> Create(const std::string& name) override {
    if (name.empty() || name.find("..") != std::string::npos || name[0] == '/' ||
        name.find(kPendingMark) != std::string::npos) {
      return InvalidArgument("bad blob name: " + name);
    }
    int64_t id = 0;
    NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) -> Status {
      Stmt insert =
          conn.Prepare("INSERT INTO blobs (name, written_at_ms) VALUES (?, ?) RETURNING id");
      insert.Bind(1, name).Bind(2, NowMs());
      if (!insert.Step()) {
        NUCLEUS_RETURN_IF_ERROR(insert.status());
        return Internal("no id for blob " + name);
      }
      id = insert.Int(0);
      return Status::Ok();
    }));
    return std::unique_ptr<BlobWriter>(new PgBlobWriter(store_, name, id));
  }

  Result<std::string> Get(const std::string& name) override {
    std::string bytes;
    bool found = false;
    NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) -> Status {
      // One statement, one snapshot: a blob removed meanwhile is wholly there or wholly gone.
      Stmt select = conn.Prepare(
          "SELECT c.data FROM blobs b LEFT JOIN blob_chunks c ON c.blob_id = b.id "
          "WHERE b.name = ? AND b.committed = 1 ORDER BY c.seq");
      select.Bind(1, name);
      while (select.Step()) {
        found = true;
        if (!select.IsNull(0)) bytes.append(select.BlobView(0));
      }
      return select.status();
    }));
    if (!found) return NotFound("blob " + name + " not found");
    return bytes;
  }

  Status ForEachPiece(const std::string& name,
                      const std::function<Status(std::string_view piece)>& fn) override {
    int64_t id = 0, size = 0;
    NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) -> Status {
      Stmt select =
          conn.Prepare("SELECT id, size_bytes FROM blobs WHERE name = ? AND committed = 1");
      select.Bind(1, name);
      if (!select.Step()) {
        NUCLEUS_RETURN_IF_ERROR(select.status());
        return NotFound("blob " + name + " not found");
      }
      id = select.Int(0);
      size = select.Int(1);
      return Status::Ok();
    }));
    std::string chunk;
    for (int64_t seq = 0, read = 0; read < size; ++seq) {
      chunk.clear();
      NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) -> Status {
        Stmt select = conn.Prepare("SELECT data FROM blob_chunks WHERE blob_id = ? AND seq = ?");
        select.Bind(1, id).Bind(2, seq);
        if (select.Step()) chunk.assign(select.BlobView(0));
        return select.status();
      }));
      // Chunks that stop before the recorded size: the blob was removed while it was read.
      if (chunk.empty()) return NotFound("blob " + name + " was removed while it was read");
      read += static_cast<int64_t>(chunk.size());
      NUCLEUS_RETURN_IF_ERROR(fn(chunk));
    }
    return Status::Ok();
  }

  Status ForEachLine(const std::string& name,
                     const std::function<Status(std::string_view line)>& fn) override {
    std::string carry;  // the start of a line that continues in the next piece
    NUCLEUS_RETURN_IF_ERROR(ForEachPiece(name, [&](std::string_view rest) -> Status {
      for (size_t nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
        std::string_view line = rest.substr(0, nl);
        if (!carry.empty()) {
          carry.append(line);
          line = carry;
        }
        NUCLEUS_RETURN_IF_ERROR(EmitLine(line, fn));
        carry.clear();
        rest.remove_prefix(nl + 1);
      }
      carry.append(rest);
      return Status::Ok();
    }));
    if (!carry.empty()) return EmitLine(carry, fn);
    return Status::Ok();
  }

  Status ForEach(
      const std::function<void(const std::string& name, int64_t written_at_ms)>& fn) override {
    return store_.WithConnection([&](Conn& conn) -> Status {
      NUCLEUS_RETURN_IF_ERROR(conn.ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
      Status status;
      {
        Stmt scan = conn.Scan("SELECT id, name, written_at_ms, committed FROM blobs");
        while (scan.Step()) {
          std::string name = scan.Text(1);
          if (scan.Int(3) == 0) {
            name += kPendingMark;
            name += std::to_string(scan.Int(0));
          }
          fn(name, scan.Int(2));
        }
        status = scan.status();
      }
      Status end = conn.ExecScript(status.ok() ? "COMMIT" : "ROLLBACK");
      return status.ok() ? end : status;
    });
  }

  Result<bool> RemoveIfWrittenBefore(const std::string& name, int64_t cutoff_ms) override {
    if (name.empty()) return InvalidArgument("bad blob name: " + name);
    // An unfinished write, as ForEach named it: removed by its id while still unfinished.
    std::string stored = name;
    int64_t pending_id = -1;
    if (size_t mark = name.rfind(kPendingMark); mark != std::string::npos) {
      const std::string digits = name.substr(mark + kPendingMark.size());
      if (digits.empty() || digits.size() > 18 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        return InvalidArgument("bad blob name: " + name);
      }
      stored = name.substr(0, mark);
      pending_id = std::stoll(digits);
    }
    bool removed = false;
    NUCLEUS_RETURN_IF_ERROR(store_.WithConnection([&](Conn& conn) {
      return LockedTx(conn, stored, [&]() -> Status {
        Stmt del = conn.Prepare(
            pending_id >= 0
                ? "DELETE FROM blobs WHERE id = ?3 AND name = ?1 AND committed = 0 "
                  "AND written_at_ms < ?2"
                : "DELETE FROM blobs WHERE name = ?1 AND committed = 1 AND written_at_ms < ?2");
        del.Bind(1, stored).Bind(2, cutoff_ms);
        if (pending_id >= 0) del.Bind(3, pending_id);
        NUCLEUS_RETURN_IF_ERROR(del.Exec());
        removed = conn.Changes() > 0;
        return Status::Ok();
      });
    }));
    return removed;
  }

 private:
  static Status EmitLine(std::string_view line,
                         const std::function<Status(std::string_view line)>& fn) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return fn(line);
  }

  PostgresStore& store_;
};

}  // namespace

std::unique_ptr<BlobStore> NewPostgresBlobStore(PostgresStore& store) {
  return std::make_unique<PostgresBlobStore>(store);
}

}  // namespace nucleus::store::postgres
