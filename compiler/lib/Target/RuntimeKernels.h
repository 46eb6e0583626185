//===- RuntimeKernels.h - The training runtime's own GPU kernels -*- C++
//-*-===//
//
// Kernels that `aderun train --device cuda` runs besides the entries, so
// that parameters, optimizer state and noise stay on the GPU: Adam on a
// flat parameter vector, the parameters' moving average, and the
// sampler's noise (Philox4x32-10). Written in MLIR
// (the gpu, scf, memref, arith and math dialects) and compiled with the
// entries' kernels, for the GPU and for the emulator alike.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_TARGET_RUNTIMEKERNELS_H
#define ADE_TARGET_RUNTIMEKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace ade {

/// Adds the runtime kernels for parameters of `elementType` ("f32" or
/// "f64", the entries') to `kernels`, at the stage of the entries' kernels
/// before the NVVM lowering (control flow in cf), with `blockSize` threads
/// per block. Their owner is "ade.runtime" (runtime/include/ade/abi.h).
llvm::LogicalResult addRuntimeKernels(mlir::gpu::GPUModuleOp kernels,
                                      llvm::StringRef elementType,
                                      unsigned blockSize);

} // namespace ade

#endif // ADE_TARGET_RUNTIMEKERNELS_H
