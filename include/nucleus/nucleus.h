// Umbrella header of the nucleus C++ client SDK: include this one.
//
//   #include <nucleus/nucleus.h>
//   nucleus::NucleusClient client(api_key);  // endpoint from $NUCLEUS_ENDPOINT
//   auto dataset = client.create_dataset("cars");
//
// Everything here uses std types only; linking target: nucleus::client (find_package(nucleus)).
#pragma once

#include "nucleus/client.h"
#include "nucleus/json.h"
#include "nucleus/result.h"
#include "nucleus/status.h"
#include "nucleus/types.h"
#include "nucleus/validate.h"
