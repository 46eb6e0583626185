//===- FuseElementwiseOps.cpp - Elementwise fusion that never recomputes --===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ade {
#define GEN_PASS_DEF_ADEFUSEELEMENTWISEOPS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Whether `op`'s payload only forwards one of its inputs (a transpose, a
/// broadcast, a copy): fused into a product it costs a load, not work.
bool onlyMovesData(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1)
    return false;
  Value yielded = generic.getBody()->getTerminator()->getOperand(0);
  auto arg = dyn_cast<BlockArgument>(yielded);
  return arg && arg.getOwner() == generic.getBody() &&
         generic.isDpsInput(generic.getMatchingOpOperand(arg));
}

/// Whether `fused`'s consumer reads each element of it once: its map uses
/// every loop (a sum over the tile of a product), where a contraction's
/// operand misses a loop and is read once per step of it (a matrix
/// product's right operand, once per output row). A pooling window's map
/// (i * s + k) uses every loop too: its producer is fused, as
/// linalg-fuse-elementwise-ops did, though overlapping windows read it more
/// than once.
bool readOnce(OpOperand *fused) {
  auto consumer = cast<linalg::LinalgOp>(fused->getOwner());
  AffineMap map = consumer.getMatchingIndexingMap(fused);
  for (unsigned d = 0; d < map.getNumDims(); ++d)
    if (!map.isFunctionOfDim(d))
      return false;
  return true;
}

struct AdeFuseElementwiseOpsPass
    : public ade::impl::AdeFuseElementwiseOpsBase<AdeFuseElementwiseOpsPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    bool intoSums = this->intoSums;
    linalg::ControlFusionFn control = [intoSums](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      auto consumer = cast<linalg::LinalgOp>(fused->getOwner());
      return consumer.getNumReductionLoops() == 0 || onlyMovesData(producer) ||
             (intoSums && readOnce(fused));
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (intoSums) {
      // The rest of linalg-fuse-elementwise-ops: reshapes folded into
      // their producers and consumers by expansion.
      linalg::ControlFusionFn oneUse = [](OpOperand *fused) {
        Operation *producer = fused->get().getDefiningOp();
        return producer && producer->hasOneUse();
      };
      linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, oneUse);
      tensor::populateBubbleUpExpandShapePatterns(patterns);
      tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
      tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
      affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
      context->getLoadedDialect<linalg::LinalgDialect>()
          ->getCanonicalizationPatterns(patterns);
      linalg::populateConstantFoldLinalgOperations(patterns, oneUse);
    }
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    // Bottom-up: a transpose fuses into its product before a computing
    // producer could fuse into the transpose. Like the upstream pass, the
    // CPU pipeline goes on where the patterns do not converge.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))) &&
        !intoSums)
      signalPassFailure();
  }
};

} // namespace
