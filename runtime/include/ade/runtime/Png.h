//===- Png.h - RGB images and a dependency-free PNG writer ------*- C++ -*-===//
//
// Figures are drawn into an 8-bit RGB image and written as PNG with zlib
// alone: one IDAT chunk, filter type 0 on every row, no ancillary chunks.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_PNG_H
#define ADE_RUNTIME_PNG_H

#include <cstdint>
#include <string>
#include <vector>

namespace ade {

/// An 8-bit sRGB colour.
struct Rgb {
  uint8_t r = 0, g = 0, b = 0;

  friend bool operator==(Rgb a, Rgb b) {
    return a.r == b.r && a.g == b.g && a.b == b.b;
  }
  friend bool operator!=(Rgb a, Rgb b) { return !(a == b); }
};

/// A `width` x `height` RGB image; `pixels` holds the rows top to bottom,
/// three bytes (r, g, b) per pixel, so its size is width * height * 3.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;

  Image() = default;
  Image(int width, int height, Rgb fill = {255, 255, 255});

  bool contains(int x, int y) const {
    return x >= 0 && y >= 0 && x < width && y < height;
  }
  /// The pixel in column `x`, row `y` (row 0 is the top); must be inside.
  Rgb at(int x, int y) const;
  /// Sets a pixel; pixels outside the image are ignored, so drawing code
  /// need not clip.
  void set(int x, int y, Rgb color);
};

/// The PNG file (signature, IHDR, IDAT, IEND) of `image`, as bytes.
std::string encodePng(const Image &image);

/// Writes `image` to `path` as PNG, atomically; throws ade::Error naming
/// the path when it cannot be written.
void writePng(const std::string &path, const Image &image);

} // namespace ade

#endif // ADE_RUNTIME_PNG_H
