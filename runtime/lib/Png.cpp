//===- Png.cpp - RGB images and a dependency-free PNG writer --------------===//

#include "ade/runtime/Png.h"

#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/Error.h"

#include <zlib.h>

namespace ade {

Image::Image(int width, int height, Rgb fill) : width(width), height(height) {
  if (width <= 0 || height <= 0)
    throw Error("cannot make an image of " + std::to_string(width) + "x" +
                std::to_string(height) + " pixels");
  pixels.resize(size_t(width) * size_t(height) * 3);
  for (size_t i = 0; i < pixels.size(); i += 3) {
    pixels[i] = fill.r;
    pixels[i + 1] = fill.g;
    pixels[i + 2] = fill.b;
  }
}

Rgb Image::at(int x, int y) const {
  size_t i = (size_t(y) * size_t(width) + size_t(x)) * 3;
  return {pixels[i], pixels[i + 1], pixels[i + 2]};
}

void Image::set(int x, int y, Rgb color) {
  if (!contains(x, y))
    return;
  size_t i = (size_t(y) * size_t(width) + size_t(x)) * 3;
  pixels[i] = color.r;
  pixels[i + 1] = color.g;
  pixels[i + 2] = color.b;
}

namespace {

void appendBigEndian(std::string &out, uint32_t value) {
  out.push_back(char(value >> 24));
  out.push_back(char(value >> 16));
  out.push_back(char(value >> 8));
  out.push_back(char(value));
}

/// Length, type, data, and the CRC of type and data (PNG spec, 5.3).
void appendChunk(std::string &out, const char type[4],
                 const std::string &data) {
  appendBigEndian(out, uint32_t(data.size()));
  size_t typeStart = out.size();
  out.append(type, 4);
  out += data;
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef *>(out.data() + typeStart),
              uInt(out.size() - typeStart));
  appendBigEndian(out, uint32_t(crc));
}

} // namespace

std::string encodePng(const Image &image) {
  size_t rowBytes = size_t(image.width) * 3;
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != rowBytes * size_t(image.height))
    throw Error("cannot encode a PNG of " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + " pixels from " +
                std::to_string(image.pixels.size()) + " bytes");

  // Each scanline is prefixed by its filter type; 0 stores it unchanged.
  std::string scanlines;
  scanlines.reserve((rowBytes + 1) * size_t(image.height));
  for (int y = 0; y < image.height; ++y) {
    scanlines.push_back(0);
    scanlines.append(reinterpret_cast<const char *>(image.pixels.data()) +
                         y * rowBytes,
                     rowBytes);
  }
  uLongf compressedSize = compressBound(uLong(scanlines.size()));
  std::string compressed(compressedSize, '\0');
  if (compress2(reinterpret_cast<Bytef *>(compressed.data()), &compressedSize,
                reinterpret_cast<const Bytef *>(scanlines.data()),
                uLong(scanlines.size()), Z_DEFAULT_COMPRESSION) != Z_OK)
    throw Error("cannot compress a PNG image: out of memory");
  compressed.resize(compressedSize);

  std::string header;
  appendBigEndian(header, uint32_t(image.width));
  appendBigEndian(header, uint32_t(image.height));
  header.push_back(8); // bit depth
  header.push_back(2); // colour type: truecolour (RGB)
  header.push_back(0); // compression method: deflate
  header.push_back(0); // filter method: adaptive, per-row filter types
  header.push_back(0); // interlace: none

  std::string png("\x89PNG\r\n\x1a\n", 8);
  appendChunk(png, "IHDR", header);
  appendChunk(png, "IDAT", compressed);
  appendChunk(png, "IEND", "");
  return png;
}

void writePng(const std::string &path, const Image &image) {
  writeFileAtomically(path, encodePng(image));
}

} // namespace ade
