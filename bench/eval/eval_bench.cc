// Micro-benchmarks of the eval engine: IoU kinds and Nucleus matching of one item.
//   build/bench/eval/eval_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "eval/matching.h"
#include "geometry/iou.h"

namespace nucleus {
namespace {

std::vector<geometry::Box> RandomBoxes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> pos(0, 600), size(5, 200);
  std::vector<geometry::Box> boxes(n);
  for (auto& b : boxes) b = {pos(rng), pos(rng), size(rng), size(rng)};
  return boxes;
}

void BM_BoxIou(benchmark::State& state) {
  const auto a = RandomBoxes(1024, 1), b = RandomBoxes(1024, 2);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(geometry::BoxIou(a[i & 1023], b[i & 1023]));
    ++i;
  }
}
BENCHMARK(BM_BoxIou);

void BM_RotatedBoxIou(benchmark::State& state) {
  const geometry::RotatedBox a{0, 0, 4, 2, 0.3}, b{0.5, 0.2, 3, 3, 1.1};
  for (auto _ : state) benchmark::DoNotOptimize(geometry::RotatedBoxIou(a, b));
}
BENCHMARK(BM_RotatedBoxIou);

void BM_CuboidIou(benchmark::State& state) {
  const geometry::Cuboid a{0, 0, 0, 4, 2, 1.5, 0.3}, b{0.5, 0.2, 0.1, 4.2, 1.9, 1.6, 0.35};
  for (auto _ : state) benchmark::DoNotOptimize(geometry::CuboidIou(a, b));
}
BENCHMARK(BM_CuboidIou);

void BM_PolygonIou(benchmark::State& state) {
  const std::vector<geometry::Point> a = {{0, 0}, {10, 0}, {12, 6}, {5, 11}, {-2, 6}};
  const std::vector<geometry::Point> b = {{3, 1}, {13, 2}, {11, 9}, {2, 8}};
  for (auto _ : state) benchmark::DoNotOptimize(geometry::PolygonIou(a, b));
}
BENCHMARK(BM_PolygonIou);

void BM_RleIou(benchmark::State& state) {
  const double poly_a[] = {10, 10, 200, 30, 180, 220, 20, 190};
  const double poly_b[] = {40, 20, 230, 60, 200, 240, 30, 210};
  const auto a = geometry::RleFromPolygon(poly_a, 480, 640);
  const auto b = geometry::RleFromPolygon(poly_b, 480, 640);
  for (auto _ : state) benchmark::DoNotOptimize(geometry::RleIou(a, b));
}
BENCHMARK(BM_RleIou);

void BM_RleFromPolygon(benchmark::State& state) {
  const double poly[] = {10, 10, 200, 30, 180, 220, 20, 190};
  for (auto _ : state) benchmark::DoNotOptimize(geometry::RleFromPolygon(poly, 480, 640));
}
BENCHMARK(BM_RleFromPolygon);

// One item with N ground-truth boxes and 14N predictions (the 36k GT / 500k predictions ratio).
void BM_MatchItemBoxes(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<eval::Shape> gt, pred;
  for (const auto& b : RandomBoxes(n, 3)) gt.emplace_back(b);
  for (const auto& b : RandomBoxes(14 * n, 4)) pred.emplace_back(b);
  const std::vector<std::string> gl(gt.size(), "car"), pl(pred.size(), "car");
  const eval::LabelPolicy policy;
  for (auto _ : state) {
    benchmark::DoNotOptimize(eval::MatchItemShapes(gt, gl, pred, pl, policy));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pred.size()));
}
BENCHMARK(BM_MatchItemBoxes)->Arg(7)->Arg(50);

}  // namespace
}  // namespace nucleus

BENCHMARK_MAIN();
