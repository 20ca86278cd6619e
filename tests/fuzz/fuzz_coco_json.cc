// libFuzzer target: the COCO file reader of `nucleus eval` (eval/coco_json.h).
// Input: one byte choosing the IoU type (bbox, segm, keypoints), then the ground-truth file and
// the detections file separated by the first NUL byte (no NUL: the detections are "[]").
// Runs ParseCocoGroundTruth, ParseCocoDetections and ParseCocoFiles on one thread.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "eval/coco_json.h"

namespace e = nucleus::eval;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const e::IouType type = static_cast<e::IouType>(data[0] % 3);
  const char* begin = reinterpret_cast<const char*>(data + 1);
  const char* end = reinterpret_cast<const char*>(data + size);
  const char* nul = static_cast<const char*>(std::memchr(begin, 0, end - begin));
  // Owned copies: JsonText reads the string's spare capacity as simdjson padding.
  std::string gt_text(begin, nul ? nul : end);
  std::string dt_text = nul ? std::string(nul + 1, end) : std::string("[]");

  auto gt = e::ParseCocoGroundTruth(gt_text, "gt.json", type, 1);
  if (gt.ok()) (void)e::ParseCocoDetections(dt_text, "dt.json", *gt, type, 1);
  (void)e::ParseCocoFiles(gt_text, "gt.json", dt_text, "dt.json", type, 1, false);
  return 0;
}
