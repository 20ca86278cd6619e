// Store: the persistence boundary. Every backend (SQLite now, PostgreSQL later) implements it and
// passes tests/store/conformance.
//
// Work happens inside a unit of work (Tx). Write() runs its function in one write transaction:
// committed when the function returns OK, rolled back otherwise — so a failed request leaves
// nothing behind, and an answered one is durable. Read() gives a consistent snapshot.
// Repositories obtained from a Tx are valid only inside that Tx's function.
// Thread-safe: any number of threads may call Read()/Write(); writers are serialised.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "nucleus/status.h"
#include "store/repos.h"

namespace nucleus::store {

class Tx {
 public:
  virtual ~Tx() = default;
  virtual KeyRepo& keys() = 0;
  virtual DatasetRepo& datasets() = 0;
  virtual ItemRepo& items() = 0;
  virtual AnnotationRepo& annotations() = 0;
  virtual JobRepo& jobs() = 0;
  virtual UploadRepo& uploads() = 0;
  virtual ModelRepo& models() = 0;
  virtual PredictionRepo& predictions() = 0;
  virtual SceneRepo& scenes() = 0;
  virtual MatchRepo& matches() = 0;
  virtual EvaluationRepo& evaluations() = 0;
  virtual ValidateRepo& validate() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Status Write(const std::function<Status(Tx&)>& fn) = 0;
  virtual Status Read(const std::function<Status(Tx&)>& fn) = 0;
  // A value that changes whenever anything — this process or another one — commits to the
  // store, for in-memory caches of rarely changing rows (api::KeyCache). Cheap (reads
  // no table). nullopt when the backend cannot tell: then nothing may be cached.
  virtual std::optional<uint64_t> ChangeStamp() { return std::nullopt; }
};

}  // namespace nucleus::store
