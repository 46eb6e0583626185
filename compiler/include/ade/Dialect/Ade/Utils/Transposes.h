//===- Transposes.h - Transposes tiled into register blocks -----*- C++ -*-===//
//
// A 2-D f32 transpose of whole 16 x 16 blocks (a layer's input, transposed
// for its weight gradient; a tile's particles, transposed to feature-major
// and back) is tiled into those blocks: each block's rows are read whole and
// shuffled in registers (ade-lower-vectors: AVX-512's 16 x 16 network),
// where a step per row gathered the block a lane at a time. Other element
// types would be shuffled 256 lanes at once: they keep the rows.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_DIALECT_ADE_UTILS_TRANSPOSES_H
#define ADE_DIALECT_ADE_UTILS_TRANSPOSES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace ade {

/// The side of the square blocks: 16 floats are an AVX-512 register.
constexpr int64_t kTransposeBlock = 16;

/// Whether `op` is a 2-D f32 transpose of static whole blocks whose buffers
/// (if any) have rows of unit stride, which a block reads whole.
inline bool isBlockTranspose(mlir::linalg::LinalgOp op) {
  if (!mlir::isa<mlir::linalg::TransposeOp>(op.getOperation()))
    return false;
  for (mlir::OpOperand &operand : op->getOpOperands()) {
    auto type = mlir::dyn_cast<mlir::MemRefType>(operand.get().getType());
    if (!type)
      continue;
    llvm::SmallVector<int64_t> strides;
    int64_t offset;
    if (mlir::failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return false;
  }
  llvm::SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return ranges.size() == 2 && !mlir::ShapedType::isDynamic(ranges[0]) &&
         !mlir::ShapedType::isDynamic(ranges[1]) &&
         ranges[0] % kTransposeBlock == 0 && ranges[1] % kTransposeBlock == 0 &&
         mlir::getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32();
}

} // namespace ade

#endif // ADE_DIALECT_ADE_UTILS_TRANSPOSES_H
