// The Model CI evaluation jobs (validate.md §4): "testEvaluation" and "modelMetrics". The stored
// arguments of each metric are JSON, so the handler is composed here: it decodes them with
// wire/validate.h and runs each evaluation through the api use cases. An evaluation that fails
// is marked errored (its message also in job/{id}/errors); the others still complete.
#include <string>
#include <vector>

#include "api/validate_eval.h"
#include "server/job_handlers.h"
#include "wire/validate.h"

namespace nucleus::server {
namespace {

Status RunEvaluationJob(api::JobRun& run) {
  const std::vector<std::string>& ids = run.request().reference_ids;
  std::vector<std::string> errors;
  api::EvaluationReads reads;
  // Declared up front, so that the box and polygon metrics of one test are computed together;
  // an evaluation that cannot be read or decoded here fails below, in its turn, as before.
  auto declared = api::ListJobEvaluations(run, ids);
  for (const core::ScenarioTestEvaluation& e :
       declared.ok() ? *declared : std::vector<core::ScenarioTestEvaluation>()) {
    auto args = wire::DecodeEvalArguments(e.eval_function_id, e.eval_func_arguments_json);
    if (args.ok()) reads.Expect(e, *args);
  }
  const int64_t total = static_cast<int64_t>(ids.size());
  for (int64_t i = 0; i < total; ++i) {
    auto evaluation = api::StartScenarioTestEvaluation(run, ids[i]);
    if (!evaluation.ok()) return evaluation.status();
    auto args = wire::DecodeEvalArguments(evaluation->eval_function_id,
                                          evaluation->eval_func_arguments_json);
    Status done = args.ok() ? api::RunScenarioTestEvaluation(run, *evaluation, *args, reads,
                                                             wire::ObjectFields())
                            : args.status();
    if (!done.ok()) {
      if (run.lease_lost()) return done;
      NUCLEUS_RETURN_IF_ERROR(api::FailScenarioTestEvaluation(run, *evaluation, done.message()));
      std::string error = ids[i];
      errors.push_back(error.append(": ").append(done.message()));
    }
    NUCLEUS_RETURN_IF_ERROR(run.Progress(i + 1, total));
  }
  if (!errors.empty()) NUCLEUS_RETURN_IF_ERROR(run.AddErrors(errors));
  run.SetMessage(core::JobMessage().Strings("evaluation_ids", ids));
  return Status::Ok();
}

}  // namespace

void RegisterValidateJobs(api::JobService& jobs) {
  jobs.Register(api::kTestEvaluationJobType, RunEvaluationJob);
  jobs.Register(api::kModelMetricsJobType, RunEvaluationJob);
}

}  // namespace nucleus::server
