// The annotation_filters / prediction_filters of a Model CI metric (docs/api/validate.md §8.2),
// applied as the client's nucleus/metrics/filtering.py applies them: an object is kept when any
// branch of the DNF has all its conditions true. Pure; thread-safe.
#pragma once

#include <string_view>

#include "core/validate.h"
#include "nucleus/result.h"

namespace nucleus::api {

// Whether the object stored as `object_json` passes `filters` (empty: always), its attributes
// read through `fields`. segment_field / segment_metadata conditions apply to a mask's
// segments (SegmentsPassing), so here they are left out of the branches (a branch of only those
// is true), as filtering.py's split does for the object itself. Python comparison semantics:
// numbers (and booleans) compare by value, strings with strings; `=`, `==` and `!=` across kinds
// are false / true; an order across kinds is an error, as is a missing attribute unless
// `allow_missing` (then every comparison is false, also `!=`). InvalidArgument naming the filter's
// key for those errors.
Result<bool> PassesFilters(const core::FilterDnf& filters, std::string_view object_json,
                           const core::ObjectFieldReader& fields);

// Which of a mask's segments (each one's JSON text, core::ObjectFieldReader::Segments) pass the
// segment_field / segment_metadata conditions of `filters`, as filtering.py's _filter_segments:
// all of them when `filters` is empty or its FIRST branch has no such condition; else those for
// which some branch's segment conditions all hold (a branch without any: every segment).
// segment_field reads the segment's members ("label", "index"), segment_metadata its
// "metadata". Errors as PassesFilters.
Result<std::vector<bool>> SegmentsPassing(const core::FilterDnf& filters,
                                          const std::vector<std::string>& segments_json,
                                          const core::ObjectFieldReader& fields);

}  // namespace nucleus::api
