// Forward declarations of the repositories a Tx hands out; each lives in its own header.
#pragma once

namespace nucleus::store {
class KeyRepo;
class DatasetRepo;
class ItemRepo;
class AnnotationRepo;
class JobRepo;
class UploadRepo;
class ModelRepo;
class PredictionRepo;
class SceneRepo;
class MatchRepo;
class EvaluationRepo;
class ValidateRepo;
}  // namespace nucleus::store
