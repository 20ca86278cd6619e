// A tiny fork-join helper for the eval engine: runs fn(task) for task in [0, num_tasks) on up to
// `threads` threads (the caller's thread included), handing tasks out in index order.
//
// Thread-safe as long as fn(i) and fn(j) touch disjoint data. Blocks until every task ran.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace nucleus::eval {

template <typename Fn>
void ParallelFor(size_t num_tasks, int threads, Fn&& fn) {
  const size_t workers =
      std::min<size_t>(num_tasks, threads < 1 ? 1 : static_cast<size_t>(threads));
  if (workers <= 1) {
    for (size_t i = 0; i < num_tasks; ++i) fn(i, size_t{0});
    return;
  }
  std::atomic<size_t> next{0};
  auto run = [&](size_t worker) {
    for (size_t i = next.fetch_add(1); i < num_tasks; i = next.fetch_add(1)) fn(i, worker);
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);
  for (std::thread& t : pool) t.join();
}

}  // namespace nucleus::eval
