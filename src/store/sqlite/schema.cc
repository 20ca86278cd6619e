#include "store/sqlite/schema.h"

#include <cstring>
#include <string>
#include <string_view>

#include "core/blob_urls.h"
#include "core/packed_geometry.h"
#include "store/predictions.h"

namespace nucleus::store::sqlite {
namespace {

// v1: keys, datasets, items, ground truth, taxonomies, slices, jobs, signed-URL uploads.
constexpr const char* kV1Foundation = R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  is_scene INTEGER NOT NULL,
  use_privacy_mode INTEGER NOT NULL,
  annotation_metadata_schema TEXT NOT NULL,
  item_metadata_schema TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX datasets_by_owner ON datasets(owner, created_at_ms);

CREATE TABLE items (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  reference_id TEXT NOT NULL,
  image_url TEXT NOT NULL,
  pointcloud_url TEXT NOT NULL,
  metadata TEXT NOT NULL,
  extra TEXT NOT NULL,
  scene_id TEXT NOT NULL DEFAULT '',
  UNIQUE (dataset_id, reference_id),
  UNIQUE (dataset_id, seq)
);

CREATE TABLE annotations (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  item_rowid INTEGER NOT NULL REFERENCES items(rowid) ON DELETE CASCADE,
  type TEXT NOT NULL,
  identity TEXT NOT NULL,
  annotation_id TEXT NOT NULL,
  label TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  payload TEXT NOT NULL,
  UNIQUE (item_rowid, identity)
);
CREATE INDEX annotations_by_identity ON annotations(dataset_id, identity);

CREATE TABLE taxonomies (
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  labels TEXT NOT NULL,
  PRIMARY KEY (dataset_id, name)
);

CREATE TABLE slices (
  id TEXT PRIMARY KEY,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  reference_ids TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  request TEXT NOT NULL,
  message TEXT NOT NULL,
  completed_steps INTEGER NOT NULL,
  total_steps INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  status_reads INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_owner ON jobs(owner, created_at_ms);
CREATE INDEX jobs_by_status ON jobs(status, created_at_ms);

CREATE TABLE job_errors (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  error TEXT NOT NULL
);
CREATE INDEX job_errors_by_job ON job_errors(job_id, seq);

CREATE TABLE uploads (
  dataset_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  blob_path TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  uploaded INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, request_id)
);
)sql";

// v3: scenes (scenes.md): the scene rows, the frame layout of their items, scene categories.
constexpr const char* kV3Scenes = R"sql(
CREATE TABLE scenes (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  reference_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  frame_rate INTEGER,
  video_url TEXT,
  upload_to_scale INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (dataset_id, reference_id)
);
CREATE INDEX scenes_by_dataset ON scenes(dataset_id, seq);

CREATE TABLE scene_frames (
  scene_rowid INTEGER NOT NULL REFERENCES scenes(rowid) ON DELETE CASCADE,
  item_rowid INTEGER NOT NULL UNIQUE REFERENCES items(rowid) ON DELETE CASCADE,
  item_reference_id TEXT NOT NULL,
  frame_index INTEGER NOT NULL,
  position INTEGER NOT NULL,
  sensor TEXT NOT NULL,
  PRIMARY KEY (scene_rowid, frame_index, position)
);

CREATE TABLE scene_categories (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  scene_rowid INTEGER NOT NULL REFERENCES scenes(rowid) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  taxonomy_key TEXT NOT NULL,
  label TEXT NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE (scene_rowid, run_id, taxonomy_key)
);
CREATE INDEX scene_categories_by_run ON scene_categories(run_id);
)sql";

// v2: models, model runs and their predictions (models.md, model_runs.md, predictions.md).
// Predictions carry no foreign keys (each would cost two index probes per inserted row on the
// ingest path); triggers remove them with their run or their item instead. Their identity index
// (run, item, identity) serves upserts, per-item reads and whole-run scans.
constexpr const char* kV2Models = R"sql(
CREATE TABLE models (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  reference_id TEXT NOT NULL,
  metadata TEXT NOT NULL,
  bundle_name TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  trained_slice_ids TEXT NOT NULL DEFAULT '[]',
  created_at_ms INTEGER NOT NULL,
  UNIQUE (owner, reference_id)
);

CREATE TABLE model_runs (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  model_rowid INTEGER NOT NULL REFERENCES models(rowid) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  annotation_metadata_schema TEXT NOT NULL,
  trained_slice_id TEXT NOT NULL,
  status TEXT NOT NULL,
  commit_request TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX model_runs_by_dataset ON model_runs(dataset_id);
CREATE INDEX model_runs_by_model ON model_runs(model_rowid, dataset_id);

CREATE TABLE predictions (
  rowid INTEGER PRIMARY KEY,
  run_rowid INTEGER NOT NULL,
  item_rowid INTEGER NOT NULL,
  identity TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  annotation_id TEXT NOT NULL,
  label TEXT NOT NULL,
  confidence REAL,
  payload TEXT NOT NULL
);
CREATE UNIQUE INDEX predictions_by_identity ON predictions(run_rowid, item_rowid, identity);

CREATE TRIGGER model_runs_drop_predictions AFTER DELETE ON model_runs BEGIN
  DELETE FROM predictions WHERE run_rowid = OLD.rowid;
END;
CREATE TRIGGER items_drop_predictions AFTER DELETE ON items BEGIN
  DELETE FROM predictions
  WHERE run_rowid IN (SELECT rowid FROM model_runs WHERE dataset_id = OLD.dataset_id)
    AND item_rowid = OLD.rowid;
END;
)sql";

// v4: stored matches of commits and evaluations (store/matches.h) and Evaluations V2. Matches
// are keyed by (set, seq) without a rowid, so a commit appends to one B-tree in order and a
// recommit drops one key range. No foreign keys (as predictions): triggers clean up after runs.
constexpr const char* kV4Matches = R"sql(
CREATE TABLE match_sets (
  rowid INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  run_rowid INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX match_sets_by_run ON match_sets(run_rowid);

CREATE TABLE matches (
  set_rowid INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  item_rowid INTEGER NOT NULL,
  annotation_rowid INTEGER,
  prediction_rowid INTEGER,
  iou REAL NOT NULL,
  labels_match INTEGER NOT NULL,
  type TEXT NOT NULL,
  gt_label TEXT NOT NULL,
  pred_label TEXT NOT NULL,
  confidence REAL,
  gt_x REAL NOT NULL, gt_y REAL NOT NULL, gt_w REAL NOT NULL, gt_h REAL NOT NULL,
  gt_area REAL NOT NULL,
  pr_x REAL NOT NULL, pr_y REAL NOT NULL, pr_w REAL NOT NULL, pr_h REAL NOT NULL,
  pr_area REAL NOT NULL,
  PRIMARY KEY (set_rowid, seq)
) WITHOUT ROWID;

CREATE TABLE evaluations (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  run_rowid INTEGER NOT NULL REFERENCES model_runs(rowid) ON DELETE CASCADE,
  model_run_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  name TEXT,
  status TEXT NOT NULL,
  job_id TEXT NOT NULL,
  error_message TEXT,
  allowed_label_matches TEXT NOT NULL,
  allowed_label_matches_id TEXT,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX evaluations_by_run ON evaluations(run_rowid, created_at_ms);

CREATE TRIGGER match_sets_drop_matches AFTER DELETE ON match_sets BEGIN
  DELETE FROM matches WHERE set_rowid = OLD.rowid;
END;
CREATE TRIGGER model_runs_drop_match_sets AFTER DELETE ON model_runs BEGIN
  DELETE FROM match_sets WHERE run_rowid = OLD.rowid;
END;
CREATE TRIGGER evaluations_drop_match_set AFTER DELETE ON evaluations BEGIN
  DELETE FROM match_sets WHERE key = OLD.id;
END;
)sql";

// v5: a match set is stored as packed chunks (one BLOB per run of consecutive rows of one item,
// at most 4,096 rows; format in sqlite/matches.cc) instead of one row per match: a 500k-row
// commit writes ~5,000 rows instead of 500,000 (docs/benchmarks.md, "Commit matching"). Stored
// matches are dropped, not converted: runs answer as never committed until committed again, and
// succeeded evaluations are marked failed so they are re-created rather than read empty.
constexpr const char* kV5MatchChunks = R"sql(
DROP TRIGGER match_sets_drop_matches;
DROP TABLE matches;
DELETE FROM match_sets;
UPDATE evaluations SET status = 'failed',
  error_message = 'stored matches were dropped by a storage upgrade; create the evaluation again'
  WHERE status = 'succeeded';

CREATE TABLE match_chunks (
  rowid INTEGER PRIMARY KEY,
  set_rowid INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  item_rowid INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  pairs INTEGER NOT NULL,
  false_positives INTEGER NOT NULL,
  false_negatives INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE UNIQUE INDEX match_chunks_by_seq ON match_chunks(set_rowid, first_seq);

CREATE TRIGGER match_sets_drop_chunks AFTER DELETE ON match_sets BEGIN
  DELETE FROM match_chunks WHERE set_rowid = OLD.rowid;
END;
)sql";

// v6: box predictions keep their geometry beside the payload (store/predictions.h,
// PredictionBox: 4 doubles) so a commit's scan neither reads nor parses the payload JSON
// (docs/benchmarks.md, "Commit matching"). Existing box rows are backfilled from their payloads
// by nucleus_payload_box() (below); a row it cannot scan keeps NULL and is parsed as before.
constexpr const char* kV6PredictionBoxes = R"sql(
ALTER TABLE predictions ADD COLUMN box BLOB;
UPDATE predictions SET box = nucleus_payload_box(payload) WHERE type = 'box';
)sql";

void PayloadBoxFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  const unsigned char* text = sqlite3_value_text(argv[0]);
  // The backfill of v6: the same scan the commit's read of older rows uses.
  PredictionBox box;
  if (text == nullptr ||
      !ScanPayloadBox(std::string_view(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_value_bytes(argv[0]))),
                      &box)) {
    sqlite3_result_null(context);
    return;
  }
  sqlite3_result_blob(context, &box, sizeof box, SQLITE_TRANSIENT);
}

// v7: how often each job was claimed, so a job that was Running when the process died is
// retried a bounded number of times (api/jobs.h, JobService::Start) instead of taking the
// restarted process down again and again. Jobs already stored count as never claimed.
constexpr const char* kV7JobAttempts = R"sql(
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
)sql";

// Positions are handed out from a per-dataset high-water mark instead of MAX(seq) + 1, which
// gave a deleted last item's position to the next one: a client paging with `seq > token`
// then skipped the new item (found by tests/store/conformance).
constexpr const char* kV8SeqHighWaterMarks = R"sql(
ALTER TABLE datasets ADD COLUMN item_seq_hwm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN scene_seq_hwm INTEGER NOT NULL DEFAULT 0;
UPDATE datasets SET
  item_seq_hwm = (SELECT COALESCE(MAX(seq), 0) FROM items WHERE items.dataset_id = datasets.id),
  scene_seq_hwm = (SELECT COALESCE(MAX(seq), 0) FROM scenes WHERE scenes.dataset_id = datasets.id);
)sql";

// v9: ground truth is no longer indexed by (dataset_id, identity). Identities repeat across items
// ("id:box-1" on every image), so each new row went into the middle of that index: about half of
// an annotate's SQLite time at 200k rows (docs/benchmarks.md, "Ground-truth annotate"). Reads
// by dataset use an index on dataset_id alone (its entries end in the rowid, so new rows append),
// and the one lookup by identity, a taxonomy's deletion, has a partial index over category
// identities (few: one per item and taxonomy). SqliteAnnotationRepo::DeleteByIdentity repeats
// its WHERE term, which is what lets SQLite use it. Idempotent, so a database whose version was
// set back (tests/py/test_prediction_boxes.py replays v6 onwards) migrates again.
constexpr const char* kV9AnnotationIndexes = R"sql(
DROP INDEX IF EXISTS annotations_by_identity;
CREATE INDEX IF NOT EXISTS annotations_by_dataset ON annotations(dataset_id);
CREATE INDEX IF NOT EXISTS annotations_by_category ON annotations(dataset_id, identity)
  WHERE identity GLOB 'category:*' OR identity GLOB 'multicategory:*';
)sql";

// v10: every prediction and ground-truth annotation keeps the packed geometry of its object
// (core/packed_geometry.h) beside the payload, written at upload from the parsed object, so a
// commit neither reads nor parses payloads (issue 11, "parse once"). v6's box column is folded
// in (nucleus_pack_box below) and emptied. Other rows keep NULL: deriving their geometry needs
// the payload's JSON parser, which the store does not have, so the server's start-up backfill
// does it (server/geometry_backfill.h), finding them through the partial indexes (which hold
// only NULL rows, so they are empty and cost nothing once the backfill is done).
constexpr const char* kV10PackedGeometry = R"sql(
ALTER TABLE predictions ADD COLUMN geometry BLOB;
ALTER TABLE annotations ADD COLUMN geometry BLOB;
UPDATE predictions SET geometry = nucleus_pack_box(box), box = NULL WHERE box IS NOT NULL;
CREATE INDEX predictions_without_geometry ON predictions(rowid) WHERE geometry IS NULL;
CREATE INDEX annotations_without_geometry ON annotations(rowid) WHERE geometry IS NULL;
)sql";

// v11: ground truth is written like predictions (issue 11, ingest). The annotations table loses
// its two foreign keys: each inserted row probed datasets and items for them, inside the store's
// single writer. What they guaranteed holds without them: an annotate resolves its reference ids
// and checks its dataset in the same write transaction (api/item_refs.h), and the cascades they
// carried are triggers, as for predictions (v2). `item_deletions` counts the items a dataset ever
// lost, so reference ids can be resolved in a read snapshot, outside the writer, and confirmed in
// it with one lookup (store/items.h, DeletionCount). SQLite cannot drop a constraint: the table
// is rebuilt with the same rowids, columns and indexes. Idempotent, like v9 (a test replays it).
constexpr const char* kV11AnnotationsWithoutForeignKeys = R"sql(
ALTER TABLE datasets ADD COLUMN item_deletions INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER IF EXISTS datasets_drop_annotations;
DROP TRIGGER IF EXISTS items_drop_annotations;
CREATE TABLE annotations_v11 (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL,
  item_rowid INTEGER NOT NULL,
  type TEXT NOT NULL,
  identity TEXT NOT NULL,
  annotation_id TEXT NOT NULL,
  label TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  payload TEXT NOT NULL,
  geometry BLOB,
  UNIQUE (item_rowid, identity)
);
INSERT INTO annotations_v11 (rowid, id, dataset_id, item_rowid, type, identity, annotation_id,
                             label, labels, payload, geometry)
  SELECT rowid, id, dataset_id, item_rowid, type, identity, annotation_id, label, labels, payload,
         geometry FROM annotations;
DROP TABLE annotations;
ALTER TABLE annotations_v11 RENAME TO annotations;
CREATE INDEX annotations_by_dataset ON annotations(dataset_id);
CREATE INDEX annotations_by_category ON annotations(dataset_id, identity)
  WHERE identity GLOB 'category:*' OR identity GLOB 'multicategory:*';
CREATE INDEX annotations_without_geometry ON annotations(rowid) WHERE geometry IS NULL;
CREATE TRIGGER datasets_drop_annotations AFTER DELETE ON datasets BEGIN
  DELETE FROM annotations WHERE dataset_id = OLD.id;
END;
CREATE TRIGGER items_drop_annotations AFTER DELETE ON items BEGIN
  DELETE FROM annotations WHERE item_rowid = OLD.rowid;
END;
)sql";

// v12: jobs across processes (store/jobs.h, "Leases"; docs/design/jobs.md). A Running job is
// held by the process named in lease_owner until lease_expires_at_ms; the checkpoint is where a
// run that takes the job over resumes (payload lines consumed, the handler's tallies as
// space-separated integers). Jobs already Running get an expired lease: their process is gone
// (before v12 only one process used a data directory), so the next claim recovers them, as the
// restart's requeue did.
constexpr const char* kV12JobLeases = R"sql(
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expires_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN checkpoint_position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN checkpoint_counters TEXT NOT NULL DEFAULT '';
)sql";

// v13: stored references to served blobs are location-free (core/blob_urls.h): an item image
// URL or a stored mask URL written as "http://HOST/v1/nucleus/blob/..." named the host and port
// it was uploaded through, wrong through any other server or port. nucleus_location_free (below)
// rewrites them to "nucleus://local/blob/...", which the answering server resolves; the LIKE
// filters keep the rewrite to the rows that hold one.
constexpr const char* kV13LocationFreeBlobUrls = R"sql(
UPDATE items SET image_url = nucleus_location_free(image_url)
  WHERE image_url LIKE 'http%/v1/nucleus/blob/img/%';
UPDATE annotations SET payload = nucleus_location_free(payload)
  WHERE payload LIKE '%http%/v1/nucleus/blob/mask/%';
UPDATE predictions SET payload = nucleus_location_free(payload)
  WHERE payload LIKE '%http%/v1/nucleus/blob/mask/%';
)sql";

// v14: the members of an item slice are item rows (store/datasets.h, SliceMember), not a JSON
// list of reference ids: an item's deletion removes it from every slice (the trigger, as for
// annotations in v11), a new item that reuses a deleted one's reference id does not join its
// slices, and an append adds rows without rewriting the list. Existing item slices move their
// reference ids that still name an item into slice_items, in list order. Idempotent, like v9
// (a test downgrades to v12 and replays v13 and this).
constexpr const char* kV14SliceItems = R"sql(
CREATE TABLE IF NOT EXISTS slice_items (
  slice_id TEXT NOT NULL REFERENCES slices(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  item_rowid INTEGER NOT NULL,
  PRIMARY KEY (slice_id, item_rowid)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS slice_items_in_order ON slice_items(slice_id, position);
CREATE INDEX IF NOT EXISTS slice_items_by_item ON slice_items(item_rowid);
CREATE INDEX IF NOT EXISTS slices_by_dataset ON slices(dataset_id);
INSERT OR IGNORE INTO slice_items (slice_id, position, item_rowid)
  SELECT s.id, j.key + 1, i.rowid FROM slices AS s, json_each(s.reference_ids) AS j
  JOIN items AS i ON i.dataset_id = s.dataset_id AND i.reference_id = j.value
  WHERE s.type = 'dataset_item';
UPDATE slices SET reference_ids = '[]' WHERE type = 'dataset_item';
CREATE TRIGGER IF NOT EXISTS items_drop_slice_members AFTER DELETE ON items BEGIN
  DELETE FROM slice_items WHERE item_rowid = OLD.rowid;
END;
)sql";

void LocationFreeFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_value(context, argv[0]);
    return;
  }
  std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                        static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  std::string out = core::LocationFreeBlobUrls(text);
  sqlite3_result_text(context, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

// v6's box (4 doubles in host byte order) as packed geometry; NULL for anything else.
void PackBoxFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  PredictionBox box;
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB ||
      sqlite3_value_bytes(argv[0]) != static_cast<int>(sizeof box)) {
    sqlite3_result_null(context);
    return;
  }
  std::memcpy(&box, sqlite3_value_blob(argv[0]), sizeof box);
  core::AnnotationGeometry g;
  g.box = {box.x, box.y, box.width, box.height};
  std::string packed;
  core::AppendPackedGeometry(core::AnnotationType::kBox, g, {}, {}, &packed);
  sqlite3_result_blob(context, packed.data(), static_cast<int>(packed.size()), SQLITE_TRANSIENT);
}

// v15: Model CI (store/validate.h, docs/api/validate.md): owners' external evaluation functions,
// scenario tests (unique names per owner: the client addresses tests by name) and their metrics
// in creation order, evaluations of models on them (newest first) with per-item results.
// Built-in functions are not stored: their ids are fixed (core/validate.h). IF NOT EXISTS: the
// tests that replay migrations from an older user_version run this one again.
constexpr const char* kV15ModelCi = R"sql(
CREATE TABLE IF NOT EXISTS eval_functions (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  level TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (owner, name)
);

CREATE TABLE IF NOT EXISTS scenario_tests (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  slice_id TEXT NOT NULL,
  baseline_model_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (owner, name)
);

CREATE TABLE IF NOT EXISTS scenario_test_metrics (
  test_rowid INTEGER NOT NULL REFERENCES scenario_tests(rowid) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  eval_function_id TEXT NOT NULL,
  eval_func_arguments TEXT NOT NULL,
  threshold REAL,
  threshold_comparison TEXT NOT NULL,
  PRIMARY KEY (test_rowid, seq)
);

CREATE TABLE IF NOT EXISTS scenario_test_evaluations (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  test_rowid INTEGER NOT NULL REFERENCES scenario_tests(rowid) ON DELETE CASCADE,
  eval_function_id TEXT NOT NULL,
  eval_func_arguments TEXT NOT NULL,
  model_id TEXT NOT NULL,
  status TEXT NOT NULL,
  result REAL,
  pass INTEGER NOT NULL,
  threshold REAL,
  threshold_comparison TEXT NOT NULL,
  error TEXT NOT NULL,
  job_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluations_by_scenario_test
  ON scenario_test_evaluations(test_rowid);

CREATE TABLE IF NOT EXISTS scenario_test_item_evaluations (
  evaluation_rowid INTEGER NOT NULL REFERENCES scenario_test_evaluations(rowid) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  dataset_item_id TEXT NOT NULL,
  result REAL,
  pass INTEGER NOT NULL,
  PRIMARY KEY (evaluation_rowid, seq)
);
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, kV1Foundation},
      {2, kV2Models},
      {3, kV3Scenes},
      {4, kV4Matches},
      {5, kV5MatchChunks},
      {6, kV6PredictionBoxes},
      {7, kV7JobAttempts},
      {8, kV8SeqHighWaterMarks},
      {9, kV9AnnotationIndexes},
      {10, kV10PackedGeometry},
      {11, kV11AnnotationsWithoutForeignKeys},
      {12, kV12JobLeases},
      {13, kV13LocationFreeBlobUrls},
      {14, kV14SliceItems},
      {15, kV15ModelCi},
  };
  return migrations;
}

Status Migrate(Db& db) {
  int64_t current = 0;
  {
    Stmt stmt = db.Prepare("PRAGMA user_version");
    if (stmt.Step()) current = stmt.Int(0);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
  }
  // Used by migration v6's backfill; registered on this connection only.
  if (sqlite3_create_function(db.raw(), "nucleus_payload_box", 1,
                              SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &PayloadBoxFunction,
                              nullptr, nullptr) != SQLITE_OK) {
    return db.Error("register nucleus_payload_box");
  }
  // Used by migration v9.
  if (sqlite3_create_function(db.raw(), "nucleus_pack_box", 1,
                              SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &PackBoxFunction,
                              nullptr, nullptr) != SQLITE_OK) {
    return db.Error("register nucleus_pack_box");
  }
  // Used by migration v13.
  if (sqlite3_create_function(db.raw(), "nucleus_location_free", 1,
                              SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &LocationFreeFunction,
                              nullptr, nullptr) != SQLITE_OK) {
    return db.Error("register nucleus_location_free");
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    // Another process opening the same file may have migrated since `current` was read: look
    // again under the write lock, so two servers starting at once apply each migration once.
    NUCLEUS_RETURN_IF_ERROR(db.ExecScript("BEGIN IMMEDIATE;"));
    {
      Stmt stmt = db.Prepare("PRAGMA user_version");
      if (stmt.Step()) current = stmt.Int(0);
      Status read = stmt.status();
      if (!read.ok()) {
        (void)db.ExecScript("ROLLBACK;");
        return read;
      }
    }
    if (m.version <= current) {
      NUCLEUS_RETURN_IF_ERROR(db.ExecScript("COMMIT;"));
      continue;
    }
    std::string script = m.sql;
    script += "\nPRAGMA user_version = " + std::to_string(m.version) + ";\nCOMMIT;";
    Status status = db.ExecScript(script);
    if (!status.ok()) {
      (void)db.ExecScript("ROLLBACK;");
      return Internal("migration " + std::to_string(m.version) + " failed: " + status.message());
    }
  }
  return Status::Ok();
}

}  // namespace nucleus::store::sqlite
