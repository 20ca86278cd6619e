// The linear sum assignment of scipy.optimize.linear_sum_assignment (scipy 1.10), for the
// metrics whose results depend on which optimal assignment is chosen when several tie
// (segmentation: a class kept on the diagonal or not, docs/api/validate.md §8.5).
//
// The algorithm is the one scipy's rectangular_lsap implements (Crouse, "On implementing 2D
// rectangular assignment algorithms", 2016: shortest augmenting paths with dual variables), in
// the same order of rows, columns and tie-breaks, so that on ties it returns the same pairs.
// Pure; thread-safe.
#pragma once

#include <span>
#include <utility>
#include <vector>

namespace nucleus::eval {

// An assignment minimising the total of `cost` (row-major, rows × cols; finite values):
// min(rows, cols) pairs (row, col) sorted by row, exactly as scipy returns (row_ind, col_ind).
std::vector<std::pair<int, int>> LinearSumAssignment(std::span<const double> cost, int rows,
                                                     int cols);

}  // namespace nucleus::eval
