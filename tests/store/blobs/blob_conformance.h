// The BlobStore conformance suite: the contract of src/store/blobs.h, passed by every
// implementation (the local files of OpenLocalBlobStore in local_blobs_test.cc, PostgreSQL's
// chunked rows in postgres_blobs_test.cc). A backend joins with a factory that opens the blob
// store of a directory (the same blobs again when called twice with the same directory).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "store/blobs.h"

namespace nucleus::store::blobs_conformance {

struct BlobBackend {
  std::string name;
  std::function<std::unique_ptr<BlobStore>(const std::string& dir)> open;
};

inline void PrintTo(const BlobBackend& backend, std::ostream* os) { *os << backend.name; }
inline std::string BlobBackendName(const ::testing::TestParamInfo<BlobBackend>& info) {
  return info.param.name;
}

class BlobStoreConformanceTest : public ::testing::TestWithParam<BlobBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  void Reopen();
  std::vector<std::string> Lines(const std::string& name, Status* status);
  // Every name ForEach lists, with its write time.
  std::vector<std::pair<std::string, int64_t>> Listed();

  std::string dir_;
  std::unique_ptr<BlobStore> blobs_;
};

}  // namespace nucleus::store::blobs_conformance
