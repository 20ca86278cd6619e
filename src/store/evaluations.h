// Evaluations V2 (evaluation.md §2): one evaluation of a model run, computed by a job into its
// own match set (store/matches.h, keyed by the evaluation id).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/evaluations.h"
#include "nucleus/result.h"

namespace nucleus::store {

// The record lives in core/ (core/evaluations.h) so that wire/ can encode it.
using Evaluation = core::Evaluation;

class EvaluationRepo {
 public:
  virtual ~EvaluationRepo() = default;
  virtual Status Insert(Evaluation* evaluation) = 0;  // assigns rowid
  // NotFound unless it exists and belongs to `owner`.
  virtual Result<Evaluation> Get(const std::string& owner, const std::string& id) = 0;
  // The run's evaluations, newest first.
  virtual Result<std::vector<Evaluation>> ListByRun(int64_t run_rowid) = 0;
  // Writes status, job_id and error_message.
  virtual Status Update(const Evaluation& evaluation) = 0;
  virtual Status Delete(int64_t rowid) = 0;
};

}  // namespace nucleus::store
