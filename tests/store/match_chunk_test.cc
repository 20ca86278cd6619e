// The match-chunk codec (store/match_chunk.h) both stores write: every row round-trips exactly
// (ids, labels, optional confidence, boxes, areas, IoU only for pairs), and a damaged chunk
// reads as not ok instead of as rows.
#include "store/match_chunk.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace nucleus::store {
namespace {

std::vector<MatchRow> RandomRows(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<double> real(-1e6, 1e6);
  std::uniform_int_distribution<int> kind(0, 2), label(0, 5), step(-3, 50);
  const char* labels[] = {"car", "truck", "", "person", "b\xc3\xa9", "x y"};
  const char* types[] = {"box", "polygon", "cuboid"};
  std::vector<MatchRow> rows(n);
  int64_t gt = 1000, pred = 7;
  for (MatchRow& r : rows) {
    const int k = kind(rng);  // 0 pair, 1 false positive, 2 false negative
    r.item_rowid = 42;
    r.type = types[label(rng) % 3];
    if (k != 1) {
      gt += step(rng);
      r.annotation_rowid = gt == 0 ? 1 : gt;
      r.gt_label = labels[label(rng)];
      r.gt_box = {real(rng), real(rng), real(rng), real(rng)};
      r.gt_area = real(rng);
    }
    if (k != 2) {
      pred += step(rng);
      r.prediction_rowid = pred == 0 ? 1 : pred;
      r.pred_label = labels[label(rng)];
      r.pred_box = {real(rng), real(rng), real(rng), real(rng)};
      r.pred_area = real(rng);
      if (label(rng) != 0) r.confidence = real(rng) / 1e6;
    }
    if (k == 0) {
      r.iou = real(rng) / 1e6;
      r.labels_match = label(rng) % 2 == 0;
    }
  }
  return rows;
}

void ExpectSame(const MatchRow& a, const MatchRow& b) {
  EXPECT_EQ(a.item_rowid, b.item_rowid);
  EXPECT_EQ(a.annotation_rowid, b.annotation_rowid);
  EXPECT_EQ(a.prediction_rowid, b.prediction_rowid);
  EXPECT_EQ(a.iou, b.iou);
  EXPECT_EQ(a.labels_match, b.labels_match);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.gt_label, b.gt_label);
  EXPECT_EQ(a.pred_label, b.pred_label);
  EXPECT_EQ(a.confidence, b.confidence);
  EXPECT_EQ(a.gt_box.x, b.gt_box.x);
  EXPECT_EQ(a.gt_box.y, b.gt_box.y);
  EXPECT_EQ(a.gt_box.width, b.gt_box.width);
  EXPECT_EQ(a.gt_box.height, b.gt_box.height);
  EXPECT_EQ(a.pred_box.x, b.pred_box.x);
  EXPECT_EQ(a.pred_box.y, b.pred_box.y);
  EXPECT_EQ(a.pred_box.width, b.pred_box.width);
  EXPECT_EQ(a.pred_box.height, b.pred_box.height);
  EXPECT_EQ(a.gt_area, b.gt_area);
  EXPECT_EQ(a.pred_area, b.pred_area);
}

TEST(MatchChunk, RowsRoundTripExactly) {
  std::mt19937_64 rng(7);
  ChunkEncoder encoder;  // reused across chunks, as the stores reuse theirs
  std::string chunk;
  for (size_t n : {size_t{1}, size_t{2}, size_t{17}, kRowsPerChunk}) {
    const std::vector<MatchRow> rows = RandomRows(rng, n);
    encoder.Encode(rows, &chunk);
    ChunkDecoder decoder(chunk, 42);
    MatchRow got;
    size_t i = 0;
    while (decoder.Next(&got)) {
      ASSERT_LT(i, rows.size());
      ExpectSame(rows[i], got);
      ++i;
    }
    EXPECT_TRUE(decoder.ok());
    EXPECT_TRUE(decoder.done());
    EXPECT_EQ(i, rows.size());
  }
}

TEST(MatchChunk, ASideThatIsAbsentReadsAsZeroEvenIntoAReusedRow) {
  std::mt19937_64 rng(3);
  std::vector<MatchRow> rows = RandomRows(rng, 2);
  rows[0].prediction_rowid = 5;
  rows[0].annotation_rowid = 9;
  rows[0].confidence = 0.5;
  rows[1] = MatchRow{};
  rows[1].item_rowid = 42;
  rows[1].annotation_rowid = 11;  // a false negative after a pair
  rows[1].gt_label = "car";
  rows[1].type = "box";
  ChunkEncoder encoder;
  std::string chunk;
  encoder.Encode(rows, &chunk);
  ChunkDecoder decoder(chunk, 42);
  MatchRow got;
  ASSERT_TRUE(decoder.Next(&got));
  ASSERT_TRUE(decoder.Next(&got));
  EXPECT_EQ(got.prediction_rowid, 0);
  EXPECT_EQ(got.pred_label, "");
  EXPECT_FALSE(got.confidence.has_value());
  EXPECT_EQ(got.pred_area, 0);
  EXPECT_EQ(got.iou, 0);
}

TEST(MatchChunk, EveryTruncationIsNotOkAndNeverReadsPastTheEnd) {
  std::mt19937_64 rng(11);
  const std::vector<MatchRow> rows = RandomRows(rng, 40);
  ChunkEncoder encoder;
  std::string chunk;
  encoder.Encode(rows, &chunk);
  for (size_t len = 0; len < chunk.size(); ++len) {
    // A copy of exactly `len` bytes, so a read past it is a heap overflow under ASan.
    const std::string cut = chunk.substr(0, len);
    ChunkDecoder decoder(cut, 42);
    MatchRow got;
    size_t n = 0;
    while (decoder.Next(&got)) ++n;
    // A cut on a row boundary decodes the rows before it; any other cut is reported.
    if (decoder.ok()) {
      EXPECT_LT(n, rows.size()) << len;
    }
    EXPECT_LE(n, rows.size());
  }
}

TEST(MatchChunk, AStringIndexOutOfTheTableIsNotOk) {
  // string table: 1 string "a"; one row: flags = ground truth, type index 5 (no such string).
  const std::string chunk = std::string("\x01\x01", 2) + "a" + std::string("\x01\x05", 2);
  ChunkDecoder decoder(chunk, 1);
  MatchRow got;
  EXPECT_FALSE(decoder.Next(&got));
  EXPECT_FALSE(decoder.ok());
}

// Found by fuzz_match_chunk: rowid deltas that add up past INT64_MAX were signed overflow (UB).
TEST(MatchChunk, RowidDeltasThatOverflowAreNotOk) {
  std::string chunk("\x01\x01", 2);  // one string, "a"
  chunk += 'a';
  for (int i = 0; i < 2; ++i) {
    chunk += std::string("\x01\x00", 2);  // ground truth only; type "a"
    // zigzag(INT64_MAX - 1 ... ) as a 10-byte varint: a delta of 2^62 each time, twice = 2^63.
    chunk += std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10);
    chunk += '\x00';                                 // label "a"
    chunk += std::string(5 * sizeof(double), '\0');  // box and area
  }
  ChunkDecoder decoder(chunk, 1);
  MatchRow got;
  EXPECT_TRUE(decoder.Next(&got));
  EXPECT_EQ(got.annotation_rowid, int64_t{1} << 62);
  EXPECT_FALSE(decoder.Next(&got));
  EXPECT_FALSE(decoder.ok());
}

TEST(MatchChunk, KindsAndTheCorruptionError) {
  MatchRow pair, fp, fn;
  pair.annotation_rowid = pair.prediction_rowid = 1;
  fp.prediction_rowid = 1;
  fn.annotation_rowid = 1;
  EXPECT_TRUE(IsKind(pair, MatchKind::kPairs));
  EXPECT_FALSE(IsKind(fp, MatchKind::kPairs));
  EXPECT_TRUE(IsKind(fp, MatchKind::kFalsePositives));
  EXPECT_TRUE(IsKind(fn, MatchKind::kFalseNegatives));
  EXPECT_FALSE(IsKind(pair, MatchKind::kFalseNegatives));
  EXPECT_TRUE(IsKind(fn, MatchKind::kAll));
  const Status s = CorruptChunk(3, 8192);
  EXPECT_EQ(s.message(), "stored match chunk (set 3, seq 8192) is malformed");
}

}  // namespace
}  // namespace nucleus::store
