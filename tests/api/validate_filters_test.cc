// PassesFilters (api/validate_filters.h): the client's filtering.py semantics over a fake field
// reader — DNF, Python comparisons across kinds, allow_missing, segment conditions.
#include "api/validate_filters.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace nucleus::api {
namespace {

using Kind = core::FilterScalar::Kind;

core::FilterScalar Num(double v) { return {.kind = Kind::kNumber, .number = v}; }
core::FilterScalar Bool(bool v) { return {.kind = Kind::kBool, .number = v ? 1.0 : 0.0}; }
core::FilterScalar Str(std::string v) { return {.kind = Kind::kString, .text = std::move(v)}; }

// The "object" is a key of `objects`; fields and metadata are looked up there.
class FakeFields final : public core::ObjectFieldReader {
 public:
  std::map<std::string, std::map<std::string, core::FilterScalar>> fields, metadata;
  std::optional<core::FilterScalar> Read(std::string_view object, std::string_view key,
                                         bool is_metadata) const override {
    const auto& table = is_metadata ? metadata : fields;
    auto o = table.find(std::string(object));
    if (o == table.end()) return std::nullopt;
    auto v = o->second.find(std::string(key));
    if (v == o->second.end()) return std::nullopt;
    return v->second;
  }
};

core::FilterCondition Cond(std::string key, std::string op, std::vector<core::FilterScalar> values,
                           bool allow_missing = false, std::string type = "field") {
  return {std::move(key), std::move(op), std::move(values), allow_missing, std::move(type)};
}

class ValidateFiltersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    f_.fields["car"] = {{"label", Str("car")}, {"confidence", Num(0.8)}, {"width", Num(40)}};
    f_.metadata["car"] = {{"occluded", Bool(true)}, {"size", Num(3)}};
    f_.fields["poly"] = {{"label", Str("bus")}};
    f_.metadata["poly"] = {{"occluded", Bool(false)}};
  }
  bool Passes(const core::FilterDnf& dnf, std::string_view object) {
    Result<bool> r = PassesFilters(dnf, object, f_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && *r;
  }
  FakeFields f_;
};

TEST_F(ValidateFiltersTest, AnyBranchWithAllItsConditions) {
  core::FilterDnf dnf = {{Cond("label", "==", {Str("bus")})},
                         {Cond("confidence", ">", {Num(0.5)}), Cond("width", "<=", {Num(40)})}};
  EXPECT_TRUE(Passes(dnf, "car"));   // second branch
  EXPECT_TRUE(Passes(dnf, "poly"));  // first branch; the second is never reached
  dnf[1][1] = Cond("width", "<", {Num(40)});
  EXPECT_FALSE(Passes(dnf, "car"));
  EXPECT_TRUE(Passes({}, "car"));  // no filters
}

TEST_F(ValidateFiltersTest, PythonComparisonsAcrossKinds) {
  // True == 1 and True > 0.5 (bool is an int); a string never equals a number.
  EXPECT_TRUE(Passes({{Cond("occluded", "==", {Num(1)}, false, "metadata")}}, "car"));
  EXPECT_TRUE(Passes({{Cond("occluded", ">", {Num(0.5)}, false, "metadata")}}, "car"));
  EXPECT_FALSE(Passes({{Cond("label", "==", {Num(1)})}}, "car"));
  EXPECT_TRUE(Passes({{Cond("label", "!=", {Num(1)})}}, "car"));
  EXPECT_TRUE(Passes({{Cond("label", "in", {Str("bus"), Str("car")})}}, "car"));
  EXPECT_FALSE(Passes({{Cond("label", "not in", {Str("bus"), Str("car")})}}, "car"));
  EXPECT_TRUE(Passes({{Cond("label", "<", {Str("cat")})}}, "car"));  // "car" < "cat"
  // Ordering a string against a number is Python's TypeError: an error naming the key.
  Result<bool> r = PassesFilters({{Cond("label", ">", {Num(1)})}}, "car", f_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("\"label\""), std::string::npos);
}

TEST_F(ValidateFiltersTest, MissingFieldsFailOrAreAlwaysFalse) {
  // allow_missing: every comparison is false, also !=.
  EXPECT_FALSE(Passes({{Cond("width", "!=", {Num(1)}, true)}}, "poly"));
  EXPECT_FALSE(Passes({{Cond("size", "<", {Num(9)}, true, "metadata")}}, "poly"));
  Result<bool> r = PassesFilters({{Cond("size", "<", {Num(9)}, false, "metadata")}}, "poly", f_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("metadata key \"size\""), std::string::npos);
}

TEST_F(ValidateFiltersTest, SegmentConditionsDoNotApplyToOtherObjects) {
  // Segment conditions filter a mask's segments: left out of a box's branch, so a branch of only
  // segment conditions is true for it (D15: the client would drop the box).
  EXPECT_TRUE(Passes({{Cond("label", "==", {Str("x")}, false, "segment_field")}}, "car"));
  EXPECT_FALSE(Passes({{Cond("label", "==", {Str("x")}, false, "segment_field"),
                        Cond("label", "==", {Str("bus")})}},
                      "car"));
}

TEST_F(ValidateFiltersTest, SegmentsPassOnlyWhenTheFirstBranchHasASegmentCondition) {
  // The "segments" are objects of the fake reader: "car" (occluded) and "poly" (not).
  const std::vector<std::string> segments = {"car", "poly"};
  auto passing = [&](const core::FilterDnf& dnf) {
    Result<std::vector<bool>> r = SegmentsPassing(dnf, segments, f_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<bool>{};
  };
  const core::FilterCondition visible =
      Cond("occluded", "==", {Bool(false)}, false, "segment_metadata");
  const core::FilterCondition is_car = Cond("label", "==", {Str("car")}, false, "segment_field");
  EXPECT_EQ(passing({}), (std::vector<bool>{true, true}));
  EXPECT_EQ(passing({{visible}}), (std::vector<bool>{false, true}));
  EXPECT_EQ(passing({{visible}, {is_car}}), (std::vector<bool>{true, true}));  // either branch
  // Object conditions are left out; a branch without segment conditions keeps every segment.
  EXPECT_EQ(passing({{visible, Cond("label", "==", {Str("zzz")})}}),
            (std::vector<bool>{false, true}));
  EXPECT_EQ(passing({{visible}, {Cond("label", "==", {Str("zzz")})}}),
            (std::vector<bool>{true, true}));
  // The client looks at the first branch only: no segment condition there, nothing filtered.
  EXPECT_EQ(passing({{Cond("label", "==", {Str("car")})}, {visible}}),
            (std::vector<bool>{true, true}));
  // A missing segment key without allow_missing is an error naming it.
  Result<std::vector<bool>> r =
      SegmentsPassing({{Cond("nope", "==", {Num(1)}, false, "segment_field")}}, segments, f_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "filter on \"nope\": the segment has no field \"nope\" (allow_missing is false)");
}

}  // namespace
}  // namespace nucleus::api
