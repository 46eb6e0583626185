//===- CloneFills.cpp - A fill per destination it initializes -------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/Uses.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace ade {
#define GEN_PASS_DEF_ADECLONEFILLS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Whether `op` fills its one destination with values computed from its
/// operands alone: a linalg.fill, or a linalg.generic without inputs whose
/// body ignores the destination's elements.
bool isFill(linalg::LinalgOp op) {
  if (isa<linalg::FillOp>(op))
    return true;
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  return generic && generic.getNumDpsInputs() == 0 &&
         generic.getNumDpsInits() == 1 && generic.getNumResults() == 1 &&
         generic.getMatchingBlockArgument(generic.getDpsInitOperand(0))
             .use_empty();
}

struct AdeCloneFillsPass
    : public ade::impl::AdeCloneFillsBase<AdeCloneFillsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> fills;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && isFill(op) &&
          !op->getResult(0).hasOneUse())
        fills.push_back(op);
    });
    OpBuilder builder(&getContext());
    for (linalg::LinalgOp fill : fills) {
      // Every use after the first (in program order, by the op of the
      // fill's block that holds it) gets a copy placed before that op.
      auto uses =
          ade::getUsesInProgramOrder(fill->getResult(0), fill->getBlock());
      for (ade::AnchoredUse use : llvm::drop_begin(uses)) {
        builder.setInsertionPoint(use.anchor);
        use.use->set(builder.clone(*fill)->getResult(0));
      }
    }
  }
};

} // namespace
