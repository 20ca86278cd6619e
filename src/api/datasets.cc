#include "api/datasets.h"

#include <algorithm>

#include "core/ids.h"
#include "store/items.h"
#include "store/models.h"

namespace nucleus::api {

Result<store::Dataset> CreateDataset(Context& ctx, const std::string& owner, NewDataset input) {
  store::Dataset d;
  d.id = core::NewId("ds");
  d.owner = owner;
  d.name = std::move(input.name);
  d.is_scene = input.is_scene;
  d.use_privacy_mode = input.use_privacy_mode;
  d.annotation_metadata_schema_json = std::move(input.annotation_metadata_schema_json);
  d.item_metadata_schema_json = std::move(input.item_metadata_schema_json);
  d.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) { return tx.datasets().Insert(d); }));
  return d;
}

Result<std::vector<store::Dataset>> ListDatasets(Context& ctx, const std::string& owner) {
  std::vector<store::Dataset> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(out, tx.datasets().List(owner));
    return Status::Ok();
  }));
  return out;
}

Result<store::Dataset> GetDataset(Context& ctx, const std::string& owner, const std::string& id) {
  store::Dataset out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(out, tx.datasets().Get(owner, id));
    return Status::Ok();
  }));
  return out;
}

Result<DatasetInfo> GetDatasetInfo(Context& ctx, const std::string& owner,
                                   const std::string& id) {
  DatasetInfo info;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(info.dataset, tx.datasets().Get(owner, id));
    NUCLEUS_ASSIGN_OR_RETURN(info.length, tx.items().Count(id));
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Slice> slices, tx.datasets().ListSlices(id));
    for (const store::Slice& s : slices) info.slice_ids.push_back(s.id);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::ModelRun> runs, tx.models().ListRuns(id));
    for (const store::ModelRun& r : runs) info.model_run_ids.push_back(r.id);
    return Status::Ok();
  }));
  return info;
}

Result<int64_t> DatasetSize(Context& ctx, const std::string& owner, const std::string& id) {
  int64_t n = 0;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, id).status());
    NUCLEUS_ASSIGN_OR_RETURN(n, tx.items().Count(id));
    return Status::Ok();
  }));
  return n;
}

Status DeleteDataset(Context& ctx, const std::string& owner, const std::string& id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, id).status());
    return tx.datasets().Delete(id);
  });
}

Result<std::vector<std::string>> AddDatasetTags(Context& ctx, const std::string& owner,
                                                const std::string& id,
                                                const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Dataset d, tx.datasets().Get(owner, id));
    out = d.tags;
    for (const std::string& t : tags) {
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
    return tx.datasets().SetTags(id, out);
  }));
  return out;
}

Result<std::vector<std::string>> RemoveDatasetTags(Context& ctx, const std::string& owner,
                                                   const std::string& id,
                                                   const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Dataset d, tx.datasets().Get(owner, id));
    for (const std::string& t : d.tags) {
      if (std::find(tags.begin(), tags.end(), t) == tags.end()) out.push_back(t);
    }
    return tx.datasets().SetTags(id, out);
  }));
  return out;
}

}  // namespace nucleus::api
