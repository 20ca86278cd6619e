// Copying a whole store from one backend to another (`nucleus migrate-store`): a TableSource
// hands out the rows of one table at a time, as typed cells, and a backend's importer
// (store/postgres/import.h) writes them. Only the migration uses this; api/ never does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/status.h"

namespace nucleus::store {

// One value of a row. `bytes` (kText, kBlob) is valid only during the row's callback.
struct Cell {
  enum class Kind { kNull, kInt, kReal, kText, kBlob };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string_view bytes;
};

class TableSource {
 public:
  virtual ~TableSource() = default;
  // Calls `fn` with every row of `table`, the cells in the order of `columns`, all rows read in
  // one snapshot of the source. NotFound when the source has no such table or column; stops at
  // the first non-ok Status of `fn`, which is returned.
  virtual Status ForEachRow(const std::string& table, const std::vector<std::string>& columns,
                            const std::function<Status(const std::vector<Cell>& row)>& fn) = 0;
};

}  // namespace nucleus::store
