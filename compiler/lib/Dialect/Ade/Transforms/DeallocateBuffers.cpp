//===- DeallocateBuffers.cpp - Deallocation where buffers remain ----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace ade {
#define GEN_PASS_DEF_ADEDEALLOCATEBUFFERS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeDeallocateBuffersPass
    : public ade::impl::AdeDeallocateBuffersBase<AdeDeallocateBuffersPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (!fn.walk([](memref::AllocOp) {
             return WalkResult::interrupt();
           }).wasInterrupted())
      return;
    OpPassManager pm(func::FuncOp::getOperationName());
    memref::ExpandReallocPassOptions expand;
    expand.emitDeallocs = false;
    pm.addPass(memref::createExpandReallocPass(expand));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
    if (failed(runPipeline(pm, fn)))
      signalPassFailure();
  }
};

} // namespace
