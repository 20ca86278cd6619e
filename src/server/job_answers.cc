#include "server/job_answers.h"

#include "server/answered_error.h"

namespace nucleus::server {

void RespondJobSubmitted(Response& res, const Result<store::Job>& job) {
  if (AnsweredError(job, res)) return;
  res.Json(wire::EncodeJobSubmitted(*job));
}

}  // namespace nucleus::server
