// `nucleus eval`: COCO evaluation of a ground-truth file and a result file, printing the
// pycocotools summary.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "eval/coco_dataset.h"
#include "nucleus/result.h"

namespace nucleus::cli {

// Registers the `eval` sub-command on `app`:
//   nucleus eval --gt GT.json --dt DT.json [--iou-type bbox|segm|keypoints] [--threads N] [--json]
// It prints COCOeval.summarize's lines exactly as pycocotools does (12 for bbox/segm, 10 for
// keypoints); with --json the last stdout line is one JSON object:
//   {"iou_type":"bbox","stats":[...],"per_class_ap":{"<category id>":ap,...}}
// (doubles in shortest round-trip form, -1 where undefined). A file that cannot be read or
// parsed prints an error naming the file and the place to stderr and exits with status 1
// (by throwing CLI::RuntimeError(1) from the callback).
void AddEvalCommand(CLI::App& app);

struct EvalOptions {
  std::string gt_path;
  std::string dt_path;
  eval::IouType iou_type = eval::IouType::kBbox;
  int threads = 1;
  bool json = false;
};

// The command's work without CLI11: returns the text to print on stdout, or the error.
Result<std::string> RunEval(const EvalOptions& options);

}  // namespace nucleus::cli
