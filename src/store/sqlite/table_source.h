// The rows of a SQLite data file as a TableSource (store/table_copy.h), for
// `nucleus migrate-store`.
#pragma once

#include <memory>
#include <string>

#include "nucleus/result.h"
#include "store/table_copy.h"

namespace nucleus::store::sqlite {

// Opens the SQLite store at `path` (applying its pending migrations first, so that its tables
// have their current columns) and reads it in one read transaction, held until the source is
// destroyed: every table is read from the same snapshot. NotFound when there is no file.
Result<std::unique_ptr<TableSource>> OpenTableSource(const std::string& path);

}  // namespace nucleus::store::sqlite
