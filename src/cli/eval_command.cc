#include "cli/eval_command.h"

#include <charconv>
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

// Reads a whole file, leaving eval::kJsonPadding bytes of capacity so the parser needs no copy.
Result<std::string> ReadJsonFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return InvalidArgument(path + ": cannot open file");
  if (std::fseek(file.get(), 0, SEEK_END) != 0) return InvalidArgument(path + ": cannot seek");
  const long size = std::ftell(file.get());
  if (size < 0) return InvalidArgument(path + ": cannot tell the file size");
  std::rewind(file.get());
  std::string text;
  text.reserve(static_cast<size_t>(size) + eval::kJsonPadding);
  text.resize(static_cast<size_t>(size));
  if (size > 0 && std::fread(text.data(), 1, text.size(), file.get()) != text.size()) {
    return InvalidArgument(path + ": read error");
  }
  return text;
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
  // Read both files before parsing so that parsing can overlap on several threads; with two or
  // more threads the two reads (kernel copy + first touch of the buffers) overlap too.
  const int threads = std::max(1, options.threads);
  std::optional<Result<std::string>> read[2];
  eval::ParallelFor(2, threads, [&](size_t i, size_t) {
    read[i].emplace(ReadJsonFile(i == 0 ? options.dt_path : options.gt_path));
  });
  if (!read[1]->ok()) return read[1]->status();
  if (!read[0]->ok()) return read[0]->status();
  std::string gt_text = std::move(**read[1]);
  std::string dt_text = std::move(**read[0]);
  read[0].reset();
  read[1].reset();
  NUCLEUS_ASSIGN_OR_RETURN(eval::CocoFiles files,
                           eval::ParseCocoFiles(gt_text, options.gt_path, dt_text, options.dt_path,
                                                options.iou_type, threads));
  // The texts are no longer needed; free them before evaluating.
  std::string().swap(gt_text);
  std::string().swap(dt_text);
  const eval::CocoParams params = eval::DefaultCocoParams(options.iou_type);
  const eval::CocoEvalResult result = eval::EvaluateCoco(files.gt, files.dt, params, threads);
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
