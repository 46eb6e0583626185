//===- TileSize.h - Particles per tile of a kernel --------------*- C++ -*-===//
#ifndef ADE_CONVERSION_TILESIZE_H
#define ADE_CONVERSION_TILESIZE_H

#include <cstdint>

namespace ade {

/// Kernels of owners with at least this many parameters in all get the
/// large tile: a VJP adds its tile's parameter gradients into the sums once
/// per tile, so that traffic shrinks as the tile grows (MnistMLP, 665 000
/// parameters: energy_vjp at B = 1024 1.7x faster with 64 particles per
/// tile than with 16), while kernels with wide activations and few
/// parameters slow down (MnistConv: energy_vjp 1.6x slower).
inline constexpr int64_t kLargeModelParams = 100000;

/// Particles per tile of a kernel whose owners have `params` parameters;
/// `largeTileSize` 0 keeps `tileSize` everywhere.
inline int64_t tileSizeFor(int64_t params, int64_t tileSize,
                           int64_t largeTileSize) {
  return largeTileSize > 0 && params >= kLargeModelParams ? largeTileSize
                                                          : tileSize;
}

} // namespace ade

#endif // ADE_CONVERSION_TILESIZE_H
