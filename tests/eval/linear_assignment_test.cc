// eval/linear_assignment: optimal, and on ties the very pairs scipy's linear_sum_assignment
// returns (tests/fixtures/validate/seg_metrics_reference.json "assignments": tie-heavy matrices,
// rectangular both ways, produced by bench/validate/gen_reference.py --segmentation).
#include "eval/linear_assignment.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace nucleus::eval {
namespace {

TEST(LinearSumAssignment, MinimisesTheTotal) {
  // Greedy would take (0,0) = -9 and then (1,1) = 0; the optimum is -8 + -7.
  std::vector<double> cost = {-9, -8, -7, 0};
  EXPECT_EQ(LinearSumAssignment(cost, 2, 2), (std::vector<std::pair<int, int>>{{0, 1}, {1, 0}}));
  EXPECT_EQ(LinearSumAssignment(std::vector<double>{3, 1, 2}, 1, 3),
            (std::vector<std::pair<int, int>>{{0, 1}}));
  EXPECT_EQ(LinearSumAssignment(std::vector<double>{3, 1, 2}, 3, 1),
            (std::vector<std::pair<int, int>>{{1, 0}}));
  EXPECT_TRUE(LinearSumAssignment({}, 0, 3).empty());
}

TEST(LinearSumAssignment, AConstantMatrixGivesTheIdentity) {
  // scipy visits columns from the last, so that a constant matrix gives the identity.
  std::vector<double> zeros(16, 0.0);
  EXPECT_EQ(LinearSumAssignment(zeros, 4, 4),
            (std::vector<std::pair<int, int>>{{0, 0}, {1, 1}, {2, 2}, {3, 3}}));
}

TEST(LinearSumAssignment, TiesResolveAsScipy) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(NUCLEUS_SEG_FIXTURE);
  int n = 0;
  for (simdjson::dom::object c : doc["assignments"].get_array()) {
    const int rows = static_cast<int>(c["rows"].get_int64().value());
    const int cols = static_cast<int>(c["cols"].get_int64().value());
    std::vector<double> cost;
    for (double v : c["cost"].get_array()) cost.push_back(v);
    std::vector<std::pair<int, int>> want;
    simdjson::dom::array r = c["row_ind"].get_array(), k = c["col_ind"].get_array();
    for (size_t i = 0; i < r.size(); ++i) {
      want.emplace_back(static_cast<int>(r.at(i).get_int64().value()),
                        static_cast<int>(k.at(i).get_int64().value()));
    }
    EXPECT_EQ(LinearSumAssignment(cost, rows, cols), want) << "case " << n;
    ++n;
  }
  EXPECT_EQ(n, 300);
}

}  // namespace
}  // namespace nucleus::eval
