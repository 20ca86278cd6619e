// Bodies of the model routes (models.md): POST models/add in, models out. Errors name the object
// and the field (`field "name" of model: ...`). Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/models.h"
#include "nucleus/result.h"

namespace nucleus::wire {

// {"name", "reference_id", "metadata"?, "bundle_name"?, "tags"?, "trained_slice_ids"?}
Result<core::NewModel> DecodeNewModel(std::string_view body);

// {"model_id": ...}
std::string EncodeModelCreated(const core::Model& model);
// {"id", "name", "ref_id", "metadata", "tags", "trained_slice_ids", "bundle_name"?}
std::string EncodeModel(const core::Model& model);
// {"models": [model...]}
std::string EncodeModelList(const std::vector<core::Model>& models);
// The answer of DELETE model/{id} (its text is asserted by the client's tests, models.md §5).
std::string EncodeModelDeletionStarted();

}  // namespace nucleus::wire
