//===- FuseElementwiseOps.cpp - Elementwise fusion that never recomputes --===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
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

struct AdeFuseElementwiseOpsPass
    : public ade::impl::AdeFuseElementwiseOpsBase<AdeFuseElementwiseOpsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      auto consumer = cast<linalg::LinalgOp>(fused->getOwner());
      return consumer.getNumReductionLoops() == 0 || onlyMovesData(producer);
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
