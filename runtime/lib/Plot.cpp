//===- Plot.cpp - Figures drawn into PNG images ---------------------------===//

#include "ade/runtime/Plot.h"

#include "ade/runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace ade {

//===----------------------------------------------------------------------===//
// Colours
//===----------------------------------------------------------------------===//

namespace {
/// viridis at 16 evenly spaced points (matplotlib's, as R's viridis(16)
/// lists them); linear interpolation between them keeps lightness monotone.
constexpr Rgb kViridis[] = {
    {68, 1, 84},    {72, 26, 108},  {71, 47, 125},  {65, 68, 135},
    {57, 86, 140},  {49, 104, 142}, {42, 120, 142}, {35, 136, 142},
    {31, 152, 139}, {34, 168, 132}, {53, 183, 121}, {84, 197, 104},
    {122, 209, 81}, {165, 219, 54}, {210, 226, 27}, {253, 231, 37}};
constexpr int kViridisAnchors = sizeof(kViridis) / sizeof(kViridis[0]);

uint8_t mixChannel(uint8_t a, uint8_t b, double t) {
  return uint8_t(std::lround(a + (double(b) - double(a)) * t));
}
} // namespace

Rgb viridis(double t) {
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0);
  double position = t * (kViridisAnchors - 1);
  int lower = std::min(int(position), kViridisAnchors - 2);
  double frac = position - lower;
  Rgb a = kViridis[lower], b = kViridis[lower + 1];
  return {mixChannel(a.r, b.r, frac), mixChannel(a.g, b.g, frac),
          mixChannel(a.b, b.b, frac)};
}

Rgb blend(Rgb under, Rgb over, double alpha) {
  alpha = std::clamp(alpha, 0.0, 1.0);
  return {mixChannel(under.r, over.r, alpha),
          mixChannel(under.g, over.g, alpha),
          mixChannel(under.b, over.b, alpha)};
}

namespace {
void blendPixel(Image &image, int x, int y, Rgb color, double alpha) {
  if (image.contains(x, y))
    image.set(x, y, blend(image.at(x, y), color, alpha));
}

void fillRect(Image &image, PixelRect rect, Rgb color, double alpha = 1.0) {
  for (int y = rect.y; y < rect.y + rect.height; ++y)
    for (int x = rect.x; x < rect.x + rect.width; ++x)
      blendPixel(image, x, y, color, alpha);
}

void strokeRect(Image &image, PixelRect rect, Rgb color) {
  for (int x = rect.x; x < rect.x + rect.width; ++x) {
    image.set(x, rect.y, color);
    image.set(x, rect.y + rect.height - 1, color);
  }
  for (int y = rect.y; y < rect.y + rect.height; ++y) {
    image.set(rect.x, y, color);
    image.set(rect.x + rect.width - 1, y, color);
  }
}

/// An anti-aliased disc: a pixel's coverage falls from 1 to 0 as its centre
/// goes from half a pixel inside the rim to half a pixel outside.
void drawDisc(Image &image, const PixelRect &clip, double cx, double cy,
              double radius, Rgb color, double alpha) {
  int x0 = std::max(clip.x, int(std::floor(cx - radius - 1)));
  int x1 = std::min(clip.x + clip.width - 1, int(std::ceil(cx + radius + 1)));
  int y0 = std::max(clip.y, int(std::floor(cy - radius - 1)));
  int y1 = std::min(clip.y + clip.height - 1, int(std::ceil(cy + radius + 1)));
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
      double coverage = std::clamp(radius + 0.5 - d, 0.0, 1.0);
      if (coverage > 0)
        blendPixel(image, x, y, color, alpha * coverage);
    }
}
} // namespace

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

namespace {
constexpr int kGlyphColumns = 5;
constexpr int kGlyphRows = 8; // 7 above the baseline, 1 for descenders
constexpr int kCapHeight = 7;
constexpr char kFirstGlyph = ' ', kLastGlyph = '~';

/// Printable ASCII in 5x8 cells, one byte per column from left to right;
/// bit 0 is the top row, bit 6 the baseline and bit 7 the descender row.
/// After the classic 5x7 LCD font, with real descenders for , g j p q y _.
constexpr uint8_t kFont[][kGlyphColumns] = {
    {0x00, 0x00, 0x00, 0x00, 0x00}, // ' '
    {0x00, 0x00, 0x5F, 0x00, 0x00}, // !
    {0x00, 0x07, 0x00, 0x07, 0x00}, // "
    {0x14, 0x7F, 0x14, 0x7F, 0x14}, // #
    {0x24, 0x2A, 0x7F, 0x2A, 0x12}, // $
    {0x23, 0x13, 0x08, 0x64, 0x62}, // %
    {0x36, 0x49, 0x55, 0x22, 0x50}, // &
    {0x00, 0x00, 0x07, 0x00, 0x00}, // '
    {0x00, 0x1C, 0x22, 0x41, 0x00}, // (
    {0x00, 0x41, 0x22, 0x1C, 0x00}, // )
    {0x14, 0x08, 0x3E, 0x08, 0x14}, // *
    {0x08, 0x08, 0x3E, 0x08, 0x08}, // +
    {0x00, 0x80, 0x60, 0x00, 0x00}, // ,
    {0x08, 0x08, 0x08, 0x08, 0x08}, // -
    {0x00, 0x60, 0x60, 0x00, 0x00}, // .
    {0x20, 0x10, 0x08, 0x04, 0x02}, // /
    {0x3E, 0x51, 0x49, 0x45, 0x3E}, // 0
    {0x00, 0x42, 0x7F, 0x40, 0x00}, // 1
    {0x42, 0x61, 0x51, 0x49, 0x46}, // 2
    {0x21, 0x41, 0x45, 0x4B, 0x31}, // 3
    {0x18, 0x14, 0x12, 0x7F, 0x10}, // 4
    {0x27, 0x45, 0x45, 0x45, 0x39}, // 5
    {0x3C, 0x4A, 0x49, 0x49, 0x30}, // 6
    {0x01, 0x71, 0x09, 0x05, 0x03}, // 7
    {0x36, 0x49, 0x49, 0x49, 0x36}, // 8
    {0x06, 0x49, 0x49, 0x29, 0x1E}, // 9
    {0x00, 0x36, 0x36, 0x00, 0x00}, // :
    {0x00, 0x56, 0x36, 0x00, 0x00}, // ;
    {0x08, 0x14, 0x22, 0x41, 0x00}, // <
    {0x14, 0x14, 0x14, 0x14, 0x14}, // =
    {0x00, 0x41, 0x22, 0x14, 0x08}, // >
    {0x02, 0x01, 0x51, 0x09, 0x06}, // ?
    {0x32, 0x49, 0x79, 0x41, 0x3E}, // @
    {0x7E, 0x11, 0x11, 0x11, 0x7E}, // A
    {0x7F, 0x49, 0x49, 0x49, 0x36}, // B
    {0x3E, 0x41, 0x41, 0x41, 0x22}, // C
    {0x7F, 0x41, 0x41, 0x22, 0x1C}, // D
    {0x7F, 0x49, 0x49, 0x49, 0x41}, // E
    {0x7F, 0x09, 0x09, 0x09, 0x01}, // F
    {0x3E, 0x41, 0x49, 0x49, 0x7A}, // G
    {0x7F, 0x08, 0x08, 0x08, 0x7F}, // H
    {0x00, 0x41, 0x7F, 0x41, 0x00}, // I
    {0x20, 0x40, 0x41, 0x3F, 0x01}, // J
    {0x7F, 0x08, 0x14, 0x22, 0x41}, // K
    {0x7F, 0x40, 0x40, 0x40, 0x40}, // L
    {0x7F, 0x02, 0x0C, 0x02, 0x7F}, // M
    {0x7F, 0x04, 0x08, 0x10, 0x7F}, // N
    {0x3E, 0x41, 0x41, 0x41, 0x3E}, // O
    {0x7F, 0x09, 0x09, 0x09, 0x06}, // P
    {0x3E, 0x41, 0x51, 0x21, 0x5E}, // Q
    {0x7F, 0x09, 0x19, 0x29, 0x46}, // R
    {0x46, 0x49, 0x49, 0x49, 0x31}, // S
    {0x01, 0x01, 0x7F, 0x01, 0x01}, // T
    {0x3F, 0x40, 0x40, 0x40, 0x3F}, // U
    {0x1F, 0x20, 0x40, 0x20, 0x1F}, // V
    {0x3F, 0x40, 0x38, 0x40, 0x3F}, // W
    {0x63, 0x14, 0x08, 0x14, 0x63}, // X
    {0x07, 0x08, 0x70, 0x08, 0x07}, // Y
    {0x61, 0x51, 0x49, 0x45, 0x43}, // Z
    {0x00, 0x7F, 0x41, 0x41, 0x00}, // [
    {0x02, 0x04, 0x08, 0x10, 0x20}, // backslash
    {0x00, 0x41, 0x41, 0x7F, 0x00}, // ]
    {0x04, 0x02, 0x01, 0x02, 0x04}, // ^
    {0x80, 0x80, 0x80, 0x80, 0x80}, // _
    {0x00, 0x01, 0x02, 0x04, 0x00}, // `
    {0x20, 0x54, 0x54, 0x54, 0x78}, // a
    {0x7F, 0x48, 0x44, 0x44, 0x38}, // b
    {0x38, 0x44, 0x44, 0x44, 0x20}, // c
    {0x38, 0x44, 0x44, 0x48, 0x7F}, // d
    {0x38, 0x54, 0x54, 0x54, 0x18}, // e
    {0x08, 0x7E, 0x09, 0x01, 0x02}, // f
    {0x98, 0xA4, 0xA4, 0xA4, 0x7C}, // g
    {0x7F, 0x08, 0x04, 0x04, 0x78}, // h
    {0x00, 0x44, 0x7D, 0x40, 0x00}, // i
    {0x40, 0x80, 0x84, 0x7D, 0x00}, // j
    {0x7F, 0x10, 0x28, 0x44, 0x00}, // k
    {0x00, 0x41, 0x7F, 0x40, 0x00}, // l
    {0x7C, 0x04, 0x18, 0x04, 0x78}, // m
    {0x7C, 0x08, 0x04, 0x04, 0x78}, // n
    {0x38, 0x44, 0x44, 0x44, 0x38}, // o
    {0xFC, 0x24, 0x24, 0x24, 0x18}, // p
    {0x18, 0x24, 0x24, 0x24, 0xFC}, // q
    {0x7C, 0x08, 0x04, 0x04, 0x08}, // r
    {0x48, 0x54, 0x54, 0x54, 0x20}, // s
    {0x04, 0x3F, 0x44, 0x40, 0x20}, // t
    {0x3C, 0x40, 0x40, 0x20, 0x7C}, // u
    {0x1C, 0x20, 0x40, 0x20, 0x1C}, // v
    {0x3C, 0x40, 0x30, 0x40, 0x3C}, // w
    {0x44, 0x28, 0x10, 0x28, 0x44}, // x
    {0x9C, 0xA0, 0xA0, 0xA0, 0x7C}, // y
    {0x44, 0x64, 0x54, 0x4C, 0x44}, // z
    {0x00, 0x08, 0x36, 0x41, 0x00}, // {
    {0x00, 0x00, 0x7F, 0x00, 0x00}, // |
    {0x00, 0x41, 0x36, 0x08, 0x00}, // }
    {0x08, 0x04, 0x08, 0x10, 0x08}, // ~
};
static_assert(sizeof(kFont) / sizeof(kFont[0]) == kLastGlyph - kFirstGlyph + 1,
              "one glyph per printable ASCII character");

/// Horizontal distance from one glyph to the next; bold glyphs are one
/// pixel wider, so they get one more pixel of space.
int advance(TextStyle style) {
  return (kGlyphColumns + 1 + (style.bold ? 1 : 0)) * style.scale;
}

/// Calls `plot(u, v)` for every inked pixel of `text`, with u running
/// along the text from 0 and v down from its top row.
template <typename PlotFn>
void forEachTextPixel(std::string_view text, TextStyle style, PlotFn plot) {
  int scale = std::max(1, style.scale);
  for (size_t index = 0; index < text.size(); ++index) {
    char c = text[index];
    if (c < kFirstGlyph || c > kLastGlyph)
      c = '?';
    const uint8_t *glyph = kFont[c - kFirstGlyph];
    int left = int(index) * advance(style);
    for (int column = 0; column < kGlyphColumns; ++column)
      for (int row = 0; row < kGlyphRows; ++row) {
        if (!(glyph[column] >> row & 1))
          continue;
        for (int dv = 0; dv < scale; ++dv)
          for (int du = 0; du < scale + (style.bold ? scale : 0); ++du)
            plot(left + column * scale + du, row * scale + dv);
      }
  }
}
} // namespace

int textWidth(std::string_view text, TextStyle style) {
  if (text.empty())
    return 0;
  return int(text.size()) * advance(style) - std::max(1, style.scale);
}

int textHeight(TextStyle style) {
  return kGlyphRows * std::max(1, style.scale);
}

void drawText(Image &image, int x, int y, std::string_view text, Rgb color,
              TextStyle style, Align align) {
  int width = textWidth(text, style);
  int left = align == Align::Left     ? x
             : align == Align::Center ? x - width / 2
                                      : x - width;
  forEachTextPixel(text, style,
                   [&](int u, int v) { image.set(left + u, y + v, color); });
}

void drawTextUpwards(Image &image, int x, int centerY, std::string_view text,
                     Rgb color, TextStyle style) {
  int bottom = centerY + textWidth(text, style) / 2;
  forEachTextPixel(text, style,
                   [&](int u, int v) { image.set(x + v, bottom - u, color); });
}

//===----------------------------------------------------------------------===//
// Ticks
//===----------------------------------------------------------------------===//

std::vector<double> niceTicks(double lo, double hi, int maxTicks) {
  if (!std::isfinite(lo) || !std::isfinite(hi))
    return {};
  if (hi < lo)
    std::swap(lo, hi);
  // Bounds a rounding apart (a constant curve, summed in another order)
  // would need steps the doubles cannot count in.
  if (hi - lo <= 1e-12 * std::max(std::fabs(lo), std::fabs(hi)))
    return {lo};
  // The smallest 1-2-5 step with at most maxTicks multiples in [lo, hi],
  // searched upwards from one that has at least maxTicks.
  maxTicks = std::max(2, maxTicks);
  auto first = [&](double step) { return std::ceil(lo / step - 1e-9); };
  auto last = [&](double step) { return std::floor(hi / step + 1e-9); };
  double step = 0;
  for (double base =
           std::pow(10.0, std::floor(std::log10((hi - lo) / maxTicks)));
       step == 0; base *= 10)
    for (double multiple : {1.0, 2.0, 5.0})
      if (last(base * multiple) - first(base * multiple) + 1 <= maxTicks) {
        step = base * multiple;
        break;
      }
  std::vector<double> ticks;
  for (double k = first(step); k <= last(step); ++k)
    ticks.push_back(k == 0 ? 0.0 : k * step);
  return ticks;
}

std::vector<double> logTicks(double lo, double hi, int maxTicks) {
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi))
    return niceTicks(lo, hi, maxTicks);
  int firstPower = int(std::floor(std::log10(lo)));
  int lastPower = int(std::ceil(std::log10(hi)));
  auto inRange = [&](double v) {
    return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  };
  std::vector<double> powers, withMultiples;
  for (int power = firstPower; power <= lastPower; ++power)
    for (double multiple : {1.0, 2.0, 5.0}) {
      double v = multiple * std::pow(10.0, power);
      if (!inRange(v))
        continue;
      withMultiples.push_back(v);
      if (multiple == 1.0)
        powers.push_back(v);
    }
  if (withMultiples.size() <= size_t(maxTicks) && withMultiples.size() >= 2)
    return withMultiples;
  if (powers.size() < 2)
    return niceTicks(lo, hi, maxTicks);
  // Over many decades, every stride-th power.
  size_t stride =
      (powers.size() + maxTicks - 1) / size_t(std::max(1, maxTicks));
  std::vector<double> thinned;
  for (size_t i = 0; i < powers.size(); i += stride)
    thinned.push_back(powers[i]);
  return thinned;
}

namespace {
/// The shortest decimal form of `value` that is within `tolerance` of it,
/// fixed-point or, if `scientific`, in "2.5e-7" style.
std::string formatNumber(double value, double tolerance, bool scientific) {
  if (std::abs(value) <= tolerance)
    return "0";
  char buffer[64];
  for (int digits = 0; digits <= 15; ++digits) {
    std::snprintf(buffer, sizeof(buffer), scientific ? "%.*e" : "%.*f", digits,
                  value);
    if (std::abs(std::strtod(buffer, nullptr) - value) <= tolerance)
      break;
  }
  std::string text = buffer;
  size_t e = text.find('e');
  if (e != std::string::npos) {
    // "1.5e+07" -> "1.5e7", "2e-05" -> "2e-5".
    std::string mantissa = text.substr(0, e);
    bool negative = text[e + 1] == '-';
    int power = std::atoi(text.c_str() + e + 2);
    text = mantissa + "e" + (negative ? "-" : "") + std::to_string(power);
  }
  return text;
}
} // namespace

std::vector<std::string> tickLabels(const std::vector<double> &ticks,
                                    bool logAxis) {
  // A linear axis reads best in one notation throughout: "0.0005, 0.001",
  // not "5e-4, 0.001".
  double largest = 0;
  for (double tick : ticks)
    largest = std::max(largest, std::abs(tick));
  bool linearScientific = largest >= 1e6 || largest < 1e-3;
  std::vector<std::string> labels;
  for (size_t i = 0; i < ticks.size(); ++i) {
    // A label needs only the digits that tell it from its neighbours.
    double gap = std::numeric_limits<double>::infinity();
    if (i > 0)
      gap = std::min(gap, std::abs(ticks[i] - ticks[i - 1]));
    if (i + 1 < ticks.size())
      gap = std::min(gap, std::abs(ticks[i + 1] - ticks[i]));
    if (!std::isfinite(gap) || gap == 0)
      gap = ticks[i] != 0 ? std::abs(ticks[i]) : 1.0;
    double magnitude = std::abs(ticks[i]);
    bool scientific = logAxis ? magnitude < 1e-3 || magnitude >= 1e4
                              : linearScientific || magnitude < 1e-4;
    labels.push_back(formatNumber(ticks[i], gap * 1e-6, scientific));
  }
  return labels;
}

//===----------------------------------------------------------------------===//
// Canvas
//===----------------------------------------------------------------------===//

namespace {
constexpr int kTickLength = 4;
constexpr int kTickLabelGap = 3;
constexpr int kLabelGap = 6;
const TextStyle kTitleStyle{1, true};
const TextStyle kFigureTitleStyle{2, false};
} // namespace

namespace {
std::string describeBounds(const Bounds &b) {
  char text[128];
  std::snprintf(text, sizeof(text), "[%g, %g] x [%g, %g]", b.xmin, b.xmax,
                b.ymin, b.ymax);
  return text;
}

bool isProperBounds(const Bounds &b) {
  return std::isfinite(b.xmin) && std::isfinite(b.xmax) &&
         std::isfinite(b.ymin) && std::isfinite(b.ymax) && b.xmax > b.xmin &&
         b.ymax > b.ymin;
}

/// What is wrong with `field` as a heat map, or "" if nothing.
std::string gridProblem(const GridField &field) {
  std::string size = std::to_string(field.nx) + "x" + std::to_string(field.ny);
  if (field.nx < 2 || field.ny < 2)
    return "grid of " + size + " points has fewer than 2x2";
  if (field.values.size() != size_t(field.nx) * size_t(field.ny))
    return "grid of " + size + " points has " +
           std::to_string(field.values.size()) + " values";
  if (!isProperBounds(field.bounds))
    return "grid spans " + describeBounds(field.bounds) +
           ", which is not a rectangle";
  return "";
}
} // namespace

Canvas::Canvas(Image &image, PixelRect area, Bounds bounds, bool logY)
    : image_(image), area_(area), bounds_(bounds), logY_(logY) {
  if (!isProperBounds(bounds) || (logY && !(bounds.ymin > 0)))
    throw Error("cannot plot over " + describeBounds(bounds) +
                (logY ? " with a log y axis" : ""));
  if (area.width <= 0 || area.height <= 0)
    throw Error("cannot plot into an area of " + std::to_string(area.width) +
                "x" + std::to_string(area.height) + " pixels");
  // About one tick per 55 pixels across and 40 pixels up keeps labels apart.
  xTicks_ = niceTicks(bounds.xmin, bounds.xmax, std::max(2, area.width / 55));
  int maxYTicks = std::max(2, area.height / 40);
  yTicks_ = logY ? logTicks(bounds.ymin, bounds.ymax, maxYTicks)
                 : niceTicks(bounds.ymin, bounds.ymax, maxYTicks);
}

double Canvas::pixelX(double x) const {
  return area_.x +
         (x - bounds_.xmin) / (bounds_.xmax - bounds_.xmin) * area_.width;
}

double Canvas::pixelY(double y) const {
  if (logY_)
    return area_.y + (std::log10(bounds_.ymax) - std::log10(y)) /
                         (std::log10(bounds_.ymax) - std::log10(bounds_.ymin)) *
                         area_.height;
  return area_.y +
         (bounds_.ymax - y) / (bounds_.ymax - bounds_.ymin) * area_.height;
}

void Canvas::heatMap(const GridField &field, double lo, double hi,
                     double opacity) {
  if (std::string problem = gridProblem(field); !problem.empty())
    throw Error("cannot draw a heat map: the " + problem);
  const Bounds &grid = field.bounds;
  double logYMin = logY_ ? std::log10(bounds_.ymin) : 0;
  double logYMax = logY_ ? std::log10(bounds_.ymax) : 0;
  for (int py = area_.y; py < area_.y + area_.height; ++py) {
    double fromTop = (py + 0.5 - area_.y) / area_.height;
    double y = logY_ ? std::pow(10.0, logYMax - fromTop * (logYMax - logYMin))
                     : bounds_.ymax - fromTop * (bounds_.ymax - bounds_.ymin);
    double gy = (y - grid.ymin) / (grid.ymax - grid.ymin) * (field.ny - 1);
    if (!(gy >= 0 && gy <= field.ny - 1))
      continue;
    int j = std::min(int(gy), field.ny - 2);
    double ty = gy - j;
    for (int px = area_.x; px < area_.x + area_.width; ++px) {
      double x = bounds_.xmin + (px + 0.5 - area_.x) / area_.width *
                                    (bounds_.xmax - bounds_.xmin);
      double gx = (x - grid.xmin) / (grid.xmax - grid.xmin) * (field.nx - 1);
      if (!(gx >= 0 && gx <= field.nx - 1))
        continue;
      int i = std::min(int(gx), field.nx - 2);
      double tx = gx - i;
      auto at = [&](int di, int dj) {
        return field.values[size_t(j + dj) * field.nx + size_t(i + di)];
      };
      double v00 = at(0, 0), v10 = at(1, 0), v01 = at(0, 1), v11 = at(1, 1);
      double value;
      if (std::isfinite(v00) && std::isfinite(v10) && std::isfinite(v01) &&
          std::isfinite(v11))
        value = (1 - ty) * ((1 - tx) * v00 + tx * v10) +
                ty * ((1 - tx) * v01 + tx * v11);
      else // Near a missing value, the nearest grid point decides.
        value = at(tx < 0.5 ? 0 : 1, ty < 0.5 ? 0 : 1);
      Rgb color = palette::missing;
      if (std::isfinite(value))
        color = viridis(hi > lo ? (value - lo) / (hi - lo) : 1.0);
      blendPixel(image_, px, py, color, opacity);
    }
  }
}

void Canvas::gridLines() {
  for (double tick : xTicks_) {
    int x = std::min(int(std::floor(pixelX(tick))), area_.x + area_.width - 1);
    for (int y = area_.y; y < area_.y + area_.height; ++y)
      image_.set(x, y, palette::gridLine);
  }
  for (double tick : yTicks_) {
    int y = std::min(int(std::floor(pixelY(tick))), area_.y + area_.height - 1);
    for (int x = area_.x; x < area_.x + area_.width; ++x)
      image_.set(x, y, palette::gridLine);
  }
}

size_t Canvas::scatter(const std::vector<double> &xy, Rgb color, double alpha,
                       double radius) {
  size_t drawn = 0;
  for (size_t i = 0; i + 1 < xy.size(); i += 2) {
    double x = xy[i], y = xy[i + 1];
    if (!(x >= bounds_.xmin && x <= bounds_.xmax && y >= bounds_.ymin &&
          y <= bounds_.ymax))
      continue; // Also drops NaN.
    drawDisc(image_, area_, pixelX(x), pixelY(y), radius, color, alpha);
    ++drawn;
  }
  return drawn;
}

void Canvas::polyline(const std::vector<double> &xs,
                      const std::vector<double> &ys, Rgb color, double width,
                      double alpha) {
  // Coverage is the maximum over segments, blended once, so joints are not
  // darkened by two overlapping segments.
  std::vector<float> coverage(size_t(area_.width) * size_t(area_.height), 0);
  double half = width / 2;
  auto cover = [&](double ax, double ay, double bx, double by) {
    // Bounding box in doubles first: far-off points must not overflow int.
    double left = std::max<double>(area_.x, std::min(ax, bx) - half - 1);
    double right = std::min<double>(area_.x + area_.width - 1,
                                    std::max(ax, bx) + half + 1);
    double top = std::max<double>(area_.y, std::min(ay, by) - half - 1);
    double bottom = std::min<double>(area_.y + area_.height - 1,
                                     std::max(ay, by) + half + 1);
    if (!(left <= right && top <= bottom))
      return;
    double dx = bx - ax, dy = by - ay, length2 = dx * dx + dy * dy;
    for (int py = int(top); py <= int(bottom); ++py)
      for (int px = int(left); px <= int(right); ++px) {
        double cx = px + 0.5, cy = py + 0.5;
        double t = length2 > 0
                       ? std::clamp(((cx - ax) * dx + (cy - ay) * dy) / length2,
                                    0.0, 1.0)
                       : 0.0;
        double d = std::hypot(cx - ax - t * dx, cy - ay - t * dy);
        float c = float(std::clamp(half + 0.5 - d, 0.0, 1.0));
        float &cell =
            coverage[size_t(py - area_.y) * area_.width + size_t(px - area_.x)];
        cell = std::max(cell, c);
      }
  };
  auto valid = [&](size_t i) {
    return std::isfinite(xs[i]) && std::isfinite(ys[i]) &&
           (!logY_ || ys[i] > 0);
  };
  size_t count = std::min(xs.size(), ys.size());
  for (size_t i = 0; i < count; ++i) {
    if (!valid(i))
      continue;
    double x = pixelX(xs[i]), y = pixelY(ys[i]);
    bool hasPrevious = i > 0 && valid(i - 1);
    bool hasNext = i + 1 < count && valid(i + 1);
    if (hasNext)
      cover(x, y, pixelX(xs[i + 1]), pixelY(ys[i + 1]));
    else if (!hasPrevious) // An isolated point still shows, as a dot.
      cover(x, y, x, y);
  }
  for (int py = 0; py < area_.height; ++py)
    for (int px = 0; px < area_.width; ++px)
      if (float c = coverage[size_t(py) * area_.width + px]; c > 0)
        blendPixel(image_, area_.x + px, area_.y + py, color, alpha * c);
}

void Canvas::axes(std::string_view xLabel, std::string_view yLabel) {
  strokeRect(image_,
             {area_.x - 1, area_.y - 1, area_.width + 2, area_.height + 2},
             palette::ink);
  int bottom = area_.y + area_.height;
  std::vector<std::string> xLabels = tickLabels(xTicks_);
  for (size_t i = 0; i < xTicks_.size(); ++i) {
    int x = std::min(int(std::floor(pixelX(xTicks_[i]))),
                     area_.x + area_.width - 1);
    for (int d = 1; d <= kTickLength; ++d)
      image_.set(x, bottom + d, palette::ink);
    drawText(image_, x, bottom + kTickLength + kTickLabelGap + 1, xLabels[i],
             palette::ink, {}, Align::Center);
  }
  int widestYLabel = 0;
  std::vector<std::string> yLabels = tickLabels(yTicks_, logY_);
  for (size_t i = 0; i < yTicks_.size(); ++i) {
    int y = std::min(int(std::floor(pixelY(yTicks_[i]))),
                     area_.y + area_.height - 1);
    for (int d = 2; d <= kTickLength + 1; ++d)
      image_.set(area_.x - d, y, palette::ink);
    // Centre the digits (cap height 7) on the tick.
    drawText(image_, area_.x - kTickLength - kTickLabelGap - 2,
             y - kCapHeight / 2, yLabels[i], palette::ink, {}, Align::Right);
    widestYLabel = std::max(widestYLabel, textWidth(yLabels[i]));
  }
  if (!xLabel.empty())
    drawText(image_, area_.x + area_.width / 2,
             bottom + kTickLength + kTickLabelGap + textHeight() + kLabelGap,
             xLabel, palette::ink, {}, Align::Center);
  if (!yLabel.empty())
    drawTextUpwards(image_,
                    area_.x - kTickLength - kTickLabelGap - 2 - widestYLabel -
                        kLabelGap - textHeight(),
                    area_.y + area_.height / 2, yLabel, palette::ink);
}

namespace {
/// `text`, or as much of it as fits in `maxWidth` pixels followed by "...".
std::string fitText(std::string_view text, int maxWidth, TextStyle style) {
  if (textWidth(text, style) <= maxWidth)
    return std::string(text);
  size_t keep = text.size();
  while (keep > 0 &&
         textWidth(std::string(text.substr(0, keep)) + "...", style) > maxWidth)
    --keep;
  return std::string(text.substr(0, keep)) + "...";
}

/// Draws a figure's title centred at the top (none when empty); returns the
/// row below it.
int drawFigureTitle(Image &image, const std::string &title) {
  int y = 8;
  if (title.empty())
    return y;
  drawText(image, image.width / 2, y,
           fitText(title, image.width - 16, kFigureTitleStyle), palette::ink,
           kFigureTitleStyle, Align::Center);
  return y + textHeight(kFigureTitleStyle) + 10;
}
} // namespace

void Canvas::title(std::string_view text) {
  drawText(image_, area_.x + area_.width / 2,
           area_.y - 1 - kLabelGap - textHeight(kTitleStyle),
           fitText(text, area_.width + 40, kTitleStyle), palette::ink,
           kTitleStyle, Align::Center);
}

namespace {
constexpr int kMarkSize = 10;

int markWidth(const LegendEntry &entry) {
  return entry.mark == LegendMark::Colormap ? 3 * kMarkSize : kMarkSize;
}

/// The entry's mark in a markWidth x kMarkSize box at (x, y).
void drawLegendMark(Image &image, int x, int y, const LegendEntry &entry) {
  PixelRect box{x, y, markWidth(entry), kMarkSize};
  switch (entry.mark) {
  case LegendMark::Point:
    drawDisc(image, box, x + kMarkSize / 2.0, y + kMarkSize / 2.0, 3.0,
             entry.color, 1.0);
    break;
  case LegendMark::OutlinedPoint:
    drawDisc(image, box, x + kMarkSize / 2.0, y + kMarkSize / 2.0, 4.0,
             palette::ink, 1.0);
    drawDisc(image, box, x + kMarkSize / 2.0, y + kMarkSize / 2.0, 3.0,
             entry.color, 1.0);
    break;
  case LegendMark::Line:
    fillRect(image, {x, y + kMarkSize / 2 - 1, box.width, 2}, entry.color);
    break;
  case LegendMark::Colormap:
    for (int dx = 0; dx < box.width; ++dx)
      fillRect(image, {x + dx, y + 1, 1, kMarkSize - 2},
               viridis(double(dx) / (box.width - 1)));
    break;
  }
}

/// Entries side by side on one line centred on `centerX`, the text's top
/// row at `y`.
void drawLegendRow(Image &image, int centerX, int y,
                   const std::vector<LegendEntry> &entries) {
  constexpr int kMarkGap = 5, kEntryGap = 18;
  int width = 0;
  for (const LegendEntry &entry : entries)
    width += markWidth(entry) + kMarkGap + textWidth(entry.label) + kEntryGap;
  int x = centerX - (width - kEntryGap) / 2;
  for (const LegendEntry &entry : entries) {
    drawLegendMark(image, x, y - 2, entry);
    x += markWidth(entry) + kMarkGap;
    drawText(image, x, y, entry.label, palette::ink);
    x += textWidth(entry.label) + kEntryGap;
  }
}
} // namespace

void Canvas::legend(const std::vector<LegendEntry> &entries) {
  if (entries.empty())
    return;
  constexpr int kPadding = 5, kMarkGap = 5, kRowHeight = 13;
  int marks = 0, labels = 0;
  for (const LegendEntry &entry : entries) {
    marks = std::max(marks, markWidth(entry));
    labels = std::max(labels, textWidth(entry.label));
  }
  PixelRect box{0, area_.y + 4, 2 * kPadding + marks + kMarkGap + labels,
                2 * kPadding + kRowHeight * int(entries.size()) - 4};
  box.x = area_.x + area_.width - 4 - box.width;
  fillRect(image_, box, palette::background, 0.85);
  strokeRect(image_, box, palette::gridLine);
  int y = box.y + kPadding;
  for (const LegendEntry &entry : entries) {
    drawLegendMark(image_, box.x + kPadding, y - 1, entry);
    drawText(image_, box.x + kPadding + marks + kMarkGap, y + 1, entry.label,
             palette::ink);
    y += kRowHeight;
  }
}

void Canvas::note(std::string_view text) {
  int width = textWidth(text);
  PixelRect box{area_.x + area_.width - 4 - width - 6,
                area_.y + area_.height - 4 - textHeight() - 4, width + 6,
                textHeight() + 4};
  fillRect(image_, box, palette::background, 0.85);
  drawText(image_, box.x + 3, box.y + 2, text, palette::faintInk);
}

//===----------------------------------------------------------------------===//
// Figures
//===----------------------------------------------------------------------===//

namespace {
/// Panel margins around the plot area: tick labels and an axis label on the
/// left and below, the panel title above. Curves get a wider left margin
/// for their y label.
constexpr int kSamplesMarginLeft = 54, kCurvesMarginLeft = 70,
              kMarginRight = 14, kMarginTop = 26, kMarginBottom = 42;

std::string describePanel(size_t index, const std::string &title) {
  std::string text = "panel " + std::to_string(index + 1);
  return title.empty() ? text : text + " ('" + title + "')";
}

void checkPoints(const std::vector<double> &xy, const char *what, size_t panel,
                 const std::string &title) {
  if (xy.size() % 2 != 0)
    throw Error(describePanel(panel, title) + ": " + what + " has " +
                std::to_string(xy.size()) +
                " values, but 2-D points need an even number (x, y pairs)");
}

/// Finite points of `xy` in a 10% margin, widened to equal x and y ranges
/// so that panels, which are square, show shapes undistorted.
std::optional<Bounds> boundsAround(const std::vector<double> &xy) {
  double inf = std::numeric_limits<double>::infinity();
  Bounds b{inf, -inf, inf, -inf};
  for (size_t i = 0; i + 1 < xy.size(); i += 2) {
    if (!std::isfinite(xy[i]) || !std::isfinite(xy[i + 1]))
      continue;
    b.xmin = std::min(b.xmin, xy[i]);
    b.xmax = std::max(b.xmax, xy[i]);
    b.ymin = std::min(b.ymin, xy[i + 1]);
    b.ymax = std::max(b.ymax, xy[i + 1]);
  }
  if (!(b.xmin <= b.xmax))
    return std::nullopt;
  double span = std::max(b.xmax - b.xmin, b.ymax - b.ymin);
  if (span == 0)
    span = std::max(1.0, std::abs(b.xmin) + std::abs(b.ymin));
  double half = 0.6 * span; // Half of 1.2 spans: 10% margin on each side.
  double cx = (b.xmin + b.xmax) / 2, cy = (b.ymin + b.ymax) / 2;
  return Bounds{cx - half, cx + half, cy - half, cy + half};
}

/// Opacity of one point such that a few hundred points read as solid dots
/// and tens of thousands still show where they are densest.
double pointAlpha(size_t count) {
  return std::clamp(std::sqrt(1000.0 / std::max<size_t>(count, 1)) * 0.45, 0.08,
                    0.75);
}

/// exp(logp - max logp), with -inf as 0 and NaN or +inf as missing.
GridField densityFromLogDensity(const GridField &logDensity) {
  GridField density = logDensity;
  double maxLog = -std::numeric_limits<double>::infinity();
  for (double v : logDensity.values)
    if (std::isfinite(v))
      maxLog = std::max(maxLog, v);
  for (double &v : density.values)
    v = std::isnan(v) || v == std::numeric_limits<double>::infinity()
            ? std::numeric_limits<double>::quiet_NaN()
            : std::exp(v - maxLog);
  return density;
}

void drawSamplesPanel(Image &image, PixelRect area, const SamplesPanel &panel,
                      const SamplesFigure &figure) {
  std::optional<Bounds> bounds = panel.bounds;
  if (!bounds)
    bounds = boundsAround(panel.data);
  if (!bounds)
    bounds = boundsAround(panel.samples);
  if (!bounds && panel.logDensity)
    bounds = panel.logDensity->bounds;
  if (!bounds)
    bounds = Bounds{-1, 1, -1, 1};
  Canvas canvas(image, area, *bounds);
  if (panel.logDensity) {
    fillRect(image, area, palette::missing);
    canvas.heatMap(densityFromLogDensity(*panel.logDensity), 0, 1);
  } else {
    canvas.gridLines();
  }
  size_t dataCount = panel.data.size() / 2;
  size_t sampleCount = panel.samples.size() / 2;
  canvas.scatter(panel.data,
                 panel.logDensity ? palette::dataOnDensity : palette::data,
                 pointAlpha(dataCount));
  size_t samplesShown =
      canvas.scatter(panel.samples, palette::samples, pointAlpha(sampleCount));
  canvas.axes();
  canvas.title(panel.title);
  if (samplesShown < sampleCount)
    canvas.note(std::to_string(sampleCount - samplesShown) + " of " +
                std::to_string(sampleCount) + " " + figure.samplesLabel +
                " off view");
}

/// Room for `rows` x `columns` panels below a header holding the figure
/// title and legend.
struct Layout {
  int columns, rows, panelWidth, panelHeight, marginLeft, header;

  int width() const { return columns * panelWidth + 8; }
  int height() const { return header + rows * panelHeight + 4; }
  PixelRect plotArea(size_t index) const {
    int left = 4 + int(index % columns) * panelWidth;
    int top = header + int(index / columns) * panelHeight;
    return {left + marginLeft, top + kMarginTop,
            panelWidth - marginLeft - kMarginRight,
            panelHeight - kMarginTop - kMarginBottom};
  }
};

Layout layoutPanels(size_t count, int maxColumns, int panelWidth,
                    int panelHeight, int marginLeft, bool hasTitle,
                    bool legendRow) {
  if (count == 0)
    throw Error("the figure has no panels");
  if (panelWidth < 160 || panelHeight < 160)
    throw Error("panels of " + std::to_string(panelWidth) + "x" +
                std::to_string(panelHeight) +
                " pixels are too small; use at least 160x160");
  int columns = int(std::min<size_t>(count, size_t(maxColumns)));
  int rows = int((count + columns - 1) / columns);
  int header = 8 + (hasTitle ? textHeight(kFigureTitleStyle) + 10 : 0) +
               (legendRow ? textHeight() + 12 : 0);
  return {columns, rows, panelWidth, panelHeight, marginLeft, header};
}
} // namespace

Image renderSamplesFigure(const SamplesFigure &figure) {
  bool hasDensity = false;
  for (size_t i = 0; i < figure.panels.size(); ++i) {
    const SamplesPanel &panel = figure.panels[i];
    checkPoints(panel.data, "the data", i, panel.title);
    checkPoints(panel.samples, "the samples", i, panel.title);
    if (panel.logDensity) {
      hasDensity = true;
      if (std::string problem = gridProblem(*panel.logDensity);
          !problem.empty())
        throw Error(describePanel(i, panel.title) + ": the log-density " +
                    problem);
    }
    if (panel.bounds && !isProperBounds(*panel.bounds))
      throw Error(describePanel(i, panel.title) + ": the bounds " +
                  describeBounds(*panel.bounds) + " are not a rectangle");
  }
  Layout layout =
      layoutPanels(figure.panels.size(), 4, figure.panelSize, figure.panelSize,
                   kSamplesMarginLeft, !figure.title.empty(), true);
  Image image(layout.width(), layout.height(), palette::background);
  int y = drawFigureTitle(image, figure.title);
  std::vector<LegendEntry> legend = {
      hasDensity ? LegendEntry{figure.dataLabel, palette::dataOnDensity,
                               LegendMark::OutlinedPoint}
                 : LegendEntry{figure.dataLabel, palette::data},
      {figure.samplesLabel, palette::samples, LegendMark::Point}};
  if (hasDensity)
    legend.push_back({"model density", palette::ink, LegendMark::Colormap});
  drawLegendRow(image, image.width / 2, y + 2, legend);
  for (size_t i = 0; i < figure.panels.size(); ++i)
    drawSamplesPanel(image, layout.plotArea(i), figure.panels[i], figure);
  return image;
}

namespace {
/// A centred moving average over about 1/50 of the points, so a noisy
/// training curve shows its trend over the raw values.
Curve movingAverage(const Curve &curve) {
  size_t count = std::min(curve.x.size(), curve.y.size());
  size_t half = count / 100;
  Curve smooth{curve.name, {}, {}};
  double sum = 0;
  size_t inWindow = 0, lo = 0, hi = 0; // window [lo, hi)
  for (size_t i = 0; i < count; ++i) {
    for (; hi < std::min(count, i + half + 1); ++hi)
      if (std::isfinite(curve.y[hi]))
        sum += curve.y[hi], ++inWindow;
    for (; lo + half < i; ++lo)
      if (std::isfinite(curve.y[lo]))
        sum -= curve.y[lo], --inWindow;
    smooth.x.push_back(curve.x[i]);
    smooth.y.push_back(inWindow > 0 && std::isfinite(curve.y[i])
                           ? sum / double(inWindow)
                           : std::numeric_limits<double>::quiet_NaN());
  }
  return smooth;
}

void drawCurvesPanel(Image &image, PixelRect area, const CurvesPanel &panel,
                     const std::string &xLabel) {
  double inf = std::numeric_limits<double>::infinity();
  Bounds b{inf, -inf, inf, -inf};
  bool anyNonPositive = false;
  for (const Curve &curve : panel.curves)
    for (size_t i = 0; i < std::min(curve.x.size(), curve.y.size()); ++i) {
      if (!std::isfinite(curve.x[i]) || !std::isfinite(curve.y[i]))
        continue;
      anyNonPositive |= curve.y[i] <= 0;
      b.xmin = std::min(b.xmin, curve.x[i]);
      b.xmax = std::max(b.xmax, curve.x[i]);
      b.ymin = std::min(b.ymin, curve.y[i]);
      b.ymax = std::max(b.ymax, curve.y[i]);
    }
  std::string note;
  bool logY = panel.logY;
  if (!(b.xmin <= b.xmax)) {
    b = {0, 1, 0, 1};
    logY = false;
    note = "no finite values";
  } else if (logY && anyNonPositive) {
    logY = false;
    note = "linear scale: values <= 0";
  }
  if (b.xmax == b.xmin)
    b.xmin -= 0.5, b.xmax += 0.5;
  if (logY) {
    double lo = std::log10(b.ymin), hi = std::log10(b.ymax);
    double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
    b.ymin = std::pow(10.0, lo - pad);
    b.ymax = std::pow(10.0, hi + pad);
  } else {
    double pad = b.ymax > b.ymin ? 0.05 * (b.ymax - b.ymin)
                                 : std::max(1e-12, 0.1 * std::abs(b.ymin));
    if (b.ymax == b.ymin && b.ymin == 0)
      pad = 1;
    b.ymin -= pad;
    b.ymax += pad;
  }

  Canvas canvas(image, area, b, logY);
  canvas.gridLines();
  std::vector<LegendEntry> legend;
  for (size_t k = 0; k < panel.curves.size(); ++k) {
    const Curve &curve = panel.curves[k];
    Rgb color = palette::series[k % (sizeof(palette::series) /
                                     sizeof(palette::series[0]))];
    // More points than pixels across is noise to the eye: draw it faint
    // and the trend over it.
    if (curve.y.size() > size_t(2 * area.width)) {
      canvas.polyline(curve.x, curve.y, color, 1.0, 0.3);
      Curve smooth = movingAverage(curve);
      canvas.polyline(smooth.x, smooth.y, color, 1.8);
    } else {
      canvas.polyline(curve.x, curve.y, color, 1.8);
    }
    legend.push_back({curve.name, color, LegendMark::Line});
  }
  canvas.axes(xLabel, panel.yLabel);
  canvas.title(panel.title);
  if (legend.size() > 1)
    canvas.legend(legend);
  if (!note.empty())
    canvas.note(note);
}
} // namespace

Image renderCurvesFigure(const CurvesFigure &figure) {
  for (size_t i = 0; i < figure.panels.size(); ++i)
    for (const Curve &curve : figure.panels[i].curves)
      if (curve.x.size() != curve.y.size())
        throw Error(describePanel(i, figure.panels[i].title) + ": curve '" +
                    curve.name + "' has " + std::to_string(curve.x.size()) +
                    " x values but " + std::to_string(curve.y.size()) +
                    " y values");
  Layout layout = layoutPanels(figure.panels.size(), 3, figure.panelWidth,
                               figure.panelHeight, kCurvesMarginLeft,
                               !figure.title.empty(), false);
  Image image(layout.width(), layout.height(), palette::background);
  drawFigureTitle(image, figure.title);
  for (size_t i = 0; i < figure.panels.size(); ++i)
    drawCurvesPanel(image, layout.plotArea(i), figure.panels[i], figure.xLabel);
  return image;
}

Image renderImageGridFigure(const ImageGridFigure &figure) {
  if (figure.panels.empty())
    throw Error("an image grid figure needs a panel");
  if (figure.columns < 1 || figure.scale < 1)
    throw Error("an image grid needs at least one column and a scale of 1");
  constexpr int gap = 2, margin = 12;
  int gridWidth = 0, gridHeight = 0;
  std::vector<int> counts;
  for (size_t i = 0; i < figure.panels.size(); ++i) {
    const ImageGrid &grid = figure.panels[i];
    size_t pixels =
        size_t(std::max(grid.width, 0)) * size_t(std::max(grid.height, 0));
    if (pixels == 0 || grid.values.empty() || grid.values.size() % pixels)
      throw Error(describePanel(i, grid.title) + ": " +
                  std::to_string(grid.values.size()) +
                  " values are not whole images of " +
                  std::to_string(grid.width) + " x " +
                  std::to_string(grid.height));
    int count = int(grid.values.size() / pixels);
    int columns = std::min(count, figure.columns);
    int rows = (count + columns - 1) / columns;
    counts.push_back(count);
    gridWidth =
        std::max(gridWidth, columns * (grid.width * figure.scale + gap) - gap);
    gridHeight =
        std::max(gridHeight, rows * (grid.height * figure.scale + gap) - gap);
  }
  int header = 8 +
               (figure.title.empty() ? 0 : textHeight(kFigureTitleStyle) + 10) +
               textHeight(kTitleStyle) + 6;
  int panels = int(figure.panels.size());
  Image image(margin + panels * (gridWidth + margin),
              header + gridHeight + margin, palette::background);
  int y = drawFigureTitle(image, figure.title);
  for (int p = 0; p < panels; ++p) {
    const ImageGrid &grid = figure.panels[p];
    int left = margin + p * (gridWidth + margin);
    drawText(image, left + gridWidth / 2, y,
             fitText(grid.title, gridWidth, kTitleStyle), palette::ink,
             kTitleStyle, Align::Center);
    int columns = std::min(counts[p], figure.columns);
    for (int k = 0; k < counts[p]; ++k) {
      int x0 = left + (k % columns) * (grid.width * figure.scale + gap);
      int y0 = header + (k / columns) * (grid.height * figure.scale + gap);
      const double *values =
          grid.values.data() + size_t(k) * grid.width * grid.height;
      for (int r = 0; r < grid.height; ++r)
        for (int c = 0; c < grid.width; ++c) {
          double v = values[r * grid.width + c];
          uint8_t level = uint8_t(std::lround(255 * std::clamp(v, 0.0, 1.0)));
          Rgb color =
              std::isfinite(v) ? Rgb{level, level, level} : palette::missing;
          for (int dy = 0; dy < figure.scale; ++dy)
            for (int dx = 0; dx < figure.scale; ++dx)
              image.set(x0 + c * figure.scale + dx, y0 + r * figure.scale + dy,
                        color);
        }
    }
  }
  return image;
}

namespace {
/// Renders and writes a figure; malformed input is an error naming `path`.
template <typename Figure>
void writeFigure(const std::string &path, const Figure &figure,
                 Image (*render)(const Figure &)) {
  Image image;
  try {
    image = render(figure);
  } catch (const Error &error) {
    throw Error("cannot plot '" + path + "': " + error.what());
  }
  writePng(path, image);
}
} // namespace

void writeImageGridFigure(const std::string &path,
                          const ImageGridFigure &figure) {
  writeFigure(path, figure, renderImageGridFigure);
}

void writeSamplesFigure(const std::string &path, const SamplesFigure &figure) {
  writeFigure(path, figure, renderSamplesFigure);
}

void writeCurvesFigure(const std::string &path, const CurvesFigure &figure) {
  writeFigure(path, figure, renderCurvesFigure);
}

} // namespace ade
