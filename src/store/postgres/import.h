// `nucleus migrate-store`'s PostgreSQL side: the rows of another store (a TableSource, e.g. a
// SQLite data file) copied into an empty PostgresStore. Blobs are copied separately, through
// the two BlobStores (apps/nucleus/migrate_store.cc).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nucleus/result.h"
#include "store/postgres/postgres_store.h"
#include "store/table_copy.h"

namespace nucleus::store::postgres {

// Ok when the database holds nothing a server wrote: no row in any table of the schema but the
// migration bookkeeping (schema_migrations, nucleus_change_stamp), blobs and secrets included.
// FailedPrecondition naming a table that has rows otherwise.
Status CheckEmpty(PostgresStore& target);

// Copies every table of the schema (all but the bookkeeping, the blobs and the secrets) from
// `source`, in an order that satisfies the foreign keys, in ONE transaction under the store's
// write lock (COPY, column by column as PostgreSQL's types want them), moves every id sequence
// past the copied ids, and stores `signing_key` as the shared signing key when not empty. Fails
// with FailedPrecondition if a copied table already has rows (nothing is written then), and
// with Internal naming the table when the schema has a table this code does not know (a new
// table must be added to its order list, so that none is left behind silently).
// Returns (table, rows copied) in copy order.
Result<std::vector<std::pair<std::string, int64_t>>> ImportTables(PostgresStore& target,
                                                                  TableSource& source,
                                                                  const std::string& signing_key);

}  // namespace nucleus::store::postgres
