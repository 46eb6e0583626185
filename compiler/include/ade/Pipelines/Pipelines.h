//===- Pipelines.h - The lowering pipelines ---------------------*- C++ -*-===//
//
// The pass pipelines from the ade dialect to the LLVM dialect, in one place
// for adec and the tests. See docs/compiler.md for the stages.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_PIPELINES_PIPELINES_H
#define ADE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace ade {

struct CPUPipelineOptions {
  /// Particles per tile.
  int64_t tileSize = 32;
  /// Largest dimension for exact Hessian traces and dense Jacobians.
  unsigned denseLimit = 64;
};

/// The target-independent prefix of the pipeline: inlining, derivatives
/// expanded, per-particle kernels built (what `adec --emit=mlir-ad` shows).
std::string getDerivativePipeline(const CPUPipelineOptions &options);
mlir::LogicalResult buildDerivativePipeline(mlir::OpPassManager &pm,
                                            const CPUPipelineOptions &options);

/// The CPU pipeline as a textual list of module passes (what `adec` runs;
/// `ade-opt --pass-pipeline='builtin.module(<this>)'` runs it too).
std::string getCPUPipeline(const CPUPipelineOptions &options);

/// Appends the CPU pipeline: ade (per-particle functions) -> batched
/// linalg tile functions -> bufferized entries -> OpenMP loops -> LLVM
/// dialect.
mlir::LogicalResult buildCPUPipeline(mlir::OpPassManager &pm,
                                     const CPUPipelineOptions &options);

/// Registers every pass the pipelines use (upstream and ADE's).
void registerPipelinePasses();

/// Dialects, interfaces and translations the pipelines need.
void registerPipelineDialects(mlir::DialectRegistry &registry);

} // namespace ade

#endif // ADE_PIPELINES_PIPELINES_H
