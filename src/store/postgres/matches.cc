#include "store/matches.h"

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/match_chunk.h"
#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

class PostgresMatchRepo final : public MatchRepo {
 public:
  explicit PostgresMatchRepo(Conn& db) : db_(db) {}

  Result<MatchSet> Replace(const std::string& key, int64_t run_rowid,
                           std::span<const MatchRow> rows, int64_t now_ms) override {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<MatchSet> existing, FindSet(key));
    MatchSet set;
    set.key = key;
    set.run_rowid = run_rowid;
    set.rows = static_cast<int64_t>(rows.size());
    set.created_at_ms = now_ms;
    if (existing) {
      set.rowid = existing->rowid;
      NUCLEUS_RETURN_IF_ERROR(
          db_.Prepare("DELETE FROM match_chunks WHERE set_rowid = ?").Bind(1, set.rowid).Exec());
      NUCLEUS_RETURN_IF_ERROR(
          db_.Prepare("UPDATE match_sets SET run_rowid = ?, rows = ?, created_at_ms = ? "
                      "WHERE rowid = ?")
              .Bind(1, run_rowid)
              .Bind(2, set.rows)
              .Bind(3, now_ms)
              .Bind(4, set.rowid)
              .Exec());
    } else {
      Stmt stmt = db_.Prepare(
          "INSERT INTO match_sets (key, run_rowid, rows, created_at_ms) VALUES (?, ?, ?, ?) "
          "RETURNING rowid");
      stmt.Bind(1, key).Bind(2, run_rowid).Bind(3, set.rows).Bind(4, now_ms);
      if (stmt.Step()) set.rowid = stmt.Int(0);
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
    }
    NUCLEUS_RETURN_IF_ERROR(WriteChunks(set.rowid, 0, rows));
    return set;
  }

  Status Append(MatchSet* set, std::span<const MatchRow> rows) override {
    if (rows.empty()) return Status::Ok();
    NUCLEUS_RETURN_IF_ERROR(WriteChunks(set->rowid, set->rows, rows));
    set->rows += static_cast<int64_t>(rows.size());
    return db_.Prepare("UPDATE match_sets SET rows = ? WHERE rowid = ?")
        .Bind(1, set->rows)
        .Bind(2, set->rowid)
        .Exec();
  }

  Result<std::optional<MatchSet>> FindSet(const std::string& key) override {
    Stmt stmt = db_.Prepare(
        "SELECT rowid, key, run_rowid, rows, created_at_ms FROM match_sets WHERE key = ?");
    stmt.Bind(1, key);
    if (stmt.Step()) {
      MatchSet s;
      s.rowid = stmt.Int(0);
      s.key = stmt.Text(1);
      s.run_rowid = stmt.Int(2);
      s.rows = stmt.Int(3);
      s.created_at_ms = stmt.Int(4);
      return std::optional<MatchSet>(std::move(s));
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return std::optional<MatchSet>();
  }

  Status ForEach(int64_t set_rowid,
                 const std::function<Status(int64_t, const MatchRow&)>& fn) override {
    // Chunks of deleted items are skipped by the join.
    Stmt stmt = db_.Scan(
        "SELECT c.first_seq, c.item_rowid, c.data FROM match_chunks c "
        "JOIN items i ON i.rowid = c.item_rowid WHERE c.set_rowid = ? ORDER BY c.first_seq");
    stmt.Bind(1, set_rowid);
    MatchRow row;
    while (stmt.Step()) {
      const int64_t first_seq = stmt.Int(0);
      ChunkDecoder decoder(stmt.BlobView(2), stmt.Int(1));
      for (int64_t seq = first_seq; decoder.Next(&row); ++seq) {
        NUCLEUS_RETURN_IF_ERROR(fn(seq, row));
      }
      if (!decoder.ok()) return CorruptChunk(set_rowid, first_seq);
    }
    return stmt.status();
  }

  Result<std::vector<MatchView>> ViewsAt(int64_t set_rowid,
                                         std::span<const int64_t> seqs) override {
    Stmt stmt = db_.Prepare(
        "SELECT c.first_seq, c.item_rowid, c.rows, c.data, i.id FROM match_chunks c "
        "JOIN items i ON i.rowid = c.item_rowid WHERE c.set_rowid = ? AND c.first_seq <= ? "
        "ORDER BY c.first_seq DESC LIMIT 1");
    std::vector<MatchView> out;
    MatchRow row;
    for (int64_t seq : seqs) {
      stmt.Bind(1, set_rowid).Bind(2, seq);
      if (stmt.Step()) {
        const int64_t first_seq = stmt.Int(0);
        if (seq < first_seq + stmt.Int(2)) {
          ChunkDecoder decoder(stmt.BlobView(3), stmt.Int(1));
          bool found = false;
          for (int64_t at = first_seq; !found && decoder.Next(&row); ++at) found = at == seq;
          if (!decoder.ok()) return CorruptChunk(set_rowid, first_seq);
          if (found) {
            MatchView v;
            v.seq = seq;
            v.row = row;
            v.item_id = stmt.Text(4);
            out.push_back(std::move(v));
          }
        }
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.status());
      stmt.Reset();
    }
    NUCLEUS_RETURN_IF_ERROR(FillObjectIds(out));
    return out;
  }

  Result<std::vector<MatchView>> Page(int64_t set_rowid, MatchKind kind, int64_t from_seq,
                                      int64_t limit) override {
    const char* where = "";
    switch (kind) {
      case MatchKind::kAll:
        where = "";
        break;
      case MatchKind::kPairs:
        where = " AND c.pairs > 0";
        break;
      case MatchKind::kFalsePositives:
        where = " AND c.false_positives > 0";
        break;
      case MatchKind::kFalseNegatives:
        where = " AND c.false_negatives > 0";
        break;
    }
    // A chunk holds at most kRowsPerChunk rows, so the one holding from_seq starts after
    // from_seq - kRowsPerChunk: the index bounds the scan.
    // Through a cursor: a page reads the chunks it needs, not every chunk after from_seq.
    Stmt stmt = db_.Scan(
        std::string("SELECT c.first_seq, c.item_rowid, c.rows, c.data, i.id FROM match_chunks c "
                    "JOIN items i ON i.rowid = c.item_rowid WHERE c.set_rowid = ? AND "
                    "c.first_seq > ? AND c.first_seq + c.rows > ?") +
        where + " ORDER BY c.first_seq");
    stmt.Bind(1, set_rowid)
        .Bind(2, from_seq - static_cast<int64_t>(kRowsPerChunk))
        .Bind(3, from_seq);
    std::vector<MatchView> out;
    MatchRow row;
    while (static_cast<int64_t>(out.size()) < limit && stmt.Step()) {
      const int64_t first_seq = stmt.Int(0);
      ChunkDecoder decoder(stmt.BlobView(3), stmt.Int(1));
      for (int64_t seq = first_seq; static_cast<int64_t>(out.size()) < limit && decoder.Next(&row);
           ++seq) {
        if (seq < from_seq || !IsKind(row, kind)) continue;
        MatchView v;
        v.seq = seq;
        v.row = row;
        v.item_id = stmt.Text(4);
        out.push_back(std::move(v));
      }
      if (!decoder.ok()) return CorruptChunk(set_rowid, first_seq);
    }
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    NUCLEUS_RETURN_IF_ERROR(FillObjectIds(out));
    return out;
  }

  Status DeleteSet(const std::string& key) override {
    return db_.Prepare("DELETE FROM match_sets WHERE key = ?").Bind(1, key).Exec();
  }

 private:
  // Writes `rows` as chunks of consecutive rows of one item, the first at seq `first_seq`. The
  // chunks go as one array per column, up to kChunksPerStatement (or kBytesPerStatement of
  // encoded rows) per INSERT: a commit of 500,000 predictions writes 5,000+ chunks, and one
  // statement each (one round trip under the writer's lock) took 1.6-2.0 s of its 3.4 s.
  Status WriteChunks(int64_t set_rowid, int64_t first_seq, std::span<const MatchRow> rows) {
    ChunkColumns& c = columns_;
    for (ArrayParam* a : c.all) a->Clear();
    size_t chunks = 0, bytes = 0;
    auto flush = [&]() -> Status {
      if (chunks == 0) return Status::Ok();
      Stmt stmt = db_.Prepare(
          "INSERT INTO match_chunks (set_rowid, first_seq, item_rowid, rows, pairs, "
          "false_positives, false_negatives, data) "
          "SELECT ?, u.first_seq, u.item_rowid, u.rows, u.pairs, u.fps, u.fns, u.data "
          "FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], "
          "?::bigint[], ?::bytea[]) WITH ORDINALITY AS u(first_seq, item_rowid, rows, pairs, "
          "fps, fns, data, ord) ORDER BY u.ord");
      stmt.Bind(1, set_rowid);
      for (size_t k = 0; k < c.all.size(); ++k) {
        stmt.BindStatic(static_cast<int>(k) + 2, c.all[k]->Bytes());
      }
      NUCLEUS_RETURN_IF_ERROR(stmt.Exec());
      for (ArrayParam* a : c.all) a->Clear();
      chunks = bytes = 0;
      return Status::Ok();
    };
    size_t begin = 0;
    while (begin < rows.size()) {
      size_t end = begin + 1;
      int64_t pairs = 0, fps = 0, fns = 0;
      auto count = [&](const MatchRow& r) {
        pairs += IsKind(r, MatchKind::kPairs);
        fps += r.annotation_rowid == 0;
        fns += r.prediction_rowid == 0;
      };
      count(rows[begin]);
      while (end < rows.size() && end - begin < kRowsPerChunk &&
             rows[end].item_rowid == rows[begin].item_rowid) {
        count(rows[end++]);
      }
      encoder_.Encode(rows.subspan(begin, end - begin), &blob_);
      c.first_seq.Add(first_seq + static_cast<int64_t>(begin));
      c.item_rowid.Add(rows[begin].item_rowid);
      c.rows.Add(static_cast<int64_t>(end - begin));
      c.pairs.Add(pairs);
      c.fps.Add(fps);
      c.fns.Add(fns);
      c.data.Add(blob_);
      ++chunks;
      bytes += blob_.size();
      if (chunks >= kChunksPerStatement || bytes >= kBytesPerStatement) {
        NUCLEUS_RETURN_IF_ERROR(flush());
      }
      begin = end;
    }
    return flush();
  }

  // The column arrays of one chunk INSERT, reused from statement to statement.
  struct ChunkColumns {
    ArrayParam first_seq{ArrayParam::kInt8}, item_rowid{ArrayParam::kInt8}, rows{ArrayParam::kInt8},
        pairs{ArrayParam::kInt8}, fps{ArrayParam::kInt8}, fns{ArrayParam::kInt8},
        data{ArrayParam::kBytea};
    std::vector<ArrayParam*> all{&first_seq, &item_rowid, &rows, &pairs, &fps, &fns, &data};
  };
  static constexpr size_t kChunksPerStatement = 2000;
  static constexpr size_t kBytesPerStatement = 16 << 20;

  // The public ids of each view's annotation and prediction ("" when gone or absent).
  Status FillObjectIds(std::vector<MatchView>& views) {
    Stmt ann = db_.Prepare("SELECT id FROM annotations WHERE rowid = ?");
    Stmt pred = db_.Prepare("SELECT id FROM predictions WHERE rowid = ?");
    for (MatchView& v : views) {
      if (v.row.annotation_rowid != 0) {
        ann.Bind(1, v.row.annotation_rowid);
        if (ann.Step()) v.annotation_id = ann.Text(0);
        NUCLEUS_RETURN_IF_ERROR(ann.status());
        ann.Reset();
      }
      if (v.row.prediction_rowid != 0) {
        pred.Bind(1, v.row.prediction_rowid);
        if (pred.Step()) v.prediction_id = pred.Text(0);
        NUCLEUS_RETURN_IF_ERROR(pred.status());
        pred.Reset();
      }
    }
    return Status::Ok();
  }

  Conn& db_;
  ChunkEncoder encoder_;
  std::string blob_;
  ChunkColumns columns_;
};

}  // namespace

std::unique_ptr<MatchRepo> NewMatchRepo(Conn& db) {
  return std::make_unique<PostgresMatchRepo>(db);
}

}  // namespace nucleus::store::postgres
