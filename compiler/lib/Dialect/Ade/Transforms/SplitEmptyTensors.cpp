//===- SplitEmptyTensors.cpp - A tensor.empty per few uses ----------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/Uses.h"

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
      auto uses = ade::getUsesInProgramOrder(empty, empty->getBlock());
      Value shared;
      for (auto [i, use] : llvm::enumerate(uses)) {
        if (i < group)
          continue;
        if (i % group == 0) {
          builder.setInsertionPoint(use.anchor);
          shared = builder.clone(*empty)->getResult(0);
        }
        use.use->set(shared);
      }
    }
  }
};

} // namespace
