// The PostgreSQL implementation of each repository interface of store/ (KeyRepo, ItemRepo...):
// NewXRepo(conn) returns one that runs its statements on `conn`, which must outlive it.
// PostgresStore's transactions create them lazily; each is defined in its area's .cc file.
#pragma once

#include <memory>
#include <string>

#include "store/annotations.h"
#include "store/datasets.h"
#include "store/evaluations.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/keys.h"
#include "store/matches.h"
#include "store/models.h"
#include "store/postgres/conn.h"
#include "store/predictions.h"
#include "store/scenes.h"
#include "store/uploads.h"
#include "store/validate.h"

namespace nucleus::store::postgres {

// The staging tables of bulk writes through COPY (PostgresOptions::BulkWrite::kCopy): one
// script of CREATE TEMP TABLE ... ON COMMIT DELETE ROWS, run on a connection when it opens,
// outside any transaction (so that no rollback can drop them).
std::string StagingTablesSql();
// The annotations' part of it (postgres/annotations.cc).
std::string AnnotationStagingSql();

std::unique_ptr<KeyRepo> NewKeyRepo(Conn& conn);
std::unique_ptr<DatasetRepo> NewDatasetRepo(Conn& conn);
std::unique_ptr<ItemRepo> NewItemRepo(Conn& conn);
std::unique_ptr<AnnotationRepo> NewAnnotationRepo(Conn& conn);
std::unique_ptr<JobRepo> NewJobRepo(Conn& conn);
std::unique_ptr<UploadRepo> NewUploadRepo(Conn& conn);
std::unique_ptr<ModelRepo> NewModelRepo(Conn& conn);
std::unique_ptr<PredictionRepo> NewPredictionRepo(Conn& conn);
std::unique_ptr<SceneRepo> NewSceneRepo(Conn& conn);
std::unique_ptr<MatchRepo> NewMatchRepo(Conn& conn);
std::unique_ptr<EvaluationRepo> NewEvaluationRepo(Conn& conn);
std::unique_ptr<ValidateRepo> NewValidateRepo(Conn& conn);

}  // namespace nucleus::store::postgres
