// A stored annotation's or prediction's payload with its row and type: what the start-up
// backfill of packed geometry reads (AnnotationRepo / PredictionRepo::PayloadsWithoutGeometry).
#pragma once

#include <cstdint>
#include <string>

namespace nucleus::store {

struct PayloadRow {
  int64_t rowid = 0;
  std::string type;          // the type column ("box", ... "segmentation")
  std::string payload_json;  // the object as returned on read
};

}  // namespace nucleus::store
