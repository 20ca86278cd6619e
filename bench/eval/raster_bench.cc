// Micro-benchmarks of geometry/rasterize: the segmentation masks of Model CI's
// segmentation_to_poly_* functions, one 1920x1080 index image of 50 shapes per iteration.
//   build/bench/eval/raster_bench --benchmark_min_time=0.5
// Each iteration clears the image and fills every shape in order (later ones paint over
// earlier ones); BM_Clear1080p is the clearing alone. `covered` counts the image's non-zero
// pixels after one iteration.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "geometry/rasterize.h"

namespace nucleus {
namespace {

constexpr int32_t kWidth = 1920;
constexpr int32_t kHeight = 1080;
constexpr int kShapes = 50;

// Star-shaped (slightly concave) polygons of `vertices` vertices, 40 to 250 pixels across,
// their centres anywhere in the image (some reach past its edges).
std::vector<std::vector<geometry::Point>> RandomPolygons(int vertices, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> cx(0, kWidth), cy(0, kHeight), radius(40, 250),
      jitter(0.85, 1.0);
  std::vector<std::vector<geometry::Point>> polygons(kShapes);
  for (auto& ring : polygons) {
    const double x = cx(rng), y = cy(rng), r = radius(rng);
    for (int i = 0; i < vertices; ++i) {
      const double a = 2 * std::numbers::pi * i / vertices;
      const double d = r * jitter(rng);
      ring.push_back({x + d * std::cos(a), y + d * std::sin(a)});
    }
  }
  return polygons;
}

int64_t Burned(const geometry::IndexImage& image) {
  return std::count_if(image.pixels.begin(), image.pixels.end(), [](int32_t v) { return v; });
}

void BM_Clear1080p(benchmark::State& state) {
  geometry::IndexImage image(kWidth, kHeight);
  for (auto _ : state) {
    std::fill(image.pixels.begin(), image.pixels.end(), 0);
    benchmark::DoNotOptimize(image.pixels.data());
  }
}
BENCHMARK(BM_Clear1080p);

void BM_Rasterize1080p50Polygons(benchmark::State& state) {
  const auto polygons = RandomPolygons(static_cast<int>(state.range(0)), 7);
  geometry::IndexImage image(kWidth, kHeight);
  geometry::Rasterizer rasterizer;
  for (auto _ : state) {
    std::fill(image.pixels.begin(), image.pixels.end(), 0);
    for (int i = 0; i < kShapes; ++i) rasterizer.Fill(polygons[i], i + 1, image);
    benchmark::DoNotOptimize(image.pixels.data());
  }
  state.counters["covered"] = static_cast<double>(Burned(image));
  state.counters["vertices"] = static_cast<double>(state.range(0) * kShapes);
}
BENCHMARK(BM_Rasterize1080p50Polygons)->Arg(24)->Arg(1000);

void BM_Rasterize1080p50Boxes(benchmark::State& state) {
  const auto polygons = RandomPolygons(4, 9);  // only their extents are used
  geometry::IndexImage image(kWidth, kHeight);
  geometry::Rasterizer rasterizer;
  for (auto _ : state) {
    std::fill(image.pixels.begin(), image.pixels.end(), 0);
    for (int i = 0; i < kShapes; ++i) {
      const auto& p = polygons[i];
      rasterizer.FillBox(p[2].x, p[3].y, p[0].x, p[1].y, i + 1, image);
    }
    benchmark::DoNotOptimize(image.pixels.data());
  }
}
BENCHMARK(BM_Rasterize1080p50Boxes);

}  // namespace
}  // namespace nucleus

BENCHMARK_MAIN();
