//===- Pipelines.h - The lowering pipelines ---------------------*- C++ -*-===//
//
// The pass pipelines from the ade dialect to the LLVM dialect, in one place
// for adec and the tests. See docs/compiler.md for the stages.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_PIPELINES_PIPELINES_H
#define ADE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace ade {

struct CPUPipelineOptions {
  /// Particles per tile.
  int64_t tileSize = 16;
  /// Particles per tile of the kernels of medium and of large models
  /// (ade::kMediumModelParams, ade::kLargeModelParams; 0: tileSize). adec
  /// makes the medium tile one register block wide (registerColumns).
  int64_t mediumTileSize = 0;
  int64_t largeTileSize = 64;
  /// Particles per tile of large models' second tile functions, for small
  /// batches (0: none; adec: the medium tile).
  int64_t smallBatchTileSize = 0;
  /// Largest dimension for exact Hessian traces and dense Jacobians.
  unsigned denseLimit = 64;
  /// Rows and particles of a layer product's register blocks
  /// (ade-tile-and-vectorize's `mr` and `nr`; adec picks them for the
  /// target, registerBlock).
  int64_t registerRows = 4;
  int64_t registerColumns = 16;
};

/// The target-independent prefix of the pipeline: inlining, derivatives
/// expanded, per-particle kernels built (what `adec --emit=mlir-ad` shows).
std::string getDerivativePipeline(const CPUPipelineOptions &options);
mlir::LogicalResult buildDerivativePipeline(mlir::OpPassManager &pm,
                                            const CPUPipelineOptions &options);

/// The CPU pipeline as a textual list of module passes (what `adec` runs;
/// `ade-opt --pass-pipeline='builtin.module(<this>)'` runs it too).
std::string getCPUPipeline(const CPUPipelineOptions &options);

/// The CPU pipeline after the derivative pipeline.
std::string getCPULoweringPipeline(const CPUPipelineOptions &options);
mlir::LogicalResult buildCPULoweringPipeline(mlir::OpPassManager &pm,
                                             const CPUPipelineOptions &options);

/// Appends the CPU pipeline: ade (per-particle functions) -> batched
/// linalg tile functions -> bufferized entries -> OpenMP loops -> LLVM
/// dialect.
mlir::LogicalResult buildCPUPipeline(mlir::OpPassManager &pm,
                                     const CPUPipelineOptions &options);

struct CUDAPipelineOptions {
  /// The GPU architecture the PTX is generated for.
  std::string chip = "sm_90";
  /// Threads per block of every kernel.
  unsigned blockSize = 256;
  /// Particles per block of the kernels whose blocks share a tile in shared
  /// memory: one kernel per entry and size (the runtime keeps the fastest).
  /// Entries whose tile fits none get 8 particles per block, then one
  /// thread per particle. {1}: one thread per particle everywhere.
  std::vector<unsigned> tileSizes = {64, 16, 4};
  /// libdevice bitcode, linked when kernels call math functions.
  std::string libdevice;
  /// The entries' element type ("f32" or "f64"): of the runtime kernels'
  /// parameters too.
  std::string elementType = "f32";
};

/// The most dynamic shared memory a thread block can have on `chip`
/// ("sm_90": 227 KiB); the runtime leaves out kernels needing more than the
/// GPU at hand has (PTX for sm_90 also runs on newer GPUs with less).
unsigned maxSharedBytesPerBlock(llvm::StringRef chip);

/// One kernel form of the CUDA pipeline.
struct CUDAKernelForm {
  /// Particles per block: > 1 builds block kernels (a tile's buffers in
  /// shared memory, its loops over the block's threads), 1 kernels of one
  /// thread per particle.
  unsigned tileSize = 1;
  /// Appended to the kernels' names (several block forms of one entry).
  std::string nameSuffix;
  /// Entries not to build (built in another form).
  std::vector<std::string> exclude;
  /// Whether block kernels were tried before one thread per particle.
  bool afterBlocks = false;
  /// Whether block kernels are built for the VJPs too.
  bool withVJPs = true;
};

/// The CUDA pipeline after the derivative pipeline: per-particle kernels
/// -> tile functions -> GPU kernels (of one block per tile, or of one
/// thread per particle) in a gpu.module, lowered to the cf dialect.
std::string getCUDAKernelPipeline(const CUDAPipelineOptions &options,
                                  const CUDAKernelForm &form);
mlir::LogicalResult buildCUDAKernelPipeline(mlir::OpPassManager &pm,
                                            const CUDAPipelineOptions &options,
                                            const CUDAKernelForm &form);

/// The kernels' gpu.module (the kernel pipeline's, all forms merged) to
/// the NVVM/LLVM dialects, with its target attached: gpu-module-to-binary
/// turns it into PTX.
std::string getCUDANVVMPipeline(const CUDAPipelineOptions &options);
mlir::LogicalResult buildCUDANVVMPipeline(mlir::OpPassManager &pm,
                                          const CUDAPipelineOptions &options);

/// The same gpu.module to host functions of the LLVM dialect for the
/// runtime's GPU emulator (ade-emulate-gpu-kernels).
std::string getCUDAEmulatorPipeline();
mlir::LogicalResult buildCUDAEmulatorPipeline(mlir::OpPassManager &pm);

/// Registers every pass the pipelines use (upstream and ADE's).
void registerPipelinePasses();

/// Dialects, interfaces and translations the pipelines need.
void registerPipelineDialects(mlir::DialectRegistry &registry);

} // namespace ade

#endif // ADE_PIPELINES_PIPELINES_H
