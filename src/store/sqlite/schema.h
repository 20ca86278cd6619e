// Versioned schema migrations for the SQLite store, applied in order at open.
// Each area contributes its own migration texts; the list in schema.cc fixes the order. A
// migration, once released, is never edited: add a new one.
#pragma once

#include <vector>

#include "nucleus/status.h"
#include "store/sqlite/db.h"

namespace nucleus::store::sqlite {

struct Migration {
  int version;
  const char* sql;
};

const std::vector<Migration>& Migrations();

// Applies every migration newer than the database's user_version, each in its own transaction.
Status Migrate(Db& db);

}  // namespace nucleus::store::sqlite
