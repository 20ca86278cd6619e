// The one place where a StatusCode becomes an HTTP status.
#pragma once

#include "nucleus/status.h"

namespace nucleus::wire {

int HttpStatusFor(StatusCode code);

}  // namespace nucleus::wire
