//===- OutlineDensities.cpp - Large log-densities stay functions ----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <functional>

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

/// Whether `f` itself computes a matrix product or convolution (a layer)
/// and nothing a call could not: no draws, reports or calls.
bool isLayer(func::FuncOp f) {
  bool product = false, other = false;
  f.walk([&](Operation *op) {
    product |= isa<ade::MatmulOp, ade::Conv2dOp>(op);
    other |=
        isa<ade::DrawOp, ade::ReportOp, ade::DerivativeOp, func::CallOp>(op);
  });
  return product && !other;
}

/// How many times each function runs per sample (loops are unrolled, so
/// call sites times the caller's count), counted from the samplers and not
/// into outlined functions.
llvm::DenseMap<func::FuncOp, int64_t>
runsPerSample(ModuleOp module, const llvm::DenseSet<StringAttr> &outlined) {
  llvm::DenseMap<func::FuncOp, int64_t> runs;
  std::function<void(func::FuncOp, int64_t)> visit = [&](func::FuncOp f,
                                                         int64_t times) {
    runs[f] += times;
    f.walk([&](func::CallOp call) {
      if (outlined.contains(call.getCalleeAttr().getAttr()))
        return;
      if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
              call, call.getCalleeAttr());
          callee && !callee.isExternal())
        visit(callee, times);
    });
  };
  for (auto f : module.getOps<func::FuncOp>())
    if (f->hasAttr("ade.sample"))
      visit(f, 1);
  return runs;
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
    // A sampler's own layers that run more than once per sample (the nets of
    // a generalized leapfrog step, shared by its steps) stay functions too.
    // A layer that runs once (each layer of a flow) is inlined: its code is
    // not repeated, and the density pass reads each update's structure.
    for (auto &[f, times] : runsPerSample(module, outlined))
      if (times > 1 && f.isPrivate() && isLayer(f))
        outlined.insert(f.getSymNameAttr());
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
