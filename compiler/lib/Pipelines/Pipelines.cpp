//===- Pipelines.cpp - The lowering pipelines -----------------------------===//

#include "ade/Pipelines/Pipelines.h"

#include "ade/Conversion/Passes.h"
#include "ade/Dialect/Ade/IR/AdeDialect.h"
#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::string ade::getDerivativePipeline(const CPUPipelineOptions &options) {
  return
      // Per-particle functions, inlined but for large log-densities (called
      // by every step of a sampler: one copy of their code, and of their
      // gradient's); derivatives expanded; the per-particle kernels of
      // every entry.
      // Inlining without simplification: the density pass must see
      // updates whose results are unused (the last momentum of a leapfrog
      // step stays in the sampler's joint).
      "ade-outline-densities,inline{default-pipeline=},"
      "ade-autodiff{dense-limit=" +
      std::to_string(options.denseLimit) +
      "},"
      "ade-density{dense-limit=" +
      std::to_string(options.denseLimit) +
      "},"
      "canonicalize,cse,"
      // A Metropolis step's kept branch: the proposal's values, chosen.
      "func.func(ade-reuse-branches),canonicalize,cse,"
      "ade-build-kernels{dense-limit=" +
      std::to_string(options.denseLimit) +
      "},canonicalize,cse,"
      // Forward halves of sweeps that store the same residuals, and their
      // callers, compiled once.
      "ade-merge-functions,"
      // Sweeps inlined where they are a few ops are left uncalled.
      "symbol-dce";
}

std::string ade::getCPUPipeline(const CPUPipelineOptions &options) {
  return getDerivativePipeline(options) + "," + getCPULoweringPipeline(options);
}

std::string ade::getCPULoweringPipeline(const CPUPipelineOptions &options) {
  return
      // Kernels batched into tile functions (batch dimension last) on
      // linalg/tensor.
      "convert-ade-to-linalg{tile-size=" + std::to_string(options.tileSize) +
      " medium-tile-size=" + std::to_string(options.mediumTileSize) +
      " large-tile-size=" + std::to_string(options.largeTileSize) +
      " small-batch-tile-size=" + std::to_string(options.smallBatchTileSize) +
      // A matrix's rows updated a vector register at a time (LLVM splits
      // the vectors where registers are narrower).
      " row-vector-bits=512},"
      // Tiles add their parameter gradients into the entry's sums (after
      // the reshapes of a concatenation's operands folded).
      "func.func(canonicalize),ade-accumulate-gradients,"
      // Costly work on the parameters alone: once per call, not per tile.
      "ade-hoist-uniform-work,"
      // Passes that work within a function are nested in func.func (or
      // llvm.func) so that functions are processed in parallel.
      "func.func(canonicalize,cse),"
      // The work per particle, for the metadata: before fusion, which may
      // compute a value twice.
      "ade-count-flops,"
      // Register blocks for layers, vectors along the batch elsewhere.
      "func.func(ade-fuse-elementwise-ops{into-sums=1}),"
      "func.func(ade-tile-and-vectorize{mr=" +
      std::to_string(options.registerRows) +
      " nr=" + std::to_string(options.registerColumns) +
      "},canonicalize,cse,"
      // Small alias sets: bufferization is quadratic in their size.
      "ade-split-empty-tensors),"
      // Tile functions take and fill caller buffers.
      "one-shot-bufferize{bufferize-function-boundaries=1 "
      "function-boundary-type-conversion=identity-layout-map},"
      // Its constants' globals in an order that does not vary by run.
      "ade-name-constant-globals,"
      "buffer-results-to-out-params{modify-public-functions=1 "
      "hoist-static-allocs=1},"
      "func.func(canonicalize),"
      // Entries: a parallel loop over tiles plus a zero-padded last tile.
      "ade-build-entries,"
      // Copies, fills and sums on buffers as vector rows too (LLVM's loop
      // vectorizer is not run).
      "func.func(ade-lower-memref-copies,ade-vectorize-buffer-loops,"
      "ade-lower-vectors,ade-approximate-math,canonicalize,cse),"
      // Before the vector lowering: libm calls unroll vectors into lanes.
      "ade-math-to-libm,"
      // Tile intermediates on the stack (no malloc per call) up to 256 KiB
      // each and 1 MiB per function.
      // buffer-deallocation-pipeline, with its passes run per function in
      // parallel (at module level its canonicalizations ran serially) and
      // only where heap buffers remain; only the lowering of deallocations
      // may add a helper function.
      "func.func(ade-stack-buffers,ade-deallocate-buffers),"
      "bufferization-lower-deallocations,func.func(cse,canonicalize),"
      // Larger buffers from per-thread workspaces: no malloc per call.
      "ade-thread-workspaces,"
      "func.func(convert-linalg-to-loops,scf-forall-to-parallel),"
      "convert-scf-to-openmp,ade-set-entry-threads,"
      // The math ops the compiler emits all have LLVM intrinsics (f64 tanh
      // included, which LLVM calls libm for).
      "func.func(lower-affine,convert-scf-to-cf,convert-vector-to-llvm,"
      "expand-strided-metadata,lower-affine,convert-math-to-llvm,"
      "convert-arith-to-llvm,convert-index-to-llvm),"
      "convert-to-llvm,reconcile-unrealized-casts,"
      // Every memref access extracted the pointer from its descriptor and
      // every call rebuilt descriptors: folded, half of the IR that LLVM
      // would parse, clean up and compile.
      "llvm.func(canonicalize,cse)";
}

unsigned ade::maxSharedBytesPerBlock(llvm::StringRef chip) {
  // The opt-in limits of CUDA's programming guide, by compute capability.
  unsigned version = 0;
  if (!chip.consume_front("sm_") || chip.consumeInteger(10, version))
    return 48 * 1024;
  if (version == 90 || version == 100 || version == 103)
    return 227 * 1024;
  if (version == 80 || version == 87)
    return 163 * 1024;
  if (version == 86 || version == 89 || version >= 110)
    return 99 * 1024;
  if (version == 70 || version == 72)
    return 96 * 1024;
  return version == 75 ? 64 * 1024 : 48 * 1024;
}

std::string ade::getCUDAKernelPipeline(const CUDAPipelineOptions &options,
                                       const CUDAKernelForm &form) {
  std::string kernelOptions = "block-size=" + std::to_string(options.blockSize);
  if (!form.exclude.empty())
    kernelOptions += " exclude=" + llvm::join(form.exclude, ",");
  bool blocks = form.tileSize > 1;
  if (blocks && !form.nameSuffix.empty())
    kernelOptions += " name-suffix=" + form.nameSuffix;
  if (blocks)
    kernelOptions += " max-shared-bytes=" +
                     std::to_string(maxSharedBytesPerBlock(options.chip));
  if (blocks && !form.withVJPs)
    kernelOptions += " vjps=0";
  if (!blocks && form.afterBlocks)
    kernelOptions += " after-blocks=1";
  return
      // Tile functions of T particles (one per block) or of one particle
      // (one per thread) on memrefs of any layout: kernels view rows of
      // the batch in place; each kernel's whole body inline.
      "ade-inline-calls,canonicalize,cse,"
      "convert-ade-to-linalg{tile-size=" +
      std::to_string(form.tileSize) + "}," +
      // A VJP's tiles add their gradients into their block's sums.
      std::string(blocks ? "ade-accumulate-gradients," : "") +
      // Transposed weights read in place: fused into their products before
      // CSE gives them several users (a private copy per thread is 64 KiB).
      // Block kernels compute an activation once for a tile rather than
      // once per row of the next product.
      "linalg-generalize-named-ops," +
      std::string(blocks ? "ade-fuse-elementwise-ops,"
                         : "linalg-fuse-elementwise-ops,") +
      // Kept ReLU pre-activations as i1 masks; an accumulator per product
      // rather than copies of one: less shared memory, more blocks on a
      // multiprocessor.
      "ade-narrow-masks,canonicalize,cse,ade-clone-fills,"
      "one-shot-bufferize{bufferize-function-boundaries=1 "
      "function-boundary-type-conversion=fully-dynamic-layout-map},"
      "buffer-results-to-out-params{modify-public-functions=1},"
      "canonicalize," +
      (blocks ? "ade-build-gpu-tile-kernels{" + kernelOptions +
                    "},canonicalize,cse,"
                    "ade-lower-memref-copies,convert-linalg-to-parallel-loops,"
                    "canonicalize,cse,"
                    "gpu.module(ade-map-loops-to-threads),canonicalize,cse,"
              : "ade-build-gpu-kernels{" + kernelOptions +
                    "},canonicalize,cse,"
                    "ade-lower-memref-copies,convert-linalg-to-loops,"
                    "canonicalize,cse,") +
      "lower-affine,convert-scf-to-cf,expand-strided-metadata,lower-affine";
}

std::string ade::getCUDANVVMPipeline(const CUDAPipelineOptions &options) {
  std::string target = "chip=" + options.chip + " features=+ptx80 O=3";
  if (!options.libdevice.empty())
    target += " l=" + options.libdevice;
  // Bare pointers: a kernel takes one pointer per buffer.
  return "nvvm-attach-target{" + target +
         "},"
         "gpu.module(convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
         "canonicalize,cse,reconcile-unrealized-casts,"
         // Shared memory of unknown size, else LLVM's alias analysis
         // calls its accesses disjoint.
         "ade-extern-dynamic-shared-memory)";
}

std::string ade::getCUDAEmulatorPipeline() {
  // The kernels' math as on the CPU: LLVM intrinsics, libm for the rest.
  return "ade-emulate-gpu-kernels,ade-math-to-libm,"
         "func.func(convert-math-to-llvm),convert-math-to-libm,"
         "func.func(convert-arith-to-llvm,convert-index-to-llvm),"
         "convert-to-llvm,reconcile-unrealized-casts,"
         "llvm.func(canonicalize,cse)";
}

static LogicalResult parse(OpPassManager &pm, const std::string &pipeline) {
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(pipeline, pm, os))) {
    llvm::errs() << "internal: bad pipeline: " << error << "\n";
    return failure();
  }
  return success();
}

LogicalResult ade::buildCPUPipeline(OpPassManager &pm,
                                    const CPUPipelineOptions &options) {
  return parse(pm, getCPUPipeline(options));
}

LogicalResult ade::buildCPULoweringPipeline(OpPassManager &pm,
                                            const CPUPipelineOptions &options) {
  return parse(pm, getCPULoweringPipeline(options));
}

LogicalResult ade::buildCUDAKernelPipeline(OpPassManager &pm,
                                           const CUDAPipelineOptions &options,
                                           const CUDAKernelForm &form) {
  return parse(pm, getCUDAKernelPipeline(options, form));
}

LogicalResult ade::buildCUDANVVMPipeline(OpPassManager &pm,
                                         const CUDAPipelineOptions &options) {
  return parse(pm, getCUDANVVMPipeline(options));
}

LogicalResult ade::buildCUDAEmulatorPipeline(OpPassManager &pm) {
  return parse(pm, getCUDAEmulatorPipeline());
}

LogicalResult ade::buildDerivativePipeline(OpPassManager &pm,
                                           const CPUPipelineOptions &options) {
  return parse(pm, getDerivativePipeline(options));
}

void ade::registerPipelinePasses() {
  static bool registered = [] {
    registerAllPasses();
    registerAdeConversionPasses();
    registerAdePasses();
    return true;
  }();
  (void)registered;
}

void ade::registerPipelineDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<AdeDialect>();
}
