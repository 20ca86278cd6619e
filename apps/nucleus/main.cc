// The one binary: `nucleus serve | keys | eval | ...`. The only place that names a concrete
// backend (SQLite or PostgreSQL, local blobs) and reads flags.
#include <malloc.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <thread>

#include "api/blob_gc.h"
#include "api/context.h"
#include "api/jobs.h"
#include "api/keys.h"
#include "api/job_handlers.h"
#include "migrate_store.h"
#include "cli/client_commands.h"
#include "cli/eval_command.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "server/dashboard.h"
#include "server/geometry_backfill.h"
#include "server/job_handlers.h"
#include "server/http_server.h"
#include "store/blobs.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "wire/job_codec.h"
#include "wire/limits.h"

namespace {

using nucleus::Result;
using nucleus::Status;

// What a command works on: the rows, the blobs and the signing key of upload URLs. With
// SQLite all three live in the data directory; with PostgreSQL all three live in the database
// (docs/design/blobs.md, "Where blobs live"), and the server keeps nothing locally.
struct DataDir {
  std::unique_ptr<nucleus::store::Store> store;
  std::unique_ptr<nucleus::store::BlobStore> local_blobs;  // SQLite only
  nucleus::store::BlobStore* blobs = nullptr;              // local_blobs or the database's
  std::string signing_key;
};

constexpr const char* kDefaultDataDir = "./nucleus-data";

// Reads DIR/signing.key, creating it (0600) on first use.
Result<std::string> SigningKey(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / "signing.key";
  std::ifstream in(path);
  std::string key;
  if (in >> key && key.size() >= 32) return key;
  key = nucleus::core::RandomHex(32);
  std::ofstream out(path, std::ios::trunc);
  out << key << "\n";
  out.close();
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
  if (!out) return nucleus::Internal("cannot write " + path.string());
  return key;
}

// Where rows are kept: `--store` (a PostgreSQL URI) when given, else the SQLite file in the
// data directory.
struct StoreFlags {
  std::string uri;  // --store; "" = SQLite in the data directory
  int pool_size = nucleus::store::postgres::PostgresOptions().pool_size;
};

Result<std::unique_ptr<nucleus::store::postgres::PostgresStore>> OpenPostgres(
    const StoreFlags& flags) {
  if (!nucleus::store::postgres::IsPostgresUri(flags.uri)) {
    return nucleus::InvalidArgument(
        "--store wants a PostgreSQL URI: postgresql://USER@HOST:PORT/DBNAME");
  }
  nucleus::store::postgres::PostgresOptions options;
  options.pool_size = flags.pool_size;
  return nucleus::store::postgres::PostgresStore::Open(flags.uri, options);
}

// `dir` ("" = the default) holds the SQLite store, its blobs and signing.key; with `--store`
// it is not used at all.
Result<DataDir> OpenDataDir(std::string dir, const StoreFlags& store_flags) {
  DataDir d;
  if (!store_flags.uri.empty()) {
    NUCLEUS_ASSIGN_OR_RETURN(auto pg, OpenPostgres(store_flags));
    d.blobs = &pg->blobs();
    // Every server on the database signs and checks upload URLs with the same key.
    NUCLEUS_ASSIGN_OR_RETURN(d.signing_key,
                             pg->SharedSecret("signing_key", nucleus::core::RandomHex(32)));
    d.store = std::move(pg);
    return d;
  }
  if (dir.empty()) dir = kDefaultDataDir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return nucleus::Internal("cannot create data directory " + dir + ": " + ec.message());
  NUCLEUS_ASSIGN_OR_RETURN(auto sqlite,
                           nucleus::store::sqlite::SqliteStore::Open(dir + "/nucleus.db"));
  d.store = std::move(sqlite);
  NUCLEUS_ASSIGN_OR_RETURN(d.local_blobs, nucleus::store::OpenLocalBlobStore(dir + "/blobs"));
  d.blobs = d.local_blobs.get();
  NUCLEUS_ASSIGN_OR_RETURN(d.signing_key, SigningKey(dir));
  return d;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

// The dashboard's own server (docs/design/dashboard.md): the embedded site at "/" and the same
// API routes under the same prefix, so its pages call the API on their own origin. `flag` is
// "off", HOST:PORT, or "" for the API's host with its port + 1 (0 when the API's is 0); only
// that default may fail to bind without stopping serve (it logs a warning and serves no
// dashboard). `server` is null when there is none.
struct DashboardSite {
  std::unique_ptr<nucleus::server::HttpServer> server;
  std::string url;
};
Result<DashboardSite> BindDashboard(nucleus::api::Context& ctx, const std::string& flag,
                                    nucleus::server::ServerOptions options, int api_port) {
  using nucleus::server::HttpServer;
  if (flag == "off") return DashboardSite{};
  if (flag.empty()) {
    options.port = api_port == 0 ? 0 : api_port + 1;
  } else {
    size_t colon = flag.rfind(':');
    const char* end = flag.data() + flag.size();
    auto parsed = colon == std::string::npos
                      ? std::from_chars_result{flag.data(), std::errc::invalid_argument}
                      : std::from_chars(flag.data() + colon + 1, end, options.port);
    if (parsed.ec != std::errc() || parsed.ptr != end || options.port < 0 || options.port > 65535) {
      return nucleus::InvalidArgument("--dashboard wants HOST:PORT (port in [0, 65535]) or off");
    }
    options.host = flag.substr(0, colon);
  }
  options.threads = 4;  // one person's browser: a few requests at once
  auto server = std::make_unique<HttpServer>(ctx, options);
  nucleus::server::RegisterRoutes(server->router(), ctx);
  nucleus::server::RegisterDashboardSite(server->site_router());
  auto port = server->Bind();
  if (port.ok()) {
    std::string url = "http://" + options.host;
    url.append(":").append(std::to_string(*port)).append("/");
    return DashboardSite{std::move(server), std::move(url)};
  }
  if (!flag.empty()) return port.status();
  nucleus::core::LogWarning("no dashboard: " + port.status().message());
  return DashboardSite{};
}

int Serve(const std::string& data, const StoreFlags& store_flags, const std::string& listen,
          nucleus::server::ServerOptions options, int workers, const nucleus::wire::Limits& limits,
          int64_t blob_gc_delay_s, int64_t job_lease_s, const std::string& dashboard_flag) {
  if (blob_gc_delay_s < 1 || blob_gc_delay_s > 100LL * 365 * 86400) {
    return Fail(nucleus::InvalidArgument("--blob-gc-delay-s must be between 1 and 100 years"));
  }
  // SIGINT/SIGTERM are taken by a dedicated thread (sigwait), never by a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Request-sized buffers (a 5,000-object body, its parse, its rows: a few MiB each) stay in the
  // allocator's heaps after a request instead of going back to the kernel: freed above glibc's
  // default thresholds, they were unmapped, and the next request paid for fresh zeroed pages
  // (about a tenth of the server's CPU in ingest; docs/benchmarks.md). Bounded: blocks over
  // 32 MiB are still mapped on their own, and a heap is trimmed once 64 MiB lie free at its top.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);

  auto dir = OpenDataDir(data, store_flags);
  if (!dir.ok()) return Fail(dir.status());
  // Rows stored before migration v10 get their packed geometry before any commit can run.
  auto backfill = nucleus::server::BackfillPackedGeometry(*dir->store);
  if (!backfill.ok()) return Fail(backfill.status());
  if (backfill->annotations + backfill->predictions > 0) {
    nucleus::core::LogInfo("packed geometry backfilled: " + std::to_string(backfill->annotations) +
                           " annotations, " + std::to_string(backfill->predictions) +
                           " predictions (" + std::to_string(backfill->unparsed) +
                           " payloads without geometry)");
  }
  nucleus::api::Context ctx{*dir->store, *dir->blobs, nucleus::core::SystemClock::Get(), nullptr,
                            dir->signing_key, limits, &nucleus::wire::JobCodec()};
  nucleus::api::JobService jobs(ctx, job_lease_s * 1000);
  ctx.jobs = &jobs;
  nucleus::api::RegisterJobHandlers(jobs);
  nucleus::server::RegisterServerJobHandlers(jobs);

  if (!data.empty() && !store_flags.uri.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data, ec);  // only the spool of large bodies, below
    if (ec) return Fail(nucleus::Internal("cannot create " + data + ": " + ec.message()));
  }
  // Large multipart bodies: unlinked files beside the SQLite store, or in the temporary
  // directory when nothing else is kept locally.
  options.spool_dir = !data.empty()             ? data
                      : store_flags.uri.empty() ? std::string(kDefaultDataDir)
                                                : std::filesystem::temp_directory_path().string();
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Fail(nucleus::InvalidArgument("--listen wants HOST:PORT"));
  options.host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  auto [port_end, port_ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), options.port);
  if (port_ec != std::errc() || port_end != port_text.data() + port_text.size() ||
      options.port < 0 || options.port > 65535) {
    return Fail(nucleus::InvalidArgument("--listen wants HOST:PORT with a port in [0, 65535]"));
  }
  while (!options.public_url.empty() && options.public_url.back() == '/') {
    options.public_url.pop_back();
  }
  if (!options.public_url.empty() && options.public_url.rfind("http://", 0) != 0 &&
      options.public_url.rfind("https://", 0) != 0) {
    return Fail(nucleus::InvalidArgument("--public-url wants an http:// or https:// URL"));
  }
  nucleus::server::HttpServer server(ctx, options);
  nucleus::server::RegisterRoutes(server.router(), ctx);
  auto port = server.Bind();
  if (!port.ok()) return Fail(port.status());
  auto dashboard = BindDashboard(ctx, dashboard_flag, options, *port);
  if (!dashboard.ok()) return Fail(dashboard.status());
  if (Status s = jobs.Start(workers); !s.ok()) return Fail(s);
  const int64_t gc_delay_ms = blob_gc_delay_s * 1000;
  nucleus::api::GarbageCollector gc(ctx, gc_delay_ms,
                                    nucleus::api::GarbageCollector::IntervalFor(gc_delay_ms));
  gc.Start();

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    nucleus::core::LogInfo("received signal " + std::to_string(sig) + ", shutting down");
    server.Stop();
  });
  const std::string where = !store_flags.uri.empty() ? std::string("the --store database")
                            : data.empty()            ? std::string(kDefaultDataDir)
                                                      : data;
  std::printf("nucleus: serving http://%s:%d/v1/nucleus (data in %s)\n", options.host.c_str(),
              *port, where.c_str());
  std::thread dashboard_thread;
  if (dashboard->server != nullptr) {
    nucleus::server::HttpServer* site = dashboard->server.get();
    std::printf("nucleus: dashboard at %s\n", dashboard->url.c_str());
    dashboard_thread = std::thread([site] {
      Status s = site->Serve();
      if (!s.ok()) nucleus::core::LogWarning("dashboard stopped: " + s.message());
    });
  }
  std::fflush(stdout);
  Status served = server.Serve();
  if (dashboard_thread.joinable()) {
    dashboard->server->Stop();
    dashboard_thread.join();
  }
  // Wake the signal thread if we stopped for another reason.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  gc.Stop();
  jobs.Stop();
  if (!served.ok()) return Fail(served);
  nucleus::core::LogInfo("stopped");
  return 0;
}

// The caps of wire::Limits a team may need to raise (README.md, "Limits").
void AddLimitFlags(CLI::App* serve, nucleus::wire::Limits* l) {
  const auto positive = CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max());
  serve->add_option("--max-batch-objects", l->max_batch_objects, "Objects per sync request")
      ->check(positive);
  serve->add_option("--max-annotations-per-item", l->max_annotations_per_item,
                    "Annotations one request or async upload may put on one item")
      ->check(positive);
  serve->add_option("--max-predictions-per-item", l->max_predictions_per_item,
                    "Predictions one request or async upload may put on one item")
      ->check(positive);
  serve->add_option("--max-vertices", l->max_vertices,
                    "Vertices of a polygon/line, keypoints, mask segments")
      ->check(positive);
  serve->add_option("--max-mask-bytes", l->max_mask_bytes, "Bytes of one local mask file")
      ->check(positive);
  serve->add_option("--max-mask-pixels", l->max_mask_pixels,
                    "Pixels (width x height) of a mask the seg_* metrics decode")
      ->check(positive);
  serve->add_option("--max-metadata-bytes", l->max_metadata_bytes,
                    "Bytes of one object's metadata (compact JSON)")
      ->check(positive);
  serve->add_option("--max-json-depth", l->max_json_depth, "Nesting depth of one metadata object")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  serve->add_option("--max-id-bytes", l->max_id_bytes, "Bytes of a reference id, id or label")
      ->check(positive);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nucleus: self-hosted model evaluation service (Nucleus-compatible API)"};
  app.require_subcommand(1);

  std::string data;  // "" = ./nucleus-data with SQLite; unused with --store
  std::string listen = "127.0.0.1:8080";
  int workers = 2;
  bool quiet = false;
  nucleus::server::ServerOptions http;
  uint64_t max_body_mb = http.max_body_bytes >> 20;
  uint64_t max_multipart_mb = http.max_multipart_bytes >> 20;
  uint64_t max_upload_mb = http.max_upload_bytes >> 20;
  int idle_timeout_s = http.idle_timeout_ms / 1000;
  int head_timeout_s = http.head_timeout_ms / 1000;
  uint64_t min_body_rate_kib = http.min_body_rate_bytes_per_s >> 10;
  int64_t blob_gc_delay_s = nucleus::api::kDefaultBlobGcDelayMs / 1000;
  CLI::App* serve = app.add_subcommand("serve", "Serve the API under /v1/nucleus");
  StoreFlags store_flags;
  serve->add_option("--data", data,
                    "Data directory: SQLite store, blobs and signing key (default ./nucleus-data; "
                    "not used with --store, where all of them live in the database)");
  serve->add_option("--store", store_flags.uri,
                    "Keep rows in PostgreSQL instead of the data directory's SQLite file: a libpq "
                    "URI, postgresql://USER@HOST:PORT/DBNAME (a socket directory: ?host=/dir)");
  serve->add_option("--store-pool", store_flags.pool_size,
                    "Connections to the --store database at most (default 9)")
      ->check(CLI::Range(1, nucleus::store::postgres::PostgresOptions::kMaxPoolSize));
  serve->add_option("--listen", listen, "HOST:PORT to listen on");
  std::string dashboard;
  serve->add_option("--dashboard", dashboard,
                    "HOST:PORT of the web dashboard (which also serves the API under "
                    "/v1/nucleus), or off; default: the --listen host, its port + 1");
  serve->add_option("--public-url", http.public_url,
                    "URL clients reach this service at behind a proxy or load balancer, e.g. "
                    "https://nucleus.example.com: the base of the URLs it hands out (signed "
                    "uploads, uploaded images and masks); default: each request's Host");
  serve->add_option("--max-body-mb", max_body_mb,
                    "Largest JSON request body, in MiB, after decoding (default 64)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  serve->add_option("--max-multipart-mb", max_multipart_mb,
                    "Largest multipart/form-data body (local images, masks; over 1 MiB it is spooled "
                    "to disk), in MiB (default 4096)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  serve->add_option("--max-upload-mb", max_upload_mb,
                    "Largest signed-URL PUT (async uploads, streamed to disk), in MiB "
                    "(default 16384)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  serve->add_option("--max-connections", http.max_connections,
                    "Open connections at most (default 10000; idle ones are closed to make room)")
      ->check(CLI::Range(16, 1000000));
  serve->add_option("--http-threads", http.threads,
                    "Requests handled at once (default 0: 4 per core, at least 8)")
      ->check(CLI::Range(0, 4096));
  serve->add_option("--head-timeout-s", head_timeout_s,
                    "Seconds a request head may take to arrive (default 10)")
      ->check(CLI::Range(1, 3600));
  serve->add_option("--idle-timeout-s", idle_timeout_s,
                    "Seconds an idle keep-alive connection is kept (default 60)")
      ->check(CLI::Range(1, 86400));
  serve->add_option("--min-body-rate-kib", min_body_rate_kib,
                    "A body must arrive at this many KiB/s after a 20 s grace (default 16)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  serve->add_option("--job-workers", workers, "Threads running async jobs");
  int64_t job_lease_s = nucleus::api::kDefaultJobLeaseMs / 1000;
  serve
      ->add_option("--job-lease-seconds", job_lease_s,
                   "How long a claimed job stays this server's without renewal (renewed every "
                   "third of it); another server sharing the store takes it over after that "
                   "(default 30)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  serve->add_flag("--quiet", quiet, "Do not log every request");
  nucleus::wire::Limits limits;
  AddLimitFlags(serve, &limits);
  serve->add_option("--blob-gc-delay-s", blob_gc_delay_s,
                    "Delete upload sessions and unreferenced uploaded files this many seconds "
                    "after they were issued or last written (default 86400: 24 h)");
  serve->callback([&] {
    http.max_body_bytes = max_body_mb << 20;
    http.max_multipart_bytes = max_multipart_mb << 20;
    http.max_upload_bytes = max_upload_mb << 20;
    http.head_timeout_ms = head_timeout_s * 1000;
    http.idle_timeout_ms = idle_timeout_s * 1000;
    http.min_body_rate_bytes_per_s = min_body_rate_kib << 10;
    http.log_requests = !quiet;
    std::exit(Serve(data, store_flags, listen, http, workers, limits, blob_gc_delay_s, job_lease_s,
                    dashboard));
  });

  CLI::App* keys = app.add_subcommand("keys", "Manage API keys of a data directory");
  keys->require_subcommand(1);
  std::string key_name = "default";
  std::string revoke_id;
  CLI::App* create = keys->add_subcommand("create", "Create a key; prints it as the last line");
  create->add_option("--data", data, "Data directory");
  create->add_option("--store", store_flags.uri, "PostgreSQL URI of the store (as serve's)");
  create->add_option("--name", key_name, "A name to recognise the key by");
  create->callback([&] {
    auto dir = OpenDataDir(data, store_flags);
    if (!dir.ok()) std::exit(Fail(dir.status()));
    auto created = nucleus::api::CreateKey(
        *dir->store, key_name,
        nucleus::core::ToUnixMillis(nucleus::core::SystemClock::Get().Now()));
    if (!created.ok()) std::exit(Fail(created.status()));
    std::printf("created key %s (%s) for owner %s\n%s\n", created->key.id.c_str(),
                created->key.name.c_str(), created->key.owner.c_str(), created->secret.c_str());
  });
  CLI::App* list = keys->add_subcommand("list", "List keys (never the secrets)");
  list->add_option("--data", data, "Data directory");
  list->add_option("--store", store_flags.uri, "PostgreSQL URI of the store (as serve's)");
  list->callback([&] {
    auto dir = OpenDataDir(data, store_flags);
    if (!dir.ok()) std::exit(Fail(dir.status()));
    auto all = nucleus::api::ListKeys(*dir->store);
    if (!all.ok()) std::exit(Fail(all.status()));
    std::printf("%-26s %-14s %-26s %-24s %s\n", "ID", "PREFIX", "OWNER", "CREATED", "NAME");
    for (const auto& k : *all) {
      std::printf("%-26s %-14s %-26s %-24s %s%s\n", k.id.c_str(), (k.key_prefix + "…").c_str(),
                  k.owner.c_str(),
                  nucleus::core::FormatIso8601(nucleus::core::FromUnixMillis(k.created_at_ms))
                      .c_str(),
                  k.name.c_str(), k.revoked ? " (revoked)" : "");
    }
  });
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key by id, prefix or the whole key");
  revoke->add_option("--data", data, "Data directory");
  revoke->add_option("--store", store_flags.uri, "PostgreSQL URI of the store (as serve's)");
  revoke
      ->add_option("key", revoke_id,
                   "Key id (key_...), the key's first characters or the whole key")
      ->required();
  revoke->callback([&] {
    auto dir = OpenDataDir(data, store_flags);
    if (!dir.ok()) std::exit(Fail(dir.status()));
    auto revoked = nucleus::api::RevokeKey(*dir->store, revoke_id);
    if (!revoked.ok()) std::exit(Fail(revoked.status()));
    std::printf("revoked %s\n", revoked->c_str());
  });

  std::string migrate_from, migrate_to;
  int migrate_pool = 4;
  CLI::App* migrate = app.add_subcommand(
      "migrate-store",
      "Copy a SQLite data directory (rows, keys, jobs, blobs, signing key) into an empty "
      "PostgreSQL database; stop the servers on the directory first");
  migrate->add_option("--from", migrate_from, "The SQLite data directory (serve's --data)")
      ->required();
  migrate->add_option("--to", migrate_to, "PostgreSQL URI of an empty database (serve's --store)")
      ->required();
  migrate->add_option("--store-pool", migrate_pool, "Connections to the target at most")
      ->check(CLI::Range(1, nucleus::store::postgres::PostgresOptions::kMaxPoolSize));
  migrate->callback([&] {
    Status migrated = nucleus::app::MigrateStore(migrate_from, migrate_to, migrate_pool);
    if (!migrated.ok()) std::exit(Fail(migrated));
  });

  nucleus::cli::AddEvalCommand(app);

  nucleus::cli::AddClientCommands(app);

  CLI11_PARSE(app, argc, argv);
  return 0;
}
