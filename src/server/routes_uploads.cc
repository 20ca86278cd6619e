// Routes of the signed-URL flow (items.md §4.1–4.2): hand out an upload URL, and receive the
// credential-less PUT to it. What is done with the payload is up to each area's `?async=1` route.
#include "api/uploads.h"
#include "server/route_helpers.h"
#include "server/routes.h"

namespace nucleus::server {

void RegisterUploadRoutes(Router& router, api::Context& ctx) {
  // `?s3Endpoint=` (sent when the user's environment sets S3_ENDPOINT) is ignored: the URL is ours.
  router.Add("GET", "dataset/:ds/signedUrl/:request_id", [&ctx](Request& req, Response& res) {
    auto url = api::CreateSignedUploadUrl(ctx, req.owner, req.Param("ds"),
                                          req.Param("request_id"), req.base_url);
    if (AnsweredError(url, res)) return;
    res.Json(wire::JsonWriter().BeginObject().Key("signed_url").String(*url).EndObject().Take());
  });

  // The client PUTs with a plain HTTP client: no credential, no content type. The signature in
  // the query authorises it instead.
  router.Add(
      "PUT", "upload/:ds/:request_id",
      [&ctx](Request& req, Response& res) {
        if (!req.read_body) return res.Error(InvalidArgument("the upload needs a PUT body"));
        Status received =
            api::ReceiveSignedUpload(ctx, req.Param("ds"), req.Param("request_id"),
                                     req.Query("expires"), req.Query("sig"), req.read_body);
        if (AnsweredError(received, res)) return;
        res.Json("{}");
      },
      RouteOptions{.requires_auth = false, .stream_body = true});
}

}  // namespace nucleus::server
