// Writes a COCO-sized synthetic detection benchmark: GT.json and DT.json in OUT_DIR.
//
//   gen_coco OUT_DIR [--images 5000] [--seed 1] [--segm]
//
// Defaults give about 36,000 ground-truth boxes over 80 COCO categories (about 0.8% crowd
// regions, polygon segmentations, `area` = polygon area) and about 475,000 detections (about 95
// per image, at most 100): jittered, missed, duplicated and mislabelled copies of the ground
// truth plus false positives, scores with 3 decimals (so ties are frequent), a few category ids
// that are not in the ground truth. Image ids are non-contiguous and listed unsorted.
// Deterministic: the same seed gives byte-identical files (std::mt19937_64, own distributions).
//
// --segm writes a segm result file instead (same random draws, so the same objects): each
// detection is the compressed RLE string of a 10-vertex ellipse inscribed in its box, with no
// `bbox` field (loadRes derives area and box from the mask), as a COCO instance-segmentation
// result file looks. The ground truth is the same file (octagon polygons, crowds included).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "geometry/rle.h"

namespace {

constexpr int kCocoCategories[80] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
    46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
    67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90};
constexpr int kUnknownCategories[3] = {12, 26, 91};

// Uniform doubles and ints from the raw engine, so output does not depend on the standard
// library's distribution implementations.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double Uniform() { return (engine_() >> 11) * (1.0 / 9007199254740992.0); }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Int(int lo, int hi) { return lo + static_cast<int>(Uniform() * (hi - lo + 1)); }
  double Normal() {
    const double u1 = std::max(Uniform(), 1e-300), u2 = Uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }

 private:
  std::mt19937_64 engine_;
};

struct Image {
  int64_t id;
  int width, height;
};

struct Gt {
  int64_t image_id;
  int category;
  double x, y, w, h;
  bool crowd;
};

double Round(double v, double unit) { return std::round(v / unit) * unit; }

void Append(std::string& out, const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  out += buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_coco OUT_DIR [--images N] [--seed S] [--segm]\n");
    return 2;
  }
  const std::string out_dir = argv[1];
  int num_images = 5000;
  uint64_t seed = 1;
  bool segm = false;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--segm") {
      segm = true;
    } else if (flag == "--images" && i + 1 < argc) {
      num_images = std::atoi(argv[++i]);
    } else if (flag == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "gen_coco: unknown or incomplete flag %s\n", flag.c_str());
      return 2;
    }
  }
  Rng rng(seed);

  // Images: distinct ids from 1..600000 in random order; COCO-like sizes.
  std::vector<Image> images;
  std::vector<int64_t> ids;
  {
    while (static_cast<int>(ids.size()) < num_images) {
      const int64_t id = rng.Int(1, 600000);
      ids.push_back(id);
      if (ids.size() == static_cast<size_t>(num_images)) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      }
    }
    for (size_t i = ids.size(); i-- > 1;) std::swap(ids[i], ids[rng.Int(0, static_cast<int>(i))]);
    const int sizes[5][2] = {{640, 480}, {640, 427}, {480, 640}, {427, 640}, {640, 360}};
    for (int64_t id : ids) {
      const int s = rng.Int(0, 4);
      images.push_back({id, sizes[s][0], sizes[s][1]});
    }
  }

  std::string gt_json = "{\"info\":{\"description\":\"synthetic COCO-like benchmark (gen_coco)\"},";
  gt_json += "\"licenses\":[],\"images\":[";
  for (size_t i = 0; i < images.size(); ++i) {
    if (i) gt_json += ',';
    gt_json += "{\"id\":" + std::to_string(images[i].id) +
               ",\"width\":" + std::to_string(images[i].width) +
               ",\"height\":" + std::to_string(images[i].height) + ",\"file_name\":\"" +
               std::to_string(images[i].id) + ".jpg\"}";
  }
  gt_json += "],\"categories\":[";
  for (int k = 0; k < 80; ++k) {
    if (k) gt_json += ',';
    gt_json += "{\"id\":" + std::to_string(kCocoCategories[k]) + ",\"name\":\"class_" +
               std::to_string(kCocoCategories[k]) + "\",\"supercategory\":\"thing\"}";
  }
  gt_json += "],\"annotations\":[";

  std::string dt_json = "[";
  bool first_dt = true;
  int64_t ann_id = 1;
  size_t n_gt = 0, n_dt = 0, n_crowd = 0;
  auto emit_dt = [&](const Image& img, int category, double x, double y, double w, double h,
                     double score) {
    const int64_t image_id = img.id;
    if (!first_dt) dt_json += ',';
    first_dt = false;
    dt_json += "{\"image_id\":" + std::to_string(image_id) +
               ",\"category_id\":" + std::to_string(category);
    if (segm) {
      double xy[20];
      for (int v = 0; v < 10; ++v) {
        const double a = 2 * M_PI * v / 10;
        xy[2 * v] = Round(x + w / 2 * (1 + std::cos(a)), 0.01);
        xy[2 * v + 1] = Round(y + h / 2 * (1 + std::sin(a)), 0.01);
      }
      const auto height = static_cast<uint32_t>(img.height);
      const auto width = static_cast<uint32_t>(img.width);
      const nucleus::geometry::RleMask mask = nucleus::geometry::RleFromPolygon(xy, height, width);
      dt_json += ",\"segmentation\":{\"size\":[" + std::to_string(height) + ',' +
                 std::to_string(width) + "],\"counts\":\"";
      // The alphabet is '0'..'o': only the backslash needs escaping in JSON.
      for (const char ch : nucleus::geometry::RleToString(mask)) {
        if (ch == '\\') dt_json += '\\';
        dt_json += ch;
      }
      dt_json += "\"},\"score\":";
      Append(dt_json, "%.3f", score);
      dt_json += '}';
      ++n_dt;
      return;
    }
    dt_json += ",\"bbox\":[";
    Append(dt_json, "%.2f", x);
    dt_json += ',';
    Append(dt_json, "%.2f", y);
    dt_json += ',';
    Append(dt_json, "%.2f", w);
    dt_json += ',';
    Append(dt_json, "%.2f", h);
    dt_json += "],\"score\":";
    Append(dt_json, "%.3f", score);
    dt_json += '}';
    ++n_dt;
  };

  bool first_gt = true;
  for (size_t i = 0; i < images.size(); ++i) {
    const Image& img = images[i];
    // About 7.2 objects per image; 1 in 70 images has none.
    const int n_objects = rng.Uniform() < 1.0 / 70
                              ? 0
                              : std::max(1, static_cast<int>(std::round(rng.Uniform(1, 13.6))));
    std::vector<Gt> gts;
    for (int j = 0; j < n_objects; ++j) {
      Gt g;
      g.image_id = img.id;
      g.category =
          kCocoCategories[std::min(79, static_cast<int>(80 * std::pow(rng.Uniform(), 1.6)))];
      const double scale =
          std::exp(rng.Uniform(std::log(4.0), std::log(0.9 * std::min(img.width, img.height))));
      g.w = Round(std::min<double>(img.width - 1, scale * rng.Uniform(0.5, 1.6)), 0.01);
      g.h = Round(std::min<double>(img.height - 1, scale * rng.Uniform(0.5, 1.6)), 0.01);
      g.x = Round(rng.Uniform(0, img.width - g.w), 0.01);
      g.y = Round(rng.Uniform(0, img.height - g.h), 0.01);
      g.crowd = rng.Uniform() < 0.008;
      gts.push_back(g);
      // An octagon inscribed in the box, corners cut by a random fraction.
      const double c = rng.Uniform(0.1, 0.3);
      const double xs[8] = {g.x + c * g.w,       g.x + (1 - c) * g.w, g.x + g.w, g.x + g.w,
                            g.x + (1 - c) * g.w, g.x + c * g.w,       g.x,       g.x};
      const double ys[8] = {g.y,       g.y,       g.y + c * g.h,       g.y + (1 - c) * g.h,
                            g.y + g.h, g.y + g.h, g.y + (1 - c) * g.h, g.y + c * g.h};
      double area2 = 0;
      for (int v = 0; v < 8; ++v) {
        area2 += Round(xs[v], 0.01) * Round(ys[(v + 1) % 8], 0.01) -
                 Round(xs[(v + 1) % 8], 0.01) * Round(ys[v], 0.01);
      }
      if (!first_gt) gt_json += ',';
      first_gt = false;
      gt_json += "{\"id\":" + std::to_string(ann_id++) +
                 ",\"image_id\":" + std::to_string(g.image_id) +
                 ",\"category_id\":" + std::to_string(g.category) + ",\"segmentation\":[[";
      for (int v = 0; v < 8; ++v) {
        if (v) gt_json += ',';
        Append(gt_json, "%.2f", xs[v]);
        gt_json += ',';
        Append(gt_json, "%.2f", ys[v]);
      }
      gt_json += "]],\"area\":";
      Append(gt_json, "%.4f", std::abs(area2) / 2);
      gt_json += ",\"bbox\":[";
      Append(gt_json, "%.2f", g.x);
      gt_json += ',';
      Append(gt_json, "%.2f", g.y);
      gt_json += ',';
      Append(gt_json, "%.2f", g.w);
      gt_json += ',';
      Append(gt_json, "%.2f", g.h);
      gt_json += "],\"iscrowd\":";
      gt_json += g.crowd ? "1" : "0";
      gt_json += '}';
      ++n_gt;
      n_crowd += g.crowd;
    }
    // Detections: copies of the ground truth, then false positives up to about 95 per image (at
    // most 100).
    const int budget = std::min(100, rng.Int(88, 102));
    int made = 0;
    for (const Gt& g : gts) {
      const int copies = rng.Uniform() < 0.15 ? 0 : (rng.Uniform() < 0.2 ? 2 : 1);
      for (int c = 0; c < copies && made < budget; ++c) {
        const double jitter = rng.Uniform(0.02, 0.25);
        double w = std::max(1.0, g.w * (1 + jitter * rng.Normal()));
        double h = std::max(1.0, g.h * (1 + jitter * rng.Normal()));
        double x = std::max(0.0, g.x + g.w * jitter * rng.Normal() * 0.5);
        double y = std::max(0.0, g.y + g.h * jitter * rng.Normal() * 0.5);
        int category = g.category;
        if (rng.Uniform() < 0.05) category = kCocoCategories[rng.Int(0, 79)];
        if (rng.Uniform() < 0.002) category = kUnknownCategories[rng.Int(0, 2)];
        const double score =
            Round(std::clamp(0.95 - jitter * 2 + 0.15 * rng.Normal(), 0.001, 1.0), 0.001);
        emit_dt(img, category, x, y, w, h, score);
        ++made;
      }
    }
    while (made < budget) {
      const double scale =
          std::exp(rng.Uniform(std::log(4.0), std::log(0.8 * std::min(img.width, img.height))));
      const double w = scale * rng.Uniform(0.5, 1.6), h = scale * rng.Uniform(0.5, 1.6);
      const double x = rng.Uniform(0, std::max(1.0, img.width - w));
      const double y = rng.Uniform(0, std::max(1.0, img.height - h));
      const int category =
          kCocoCategories[std::min(79, static_cast<int>(80 * std::pow(rng.Uniform(), 1.6)))];
      const double score = Round(std::clamp(0.25 * std::abs(rng.Normal()), 0.001, 1.0), 0.001);
      emit_dt(img, category, x, y, w, h, score);
      ++made;
    }
  }
  gt_json += "]}";
  dt_json += "]";

  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = out_dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
    std::fclose(f);
  };
  write("gt.json", gt_json);
  write("dt.json", dt_json);
  std::printf("%zu images, %zu ground truth (%zu crowd), %zu detections\n", images.size(), n_gt,
              n_crowd, n_dt);
  return 0;
}
