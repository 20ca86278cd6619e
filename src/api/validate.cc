#include "api/validate.h"

#include <algorithm>
#include <set>

#include "api/slices.h"
#include "api/validate_slices.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/models.h"
#include "store/validate.h"

namespace nucleus::api {
namespace {

std::string Quoted(std::string_view what, std::string_view id, std::string_view rest) {
  std::string message(what);
  message.append(" \"").append(id).append("\" ").append(rest);
  return message;
}

// Whether `id` is a built-in (false) or one of the owner's external functions (true); NotFound
// for neither.
Result<bool> IsExternalFunction(store::Tx& tx, const std::string& owner, const std::string& id) {
  if (core::FindBuiltinEvalFunction(id) != nullptr) return false;
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::EvalFunction> external,
                           tx.validate().FindEvalFunction(owner, id));
  if (!external) return NotFound(Quoted("evaluation function", id, "not found"));
  return true;
}

// InvalidArgument unless every metric's function is of one kind (all external or all built-in).
Status CheckFunctionKinds(store::Tx& tx, const std::string& owner,
                          const std::vector<core::ScenarioTestMetric>& metrics) {
  std::optional<bool> kind;
  for (const core::ScenarioTestMetric& m : metrics) {
    NUCLEUS_ASSIGN_OR_RETURN(bool external, IsExternalFunction(tx, owner, m.eval_function_id));
    if (kind && *kind != external) {
      return InvalidArgument(
          "scenario test: external and built-in evaluation functions cannot be mixed");
    }
    kind = external;
  }
  return Status::Ok();
}

Status CheckComparison(const std::string& comparison) {
  const auto& all = core::kThresholdComparisons;
  if (std::find(std::begin(all), std::end(all), comparison) != std::end(all)) return Status::Ok();
  return InvalidArgument(
      "field \"threshold_comparison\" of scenario test metric: must be one of "
      "greater_than, greater_than_equal_to, less_than, less_than_equal_to");
}

Status CheckExternalName(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return InvalidArgument("field \"name\" of evaluation function: must be 1-255 characters long");
  }
  if (name.find(' ') != std::string::npos) {
    return InvalidArgument("field \"name\" of evaluation function: must not contain spaces");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<core::EvalFunction>> ListEvalFunctions(Context& ctx, const std::string& owner) {
  std::vector<core::EvalFunction> out;
  for (const core::BuiltinEvalFunction& fn : core::BuiltinEvalFunctions()) {
    out.push_back({.id = core::BuiltinEvalFunctionId(fn),
                   .name = std::string(fn.name),
                   .is_public = true,
                   .is_external_function = false,
                   .user_id = std::string(core::kPublicEvalFunctionUser)});
  }
  std::vector<core::EvalFunction> external;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(external, tx.validate().ListEvalFunctions(owner));
    return Status::Ok();
  }));
  for (core::EvalFunction& fn : external) out.push_back(std::move(fn));
  return out;
}

Result<core::EvalFunction> CreateExternalEvalFunction(Context& ctx, const std::string& owner,
                                                      core::NewExternalEvalFunction input) {
  NUCLEUS_RETURN_IF_ERROR(CheckExternalName(input.name));
  if (input.level != "item" && input.level != "scene" && input.level != "track") {
    return InvalidArgument("field \"level\" of evaluation function: must be item, scene or track");
  }
  core::EvalFunction fn{.id = core::NewId(core::kEvalFunctionIdPrefix),
                        .name = std::move(input.name),
                        .is_public = false,
                        .is_external_function = true,
                        .user_id = owner,
                        .level = std::move(input.level),
                        .created_at_ms = core::ToUnixMillis(ctx.clock.Now())};
  Status written = ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<core::EvalFunction> existing,
                             tx.validate().ListEvalFunctions(owner));
    for (const core::EvalFunction& e : existing) {
      if (e.name == fn.name) {
        return AlreadyExists(Quoted("evaluation function", fn.name, "already exists"));
      }
    }
    return tx.validate().InsertEvalFunction(&fn);
  });
  if (!written.ok()) return written;
  return fn;
}

Result<core::ScenarioTest> CreateScenarioTest(Context& ctx, const std::string& owner,
                                              core::NewScenarioTest input) {
  if (input.name.empty())
    return InvalidArgument("field \"name\" of scenario test: must not be empty");
  if (input.metrics.empty()) {
    return InvalidArgument(
        "field \"evaluation_functions\" of scenario test: must name at least one function");
  }
  for (const core::ScenarioTestMetric& m : input.metrics) {
    NUCLEUS_RETURN_IF_ERROR(CheckComparison(m.threshold_comparison));
  }
  core::ScenarioTest test{.id = core::NewId("ut_"),
                          .owner = owner,
                          .name = std::move(input.name),
                          .slice_id = std::move(input.slice_id),
                          .created_at_ms = core::ToUnixMillis(ctx.clock.Now()),
                          .metrics = std::move(input.metrics)};
  for (core::ScenarioTestMetric& m : test.metrics) m.scenario_test_id = test.id;
  Status written = ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(FindOwnersSlice(tx, owner, test.slice_id).status());
    NUCLEUS_RETURN_IF_ERROR(CheckFunctionKinds(tx, owner, test.metrics));
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::ScenarioTest> same_name,
                             tx.validate().FindTestByName(owner, test.name));
    if (same_name) return AlreadyExists(Quoted("scenario test", test.name, "already exists"));
    return tx.validate().InsertTest(&test);
  });
  if (!written.ok()) return written;
  return test;
}

Result<core::ScenarioTest> GetScenarioTest(Context& ctx, const std::string& owner,
                                           const std::string& id) {
  core::ScenarioTest test;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    auto got = tx.validate().GetTest(owner, id);
    if (got.status().code() == StatusCode::kNotFound) {
      return NotFound(Quoted("scenario test", id, "not found"));
    }
    if (!got.ok()) return got.status();
    test = std::move(*got);
    return Status::Ok();
  }));
  return test;
}

Result<std::vector<core::ScenarioTest>> ListScenarioTests(Context& ctx, const std::string& owner) {
  std::vector<core::ScenarioTest> tests;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(tests, tx.validate().ListTests(owner));
    return Status::Ok();
  }));
  return tests;
}

namespace {

// The distinct track_reference_id of the ground truth on `item_rowids`, first appearance first.
Status AppendTracks(store::Tx& tx, const std::vector<int64_t>& item_rowids,
                    const core::ObjectFieldReader& fields, std::vector<std::string>* out) {
  std::set<std::string> seen;
  for (int64_t rowid : item_rowids) {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> annotations,
                             tx.annotations().ListByItem(rowid));
    for (const store::Annotation& a : annotations) {
      std::optional<core::FilterScalar> track =
          fields.Read(a.payload_json, "track_reference_id", false);
      if (!track || track->kind != core::FilterScalar::Kind::kString) continue;
      if (seen.insert(track->text).second) out->push_back(track->text);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<core::ScenarioTestEntities> ListScenarioTestItems(Context& ctx, const std::string& owner,
                                                         const std::string& id,
                                                         const core::ObjectFieldReader& fields) {
  core::ScenarioTestEntities out;
  std::string slice_type, slice_id;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out = core::ScenarioTestEntities();
    auto test = tx.validate().GetTest(owner, id);
    if (test.status().code() == StatusCode::kNotFound) {
      return NotFound(Quoted("scenario test", id, "not found"));
    }
    if (!test.ok()) return test.status();
    NUCLEUS_ASSIGN_OR_RETURN(SliceMembers slice, FindOwnersSlice(tx, owner, test->slice_id));
    out.dataset_id = slice.dataset_id;
    slice_type = slice.type;
    slice_id = slice.slice_id;
    if (slice.type != "dataset_item") return Status::Ok();
    std::vector<int64_t> rowids;
    for (const std::string& ref : slice.reference_ids) {
      NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::Item> item,
                               tx.items().FindByRef(slice.dataset_id, ref));
      if (!item) continue;
      rowids.push_back(item->rowid);
      out.items.push_back(std::move(*item));
    }
    return AppendTracks(tx, rowids, fields, &out.track_reference_ids);
  }));
  if (slice_type != "scene") return out;
  NUCLEUS_ASSIGN_OR_RETURN(core::SliceContents contents, GetSliceContents(ctx, owner, slice_id));
  out.scenes = std::move(contents.scenes);
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<int64_t> rowids, SliceItemRowids(ctx, owner, slice_id));
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    out.track_reference_ids.clear();
    return AppendTracks(tx, rowids, fields, &out.track_reference_ids);
  }));
  return out;
}

Status DeleteScenarioTest(Context& ctx, const std::string& owner, const std::string& id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    auto test = tx.validate().GetTest(owner, id);
    if (test.status().code() == StatusCode::kNotFound) {
      return NotFound(Quoted("scenario test", id, "not found"));
    }
    if (!test.ok()) return test.status();
    return tx.validate().DeleteTest(test->rowid);
  });
}

Result<core::ScenarioTestMetric> AddScenarioTestFunction(Context& ctx, const std::string& owner,
                                                         const std::string& test_name,
                                                         const std::string& eval_function_id) {
  core::ScenarioTestMetric metric{.eval_function_id = eval_function_id};
  Status written = ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<core::ScenarioTest> test,
                             tx.validate().FindTestByName(owner, test_name));
    if (!test) return NotFound(Quoted("scenario test", test_name, "not found"));
    metric.scenario_test_id = test->id;
    std::vector<core::ScenarioTestMetric> all = test->metrics;
    all.push_back(metric);
    NUCLEUS_RETURN_IF_ERROR(CheckFunctionKinds(tx, owner, all));
    return tx.validate().AddMetric(test->rowid, metric);
  });
  if (!written.ok()) return written;
  return metric;
}

Result<std::optional<double>> SetMetricThreshold(Context& ctx, const std::string& owner,
                                                 const std::string& test_id,
                                                 const std::string& eval_function_id,
                                                 std::optional<double> threshold) {
  Status written = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto test = tx.validate().GetTest(owner, test_id);
    if (test.status().code() == StatusCode::kNotFound) {
      return NotFound(Quoted("scenario test", test_id, "not found"));
    }
    if (!test.ok()) return test.status();
    Status set = tx.validate().SetThreshold(test->rowid, eval_function_id, threshold);
    if (set.code() == StatusCode::kNotFound) {
      return NotFound(Quoted("scenario test", test_id, "has no metric ").append(eval_function_id));
    }
    return set;
  });
  if (!written.ok()) return written;
  return threshold;
}

Result<std::string> SetBaselineModel(Context& ctx, const std::string& owner,
                                     const std::string& test_id, const std::string& model_id) {
  Status written = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto test = tx.validate().GetTest(owner, test_id);
    if (test.status().code() == StatusCode::kNotFound) {
      return NotFound(Quoted("scenario test", test_id, "not found"));
    }
    if (!test.ok()) return test.status();
    auto model = tx.models().Get(owner, model_id);
    if (model.status().code() == StatusCode::kNotFound) {
      return NotFound(Quoted("model", model_id, "not found"));
    }
    if (!model.ok()) return model.status();
    return tx.validate().SetBaselineModel(test->rowid, model_id);
  });
  if (!written.ok()) return written;
  return model_id;
}

}  // namespace nucleus::api
