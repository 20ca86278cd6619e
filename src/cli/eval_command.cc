#include "cli/eval_command.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "eval/coco_eval.h"
#include "eval/coco_json.h"
#include "eval/parallel.h"

namespace nucleus::cli {
namespace {

// A JSON file mapped read-only, with at least one readable page of zeros past its end so the
// parser reads it in place (simdjson reads up to SIMDJSON_PADDING bytes past the end): an
// anonymous region one page longer than the file is reserved, and the file is mapped over its
// start. The bytes after EOF in the file's last page read as zeros; no file page past EOF is
// ever mapped (touching one would raise SIGBUS). Compared with read(): no copy into a fresh,
// zero-filled 40 MB buffer, and the page-cache pages are mapped in one go (MAP_POPULATE).
// The file must not shrink while mapped.
class MappedJsonFile {
 public:
  static Result<MappedJsonFile> Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return InvalidArgument(path + ": cannot open file");
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return InvalidArgument(path + ": not a regular file");
    }
    const size_t size = static_cast<size_t>(st.st_size);
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t file_span = (size + page - 1) / page * page;
    MappedJsonFile mapped;
    mapped.length_ = file_span + page;
    void* base = ::mmap(nullptr, mapped.length_, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
      ::close(fd);
      return InvalidArgument(path + ": cannot map file");
    }
    mapped.base_ = static_cast<char*>(base);
    if (size > 0 && ::mmap(base, file_span, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE,
                           fd, 0) == MAP_FAILED) {
      ::close(fd);
      return InvalidArgument(path + ": cannot map file");
    }
    ::close(fd);
    mapped.size_ = size;
    return mapped;
  }

  MappedJsonFile() = default;
  MappedJsonFile(MappedJsonFile&& other) noexcept { *this = std::move(other); }
  MappedJsonFile& operator=(MappedJsonFile&& other) noexcept {
    std::swap(base_, other.base_);
    std::swap(length_, other.length_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~MappedJsonFile() {
    if (base_ != nullptr) ::munmap(base_, length_);
  }

  eval::JsonText text() const {
    return eval::JsonText(std::string_view(base_ == nullptr ? "" : base_, size_), length_ - size_);
  }

 private:
  char* base_ = nullptr;
  size_t length_ = 0;  // whole reserved region
  size_t size_ = 0;    // file size
};

// A run touches a few hundred MB of fresh memory (parsed arrays, regrouped records, simdjson's
// buffers). This puts every allocation of the process in the main heap and reserves `bytes` of
// it once (address space only), never trimmed: memory freed by one phase (the parsed chunks)
// is reused by the next (the evaluator's records) instead of being unmapped and faulted in
// again. The range is marked MADV_NOHUGEPAGE: a transparent huge page fault is served from a
// large free block, and on a VM with free page reporting those are the blocks the host has
// dropped and must back again; right after another large process freed its memory that cost
// 0.2-0.4 s of system time per bbox run (issue 15, docs/benchmarks.md). 4 KiB faults cost
// about the same in any memory state. Called by the CLI command only, before
// any thread exists; a process-wide setting, so never by the library or the server.
void ReserveHeap(size_t bytes) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  mallopt(M_ARENA_MAX, 1);               // worker threads allocate in the same heap
  mallopt(M_MMAP_MAX, 0);                // big blocks come from the heap too, not from mmap
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);  // never shrink the heap: freed memory is reused
  void* block = std::malloc(bytes);
  if (block == nullptr) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(block) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(block) + bytes) & ~(page - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_NOHUGEPAGE);
  std::free(block);  // back to the heap's top chunk, still mapped
}

size_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
}

void AppendDouble(std::string& out, double v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

const char* IouTypeName(eval::IouType type) {
  switch (type) {
    case eval::IouType::kBbox:
      return "bbox";
    case eval::IouType::kSegm:
      return "segm";
    case eval::IouType::kKeypoints:
      return "keypoints";
  }
  return "bbox";
}

}  // namespace

Result<std::string> RunEval(const EvalOptions& options) {
  // Map both files before parsing so that parsing can overlap on several threads; with two or
  // more threads the two mappings (populating the page tables) overlap too.
  const int threads = std::max(1, options.threads);
  std::optional<Result<MappedJsonFile>> mapped[2];
  eval::ParallelFor(2, threads, [&](size_t i, size_t) {
    mapped[i].emplace(MappedJsonFile::Open(i == 0 ? options.dt_path : options.gt_path));
  });
  if (!mapped[1]->ok()) return mapped[1]->status();
  if (!mapped[0]->ok()) return mapped[0]->status();
  NUCLEUS_ASSIGN_OR_RETURN(
      eval::CocoFiles files,
      eval::ParseCocoFiles((*mapped[1])->text(), options.gt_path, (*mapped[0])->text(),
                           options.dt_path, options.iou_type, threads,
                           /*dt_text_outlives_result=*/true, /*compact_boxes=*/true));
  // The ground truth's text is no longer needed. The results' stays mapped until `files` is
  // gone when segm masks given as RLE strings are views into it (page cache, not a copy).
  mapped[1].reset();
  if (files.dt.mask_strings.empty()) mapped[0].reset();
  const eval::CocoParams params = eval::DefaultCocoParams(options.iou_type);
  const eval::CocoEvalResult result =
      eval::EvaluateCoco(files.gt, std::move(files.dt), params, threads,
                         eval::CocoPrecision::kLastMaxDet);
  const std::vector<eval::CocoSummaryLine> lines = eval::SummarizeCoco(result, params);
  std::string out;
  for (const eval::CocoSummaryLine& line : lines) {
    out += eval::FormatSummaryLine(line, params);
    out += '\n';
  }
  if (options.json) {
    out += "{\"iou_type\":\"";
    out += IouTypeName(options.iou_type);
    out += "\",\"stats\":[";
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) out += ',';
      AppendDouble(out, lines[i].value);
    }
    out += "],\"per_class_ap\":{";
    const std::vector<double> per_class = eval::PerCategoryAp(result);
    for (size_t k = 0; k < per_class.size(); ++k) {
      if (k) out += ',';
      out += '"';
      out += std::to_string(files.gt.category_ids[k]);
      out += "\":";
      AppendDouble(out, per_class[k]);
    }
    out += "}}\n";
  }
  return out;
}

void AddEvalCommand(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto iou_type = std::make_shared<std::string>("bbox");
  CLI::App* cmd = app.add_subcommand(
      "eval", "COCO evaluation of result files, identical to pycocotools' COCOeval");
  cmd->add_option("--gt", options->gt_path, "ground truth, COCO JSON")->required();
  cmd->add_option("--dt", options->dt_path, "results (detections), COCO results JSON")->required();
  cmd->add_option("--iou-type", *iou_type, "bbox, segm or keypoints (default bbox)")
      ->check(CLI::IsMember({"bbox", "segm", "keypoints"}));
  cmd->add_option("--threads", options->threads, "worker threads (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--json", options->json,
                "also print one JSON line with the stats and per-class AP");
  cmd->callback([options, iou_type] {
    options->iou_type = *iou_type == "segm"        ? eval::IouType::kSegm
                        : *iou_type == "keypoints" ? eval::IouType::kKeypoints
                                                   : eval::IouType::kBbox;
    // Address space only: pages are faulted in when written. Memory use is a few times the
    // input's size (segm reserves 4 bytes of decoded counts per byte of the result file);
    // whatever goes past the reserve extends the heap further.
    const size_t input = FileSize(options->gt_path) + FileSize(options->dt_path);
    ReserveHeap(std::min<size_t>(size_t{16} << 30, 6 * input + (size_t{256} << 20)));
    Result<std::string> out = RunEval(*options);
    if (!out.ok()) {
      std::cerr << "nucleus eval: " << out.status().message() << "\n";
      throw CLI::RuntimeError(1);
    }
    std::fwrite(out->data(), 1, out->size(), stdout);
    std::fflush(stdout);
  });
}

}  // namespace nucleus::cli
