// Routes of the signed-URL flow (items.md §4.1–4.2): hand out an upload URL, and receive the
// credential-less PUT to it. What is done with the payload is up to each area's `?async=1` route.
#include "api/uploads.h"
#include "server/answered_error.h"
#include "server/routes.h"
#include "wire/datasets.h"

namespace nucleus::server {
namespace {

// `?s3Endpoint=` (sent when the user's environment sets S3_ENDPOINT) is ignored: the URL is ours.
void CreateSignedUrl(api::Context& ctx, Request& req, Response& res) {
  auto url = api::CreateSignedUploadUrl(ctx, req.owner, req.Param("ds"), req.Param("request_id"),
                                        req.base_url);
  if (AnsweredError(url, res)) return;
  res.Json(wire::EncodeSignedUrl(*url));
}

// The client PUTs with a plain HTTP client: no credential, no content type. The signature in the
// query authorises it instead.
void ReceiveSignedUpload(api::Context& ctx, Request& req, Response& res) {
  if (!req.read_body) return res.Error(InvalidArgument("the upload needs a PUT body"));
  Status received = api::ReceiveSignedUpload(ctx, req.Param("ds"), req.Param("request_id"),
                                             req.Query("expires"), req.Query("sig"), req.read_body);
  if (AnsweredError(received, res)) return;
  res.Json("{}");
}

constexpr RouteRow kUploadRoutes[] = {
    {"GET", "dataset/:ds/signedUrl/:request_id", CreateSignedUrl},
    {"PUT", "upload/:ds/:request_id", ReceiveSignedUpload,
     RouteOptions{.requires_auth = false, .stream_body = true}},
};

}  // namespace

void RegisterUploadRoutes(Router& router, api::Context& ctx) {
  AddRoutes(router, ctx, kUploadRoutes);
}

}  // namespace nucleus::server
