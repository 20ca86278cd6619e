// Slice use cases (docs/api/slices.md): create, list (per dataset and per owner), info, members
// (whole and paged), append, delete, the exports, and the member item rows other use cases
// restrict themselves to (per-slice evaluation, Model CI's scenario tests).
//
// The slice model (core/slices.h): a "dataset_item" slice's members are item rows in member order
// (an item's deletion removes it from every slice; deleting a slice never touches items; deleting
// the dataset deletes its slices); a "scene" slice holds scene reference ids and an "object"
// slice annotation/prediction ids. Every call is scoped to `owner`: a slice of another owner's
// dataset is NotFound, exactly like a missing one. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "core/items.h"
#include "core/slices.h"
#include "nucleus/result.h"
#include "store/datasets.h"

namespace nucleus::api {

using NewSlice = core::NewSlice;

// Members one create or append request may name.
inline constexpr size_t kMaxSliceMembers = 10000;

// InvalidArgument for more than kMaxSliceMembers members, mixed kinds, no members without
// allow_empty, or reference/item/scene ids that are not in the dataset. In a scene dataset,
// reference ids name scenes (type "scene"); elsewhere items. Repeated members are kept once, in
// the order of their first mention.
Result<store::Slice> CreateSlice(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id, NewSlice input);

// Oldest first; filtered by exact name and by type when given.
Result<std::vector<store::Slice>> ListSlices(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::optional<std::string>& name,
                                             const std::optional<std::string>& type);

// Every slice of every dataset the owner has (GET slice/), by dataset oldest first, then
// each dataset's slices oldest first.
Result<std::vector<store::Slice>> ListOwnerSlices(Context& ctx, const std::string& owner);

// The slice record (GET slice/{slc}/info). NotFound for an unknown or foreign slice.
Result<store::Slice> GetSlice(Context& ctx, const std::string& owner, const std::string& slice_id);

// The slice with its members in member order (GET slice/{slc}): items of a "dataset_item" slice,
// scenes (with their frames) of a "scene" slice whose scenes still exist.
Result<core::SliceContents> GetSliceContents(Context& ctx, const std::string& owner,
                                             const std::string& slice_id);

// One page of the member items, in member order; same token and size rules as the dataset's
// item pages (InvalidArgument naming pageToken or pageSize).
Result<core::ItemPage> ListSliceItemsPage(Context& ctx, const std::string& owner,
                                          const std::string& slice_id,
                                          const core::PageRequest& page);

// Idempotent append (POST slice/{slc}/append): reference ids resolve as in CreateSlice; members
// already present are skipped, new ones go to the end in request order. InvalidArgument when
// reference_ids is missing, names an unknown id (nothing is appended), exceeds
// kMaxSliceMembers, when dataset_id is not the slice's, or for an "object" slice.
Result<core::SliceAppendOutcome> AppendToSlice(Context& ctx, const std::string& owner,
                                               const std::string& slice_id,
                                               const core::SliceAppend& input);

// Deletes the slice; its items, their annotations and predictions stay.
Status DeleteSlice(Context& ctx, const std::string& owner, const std::string& slice_id);

// The item rows of the slice's members in member order, read in one snapshot: a "dataset_item"
// slice's items, a "scene" slice's scenes' items (frame order); an "object" slice has none. This
// is how other use cases restrict themselves to a slice (per-slice evaluation, scenario tests).
Result<std::vector<int64_t>> SliceItemRowids(Context& ctx, const std::string& owner,
                                             const std::string& slice_id);
// The same inside the caller's transaction, for a slice record it already read.
Result<std::vector<int64_t>> SliceItemRowidsInTx(store::Tx& tx, const store::Slice& slice);

// Export rows (slices.md §7): every member item with its current ground truth, in member order.
Result<std::vector<core::ItemWithAnnotations>> ExportSlice(Context& ctx, const std::string& owner,
                                                           const std::string& slice_id);
Result<core::ExportPage> ExportSlicePage(Context& ctx, const std::string& owner,
                                         const std::string& slice_id,
                                         const core::PageRequest& page);

// The same rows with the predictions of `model_id`'s most recent run on the slice's dataset in
// place of ground truth. NotFound when the model has no run there.
Result<std::vector<core::ItemWithAnnotations>> ExportSlicePredictions(
    Context& ctx, const std::string& owner, const std::string& slice_id,
    const std::string& model_id);
Result<core::ExportPage> ExportSlicePredictionsPage(Context& ctx, const std::string& owner,
                                                    const std::string& slice_id,
                                                    const std::string& model_id,
                                                    const core::PageRequest& page);

// The distinct ground-truth labels of the member items, in order of first appearance.
Result<std::vector<std::string>> SliceClassLabels(Context& ctx, const std::string& owner,
                                                  const std::string& slice_id);

}  // namespace nucleus::api
