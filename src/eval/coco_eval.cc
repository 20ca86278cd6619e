#include "eval/coco_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <span>

#include "eval/parallel.h"
#include "geometry/keypoints.h"
#include "geometry/pairwise_sum.h"
#include "geometry/rle.h"

namespace nucleus::eval {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();  // np.spacing(1)
constexpr int kMaxIouThresholds = 16;                            // bits per half of a uint32

// Indices of annotations ordered by (category, image), file order kept within each pair:
// two stable counting-sort passes. `cat_begin[k]` is where category k starts.
void GroupByCategoryImage(std::span<const uint32_t> category, std::span<const uint32_t> image,
                          size_t num_categories, size_t num_images, std::vector<uint32_t>& order,
                          std::vector<uint32_t>& cat_begin) {
  const size_t n = category.size();
  std::vector<uint32_t> by_image(n);
  {
    std::vector<uint32_t> start(num_images + 1, 0);
    for (size_t i = 0; i < n; ++i) ++start[image[i] + 1];
    for (size_t i = 0; i < num_images; ++i) start[i + 1] += start[i];
    for (size_t i = 0; i < n; ++i) by_image[start[image[i]]++] = static_cast<uint32_t>(i);
  }
  cat_begin.assign(num_categories + 1, 0);
  for (size_t i = 0; i < n; ++i) ++cat_begin[category[i] + 1];
  for (size_t k = 0; k < num_categories; ++k) cat_begin[k + 1] += cat_begin[k];
  std::vector<uint32_t> pos(cat_begin.begin(), cat_begin.end() - 1);
  order.resize(n);
  for (uint32_t idx : by_image) order[pos[category[idx]]++] = idx;
}

// One detection as the evaluation reads it (copied out of the grouped arrays; the compiler
// drops the loads of fields a caller does not use).
struct DtRef {
  double score;
  double area;
  geometry::Box box;
  uint32_t image;
  uint32_t index;  // into CocoDetections, for masks and keypoints
};

// Detections in (category, image) order as parallel arrays, read sequentially per category.
struct DtSpan {
  const double* score = nullptr;
  const double* area = nullptr;
  const geometry::Box* box = nullptr;
  const uint32_t* image = nullptr;
  const uint32_t* index = nullptr;
  size_t count = 0;

  size_t size() const { return count; }
  DtRef operator[](size_t i) const { return {score[i], area[i], box[i], image[i], index[i]}; }
  DtSpan subspan(size_t offset, size_t n) const {
    return {score + offset, area + offset, box + offset, image + offset, index + offset, n};
  }
};

// Storage for `n` elements that are all written before being read, without the zero fill of
// std::vector::resize: each page is first touched by the thread that writes it. For trivial
// (implicit-lifetime) types only.
template <typename T>
struct RawDelete {
  void operator()(T* p) const { ::operator delete(static_cast<void*>(p)); }
};
template <typename T>
using RawArray = std::unique_ptr<T[], RawDelete<T>>;
template <typename T>
RawArray<T> AllocateRaw(size_t n) {
  return RawArray<T>(static_cast<T*>(::operator new(std::max<size_t>(n, 1) * sizeof(T))));
}

// The file indices of the detections ordered by (category, image), file order kept within each
// pair; `cat_begin[k]` is where category k starts.
// With at least 64k detections and at most 4M (category, image) keys: one stable counting sort
// on the key, each of `threads` parts counting and then scattering its own contiguous range of
// detections (key major, part minor, so file order is kept). Otherwise two stable counting
// passes (by image, then by category). Both give the same order.
void OrderDetections(const CocoDetections& dt, size_t num_categories, size_t num_images,
                     int threads, std::vector<uint32_t>& order, std::vector<uint32_t>& cat_begin) {
  const size_t n = dt.size();
  const size_t keys = num_categories * num_images;
  if (n < (1 << 16) || keys > (size_t{1} << 22)) {
    GroupByCategoryImage(dt.category, dt.image, num_categories, num_images, order, cat_begin);
    return;
  }
  cat_begin.assign(num_categories + 1, 0);
  for (size_t i = 0; i < n; ++i) ++cat_begin[dt.category[i] + 1];
  for (size_t k = 0; k < num_categories; ++k) cat_begin[k + 1] += cat_begin[k];
  const size_t parts = static_cast<size_t>(std::max(1, threads));
  std::vector<std::vector<uint32_t>> next(parts);
  auto range = [&](size_t p) {
    return std::pair<size_t, size_t>{n * p / parts, n * (p + 1) / parts};
  };
  ParallelFor(parts, threads, [&](size_t p, size_t) {
    next[p].assign(keys, 0);
    const auto [begin, end] = range(p);
    for (size_t i = begin; i < end; ++i) {
      ++next[p][static_cast<size_t>(dt.category[i]) * num_images + dt.image[i]];
    }
  });
  uint32_t at = 0;
  for (size_t key = 0; key < keys; ++key) {
    for (size_t p = 0; p < parts; ++p) {
      const uint32_t count = next[p][key];
      next[p][key] = at;
      at += count;
    }
  }
  order.resize(n);
  ParallelFor(parts, threads, [&](size_t p, size_t) {
    const auto [begin, end] = range(p);
    std::vector<uint32_t>& slot = next[p];
    for (size_t i = begin; i < end; ++i) {
      order[slot[static_cast<size_t>(dt.category[i]) * num_images + dt.image[i]]++] =
          static_cast<uint32_t>(i);
    }
  });
}

// Detections regrouped by (category, image) for the evaluation: their file indices, and their
// score, area, box and image as parallel arrays in that order.
struct DtGrouping {
  std::vector<uint32_t> cat_begin;
  std::vector<uint32_t> index;
  DtSpan all;
  // Compact detections (then `all` is unused): each category is decoded into the evaluating
  // thread's scratch (DecodeCategory).
  const CompactDetections* compact = nullptr;
  // Storage when the caller's arrays are not permuted in place.
  RawArray<double> score, area;
  RawArray<geometry::Box> box;
  RawArray<uint32_t> image;

  DtSpan Category(size_t k) const {
    return all.subspan(cat_begin[k], cat_begin[k + 1] - cat_begin[k]);
  }
};

// Gathers out[j] = in[order[j]] on `threads` threads.
template <typename T>
RawArray<T> Gather(const std::vector<T>& in, const std::vector<uint32_t>& order, int threads) {
  RawArray<T> out = AllocateRaw<T>(order.size());
  const size_t parts = static_cast<size_t>(std::max(1, threads));
  ParallelFor(parts, threads, [&](size_t p, size_t) {
    const size_t end = order.size() * (p + 1) / parts;
    for (size_t j = order.size() * p / parts; j < end; ++j) out[j] = in[order[j]];
  });
  return out;
}

// Reorders the arrays so that position j holds what was at order[j], in place: one walk along
// the permutation's cycles moves all of them (a visited bit per position), no second copy.
void PermuteInPlace(const std::vector<uint32_t>& order, std::vector<double>& score,
                    std::vector<double>& area, std::vector<geometry::Box>& box,
                    std::vector<uint32_t>& image) {
  const size_t n = order.size();
  std::vector<uint64_t> visited((n + 63) / 64, 0);
  auto seen = [&](size_t j) { return (visited[j >> 6] >> (j & 63)) & 1; };
  for (size_t start = 0; start < n; ++start) {
    if (seen(start)) continue;
    const double s0 = score[start], a0 = area[start];
    const geometry::Box b0 = box[start];
    const uint32_t i0 = image[start];
    size_t j = start;
    for (;;) {
      visited[j >> 6] |= uint64_t{1} << (j & 63);
      const size_t from = order[j];
      if (from == start) break;
      score[j] = score[from], area[j] = area[from], box[j] = box[from], image[j] = image[from];
      j = from;
    }
    score[j] = s0, area[j] = a0, box[j] = b0, image[j] = i0;
  }
}

// Groups the detections. With `owned` (the same object as `dt`, given up by the caller) and one
// thread, its score, area, box and image arrays are reordered where they are and its category
// array is released, so grouping needs no second copy of the detections (56 bytes each: 26 MB
// of fresh pages for 475k; the walk along the permutation costs ~0.03 s more than a gather on
// 475k). Otherwise they are gathered into new arrays, one task per array.
void GroupDetections(const CocoDetections& dt, CocoDetections* owned, size_t num_categories,
                     size_t num_images, int threads, DtGrouping& g) {
  if (dt.is_compact) {
    // File indices by category only (one stable counting pass); DecodeCategory groups each
    // category's detections by image where it decodes them.
    const std::vector<CompactDetection>& records = dt.compact.records;
    const int bits = dt.compact.image_bits;
    g.compact = &dt.compact;
    g.cat_begin.assign(num_categories + 1, 0);
    for (const CompactDetection& d : records) ++g.cat_begin[(uint64_t{d.key} >> bits) + 1];
    for (size_t k = 0; k < num_categories; ++k) g.cat_begin[k + 1] += g.cat_begin[k];
    std::vector<uint32_t> pos(g.cat_begin.begin(), g.cat_begin.end() - 1);
    g.index.resize(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      g.index[pos[uint64_t{records[i].key} >> bits]++] = static_cast<uint32_t>(i);
    }
    return;
  }
  OrderDetections(dt, num_categories, num_images, threads, g.index, g.cat_begin);
  g.all.count = dt.size();
  g.all.index = g.index.data();
  if (owned != nullptr && threads <= 1) {
    std::vector<uint32_t>().swap(owned->category);
    PermuteInPlace(g.index, owned->scores, owned->areas, owned->boxes, owned->image);
    g.all.score = owned->scores.data(), g.all.area = owned->areas.data();
    g.all.box = owned->boxes.data(), g.all.image = owned->image.data();
    return;
  }
  std::function<void()> tasks[] = {[&] { g.box = Gather(dt.boxes, g.index, 1); },
                                   [&] { g.score = Gather(dt.scores, g.index, 1); },
                                   [&] { g.area = Gather(dt.areas, g.index, 1); },
                                   [&] { g.image = Gather(dt.image, g.index, 1); }};
  ParallelFor(std::size(tasks), threads, [&](size_t t, size_t) { tasks[t](); });
  g.all.score = g.score.get(), g.all.area = g.area.get();
  g.all.box = g.box.get(), g.all.image = g.image.get();
}

struct Grouping {
  std::vector<uint32_t> gt_order, gt_cat_begin;
  DtGrouping dt;
};

// Per-thread scratch, reused across categories.
struct Scratch {
  std::vector<uint32_t> dts;         // one cell's detections, score-sorted
  std::vector<double> ious;          // D x G, row-major by detection
  std::vector<double> max_iou;       // per detection
  std::vector<uint32_t> candidates;  // detections that can match at some threshold
  std::vector<uint32_t> gt_perm;     // gt order with ignored last, per area
  std::vector<uint8_t> gt_ignore;    // per gt (cell order), per area
  std::vector<uint8_t> gtm;          // per sorted gt, per threshold
  // segm: RleToBbox of the cell's detections and ground truths, once per mask.
  std::vector<geometry::Box> dt_mask_boxes;
  std::vector<geometry::Box> gt_mask_boxes;
  std::vector<geometry::RleView> dt_masks;  // segm: per cell detection (compressed ones decoded)
  std::vector<uint32_t> dt_counts;          //   the decoded counts
  std::vector<std::pair<size_t, size_t>> dt_count_range;  // (first, size) in dt_counts
  // Category-wide detection entries, in concatenation order (image ascending, score rank).
  std::vector<double> scores;
  std::vector<uint32_t> ranks;
  std::vector<uint32_t> bits;  // [entry * A + a]: tp bits low, ignore bits high
  std::vector<std::pair<uint64_t, uint32_t>> sort_keys;
  std::vector<uint32_t> sorted_ranks;
  std::vector<uint32_t> sorted_bits;                           // [a * n + i]
  std::vector<std::vector<std::pair<double, double>>> points;  // per threshold: (rc, pr)
  // Compact detections: the category's, decoded and grouped by image (DecodeCategory).
  std::vector<double> cat_score, cat_area;
  std::vector<geometry::Box> cat_box;
  std::vector<uint32_t> cat_image, cat_index;
  std::vector<uint32_t> cat_dest, image_pos;  // regrouping by image: positions, counts
};

// Category k of compact detections as a DtSpan over `s`, decoded in (category, image) order:
// the file's order when it lists them by image, else where a stable counting sort by image puts
// them (the order of the arrays' counting sort).
DtSpan DecodeCategory(const DtGrouping& g, size_t k, size_t num_images, Scratch& s) {
  const CompactDetections& c = *g.compact;
  const uint32_t* index = g.index.data() + g.cat_begin[k];
  const size_t n = g.cat_begin[k + 1] - g.cat_begin[k];
  const uint32_t image_mask = (uint32_t{1} << c.image_bits) - 1;
  auto image_of = [&](size_t j) { return c.records[index[j]].key & image_mask; };
  bool by_image = true;
  for (size_t j = 1; j < n && by_image; ++j) by_image = image_of(j - 1) <= image_of(j);
  const uint32_t* span_index = index;
  if (!by_image) {
    s.image_pos.assign(num_images + 1, 0);
    for (size_t j = 0; j < n; ++j) ++s.image_pos[image_of(j) + 1];
    for (size_t i = 0; i < num_images; ++i) s.image_pos[i + 1] += s.image_pos[i];
    s.cat_dest.resize(n), s.cat_index.resize(n);
    for (size_t j = 0; j < n; ++j) {
      const uint32_t to = s.image_pos[image_of(j)]++;
      s.cat_dest[j] = to;
      s.cat_index[to] = index[j];
    }
    span_index = s.cat_index.data();
  }
  s.cat_score.resize(n), s.cat_area.resize(n), s.cat_box.resize(n), s.cat_image.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const CompactDetection& d = c.records[index[j]];
    const size_t to = by_image ? j : s.cat_dest[j];
    const geometry::Box box{
        DecodeCompact(d.box[0], c.box_scale), DecodeCompact(d.box[1], c.box_scale),
        DecodeCompact(d.box[2], c.box_scale), DecodeCompact(d.box[3], c.box_scale)};
    s.cat_box[to] = box;
    s.cat_area[to] = box.width * box.height;  // loadRes' area of a bbox result
    s.cat_score[to] = DecodeCompact(d.score, c.score_scale);
    s.cat_image[to] = d.key & image_mask;
  }
  return {s.cat_score.data(), s.cat_area.data(), s.cat_box.data(), s.cat_image.data(),
          span_index, n};
}

// Maps a double to a key whose ascending order is the double's descending order.
uint64_t DescendingKey(double v) {
  if (v == 0) v = 0.0;  // -0.0 and 0.0 tie, as in numpy's sort
  uint64_t u;
  std::memcpy(&u, &v, sizeof(u));
  u = (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
  return ~u;
}

class CategoryEvaluator {
 public:
  CategoryEvaluator(const CocoGroundTruth& gt, const CocoDetections& dt, const CocoParams& params,
                    const Grouping& grouping, CocoEvalResult& result)
      : gt_(gt), dt_(dt), p_(params), g_(grouping), r_(result) {
    num_t_ = static_cast<int>(p_.iou_thresholds.size());
    num_a_ = static_cast<int>(p_.area_ranges.size());
    for (double t : p_.iou_thresholds) match_thr_.push_back(std::min(t, 1 - 1e-10));
    min_thr_ = match_thr_.empty() ? 0 : *std::min_element(match_thr_.begin(), match_thr_.end());
    max_det_ = p_.max_dets.empty() ? 0 : p_.max_dets.back();
  }

  void Run(uint32_t k, Scratch& s) const {
    const uint32_t* gts = g_.gt_order.data() + g_.gt_cat_begin[k];
    const size_t n_gt = g_.gt_cat_begin[k + 1] - g_.gt_cat_begin[k];
    const DtSpan dts =
        g_.dt.compact ? DecodeCategory(g_.dt, k, gt_.image_ids.size(), s) : g_.dt.Category(k);
    const size_t n_dt = dts.size();
    if (n_gt == 0 && n_dt == 0) return;  // no evalImgs entry at all: precision stays -1

    s.scores.clear();
    s.ranks.clear();
    s.bits.clear();
    std::vector<size_t> npig(num_a_, 0);
    size_t gi = 0, di = 0;
    while (gi < n_gt || di < n_dt) {
      const uint32_t img_g = gi < n_gt ? gt_.image[gts[gi]] : UINT32_MAX;
      const uint32_t img_d = di < n_dt ? dts[di].image : UINT32_MAX;
      const uint32_t img = std::min(img_g, img_d);
      size_t g_end = gi, d_end = di;
      while (g_end < n_gt && gt_.image[gts[g_end]] == img) ++g_end;
      while (d_end < n_dt && dts[d_end].image == img) ++d_end;
      EvaluateCell(std::span<const uint32_t>(gts + gi, g_end - gi),
                   dts.subspan(di, d_end - di), s, npig);
      gi = g_end;
      di = d_end;
    }
    Accumulate(k, s, npig);
  }

 private:
  void EvaluateCell(std::span<const uint32_t> cell_gts, const DtSpan& cell, Scratch& s,
                    std::vector<size_t>& npig) const {
    // Detections by score, highest first; ties keep file order (np.argsort mergesort).
    s.dts.resize(cell.size());
    for (size_t i = 0; i < cell.size(); ++i) s.dts[i] = static_cast<uint32_t>(i);
    if (s.dts.size() <= 32) {
      // Insertion sort: stable, and fastest for the few detections of a typical cell.
      for (size_t i = 1; i < s.dts.size(); ++i) {
        const uint32_t v = s.dts[i];
        const double score = cell[v].score;
        size_t j = i;
        for (; j > 0 && cell[s.dts[j - 1]].score < score; --j) s.dts[j] = s.dts[j - 1];
        s.dts[j] = v;
      }
    } else {
      std::stable_sort(s.dts.begin(), s.dts.end(),
                       [&](uint32_t a, uint32_t b) { return cell[a].score > cell[b].score; });
    }
    if (s.dts.size() > static_cast<size_t>(max_det_)) s.dts.resize(max_det_);
    const size_t D = s.dts.size(), G = cell_gts.size();

    ComputeIous(cell_gts, cell, s);

    const size_t entry0 = s.scores.size();
    for (size_t d = 0; d < D; ++d) {
      s.scores.push_back(cell[s.dts[d]].score);
      s.ranks.push_back(static_cast<uint32_t>(d));
    }
    s.bits.resize(s.scores.size() * num_a_, 0);

    // Only detections whose best IoU reaches the lowest threshold can match anything.
    s.candidates.clear();
    if (D > 0 && G > 0) {
      for (size_t d = 0; d < D; ++d) {
        if (s.max_iou[d] >= min_thr_) s.candidates.push_back(static_cast<uint32_t>(d));
      }
    }
    const bool has_ious = !s.candidates.empty();
    s.gt_ignore.resize(G);
    s.gt_perm.resize(G);
    s.gtm.resize(G);
    for (int a = 0; a < num_a_; ++a) {
      const double lo = p_.area_ranges[a][0], hi = p_.area_ranges[a][1];
      size_t n_ignored = 0;
      for (size_t j = 0; j < G; ++j) {
        const uint32_t g = cell_gts[j];
        const bool ig = BaseIgnore(g) || gt_.areas[g] < lo || gt_.areas[g] > hi;
        s.gt_ignore[j] = ig;
        n_ignored += ig;
      }
      npig[a] += G - n_ignored;
      // Ignored ground truth last, stable.
      size_t front = 0, back = G - n_ignored;
      for (size_t j = 0; j < G; ++j) s.gt_perm[s.gt_ignore[j] ? back++ : front++] = j;

      for (size_t d = 0; d < D; ++d) {
        const uint32_t det = s.dts[d];
        const bool out_of_range = cell[det].area < lo || cell[det].area > hi;
        s.bits[(entry0 + d) * num_a_ + a] = out_of_range ? (((1u << num_t_) - 1) << 16) : 0;
      }
      if (!has_ious) continue;

      for (int t = 0; t < num_t_; ++t) {
        std::fill(s.gtm.begin(), s.gtm.end(), 0);
        const double thr = match_thr_[t];
        for (const uint32_t d : s.candidates) {
          if (s.max_iou[d] < thr) continue;
          const double* row = s.ious.data() + d * G;
          double best = thr;
          long m = -1;
          for (size_t j = 0; j < G; ++j) {
            const uint32_t gj = s.gt_perm[j];
            const uint32_t g = cell_gts[gj];
            if (s.gtm[j] && !gt_.iscrowd[g]) continue;
            if (m > -1 && !s.gt_ignore[s.gt_perm[m]] && s.gt_ignore[gj]) break;
            if (row[gj] < best) continue;
            best = row[gj];
            m = static_cast<long>(j);
          }
          if (m == -1) continue;
          s.gtm[m] = 1;
          const uint32_t gm = s.gt_perm[m];
          const bool dt_ig = s.gt_ignore[gm];
          const bool dtm_nonzero = gt_.ids[cell_gts[gm]] != 0;
          uint32_t& b = s.bits[(entry0 + d) * num_a_ + a];
          const uint32_t bit = 1u << t;
          // Recompute this threshold's bits: matched dets are ignored iff the GT is ignored,
          // or (pycocotools quirk) GT id 0 with the detection outside the area range.
          const bool out_of_range = cell[s.dts[d]].area < lo || cell[s.dts[d]].area > hi;
          const bool ig = dt_ig || (!dtm_nonzero && out_of_range);
          b &= ~(bit | (bit << 16));
          if (ig) {
            b |= bit << 16;
          } else if (dtm_nonzero) {
            b |= bit;
          }
        }
      }
    }
  }

  bool BaseIgnore(uint32_t g) const {
    if (gt_.iscrowd[g]) return true;
    return p_.iou_type == IouType::kKeypoints && gt_.num_keypoints[g] == 0;
  }

  void ComputeIous(std::span<const uint32_t> cell_gts, const DtSpan& cell,
                   Scratch& s) const {
    const size_t D = s.dts.size(), G = cell_gts.size();
    s.ious.assign(D * G, 0.0);
    s.max_iou.assign(D, -std::numeric_limits<double>::infinity());
    if (D == 0 || G == 0) return;
    if (p_.iou_type == IouType::kSegm) {
      s.dt_mask_boxes.resize(D);
      s.gt_mask_boxes.resize(G);
      for (size_t d = 0; d < D; ++d) s.dt_mask_boxes[d] = dt_.mask_boxes[cell[s.dts[d]].index];
      for (size_t j = 0; j < G; ++j) {
        s.gt_mask_boxes[j] = geometry::RleToBbox(gt_.masks[cell_gts[j]]);
      }
      // Masks kept compressed are decoded here, once per detection and only when RleIou's box
      // prefilter lets some pair of the cell through (otherwise their counts are never read).
      s.dt_masks.resize(D);
      s.dt_counts.clear();
      s.dt_count_range.assign(D, {0, 0});
      bool decoded = false;
      for (size_t d = 0; d < D; ++d) {
        const uint32_t index = cell[s.dts[d]].index;
        s.dt_masks[d] = dt_.masks[index];
        if (dt_.mask_strings.empty() || dt_.mask_strings[index].empty()) continue;
        bool overlaps = false;
        for (size_t j = 0; j < G && !overlaps; ++j) {
          overlaps = geometry::BoxIou(s.dt_mask_boxes[d], s.gt_mask_boxes[j],
                                      gt_.iscrowd[cell_gts[j]] != 0) > 0;
        }
        if (!overlaps) continue;
        const size_t first = s.dt_counts.size();
        // Validated when parsed: cannot fail.
        (void)geometry::AppendCountsFromString(dt_.mask_strings[index], s.dt_counts);
        s.dt_count_range[d] = {first, s.dt_counts.size() - first};
        decoded = true;
      }
      if (decoded) {  // dt_counts is complete: point the views into it
        for (size_t d = 0; d < D; ++d) {
          if (s.dt_count_range[d].second == 0) continue;
          s.dt_masks[d].counts = std::span<const uint32_t>(
              s.dt_counts.data() + s.dt_count_range[d].first, s.dt_count_range[d].second);
        }
      }
    }
    for (size_t d = 0; d < D; ++d) {
      const DtRef det = cell[s.dts[d]];
      double* row = s.ious.data() + d * G;
      double mx = -std::numeric_limits<double>::infinity();
      for (size_t j = 0; j < G; ++j) {
        const uint32_t g = cell_gts[j];
        double v = 0;
        switch (p_.iou_type) {
          case IouType::kBbox:
            v = geometry::BoxIou(det.box, gt_.boxes[g], gt_.iscrowd[g] != 0);
            break;
          case IouType::kSegm:
            v = geometry::RleIou(s.dt_masks[d], s.dt_mask_boxes[d], gt_.masks[g],
                                 s.gt_mask_boxes[j], gt_.iscrowd[g] != 0);
            break;
          case IouType::kKeypoints: {
            const auto gk = std::span<const double>(gt_.keypoint_values)
                                .subspan(gt_.keypoint_offsets[g],
                                         gt_.keypoint_offsets[g + 1] - gt_.keypoint_offsets[g]);
            const auto dk =
                std::span<const double>(dt_.keypoint_values)
                    .subspan(dt_.keypoint_offsets[det.index],
                             dt_.keypoint_offsets[det.index + 1] - dt_.keypoint_offsets[det.index]);
            v = geometry::Oks(gk, dk, gt_.areas[g], gt_.boxes[g]);
            break;
          }
        }
        row[j] = v;
        mx = std::max(mx, v);
      }
      s.max_iou[d] = mx;
    }
  }

  void Accumulate(uint32_t k, Scratch& s, const std::vector<size_t>& npig) const {
    const size_t n = s.scores.size();
    s.sort_keys.resize(n);
    for (size_t e = 0; e < n; ++e) {
      s.sort_keys[e] = {DescendingKey(s.scores[e]), static_cast<uint32_t>(e)};
    }
    std::sort(s.sort_keys.begin(), s.sort_keys.end());
    // Gather ranks and per-area bits in sorted order, so the passes below read sequentially.
    s.sorted_ranks.resize(n);
    s.sorted_bits.resize(n * num_a_);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t e = s.sort_keys[i].second;
      s.sorted_ranks[i] = s.ranks[e];
      for (int a = 0; a < num_a_; ++a) s.sorted_bits[a * n + i] = s.bits[e * num_a_ + a];
    }

    const int num_r = static_cast<int>(p_.recall_thresholds.size());
    const int num_m = static_cast<int>(p_.max_dets.size());
    s.points.resize(num_t_);
    int tp[kMaxIouThresholds], fp_extra[kMaxIouThresholds];
    for (int a = 0; a < num_a_; ++a) {
      if (npig[a] == 0) continue;
      const double npig_d = static_cast<double>(npig[a]);
      for (int m = 0; m < num_m; ++m) {
        const size_t max_det = static_cast<size_t>(p_.max_dets[m]);
        const bool curves = m >= r_.first_precision_max_det;  // else recall only
        for (int t = 0; t < num_t_; ++t) {
          tp[t] = 0;
          fp_extra[t] = 0;
          s.points[t].clear();
        }
        int fp_common = 0;
        const uint32_t* bits = s.sorted_bits.data() + a * n;
        const bool all_ranks = max_det >= static_cast<size_t>(max_det_);
        for (size_t i = 0; i < n; ++i) {
          if (!all_ranks && s.sorted_ranks[i] >= max_det) continue;
          const uint32_t b = bits[i];
          if (b == 0) {
            ++fp_common;
            continue;
          }
          for (int t = 0; t < num_t_; ++t) {
            if (b & (1u << t)) {
              ++tp[t];
              const double tpd = tp[t];
              const double fpd = fp_common + fp_extra[t];
              if (curves) s.points[t].emplace_back(tpd / npig_d, tpd / (fpd + tpd + kEps));
            } else if (!(b & (1u << (t + 16)))) {
              ++fp_extra[t];
            }
          }
        }
        for (int t = 0; t < num_t_; ++t) {
          auto& pts = s.points[t];
          r_.recall[r_.RecallIndex(t, static_cast<int>(k), a, m)] = tp[t] / npig_d;
          if (!curves) continue;
          for (size_t i = pts.size(); i-- > 1;) {
            if (pts[i].second > pts[i - 1].second) pts[i - 1].second = pts[i].second;
          }
          double* precision = &r_.precision[r_.PrecisionIndex(t, 0, static_cast<int>(k), a, m)];
          size_t j = 0;
          for (int r = 0; r < num_r; ++r) {
            const double thr = p_.recall_thresholds[r];
            while (j < pts.size() && pts[j].first < thr) ++j;
            const double q = j < pts.size() ? pts[j].second : 0.0;
            precision[r] = q;
          }
        }
      }
    }
  }

  const CocoGroundTruth& gt_;
  const CocoDetections& dt_;
  const CocoParams& p_;
  const Grouping& g_;
  CocoEvalResult& r_;
  int num_t_ = 0, num_a_ = 0, max_det_ = 0;
  std::vector<double> match_thr_;
  double min_thr_ = 0;
};

}  // namespace

std::vector<double> NumpyLinspace(double start, double stop, int num) {
  std::vector<double> y(num > 0 ? num : 0);
  if (num <= 0) return y;
  const int div = num - 1;
  if (div > 0) {
    const double delta = stop - start;
    const double step = delta / div;
    for (int i = 0; i < num; ++i) {
      y[i] = (step == 0 ? (i / static_cast<double>(div)) * delta : i * step) + start;
    }
    y[num - 1] = stop;
  } else {
    y[0] = start;
  }
  return y;
}

CocoParams DefaultCocoParams(IouType iou_type) {
  CocoParams p;
  p.iou_type = iou_type;
  p.iou_thresholds = NumpyLinspace(.5, 0.95, static_cast<int>(std::round((0.95 - .5) / .05)) + 1);
  p.recall_thresholds =
      NumpyLinspace(.0, 1.00, static_cast<int>(std::round((1.00 - .0) / .01)) + 1);
  if (iou_type == IouType::kKeypoints) {
    p.max_dets = {20};
    p.area_ranges = {{0, 1e5 * 1e5}, {32 * 32, 96 * 96}, {96 * 96, 1e5 * 1e5}};
    p.area_labels = {"all", "medium", "large"};
  } else {
    p.max_dets = {1, 10, 100};
    p.area_ranges = {{0, 1e5 * 1e5}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e5 * 1e5}};
    p.area_labels = {"all", "small", "medium", "large"};
  }
  return p;
}

namespace {

// EvaluateCoco; `owned` (the same object as `dt`, or nullptr) may be reordered.
CocoEvalResult Evaluate(const CocoGroundTruth& gt, const CocoDetections& dt,
                        const CocoParams& params, int threads, CocoPrecision precision,
                        CocoDetections* owned) {
  CocoEvalResult result;
  result.num_iou = static_cast<int>(params.iou_thresholds.size());
  result.num_recall = static_cast<int>(params.recall_thresholds.size());
  result.num_categories = static_cast<int>(gt.category_ids.size());
  result.num_areas = static_cast<int>(params.area_ranges.size());
  result.num_max_dets = static_cast<int>(params.max_dets.size());
  if (precision == CocoPrecision::kLastMaxDet) {
    result.first_precision_max_det = std::max(0, result.num_max_dets - 1);
  }
  auto allocate_result = [&] {
    result.precision.assign(static_cast<size_t>(result.num_iou) * result.num_recall *
                                result.num_categories * result.num_areas *
                                (result.num_max_dets - result.first_precision_max_det),
                            -1.0);
    result.recall.assign(static_cast<size_t>(result.num_iou) * result.num_categories *
                             result.num_areas * result.num_max_dets,
                         -1.0);
  };
  if (result.num_iou > kMaxIouThresholds || result.num_categories == 0) {
    allocate_result();
    return result;
  }

  Grouping grouping;
  const size_t num_k = gt.category_ids.size(), num_i = gt.image_ids.size();
  GroupByCategoryImage(gt.category, gt.image, num_k, num_i, grouping.gt_order,
                       grouping.gt_cat_begin);
  GroupDetections(dt, owned, num_k, num_i, threads, grouping.dt);
  allocate_result();

  // Biggest categories first, so the threads finish together.
  std::vector<uint32_t> cats(num_k);
  for (size_t k = 0; k < num_k; ++k) cats[k] = static_cast<uint32_t>(k);
  auto weight = [&](uint32_t k) {
    return (grouping.dt.cat_begin[k + 1] - grouping.dt.cat_begin[k]) +
           (grouping.gt_cat_begin[k + 1] - grouping.gt_cat_begin[k]);
  };
  std::stable_sort(cats.begin(), cats.end(),
                   [&](uint32_t a, uint32_t b) { return weight(a) > weight(b); });

  const int workers = std::max(1, threads);
  std::vector<Scratch> scratch(workers);
  CategoryEvaluator evaluator(gt, dt, params, grouping, result);
  ParallelFor(num_k, workers,
              [&](size_t task, size_t worker) { evaluator.Run(cats[task], scratch[worker]); });
  return result;
}

}  // namespace

CocoEvalResult EvaluateCoco(const CocoGroundTruth& gt, const CocoDetections& dt,
                            const CocoParams& params, int threads, CocoPrecision precision) {
  return Evaluate(gt, dt, params, threads, precision, nullptr);
}

CocoEvalResult EvaluateCoco(const CocoGroundTruth& gt, CocoDetections&& dt,
                            const CocoParams& params, int threads, CocoPrecision precision) {
  return Evaluate(gt, dt, params, threads, precision, &dt);
}

namespace {

double MeanOfDefined(std::vector<double>& values) {
  if (values.empty()) return -1;
  return geometry::PairwiseSum(values) / static_cast<double>(values.size());
}

int IndexOf(const std::vector<std::string>& labels, const std::string& label) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == label) return static_cast<int>(i);
  }
  return -1;
}

int IndexOf(const std::vector<int>& values, int value) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == value) return static_cast<int>(i);
  }
  return -1;
}

CocoSummaryLine Summarize(const CocoEvalResult& r, const CocoParams& p, bool ap, double iou_thr,
                          const std::string& area, int max_dets) {
  CocoSummaryLine line{ap, iou_thr, area, max_dets, -1};
  const int a = IndexOf(p.area_labels, area);
  const int m = IndexOf(p.max_dets, max_dets);
  if (a < 0 || m < 0) return line;
  std::vector<double> values;
  for (int t = 0; t < r.num_iou; ++t) {
    if (iou_thr >= 0 && !(p.iou_thresholds[t] == iou_thr)) continue;
    if (ap) {
      for (int ri = 0; ri < r.num_recall; ++ri) {
        for (int k = 0; k < r.num_categories; ++k) {
          const double v = r.Precision(t, ri, k, a, m);
          if (v > -1) values.push_back(v);
        }
      }
    } else {
      for (int k = 0; k < r.num_categories; ++k) {
        const double v = r.Recall(t, k, a, m);
        if (v > -1) values.push_back(v);
      }
    }
  }
  line.value = MeanOfDefined(values);
  return line;
}

}  // namespace

std::vector<CocoSummaryLine> SummarizeCoco(const CocoEvalResult& r, const CocoParams& p) {
  std::vector<CocoSummaryLine> out;
  if (p.iou_type == IouType::kKeypoints) {
    out.push_back(Summarize(r, p, true, -1, "all", 20));
    out.push_back(Summarize(r, p, true, .5, "all", 20));
    out.push_back(Summarize(r, p, true, .75, "all", 20));
    out.push_back(Summarize(r, p, true, -1, "medium", 20));
    out.push_back(Summarize(r, p, true, -1, "large", 20));
    out.push_back(Summarize(r, p, false, -1, "all", 20));
    out.push_back(Summarize(r, p, false, .5, "all", 20));
    out.push_back(Summarize(r, p, false, .75, "all", 20));
    out.push_back(Summarize(r, p, false, -1, "medium", 20));
    out.push_back(Summarize(r, p, false, -1, "large", 20));
    return out;
  }
  const int m0 = p.max_dets.size() > 0 ? p.max_dets[0] : 0;
  const int m1 = p.max_dets.size() > 1 ? p.max_dets[1] : 0;
  const int m2 = p.max_dets.size() > 2 ? p.max_dets[2] : 0;
  out.push_back(Summarize(r, p, true, -1, "all", 100));
  out.push_back(Summarize(r, p, true, .5, "all", m2));
  out.push_back(Summarize(r, p, true, .75, "all", m2));
  out.push_back(Summarize(r, p, true, -1, "small", m2));
  out.push_back(Summarize(r, p, true, -1, "medium", m2));
  out.push_back(Summarize(r, p, true, -1, "large", m2));
  out.push_back(Summarize(r, p, false, -1, "all", m0));
  out.push_back(Summarize(r, p, false, -1, "all", m1));
  out.push_back(Summarize(r, p, false, -1, "all", m2));
  out.push_back(Summarize(r, p, false, -1, "small", m2));
  out.push_back(Summarize(r, p, false, -1, "medium", m2));
  out.push_back(Summarize(r, p, false, -1, "large", m2));
  return out;
}

std::string FormatSummaryLine(const CocoSummaryLine& line, const CocoParams& p) {
  char iou[64];
  if (line.iou_threshold < 0) {
    std::snprintf(iou, sizeof(iou), "%0.2f:%0.2f", p.iou_thresholds.front(),
                  p.iou_thresholds.back());
  } else {
    std::snprintf(iou, sizeof(iou), "%0.2f", line.iou_threshold);
  }
  char buf[256];
  std::snprintf(buf, sizeof(buf), " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f",
                line.is_ap ? "Average Precision" : "Average Recall", line.is_ap ? "(AP)" : "(AR)",
                iou, line.area_label.c_str(), line.max_dets, line.value);
  return buf;
}

std::vector<double> PerCategoryAp(const CocoEvalResult& r) {
  std::vector<double> out(r.num_categories, -1);
  std::vector<double> values;
  for (int k = 0; k < r.num_categories; ++k) {
    values.clear();
    for (int t = 0; t < r.num_iou; ++t) {
      for (int ri = 0; ri < r.num_recall; ++ri) {
        const double v = r.Precision(t, ri, k, 0, r.num_max_dets - 1);
        if (v > -1) values.push_back(v);
      }
    }
    out[k] = MeanOfDefined(values);
  }
  return out;
}

}  // namespace nucleus::eval
