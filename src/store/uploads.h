// Signed-URL uploads: a client asks for a URL (GET dataset/{ds}/signedUrl/{request_id}), PUTs a
// payload to it without credentials, then names the request id in an async call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::store {

struct Upload {
  std::string dataset_id;
  std::string request_id;  // client-generated, 32 hex characters
  std::string owner;
  std::string blob_path;   // relative to the data directory's blobs/ ("" until uploaded)
  int64_t size_bytes = 0;
  int64_t expires_at_ms = 0;
  bool uploaded = false;
};

class UploadRepo {
 public:
  virtual ~UploadRepo() = default;
  // Inserts or refreshes (same dataset and request id) the pending upload.
  virtual Status Put(const Upload& upload) = 0;
  virtual Result<std::optional<Upload>> Get(const std::string& dataset_id,
                                            const std::string& request_id) = 0;
  virtual Status MarkUploaded(const std::string& dataset_id, const std::string& request_id,
                              const std::string& blob_path, int64_t size_bytes) = 0;

  // Garbage collection (api/blob_gc.h).
  // Up to `limit` upload sessions whose URL expires before `expires_before_ms`, oldest first.
  virtual Result<std::vector<Upload>> ListExpiringBefore(int64_t expires_before_ms, int limit) = 0;
  // Forgets the session (not its blob). Deleting a missing one is OK.
  virtual Status Delete(const std::string& dataset_id, const std::string& request_id) = 0;
  // Calls `fn` with the name of every blob a stored row still needs: upload sessions' payloads,
  // payloads named by queued or running jobs, item images served under "/blob/img/" and stored
  // masks ("/blob/mask/") of annotations and predictions. Reads whole tables: for a periodic
  // sweep, not for requests. A name may be given more than once.
  virtual Status ForEachReferencedBlob(const std::function<void(std::string_view name)>& fn) = 0;
};

}  // namespace nucleus::store
