//===- ExternDynamicSharedMemory.cpp - Shared memory of unknown size ------===//
//
// convert-gpu-to-nvvm defines a kernel's dynamic shared memory as an
// internal, zero-sized global. LLVM's alias analysis takes a defined object
// for its size: no 4-byte access fits in 0 bytes, so it calls any two
// accesses to that memory through different addresses disjoint. LICM then
// kept a 3 x 3 Gauss-Jordan matrix in registers across the pivot loop that
// swaps its rows in memory (Linear.sampler_vjp's gradients were wrong on an
// H200, while the emulator, whose shared memory is a pointer, was right).
// Declared external, as CUDA declares `extern __shared__ char s[];`, its
// size is unknown and the analysis compares offsets.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace ade {
#define GEN_PASS_DEF_ADEEXTERNDYNAMICSHAREDMEMORY
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeExternDynamicSharedMemoryPass
    : public ade::impl::AdeExternDynamicSharedMemoryBase<
          AdeExternDynamicSharedMemoryPass> {
  void runOnOperation() override {
    for (auto global : getOperation().getOps<LLVM::GlobalOp>()) {
      auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      if (global.getAddrSpace() != unsigned(NVVM::NVVMMemorySpace::Shared) ||
          !array || array.getNumElements() != 0 || global.getValueOrNull() ||
          !global.getInitializerRegion().empty())
        continue;
      global.setLinkage(LLVM::Linkage::External);
    }
  }
};

} // namespace
