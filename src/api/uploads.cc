#include "api/uploads.h"

#include <cctype>
#include <chrono>

#include "core/ids.h"
#include "core/strings.h"
#include "store/datasets.h"
#include "store/uploads.h"

namespace nucleus::api {
namespace {

constexpr int64_t kSignedUrlLifetimeS = kSignedUrlLifetimeMs / 1000;

// Request ids name blobs, so only a conservative alphabet is accepted (the client sends 32 hex).
bool ValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string Signature(const Context& ctx, const std::string& dataset_id,
                      const std::string& request_id, const std::string& expires) {
  return core::HmacSha256Hex(ctx.signing_key, dataset_id + "\n" + request_id + "\n" + expires);
}

Status PermissionDenied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}

}  // namespace

Result<std::string> CreateSignedUploadUrl(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id,
                                          const std::string& request_id,
                                          const std::string& base_url) {
  if (!ValidRequestId(request_id)) {
    return InvalidArgument("request id \"" + request_id +
                           "\" must be 1-128 characters of letters, digits, '-' and '_'");
  }
  const int64_t now_ms = core::ToUnixMillis(ctx.clock.Now());
  const std::string expires = std::to_string(now_ms / 1000 + kSignedUrlLifetimeS);
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    store::Upload upload;
    upload.dataset_id = dataset_id;
    upload.request_id = request_id;
    upload.owner = owner;
    upload.expires_at_ms = (now_ms / 1000 + kSignedUrlLifetimeS) * 1000;
    return tx.uploads().Put(upload);
  }));
  return base_url + "/upload/" + dataset_id + "/" + request_id + "?expires=" + expires +
         "&sig=" + Signature(ctx, dataset_id, request_id, expires);
}

Status ReceiveSignedUpload(Context& ctx, const std::string& dataset_id,
                           const std::string& request_id, const std::string& expires,
                           const std::string& signature, const BodySource& body) {
  if (expires.empty() || expires.size() > 12 ||
      expires.find_first_not_of("0123456789") != std::string::npos || signature.empty() ||
      !ValidRequestId(request_id) ||
      !core::ConstantTimeEquals(signature, Signature(ctx, dataset_id, request_id, expires))) {
    return PermissionDenied("the upload URL's signature is not valid");
  }
  const int64_t now_ms = core::ToUnixMillis(ctx.clock.Now());
  if (std::stoll(expires) * 1000 < now_ms) {
    return PermissionDenied("the upload URL expired; ask for a new one (signedUrl)");
  }
  auto check_pending = [&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Upload> upload,
                             tx.uploads().Get(dataset_id, request_id));
    if (!upload) return NotFound("no upload was requested under id " + request_id);
    if (upload->uploaded) {
      return FailedPrecondition("a payload was already uploaded under request id " + request_id +
                                "; each signed URL accepts one PUT");
    }
    return Status::Ok();
  };
  // Reject early without writing anything, then write the blob outside any transaction (it can
  // be large), then claim the request id; a PUT that loses a race leaves only an orphaned blob.
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read(check_pending));
  const std::string name =
      "uploads/" + dataset_id + "/" + request_id + "-" + core::RandomHex(4) + ".ndjson";
  NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> writer, ctx.blobs.Create(name));
  NUCLEUS_RETURN_IF_ERROR(body([&](std::string_view piece) { return writer->Append(piece); }));
  NUCLEUS_RETURN_IF_ERROR(writer->Commit());
  const int64_t size_bytes = writer->size();
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(check_pending(tx));
    return tx.uploads().MarkUploaded(dataset_id, request_id, name, size_bytes);
  });
}

Result<std::string> UploadedPayload(Context& ctx, const std::string& owner,
                                    const std::string& dataset_id,
                                    const std::string& request_id) {
  std::string blob;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, dataset_id).status());
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Upload> upload,
                             tx.uploads().Get(dataset_id, request_id));
    if (!upload || upload->owner != owner || !upload->uploaded) {
      return InvalidArgument("field \"requestId\" of request body: nothing was uploaded under \"" +
                             request_id + "\" for dataset " + dataset_id +
                             " (GET signedUrl, then PUT the payload, then call this route)");
    }
    blob = upload->blob_path;
    return Status::Ok();
  }));
  return blob;
}

}  // namespace nucleus::api
