//===- GPUKernels.h - Shared pieces of the GPU kernel builders --*- C++ -*-===//
//
// Both kernel forms (one thread per particle, and one thread block per tile
// of particles) wrap a bufferized tile function into a gpu.func with the
// same argument convention: the flat parameter buffers, then the
// particle-major batched buffers as bare pointers, then (VJPs) the flat
// parameter gradient buffers and a scratch buffer, then the batch. A VJP's
// tile function adds its gradients into sums it takes after its inputs
// (ade-accumulate-gradients): params, inputs, sums, outputs.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_DIALECT_ADE_UTILS_GPUKERNELS_H
#define ADE_DIALECT_ADE_UTILS_GPUKERNELS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace ade {

/// Batched kernel arguments are typed with this static length: the
/// bare-pointer kernel ABI needs static shapes, and nothing indexes past
/// the particles a thread or block owns.
constexpr int64_t kBatchedElements = int64_t(1) << 40;

/// A tile function's `ade.tile` attribute (the CPU entries' builder reads it
/// too).
struct TileInfo {
  int64_t size = 0;       // particles per tile
  size_t numParams = 0;   // leading parameter buffers, hoisted included
  size_t numHoisted = 0;  // the last of them: values of the others that
                          // the entry computes once per call
                          // (ade-hoist-uniform-work)
  mlir::StringRef uniform; // the function that computes them
  size_t numBatched = 0;  // then the batched inputs and outputs
  size_t numOutputs = 0;  // (the last of them)
  size_t numGrads = 0;    // then the parameter gradient sums (VJPs)
  llvm::SmallVector<bool> cotangent; // per batched input
  mlir::StringRef owner;  // the model or sampler
  mlir::StringRef kind;   // energy, grad_energy, ...
  std::string kernelName; // ade_<owner>_<kind>

  bool isVJP() const { return numGrads > 0; }
  /// The kernel argument of tile argument `i`: a VJP's tile takes its
  /// gradient sums before its outputs, the kernel after them.
  size_t kernelArgument(size_t i) const {
    size_t firstSum = numParams + numBatched - numOutputs;
    if (i < firstSum)
      return i;
    if (i < firstSum + numGrads)
      return i + numOutputs;
    return i - numGrads;
  }
};

/// The tile attribute of `tile`, std::nullopt when it has none; failure
/// (with an error) when it is incomplete.
mlir::FailureOr<std::optional<TileInfo>> getTileInfo(mlir::func::FuncOp tile);

/// The tile functions of `module` that get kernels, with their tile
/// attributes: all but the entries in `exclude`, those with nothing to
/// compute (the VJPs of models without parameters) and, unless `withVJPs`,
/// the VJPs (their sums over particles need blocks). Fails, with
/// `sizeError` at the function, when `sizeOk` rejects a tile's size.
mlir::FailureOr<llvm::SmallVector<std::pair<mlir::func::FuncOp, TileInfo>>>
kernelTiles(mlir::ModuleOp module, llvm::ArrayRef<std::string> exclude,
            bool withVJPs, llvm::function_ref<bool(int64_t)> sizeOk,
            llvm::StringRef sizeError);

/// The gpu.module `name` at the end of `module`, which becomes a GPU
/// container module.
mlir::gpu::GPUModuleOp createGPUModule(mlir::ModuleOp module,
                                       llvm::StringRef name);

/// Erases everything in `module` but `gpuModule`: the kernels are
/// self-contained copies.
void keepOnlyGPUModule(mlir::ModuleOp module, mlir::gpu::GPUModuleOp gpuModule);

/// Copies the global constants `tile` reads into `gpuModule`.
mlir::LogicalResult copyGlobals(mlir::gpu::GPUModuleOp gpuModule,
                                mlir::func::FuncOp tile);

/// Whether `buffer` or a view of it reaches an op that may alias it
/// otherwise: a terminator (a loop's yield), an operand of a loop or
/// branch op, an op with memref results that is no view. Liveness by views
/// alone is then not enough (linalg ops read and write in place).
bool escapes(mlir::Value buffer);

/// gpu.func @name(params..., batched buffers of kBatchedElements...,
/// grads..., [scratch: kBatchedElements bytes, VJPs], i64 batch) kernel,
/// for `tile`'s arguments (static shapes), with a known block size of
/// `blockSize` threads, ade.owner and ade.entry attributes, and an empty
/// entry block.
mlir::FailureOr<mlir::gpu::GPUFuncOp>
createKernel(mlir::gpu::GPUModuleOp gpuModule, mlir::func::FuncOp tile,
             const TileInfo &info, unsigned blockSize);

/// Records in `gpuModule`'s `ade.unbuilt` that `kernel`'s entry got no
/// kernel of this form (another form may build it).
void markUnbuilt(mlir::gpu::GPUModuleOp gpuModule, mlir::gpu::GPUFuncOp kernel);

} // namespace ade

#endif // ADE_DIALECT_ADE_UTILS_GPUKERNELS_H
