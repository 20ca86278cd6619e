#include "api/slices.h"

#include "core/ids.h"
#include "store/items.h"

namespace nucleus::api {

Result<store::Slice> CreateSlice(Context& ctx, const std::string& owner,
                                 const std::string& dataset_id, NewSlice input) {
  if (input.name.empty()) return InvalidArgument("field \"name\" of request body: is required");
  int kinds = !input.reference_ids.empty() + !input.dataset_item_ids.empty() +
              !input.scene_ids.empty() + !input.object_ids.empty();
  if (kinds > 1) {
    return InvalidArgument(
        "slice members must be all reference ids, all item ids, all scene ids or all object ids");
  }
  if (kinds == 0 && !input.allow_empty) {
    return InvalidArgument("a slice needs reference_ids (or allow_empty: 1 for an empty slice)");
  }
  size_t members = input.reference_ids.size() + input.dataset_item_ids.size() +
                   input.scene_ids.size() + input.object_ids.size();
  if (members > kMaxSliceMembers) {
    return InvalidArgument("a slice takes at most " + std::to_string(kMaxSliceMembers) +
                           " members, got " + std::to_string(members));
  }
  store::Slice slice;
  slice.id = core::NewId("slc");
  slice.dataset_id = dataset_id;
  slice.name = std::move(input.name);
  slice.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    if (!input.scene_ids.empty()) {
      slice.type = "scene";
      slice.reference_ids = input.scene_ids;
    } else if (!input.object_ids.empty()) {
      slice.type = "object";
      slice.reference_ids = input.object_ids;
    } else if (!input.dataset_item_ids.empty()) {
      for (const std::string& id : input.dataset_item_ids) {
        NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Item> item,
                                 tx.items().FindById(dataset_id, id));
        if (!item) return InvalidArgument("dataset " + dataset_id + " has no item " + id);
        slice.reference_ids.push_back(item->reference_id);
      }
    } else {
      NUCLEUS_ASSIGN_OR_RETURN(auto found,
                               tx.items().ResolveRefs(dataset_id, input.reference_ids));
      for (const std::string& ref : input.reference_ids) {
        if (found.count(ref) == 0) {
          return InvalidArgument("dataset " + dataset_id + " has no item with reference id \"" +
                                 ref + "\"");
        }
      }
      slice.reference_ids = std::move(input.reference_ids);
    }
    return tx.datasets().InsertSlice(slice);
  }));
  return slice;
}

Result<std::vector<store::Slice>> ListSlices(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::optional<std::string>& name,
                                             const std::optional<std::string>& type) {
  std::vector<store::Slice> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Slice> all, tx.datasets().ListSlices(dataset_id));
    for (store::Slice& s : all) {
      if (name && s.name != *name) continue;
      if (type && s.type != *type) continue;
      out.push_back(std::move(s));
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace nucleus::api
