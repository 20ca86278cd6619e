// numpy's pairwise summation of doubles (np.sum / np.mean on a contiguous float64 array), so
// results that pycocotools takes as np.mean(...) are reproduced bit for bit, not just to 1e-16.
//
// Pure; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

namespace nucleus::geometry {

// Sum of `values` in numpy's order: blocks of up to 128 values summed with 8 accumulators,
// larger arrays split in halves rounded down to a multiple of 8.
inline double PairwiseSumBlock(std::span<const double> values) {
  const size_t n = values.size();
  const double* a = values.data();
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return PairwiseSumBlock(values.first(n2)) + PairwiseSumBlock(values.subspan(n2));
}

// numpy reduces in buffers of 8192 elements, adding each buffer's pairwise sum in turn.
inline double PairwiseSum(std::span<const double> values) {
  constexpr size_t kBuffer = 8192;
  if (values.size() <= kBuffer) return PairwiseSumBlock(values);
  double res = 0;
  for (size_t i = 0; i < values.size(); i += kBuffer) {
    res += PairwiseSumBlock(values.subspan(i, std::min(kBuffer, values.size() - i)));
  }
  return res;
}

}  // namespace nucleus::geometry
