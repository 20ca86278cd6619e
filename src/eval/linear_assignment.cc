#include "eval/linear_assignment.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace nucleus::eval {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The state of one solve over an nr × nc cost matrix with nr <= nc.
struct Solver {
  int nr, nc;
  std::vector<double> cost;  // row-major nr × nc
  std::vector<double> u, v, shortest;
  std::vector<int> path, col4row, row4col, remaining;
  std::vector<bool> sr, sc;

  Solver(std::vector<double> c, int rows, int cols)
      : nr(rows),
        nc(cols),
        cost(std::move(c)),
        u(rows, 0),
        v(cols, 0),
        shortest(cols),
        path(cols, -1),
        col4row(rows, -1),
        row4col(cols, -1),
        remaining(cols),
        sr(rows),
        sc(cols) {}

  // The shortest augmenting path from row `i`: its sink column (-1: none) and its length.
  int AugmentingPath(int i, double* min_out) {
    double min_val = 0;
    int num_remaining = nc;
    // Columns are visited from the last: a constant matrix then gives the identity (as scipy).
    for (int it = 0; it < nc; ++it) remaining[it] = nc - it - 1;
    std::fill(sr.begin(), sr.end(), false);
    std::fill(sc.begin(), sc.end(), false);
    std::fill(shortest.begin(), shortest.end(), kInf);
    int sink = -1;
    while (sink == -1) {
      int index = -1;
      double lowest = kInf;
      sr[i] = true;
      for (int it = 0; it < num_remaining; ++it) {
        const int j = remaining[it];
        const double r = min_val + cost[static_cast<size_t>(i) * nc + j] - u[i] - v[j];
        if (r < shortest[j]) {
          path[j] = i;
          shortest[j] = r;
        }
        // On a tie, an unassigned column wins (it ends the path).
        if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == -1)) {
          lowest = shortest[j];
          index = it;
        }
      }
      min_val = lowest;
      if (index < 0 || min_val == kInf) return -1;
      const int j = remaining[index];
      if (row4col[j] == -1) {
        sink = j;
      } else {
        i = row4col[j];
      }
      sc[j] = true;
      remaining[index] = remaining[--num_remaining];
    }
    *min_out = min_val;
    return sink;
  }

  bool Solve() {
    for (int cur = 0; cur < nr; ++cur) {
      double min_val = 0;
      const int sink = AugmentingPath(cur, &min_val);
      if (sink < 0) return false;
      u[cur] += min_val;
      for (int i = 0; i < nr; ++i) {
        if (sr[i] && i != cur) u[i] += min_val - shortest[col4row[i]];
      }
      for (int j = 0; j < nc; ++j) {
        if (sc[j]) v[j] -= min_val - shortest[j];
      }
      for (int j = sink;;) {
        const int i = path[j];
        row4col[j] = i;
        std::swap(col4row[i], j);
        if (i == cur) break;
      }
    }
    return true;
  }
};

}  // namespace

std::vector<std::pair<int, int>> LinearSumAssignment(std::span<const double> cost, int rows,
                                                     int cols) {
  std::vector<std::pair<int, int>> out;
  if (rows <= 0 || cols <= 0) return out;
  const bool transpose = cols < rows;
  std::vector<double> c(cost.begin(), cost.begin() + static_cast<size_t>(rows) * cols);
  if (transpose) {
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j)
        c[static_cast<size_t>(j) * rows + i] = cost[static_cast<size_t>(i) * cols + j];
    }
  }
  Solver s(std::move(c), transpose ? cols : rows, transpose ? rows : cols);
  if (!s.Solve()) return out;
  if (!transpose) {
    for (int i = 0; i < s.nr; ++i) out.emplace_back(i, s.col4row[i]);
    return out;
  }
  // Transposed: pairs (col4row[k], k) sorted by the original row.
  std::vector<int> order(s.nr);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return s.col4row[a] < s.col4row[b]; });
  for (int k : order) out.emplace_back(s.col4row[k], k);
  return out;
}

}  // namespace nucleus::eval
