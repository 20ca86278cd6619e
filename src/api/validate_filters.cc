#include "api/validate_filters.h"

#include <algorithm>
#include <string>
#include <vector>

namespace nucleus::api {
namespace {

using Kind = core::FilterScalar::Kind;

bool Numeric(const core::FilterScalar& v) {
  return v.kind == Kind::kBool || v.kind == Kind::kNumber;
}

bool Equal(const core::FilterScalar& a, const core::FilterScalar& b) {
  if (Numeric(a) && Numeric(b)) return a.number == b.number;
  if (a.kind == Kind::kString && b.kind == Kind::kString) return a.text == b.text;
  return false;
}

Status Unordered(const core::FilterCondition& c) {
  std::string message = "filter on \"";
  message.append(c.key).append("\": cannot order the object's value against ");
  message.append(c.values.empty() ? "nothing" : "the filter's value");
  return InvalidArgument(message);
}

// `value op filter value`, Python semantics.
Result<bool> Compare(const core::FilterCondition& c, const core::FilterScalar& value) {
  if (c.op == "in" || c.op == "not in") {
    bool found = false;
    for (const core::FilterScalar& member : c.values) found = found || Equal(value, member);
    return c.op == "in" ? found : !found;
  }
  if (c.values.size() != 1) return Unordered(c);
  const core::FilterScalar& other = c.values.front();
  if (c.op == "=" || c.op == "==") return Equal(value, other);
  if (c.op == "!=") return !Equal(value, other);
  int order = 0;
  if (Numeric(value) && Numeric(other)) {
    order = value.number < other.number ? -1 : (value.number > other.number ? 1 : 0);
  } else if (value.kind == Kind::kString && other.kind == Kind::kString) {
    order = value.text.compare(other.text);
  } else {
    return Unordered(c);
  }
  if (c.op == ">") return order > 0;
  if (c.op == ">=") return order >= 0;
  if (c.op == "<") return order < 0;
  if (c.op == "<=") return order <= 0;
  return Unordered(c);
}

bool IsSegmentCondition(const core::FilterCondition& c) {
  return c.type == "segment_field" || c.type == "segment_metadata";
}

Result<bool> Holds(const core::FilterCondition& c, std::string_view object_json,
                   const core::ObjectFieldReader& fields) {
  const bool metadata = c.type == "metadata" || c.type == "segment_metadata";
  std::optional<core::FilterScalar> value = fields.Read(object_json, c.key, metadata);
  if (!value) {
    if (c.allow_missing) return false;
    std::string message = "filter on \"";
    message.append(c.key).append(IsSegmentCondition(c) ? "\": the segment has no "
                                                       : "\": the object has no ");
    message.append(metadata ? "metadata key" : "field").append(" \"");
    message.append(c.key).append("\" (allow_missing is false)");
    return InvalidArgument(message);
  }
  return Compare(c, *value);
}

}  // namespace

Result<bool> PassesFilters(const core::FilterDnf& filters, std::string_view object_json,
                           const core::ObjectFieldReader& fields) {
  if (filters.empty()) return true;
  for (const std::vector<core::FilterCondition>& branch : filters) {
    bool all = true;
    for (const core::FilterCondition& c : branch) {
      if (IsSegmentCondition(c)) continue;
      NUCLEUS_ASSIGN_OR_RETURN(bool holds, Holds(c, object_json, fields));
      if (!holds) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

Result<std::vector<bool>> SegmentsPassing(const core::FilterDnf& filters,
                                          const std::vector<std::string>& segments_json,
                                          const core::ObjectFieldReader& fields) {
  std::vector<bool> out(segments_json.size(), true);
  auto segment_conditions = [](const std::vector<core::FilterCondition>& branch) {
    return std::any_of(branch.begin(), branch.end(), IsSegmentCondition);
  };
  if (filters.empty() || !segment_conditions(filters.front())) return out;
  for (size_t k = 0; k < segments_json.size(); ++k) {
    bool any = false;
    for (const std::vector<core::FilterCondition>& branch : filters) {
      bool all = true;
      for (const core::FilterCondition& c : branch) {
        if (!IsSegmentCondition(c)) continue;
        NUCLEUS_ASSIGN_OR_RETURN(bool holds, Holds(c, segments_json[k], fields));
        if (!holds) {
          all = false;
          break;
        }
      }
      if (all) {
        any = true;
        break;
      }
    }
    out[k] = any;
  }
  return out;
}

}  // namespace nucleus::api
