// libFuzzer target: stored match chunks (store/match_chunk.h), as read back from a database
// file someone else may have written. Checks, beyond "no crash / no UB / no read past the
// input": the rows a chunk decodes to, encoded again, decode to the same rows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "store/match_chunk.h"

namespace s = nucleus::store;

namespace {

bool Same(const s::MatchRow& a, const s::MatchRow& b) {
  auto same_double = [](double x, double y) {  // NaN payloads round-trip as bits
    return std::memcmp(&x, &y, sizeof x) == 0;
  };
  auto same_box = [&](const s::MatchBox& x, const s::MatchBox& y) {
    return same_double(x.x, y.x) && same_double(x.y, y.y) && same_double(x.width, y.width) &&
           same_double(x.height, y.height);
  };
  const bool conf = a.confidence.has_value() == b.confidence.has_value() &&
                    (!a.confidence || same_double(*a.confidence, *b.confidence));
  return a.annotation_rowid == b.annotation_rowid && a.prediction_rowid == b.prediction_rowid &&
         same_double(a.iou, b.iou) && a.labels_match == b.labels_match && a.type == b.type &&
         a.gt_label == b.gt_label && a.pred_label == b.pred_label && conf &&
         same_box(a.gt_box, b.gt_box) && same_box(a.pred_box, b.pred_box) &&
         same_double(a.gt_area, b.gt_area) && same_double(a.pred_area, b.pred_area);
}

// Whether `r` is a row the encoder writes as it is (see the loop below).
bool Canonical(const s::MatchRow& r) {
  auto zero = [](double x) {
    double z = 0;
    return std::memcmp(&x, &z, sizeof x) == 0;
  };
  if (r.annotation_rowid == 0 &&
      (!r.gt_label.empty() || !zero(r.gt_box.x) || !zero(r.gt_box.y) || !zero(r.gt_box.width) ||
       !zero(r.gt_box.height) || !zero(r.gt_area))) {
    return false;
  }
  if (r.prediction_rowid == 0 &&
      (!r.pred_label.empty() || !zero(r.pred_box.x) || !zero(r.pred_box.y) ||
       !zero(r.pred_box.width) || !zero(r.pred_box.height) || !zero(r.pred_area) ||
       r.confidence.has_value())) {
    return false;
  }
  if ((r.annotation_rowid == 0 || r.prediction_rowid == 0) && !zero(r.iou)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<s::MatchRow> rows;
  {
    s::ChunkDecoder decoder(input, 1);
    s::MatchRow row;
    while (rows.size() < 10000 && decoder.Next(&row)) rows.push_back(row);
    if (!decoder.ok()) return 0;
  }
  // A side whose rowid decodes to 0 (a zero delta) is "absent" to the encoder, which then
  // drops that side's fields: such chunks are not ones a store writes, so they need not
  // round-trip.
  for (const s::MatchRow& r : rows) {
    if (!Canonical(r)) return 0;
  }
  std::string again;
  s::ChunkEncoder encoder;
  encoder.Encode(rows, &again);
  s::ChunkDecoder decoder(again, 1);
  s::MatchRow row;
  for (const s::MatchRow& want : rows) {
    if (!decoder.Next(&row) || !Same(want, row)) std::abort();
  }
  if (decoder.Next(&row) || !decoder.ok()) std::abort();
  return 0;
}
