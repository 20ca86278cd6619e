// The SQLite implementation of each repository interface of store/ (KeyRepo, ItemRepo, ...):
// NewXRepo(db) returns one that runs its statements on `db`, which must outlive it. SqliteStore's
// transactions create them lazily; each is defined in its area's .cc file (keys.cc, items.cc...).
#pragma once

#include <memory>

#include "store/annotations.h"
#include "store/datasets.h"
#include "store/evaluations.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/keys.h"
#include "store/matches.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/scenes.h"
#include "store/sqlite/db.h"
#include "store/uploads.h"
#include "store/validate.h"

namespace nucleus::store::sqlite {

std::unique_ptr<KeyRepo> NewKeyRepo(Db& db);
std::unique_ptr<DatasetRepo> NewDatasetRepo(Db& db);
std::unique_ptr<ItemRepo> NewItemRepo(Db& db);
std::unique_ptr<AnnotationRepo> NewAnnotationRepo(Db& db);
std::unique_ptr<JobRepo> NewJobRepo(Db& db);
std::unique_ptr<UploadRepo> NewUploadRepo(Db& db);
std::unique_ptr<ModelRepo> NewModelRepo(Db& db);
std::unique_ptr<PredictionRepo> NewPredictionRepo(Db& db);
std::unique_ptr<SceneRepo> NewSceneRepo(Db& db);
std::unique_ptr<MatchRepo> NewMatchRepo(Db& db);
std::unique_ptr<EvaluationRepo> NewEvaluationRepo(Db& db);
std::unique_ptr<ValidateRepo> NewValidateRepo(Db& db);

}  // namespace nucleus::store::sqlite
