// The one codec of async jobs (core/jobs.h): a job's request and message as the JSON text the
// store keeps. api/ reaches it through api::Context::job_codec, so it never handles JSON itself.
//
// Requests are written with only the fields that are set; reading accepts what earlier versions
// wrote (the payload's blob key under "payload" or "blob"; a metadataUpdate's request as the body
// itself). Stateless and thread-safe.
#pragma once

#include "core/jobs.h"

namespace nucleus::wire {

class JsonJobCodec final : public core::JobCodec {
 public:
  std::string EncodeRequest(const core::JobRequest& request) const override;
  Result<core::JobRequest> DecodeRequest(std::string_view job_type,
                                         std::string_view text) const override;
  std::string EncodeMessage(const core::JobMessage& message) const override;
};

// A process-wide instance.
const core::JobCodec& JobCodec();

}  // namespace nucleus::wire
