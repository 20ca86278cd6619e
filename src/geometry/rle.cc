#include "geometry/rle.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace nucleus::geometry {

Status AppendCountsFromString(std::string_view text, std::vector<uint32_t>& out) {
  const size_t base = out.size();
  size_t p = 0;
  while (p < text.size()) {
    int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      if (p >= text.size()) return InvalidArgument("RLE counts string ends inside a number");
      const int c = static_cast<unsigned char>(text[p]) - 48;
      if (c < 0 || c > 63) {
        return InvalidArgument("invalid character in RLE counts string at index " +
                               std::to_string(p));
      }
      // At most 12 characters (60 bits) per count: the sign extension below shifts by 5 * k
      // after ++k, and a 13th character made that a shift by 65 (undefined; found by fuzzing).
      if (k >= 12) return InvalidArgument("RLE count too long in counts string");
      x |= static_cast<int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= static_cast<int64_t>(-1) * (int64_t{1} << (5 * k));
    }
    const size_t m = out.size() - base;
    if (m > 2) x += static_cast<int64_t>(out[out.size() - 2]);
    out.push_back(static_cast<uint32_t>(x));
  }
  return Status::Ok();
}

Result<RleMask> RleFromString(std::string_view text, uint32_t height, uint32_t width) {
  RleMask mask{height, width, {}};
  mask.counts.reserve(text.size());
  Status status = AppendCountsFromString(text, mask.counts);
  if (!status.ok()) return status;
  return mask;
}

std::string RleToString(RleView mask) {
  std::string s;
  s.reserve(mask.counts.size() * 2);
  for (size_t i = 0; i < mask.counts.size(); ++i) {
    int64_t x = mask.counts[i];
    if (i > 2) x -= static_cast<int64_t>(mask.counts[i - 2]);
    bool more = true;
    while (more) {
      int c = static_cast<int>(x & 0x1f);
      x >>= 5;
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

RleMask RleEncode(std::span<const uint8_t> bitmap, uint32_t height, uint32_t width) {
  RleMask mask{height, width, {}};
  const size_t a = static_cast<size_t>(height) * width;
  uint8_t p = 0;
  uint32_t c = 0;
  for (size_t j = 0; j < a && j < bitmap.size(); ++j) {
    const uint8_t v = bitmap[j] ? 1 : 0;
    if (v != p) {
      mask.counts.push_back(c);
      c = 0;
      p = v;
    }
    ++c;
  }
  mask.counts.push_back(c);
  return mask;
}

Result<std::vector<uint8_t>> RleDecode(RleView mask) {
  const size_t a = static_cast<size_t>(mask.height) * mask.width;
  std::vector<uint8_t> bitmap;
  bitmap.reserve(a);
  uint8_t v = 0;
  for (uint32_t run : mask.counts) {
    if (run > a - bitmap.size()) return InvalidArgument("RLE counts exceed height*width");
    bitmap.insert(bitmap.end(), run, v);
    v = !v;
  }
  if (bitmap.size() != a) return InvalidArgument("RLE counts do not add up to height*width");
  return bitmap;
}

uint64_t RleArea(RleView mask) {
  uint64_t area = 0;
  for (size_t j = 1; j < mask.counts.size(); j += 2) area += mask.counts[j];
  return area;
}

__extension__ typedef unsigned __int128 Uint128;  // g++/clang builtin (-pedantic: extension)

Box RleToBbox(RleView mask) {
  const uint32_t h = mask.height;
  const uint32_t w = mask.width;
  const size_t m = (mask.counts.size() / 2) * 2;
  if (m == 0 || h == 0) return Box{};
  uint32_t xs = w, ys = h, xe = 0, ye = 0;
  // pycocotools' two divisions per foreground run (column and row of its first and last
  // pixel), as multiplications by a precomputed inverse of h (Lemire, Kaser & Kurz, "Faster
  // remainder by direct computation", 2019: exact for every 32-bit numerator and divisor > 1);
  // background runs only advance the position. Positions past 2^32 divide the slow way.
  const uint64_t magic = h > 1 ? UINT64_MAX / h + 1 : 0;
  auto column_row = [&](uint64_t n, uint32_t& x, uint32_t& y) {
    if (h > 1 && n <= UINT32_MAX) {
      x = static_cast<uint32_t>((static_cast<Uint128>(magic) * n) >> 64);
      y = static_cast<uint32_t>((static_cast<Uint128>(magic * n) * h) >> 64);
    } else {
      x = static_cast<uint32_t>(n / h);
      y = static_cast<uint32_t>(n % h);
    }
  };
  uint64_t pos = 0;
  for (size_t j = 0; j < m; j += 2) {
    pos += mask.counts[j];
    const uint32_t c = mask.counts[j + 1];
    if (c == 0) continue;
    uint32_t x_start, y_start, x_end, y_end;
    column_row(pos, x_start, y_start);
    pos += c;
    column_row(pos - 1, x_end, y_end);  // the run's last pixel
    xs = std::min(xs, x_start);
    xe = std::max(xe, x_end);
    if (x_start < x_end) {
      ys = 0;
      ye = h - 1;
    } else {
      ys = std::min(ys, y_start);
      ye = std::max(ye, y_end);
    }
  }
  // Unsigned wrap-around as in pycocotools when no foreground run exists: xe - xs + 1.
  return Box{static_cast<double>(xs), static_cast<double>(ys),
             static_cast<double>(static_cast<uint32_t>(xe - xs + 1)),
             static_cast<double>(static_cast<uint32_t>(ye - ys + 1))};
}

RleMask RleMerge(std::span<const RleView> masks, bool intersect) {
  if (masks.empty()) return RleMask{};
  uint32_t h = masks[0].height, w = masks[0].width;
  std::vector<uint32_t> cnts(masks[0].counts.begin(), masks[0].counts.end());
  if (masks.size() == 1) return RleMask{h, w, std::move(cnts)};
  std::vector<uint32_t> a_cnts;
  for (size_t i = 1; i < masks.size(); ++i) {
    const RleView& b_mask = masks[i];
    if (b_mask.height != h || b_mask.width != w) return RleMask{};
    a_cnts.swap(cnts);
    cnts.clear();
    const std::span<const uint32_t> ac(a_cnts);
    const std::span<const uint32_t> bc = b_mask.counts;
    uint32_t ca = ac.empty() ? 0 : ac[0];
    uint32_t cb = bc.empty() ? 0 : bc[0];
    bool v = false, va = false, vb = false;
    size_t a = 1, b = 1;
    uint32_t cc = 0, ct = 1;
    while (ct > 0) {
      const uint32_t c = std::min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && a < ac.size()) {
        ca = ac[a++];
        va = !va;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < bc.size()) {
        cb = bc[b++];
        vb = !vb;
      }
      ct += cb;
      const bool vp = v;
      v = intersect ? (va && vb) : (va || vb);
      if (v != vp || ct == 0) {
        cnts.push_back(cc);
        cc = 0;
      }
    }
  }
  return RleMask{h, w, std::move(cnts)};
}

double RleIou(RleView dt, RleView gt, bool gt_is_crowd) {
  return RleIou(dt, RleToBbox(dt), gt, RleToBbox(gt), gt_is_crowd);
}

double RleIou(RleView dt, const Box& dt_box, RleView gt, const Box& gt_box, bool gt_is_crowd) {
  if (BoxIou(dt_box, gt_box, gt_is_crowd) <= 0) return 0.0;
  if (dt.height != gt.height || dt.width != gt.width) return -1.0;
  const std::span<const uint32_t> dc = dt.counts, gc = gt.counts;
  uint32_t ca = dc.empty() ? 0 : dc[0];
  uint32_t cb = gc.empty() ? 0 : gc[0];
  bool va = false, vb = false;
  size_t a = 1, b = 1;
  uint32_t i = 0, u = 0, ct = 1;
  while (ct > 0) {
    const uint32_t c = std::min(ca, cb);
    // One mask's runs ended before the other's: they do not cover height x width (the parsers
    // refuse such counts). pycocotools loops forever here; stop instead.
    if (c == 0 && ((ca == 0 && a >= dc.size()) || (cb == 0 && b >= gc.size()))) break;
    if (va || vb) {
      u += c;
      if (va && vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < dc.size()) {
      ca = dc[a++];
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < gc.size()) {
      cb = gc[b++];
      vb = !vb;
    }
    ct += cb;
  }
  if (i == 0) {
    u = 1;
  } else if (gt_is_crowd) {
    u = static_cast<uint32_t>(RleArea(dt));
  }
  return static_cast<double>(i) / static_cast<double>(u);
}

namespace {

// A polygon coordinate upsampled and rounded as maskApi.c does ((int)(5 * c + .5)), clamped to
// +-2^28 so that every difference and sum below fits an int, NaN as 0. pycocotools' result is
// undefined beyond that range (the cast overflows); inside it nothing changes.
int UpsampledCoordinate(double c, double scale) {
  constexpr double kLimit = 268435456.0;  // 2^28
  const double v = scale * c + .5;
  if (!(v == v)) return 0;
  return static_cast<int>(std::clamp(v, -kLimit, kLimit));
}

}  // namespace

RleMask RleFromPolygon(std::span<const double> xy, uint32_t height, uint32_t width) {
  const size_t h = height, w = width;
  const size_t k = xy.size() / 2;
  if (k == 0) return RleMask{height, width, {static_cast<uint32_t>(h * w)}};
  // An image without pixels has an empty mask (maskApi.c would emit boundary points for every
  // column of a zero-width image, whose counts then do not add up to 0).
  if (h == 0 || w == 0) return RleMask{height, width, {0}};
  // Upsample and get discrete points densely along the entire boundary.
  constexpr double kScale = 5;
  std::vector<int> x(k + 1), y(k + 1);
  for (size_t j = 0; j < k; ++j) x[j] = UpsampledCoordinate(xy[j * 2 + 0], kScale);
  x[k] = x[0];
  for (size_t j = 0; j < k; ++j) y[j] = UpsampledCoordinate(xy[j * 2 + 1], kScale);
  y[k] = y[0];
  // maskApi.c keeps every boundary point; the downsampling below only uses a point j together
  // with j - 1, and only when their upsampled x (u) differ and u (or u - 1) lies in
  // [2, 5w - 3]. So only two kinds of points can matter, and only those are kept (the others
  // made the work proportional to the polygon's extent, unbounded for vertices far outside the
  // image; found by fuzzing):
  //  - points with u in the window [kLo, hi]: a point leaving or entering it has u = kLo or hi,
  //    so the pairs formed across a dropped stretch are skipped like the pairs they replace;
  //  - on steep edges (u changes at most once per step), the first and last point of each run of
  //    equal u: the pairs inside a run are skipped anyway.
  // The result is bit-identical to keeping every point (RleTest.WindowedPolygonMatchesReference).
  constexpr int64_t kLo = -10;
  const int64_t hi = static_cast<int64_t>(kScale) * static_cast<int64_t>(w) + 10;
  std::vector<int> u, v;
  for (size_t j = 0; j < k; ++j) {
    int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      std::swap(xs, xe);
      std::swap(ys, ye);
    }
    // A repeated vertex (dx == dy == 0) made this 0/0: NaN, then an int cast of NaN below
    // (undefined; found by fuzzing). Its one point shares x with its neighbours, so the
    // downsampling below skips it and any finite slope gives pycocotools' mask.
    const double s = dx == 0 && dy == 0 ? 0.0
                     : dx >= dy         ? static_cast<double>(ye - ys) / dx
                                        : static_cast<double>(xe - xs) / dy;
    const bool shallow = dx >= dy;
    const int steps = shallow ? dx : dy;
    // Point d of this edge in boundary order (d = 0 .. steps), as maskApi.c computes it: its
    // (int)(x + .5) rounding, not lround, or the masks would differ from pycocotools'.
    auto point_u = [&](int d) -> int {
      const int t = flip ? steps - d : d;
      // NOLINTNEXTLINE(bugprone-incorrect-roundings)
      return shallow ? t + xs : static_cast<int>(xs + s * t + .5);
    };
    auto point_v = [&](int d) -> int {
      const int t = flip ? steps - d : d;
      // NOLINTNEXTLINE(bugprone-incorrect-roundings)
      return shallow ? static_cast<int>(ys + s * t + .5) : t + ys;
    };
    auto emit = [&](int d) {
      u.push_back(point_u(d));
      v.push_back(point_v(d));
    };
    auto in_window = [&](int d) {
      const int64_t value = point_u(d);
      return value >= kLo && value <= hi;
    };
    // u is monotone along the edge: find the stretch [first, last] of d inside the window.
    const bool rising = point_u(steps) >= point_u(0);
    auto below = [&](int d) {  // d lies before the window
      const int64_t value = point_u(d);
      return rising ? value < kLo : value > hi;
    };
    auto above = [&](int d) {  // d lies past the window
      const int64_t value = point_u(d);
      return rising ? value > hi : value < kLo;
    };
    int first = 0, last = steps;
    {
      int lo_d = 0, hi_d = steps + 1;  // first d not below: in [0, steps + 1]
      while (lo_d < hi_d) {
        const int mid = lo_d + (hi_d - lo_d) / 2;
        if (below(mid)) {
          lo_d = mid + 1;
        } else {
          hi_d = mid;
        }
      }
      first = lo_d;
      lo_d = first;
      hi_d = steps + 1;  // first d past the window
      while (lo_d < hi_d) {
        const int mid = lo_d + (hi_d - lo_d) / 2;
        if (above(mid)) {
          hi_d = mid;
        } else {
          lo_d = mid + 1;
        }
      }
      last = lo_d - 1;
    }
    if (first > last || !in_window(first)) continue;
    if (shallow) {
      for (int d = first; d <= last; ++d) emit(d);
      continue;
    }
    // Steep: the first and last point of each run of equal u.
    int d = first;
    while (true) {
      emit(d);
      const int run_u = point_u(d);
      int lo_d = d, hi_d = last;  // last d of the run: point_u(d') == run_u for d' in [d, lo_d]
      while (lo_d < hi_d) {
        const int mid = lo_d + (hi_d - lo_d + 1) / 2;
        if (point_u(mid) == run_u) {
          lo_d = mid;
        } else {
          hi_d = mid - 1;
        }
      }
      if (lo_d > d) emit(lo_d);
      if (lo_d >= last) break;
      d = lo_d + 1;
    }
  }
  const size_t m = u.size();
  // Get points along the y-boundary and downsample.
  const size_t n_points = m;
  std::vector<uint32_t> a;
  a.reserve(n_points + 1);
  const double x_max = static_cast<double>(w - 1);  // size_t arithmetic, as in maskApi.c
  for (size_t j = 1; j < n_points; ++j) {
    if (u[j] == u[j - 1]) continue;
    double xd = static_cast<double>(u[j] < u[j - 1] ? u[j] : u[j] - 1);
    xd = (xd + .5) / kScale - .5;
    if (std::floor(xd) != xd || xd < 0 || xd > x_max) continue;
    double yd = static_cast<double>(v[j] < v[j - 1] ? v[j] : v[j - 1]);
    yd = (yd + .5) / kScale - .5;
    if (yd < 0) {
      yd = 0;
    } else if (yd > static_cast<double>(h)) {
      yd = static_cast<double>(h);
    }
    yd = std::ceil(yd);
    // maskApi.c computes this in int; int64 with the same truncation to 32 bits keeps its
    // result without the overflow for images of more than 2^31 pixels.
    a.push_back(static_cast<uint32_t>(static_cast<int64_t>(xd) * static_cast<int64_t>(h) +
                                      static_cast<int64_t>(yd)));
  }
  // Compute the RLE encoding given the y-boundary points.
  a.push_back(static_cast<uint32_t>(h * w));
  std::sort(a.begin(), a.end());
  uint32_t p = 0;
  for (uint32_t& value : a) {
    const uint32_t t = value;
    value -= p;
    p = t;
  }
  RleMask mask{height, width, {}};
  mask.counts.reserve(a.size());
  size_t j = 0;
  mask.counts.push_back(a[j++]);
  while (j < a.size()) {
    if (a[j] > 0) {
      mask.counts.push_back(a[j++]);
    } else {
      ++j;
      if (j < a.size()) mask.counts.back() += a[j++];
    }
  }
  return mask;
}

RleMask RleFromBox(const Box& box, uint32_t height, uint32_t width) {
  const double xs = box.x, xe = xs + box.width;
  const double ys = box.y, ye = ys + box.height;
  const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
  return RleFromPolygon(xy, height, width);
}

}  // namespace nucleus::geometry
