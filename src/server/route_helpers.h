// What route handlers share, by what it does: answering errors (answered_error.h), reading a
// local-mask upload (mask_upload.h), answering with a blob (blob_answer.h), string-list routes
// (string_list_routes.h), job answers (job_answers.h); request bodies are wire/bodies.h.
// This header includes them all, and keeps the names route files call until they move to
// those headers (and to wire decoders) themselves.
#pragma once

#include <string_view>

#include "core/limits.h"
#include "nucleus/result.h"
#include "server/answered_error.h"
#include "server/blob_answer.h"
#include "server/http.h"
#include "server/job_answers.h"
#include "server/mask_upload.h"
#include "server/router.h"
#include "server/string_list_routes.h"
#include "wire/bodies.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"
#include "wire/limits.h"

namespace nucleus::server {

// wire::ParseBodyObject over the request's body and method.
Status ParseBodyObject(const Request& req, wire::JsonDoc* doc, wire::JsonObject* obj);
using wire::ReadStringList;
using wire::WriteStringArray;

// The request-level cap on objects per sync batch: InvalidArgument naming `field` of the request
// body when `count` > max_batch_objects (nothing is stored).
Status CheckBatchSize(std::string_view field, size_t count, const core::Limits& limits);

}  // namespace nucleus::server
