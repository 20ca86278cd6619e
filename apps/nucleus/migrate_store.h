// `nucleus migrate-store --from DIR --to postgresql://...`: a SQLite data directory (rows,
// blobs, signing key) copied into an empty PostgreSQL database (README.md, "Scale out").
#pragma once

#include <string>

#include "nucleus/status.h"

namespace nucleus::app {

// Copies DIR's blobs (finished ones; temporary files are left), then every table of DIR's
// nucleus.db and DIR/signing.key in one transaction. Refuses a target that holds anything.
// The servers on DIR must be stopped first. Prints one line per table and the blob count.
// `pool_size`: connections to the target at most.
Status MigrateStore(const std::string& from_dir, const std::string& to_uri, int pool_size);

}  // namespace nucleus::app
