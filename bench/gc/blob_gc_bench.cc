// What one garbage-collection sweep (api/blob_gc.h) costs on a large store: N items (1 in 100
// pointing at a served local image), N box predictions and B blob files of which half are
// referenced. Prints the time of the reference scan (UploadRepo::ForEachReferencedBlob) and of
// the whole sweep, which deletes the B/2 unreferenced files. See docs/benchmarks.md.
//
//   blob_gc_bench [--items N] [--blobs B] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "api/blob_gc.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/packed_geometry.h"
#include "wire/job_codec.h"
#include "store/blobs.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/models.h"
#include "store/predictions.h"
#include "store/sqlite/sqlite_store.h"
#include "store/uploads.h"

namespace {

using nucleus::Status;
namespace store = nucleus::store;

constexpr size_t kBatch = 5000;
constexpr int64_t kDelayMs = 3600 * 1000;

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class AheadClock final : public nucleus::core::Clock {
 public:
  nucleus::core::Timestamp Now() const override {
    return nucleus::core::SystemClock::Get().Now() + std::chrono::milliseconds(2 * kDelayMs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000, blobs = 2000;
  std::string dir = "/tmp/nucleus-gc-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--items")) n = std::strtoul(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--blobs")) blobs = std::strtoul(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto opened = store::sqlite::SqliteStore::Open(dir + "/nucleus.db");
  Check(opened.status(), "open");
  store::Store& db = **opened;
  auto blob_store = store::OpenLocalBlobStore(dir + "/blobs");
  Check(blob_store.status(), "blobs");

  // B blob files; the even ones will be referenced by items.
  std::vector<std::string> names;
  for (size_t b = 0; b < blobs; ++b) {
    std::string name = "img/" + nucleus::core::RandomHex(32) + ".jpg";
    auto writer = (*blob_store)->Create(name);
    Check(writer.status(), "create blob");
    Check((*writer)->Append("bytes of image " + std::to_string(b)), "write blob");
    Check((*writer)->Commit(), "commit blob");
    names.push_back(name);
  }

  auto setup = std::chrono::steady_clock::now();
  std::string dataset_id = nucleus::core::NewId("ds");
  store::ModelRun run;
  std::vector<int64_t> item_rowids(n);
  size_t referenced = 0;
  for (size_t start = 0; start < n; start += kBatch) {
    Check(db.Write([&](store::Tx& tx) -> Status {
            if (start == 0) {
              store::Dataset d;
              d.id = dataset_id;
              d.owner = d.name = "bench";
              NUCLEUS_RETURN_IF_ERROR(tx.datasets().Insert(d));
            }
            for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
              store::Item item;
              item.id = nucleus::core::NewId("di");
              item.dataset_id = dataset_id;
              item.reference_id = "item_" + std::to_string(i) + ".jpg";
              if (i % 100 == 0 && referenced * 2 < names.size()) {
                item.image_url = "http://127.0.0.1:8080/v1/nucleus/blob/" + names[referenced * 2];
                ++referenced;
              } else {
                item.image_url = "s3://bucket/" + item.reference_id;
              }
              item.metadata_json = "{}";
              NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
              item_rowids[i] = item.rowid;
            }
            return Status::Ok();
          }),
          "items");
  }
  Check(db.Write([&](store::Tx& tx) -> Status {
          store::Model m;
          m.id = nucleus::core::NewId("prj");
          m.owner = "bench";
          m.name = m.reference_id = "bench";
          NUCLEUS_RETURN_IF_ERROR(tx.models().Insert(&m));
          run.id = nucleus::core::NewId("run");
          run.owner = "bench";
          run.model_rowid = m.rowid;
          run.dataset_id = dataset_id;
          return tx.models().InsertRun(&run);
        }),
        "run");
  // The packed geometry (core/packed_geometry.h) of the box {1, 2, 3, 4}.
  nucleus::core::AnnotationGeometry box;
  box.box = {1, 2, 3, 4};
  std::string box_geometry;
  nucleus::core::AppendPackedGeometry(nucleus::core::AnnotationType::kBox, box, {}, {},
                                      &box_geometry);
  for (size_t start = 0; start < n; start += kBatch) {
    std::vector<std::string> payloads, ids;
    std::vector<store::PredictionWrite> rows;
    for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
      payloads.push_back("{\"label\":\"car\",\"type\":\"box\",\"geometry\":{\"x\":1,\"y\":2,"
                         "\"width\":3,\"height\":4},\"reference_id\":\"item_" +
                         std::to_string(i) + ".jpg\",\"annotation_id\":\"p" + std::to_string(i) +
                         "\",\"metadata\":{},\"confidence\":0.5}");
      ids.push_back("id:p" + std::to_string(i));
    }
    for (size_t k = 0; k < payloads.size(); ++k) {
      store::PredictionWrite r;
      r.item_rowid = item_rowids[start + k];
      r.id = nucleus::core::NewId("pred");
      r.type = "box";
      r.identity = ids[k];
      r.annotation_id = ids[k].substr(3);
      r.label = "car";
      r.confidence = 0.5;
      r.payload_json = payloads[k];
      r.geometry = box_geometry;
      rows.push_back(std::move(r));
    }
    Check(db.Write([&](store::Tx& tx) -> Status {
            return tx.predictions().PutMany(run.rowid, std::span(rows), false).status();
          }),
          "predictions");
  }
  std::printf("setup: %zu items (%zu referencing blobs), %zu predictions, %zu blob files: %.1f s\n",
              n, referenced, n, blobs, Since(setup));

  auto scan = std::chrono::steady_clock::now();
  size_t refs = 0;
  Check(db.Read([&](store::Tx& tx) {
          return tx.uploads().ForEachReferencedBlob([&](std::string_view) { ++refs; });
        }),
        "scan");
  std::printf("reference scan: %zu references in %.3f s\n", refs, Since(scan));

  AheadClock clock;
  nucleus::api::Context ctx{db, **blob_store, clock, nullptr, "key", {}, &nucleus::wire::JobCodec()};
  auto sweep = std::chrono::steady_clock::now();
  auto stats = nucleus::api::CollectGarbage(ctx, kDelayMs);
  Check(stats.status(), "sweep");
  std::printf("sweep: deleted %lld blobs, %lld sessions in %.3f s\n",
              static_cast<long long>(stats->blobs_deleted),
              static_cast<long long>(stats->sessions_deleted), Since(sweep));
  std::filesystem::remove_all(dir);
  return stats->blobs_deleted == static_cast<int64_t>(blobs - referenced) ? 0 : 1;
}
