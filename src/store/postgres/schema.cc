#include "store/postgres/schema.h"

#include <string>

namespace nucleus::store::postgres {
namespace {

// v1: the schema SQLite reached at its migration v10 (store/sqlite/schema.cc), in one step: the
// same tables, keys, cascades and clean-up triggers, so both backends keep the same contracts.
// Differences: rowids are BIGSERIAL; BLOBs are BYTEA; text compares byte-wise as in SQLite
// (COLLATE "C", added to every TEXT column by Migrate, whatever the database's locale);
// taxonomies get an explicit rowid for their insertion order; a match set's chunks are those of
// SQLite's v5 (the same packed format, postgres/matches.cc). `nucleus_change_stamp` is the
// counter every Write bumps (PostgresStore::ChangeStamp).
constexpr const char* kV1Schema = R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  revoked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_by_prefix ON api_keys(key_prefix);

CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  is_scene BIGINT NOT NULL,
  use_privacy_mode BIGINT NOT NULL,
  annotation_metadata_schema TEXT NOT NULL,
  item_metadata_schema TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  created_at_ms BIGINT NOT NULL,
  item_seq_hwm BIGINT NOT NULL DEFAULT 0,
  scene_seq_hwm BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX datasets_by_owner ON datasets(owner, created_at_ms);

CREATE TABLE items (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
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
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  item_rowid BIGINT NOT NULL REFERENCES items(rowid) ON DELETE CASCADE,
  type TEXT NOT NULL,
  identity TEXT NOT NULL,
  annotation_id TEXT NOT NULL,
  label TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  payload TEXT NOT NULL,
  geometry BYTEA,
  UNIQUE (item_rowid, identity)
);
CREATE INDEX annotations_by_dataset ON annotations(dataset_id);
CREATE INDEX annotations_by_category ON annotations(dataset_id, identity)
  WHERE identity LIKE 'category:%' OR identity LIKE 'multicategory:%';
CREATE INDEX annotations_without_geometry ON annotations(rowid) WHERE geometry IS NULL;

CREATE TABLE taxonomies (
  rowid BIGSERIAL,
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
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX slices_by_dataset ON slices(dataset_id);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  request TEXT NOT NULL,
  message TEXT NOT NULL,
  completed_steps BIGINT NOT NULL,
  total_steps BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  status_reads BIGINT NOT NULL DEFAULT 0,
  attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_owner ON jobs(owner, created_at_ms);
CREATE INDEX jobs_by_status ON jobs(status, created_at_ms);

CREATE TABLE job_errors (
  seq BIGSERIAL PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  error TEXT NOT NULL
);
CREATE INDEX job_errors_by_job ON job_errors(job_id, seq);

CREATE TABLE uploads (
  dataset_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  blob_path TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  uploaded BIGINT NOT NULL,
  PRIMARY KEY (dataset_id, request_id)
);
CREATE INDEX uploads_by_expiry ON uploads(expires_at_ms);

CREATE TABLE models (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  reference_id TEXT NOT NULL,
  metadata TEXT NOT NULL,
  bundle_name TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  trained_slice_ids TEXT NOT NULL DEFAULT '[]',
  created_at_ms BIGINT NOT NULL,
  UNIQUE (owner, reference_id)
);

CREATE TABLE model_runs (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  model_rowid BIGINT NOT NULL REFERENCES models(rowid) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  annotation_metadata_schema TEXT NOT NULL,
  trained_slice_id TEXT NOT NULL,
  status TEXT NOT NULL,
  commit_request TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX model_runs_by_dataset ON model_runs(dataset_id);
CREATE INDEX model_runs_by_model ON model_runs(model_rowid, dataset_id);

CREATE TABLE predictions (
  rowid BIGSERIAL PRIMARY KEY,
  run_rowid BIGINT NOT NULL,
  item_rowid BIGINT NOT NULL,
  identity TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  annotation_id TEXT NOT NULL,
  label TEXT NOT NULL,
  confidence DOUBLE PRECISION,
  payload TEXT NOT NULL,
  geometry BYTEA
);
CREATE UNIQUE INDEX predictions_by_identity ON predictions(run_rowid, item_rowid, identity);
CREATE INDEX predictions_by_run_rowid ON predictions(run_rowid, rowid);
CREATE INDEX predictions_without_geometry ON predictions(rowid) WHERE geometry IS NULL;

CREATE TABLE scenes (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  reference_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  frame_rate BIGINT,
  video_url TEXT,
  upload_to_scale BIGINT NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (dataset_id, reference_id)
);
CREATE INDEX scenes_by_dataset ON scenes(dataset_id, seq);

CREATE TABLE scene_frames (
  scene_rowid BIGINT NOT NULL REFERENCES scenes(rowid) ON DELETE CASCADE,
  item_rowid BIGINT NOT NULL UNIQUE REFERENCES items(rowid) ON DELETE CASCADE,
  item_reference_id TEXT NOT NULL,
  frame_index BIGINT NOT NULL,
  position BIGINT NOT NULL,
  sensor TEXT NOT NULL,
  PRIMARY KEY (scene_rowid, frame_index, position)
);

CREATE TABLE scene_categories (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  scene_rowid BIGINT NOT NULL REFERENCES scenes(rowid) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  taxonomy_key TEXT NOT NULL,
  label TEXT NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE (scene_rowid, run_id, taxonomy_key)
);
CREATE INDEX scene_categories_by_run ON scene_categories(run_id);

CREATE TABLE match_sets (
  rowid BIGSERIAL PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  run_rowid BIGINT NOT NULL,
  rows BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX match_sets_by_run ON match_sets(run_rowid);

CREATE TABLE match_chunks (
  rowid BIGSERIAL PRIMARY KEY,
  set_rowid BIGINT NOT NULL,
  first_seq BIGINT NOT NULL,
  item_rowid BIGINT NOT NULL,
  rows BIGINT NOT NULL,
  pairs BIGINT NOT NULL,
  false_positives BIGINT NOT NULL,
  false_negatives BIGINT NOT NULL,
  data BYTEA NOT NULL
);
CREATE UNIQUE INDEX match_chunks_by_seq ON match_chunks(set_rowid, first_seq);

CREATE TABLE evaluations (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  run_rowid BIGINT NOT NULL REFERENCES model_runs(rowid) ON DELETE CASCADE,
  model_run_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  name TEXT,
  status TEXT NOT NULL,
  job_id TEXT NOT NULL,
  error_message TEXT,
  allowed_label_matches TEXT NOT NULL,
  allowed_label_matches_id TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX evaluations_by_run ON evaluations(run_rowid, created_at_ms);

-- Predictions and matches carry no foreign keys (an index probe per ingested row); these
-- triggers remove them with their run, their item, their set or their evaluation, as SQLite's.
CREATE FUNCTION nucleus_model_run_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM predictions WHERE run_rowid = OLD.rowid;
  DELETE FROM match_sets WHERE run_rowid = OLD.rowid;
  RETURN OLD;
END $$;
CREATE TRIGGER model_runs_deleted AFTER DELETE ON model_runs
  FOR EACH ROW EXECUTE FUNCTION nucleus_model_run_deleted();

CREATE FUNCTION nucleus_item_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM predictions
  WHERE run_rowid IN (SELECT rowid FROM model_runs WHERE dataset_id = OLD.dataset_id)
    AND item_rowid = OLD.rowid;
  RETURN OLD;
END $$;
CREATE TRIGGER items_deleted AFTER DELETE ON items
  FOR EACH ROW EXECUTE FUNCTION nucleus_item_deleted();

CREATE FUNCTION nucleus_match_set_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM match_chunks WHERE set_rowid = OLD.rowid;
  RETURN OLD;
END $$;
CREATE TRIGGER match_sets_deleted AFTER DELETE ON match_sets
  FOR EACH ROW EXECUTE FUNCTION nucleus_match_set_deleted();

CREATE FUNCTION nucleus_evaluation_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM match_sets WHERE key = OLD.id;
  RETURN OLD;
END $$;
CREATE TRIGGER evaluations_deleted AFTER DELETE ON evaluations
  FOR EACH ROW EXECUTE FUNCTION nucleus_evaluation_deleted();

CREATE TABLE nucleus_change_stamp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO nucleus_change_stamp VALUES (1, 0);
)sql";

// v2: jobs across servers (store/jobs.h, "Leases"), as SQLite's v12: a Running job is held by
// the process named in lease_owner until lease_expires_at_ms; the checkpoint is where a run that
// takes the job over resumes (payload lines consumed, the handler's tallies as space-separated
// integers). The index serves RecoverExpired's look for lapsed leases.
constexpr const char* kV2JobLeases = R"sql(
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expires_at_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN checkpoint_position BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN checkpoint_counters TEXT NOT NULL DEFAULT '';
)sql";

// v3: how many items each dataset ever lost (store/items.h, DeletionCount), as in SQLite's v11.
// PostgreSQL never hands a rowid out twice, but the contract is one for both stores: a count
// that moves only with deletions lets api/ confirm in one lookup what it resolved in a snapshot.
// (SQLite's v11 also drops the annotations' foreign keys, a per-row probe under its writer;
// PostgreSQL keeps them.)
constexpr const char* kV3ItemDeletions = R"sql(
ALTER TABLE datasets ADD COLUMN item_deletions BIGINT NOT NULL DEFAULT 0;
)sql";

// v4: the members of an item slice are item rows (store/datasets.h, SliceMember), as SQLite's
// v14: the foreign key removes an item from every slice when it is deleted. Existing item slices
// move their reference ids that still name an item into slice_items, in list order.
constexpr const char* kV4SliceItems = R"sql(
CREATE TABLE slice_items (
  slice_id TEXT NOT NULL REFERENCES slices(id) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  item_rowid BIGINT NOT NULL REFERENCES items(rowid) ON DELETE CASCADE,
  PRIMARY KEY (slice_id, item_rowid)
);
CREATE UNIQUE INDEX slice_items_in_order ON slice_items(slice_id, position);
CREATE INDEX slice_items_by_item ON slice_items(item_rowid);
INSERT INTO slice_items (slice_id, position, item_rowid)
  SELECT s.id, j.ord, i.rowid FROM slices AS s
  CROSS JOIN LATERAL json_array_elements_text(s.reference_ids::json) WITH ORDINALITY AS j(ref, ord)
  JOIN items AS i ON i.dataset_id = s.dataset_id AND i.reference_id = j.ref
  WHERE s.type = 'dataset_item'
  ON CONFLICT DO NOTHING;
UPDATE slices SET reference_ids = '[]' WHERE type = 'dataset_item';
)sql";

// v5: blobs in the database (postgres/blobs.cc, docs/design/blobs.md "Where blobs live"), so
// that any server serves any blob, and the secrets every server must share (the signing key of
// upload URLs). A blob is one `blobs` row per write and its bytes in 1 MiB `blob_chunks` rows;
// a write becomes visible when its row is marked committed (at most one committed row per
// name). Chunks are stored uncompressed (STORAGE EXTERNAL): images and masks are compressed
// already, and payloads are written once and read once.
// Also: match chunks (v1) are stored uncompressed from now on. pglz compressing the ~20 MB of
// packed rows of a 500k-prediction commit under the writer's lock was most of its store phase
// (interleaved re-commits of 500k x 36k: store 0.7-1.9 s compressed, 0.18-0.44 s not), for 27 MB
// of chunks instead of roughly 20; rows written before keep their compression.
constexpr const char* kV5Blobs = R"sql(
CREATE TABLE blobs (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  size_bytes BIGINT NOT NULL DEFAULT 0,
  written_at_ms BIGINT NOT NULL,
  committed BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX blobs_by_name ON blobs(name) WHERE committed = 1;
CREATE TABLE blob_chunks (
  blob_id BIGINT NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (blob_id, seq)
);
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE nucleus_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
ALTER TABLE match_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
)sql";

// v6: Model CI (store/validate.h), as SQLite's v15: owners' external evaluation functions,
// scenario tests, their metrics, evaluations and per-item results.
constexpr const char* kV6ModelCi = R"sql(
CREATE TABLE IF NOT EXISTS eval_functions (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  level TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (owner, name)
);

CREATE TABLE IF NOT EXISTS scenario_tests (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  slice_id TEXT NOT NULL,
  baseline_model_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (owner, name)
);

CREATE TABLE IF NOT EXISTS scenario_test_metrics (
  test_rowid BIGINT NOT NULL REFERENCES scenario_tests(rowid) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  eval_function_id TEXT NOT NULL,
  eval_func_arguments TEXT NOT NULL,
  threshold DOUBLE PRECISION,
  threshold_comparison TEXT NOT NULL,
  PRIMARY KEY (test_rowid, seq)
);

CREATE TABLE IF NOT EXISTS scenario_test_evaluations (
  rowid BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  test_rowid BIGINT NOT NULL REFERENCES scenario_tests(rowid) ON DELETE CASCADE,
  eval_function_id TEXT NOT NULL,
  eval_func_arguments TEXT NOT NULL,
  model_id TEXT NOT NULL,
  status TEXT NOT NULL,
  result DOUBLE PRECISION,
  pass BIGINT NOT NULL,
  threshold DOUBLE PRECISION,
  threshold_comparison TEXT NOT NULL,
  error TEXT NOT NULL,
  job_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluations_by_scenario_test
  ON scenario_test_evaluations(test_rowid);

CREATE TABLE IF NOT EXISTS scenario_test_item_evaluations (
  evaluation_rowid BIGINT NOT NULL REFERENCES scenario_test_evaluations(rowid) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  dataset_item_id TEXT NOT NULL,
  result DOUBLE PRECISION,
  pass BIGINT NOT NULL,
  PRIMARY KEY (evaluation_rowid, seq)
);
)sql";

// Every " TEXT" column type of `sql` as " TEXT COLLATE "C"": byte-wise comparison and order,
// as SQLite's, in a database of any locale.
std::string ByteOrderText(std::string sql) {
  const std::string from = " TEXT", to = " TEXT COLLATE \"C\"";
  for (size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size())) {
    const char next = at + from.size() < sql.size() ? sql[at + from.size()] : '\n';
    if (next == ' ' || next == ',' || next == '\n') {
      sql.replace(at, from.size(), to);
    } else {
      at += 1;
    }
  }
  return sql;
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, kV1Schema},
      {2, kV2JobLeases},
      {3, kV3ItemDeletions},
      {4, kV4SliceItems},
      {5, kV5Blobs},
      {6, kV6ModelCi},
  };
  return migrations;
}

Status Migrate(Conn& conn) {
  // Advisory lock (1314212684, 0); PostgresStore::Write takes (1314212684, hash of the schema).
  Status begun = conn.ExecScript(
      "BEGIN; SELECT pg_advisory_xact_lock(1314212684, 0);"
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  if (!begun.ok()) {
    (void)conn.ExecScript("ROLLBACK");  // a no-op when BEGIN itself failed
    return begun;
  }
  int64_t current = 0;
  {
    Stmt stmt = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (stmt.Step()) current = stmt.Int(0);
    if (!stmt.status().ok()) {
      (void)conn.ExecScript("ROLLBACK");
      return stmt.status();
    }
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    Status status = conn.ExecScript(ByteOrderText(m.sql) +
                                    "\nINSERT INTO schema_migrations (version) VALUES (" +
                                    std::to_string(m.version) + ")");
    if (!status.ok()) {
      (void)conn.ExecScript("ROLLBACK");
      return Internal("migration " + std::to_string(m.version) + " failed: " + status.message());
    }
  }
  Status commit = conn.ExecScript("COMMIT");
  if (!commit.ok()) (void)conn.ExecScript("ROLLBACK");
  return commit;
}

}  // namespace nucleus::store::postgres
