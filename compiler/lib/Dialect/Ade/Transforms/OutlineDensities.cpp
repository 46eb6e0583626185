//===- OutlineDensities.cpp - Large log-densities stay functions ----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace ade {
#define GEN_PASS_DEF_ADEOUTLINEDENSITIES
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Whether `f` or a function it calls has a matrix product or convolution:
/// its code is large once differentiated, whatever its number of ops.
bool hasLayerProduct(func::FuncOp f) {
  return f
      .walk([&](Operation *op) {
        if (isa<ade::MatmulOp, ade::Conv2dOp>(op))
          return WalkResult::interrupt();
        if (auto call = dyn_cast<func::CallOp>(op)) {
          auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
              call, call.getCalleeAttr());
          if (callee && !callee.isExternal() && hasLayerProduct(callee))
            return WalkResult::interrupt();
        }
        return WalkResult::advance();
      })
      .wasInterrupted();
}

struct AdeOutlineDensitiesPass
    : public ade::impl::AdeOutlineDensitiesBase<AdeOutlineDensitiesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseSet<StringAttr> outlined;
    for (auto f : module.getOps<func::FuncOp>())
      if (f->hasAttr("ade.log_density") && !f.isExternal() &&
          (hasLayerProduct(f) || ade::inlinedSize(f) >= minOps)) {
        f->setAttr("ade.outline", UnitAttr::get(f.getContext()));
        outlined.insert(f.getSymNameAttr());
      }
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (outlined.contains(call.getCalleeAttr().getAttr()))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      OpBuilder b(call);
      auto kept = ade::CallOp::create(b, call.getLoc(), call.getResultTypes(),
                                      call.getCalleeAttr(), call.getOperands());
      call.replaceAllUsesWith(kept.getOutputs());
      call.erase();
    }
  }
};

} // namespace
