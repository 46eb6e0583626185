//===- ObjectEmitter.cpp - Optimize and emit object code ------------------===//

#include "ade/Target/Codegen.h"
#include "ade/cpu_features.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/IPO/DeadArgumentElimination.h"
#include "llvm/Transforms/Scalar/LoopPassManager.h"
#include "llvm/Transforms/Scalar/LoopRotation.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <thread>

using namespace ade;

static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CodegenOptions &options, std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // Code generation without loop strength reduction and the pre- and
    // post-RA schedulers: MLIR's kernels index their buffers directly and
    // the cores reorder on their own. The three took a third of moons'
    // code generation time; every moons and 784-d entry ran as fast.
    const char *args[] = {"adec", "-disable-lsr", "-enable-misched=false",
                          "-post-RA-scheduler=false"};
    // An LLVM without these options compiles with its defaults.
    llvm::cl::ParseCommandLineOptions(std::size(args), args, "",
                                      &llvm::nulls());
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  bool native = options.cpu == "native";
  std::string cpu = native ? llvm::sys::getHostCPUName().str() : options.cpu;
  llvm::SubtargetFeatures features;
  if (native)
    for (const auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      features.AddFeature(name, enabled);
  // A library declares the extensions its code may use (describeTarget)
  // from those loaders can check (ade/cpu_features.h); AVX10.2's is not
  // among them, so its instructions are not used.
  if (triple.isX86())
    features.AddFeature("avx10.2", false);
  static const llvm::CodeGenOptLevel levels[] = {
      llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
      llvm::CodeGenOptLevel::Default, llvm::CodeGenOptLevel::Aggressive};
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features.getString(), llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt,
      levels[std::min(options.optLevel, 3u)]));
  if (!machine) {
    error = "cannot create a target machine for " + triple.str() + " (" +
            cpu + ")";
    return nullptr;
  }
  // Fast instruction selection takes what it handles (mostly the scalar
  // code: addresses, loop control) and hands the rest of a block to
  // SelectionDAG: a tenth of moons' code generation time, no entry slower.
  machine->setFastISel(true);
  return machine;
}

bool ade::isKnownCPU(const std::string &cpu) {
  if (cpu == "native")
    return true;
  llvm::InitializeNativeTarget();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return false;
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  return info && info->isCPUStringValid(cpu);
}

/// The target machine of code generation for `cpu`, or null.
static std::unique_ptr<llvm::TargetMachine>
targetMachineFor(const std::string &cpu) {
  CodegenOptions options;
  options.cpu = cpu;
  std::string error;
  return createTargetMachine(options, error);
}

ade::TargetDescription ade::describeTarget(const std::string &cpu) {
  std::unique_ptr<llvm::TargetMachine> machine = targetMachineFor(cpu);
  TargetDescription target;
  target.cpu = cpu == "native" ? llvm::sys::getHostCPUName().str() : cpu;
  if (!machine || !machine->getTargetTriple().isX86())
    return target;
  const llvm::MCSubtargetInfo *info = machine->getMCSubtargetInfo();
  auto record = [&](const char *name) {
    if (!info->checkFeatures(std::string("+") + name))
      return;
    if (!target.features.empty())
      target.features += ",";
    target.features += name;
  };
#define ADE_RECORD_FEATURE(name) record(name);
  ADE_X86_CPU_FEATURES(ADE_RECORD_FEATURE)
#undef ADE_RECORD_FEATURE
  return target;
}

ade::RegisterBlock ade::registerBlock(const std::string &cpu) {
  std::unique_ptr<llvm::TargetMachine> machine = targetMachineFor(cpu);
  // A block of 16 particles is one vector of 16 floats with AVX-512 (32
  // registers), two of 8 with AVX2 (16 registers): 16 rows keep 16 of the
  // 32 as accumulators, 4 rows 8 of the 16 (measured on the moons kernels:
  // 16 rows made AVX-512 layer products 1.3-1.6x faster than 4 or 8 rows).
  // Tiles of 64 particles take blocks of 8 x 32: the same 16 accumulators
  // with 10 loads per 16 FMAs instead of 17 (MnistMLP's grad_energy 1.2x
  // faster); tiles of 16 keep 16 x 16 (ade-tile-and-vectorize).
  if (machine && machine->getMCSubtargetInfo()->checkFeatures("+avx512f"))
    return {8, 32};
  return {4, 16};
}

namespace {
/// LoopRotate, with loop headers duplicated only in functions of at most
/// kMaxHeaderDuplicationSize instructions. Each duplication updates the
/// dominator tree in time that grows with the function, which made the
/// pass quadratic in a sampler's unrolled steps: 14.6 of 17 s of LLVM's
/// clean-up of two 100-step samplers (gradient kernels of up to 67 000
/// instructions). The larger kernels of the examples (generalized_hmc's
/// sampler gradients, MnistConv's score matching: 10 000-22 000) ran as
/// fast without it; the others keep it.
struct RotateLoopsPass : llvm::PassInfoMixin<RotateLoopsPass> {
  static constexpr unsigned kMaxHeaderDuplicationSize = 8000;

  llvm::PreservedAnalyses run(llvm::Function &function,
                              llvm::FunctionAnalysisManager &fam) {
    bool duplicateHeaders =
        function.getInstructionCount() <= kMaxHeaderDuplicationSize;
    llvm::FunctionPassManager rotate;
    rotate.addPass(llvm::createFunctionToLoopPassAdaptor(
        llvm::LoopRotatePass(duplicateHeaders)));
    return rotate.run(function, fam);
  }
};
} // namespace

bool ade::optimizeModule(llvm::Module &module, const CodegenOptions &options,
                         std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(options, error);
  if (!machine)
    return false;
  module.setTargetTriple(machine->getTargetTriple());
  module.setDataLayout(machine->createDataLayout());
  if (options.optLevel == 0)
    return true;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(machine.get());
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  if (options.optLevel >= 3) {
    mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  } else {
    // MLIR tiled, vectorized, unrolled and simplified the kernels already
    // (the copies and sums on buffers too: ade-vectorize-buffer-loops):
    // what is left is to clean up the lowering (memref descriptors, stack
    // buffers, loop-invariant address arithmetic). This took a fifth of the
    // time of LLVM's default -O2 pipeline and ran as fast.
    // InstCombine as in LLVM's own pipelines: without the check that one
    // run reached a fixpoint (a debugging aid that aborts). Loop deletion
    // removes the loops whose stores DSE removed (empty nests of constant
    // trip counts: 13-15% of MnistConv's gradient entries).
    // The lowering passes each memref as its whole descriptor (pointers,
    // offset, sizes, strides); a tile function reads few of them, the
    // static sizes not at all. Dropping the rest at every call took 78% of
    // moons' call arguments, and a sixth of its code generation time.
    mpm.addPass(llvm::DeadArgumentEliminationPass());
    llvm::FunctionPassManager fpm;
    auto parse = [&](llvm::StringRef passes) {
      if (llvm::Error e = pb.parsePassPipeline(fpm, passes)) {
        error = "internal: bad LLVM pipeline: " + llvm::toString(std::move(e));
        return false;
      }
      return true;
    };
    if (!parse("sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg"))
      return false;
    if (options.optLevel >= 2) {
      if (!parse("loop-simplify,lcssa"))
        return false;
      fpm.addPass(RotateLoopsPass());
      if (!parse("loop-mssa(licm),gvn,dse,loop(loop-deletion),"
                 "instcombine<no-verify-fixpoint>,simplifycfg"))
        return false;
    }
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  }
  mpm.run(module, mam);
  return true;
}

bool ade::emitObject(llvm::Module &module, const CodegenOptions &options,
                     llvm::SmallVectorImpl<char> &object, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(options, error);
  if (!machine)
    return false;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return false;
  }
  codegen.run(module);
  return true;
}

/// optimizeModule and emitObject for a partition of SplitModule.
static bool compilePartition(llvm::Module &part, const CodegenOptions &options,
                             ObjectCode &object, std::string &error) {
  // Every partition declares every global; an unused thread-local
  // declaration would reach the object as a plain symbol, which the linker
  // rejects against the TLS definition (-O0 keeps such declarations).
  for (llvm::GlobalVariable &global :
       llvm::make_early_inc_range(part.globals()))
    if (global.isDeclaration() && global.use_empty())
      global.eraseFromParent();
  return optimizeModule(part, options, error) &&
         emitObject(part, options, object, error);
}

bool ade::compileObjects(llvm::Module &module, const CodegenOptions &options,
                         unsigned jobs, std::vector<ObjectCode> &objects,
                         std::string &error) {
  if (jobs <= 1) {
    objects.emplace_back();
    return optimizeModule(module, options, error) &&
           emitObject(module, options, objects.back(), error);
  }
  // The triple and data layout travel with every partition.
  CodegenOptions layoutOnly = options;
  layoutOnly.optLevel = 0;
  if (!optimizeModule(module, layoutOnly, error))
    return false;
  // Before the split: a callee in another partition is no longer internal,
  // and its arguments stay.
  if (options.optLevel > 0) {
    llvm::ModuleAnalysisManager mam;
    llvm::DeadArgumentEliminationPass().run(module, mam);
  }
  // More partitions than threads even out the kernels' unequal sizes.
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  llvm::SplitModule(module, 4 * jobs, [&](std::unique_ptr<llvm::Module> part) {
    bitcode.emplace_back();
    llvm::raw_svector_ostream os(bitcode.back());
    llvm::WriteBitcodeToFile(*part, os);
  });
  objects.assign(bitcode.size(), {});
  // Largest partitions first, so that no large one starts last and keeps
  // one thread busy after the others are done.
  std::vector<size_t> order(bitcode.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return bitcode[a].size() > bitcode[b].size();
  });
  std::atomic<size_t> next = 0;
  std::mutex failure;
  auto work = [&] {
    for (size_t n = next++; n < bitcode.size(); n = next++) {
      size_t i = order[n];
      llvm::LLVMContext context;
      llvm::MemoryBufferRef buffer(
          llvm::StringRef(bitcode[i].data(), bitcode[i].size()), "partition");
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(buffer, context);
      std::string partError;
      if (!part)
        partError = llvm::toString(part.takeError());
      else if (compilePartition(**part, options, objects[i], partError))
        continue;
      std::lock_guard<std::mutex> lock(failure);
      if (error.empty())
        error = partError;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t)
    threads.emplace_back(work);
  work();
  for (std::thread &t : threads)
    t.join();
  return error.empty();
}
