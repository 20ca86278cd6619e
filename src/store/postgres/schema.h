// The PostgreSQL schema: numbered migrations recorded in `schema_migrations`, applied at open.
#pragma once

#include <cstdint>
#include <vector>

#include "nucleus/status.h"
#include "store/postgres/conn.h"

namespace nucleus::store::postgres {

struct Migration {
  int64_t version;
  const char* sql;
};

// Every migration, in version order.
const std::vector<Migration>& Migrations();

// Applies the migrations not yet recorded, all in one transaction under a transaction-scoped
// advisory lock, so servers starting together against one database migrate it once (the others
// wait, then find nothing to do). Needs no superuser: the database's owner runs it.
Status Migrate(Conn& conn);

}  // namespace nucleus::store::postgres
