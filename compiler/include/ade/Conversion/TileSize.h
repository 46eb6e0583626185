//===- TileSize.h - Particles per tile of a kernel --------------*- C++ -*-===//
#ifndef ADE_CONVERSION_TILESIZE_H
#define ADE_CONVERSION_TILESIZE_H

#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace ade {

/// Kernels of owners with at least this many parameters in all get the
/// large tile: a VJP adds its tile's parameter gradients into the sums once
/// per tile, so that traffic shrinks as the tile grows (MnistMLP, 665 000
/// parameters: energy_vjp at B = 1024 1.7x faster with 64 particles per
/// tile than with 16, 14% faster than with 32), while kernels with wide
/// activations and few parameters slow down (MnistConv: energy_vjp 1.6x
/// slower). They also get a tile function of the small-batch tile, which
/// their entries run where large tiles would leave threads idle (batch 64
/// on 2 threads) or pad more (ade-build-entries).
inline constexpr int64_t kLargeModelParams = 100000;

/// Kernels of owners with at least this many parameters (and fewer than
/// kLargeModelParams) get the medium tile, one register block wide (adec:
/// 32 particles with AVX-512's blocks of 8 x 32, which made moons' (33 537
/// parameters) entries 10-20% faster than tiles of 16; with AVX2's 4 x 16
/// blocks tiles of 32 were up to 15% slower). MnistConv (5 601 parameters,
/// wide activations) keeps 16: its energy_vjp was 11% slower with 32.
inline constexpr int64_t kMediumModelParams = 10000;

/// Particles per tile of a kernel whose owners have `params` parameters;
/// a `mediumTileSize` or `largeTileSize` of 0 keeps `tileSize` there.
inline int64_t tileSizeFor(int64_t params, int64_t tileSize,
                           int64_t mediumTileSize, int64_t largeTileSize) {
  if (largeTileSize > 0 && params >= kLargeModelParams)
    return largeTileSize;
  if (mediumTileSize > 0 && params >= kMediumModelParams)
    return mediumTileSize;
  return tileSize;
}

/// The tile sizes of a kernel whose owners have `params` parameters:
/// tileSizeFor's, then, for a large model, a `smallBatchTileSize` below it
/// (0: none).
inline llvm::SmallVector<int64_t, 2>
tileSizesFor(int64_t params, int64_t tileSize, int64_t mediumTileSize,
             int64_t largeTileSize, int64_t smallBatchTileSize) {
  int64_t tile = tileSizeFor(params, tileSize, mediumTileSize, largeTileSize);
  llvm::SmallVector<int64_t, 2> sizes{tile};
  if (largeTileSize > 0 && params >= kLargeModelParams &&
      smallBatchTileSize > 0 && smallBatchTileSize < tile)
    sizes.push_back(smallBatchTileSize);
  return sizes;
}

} // namespace ade

#endif // ADE_CONVERSION_TILESIZE_H
