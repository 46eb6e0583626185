//===- CUDAModule.cpp - PTX for the GPU kernels of model.so ---------------===//

#include "ade/Target/Codegen.h"

#include "ade/Pipelines/Pipelines.h"

#include "RuntimeKernels.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <set>

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

/// Lowers a copy of `module` to the kernels of `form` (the kernel
/// pipeline), and moves them (and the globals they need, renamed where
/// `into` has another of the name) into `into`'s gpu.module, or makes the
/// copy's gpu.module that module when `into` is empty. Adds the entries
/// built (ade_<owner>_<entry>) to `built`.
static LogicalResult
lowerKernels(ModuleOp module, const ade::CUDAPipelineOptions &options,
             const ade::CUDAKernelForm &form, OwningOpRef<ModuleOp> &into,
             std::vector<std::string> &built, std::set<std::string> &unbuilt) {
  OwningOpRef<ModuleOp> copy(module.clone());
  PassManager pm(module.getContext());
  if (failed(buildCUDAKernelPipeline(pm, options, form)) ||
      failed(pm.run(*copy)))
    return failure();
  auto source = *copy->getOps<gpu::GPUModuleOp>().begin();
  for (auto fn : source.getOps<gpu::GPUFuncOp>())
    if (fn.isKernel())
      built.push_back(fn.getName().drop_back(form.nameSuffix.size()).str());
  if (auto list = source->getAttrOfType<ArrayAttr>("ade.unbuilt"))
    for (auto name : list.getAsValueRange<StringAttr>())
      unbuilt.insert(name.str());
  if (!into) {
    into = std::move(copy);
    return success();
  }
  auto target = *into->getOps<gpu::GPUModuleOp>().begin();
  SymbolTable symbols(target), sourceSymbols(source);
  for (Operation &op : llvm::make_early_inc_range(*source.getBody())) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!symbol)
      continue;
    if (symbols.lookup(symbol.getName())) {
      // Declarations (libm functions) are the same in both; globals of
      // the same name (constants named by their type) need not be.
      if (auto fn = dyn_cast<FunctionOpInterface>(op); fn && fn.isExternal())
        continue;
      unsigned suffix = 0;
      std::string name;
      do
        name = (symbol.getName() + "_" + llvm::Twine(++suffix)).str();
      while (symbols.lookup(name) || sourceSymbols.lookup(name));
      auto newName = StringAttr::get(op.getContext(), name);
      if (failed(SymbolTable::replaceAllSymbolUses(&op, newName, source)))
        return failure();
      SymbolTable::setSymbolName(&op, newName);
    }
    op.moveBefore(target.getBody(), target.getBody()->end());
    symbols.insert(&op);
  }
  return success();
}

/// The kernels of `kernels` (a module with the merged gpu.module) as host
/// functions for the GPU emulator, every symbol prefixed with
/// ade::kEmulatedKernelPrefix.
static OwningOpRef<ModuleOp> lowerForEmulator(ModuleOp kernels) {
  OwningOpRef<ModuleOp> copy(kernels.clone());
  PassManager pm(kernels.getContext());
  if (failed(ade::buildCUDAEmulatorPipeline(pm)) || failed(pm.run(*copy)))
    return nullptr;
  SymbolTable symbols(*copy);
  for (Operation &op : llvm::make_early_inc_range(*copy->getBody())) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    auto fn = dyn_cast<FunctionOpInterface>(op);
    if (!symbol || (fn && fn.isExternal()))
      continue;
    auto name = StringAttr::get(op.getContext(),
                                llvm::Twine(ade::kEmulatedKernelPrefix) +
                                    symbol.getName());
    if (failed(symbols.rename(&op, name)))
      return nullptr;
  }
  return copy;
}

std::string ade::findPtxas() {
  for (const char *var : {"CUDA_PATH", "CUDA_HOME"})
    if (const char *root = std::getenv(var)) {
      llvm::SmallString<256> path(root);
      llvm::sys::path::append(path, "bin", "ptxas");
      if (llvm::sys::fs::can_execute(path))
        return std::string(path);
    }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda/bin/ptxas";
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  return "";
}

LogicalResult ade::compileCubin(CUDAModule &cuda, const std::string &ptxas,
                                std::string &error) {
  llvm::SmallString<128> ptxPath, cubinPath, logPath;
  int fd = -1;
  if (llvm::sys::fs::createTemporaryFile("adec", "ptx", fd, ptxPath) ||
      llvm::sys::fs::createTemporaryFile("adec", "cubin", cubinPath) ||
      llvm::sys::fs::createTemporaryFile("adec", "log", logPath)) {
    error = "cannot create temporary files for ptxas";
    return failure();
  }
  llvm::FileRemover removePtx(ptxPath), removeCubin(cubinPath),
      removeLog(logPath);
  {
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << cuda.ptx;
    out.close();
    // Unchecked, a failed write (a full disk) aborts in the destructor.
    if (out.has_error()) {
      error = "cannot write the PTX for ptxas: " + out.error().message();
      out.clear_error();
      return failure();
    }
  }
  std::string arch = "-arch=" + cuda.arch;
  llvm::SmallVector<llvm::StringRef> args = {
      ptxas, arch, "-O3", "--split-compile", "0", ptxPath, "-o", cubinPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects,
                                         /*SecondsToWait=*/0,
                                         /*MemoryLimit=*/0, &message);
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath);
  if (status != 0 || !cubin || (*cubin)->getBufferSize() == 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    error = "ptxas (" + ptxas + ") failed" +
            (message.empty() ? "" : ": " + message) +
            (log && (*log)->getBufferSize()
                 ? ":\n" + (*log)->getBuffer().rtrim().str()
                 : "");
    return failure();
  }
  cuda.cubin = (*cubin)->getBuffer().str();
  return success();
}

namespace {
/// While alive, LLVM's CodeGenPrepare treats every function as huge: after
/// its first pass over a function it revisits only the blocks it changed.
/// Otherwise it revisits every block until nothing changes, which on the
/// VJP kernels (few blocks, very long) took 14 of llc's 19 s for moons'
/// kernels; as huge functions, 6 s, and the same PTX up to register
/// numbers. Restored afterwards: the CPU's code generation keeps LLVM's
/// default.
class HugeFunctionsInCodeGenPrepare {
public:
  HugeFunctionsInCodeGenPrepare() {
    auto &options = llvm::cl::getRegisteredOptions();
    auto found = options.find("cgpp-huge-func");
    if (found == options.end())
      return;
    // LLVM 22's option (CodeGenPrepare.cpp) is a cl::opt<unsigned>.
    option = static_cast<llvm::cl::opt<unsigned> *>(found->second);
    saved = *option;
    option->setValue(1);
  }
  ~HugeFunctionsInCodeGenPrepare() {
    if (option)
      option->setValue(saved);
  }

private:
  llvm::cl::opt<unsigned> *option = nullptr;
  unsigned saved = 0;
};
} // namespace

LogicalResult
ade::compileCUDAKernels(ModuleOp module, const CUDAPipelineOptions &options,
                        CUDAModule &result, llvm::raw_ostream *gpuDialect,
                        std::string &error, OwningOpRef<ModuleOp> *emulator) {
  // A block kernel per requested tile size where the tile fits in shared
  // memory; entries that fit none get blocks of 8 particles, then one
  // thread per particle.
  std::vector<ade::CUDAKernelForm> forms;
  unsigned smallest = 1u << 30;
  bool several =
      llvm::count_if(options.tileSizes, [](unsigned t) { return t > 1; }) > 1;
  for (unsigned tileSize : options.tileSizes) {
    if (tileSize <= 1)
      continue;
    ade::CUDAKernelForm form;
    form.tileSize = tileSize;
    if (several)
      form.nameSuffix = "_t" + std::to_string(tileSize);
    forms.push_back(form);
    smallest = std::min(smallest, tileSize);
  }
  // The VJPs' blocks loop over the tiles, so one form serves every batch.
  // They get the requested tiles of at most kLargestVJPTile particles (the
  // smallest alone where all are larger): larger tiles did not fit in
  // shared memory, and a small one gives a small batch more blocks (moons'
  // sample_vjp at B = 100: 25 blocks of 4 particles, 99 KiB each, against
  // 7 blocks of 16, 226 KiB each with the rest in scratch memory).
  constexpr unsigned kLargestVJPTile = 16;
  for (ade::CUDAKernelForm &form : forms)
    form.withVJPs = form.tileSize == smallest ||
                    (form.tileSize <= kLargestVJPTile && form.tileSize > 1);
  size_t requested = forms.size();
  bool blocks = requested > 0;
  if (blocks && smallest > 8) {
    ade::CUDAKernelForm form;
    form.tileSize = 8;
    forms.push_back(form);
  }
  ade::CUDAKernelForm threads;
  threads.afterBlocks = blocks;
  forms.push_back(threads);
  OwningOpRef<ModuleOp> lowered;
  std::vector<std::string> built;
  std::set<std::string> unbuilt;
  for (size_t i = 0; i < forms.size(); ++i) {
    // The requested block forms are alternatives; the fallbacks build only
    // what none of them did, and run only if there is such an entry.
    if (i >= requested) {
      for (const std::string &name : built)
        unbuilt.erase(name);
      if (unbuilt.empty() && i > 0)
        break;
      forms[i].exclude = built;
      unbuilt.clear();
    }
    if (failed(
            lowerKernels(module, options, forms[i], lowered, built, unbuilt))) {
      error = "lowering to the GPU failed";
      return failure();
    }
  }
  if (failed(
          ade::addRuntimeKernels(*lowered->getOps<gpu::GPUModuleOp>().begin(),
                                 options.elementType, options.blockSize))) {
    error = "internal: the runtime's GPU kernels do not compile";
    return failure();
  }
  if (emulator) {
    *emulator = lowerForEmulator(*lowered);
    if (!*emulator) {
      error = "lowering the GPU kernels for the emulator failed";
      return failure();
    }
  }
  PassManager nvvm(module.getContext());
  if (failed(buildCUDANVVMPipeline(nvvm, options)) ||
      failed(nvvm.run(*lowered))) {
    error = "lowering to the GPU failed";
    return failure();
  }
  if (gpuDialect) {
    lowered->print(*gpuDialect);
    return success();
  }
  result.arch = options.chip;
  result.kernels.clear();
  lowered->walk([&](LLVM::LLVMFuncOp fn) {
    auto owner = fn->getAttrOfType<StringAttr>("ade.owner");
    auto entry = fn->getAttrOfType<StringAttr>("ade.entry");
    if (!fn->hasAttr(gpu::GPUDialect::getKernelFuncAttrName()) || !owner ||
        !entry)
      return;
    CUDAKernel kernel;
    kernel.name = fn.getName().str();
    kernel.owner = owner.str();
    kernel.entry = entry.str();
    // Bare pointers: one per buffer, [the scratch buffer,] then the batch.
    kernel.buffers = int32_t(fn.getNumArguments()) - 1;
    kernel.blockSize = int32_t(options.blockSize);
    kernel.particlesPerBlock = kernel.blockSize;
    if (auto tile = fn->getAttrOfType<IntegerAttr>("ade.tile_size")) {
      kernel.particlesPerBlock = int32_t(tile.getInt());
      kernel.sharedBytes =
          int32_t(fn->getAttrOfType<IntegerAttr>("ade.shared_bytes").getInt());
      if (auto scratch = fn->getAttrOfType<IntegerAttr>("ade.scratch_bytes")) {
        kernel.scratchBytes = scratch.getInt();
        --kernel.buffers; // the runtime passes the scratch buffer
      }
    }
    result.kernels.push_back(kernel);
  });

  PassManager binary(module.getContext());
  HugeFunctionsInCodeGenPrepare hugeFunctions;
  std::string pipelineError;
  llvm::raw_string_ostream os(pipelineError);
  if (failed(
          parsePassPipeline("gpu-module-to-binary{format=isa}", binary, os)) ||
      failed(binary.run(*lowered))) {
    error = "PTX generation failed" +
            (pipelineError.empty() ? std::string() : ": " + pipelineError);
    return failure();
  }
  for (auto bin : lowered->getOps<gpu::BinaryOp>())
    for (Attribute object : bin.getObjects())
      if (auto ptx = dyn_cast<gpu::ObjectAttr>(object))
        result.ptx = ptx.getObject().str();
  if (result.ptx.empty()) {
    error = "internal: no PTX was generated";
    return failure();
  }
  return success();
}

void ade::mergeEmulatedKernels(ModuleOp lowered, ModuleOp emulator) {
  SymbolTable symbols(lowered);
  for (Operation &op : llvm::make_early_inc_range(*emulator.getBody())) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    // libm declarations the host module may have too.
    if (symbol && symbols.lookup(symbol.getName()))
      continue;
    op.moveBefore(lowered.getBody(), lowered.getBody()->end());
  }
}
