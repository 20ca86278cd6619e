// Stored matches of a commit or an evaluation (evaluation.md §1–2): one row per matched pair,
// per unmatched ground truth (false negative) and per unmatched prediction (false positive).
//
// Rows belong to a match set named by a key: the run id for the run's commit
// (modelRun/{run}/commit, calculateEvaluationMetrics), the evaluation id for an Evaluation V2.
// Replace() swaps a whole set in one call, so committing again recomputes instead of adding.
// Each row carries what the metrics need without joins: labels, confidence, IoU, and each side's
// axis-aligned extent and area (the COCO protocol and the size buckets read them). Each ground
// truth and each prediction of the set appears in exactly one row.
// Deleting a run deletes its sets; deleting an item leaves its rows, which every read skips.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/matches.h"
#include "nucleus/result.h"

namespace nucleus::store {

// The rows live in core/ (core/matches.h) so that wire/ can encode them.
using MatchBox = core::MatchBox;
using MatchRow = core::MatchRow;
using MatchView = core::MatchView;

struct MatchSet {
  int64_t rowid = 0;
  std::string key;
  int64_t run_rowid = 0;
  int64_t rows = 0;
  int64_t created_at_ms = 0;
};

enum class MatchKind { kAll, kPairs, kFalsePositives, kFalseNegatives };

class MatchRepo {
 public:
  virtual ~MatchRepo() = default;
  // Drops the rows of set `key` (creating the set when new) and writes `rows` in order.
  virtual Result<MatchSet> Replace(const std::string& key, int64_t run_rowid,
                                   std::span<const MatchRow> rows, int64_t now_ms) = 0;
  // Adds `rows` at the end of a set that Replace just created, in the same transaction, so a
  // big set can be written in batches without holding all of its rows in memory. Updates
  // set->rows.
  virtual Status Append(MatchSet* set, std::span<const MatchRow> rows) = 0;
  virtual Result<std::optional<MatchSet>> FindSet(const std::string& key) = 0;
  // Every row of the set whose item still exists, in order, with its seq; stops at the first
  // non-ok Status of `fn`, which is returned.
  virtual Status ForEach(int64_t set_rowid,
                         const std::function<Status(int64_t seq, const MatchRow&)>& fn) = 0;
  // The rows at `seqs` (in that order; missing ones are left out) with their public ids.
  virtual Result<std::vector<MatchView>> ViewsAt(int64_t set_rowid,
                                                 std::span<const int64_t> seqs) = 0;
  // Up to `limit` rows of `kind` with seq >= `from_seq`, in order, with their public ids.
  virtual Result<std::vector<MatchView>> Page(int64_t set_rowid, MatchKind kind, int64_t from_seq,
                                              int64_t limit) = 0;
  virtual Status DeleteSet(const std::string& key) = 0;
};

}  // namespace nucleus::store
