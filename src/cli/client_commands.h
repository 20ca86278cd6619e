// `nucleus` sub-commands that talk to a server through the C++ SDK:
//   nucleus datasets list
//   nucleus models list
//   nucleus upload predictions --dataset DS --model PRJ FILE   (NDJSON or COCO results)
//   nucleus runs commit RUN [--allowed-label-match GT:PRED ...]
//   nucleus export predictions --dataset DS --model PRJ [-o FILE]
//   nucleus export run RUN [-o FILE]
//   nucleus slices list [--dataset DS]
//   nucleus slices create --dataset DS NAME [REF...]
//   nucleus slices export SLICE [--model PRJ] [-o FILE]   (NDJSON export rows)
//   nucleus tests list
//   nucleus tests evaluate --model PRJ NAME...   (exit status 2 when a metric fails)
// Every command takes --endpoint and --api-key (default $NUCLEUS_ENDPOINT / $NUCLEUS_API_KEY).
// Long work shows a progress bar on stderr when it is a terminal. A failure prints one line
// "error: <message>" to stderr and exits with status 1.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "nucleus/result.h"
#include "nucleus/types.h"

namespace nucleus::cli {

void AddClientCommands(CLI::App& app);

// How a COCO results file maps onto predictions: `gt_path` (optional) is the COCO ground-truth
// file whose images[].file_name become reference ids and categories[].name labels; without it
// the image id and category id are used as text.
struct CocoMapping {
  std::string gt_path;
};

// Reads FILE as NDJSON of prediction objects (predictions.md §1) or, when its first character
// is '[', as a COCO results array ({"image_id","category_id","bbox","score"}; annotation ids
// "det-<index>"). Errors name the file and the line / element.
Result<std::vector<Prediction>> ReadPredictionsFile(const std::string& path,
                                                    const CocoMapping& coco);

}  // namespace nucleus::cli
