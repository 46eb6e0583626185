//===- Plot.h - Figures drawn into PNG images -------------------*- C++ -*-===//
//
// A small plotting layer for `aderun plot`, with no dependency beyond zlib:
// a Canvas maps data coordinates onto a plot area of an Image and draws
// heat maps, scatter points and lines clipped to it, then the frame, ticks
// at 1-2-5 steps, labels and legends in an embedded 5x7 bitmap font. Two
// figure helpers build whole PNGs: samples against data in 2-D panels, and
// training curves.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_PLOT_H
#define ADE_RUNTIME_PLOT_H

#include "ade/runtime/Png.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ade {

//===----------------------------------------------------------------------===//
// Colours
//===----------------------------------------------------------------------===//

namespace palette {
constexpr Rgb background{255, 255, 255};
constexpr Rgb ink{40, 40, 40};         // frame, ticks and text
constexpr Rgb faintInk{110, 110, 110}; // notes and secondary text
constexpr Rgb gridLine{232, 232, 232};
constexpr Rgb missing{110, 110, 110}; // heat-map values that are NaN or inf
constexpr Rgb data{35, 35, 35};
constexpr Rgb dataOnDensity{255, 255, 255}; // data over a viridis heat map
constexpr Rgb samples{235, 80, 25};
/// Line colours for curves, in order of use (Tableau 10).
constexpr Rgb series[] = {{31, 119, 180},  {255, 127, 14},  {44, 160, 44},
                          {214, 39, 40},   {148, 103, 189}, {140, 86, 75},
                          {227, 119, 194}, {127, 127, 127}, {188, 189, 34},
                          {23, 190, 207}};
} // namespace palette

/// The viridis colormap at `t` in [0, 1] (clamped): dark purple through
/// teal to yellow, with lightness increasing monotonically.
Rgb viridis(double t);

/// `over` composited on `under` with opacity `alpha` in [0, 1].
Rgb blend(Rgb under, Rgb over, double alpha);

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

/// Size and weight of bitmap text; each glyph is 5x7 pixels (8 with a
/// descender) times `scale`.
struct TextStyle {
  int scale = 1;
  bool bold = false;
};

enum class Align { Left, Center, Right };

/// Pixel width and height of `text` in `style`.
int textWidth(std::string_view text, TextStyle style = {});
int textHeight(TextStyle style = {});

/// Draws `text` on one line; `y` is its top row and `x` its left edge, centre
/// or right edge as `align` says. Bytes outside printable ASCII draw as '?'.
void drawText(Image &image, int x, int y, std::string_view text, Rgb color,
              TextStyle style = {}, Align align = Align::Left);

/// Draws `text` turned a quarter turn to read upwards, as y-axis labels are;
/// `x` is the left edge of its textHeight()-wide column and `centerY` its
/// middle.
void drawTextUpwards(Image &image, int x, int centerY, std::string_view text,
                     Rgb color, TextStyle style = {});

//===----------------------------------------------------------------------===//
// Ticks
//===----------------------------------------------------------------------===//

/// At most `maxTicks` round values (multiples of 1, 2 or 5 times a power of
/// ten) in [lo, hi].
std::vector<double> niceTicks(double lo, double hi, int maxTicks = 6);

/// Tick values in [lo, hi] (both > 0) for a log axis: powers of ten, thinned
/// out over wide ranges and completed with 2x and 5x over narrow ones.
std::vector<double> logTicks(double lo, double hi, int maxTicks = 6);

/// Short labels for `ticks` with just the digits that tell them apart
/// ("0.5", "1", "1.5"; "2e-5"; "1e6"). On a linear axis all labels are
/// scientific or none (but those below 1e-4); on a log axis, each label
/// outside [0.001, 1e4) is.
std::vector<std::string> tickLabels(const std::vector<double> &ticks,
                                    bool logAxis = false);

//===----------------------------------------------------------------------===//
// Canvas
//===----------------------------------------------------------------------===//

/// Pixels [x, x + width) x [y, y + height) of an image.
struct PixelRect {
  int x = 0, y = 0, width = 0, height = 0;

  bool contains(int px, int py) const {
    return px >= x && py >= y && px < x + width && py < y + height;
  }
};

/// A rectangle in data coordinates.
struct Bounds {
  double xmin = 0, xmax = 1, ymin = 0, ymax = 1;
};

/// A scalar field sampled on a regular nx x ny grid over `bounds`: value
/// `values[j * nx + i]` is at x = xmin + i (xmax - xmin) / (nx - 1),
/// y = ymin + j (ymax - ymin) / (ny - 1), so the grid includes the edges.
struct GridField {
  int nx = 0, ny = 0;
  Bounds bounds;
  std::vector<double> values;
};

/// How a legend entry shows its colour; OutlinedPoint rings the disc in
/// ink so that light colours show on white.
enum class LegendMark { Point, OutlinedPoint, Line, Colormap };

struct LegendEntry {
  std::string label;
  Rgb color;
  LegendMark mark = LegendMark::Point;
};

/// Draws into the plot area `area` of an image, where data point (x, y) in
/// `bounds` lands at pixel coordinates (pixelX(x), pixelY(y)): xmin at the
/// left edge of the area, xmax at its right edge, ymax at its top edge.
/// With `logY`, y maps through log10 (bounds must then be positive).
/// Data marks are clipped to the area; the frame, ticks and labels are
/// drawn around it, in the margins the caller leaves.
class Canvas {
public:
  Canvas(Image &image, PixelRect area, Bounds bounds, bool logY = false);

  const PixelRect &area() const { return area_; }
  const Bounds &bounds() const { return bounds_; }
  double pixelX(double x) const;
  double pixelY(double y) const;

  /// Colours each pixel of the area inside `field.bounds` by the field,
  /// interpolated bilinearly, through viridis from `lo` to `hi`, blended
  /// over what is there with `opacity`. Non-finite values (NaN, +-inf) show
  /// as palette::missing.
  void heatMap(const GridField &field, double lo, double hi,
               double opacity = 1.0);

  /// Light lines at the ticks, to be drawn under the data.
  void gridLines();

  /// Draws points (`xy` holds x, y pairs) as anti-aliased discs of
  /// `radius` pixels with opacity `alpha`, so overlapping points darken.
  /// Returns how many were drawn; non-finite points and points outside the
  /// bounds are not.
  size_t scatter(const std::vector<double> &xy, Rgb color, double alpha = 0.5,
                 double radius = 1.8);

  /// Draws the line through (xs[i], ys[i]) with the given width in pixels;
  /// non-finite points (and y <= 0 on a log axis) break the line.
  void polyline(const std::vector<double> &xs, const std::vector<double> &ys,
                Rgb color, double width = 1.5, double alpha = 1.0);

  /// Frame, ticks with labels, and axis labels (empty ones are left out).
  void axes(std::string_view xLabel = "", std::string_view yLabel = "");

  /// A bold title centred above the area, cut short with "..." where it
  /// would reach beyond the margins.
  void title(std::string_view text);

  /// A boxed legend in the top right corner of the area.
  void legend(const std::vector<LegendEntry> &entries);

  /// A small note in the bottom right corner of the area.
  void note(std::string_view text);

private:
  Image &image_;
  PixelRect area_;
  Bounds bounds_;
  bool logY_;
  std::vector<double> xTicks_, yTicks_;
};

//===----------------------------------------------------------------------===//
// Figures
//===----------------------------------------------------------------------===//

/// One 2-D panel of a samples figure. Points are x, y pairs (n x 2, row
/// major); data and samples must be 2-D. Points are translucent, the more
/// so the more there are, so that dense regions read as dense; samples are
/// drawn over data, and a note counts the samples outside the bounds.
struct SamplesPanel {
  std::string title;
  std::vector<double> data;
  std::vector<double> samples;
  /// The model's log-density (unnormalised is fine) on a grid, shown under
  /// the points as a viridis heat map of exp(logp - max logp), 1 at the
  /// mode; data points turn white on it. Where the grid does not reach or
  /// logp is NaN, the panel shows palette::missing.
  std::optional<GridField> logDensity;
  /// Without bounds, the panel covers the data (or, without data, the
  /// samples) with a 10% margin, widened to equal scales on both axes.
  std::optional<Bounds> bounds;
};

/// Panels in rows of up to four, under a title and a shared legend.
struct SamplesFigure {
  std::string title;
  std::vector<SamplesPanel> panels;
  std::string dataLabel = "data";
  std::string samplesLabel = "samples";
  int panelSize = 360;
};

/// A named series of (x, y) points; non-finite points are skipped.
struct Curve {
  std::string name;
  std::vector<double> x, y;
};

/// Curves that share axes. Losses and metrics of different scales go in
/// panels of their own; curves of one quantity (train and test loss) share
/// one, with a legend. A curve with more points than twice the panel's
/// width in pixels is drawn faintly, under its moving average. A log axis
/// with values <= 0 to show falls back to a linear one, with a note.
struct CurvesPanel {
  std::string title;
  std::string yLabel;
  bool logY = false;
  std::vector<Curve> curves;
};

/// Panels in rows of up to three, under a title.
struct CurvesFigure {
  std::string title;
  std::string xLabel = "iteration";
  std::vector<CurvesPanel> panels;
  int panelWidth = 440;
  int panelHeight = 320;
};

/// Grayscale images side by side in a grid (data and samples of an image
/// model): `count` images of `height` x `width` values, row-major, drawn
/// black (0) to white (1), clamped; NaN and inf draw as palette::missing.
struct ImageGrid {
  std::string title;
  int width = 0, height = 0;
  std::vector<double> values;
};

/// Panels of image grids in a row under a title.
struct ImageGridFigure {
  std::string title;
  std::vector<ImageGrid> panels;
  int columns = 8; // images per grid row
  int scale = 2;   // screen pixels per image pixel
};

Image renderSamplesFigure(const SamplesFigure &figure);
Image renderCurvesFigure(const CurvesFigure &figure);
Image renderImageGridFigure(const ImageGridFigure &figure);

/// Render the figure and write it to `path` as PNG; throw ade::Error on
/// malformed input (odd point arrays, a grid of the wrong size, no panels)
/// or when the file cannot be written.
void writeSamplesFigure(const std::string &path, const SamplesFigure &figure);
void writeCurvesFigure(const std::string &path, const CurvesFigure &figure);
void writeImageGridFigure(const std::string &path,
                          const ImageGridFigure &figure);

} // namespace ade

#endif // ADE_RUNTIME_PLOT_H
