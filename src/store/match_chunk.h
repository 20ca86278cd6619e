// The match-chunk codec, one for both stores (store/sqlite and store/postgres write the same
// bytes, so migrate-store copies chunks as they are and each backend reads the other's).
//
// A match set is stored as chunks (SQLite migration v5; PostgreSQL keeps the same bytes in a
// BYTEA): each chunk holds up to kRowsPerChunk consecutive rows of one item, packed into one
// BLOB, so a commit of 500k matches writes ~5k rows instead of 500k rows of 21 values. Chunk
// columns: set_rowid, first_seq (seq of its first row), item_rowid, rows, and per-kind counts
// (pairs, false positives, false negatives) so pages of one kind skip chunks without decoding them.
//
// BLOB format (all integers LEB128 varints, doubles 8 bytes in host byte order):
//   string table: count, then per string: byte length, bytes (type and label strings)
//   per row: flags byte (1: ground truth side, 2: prediction side, 4: labels_match,
//            8: confidence present), type string index;
//            if ground truth: zigzag delta of annotation_rowid from the previous ground
//              truth's (0 at chunk start), gt_label index, gt x, y, width, height, area;
//            if prediction: zigzag delta of prediction_rowid likewise, pred_label index,
//              pred x, y, width, height, area, confidence if flagged;
//            if both: iou.
// A side is present when its rowid is non-zero; the other side's fields read back as zero /
// empty, and iou as 0 unless both are present (store/matches.h's contract for such rows).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nucleus/status.h"
#include "store/matches.h"

namespace nucleus::store {

inline constexpr size_t kRowsPerChunk = 4096;

// Encodes the rows of one item into one chunk. Reuse one encoder: its buffers are kept.
class ChunkEncoder {
 public:
  // Writes `rows` (all of one item, at most kRowsPerChunk) as one chunk into `out`.
  void Encode(std::span<const MatchRow> rows, std::string* out);

 private:
  uint64_t Intern(std::string_view s);
  void PutBox(const MatchBox& b, double area);

  std::vector<std::string_view> strings_;  // views into the rows being encoded
  std::unordered_map<std::string_view, uint64_t> index_;
  std::string body_;
};

// Decodes one chunk row by row. A malformed chunk makes ok() false (then reading stops);
// no input makes it read outside `data`. `data` must outlive the decoder.
class ChunkDecoder {
 public:
  ChunkDecoder(std::string_view data, int64_t item_rowid);

  bool ok() const { return ok_; }
  bool done() const { return p_ >= end_; }

  // Reads the next row into `out` (reusing its strings' storage); false at the end or on a
  // malformed row (then ok() is false).
  bool Next(MatchRow* out);

 private:
  uint64_t Varint();
  double Double();
  std::string_view String();
  void GetBox(MatchBox* b, double* area);

  const char* p_;
  const char* end_;
  int64_t item_rowid_;
  int64_t last_gt_ = 0;
  int64_t last_pred_ = 0;
  bool ok_ = true;
  std::vector<std::string_view> strings_;
};

// Whether `r` is a row of `kind`.
bool IsKind(const MatchRow& r, MatchKind kind);

// The error a malformed chunk (set `set_rowid`, first row `first_seq`) reads as.
Status CorruptChunk(int64_t set_rowid, int64_t first_seq);

}  // namespace nucleus::store
