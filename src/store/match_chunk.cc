#include "store/match_chunk.h"

#include <cstring>

namespace nucleus::store {
namespace {

constexpr uint8_t kHasGroundTruth = 1;
constexpr uint8_t kHasPrediction = 2;
constexpr uint8_t kLabelsMatch = 4;
constexpr uint8_t kHasConfidence = 8;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutDouble(double v, std::string* out) {
  char bytes[sizeof(double)];
  std::memcpy(bytes, &v, sizeof v);
  out->append(bytes, sizeof bytes);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

void ChunkEncoder::Encode(std::span<const MatchRow> rows, std::string* out) {
  strings_.clear();
  index_.clear();
  body_.clear();
  int64_t last_gt = 0, last_pred = 0;
  for (const MatchRow& r : rows) {
    const bool gt = r.annotation_rowid != 0;
    const bool pred = r.prediction_rowid != 0;
    uint8_t flags = (gt ? kHasGroundTruth : 0) | (pred ? kHasPrediction : 0) |
                    (r.labels_match ? kLabelsMatch : 0) |
                    (pred && r.confidence ? kHasConfidence : 0);
    body_.push_back(static_cast<char>(flags));
    PutVarint(Intern(r.type), &body_);
    if (gt) {
      PutVarint(ZigZag(r.annotation_rowid - last_gt), &body_);
      last_gt = r.annotation_rowid;
      PutVarint(Intern(r.gt_label), &body_);
      PutBox(r.gt_box, r.gt_area);
    }
    if (pred) {
      PutVarint(ZigZag(r.prediction_rowid - last_pred), &body_);
      last_pred = r.prediction_rowid;
      PutVarint(Intern(r.pred_label), &body_);
      PutBox(r.pred_box, r.pred_area);
      if (r.confidence) PutDouble(*r.confidence, &body_);
    }
    if (gt && pred) PutDouble(r.iou, &body_);
  }
  out->clear();
  PutVarint(strings_.size(), out);
  for (std::string_view s : strings_) {
    PutVarint(s.size(), out);
    out->append(s);
  }
  out->append(body_);
}

uint64_t ChunkEncoder::Intern(std::string_view s) {
  auto [it, inserted] = index_.try_emplace(s, strings_.size());
  if (inserted) strings_.push_back(s);
  return it->second;
}

void ChunkEncoder::PutBox(const MatchBox& b, double area) {
  PutDouble(b.x, &body_);
  PutDouble(b.y, &body_);
  PutDouble(b.width, &body_);
  PutDouble(b.height, &body_);
  PutDouble(area, &body_);
}

ChunkDecoder::ChunkDecoder(std::string_view data, int64_t item_rowid)
    : p_(data.data()), end_(data.data() + data.size()), item_rowid_(item_rowid) {
  const uint64_t n = Varint();
  for (uint64_t i = 0; i < n && ok_; ++i) {
    const uint64_t len = Varint();
    if (static_cast<uint64_t>(end_ - p_) < len) {
      ok_ = false;
      break;
    }
    strings_.emplace_back(p_, static_cast<size_t>(len));
    p_ += len;
  }
}

bool ChunkDecoder::Next(MatchRow* out) {
  if (!ok_ || p_ >= end_) return false;
  const uint8_t flags = static_cast<uint8_t>(*p_++);
  out->item_rowid = item_rowid_;
  out->labels_match = (flags & kLabelsMatch) != 0;
  out->type.assign(String());
  out->iou = 0;
  if (flags & kHasGroundTruth) {
    if (__builtin_add_overflow(last_gt_, UnZigZag(Varint()), &last_gt_)) ok_ = false;
    out->annotation_rowid = last_gt_;
    out->gt_label.assign(String());
    GetBox(&out->gt_box, &out->gt_area);
  } else {
    out->annotation_rowid = 0;
    out->gt_label.clear();
    out->gt_box = {};
    out->gt_area = 0;
  }
  out->confidence.reset();
  if (flags & kHasPrediction) {
    if (__builtin_add_overflow(last_pred_, UnZigZag(Varint()), &last_pred_)) ok_ = false;
    out->prediction_rowid = last_pred_;
    out->pred_label.assign(String());
    GetBox(&out->pred_box, &out->pred_area);
    if (flags & kHasConfidence) out->confidence = Double();
  } else {
    out->prediction_rowid = 0;
    out->pred_label.clear();
    out->pred_box = {};
    out->pred_area = 0;
  }
  if ((flags & kHasGroundTruth) && (flags & kHasPrediction)) out->iou = Double();
  return ok_;
}

uint64_t ChunkDecoder::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p_ >= end_) break;
    const uint8_t b = static_cast<uint8_t>(*p_++);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  ok_ = false;
  return 0;
}

double ChunkDecoder::Double() {
  double v = 0;
  if (end_ - p_ < static_cast<ptrdiff_t>(sizeof v)) {
    ok_ = false;
    return 0;
  }
  std::memcpy(&v, p_, sizeof v);
  p_ += sizeof v;
  return v;
}

std::string_view ChunkDecoder::String() {
  const uint64_t i = Varint();
  if (i >= strings_.size()) {
    ok_ = false;
    return {};
  }
  return strings_[i];
}

void ChunkDecoder::GetBox(MatchBox* b, double* area) {
  b->x = Double();
  b->y = Double();
  b->width = Double();
  b->height = Double();
  *area = Double();
}

bool IsKind(const MatchRow& r, MatchKind kind) {
  switch (kind) {
    case MatchKind::kAll:
      return true;
    case MatchKind::kPairs:
      return r.annotation_rowid != 0 && r.prediction_rowid != 0;
    case MatchKind::kFalsePositives:
      return r.annotation_rowid == 0;
    case MatchKind::kFalseNegatives:
      return r.prediction_rowid == 0;
  }
  return false;
}

Status CorruptChunk(int64_t set_rowid, int64_t first_seq) {
  return Internal("stored match chunk (set " + std::to_string(set_rowid) + ", seq " +
                  std::to_string(first_seq) + ") is malformed");
}

}  // namespace nucleus::store
