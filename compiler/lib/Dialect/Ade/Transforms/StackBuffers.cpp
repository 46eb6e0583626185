//===- StackBuffers.cpp - Small buffers on the stack, within a budget -----===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Pass/PassManager.h"

namespace ade {
#define GEN_PASS_DEF_ADESTACKBUFFERS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeStackBuffersPass
    : public ade::impl::AdeStackBuffersBase<AdeStackBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    // The upstream pass asks about each allocation once, in program order.
    int64_t used = 0;
    int64_t limit = maxAllocSize, total = budget;
    auto fitsBudget = [&used, limit, total](Value alloc) {
      auto type = dyn_cast<MemRefType>(alloc.getType());
      if (!type || !type.hasStaticShape())
        return false;
      int64_t bytes = type.getNumElements() *
                      int64_t(DataLayout::closest(alloc.getDefiningOp())
                                  .getTypeSize(type.getElementType())
                                  .getFixedValue());
      if (bytes > limit || used + bytes > total)
        return false;
      used += bytes;
      return true;
    };
    OpPassManager pm(func::FuncOp::getOperationName());
    pm.addPass(bufferization::createPromoteBuffersToStackPass(fitsBudget));
    if (failed(runPipeline(pm, getOperation())))
      signalPassFailure();
  }
};

} // namespace
