// The store's upsert ceiling for box predictions (SQLite, or PostgreSQL with --store): the same
// rows ingest_http.py sends (same payload bytes, same identities), written through
// store::PredictionRepo::PutMany in transactions of 5,000 rows, as the server does per request, but
// without HTTP, JSON parsing or reference resolution. Prints predictions/s for new rows, re-upload
// with update=false and update=true.
//
//   ingest_ceiling [--predictions N] [--per-item K] [--dir DIR] [--store postgresql://...]
//
// With --store the rows go to that (empty) PostgreSQL database; NUCLEUS_PG_BULK_WRITE=copy|unnest
// picks the bulk-write path (docs/design/postgres.md).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/packed_geometry.h"
#include "store/datasets.h"
#include "store/items.h"
#include "store/models.h"
#include "store/postgres/postgres_store.h"
#include "store/predictions.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using nucleus::Status;
namespace store = nucleus::store;

constexpr size_t kBatch = 5000;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// The payload the server stores for the box ingest_http.py sends as prediction i.
std::string BoxPayload(size_t i, const std::string& ref) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "{\"label\":\"%s\",\"type\":\"box\",\"geometry\":{\"x\":%zu,\"y\":%zu,"
                "\"width\":%zu,\"height\":%zu},\"reference_id\":\"%s\",\"annotation_id\":\"p%zu\","
                "\"metadata\":{},\"embedding_vector\":null,\"track_reference_id\":null,"
                "\"task_id\":null,\"confidence\":0.%02zu}",
                i % 2 ? "bus" : "car", i % 640, i % 480, 10 + i % 50, 10 + i % 40, ref.c_str(), i,
                i % 100);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 200000, per_item = 4;
  std::string dir = "/tmp/nucleus-ingest-ceiling", uri;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--predictions")) n = std::strtoul(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--per-item")) per_item = std::strtoul(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--store")) uri = argv[i + 1];
  }
  std::unique_ptr<store::Store> opened_store;
  if (uri.empty()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = store::sqlite::SqliteStore::Open(dir + "/nucleus.db");
    Check(opened.status(), "open");
    opened_store = std::move(*opened);
  } else {
    auto opened = store::postgres::PostgresStore::Open(uri);
    Check(opened.status(), "open");
    opened_store = std::move(*opened);
  }
  store::Store& db = *opened_store;

  const size_t items = (n + per_item - 1) / per_item;
  std::vector<int64_t> item_rowids(items);
  store::ModelRun run;
  Check(db.Write([&](store::Tx& tx) -> Status {
          store::Dataset d;
          d.id = nucleus::core::NewId("ds");
          d.owner = "bench";
          d.name = "bench";
          NUCLEUS_RETURN_IF_ERROR(tx.datasets().Insert(d));
          for (size_t i = 0; i < items; ++i) {
            store::Item item;
            item.id = nucleus::core::NewId("di");
            item.dataset_id = d.id;
            char ref[64];
            std::snprintf(ref, sizeof(ref), "item_%zu.jpg", i);
            item.reference_id = ref;
            NUCLEUS_RETURN_IF_ERROR(tx.items().Insert(&item));
            item_rowids[i] = item.rowid;
          }
          store::Model m;
          m.id = nucleus::core::NewId("prj");
          m.owner = "bench";
          m.name = m.reference_id = "bench";
          NUCLEUS_RETURN_IF_ERROR(tx.models().Insert(&m));
          run.id = nucleus::core::NewId("run");
          run.owner = "bench";
          run.model_rowid = m.rowid;
          run.dataset_id = d.id;
          return tx.models().InsertRun(&run);
        }),
        "setup");

  // Row inputs, built once (the server builds them from the parsed request).
  std::vector<std::string> payloads(n), identities(n), ann_ids(n), pred_ids(n), geometries(n);
  std::vector<store::PredictionWrite> rows(n);
  for (size_t i = 0; i < n; ++i) {
    size_t item = i / per_item;  // an image's predictions arrive together
    char ref[64];
    std::snprintf(ref, sizeof(ref), "item_%zu.jpg", item);
    payloads[i] = BoxPayload(i, ref);
    char ann[32];
    std::snprintf(ann, sizeof(ann), "p%zu", i);
    ann_ids[i] = ann;
    identities[i] = std::string("id:").append(ann);
    pred_ids[i] = nucleus::core::NewId("pred");
    store::PredictionWrite& r = rows[i];
    r.item_rowid = item_rowids[item];
    r.id = pred_ids[i];
    r.type = "box";
    r.identity = identities[i];
    r.annotation_id = ann_ids[i];
    r.label = i % 2 ? "bus" : "car";
    r.confidence = static_cast<double>(i % 100) / 100;
    r.payload_json = payloads[i];
    // As the server writes it beside the payload (migration v10).
    nucleus::core::AnnotationGeometry g;
    g.box = {static_cast<double>(i % 640), static_cast<double>(i % 480),
             static_cast<double>(10 + i % 50), static_cast<double>(10 + i % 40)};
    nucleus::core::AppendPackedGeometry(nucleus::core::AnnotationType::kBox, g, {}, {},
                                        &geometries[i]);
    r.geometry = geometries[i];
  }

  auto pass = [&](const char* name, bool update) {
    auto start = std::chrono::steady_clock::now();
    double cpu0 = CpuSeconds();
    int64_t written = 0;
    for (size_t b = 0; b < n; b += kBatch) {
      std::span<const store::PredictionWrite> batch(rows.data() + b, std::min(kBatch, n - b));
      Check(db.Write([&](store::Tx& tx) -> Status {
              auto w = tx.predictions().PutMany(run.rowid, batch, update);
              if (!w.ok()) return w.status();
              written += *w;
              return Status::Ok();
            }),
            name);
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = CpuSeconds() - cpu0;
    std::printf("%-22s %9zu rows  %7.3f s  %10.0f predictions/s   CPU %6.3f s = %10.0f per CPU-s"
                "  (written %lld)\n",
                name, n, s, static_cast<double>(n) / s, cpu, static_cast<double>(n) / cpu,
                static_cast<long long>(written));
  };
  {
    // Reference resolution as the server does it per request: the distinct reference ids of
    // each batch of 5,000, inside the write transaction.
    std::vector<std::vector<std::string>> refs;
    for (size_t b = 0; b < n; b += kBatch) {
      refs.emplace_back();
      for (size_t i = b; i < std::min(n, b + kBatch); ++i) {
        char ref[64];
        std::snprintf(ref, sizeof(ref), "item_%zu.jpg", i / per_item);
        refs.back().emplace_back(ref);
      }
    }
    auto start = std::chrono::steady_clock::now();
    double cpu0 = CpuSeconds();
    size_t found = 0;
    for (const auto& batch : refs) {
      Check(db.Write([&](store::Tx& tx) -> Status {
              auto r = tx.items().ResolveRefs(run.dataset_id, batch);
              if (!r.ok()) return r.status();
              found += r->size();
              return Status::Ok();
            }),
            "resolve");
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = CpuSeconds() - cpu0;
    std::printf("%-22s %9zu refs  %7.3f s  %10.0f refs/s          CPU %6.3f s  (found %zu)\n",
                "ResolveRefs", n, s, static_cast<double>(n) / s, cpu, found);
  }
  pass("new", false);
  pass("re-upload update=false", false);
  pass("re-upload update=true", true);
  return 0;
}
