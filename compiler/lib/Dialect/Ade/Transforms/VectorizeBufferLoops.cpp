//===- VectorizeBufferLoops.cpp - Vector rows for ops on buffers ----------===//
//
// The linalg ops that bufferization and the entries leave on buffers (copies
// of results into a kernel's flat gradient, fills, parameter gradients
// added up across tiles, broadcasts) would lower to scalar loops, which
// only LLVM's loop vectorizer made fast (without it moons' energy_vjp ran
// twice as slow), at two fifths of LLVM's optimization time. Each such op is
// split along its innermost dimension into a part of whole vector rows and
// a remainder, each tiled to one row per step and vectorized here. The
// entries' transposes of a tile's particles (to feature-major and back) are
// tiled into square blocks instead (Utils/Transposes.h).
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/Transposes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace ade {
#define GEN_PASS_DEF_ADEVECTORIZEBUFFERLOOPS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Bits of a vector register (AVX-512; LLVM splits wider vectors).
constexpr int64_t kVectorBits = 512;

/// Whether every buffer the innermost loop indexes is contiguous along it:
/// the loop indexes each operand's last dimension, of unit stride, or none
/// of its dimensions (a broadcast).
bool innermostIsContiguous(linalg::LinalgOp op) {
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    std::optional<unsigned> position =
        map.getResultPosition(getAffineDimExpr(inner, op.getContext()));
    if (!position)
      continue;
    if (*position != map.getNumResults() - 1)
      return false;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return false;
  }
  return true;
}

/// Tiles `op` to steps of `sizes` and vectorizes the steps; a step the
/// vectorizer does not take stays a loop nest.
LogicalResult vectorizeSteps(IRRewriter &rewriter, TilingInterface op,
                             ArrayRef<OpFoldResult> sizes) {
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, op, options);
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(op);
  for (Operation *step : tiled->tiledOps) {
    if (failed(linalg::vectorizeOpPrecondition(step)))
      continue;
    rewriter.setInsertionPoint(step);
    if (failed(linalg::vectorize(rewriter, step)))
      return failure();
    rewriter.eraseOp(step);
  }
  return success();
}

/// Tiles `op` to one step of `width` along its innermost loop (1 along the
/// others) and vectorizes the step.
LogicalResult vectorizeRows(IRRewriter &rewriter, TilingInterface op,
                            int64_t width) {
  auto linalgOp = cast<linalg::LinalgOp>(op.getOperation());
  SmallVector<OpFoldResult> sizes(linalgOp.getNumLoops(),
                                  rewriter.getIndexAttr(1));
  sizes.back() = rewriter.getIndexAttr(width);
  return vectorizeSteps(rewriter, op, sizes);
}

struct AdeVectorizeBufferLoopsPass
    : public ade::impl::AdeVectorizeBufferLoopsBase<
          AdeVectorizeBufferLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() &&
          (isVectorizable(op) || ade::isBlockTranspose(op)))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      if (failed(ade::isBlockTranspose(op) ? vectorizeInBlocks(rewriter, op)
                                           : vectorizeInRows(rewriter, op))) {
        op->emitError("internal: vectorizing a loop on buffers failed");
        return signalPassFailure();
      }
  }

  /// Copies, fills and elementwise ops whose innermost loop has a static
  /// length and runs along contiguous memory (the others are tiled by 1:
  /// the padded last tile's copies have a dynamic number of rows).
  static bool isVectorizable(linalg::LinalgOp op) {
    if (!isa<linalg::CopyOp, linalg::FillOp, linalg::GenericOp>(op))
      return false;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (ranges.empty() || ShapedType::isDynamic(ranges.back()) ||
        op.getNumLoops() != op.getNumParallelLoops() ||
        !linalg::allIndexingsAreProjectedPermutation(op))
      return false;
    if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
      if (!generic.getBody()->getOps<linalg::IndexOp>().empty())
        return false;
    // Vectors of i1 are packed in bits (booleans are stored as i8).
    Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
    return element.isIntOrFloat() && element.getIntOrFloatBitWidth() >= 8 &&
           innermostIsContiguous(op);
  }

  /// Square blocks of a transpose, each read whole.
  static LogicalResult vectorizeInBlocks(IRRewriter &rewriter,
                                         linalg::LinalgOp op) {
    SmallVector<OpFoldResult> sizes(
        2, rewriter.getIndexAttr(ade::kTransposeBlock));
    return vectorizeSteps(rewriter, cast<TilingInterface>(op.getOperation()),
                          sizes);
  }

  /// Whole rows, then the remainder as one shorter row per step.
  static LogicalResult vectorizeInRows(IRRewriter &rewriter,
                                       linalg::LinalgOp op) {
    Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
    int64_t width =
        std::max<int64_t>(1, kVectorBits / element.getIntOrFloatBitWidth());
    int64_t length = op.getStaticLoopRanges().back();
    int64_t whole = length - length % width;
    auto tileable = cast<TilingInterface>(op.getOperation());
    if (whole == 0 || whole == length)
      return vectorizeRows(rewriter, tileable, std::min(width, length));
    rewriter.setInsertionPoint(op);
    auto [rows, rest] = linalg::splitOp(
        rewriter, tileable, op.getNumLoops() - 1, rewriter.getIndexAttr(whole));
    if (!rows || !rest)
      return failure();
    if (failed(vectorizeRows(rewriter, rows, width)))
      return failure();
    return vectorizeRows(rewriter, rest, length - whole);
  }
};

} // namespace
