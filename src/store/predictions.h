// Predictions of model runs (predictions.md). Identity within a run is (item, identity) with the
// identity key of wire/annotations.h (annotations.md §3.1): a second put of the same identity is
// ignored, or replaces the stored prediction in place (keeping its id and position) when
// `update`. The payload is the exact JSON object returned on read; type, label, confidence and the
// packed geometry (core/packed_geometry.h, migration v10) are kept beside it for matching, which
// never reads the payload. Scene-level category predictions live in store/scenes.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"
#include "store/payload_row.h"

namespace nucleus::store {

// A box prediction's geometry (x, y = top-left) as migration v6 stored it beside the payload
// (the `box` column). Migration v9 moved these into the packed geometry; only migrations read
// it now.
struct PredictionBox {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

// The box of a payload our writer printed: `"geometry":{"x":N,"y":N,"width":N,"height":N}` with
// nothing else inside. False on anything else. Migration v6's backfill of the box column.
bool ScanPayloadBox(std::string_view payload_json, PredictionBox* box);

// One prediction to write; views borrow the caller's buffers for the duration of PutMany.
struct PredictionWrite {
  int64_t item_rowid = 0;
  std::string_view id;             // "pred_..." (used only when the row is new)
  std::string_view type;           // "box", "line", ... "segmentation" (group key on read)
  std::string_view identity;
  std::string_view annotation_id;  // "" when none
  std::string_view label;
  std::optional<double> confidence;
  std::string_view payload_json;
  // The packed geometry (core/packed_geometry.h) of the object the payload shows. Empty: stored
  // as missing (NULL), which the start-up backfill derives from the payload (PayloadsWithout-
  // Geometry).
  std::string_view geometry;
};

struct Prediction {
  int64_t rowid = 0;  // store-internal; increases with insertion order
  std::string id;     // "pred_..."
  int64_t run_rowid = 0;
  int64_t item_rowid = 0;
  std::string type;
  std::string identity;
  std::string annotation_id;
  std::string label;
  std::optional<double> confidence;
  std::string payload_json;
  std::string geometry;  // packed; "" when missing or none
};

// The fields whole-run matching reads (api/run_matching.cc), borrowed from the store: the views
// are valid only during the callback that receives them.
struct PredictionRef {
  int64_t rowid = 0;
  int64_t item_rowid = 0;
  std::string_view type;
  std::string_view label;
  std::optional<double> confidence;
  // ScanRun: the packed geometry (core/packed_geometry.h); empty when the payload has none that
  // parses, or when missing (a row written before migration v10 that the start-up backfill has
  // not reached). ReadItem leaves it empty.
  std::string_view geometry;
  // ReadItem only (ScanRun leaves it empty: matching never reads the payload).
  std::string_view payload_json;
};

struct RowidRange {
  int64_t first = 0;
  int64_t last = -1;
  int64_t count = 0;
};

class PredictionRepo {
 public:
  virtual ~PredictionRepo() = default;
  // Writes `rows` of run `run_rowid` in order. Returns how many were written: inserted, plus
  // replaced when `update` (the others were ignored because they existed). `rows` must not
  // repeat an (item_rowid, identity) pair.
  virtual Result<int64_t> PutMany(int64_t run_rowid, std::span<const PredictionWrite> rows,
                                  bool update) = 0;
  // The item's predictions in the run, in insertion order, handed to `fn` all at once without a
  // string per row: each ref has rowid, item_rowid, type and payload_json (label, confidence and
  // box are left unset); the views are valid only during the call. Returns `fn`'s Status.
  virtual Status ReadItem(int64_t run_rowid, int64_t item_rowid,
                          const std::function<Status(std::span<const PredictionRef>)>& fn) = 0;
  // The payload of the item's first prediction (in insertion order) with `annotation_id`.
  virtual Result<std::optional<std::string>> FindPayloadByAnnotationId(
      int64_t run_rowid, int64_t item_rowid, std::string_view annotation_id) = 0;
  // Streams every prediction of the run, grouped by item (items in insertion order), in
  // insertion order within an item; stops at the first non-ok Status of `fn`, which is returned.
  virtual Status ForEachInRun(int64_t run_rowid,
                              const std::function<Status(const Prediction&)>& fn) = 0;
  // The smallest and largest rowid of the run's predictions and their count; {0, -1, 0} when it
  // has none.
  virtual Result<RowidRange> RunRowidRange(int64_t run_rowid) = 0;
  // Up to `limit` of the predictions (of every run) whose packed geometry is missing (written
  // before migration v10, or with an empty PredictionWrite::geometry), with rowid > after_rowid,
  // in rowid order: the start-up backfill's input. Served by a partial index, so it costs
  // nothing once every row has its geometry.
  virtual Result<std::vector<PayloadRow>> PayloadsWithoutGeometry(int64_t after_rowid,
                                                                  int64_t limit) = 0;
  // Stores the packed geometry of prediction `rowid` ("" = the payload has none: not matched).
  virtual Status SetGeometry(int64_t rowid, std::string_view packed) = 0;
  // Streams the run's predictions with rowid in [first_rowid, last_rowid] in insertion order
  // (items interleaved as they were uploaded), without copying: the fast whole-run read for
  // callers that group by item themselves. Disjoint parts of RunRowidRange() may be scanned on
  // several threads, each in its own Read. Stops at the first non-ok Status of `fn`, which is
  // returned.
  virtual Status ScanRun(int64_t run_rowid, int64_t first_rowid, int64_t last_rowid,
                         const std::function<Status(const PredictionRef&)>& fn) = 0;
  virtual Result<int64_t> CountByRun(int64_t run_rowid) = 0;
  virtual Result<int64_t> DeleteByRun(int64_t run_rowid) = 0;
  // Deletes at most `limit` of the run's predictions; returns how many went. Lets a background
  // deletion keep each write transaction short.
  virtual Result<int64_t> DeleteSomeOfRun(int64_t run_rowid, int64_t limit) = 0;
};

}  // namespace nucleus::store
