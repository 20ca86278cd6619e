#include "server/geometry_backfill.h"

#include <string>
#include <vector>

#include "core/packed_geometry.h"
#include "store/annotations.h"
#include "store/payload_row.h"
#include "store/predictions.h"
#include "wire/annotations.h"
#include "wire/json_reader.h"

namespace nucleus::server {
namespace {

// The rows of one table (predictions or annotations): how to list and update them.
struct Table {
  bool predictions;
  Result<std::vector<store::PayloadRow>> List(store::Tx& tx, int64_t after, int64_t n) const {
    return predictions ? tx.predictions().PayloadsWithoutGeometry(after, n)
                       : tx.annotations().PayloadsWithoutGeometry(after, n);
  }
  Status Set(store::Tx& tx, int64_t rowid, std::string_view packed) const {
    return predictions ? tx.predictions().SetGeometry(rowid, packed)
                       : tx.annotations().SetGeometry(rowid, packed);
  }
};

// Packs the geometry of one stored payload as its upload did; "" when it does not parse.
std::string PackPayload(std::string_view payload, bool prediction, wire::JsonDoc& doc) {
  if (!doc.Parse(payload, "stored object").ok()) return std::string();
  wire::AnnotationParseOptions options;
  options.prediction = prediction;
  options.limits = &wire::NoLimits();
  Result<wire::ParsedAnnotation> parsed = wire::ParseAnnotation(doc.root(), 0, options);
  if (!parsed.ok()) return std::string();
  return core::PackGeometry(*parsed);
}

Status BackfillTable(store::Store& store, const Table& table, int64_t chunk_rows, int64_t* filled,
                     int64_t* unparsed) {
  wire::JsonDoc doc;
  std::vector<store::PayloadRow> rows;
  std::vector<std::string> packed;
  int64_t after = 0;
  while (true) {
    NUCLEUS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
      NUCLEUS_ASSIGN_OR_RETURN(rows, table.List(tx, after, chunk_rows));
      return Status::Ok();
    }));
    if (rows.empty()) return Status::Ok();
    packed.clear();
    for (const store::PayloadRow& row : rows) {
      packed.push_back(PackPayload(row.payload_json, table.predictions, doc));
      if (packed.back().empty()) ++*unparsed;
    }
    NUCLEUS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
      for (size_t i = 0; i < rows.size(); ++i) {
        NUCLEUS_RETURN_IF_ERROR(table.Set(tx, rows[i].rowid, packed[i]));
      }
      return Status::Ok();
    }));
    *filled += static_cast<int64_t>(rows.size());
    after = rows.back().rowid;
  }
}

}  // namespace

Result<GeometryBackfill> BackfillPackedGeometry(store::Store& store, int64_t chunk_rows) {
  GeometryBackfill done;
  NUCLEUS_RETURN_IF_ERROR(
      BackfillTable(store, Table{false}, chunk_rows, &done.annotations, &done.unparsed));
  NUCLEUS_RETURN_IF_ERROR(
      BackfillTable(store, Table{true}, chunk_rows, &done.predictions, &done.unparsed));
  return done;
}

}  // namespace nucleus::server
