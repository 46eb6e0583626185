//===- CUDAModule.cpp - PTX for the GPU kernels of model.so ---------------===//

#include "ade/Target/Codegen.h"

#include "ade/Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

std::string ade::findLibdevice() {
  std::vector<std::string> roots;
  for (const char *var : {"CUDA_PATH", "CUDA_HOME"})
    if (const char *root = std::getenv(var))
      roots.push_back(root);
  roots.push_back("/usr/local/cuda");
  for (const std::string &root : roots) {
    llvm::SmallString<256> path(root);
    llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  // Debian's nvidia-cuda-toolkit.
  const char *debian = "/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc";
  return llvm::sys::fs::exists(debian) ? debian : "";
}

LogicalResult ade::compileCUDAKernels(ModuleOp module,
                                      const CUDAPipelineOptions &options,
                                      CUDAModule &result,
                                      llvm::raw_ostream *gpuDialect,
                                      std::string &error) {
  OwningOpRef<ModuleOp> copy(module.clone());
  PassManager pm(module.getContext());
  if (failed(buildCUDAKernelPipeline(pm, options)) || failed(pm.run(*copy))) {
    error = "lowering to the GPU failed";
    return failure();
  }
  if (gpuDialect) {
    copy->print(*gpuDialect);
    return success();
  }
  result.arch = options.chip;
  result.kernels.clear();
  copy->walk([&](LLVM::LLVMFuncOp fn) {
    auto owner = fn->getAttrOfType<StringAttr>("ade.owner");
    auto entry = fn->getAttrOfType<StringAttr>("ade.entry");
    if (fn->hasAttr(gpu::GPUDialect::getKernelFuncAttrName()) && owner && entry)
      // Bare pointers: one per buffer, then the batch.
      result.kernels.push_back({fn.getName().str(), owner.str(), entry.str(),
                                int32_t(fn.getNumArguments()) - 1});
  });

  PassManager binary(module.getContext());
  std::string pipelineError;
  llvm::raw_string_ostream os(pipelineError);
  if (failed(parsePassPipeline(
          "gpu-module-to-binary{format=isa}", binary, os)) ||
      failed(binary.run(*copy))) {
    error = "PTX generation failed" +
            (pipelineError.empty() ? std::string() : ": " + pipelineError);
    return failure();
  }
  for (auto bin : copy->getOps<gpu::BinaryOp>())
    for (Attribute object : bin.getObjects())
      if (auto ptx = dyn_cast<gpu::ObjectAttr>(object))
        result.ptx = ptx.getObject().str();
  if (result.ptx.empty()) {
    error = "internal: no PTX was generated";
    return failure();
  }
  return success();
}
