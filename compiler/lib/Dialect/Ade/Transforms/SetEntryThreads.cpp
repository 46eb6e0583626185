//===- SetEntryThreads.cpp - Per-call thread counts for entries -----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace ade {
#define GEN_PASS_DEF_ADESETENTRYTHREADS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMaxThreads = "omp_get_max_threads";

struct AdeSetEntryThreadsPass
    : public ade::impl::AdeSetEntryThreadsBase<AdeSetEntryThreadsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());
    func::FuncOp maxThreads;
    for (auto entry : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!entry->hasAttr("ade.entry"))
        continue;
      SmallVector<omp::ParallelOp> regions;
      entry.walk([&](omp::ParallelOp p) { regions.push_back(p); });
      if (regions.empty())
        continue;
      if (!maxThreads) {
        maxThreads = module.lookupSymbol<func::FuncOp>(kMaxThreads);
        if (!maxThreads) {
          b.setInsertionPointToStart(module.getBody());
          maxThreads = func::FuncOp::create(
              b, module.getLoc(), kMaxThreads,
              b.getFunctionType({}, {b.getI32Type()}));
          maxThreads.setPrivate();
        }
      }
      // n = threads > 0 ? threads : omp_get_max_threads()
      Location loc = entry.getLoc();
      b.setInsertionPointToStart(&entry.getBody().front());
      Value threads = entry.getArguments().back();
      Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
      Value positive = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                             threads, zero);
      Value fallback =
          func::CallOp::create(b, loc, maxThreads, ValueRange{}).getResult(0);
      Value n = arith::SelectOp::create(b, loc, positive, threads, fallback);
      for (omp::ParallelOp p : regions)
        p.getNumThreadsMutable().assign(n);
    }
  }
};

} // namespace
