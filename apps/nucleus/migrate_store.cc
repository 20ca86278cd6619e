#include "migrate_store.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "store/blobs.h"
#include "store/postgres/import.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/table_source.h"

namespace nucleus::app {
namespace {

// A temporary file of an unfinished write in the local store ("<name>.tmp-<hex>").
bool IsTemporary(const std::string& name) { return name.find(".tmp-") != std::string::npos; }

Status CopyBlobs(store::BlobStore& from, store::BlobStore& to, int64_t* blobs, int64_t* bytes) {
  std::vector<std::string> names;
  NUCLEUS_RETURN_IF_ERROR(from.ForEach([&](const std::string& name, int64_t) {
    if (!IsTemporary(name)) names.push_back(name);
  }));
  for (const std::string& name : names) {
    NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> writer, to.Create(name));
    NUCLEUS_RETURN_IF_ERROR(
        from.ForEachPiece(name, [&](std::string_view piece) { return writer->Append(piece); }));
    NUCLEUS_RETURN_IF_ERROR(writer->Commit());
    ++*blobs;
    *bytes += writer->size();
  }
  return Status::Ok();
}

}  // namespace

Status MigrateStore(const std::string& from_dir, const std::string& to_uri, int pool_size) {
  namespace fs = std::filesystem;
  const fs::path dir(from_dir);
  if (!fs::exists(dir / "nucleus.db")) {
    return NotFound("--from " + from_dir + " holds no nucleus.db (a `nucleus serve --data` "
                    "directory)");
  }
  if (!store::postgres::IsPostgresUri(to_uri)) {
    return InvalidArgument("--to wants a PostgreSQL URI: postgresql://USER@HOST:PORT/DBNAME");
  }
  store::postgres::PostgresOptions options;
  options.pool_size = pool_size;
  NUCLEUS_ASSIGN_OR_RETURN(auto target, store::postgres::PostgresStore::Open(to_uri, options));
  NUCLEUS_RETURN_IF_ERROR(store::postgres::CheckEmpty(*target));
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<store::TableSource> source,
                           store::sqlite::OpenTableSource((dir / "nucleus.db").string()));
  std::string signing_key;
  {
    std::ifstream in(dir / "signing.key");
    in >> signing_key;  // none yet: the first server on the target makes one
  }

  // Blobs first: rows that name a blob are committed last, all at once.
  int64_t blobs = 0, bytes = 0;
  if (fs::exists(dir / "blobs")) {
    NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<store::BlobStore> local,
                             store::OpenLocalBlobStore((dir / "blobs").string()));
    NUCLEUS_RETURN_IF_ERROR(CopyBlobs(*local, target->blobs(), &blobs, &bytes));
  }
  std::printf("blobs: %lld (%lld bytes)\n", static_cast<long long>(blobs),
              static_cast<long long>(bytes));
  NUCLEUS_ASSIGN_OR_RETURN(auto copied,
                           store::postgres::ImportTables(*target, *source, signing_key));
  for (const auto& [table, rows] : copied) {
    std::printf("%s: %lld rows\n", table.c_str(), static_cast<long long>(rows));
  }
  std::printf("signing key: %s\n", signing_key.empty() ? "none (made by the first server)"
                                                       : "copied");
  return Status::Ok();
}

}  // namespace nucleus::app
