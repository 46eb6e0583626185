//===- PlotTest.cpp - PNG encoding, canvas drawing and figures ------------===//
//
// The PNG writer against an independent reading of the bytes (chunks and
// CRCs by hand, IDAT inflated with zlib), the canvas's mapping from data
// to pixels, scatter, heat-map and text pixels, tick values and labels,
// and the figure helpers' files and errors.
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/Plot.h"
#include "ade/runtime/Error.h"
#include "ade/runtime/Png.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <unistd.h>

namespace {
using namespace ade;

//===----------------------------------------------------------------------===//
// An independent PNG reader for what encodePng writes
//===----------------------------------------------------------------------===//

uint32_t readBigEndian(const std::string &bytes, size_t at) {
  return uint32_t(uint8_t(bytes[at])) << 24 |
         uint32_t(uint8_t(bytes[at + 1])) << 16 |
         uint32_t(uint8_t(bytes[at + 2])) << 8 |
         uint32_t(uint8_t(bytes[at + 3]));
}

struct Chunk {
  std::string type, data;
};

/// The chunks after the signature, each checked against its CRC.
std::vector<Chunk> readChunks(const std::string &png) {
  std::vector<Chunk> chunks;
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  size_t at = 8;
  while (at + 12 <= png.size()) {
    uint32_t length = readBigEndian(png, at);
    EXPECT_LE(at + 12 + length, png.size());
    if (at + 12 + length > png.size())
      break;
    Chunk chunk{png.substr(at + 4, 4), png.substr(at + 8, length)};
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef *>(png.data() + at + 4),
                uInt(4 + length));
    EXPECT_EQ(readBigEndian(png, at + 8 + length), uint32_t(crc))
        << "CRC of chunk " << chunk.type;
    chunks.push_back(chunk);
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size()) << "bytes after the last chunk";
  return chunks;
}

/// The image a PNG holds, decoded as encodePng encodes: 8-bit RGB, one IDAT
/// of filter-0 scanlines. Fails the test on anything else.
std::optional<Image> decodePng(const std::string &png) {
  std::vector<Chunk> chunks = readChunks(png);
  if (chunks.size() != 3) {
    ADD_FAILURE() << "expected IHDR, IDAT, IEND; got " << chunks.size()
                  << " chunks";
    return std::nullopt;
  }
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_EQ(chunks[2].data, "");
  const std::string &header = chunks[0].data;
  if (header.size() != 13) {
    ADD_FAILURE() << "IHDR of " << header.size() << " bytes";
    return std::nullopt;
  }
  int width = int(readBigEndian(header, 0));
  int height = int(readBigEndian(header, 4));
  EXPECT_EQ(header[8], 8) << "bit depth";
  EXPECT_EQ(header[9], 2) << "colour type (RGB)";
  EXPECT_EQ(header[10], 0) << "compression method";
  EXPECT_EQ(header[11], 0) << "filter method";
  EXPECT_EQ(header[12], 0) << "interlace method";

  size_t rowBytes = 1 + 3 * size_t(width);
  size_t expected = rowBytes * size_t(height);
  // One spare byte tells "exactly the expected size" from "at least".
  std::vector<Bytef> raw(expected + 1);
  uLongf rawSize = uLongf(raw.size());
  const std::string &idat = chunks[1].data;
  if (uncompress(raw.data(), &rawSize,
                 reinterpret_cast<const Bytef *>(idat.data()),
                 uLong(idat.size())) != Z_OK) {
    ADD_FAILURE() << "IDAT does not inflate";
    return std::nullopt;
  }
  if (rawSize != expected) {
    ADD_FAILURE() << "IDAT inflates to " << rawSize << " bytes, not "
                  << expected;
    return std::nullopt;
  }
  Image image(width, height);
  for (int y = 0; y < height; ++y) {
    EXPECT_EQ(raw[y * rowBytes], 0) << "filter type of row " << y;
    std::copy(raw.begin() + y * rowBytes + 1, raw.begin() + (y + 1) * rowBytes,
              image.pixels.begin() + y * (rowBytes - 1));
  }
  return image;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

/// A fresh directory, removed with its files at the end of the test.
class TempDir {
public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("ade-plot-test-" + std::to_string(getpid()) + "-" +
             std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string &name) const { return path_ / name; }

private:
  static int &counter() {
    static int value = 0;
    return value;
  }
  std::filesystem::path path_;
};

/// Relative luminance weights (Rec. 709) on the 8-bit values.
double luminance(Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

size_t inkedPixels(const Image &image, PixelRect rect) {
  size_t count = 0;
  for (int y = rect.y; y < rect.y + rect.height; ++y)
    for (int x = rect.x; x < rect.x + rect.width; ++x)
      count += image.at(x, y) != palette::background;
  return count;
}

size_t inkedPixels(const Image &image) {
  return inkedPixels(image, {0, 0, image.width, image.height});
}

//===----------------------------------------------------------------------===//
// PNG
//===----------------------------------------------------------------------===//

TEST(Png, EncodesSignatureHeaderCrcsAndExactPixels) {
  Image image(5, 3);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      image.set(x, y, {uint8_t(40 * x), uint8_t(80 * y), uint8_t(7 * x + y)});
  std::string png = encodePng(image);
  std::optional<Image> decoded = decodePng(png);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->width, 5);
  EXPECT_EQ(decoded->height, 3);
  EXPECT_EQ(decoded->pixels, image.pixels);
}

TEST(Png, EncodesALargeNoisyImage) {
  // Incompressible rows check that IDAT is sized by compressBound.
  Image image(257, 64);
  uint32_t state = 12345;
  for (uint8_t &byte : image.pixels) {
    state = state * 1664525u + 1013904223u;
    byte = uint8_t(state >> 24);
  }
  std::optional<Image> decoded = decodePng(encodePng(image));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->pixels, image.pixels);
}

TEST(Png, RejectsPixelsOfTheWrongSize) {
  Image image(4, 4);
  image.pixels.pop_back();
  EXPECT_THROW(encodePng(image), Error);
  EXPECT_THROW(Image(0, 3), Error);
}

TEST(Png, WritesTheFileAtomically) {
  TempDir dir;
  Image image(2, 2, {1, 2, 3});
  writePng(dir.file("a.png"), image);
  EXPECT_EQ(readFile(dir.file("a.png")), encodePng(image));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("")),
                          std::filesystem::directory_iterator()),
            1)
      << "no temporary file left behind";
}

TEST(Png, WritingIntoAMissingDirectoryNamesThePath) {
  TempDir dir;
  std::string path = dir.file("missing/figure.png");
  try {
    writePng(path, Image(2, 2));
    FAIL() << "expected ade::Error";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos)
        << error.what();
  }
}

//===----------------------------------------------------------------------===//
// Canvas
//===----------------------------------------------------------------------===//

TEST(Canvas, MapsDataCoordinatesToPixels) {
  Image image(200, 100);
  Canvas canvas(image, {10, 20, 100, 50}, {0, 10, 0, 5});
  EXPECT_DOUBLE_EQ(canvas.pixelX(0), 10);
  EXPECT_DOUBLE_EQ(canvas.pixelX(10), 110);
  EXPECT_DOUBLE_EQ(canvas.pixelX(2.5), 35);
  EXPECT_DOUBLE_EQ(canvas.pixelY(5), 20); // ymax at the top
  EXPECT_DOUBLE_EQ(canvas.pixelY(0), 70);
  EXPECT_DOUBLE_EQ(canvas.pixelY(1), 60);

  Canvas logCanvas(image, {10, 20, 100, 50}, {0, 10, 1, 100}, true);
  EXPECT_DOUBLE_EQ(logCanvas.pixelY(100), 20);
  EXPECT_DOUBLE_EQ(logCanvas.pixelY(10), 45);
  EXPECT_DOUBLE_EQ(logCanvas.pixelY(1), 70);
}

TEST(Canvas, RejectsEmptyOrNonPositiveLogBounds) {
  Image image(50, 50);
  EXPECT_THROW(Canvas(image, {0, 0, 40, 40}, {1, 1, 0, 1}), Error);
  EXPECT_THROW(Canvas(image, {0, 0, 40, 40}, {0, 1, 0, 1}, true), Error);
  EXPECT_THROW(Canvas(image, {0, 0, 40, 40}, {0, 1, 0, NAN}), Error);
}

TEST(Canvas, ScatterColoursPixelsAtThePointsAndNowhereElse) {
  Image image(200, 200);
  PixelRect area{20, 20, 160, 160};
  Canvas canvas(image, area, {0, 16, 0, 16}); // 10 pixels per unit
  const Rgb red{200, 0, 0};
  const double radius = 2;
  // (4.05, 11.95) lands on the centre of pixel (60, 60); (12.05, 2.05) on
  // that of (140, 159). The last three are outside or NaN.
  std::vector<double> points = {4.05, 11.95, 12.05, 2.05, 20, 5, -1, 3, NAN, 1};
  EXPECT_EQ(canvas.scatter(points, red, 1.0, radius), 2u);
  const double centres[][2] = {{60.5, 60.5}, {140.5, 159.5}};
  for (int y = area.y; y < area.y + area.height; ++y)
    for (int x = area.x; x < area.x + area.width; ++x) {
      double nearest = std::numeric_limits<double>::infinity();
      for (const auto &c : centres)
        nearest = std::min(nearest, std::hypot(x + 0.5 - c[0], y + 0.5 - c[1]));
      if (nearest <= radius - 0.5) {
        EXPECT_EQ(image.at(x, y), red) << x << ", " << y;
      } else if (nearest >= radius + 0.5) {
        EXPECT_EQ(image.at(x, y), palette::background) << x << ", " << y;
      }
    }
  // The point on the bottom edge is clipped to the area.
  for (int x = 0; x < image.width; ++x)
    EXPECT_EQ(image.at(x, area.y + area.height), palette::background);
}

TEST(Canvas, OverlappingPointsReadDarker) {
  Image image(100, 100);
  Canvas canvas(image, {0, 0, 100, 100}, {0, 10, 0, 10});
  canvas.scatter({2.05, 2.05}, palette::data, 0.3);
  std::vector<double> pile;
  for (int i = 0; i < 5; ++i)
    pile.insert(pile.end(), {7.05, 7.05});
  canvas.scatter(pile, palette::data, 0.3);
  Rgb single = image.at(20, 79), stacked = image.at(70, 29);
  EXPECT_LT(luminance(single), luminance(palette::background));
  EXPECT_LT(luminance(stacked), luminance(single) - 40);
}

TEST(Canvas, PolylineBreaksAtMissingValues) {
  Image image(100, 60);
  Canvas canvas(image, {0, 0, 100, 60}, {0, 10, 0, 6});
  // Two horizontal runs at y = 3 with a NaN between x = 4 and x = 6.
  canvas.polyline({0, 2, 4, 5, 6, 8, 10}, {3, 3, 3, NAN, 3, 3, 3},
                  palette::series[0], 2);
  EXPECT_EQ(image.at(20, 30), palette::series[0]);
  EXPECT_EQ(image.at(75, 30), palette::series[0]);
  EXPECT_EQ(image.at(50, 30), palette::background);
  EXPECT_EQ(image.at(20, 10), palette::background);
}

TEST(Canvas, PolylineSkipsNonPositiveValuesOnALogAxis) {
  Image image(100, 60);
  Canvas canvas(image, {0, 0, 100, 60}, {0, 10, 0.1, 10}, true);
  canvas.polyline({0, 5, 10}, {1, 0, 1}, palette::series[0], 2);
  EXPECT_EQ(inkedPixels(image, {30, 0, 40, 60}), 0u);
  EXPECT_GT(inkedPixels(image), 0u); // The isolated ends show as dots.
}

TEST(HeatMap, ViridisLightensMonotonically) {
  double previous = -1;
  for (int i = 0; i <= 200; ++i) {
    double l = luminance(viridis(i / 200.0));
    EXPECT_GE(l, previous) << "at t = " << i / 200.0;
    previous = l;
  }
  EXPECT_EQ(viridis(-1), viridis(0));
  EXPECT_EQ(viridis(2), viridis(1));
  EXPECT_LT(luminance(viridis(0)), 40);
  EXPECT_GT(luminance(viridis(1)), 200);
}

TEST(HeatMap, ColoursFollowTheValueAlongTheColormap) {
  Image image(120, 30);
  Canvas canvas(image, {10, 5, 100, 20}, {0, 1, 0, 1});
  // The field rises from 0 at the left edge to 10 at the right.
  GridField field{11, 2, {0, 1, 0, 1}, {}};
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i <= 10; ++i)
      field.values.push_back(i);
  canvas.heatMap(field, 0, 10);
  double previous = -1;
  for (int x = 10; x < 110; ++x) {
    double l = luminance(image.at(x, 15));
    EXPECT_GE(l, previous) << "column " << x;
    previous = l;
  }
  // Column 59 is at x = 0.495, value 4.95.
  Rgb expected = viridis(0.495), got = image.at(59, 15);
  EXPECT_NEAR(got.r, expected.r, 1);
  EXPECT_NEAR(got.g, expected.g, 1);
  EXPECT_NEAR(got.b, expected.b, 1);
  EXPECT_LT(luminance(image.at(10, 15)) + 150, luminance(image.at(109, 15)));
  EXPECT_EQ(inkedPixels(image, {0, 0, 10, 30}), 0u) << "clipped to the area";
}

TEST(HeatMap, NonFiniteValuesShowTheNeutralColour) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), -inf, inf}) {
    Image image(40, 40);
    Canvas canvas(image, {0, 0, 40, 40}, {0, 2, 0, 2});
    GridField field{3, 3, {0, 2, 0, 2}, {0, 1, 2, 1, bad, 1, 2, 1, 0}};
    canvas.heatMap(field, 0, 2);
    EXPECT_EQ(image.at(20, 20), palette::missing) << bad;
    EXPECT_NE(image.at(1, 1), palette::missing) << bad;
    EXPECT_NE(image.at(38, 38), palette::missing) << bad;
  }
}

TEST(HeatMap, RejectsAGridOfTheWrongSize) {
  Image image(40, 40);
  Canvas canvas(image, {0, 0, 40, 40}, {0, 1, 0, 1});
  EXPECT_THROW(canvas.heatMap({3, 3, {0, 1, 0, 1}, {1, 2, 3}}, 0, 1), Error);
  EXPECT_THROW(canvas.heatMap({1, 1, {0, 1, 0, 1}, {1}}, 0, 1), Error);
  EXPECT_THROW(canvas.heatMap({2, 2, {0, 0, 0, 1}, {1, 2, 3, 4}}, 0, 1), Error);
}

//===----------------------------------------------------------------------===//
// Text and ticks
//===----------------------------------------------------------------------===//

TEST(Text, InkStaysInsideTheBoundingBox) {
  for (TextStyle style :
       {TextStyle{1, false}, TextStyle{1, true}, TextStyle{2, false}}) {
    Image image(200, 40);
    std::string text = "Loss_qy 0.5e-3";
    drawText(image, 7, 9, text, palette::ink, style);
    PixelRect box{7, 9, textWidth(text, style), textHeight(style)};
    size_t inside = inkedPixels(image, box);
    EXPECT_GT(inside, size_t(10 * text.size())) << style.scale;
    EXPECT_EQ(inside, inkedPixels(image)) << "ink outside the box";
  }
}

TEST(Text, AlignmentAndUpwardsText) {
  Image image(100, 100);
  std::string text = "MMD";
  int width = textWidth(text);
  drawText(image, 50, 5, text, palette::ink, {}, Align::Center);
  drawText(image, 90, 20, text, palette::ink, {}, Align::Right);
  drawTextUpwards(image, 10, 60, text, palette::ink);
  size_t centred = inkedPixels(image, {50 - width / 2, 5, width, textHeight()});
  size_t right = inkedPixels(image, {90 - width, 20, width, textHeight()});
  size_t upwards =
      inkedPixels(image, {10, 60 - width / 2 - 1, textHeight(), width + 1});
  EXPECT_GT(centred, 20u);
  EXPECT_EQ(centred, right);
  EXPECT_EQ(centred, upwards);
  EXPECT_EQ(centred + right + upwards, inkedPixels(image));
}

TEST(Text, LongTitlesAreCutShort) {
  Image image(300, 60);
  Canvas canvas(image, {50, 30, 100, 20}, {0, 1, 0, 1});
  canvas.title(std::string(200, 'W'));
  // At most 20 pixels beyond the area on either side.
  EXPECT_EQ(inkedPixels(image, {0, 0, 30, 60}), 0u);
  EXPECT_EQ(inkedPixels(image, {171, 0, 129, 60}), 0u);
  EXPECT_GT(inkedPixels(image), 500u);
}

TEST(Text, EveryPrintableCharacterHasItsOwnGlyph) {
  std::set<std::vector<uint8_t>> glyphs;
  for (char c = '!'; c <= '~'; ++c) {
    Image image(8, 10);
    drawText(image, 1, 1, std::string(1, c), palette::ink);
    EXPECT_GE(inkedPixels(image), 2u) << "'" << c << "'";
    glyphs.insert(image.pixels);
  }
  EXPECT_EQ(glyphs.size(), size_t('~' - '!' + 1));
  Image space(8, 10);
  drawText(space, 1, 1, " ", palette::ink);
  EXPECT_EQ(inkedPixels(space), 0u);
}

TEST(Ticks, NiceTicksUseOneTwoFiveSteps) {
  EXPECT_EQ(niceTicks(0, 10, 6), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(niceTicks(-4.6, 4.6, 5), (std::vector<double>{-4, -2, 0, 2, 4}));
  EXPECT_EQ(niceTicks(0.13, 0.91, 5),
            (std::vector<double>{0.2, 0.4, 0.6000000000000001, 0.8}));
  for (auto [lo, hi] : {std::pair{0.0, 1.0},
                        {-3e-5, 7e-5},
                        {12.0, 13.7},
                        {-1e7, 2.5e8},
                        {0.999, 1.001}}) {
    for (int maxTicks = 3; maxTicks <= 9; ++maxTicks) {
      std::vector<double> ticks = niceTicks(lo, hi, maxTicks);
      ASSERT_GE(ticks.size(), 2u) << lo << " " << hi << " " << maxTicks;
      EXPECT_LE(ticks.size(), size_t(maxTicks));
      double rounding = 1e-9 * (hi - lo);
      EXPECT_GE(ticks.front(), lo - rounding);
      EXPECT_LE(ticks.back(), hi + rounding);
      double step = ticks[1] - ticks[0];
      double mantissa = step / std::pow(10, std::floor(std::log10(step)));
      EXPECT_TRUE(std::abs(mantissa - 1) < 1e-6 ||
                  std::abs(mantissa - 2) < 1e-6 ||
                  std::abs(mantissa - 5) < 1e-6)
          << step;
    }
  }
}

TEST(Ticks, BoundsARoundingApartGetOneTick) {
  // A constant step size of 0.8 averaged in another order: the bounds are
  // an ulp apart (this looped until memory ran out).
  double lo = 0.8, hi = std::nextafter(0.8, 1.0);
  EXPECT_EQ(niceTicks(lo, hi, 6), (std::vector<double>{lo}));
  EXPECT_EQ(logTicks(lo, hi, 6), (std::vector<double>{lo}));
  EXPECT_EQ(niceTicks(-hi, -lo, 6), (std::vector<double>{-hi}));
}

TEST(Ticks, LogTicksArePowersOfTenOrOneTwoFive) {
  std::vector<double> decades = logTicks(1e-4, 1, 6);
  ASSERT_EQ(decades.size(), 5u);
  for (size_t i = 0; i < decades.size(); ++i)
    EXPECT_NEAR(std::log10(decades[i]), -4.0 + double(i), 1e-12);
  std::vector<double> narrow = logTicks(0.15, 1.2, 6);
  EXPECT_EQ(narrow.size(), 3u); // 0.2, 0.5, 1
  EXPECT_LE(logTicks(1e-30, 1e30, 6).size(), 6u);
}

TEST(Ticks, LabelsCarryOnlyTheDigitsThatMatter) {
  EXPECT_EQ(tickLabels({0, 0.5, 1, 1.5}),
            (std::vector<std::string>{"0", "0.5", "1", "1.5"}));
  EXPECT_EQ(tickLabels({-4, -2, 0, 2}),
            (std::vector<std::string>{"-4", "-2", "0", "2"}));
  EXPECT_EQ(tickLabels({0.2, 0.4, 0.6000000000000001}),
            (std::vector<std::string>{"0.2", "0.4", "0.6"}));
  EXPECT_EQ(tickLabels({1e-5, 2e-5}),
            (std::vector<std::string>{"1e-5", "2e-5"}));
  EXPECT_EQ(tickLabels({0, 5e5, 1e6, 1.5e6}),
            (std::vector<std::string>{"0", "5e5", "1e6", "1.5e6"}));
  EXPECT_EQ(tickLabels({1e4, 1e5, 1e6}),
            (std::vector<std::string>{"1e4", "1e5", "1e6"}));
  EXPECT_EQ(tickLabels({0, 0.0005, 0.001, 0.0015}),
            (std::vector<std::string>{"0", "0.0005", "0.001", "0.0015"}));
  EXPECT_EQ(tickLabels({0, 2e-4, 4e-4}),
            (std::vector<std::string>{"0", "2e-4", "4e-4"}));
  EXPECT_EQ(tickLabels({1e-4, 0.001, 0.01, 0.1, 1, 10, 100, 1000, 1e4}, true),
            (std::vector<std::string>{"1e-4", "0.001", "0.01", "0.1", "1", "10",
                                      "100", "1000", "1e4"}));
  EXPECT_EQ(tickLabels({12.5, 13, 13.5}),
            (std::vector<std::string>{"12.5", "13", "13.5"}));
}

//===----------------------------------------------------------------------===//
// Figures
//===----------------------------------------------------------------------===//

/// n points of a Gaussian blob, drawn deterministically.
std::vector<double> blob(int n, double cx, double cy, double scale) {
  std::vector<double> xy;
  for (int i = 0; i < n; ++i) {
    double angle = 2.399963 * i, r = scale * std::sqrt((i + 0.5) / n) * 2;
    xy.push_back(cx + r * std::cos(angle));
    xy.push_back(cy + r * std::sin(angle));
  }
  return xy;
}

SamplesPanel blobPanel(const std::string &title, bool withDensity) {
  SamplesPanel panel;
  panel.title = title;
  panel.data = blob(300, 1, -1, 0.5);
  panel.samples = blob(300, 1.2, -0.8, 0.6);
  if (withDensity) {
    GridField grid{40, 30, {-1, 3, -3, 1}, {}};
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        double x = -1 + 4.0 * i / 39, y = -3 + 4.0 * j / 29;
        grid.values.push_back(-((x - 1) * (x - 1) + (y + 1) * (y + 1)) / 0.5);
      }
    panel.logDensity = grid;
  }
  return panel;
}

TEST(Figures, SamplesFigureIsAPngWithPanelsInRowsOfFour) {
  TempDir dir;
  SamplesFigure figure;
  figure.title = "Samples";
  figure.panelSize = 300;
  for (int i = 0; i < 5; ++i)
    figure.panels.push_back(blobPanel("panel " + std::to_string(i), i % 2));
  std::string path = dir.file("samples.png");
  writeSamplesFigure(path, figure);
  std::string png = readFile(path);
  std::optional<Image> decoded = decodePng(png);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(png, encodePng(renderSamplesFigure(figure)));
  // Four columns and two rows of 300-pixel panels, plus a header.
  EXPECT_GE(decoded->width, 4 * 300);
  EXPECT_LT(decoded->width, 4 * 300 + 40);
  EXPECT_GE(decoded->height, 2 * 300 + 20);
  EXPECT_LT(decoded->height, 2 * 300 + 120);
  // The density panels show the colormap's bright end at their mode.
  bool sawBright = false;
  for (size_t i = 0; i + 2 < decoded->pixels.size(); i += 3)
    sawBright |= Rgb{decoded->pixels[i], decoded->pixels[i + 1],
                     decoded->pixels[i + 2]} == viridis(1);
  EXPECT_TRUE(sawBright);
}

TEST(Figures, SamplesFigureOfOnePanelWithoutData) {
  SamplesFigure figure;
  figure.panels.push_back({});
  figure.panels[0].samples = {NAN, 1, 2, INFINITY};
  Image image = renderSamplesFigure(figure);
  EXPECT_EQ(image.width, 360 + 8);
  EXPECT_GT(inkedPixels(image), 1000u); // frame, ticks, legend, note
}

TEST(Figures, CurvesFigureIsAPngAndSkipsMissingValues) {
  TempDir dir;
  CurvesFigure figure;
  figure.title = "Training";
  CurvesPanel loss{"loss", "loss", false, {}};
  CurvesPanel mmd{"MMD", "", true, {}};
  Curve train{"train", {}, {}}, test{"test", {}, {}}, distance{"mmd", {}, {}};
  for (int i = 0; i < 2000; ++i) {
    train.x.push_back(i);
    train.y.push_back(i == 10 ? NAN : std::exp(-i / 300.0) + 0.1 * std::sin(i));
    distance.x.push_back(i);
    distance.y.push_back(i % 97 == 0 ? INFINITY : 0.3 * std::exp(-i / 200.0));
  }
  test.x = {0, 1000, 1999};
  test.y = {1, 0.1, NAN};
  loss.curves = {train, test};
  mmd.curves = {distance};
  figure.panels = {loss, mmd, CurvesPanel{"empty", "", true, {}}};
  std::string path = dir.file("curves.png");
  writeCurvesFigure(path, figure);
  std::optional<Image> decoded = decodePng(readFile(path));
  ASSERT_TRUE(decoded);
  EXPECT_GE(decoded->width, 3 * figure.panelWidth);
  EXPECT_LT(decoded->width, 3 * figure.panelWidth + 40);
  EXPECT_GE(decoded->height, figure.panelHeight);
  EXPECT_LT(decoded->height, figure.panelHeight + 80);
}

TEST(Figures, MalformedInputNamesThePathAndThePanel) {
  SamplesFigure figure;
  figure.panels.push_back(blobPanel("moons", false));
  figure.panels[0].samples.push_back(1.0);
  try {
    writeSamplesFigure("/tmp/never-written.png", figure);
    FAIL() << "expected ade::Error";
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_NE(message.find("/tmp/never-written.png"), std::string::npos);
    EXPECT_NE(message.find("panel 1 ('moons')"), std::string::npos) << message;
  }
  figure.panels[0] = blobPanel("moons", true);
  figure.panels[0].logDensity->values.pop_back();
  try {
    renderSamplesFigure(figure);
    ADD_FAILURE() << "expected ade::Error";
  } catch (const Error &error) {
    EXPECT_EQ(std::string(error.what()),
              "panel 1 ('moons'): the log-density grid of 40x30 points has "
              "1199 values");
  }
  figure.panels[0] = blobPanel("moons", false);
  figure.panels[0].bounds = Bounds{0, 1, 2, 2};
  EXPECT_THROW(renderSamplesFigure(figure), Error);
  EXPECT_THROW(renderSamplesFigure(SamplesFigure{}), Error);
  CurvesFigure curves;
  EXPECT_THROW(renderCurvesFigure(curves), Error);
  curves.panels.push_back({"loss", "", false, {Curve{"loss", {1, 2}, {1}}}});
  EXPECT_THROW(renderCurvesFigure(curves), Error);
}

TEST(Figures, ImageGridDrawsEachPixelAtItsPlaceAndScale) {
  // Three 2x3 images (values 0..1 row-major; the third holds a NaN) in
  // grids of two columns, scale 3: a 2 x 2 grid of 9 x 6 pixel images.
  ImageGrid grid{"samples", 3, 2, {}};
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < 6; ++i)
      grid.values.push_back(i / 5.0);
  grid.values[2 * 6 + 4] = std::nan("");
  ImageGridFigure figure{"", {grid}, 2, 3};
  Image image = renderImageGridFigure(figure);
  // The top-left image starts where its first (black) pixel is; find it.
  int x0 = -1, y0 = -1;
  for (int y = 0; y < image.height && x0 < 0; ++y)
    for (int x = 0; x < image.width; ++x)
      if (image.at(x, y) == Rgb{0, 0, 0} &&
          image.at(x + 2, y + 2) == Rgb{0, 0, 0}) {
        x0 = x;
        y0 = y;
        break;
      }
  ASSERT_GE(x0, 0);
  auto level = [](double v) {
    uint8_t l = uint8_t(std::lround(255 * v));
    return Rgb{l, l, l};
  };
  int step = 3 * 3 + 2; // image width times scale, plus the gap
  for (int k = 0; k < 3; ++k) {
    int ox = x0 + (k % 2) * step, oy = y0 + (k / 2) * (2 * 3 + 2);
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c)
        for (int d = 0; d < 3; ++d) {
          Rgb want = k == 2 && r * 3 + c == 4 ? palette::missing
                                              : level((r * 3 + c) / 5.0);
          EXPECT_EQ(image.at(ox + c * 3 + d, oy + r * 3 + d), want)
              << "image " << k << " pixel " << r << "," << c;
        }
  }
  // The gap between images is background.
  EXPECT_EQ(image.at(x0 + 9, y0), palette::background);

  figure.panels[0].values.pop_back();
  try {
    renderImageGridFigure(figure);
    ADD_FAILURE() << "expected ade::Error";
  } catch (const Error &error) {
    EXPECT_EQ(std::string(error.what()),
              "panel 1 ('samples'): 17 values are not whole images of 3 x 2");
  }
  EXPECT_THROW(renderImageGridFigure(ImageGridFigure{}), Error);
}

TEST(Figures, WritingIntoAMissingDirectoryNamesThePath) {
  TempDir dir;
  std::string samplesPath = dir.file("missing/samples.png");
  std::string curvesPath = dir.file("missing/curves.png");
  SamplesFigure samples;
  samples.panels.push_back(blobPanel("blob", true));
  CurvesFigure curves;
  curves.panels.push_back({"loss", "", false, {Curve{"loss", {1, 2}, {3, 4}}}});
  try {
    writeSamplesFigure(samplesPath, samples);
    ADD_FAILURE() << "expected ade::Error";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find(samplesPath), std::string::npos)
        << error.what();
  }
  try {
    writeCurvesFigure(curvesPath, curves);
    ADD_FAILURE() << "expected ade::Error";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find(curvesPath), std::string::npos)
        << error.what();
  }
}

} // namespace
