// Handlers of the async job types whose input is JSON the server must decode first (the NDJSON
// payloads of signed-URL uploads): each decodes with wire/ and calls its api use case chunk by
// chunk, as a route does for one request. Registered beside api::RegisterJobHandlers.
#pragma once

#include "api/jobs.h"

namespace nucleus::server {

// Registers every handler below.
void RegisterServerJobHandlers(api::JobService& jobs);

// uploadAnnotations (routes_annotations.cc).
void RegisterAnnotationUploadJob(api::JobService& jobs);
// uploadDatasetItems and metadataUpdate (item_jobs.cc).
void RegisterItemJobs(api::JobService& jobs);
// uploadLidarScene and uploadVideoScene (scene_jobs.cc).
void RegisterSceneJobs(api::JobService& jobs);
// uploadPredictions (prediction_upload_job.cc).
void RegisterPredictionUploadJob(api::JobService& jobs);
// testEvaluation and modelMetrics, Model CI (validate_job.cc).
void RegisterValidateJobs(api::JobService& jobs);

}  // namespace nucleus::server
