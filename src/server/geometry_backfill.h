// The start-up backfill of packed geometry (core/packed_geometry.h): stored annotations and
// predictions written before migration v10 have none, and deriving it needs the payload's JSON
// parser, which neither the store nor api/ may use. So the server, which has both store and
// wire, does it once before serving: it streams the rows without geometry in chunks of
// `chunk_rows` (one read, then one write transaction per chunk, so memory and lock time stay
// bounded), parses each payload with the upload validator (wire/annotations.h, no caps: stored
// objects passed them when written) and stores what it packs to — the same bytes as packing the
// object at upload, since the payload prints the parsed doubles in shortest round-trip form. A
// payload that does not parse gets an empty geometry: not matched, as before, and not visited
// again. With nothing to do it costs two index probes (the v10 partial indexes are empty).
#pragma once

#include <cstdint>

#include "nucleus/result.h"
#include "store/store.h"

namespace nucleus::server {

struct GeometryBackfill {
  int64_t annotations = 0;  // rows given a geometry
  int64_t predictions = 0;
  int64_t unparsed = 0;  // of those, payloads that did not parse (stored as "no geometry")
};

// Not thread-safe with writers of the same rows: run it before serving.
Result<GeometryBackfill> BackfillPackedGeometry(store::Store& store, int64_t chunk_rows = 4096);

}  // namespace nucleus::server
