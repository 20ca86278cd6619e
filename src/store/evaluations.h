// Evaluations V2 (evaluation.md §2): one evaluation of a model run, computed by a job into its
// own match set (store/matches.h, keyed by the evaluation id).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::store {

struct Evaluation {
  int64_t rowid = 0;
  std::string id;  // "evalv2_..."
  std::string owner;
  int64_t run_rowid = 0;
  std::string model_run_id;
  std::string dataset_id;
  std::optional<std::string> name;
  // "pending", "computing", "succeeded", "failed", "cancelled"
  std::string status = "pending";
  std::string job_id;
  std::optional<std::string> error_message;
  // [{"groundTruthLabel": ..., "modelPredictionLabel": ...}] as returned on read.
  std::string allowed_label_matches_json = "[]";
  std::optional<std::string> allowed_label_matches_id;
  int64_t created_at_ms = 0;
};

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
