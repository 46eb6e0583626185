//===- SplitEmptyTensors.cpp - A tensor.empty per few uses ----------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace ade {
#define GEN_PASS_DEF_ADESPLITEMPTYTENSORS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeSplitEmptyTensorsPass
    : public ade::impl::AdeSplitEmptyTensorsBase<AdeSplitEmptyTensorsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp e) { empties.push_back(e); });
    OpBuilder builder(&getContext());
    unsigned group = std::max(1u, unsigned(usesPerTensor));
    for (tensor::EmptyOp empty : empties) {
      // Uses in program order, by the op of the tensor.empty's block that
      // holds each (a loop's body uses it through the loop).
      Block *block = empty->getBlock();
      auto anchor = [&](OpOperand *use) {
        return block->findAncestorOpInBlock(*use->getOwner());
      };
      auto uses = llvm::map_to_vector(empty->getUses(),
                                      [](OpOperand &use) { return &use; });
      llvm::stable_sort(uses, [&](OpOperand *a, OpOperand *b) {
        return anchor(a)->isBeforeInBlock(anchor(b));
      });
      Value shared;
      for (auto [i, use] : llvm::enumerate(uses)) {
        if (i < group)
          continue;
        if (i % group == 0) {
          builder.setInsertionPoint(anchor(use));
          shared = builder.clone(*empty)->getResult(0);
        }
        use->set(shared);
      }
    }
  }
};

} // namespace
