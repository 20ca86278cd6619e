// geometry/rasterize against hand-checked rules and against rasterio itself
// (tests/fixtures/validate/raster_reference.json, made by bench/validate/gen_raster_reference.py).
#include "geometry/rasterize.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace nucleus::geometry {
namespace {

// The image as rows of digits ('.' for 0), to compare small images readably.
std::vector<std::string> Rows(const IndexImage& image) {
  std::vector<std::string> rows;
  for (int32_t y = 0; y < image.height; ++y) {
    std::string row;
    for (int32_t x = 0; x < image.width; ++x) {
      const int32_t v = image.at(x, y);
      row.push_back(v == 0 ? '.' : static_cast<char>('0' + v));
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> Fill(std::vector<Point> ring, int32_t w, int32_t h) {
  IndexImage image(w, h);
  RasterizeFill(ring, 1, image);
  return Rows(image);
}

using Lines = std::vector<std::string>;

TEST(RasterizeTest, BurnsPixelsWhoseCentreIsInsideHalfOpenAtTheBottom) {
  // Edges on the centre lines y = 1.5 and y = 4.5: row 1 is in, row 4 is out.
  EXPECT_EQ(Fill({{1, 1.5}, {5, 1.5}, {5, 4.5}, {1, 4.5}}, 8, 6),
            (Lines{"........", ".1111...", ".1111...", ".1111...", "........", "........"}));
  // Crossings round half up: x = 0.5 starts at column 1, x = 3.5 ends before column 4.
  EXPECT_EQ(Fill({{0.5, 0.5}, {3.5, 0.5}, {3.5, 3.5}, {0.5, 3.5}}, 6, 4),
            (Lines{".111..", ".111..", ".111..", "......"}));
}

TEST(RasterizeTest, SameOutputEitherOrientationAndClosedOrNot) {
  const std::vector<Point> ring = {{1, 1},   {6, 1},   {6, 5}, {4, 5},
                                   {4, 3.5}, {2, 3.5}, {2, 5}, {1, 5}};
  std::vector<Point> reversed(ring.rbegin(), ring.rend());
  std::vector<Point> closed = ring;
  closed.push_back(ring.front());
  const Lines want = {"........", ".11111..", ".11111..", ".1..11..", ".1..11..", "........"};
  EXPECT_EQ(Fill(ring, 8, 6), want);
  EXPECT_EQ(Fill(reversed, 8, 6), want);
  EXPECT_EQ(Fill(closed, 8, 6), want);
}

TEST(RasterizeTest, ZeroAreaRingOnACentreLineBurnsItsHorizontalEdge) {
  // Only GDAL's separate pass over horizontal edges burns anything here.
  const Lines want = {"........", "........", "111111..", "........"};
  EXPECT_EQ(Fill({{0.2, 2.5}, {4, 2.5}, {6, 2.5}}, 8, 4), want);
  EXPECT_EQ(Fill({{6, 2.5}, {4, 2.5}, {0.2, 2.5}}, 8, 4), want);
  // A, B, A: shapely closes a ring of three vertices once more, whatever they are.
  EXPECT_EQ(Fill({{8.5, 2.5}, {7, 2.5}, {8.5, 2.5}}, 10, 4),
            (Lines{"..........", "..........", ".......11.", ".........."}));
  // Off the centre line: nothing.
  EXPECT_EQ(Fill({{0.2, 2.4}, {4, 2.4}, {6, 2.4}}, 8, 4),
            (Lines{"........", "........", "........", "........"}));
}

TEST(RasterizeTest, SelfIntersectingRingsAreEvenOdd) {
  // A bow tie (lobes left and right): each row pairs its crossings in order.
  EXPECT_EQ(Fill({{0, 0}, {6, 4}, {6, 0}, {0, 4}}, 6, 4),
            (Lines{"1....1", "11..11", "11..11", "1....1"}));
  // A pentagram leaves its doubly covered centre out.
  const Lines star = Fill({{5, 0}, {8, 9.5}, {0, 3.6}, {10, 3.6}, {2, 9.5}}, 10, 10);
  EXPECT_EQ(star[4], ".111..111.");
}

TEST(RasterizeTest, ClipsToTheImageAndIgnoresRingsOutsideIt) {
  EXPECT_EQ(Fill({{-0.5, -0.5}, {1.5, -0.5}, {1.5, 1.5}, {-0.5, 1.5}}, 4, 3),
            (Lines{"11..", "....", "...."}));
  EXPECT_EQ(Fill({{-10, -10}, {-1, -10}, {-1, -1}}, 4, 3), (Lines{"....", "....", "...."}));
  EXPECT_EQ(Fill({{-100, -100}, {100, -100}, {100, 100}, {-100, 100}}, 1, 1), (Lines{"1"}));
  EXPECT_EQ(Fill({{0.6, 0.6}, {0.9, 0.6}, {0.9, 0.9}}, 1, 1), (Lines{"."}));
}

TEST(RasterizeTest, CoordinatesBeyondInt32OverflowAsGdalsDo) {
  // Rows: a ring reaching y >= 2^31 burns nothing at all.
  EXPECT_EQ(Fill({{-1, -1e10}, {3, -1e10}, {3, 1e10}, {-1, 1e10}}, 4, 2), (Lines{"....", "...."}));
  // Columns: x >= 2^31 rounds to INT_MIN, which sorts first: the span ends at column 0.
  EXPECT_EQ(Fill({{1, 1.2}, {3e9, 1.2}, {3e9, 2.7}, {1, 2.7}}, 4, 4),
            (Lines{"....", "1...", "1...", "...."}));
  EXPECT_EQ(Fill({{-3e9, 1.2}, {2, 1.2}, {2, 2.7}, {-3e9, 2.7}}, 4, 4),
            (Lines{"....", "11..", "11..", "...."}));
  // Within int32 a huge ring covers everything.
  EXPECT_EQ(Fill({{-1e9, -1e9}, {1e9, -1e9}, {1e9, 1e9}, {-1e9, 1e9}}, 2, 2), (Lines{"11", "11"}));
}

TEST(RasterizeTest, DegenerateInputBurnsNothing) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Fill({}, 2, 2), (Lines{"..", ".."}));
  EXPECT_EQ(Fill({{0, 0}, {2, 2}}, 2, 2), (Lines{"..", ".."}));
  EXPECT_EQ(Fill({{0, 0}, {2, 0}, {2, nan}}, 2, 2), (Lines{"..", ".."}));
  IndexImage empty(0, 5);
  RasterizeFill(std::vector<Point>{{0, 0}, {2, 0}, {2, 2}}, 1, empty);
  EXPECT_TRUE(empty.pixels.empty());
}

TEST(RasterizeTest, LaterRingsPaintOverEarlierOnesAndScratchIsReused) {
  IndexImage image(6, 3);
  Rasterizer rasterizer;
  rasterizer.FillBox(0, 0, 4, 3, 1, image);
  rasterizer.Fill(std::vector<Point>{{2, 0}, {6, 0}, {6, 3}, {2, 3}, {2.5, 1.5}}, 2, image);
  rasterizer.FillBox(5, 1, 6, 2, 3, image);
  EXPECT_EQ(Rows(image), (Lines{"112222", "111223", "112222"}));
}

// Decodes the fixture's [value, count, ...] runs into a row-major image.
std::vector<int32_t> Unrun(simdjson::dom::array runs) {
  std::vector<int32_t> pixels;
  for (size_t i = 0; i + 1 < runs.size(); i += 2) {
    const int64_t value = runs.at(i).get_int64().value();
    const int64_t count = runs.at(i + 1).get_int64().value();
    pixels.insert(pixels.end(), static_cast<size_t>(count), static_cast<int32_t>(value));
  }
  return pixels;
}

TEST(RasterizeTest, MatchesRasterioOnTheReferenceFixture) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(NUCLEUS_RASTER_FIXTURE).get(doc), simdjson::SUCCESS);
  Rasterizer rasterizer;  // one for all cases: reuse must not leak state between rings
  int cases = 0;
  int64_t burned = 0;
  for (simdjson::dom::object c : doc["cases"].get_array()) {
    const std::string name(c["name"].get_string().value());
    IndexImage image(static_cast<int32_t>(c["width"].get_int64().value()),
                     static_cast<int32_t>(c["height"].get_int64().value()));
    int32_t index = 0;
    for (simdjson::dom::object shape : c["shapes"].get_array()) {
      ++index;  // the client's segment index: position + 1
      simdjson::dom::array box;
      if (shape["box"].get_array().get(box) == simdjson::SUCCESS) {
        rasterizer.FillBox(box.at(0).get_double(), box.at(1).get_double(), box.at(2).get_double(),
                           box.at(3).get_double(), index, image);
        continue;
      }
      std::vector<Point> ring;
      for (simdjson::dom::array p : shape["polygon"].get_array()) {
        ring.push_back({p.at(0).get_double(), p.at(1).get_double()});
      }
      rasterizer.Fill(ring, index, image);
    }
    const std::vector<int32_t> want = Unrun(c["image"].get_array());
    ASSERT_EQ(want.size(), image.pixels.size()) << name;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(image.pixels[i], want[i])
          << name << " pixel (" << i % image.width << ", " << i / image.width << ")";
      burned += want[i] != 0;
    }
    ++cases;
  }
  EXPECT_GE(cases, 300);
  EXPECT_GT(burned, 10000);  // the fixture is not a field of zeros
}

}  // namespace
}  // namespace nucleus::geometry
