// BlobStore: uploaded files (images, masks, signed-URL payloads). Two implementations: files
// under a directory beside the SQLite database (OpenLocalBlobStore), and chunked rows in the
// PostgreSQL database (PostgresStore::blobs()), so that every server on one database serves
// every blob (docs/design/blobs.md, "Where blobs live"). api/ sees only this interface: another
// backend (an S3-compatible store) is one more implementation.
// Blobs are immutable once written; names are relative paths ("img/<sha256>.jpg"). A name is
// only ever written with the same bytes, so a Commit under a name already stored keeps a blob
// with those bytes and counts as a fresh write of it (ForEach's write time). Writers stream
// (Append as the bytes come) and ForEachLine reads a line at a time: no implementation holds a
// whole payload in memory, only Get (images and masks, which requests carry whole anyway).
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nucleus/result.h"

namespace nucleus::store {

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes the blob durable and visible under its name. Without Commit the blob is discarded.
  virtual Status Commit() = 0;
  virtual int64_t size() const = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Writes `data` under a new unique name with `extension` (e.g. ".png"); returns the name.
  virtual Result<std::string> Put(std::string_view data, std::string_view extension) = 0;
  // A streaming writer for a new blob named `name` (relative path; folders are created).
  virtual Result<std::unique_ptr<BlobWriter>> Create(const std::string& name) = 0;
  virtual Result<std::string> Get(const std::string& name) = 0;
  // Reads the blob's bytes in order, a piece (up to about 1 MiB) at a time; stops early when
  // `fn` returns a non-ok Status, which is returned. NotFound for an unknown name.
  virtual Status ForEachPiece(const std::string& name,
                              const std::function<Status(std::string_view piece)>& fn) = 0;
  // Reads the blob line by line ('\n'-terminated; the last line may lack it); stops early when
  // `fn` returns a non-ok Status, which is returned.
  virtual Status ForEachLine(const std::string& name,
                             const std::function<Status(std::string_view line)>& fn) = 0;

  // Garbage collection (api/blob_gc.h).
  // Calls `fn` with every stored blob's name and the Unix time (ms) it was last written,
  // temporary files of unfinished or abandoned writes included.
  virtual Status ForEach(
      const std::function<void(const std::string& name, int64_t written_at_ms)>& fn) = 0;
  // Deletes blob `name` if it was last written before `cutoff_ms`; returns whether it did. A
  // Commit of the same name concurrently either lands after the delete (the new blob stays) or
  // before the check (its fresh write time keeps it), never in between.
  virtual Result<bool> RemoveIfWrittenBefore(const std::string& name, int64_t cutoff_ms) = 0;
};

// Files under `root` (created if missing).
Result<std::unique_ptr<BlobStore>> OpenLocalBlobStore(const std::string& root);

}  // namespace nucleus::store
