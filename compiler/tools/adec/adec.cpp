//===- adec.cpp - The ADE compiler driver ---------------------------------===//
//
// adec FILE [--check | --emit=ast|sema | --doc] [-I DIR]... : parses and
// checks a .ade file and its imports, prints diagnostics, and dumps the
// requested stage. Exit codes are documented in --help and docs/cli.md.
//
//===----------------------------------------------------------------------===//

#include "ade/AST/ASTDumper.h"
#include "ade/Basic/Diagnostics.h"
#include "ade/MLIRGen/MLIRGen.h"
#include "ade/Pipelines/Pipelines.h"
#include "ade/Sema/ModuleLoader.h"
#include "ade/Sema/Sema.h"
#include "ade/Target/Codegen.h"
#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/Error.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/BuryPointer.h"
#include "llvm/Support/Signals.h"

#include "CLI/CLI.hpp"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <functional>

using namespace ade;

namespace {

enum ExitCode {
  ExitOk = 0,
  ExitCompileError = 1,
  ExitUsage = 2,
  ExitNoInput = 66,
  ExitInternal = 70,
  ExitIOError = 74,
};

const char *kExitCodes = R"(Exit codes:
  0   success (warnings may have been printed)
  1   the program has errors (diagnostics on stderr)
  2   command-line misuse
  66  the input file does not exist or cannot be read
  70  internal compiler error (a bug: please report it)
  74  the output cannot be written)";

struct Options {
  std::string file;
  std::string output;
  // The kernels arrive tiled and vectorized: LLVM's full -O3 pipeline ran
  // no faster than -O2's cleanup (moons entries, the 784-d loop) and
  // compiled three times slower.
  unsigned optLevel = 2;
  unsigned jobs = 0; // 0: the machine's cores
  std::string target = "cpu";
  std::string cudaArch = "sm_90";
  int32_t cudaBlockSize = 256;
  std::vector<unsigned> cudaTileSizes = {64, 16, 4};
  bool cudaEmulator = false;
  std::string cudaCubin = "auto";
  std::string cpu = "native";
  int64_t tileSize = 16;
  bool tileSizeGiven = false;
  unsigned denseLimit = 64;
  bool check = false;
  std::string emit;
  bool doc = false;
  std::vector<std::string> includeDirs;
  std::string stdlibDir;
  std::string precision = "f32";
  std::string color = "auto";
  bool noColor = false;
  std::string diagnosticsFormat = "text";
  unsigned errorLimit = 50;
  bool verify = false;
  bool splitInputFile = false;
  bool printDebugInfo = false;
  bool explainDensity = false;
  bool timePhases = false;
  std::map<std::string, std::string> defines;
};

std::string defaultStdlibDir(const char *argv0) {
  if (const char *env = std::getenv("ADE_STDLIB"))
    return env;
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&defaultStdlibDir));
  llvm::SmallString<256> installed(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(installed, "..", "share", "ade", "stdlib");
  if (llvm::sys::fs::is_directory(installed))
    return std::string(installed);
  return ADE_SOURCE_STDLIB_DIR;
}

/// Runs `body` on a thread with a large stack: deeply nested (but legal)
/// programs must not overflow the default 8 MiB.
int runWithLargeStack(std::function<int()> body) {
  struct Task {
    std::function<int()> body;
    int result = ExitInternal;
  } task{std::move(body)};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t(512) << 20);
  pthread_t thread;
  auto entry = [](void *arg) -> void * {
    auto *t = static_cast<Task *>(arg);
    t->result = t->body();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, entry, &task) != 0)
    return task.body();
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return task.result;
}

void printDocs(const ast::Module &m, const SourceManager &sm,
               llvm::raw_ostream &os) {
  auto kindName = [](const ast::Decl &d) {
    switch (d.getKind()) {
    case ast::Decl::Kind::Const:
      return "const";
    case ast::Decl::Kind::Fn:
      return "fn";
    case ast::Decl::Kind::Component:
      return "component";
    case ast::Decl::Kind::Model:
      return "model";
    case ast::Decl::Kind::Sampler:
      return "sampler";
    default:
      return "import";
    }
  };
  auto printDoc = [&](const std::string &doc, unsigned indent) {
    llvm::StringRef rest(doc);
    while (!rest.empty()) {
      auto [line, tail] = rest.split('\n');
      os.indent(indent) << line << "\n";
      rest = tail;
    }
  };
  os << "module " << m.name << " (" << sm.getPath(m.file) << ")\n";
  if (!m.doc.empty())
    printDoc(m.doc, 4);
  for (const ast::DeclPtr &d : m.decls) {
    if (llvm::isa<ast::ImportDecl>(d.get()))
      continue;
    os << "\n"
       << kindName(*d) << " " << d->name.name << "  ["
       << sm.getPath(d->range.begin.file) << ":" << d->range.begin.line
       << "]\n";
    printDoc(d->doc.empty() ? "(undocumented)" : d->doc, 4);
    auto *c = llvm::dyn_cast<ast::ContainerDecl>(d.get());
    if (!c)
      continue;
    for (const ast::MemberPtr &member : c->members) {
      std::string name;
      if (auto *p = llvm::dyn_cast<ast::ParamMember>(member.get()))
        name = "param " + p->name.name;
      else if (auto *f = llvm::dyn_cast<ast::FnMember>(member.get()))
        name = "fn " + f->fn->name.name;
      else if (auto *i = llvm::dyn_cast<ast::InstanceMember>(member.get()))
        name = i->name.name;
      else
        continue;
      std::string doc = member->doc;
      if (auto *f = llvm::dyn_cast<ast::FnMember>(member.get()))
        if (doc.empty())
          doc = f->fn->doc;
      os.indent(2) << name << "\n";
      if (!doc.empty())
        printDoc(doc, 6);
    }
  }
}

/// The innermost file location of `loc` and, for inlined code, the call
/// sites leading to it (outermost last).
void splitLocation(mlir::Location loc, std::vector<mlir::FileLineColLoc> &out) {
  if (auto f = mlir::dyn_cast<mlir::FileLineColLoc>(loc)) {
    out.push_back(f);
  } else if (auto c = mlir::dyn_cast<mlir::CallSiteLoc>(loc)) {
    splitLocation(c.getCallee(), out);
    splitLocation(c.getCaller(), out);
  } else if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(loc)) {
    if (!fused.getLocations().empty())
      splitLocation(fused.getLocations().front(), out);
  } else if (auto n = mlir::dyn_cast<mlir::NameLoc>(loc)) {
    splitLocation(n.getChildLoc(), out);
  }
}

/// Routes MLIR diagnostics from the code generator into `diags`, at their
/// .ade locations (E080), the inlined call chain and the compiler's own
/// notes as notes.
class CodegenDiagnostics {
public:
  CodegenDiagnostics(mlir::MLIRContext &context, const SourceManager &sm,
                     DiagnosticEngine &diags)
      : handler(&context, [&sm, &diags](mlir::Diagnostic &d) {
          // The code generator's only warning: an entry without a GPU
          // kernel (ade-build-gpu-kernels); others are not for users.
          bool warning =
              d.getSeverity() == mlir::DiagnosticSeverity::Warning &&
              llvm::StringRef(d.str()).starts_with("no GPU kernel for");
          if (d.getSeverity() != mlir::DiagnosticSeverity::Error && !warning)
            return mlir::success();
          std::vector<mlir::FileLineColLoc> locs;
          splitLocation(d.getLocation(), locs);
          auto range = [&](mlir::FileLineColLoc l) {
            uint32_t file = sm.findFile(l.getFilename().getValue());
            SourceLoc begin{file, l.getLine(), l.getColumn()};
            return SourceRange(begin, begin);
          };
          SourceRange where = locs.empty() ? SourceRange() : range(locs[0]);
          auto builder = warning ? diags.warning(DiagCode::W080, where, d.str())
                                 : diags.error(DiagCode::E080, where, d.str());
          for (size_t i = 1; i < locs.size(); ++i)
            builder.note(range(locs[i]), "called from here");
          for (mlir::Diagnostic &note : d.getNotes()) {
            std::vector<mlir::FileLineColLoc> at;
            splitLocation(note.getLocation(), at);
            builder.note(at.empty() ? where : range(at[0]), note.str());
          }
          return mlir::success();
        }) {}

private:
  mlir::ScopedDiagnosticHandler handler;
};

/// Writes `data` to `path` ("-": standard output) as aderun writes its
/// outputs: a temporary file renamed over the old one once complete (a full
/// disk leaves the old file whole), through symbolic links, and directly
/// into devices and pipes.
bool writeOutput(llvm::StringRef path, llvm::StringRef data) {
  if (path == "-") {
    llvm::outs() << data;
    llvm::outs().flush();
    return !llvm::outs().has_error();
  }
  try {
    ade::writeFileAtomically(path.str(), std::string_view(data));
  } catch (const ade::Error &e) {
    llvm::errs() << "adec: error: " << e.what() << "\n";
    return false;
  }
  return true;
}

/// `file:line:col`, then `(from file:line:col)` for each inlining call
/// site.
void printLocation(mlir::Location loc, llvm::raw_ostream &os) {
  if (auto call = mlir::dyn_cast<mlir::CallSiteLoc>(loc)) {
    printLocation(call.getCallee(), os);
    os << " (from ";
    printLocation(call.getCaller(), os);
    os << ")";
  } else if (auto file = mlir::dyn_cast<mlir::FileLineColLoc>(loc)) {
    os << file.getFilename().getValue() << ":" << file.getLine() << ":"
       << file.getColumn();
  } else if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(loc);
             fused && !fused.getLocations().empty()) {
    printLocation(fused.getLocations().front(), os);
  } else if (auto name = mlir::dyn_cast<mlir::NameLoc>(loc)) {
    printLocation(name.getChildLoc(), os);
  } else {
    os << "<unknown>";
  }
}

/// adec --explain-density: how each sampler's log q was derived.
void explainDensity(mlir::ModuleOp module, llvm::raw_ostream &os) {
  for (auto fn : module.getOps<mlir::func::FuncOp>()) {
    auto steps = fn->getAttrOfType<mlir::ArrayAttr>("ade.density");
    auto name = fn->getAttrOfType<mlir::StringAttr>("ade.sample");
    if (!steps || !name)
      continue;
    os << "sampler " << name.getValue() << ": log q of the output";
    int64_t noise = 0;
    if (auto draws = fn->getAttrOfType<mlir::ArrayAttr>("ade.noise"))
      for (auto d : draws.getAsRange<mlir::DictionaryAttr>())
        noise += d.getAs<mlir::IntegerAttr>("size").getInt();
    os << " (" << noise << " noise values per particle)\n";
    for (auto step : steps.getAsRange<mlir::DictionaryAttr>()) {
      os << "  ";
      printLocation(mlir::cast<mlir::LocationAttr>(step.get("loc")), os);
      os << ": " << step.getAs<mlir::StringAttr>("what").getValue() << "\n";
    }
  }
}

/// Lowers the checked program to the requested stage: --emit=mlir,
/// mlir-lowered, llvm or obj, or (with -o and no --emit) a model.so.
/// Errors go to `diags` (the caller prints them).
int generateCode(const Options &opts, const tir::Program &program,
                 const SourceManager &sm, DiagnosticEngine &diags,
                 mlir::TimingScope &timing, llvm::raw_ostream &out) {
  auto report = [] { return ExitCompileError; };
  mlir::DialectRegistry registry;
  registerPipelineDialects(registry);
  registerPipelinePasses();
  // Function-level passes and the LLVM partitions run in `jobs` threads.
  unsigned jobs =
      opts.jobs
          ? opts.jobs
          : llvm::heavyweight_hardware_concurrency().compute_thread_count();
  llvm::DefaultThreadPool threads(llvm::hardware_concurrency(jobs));
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  if (jobs > 1)
    context.setThreadPool(threads);
  // Users see .ade locations; the failing op's IR is not for them.
  context.printOpOnDiagnostic(false);
  CodegenDiagnostics bridge(context, sm, diags);
  mlir::TimingScope generating = timing.nest("MLIR generation");
  mlir::OwningOpRef<mlir::ModuleOp> module =
      generateModule(context, program, sm);
  generating.stop();
  if (mlir::failed(mlir::verify(*module))) {
    llvm::errs() << "adec: internal compiler error: the generated MLIR "
                    "does not verify\n";
    return ExitInternal;
  }
  mlir::OpPrintingFlags flags;
  if (opts.printDebugInfo)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
        .useLocalScope();
  auto emitText = [&](llvm::function_ref<void(llvm::raw_ostream &)> print) {
    if (opts.output.empty()) {
      print(out);
      return ExitOk;
    }
    std::string text;
    llvm::raw_string_ostream os(text);
    print(os);
    return writeOutput(opts.output, text) ? ExitOk : ExitIOError;
  };
  if (opts.emit == "mlir")
    return emitText([&](llvm::raw_ostream &os) { module->print(os, flags); });

  CPUPipelineOptions pipeline;
  pipeline.tileSize = opts.tileSize;
  pipeline.denseLimit = opts.denseLimit;
  RegisterBlock block = registerBlock(opts.cpu);
  pipeline.registerRows = block.rows;
  pipeline.registerColumns = block.columns;
  pipeline.mediumTileSize = pipeline.smallBatchTileSize = block.columns;
  // A tile size given is every kernel's.
  if (opts.tileSizeGiven)
    pipeline.mediumTileSize = pipeline.largeTileSize =
        pipeline.smallBatchTileSize = 0;
  mlir::PassManager pm(&context);
  mlir::TimingScope deriving = timing.nest("derivatives (MLIR passes)");
  if (opts.timePhases)
    pm.enableTiming(deriving);
  if (opts.emit == "mlir-ad" || opts.explainDensity) {
    if (mlir::failed(buildDerivativePipeline(pm, pipeline)))
      return ExitInternal;
    if (mlir::failed(pm.run(*module)))
      return report();
    if (opts.explainDensity)
      return emitText(
          [&](llvm::raw_ostream &os) { explainDensity(*module, os); });
    return emitText([&](llvm::raw_ostream &os) { module->print(os, flags); });
  }
  if (mlir::failed(buildDerivativePipeline(pm, pipeline)))
    return ExitInternal;
  if (mlir::failed(pm.run(*module))) {
    if (!diags.hasErrors())
      diags.error(DiagCode::E081, {}, "deriving the entries failed");
    return report();
  }
  deriving.stop();

  CodegenOptions codegen;
  mlir::OwningOpRef<mlir::ModuleOp> emulator;
  bool gpuStage = opts.emit == "mlir-gpu" || opts.emit == "ptx";
  if (opts.target == "all" || gpuStage) {
    CUDAPipelineOptions gpu;
    gpu.chip = opts.cudaArch;
    gpu.blockSize = opts.cudaBlockSize;
    gpu.elementType = opts.precision;
    // Each size once; 1 (one thread per particle) only alone.
    gpu.tileSizes.clear();
    for (unsigned size : opts.cudaTileSizes)
      if (!llvm::is_contained(gpu.tileSizes, size))
        gpu.tileSizes.push_back(size);
    if (gpu.tileSizes.size() > 1 && llvm::is_contained(gpu.tileSizes, 1u)) {
      diags.error(DiagCode::E081, {},
                  "--cuda-tile-size 1 (one thread per particle) cannot be "
                  "combined with tiles of several particles");
      return report();
    }
    gpu.libdevice = findLibdevice();
    if (gpu.libdevice.empty()) {
      diags.error(DiagCode::E081, {},
                  "GPU code needs CUDA's libdevice.10.bc: install the CUDA "
                  "toolkit or point CUDA_PATH at it");
      return report();
    }
    std::string text, error;
    llvm::raw_string_ostream os(text);
    if (mlir::failed(compileCUDAKernels(
            *module, gpu, codegen.cuda, opts.emit == "mlir-gpu" ? &os : nullptr,
            error, opts.cudaEmulator ? &emulator : nullptr))) {
      if (!diags.hasErrors())
        diags.error(DiagCode::E081, {}, error);
      return report();
    }
    if (opts.emit == "mlir-gpu")
      return emitText([&](llvm::raw_ostream &out) { out << text; });
    if (opts.emit == "ptx")
      return emitText([&](llvm::raw_ostream &out) { out << codegen.cuda.ptx; });
    // Libraries for the emulator are for tests: no cubin unless asked.
    bool cubin = opts.cudaCubin == "yes" ||
                 (opts.cudaCubin == "auto" && !opts.cudaEmulator);
    std::string ptxas = cubin ? findPtxas() : "";
    if (ptxas.empty() && opts.cudaCubin == "yes") {
      diags.error(DiagCode::E081, {},
                  "--cuda-cubin yes needs CUDA's ptxas: install the CUDA "
                  "toolkit or point CUDA_PATH at it");
      return report();
    }
    if (!ptxas.empty()) {
      mlir::TimingScope assembling = timing.nest("ptxas (the cubin)");
      if (mlir::failed(compileCubin(codegen.cuda, ptxas, error))) {
        diags.error(DiagCode::E081, {}, error);
        return report();
      }
    }
  }

  mlir::PassManager lowering(&context);
  // Verifying the module after each of the lowering's ~40 passes took a
  // third of their time; it is verified once at the end (ade-opt, which
  // the lit tests of the passes use, still verifies after each pass).
  lowering.enableVerifier(false);
  mlir::TimingScope lowerings = timing.nest("lowering (MLIR passes)");
  if (opts.timePhases)
    lowering.enableTiming(lowerings);
  if (mlir::failed(buildCPULoweringPipeline(lowering, pipeline)))
    return ExitInternal;
  if (mlir::failed(lowering.run(*module)) ||
      mlir::failed(mlir::verify(*module))) {
    if (!diags.hasErrors())
      diags.error(DiagCode::E081, {}, "lowering to the LLVM dialect failed");
    return report();
  }
  lowerings.stop();
  if (emulator)
    mergeEmulatedKernels(*module, *emulator);
  if (opts.emit == "mlir-lowered")
    return emitText([&](llvm::raw_ostream &os) { module->print(os, flags); });

  codegen.optLevel = opts.optLevel;
  codegen.cpu = opts.cpu;
  codegen.target = describeTarget(opts.cpu);
  codegen.sourcePath = opts.file;
  codegen.compilerVersion = std::string("adec ") + ADE_VERSION;
  codegen.tileSize = opts.tileSize;
  codegen.mediumTileSize = pipeline.mediumTileSize;
  codegen.largeTileSize = pipeline.largeTileSize;
  llvm::LLVMContext llvmContext;
  std::string error;
  mlir::TimingScope translating = timing.nest("translation to LLVM IR");
  std::unique_ptr<llvm::Module> llvmModule =
      buildLLVMModule(*module, llvmContext, program, codegen, error);
  translating.stop();
  if (!llvmModule) {
    diags.error(DiagCode::E081, {}, error);
    return report();
  }
  // A model.so is compiled in partitions, in parallel; the stages one
  // prints (llvm, obj) are the whole module.
  std::vector<ObjectCode> objects;
  if (opts.emit == "llvm") {
    if (!optimizeModule(*llvmModule, codegen, error)) {
      diags.error(DiagCode::E081, {}, error);
      return report();
    }
    return emitText(
        [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });
  }
  mlir::TimingScope compiling =
      timing.nest("LLVM optimization and code generation");
  if (!compileObjects(*llvmModule, codegen, opts.emit.empty() ? jobs : 1,
                      objects, error)) {
    diags.error(DiagCode::E081, {}, error);
    return report();
  }
  if (opts.emit == "obj")
    return writeOutput(opts.output,
                       llvm::StringRef(objects[0].data(), objects[0].size()))
               ? ExitOk
               : ExitIOError;
  compiling.stop();
  mlir::TimingScope linking = timing.nest("linking model.so");
  std::string library;
  if (!linkSharedLibrary(objects, library, error)) {
    diags.error(DiagCode::E081, {}, error);
    return report();
  }
  if (!writeOutput(opts.output, library))
    return ExitIOError;
  // The process ends here: destroying the lowered module op by op would
  // only delay it (clang leaves its AST to the exit the same way; buried,
  // it is not reported as a leak).
  llvm::BuryPointer(module.release().getOperation());
  return ExitOk;
}

/// Compiles one buffer (a whole file or one `// -----` chunk). Returns the
/// exit code.
int compileBuffer(const Options &opts, const std::string &path,
                  std::string contents, bool color, llvm::raw_ostream &out) {
  // --time-phases: wall time of each phase and MLIR pass, on stderr at
  // the end.
  mlir::DefaultTimingManager timingManager;
  timingManager.setEnabled(opts.timePhases);
  mlir::TimingScope timing = timingManager.getRootScope();
  mlir::TimingScope frontend = timing.nest("parsing and checking");
  SourceManager sm;
  DiagnosticEngine diags(opts.errorLimit);
  uint32_t file = sm.addBuffer(path, std::move(contents));
  ModuleLoader loader(sm, diags, {opts.stdlibDir, opts.includeDirs});
  ast::Module *root = loader.loadRoot(file);
  std::unique_ptr<tir::Program> program;
  bool wantsSema = opts.emit != "ast";
  if (root && !opts.defines.empty()) {
    std::string error = checkDefines(*root, opts.defines);
    if (!error.empty()) {
      llvm::errs() << "adec: error: " << error << "\n";
      return ExitUsage;
    }
  }
  if (root && wantsSema) {
    SemaOptions semaOptions;
    semaOptions.defines = opts.defines;
    if (opts.precision == "f64") {
      semaOptions.precision = tir::ScalarKind::F64;
      semaOptions.promoteF32 = true;
    }
    program = analyze(loader, *root, diags, semaOptions);
  }

  frontend.stop();
  int result = diags.hasErrors() ? ExitCompileError : ExitOk;
  bool codegen =
      opts.explainDensity || (opts.emit != "ast" && opts.emit != "sema" &&
                              (!opts.emit.empty() || !opts.output.empty()));
  if (result == ExitOk && codegen)
    result = generateCode(opts, *program, sm, diags, timing, out);

  if (opts.verify)
    return verifyDiagnostics(diags, sm, llvm::errs()) ? ExitOk
                                                      : ExitCompileError;
  if (opts.diagnosticsFormat == "json")
    printDiagnosticsJson(diags, sm, llvm::errs());
  else
    printDiagnosticsText(diags, sm, llvm::errs(), color);
  if (result != ExitOk || codegen)
    return result;

  if (opts.emit == "ast")
    ast::dumpModule(*root, out);
  else if (opts.emit == "sema")
    tir::dumpProgram(*program, out);
  else if (opts.doc)
    printDocs(*root, sm, out);
  return ExitOk;
}

int run(const Options &opts) {
  if (!llvm::sys::fs::exists(opts.file)) {
    llvm::errs() << "adec: error: no such file: '" << opts.file << "'\n";
    return ExitNoInput;
  }
  // -o naming the source (or a link to it) would replace it.
  if (!opts.output.empty() &&
      llvm::sys::fs::equivalent(opts.file, opts.output)) {
    llvm::errs() << "adec: error: the output '" << opts.output
                 << "' is the source file itself; name another with -o\n";
    return ExitUsage;
  }
  bool color = opts.color == "always" ||
               (opts.color == "auto" && !opts.noColor &&
                !std::getenv("NO_COLOR") && isatty(STDERR_FILENO));
  if (opts.noColor || opts.color == "never")
    color = false;

  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(opts.file, size) &&
      size > kMaxSourceFileBytes) {
    // The program's fault, not a missing input: a diagnostic and exit 1.
    SourceManager sm;
    DiagnosticEngine diags;
    uint32_t id = sm.addBuffer(opts.file, "");
    diags.error(DiagCode::E008, {{id, 1, 1}, {id, 1, 1}},
                "source file is too large (" + std::to_string(size) +
                    " bytes; the limit is " +
                    std::to_string(kMaxSourceFileBytes) + ")");
    printDiagnosticsText(diags, sm, llvm::errs(), color);
    return ExitCompileError;
  }
  SourceManager reader;
  std::string error;
  uint32_t id = reader.addFile(opts.file, error);
  if (!id) {
    llvm::errs() << "adec: error: " << error << "\n";
    return ExitNoInput;
  }
  std::string contents = reader.getContents(id).str();

  if (!opts.splitInputFile)
    return compileBuffer(opts, opts.file, std::move(contents), color,
                         llvm::outs());

  // `// -----` separates independent test cases; each keeps its line
  // numbers.
  std::vector<std::pair<unsigned, unsigned>> chunks;
  unsigned line = 1, start = 1;
  llvm::StringRef rest(contents);
  while (!rest.empty()) {
    auto [text, tail] = rest.split('\n');
    if (text.trim() == "// -----") {
      chunks.push_back({start, line - 1});
      start = line + 1;
    }
    ++line;
    rest = tail;
  }
  chunks.push_back({start, line});
  int result = ExitOk;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (i && !opts.verify)
      llvm::outs() << "// -----\n";
    int r = compileBuffer(opts, opts.file,
                          SourceManager::maskOutsideLines(
                              contents, chunks[i].first, chunks[i].second),
                          color, llvm::outs());
    if (r != ExitOk)
      result = r;
  }
  return result;
}

/// The closest known long option to `arg` (for "did you mean").
std::string suggestOption(const CLI::App &app, llvm::StringRef arg) {
  llvm::StringRef name = arg.split('=').first;
  std::string best;
  unsigned bestDistance = 3;
  for (const CLI::Option *o : app.get_options()) {
    for (const std::string &n : o->get_lnames()) {
      std::string candidate = "--" + n;
      unsigned d = name.edit_distance(candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
  }
  return best;
}

} // namespace

int main(int argc, char **argv) {
  // LLVM's signal handlers, and the alternate signal stack they need, set
  // up on this thread: set up first by the compile thread (writing an
  // output registers it for removal on a signal), that stack was released
  // by the thread's exit, which AddressSanitizer reported as an error.
  // A crash also prints a stack trace for the bug report.
  llvm::sys::PrintStackTraceOnErrorSignal(argv[0]);
  // A write past the file-size limit fails (EFBIG) and is reported, its
  // temporary file removed, instead of killing the compiler mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  Options opts;
  CLI::App app{"adec: the ADE compiler. Checks a .ade file and its imports "
               "and prints the requested stage."};
  app.footer(kExitCodes);
  // Command-line errors read as the tool's other errors do.
  app.failure_message([](const CLI::App *, const CLI::Error &e) {
    return std::string("adec: error: ") + e.what() +
           "\nRun with --help for more information.\n";
  });
  app.set_version_flag("--version", std::string("adec ") + ADE_VERSION);
  app.add_option("file", opts.file, "The .ade file to compile")->required();
  app.add_flag("--check", opts.check,
               "Parse and check only (the default when nothing is emitted)");
  app.add_option("-o,--output", opts.output,
                 "Write the compiled model.so (or, with --emit, the stage) "
                 "here");
  app.add_option("--emit", opts.emit,
                 "Print (or write with -o) a compiler stage: ast (syntax "
                 "tree), sema (the checked, instantiated program), mlir (the "
                 "ade dialect), mlir-ad (derivatives expanded, the "
                 "per-particle kernels of every entry), mlir-gpu (the GPU "
                 "kernels in the NVVM dialect), ptx (their PTX), "
                 "mlir-lowered (the LLVM dialect), llvm (optimized LLVM IR) "
                 "or obj (an object file; needs -o)")
      ->check(CLI::IsMember({"ast", "sema", "mlir", "mlir-ad", "mlir-gpu",
                             "ptx", "mlir-lowered", "llvm", "obj"}));
  app.add_option("--target", opts.target,
                 "Code generation target: cpu (the default) or all (the CPU "
                 "entries and GPU kernels as PTX in one model.so; needs no "
                 "GPU to compile)")
      ->check(CLI::IsMember({"cpu", "all"}));
  app.add_option("--cuda-block-size", opts.cudaBlockSize,
                 "Threads per block of the GPU kernels (default 256)")
      ->check(CLI::Range(32, 1024));
  app.add_option("--cuda-tile-size", opts.cudaTileSizes,
                 "Particles per block of the GPU kernels whose blocks share "
                 "a tile in shared memory: a comma-separated list, one "
                 "kernel per entry and size, the runtime keeps the fastest "
                 "(default 64,16,4; entries whose tile fits none get 8, then "
                 "one thread per particle; 1: one thread per particle "
                 "everywhere)")
      ->delimiter(',')
      ->check(CLI::Range(1u, 1024u));
  app.add_flag("--cuda-emulator", opts.cudaEmulator,
               "With --target all, also compile the GPU kernels for the "
               "CPU, where the runtime's GPU emulator runs them "
               "(ADE_CUDA_EMULATOR=1): GPU code tested without a GPU");
  app.add_option("--cuda-cubin", opts.cudaCubin,
                 "With --target all, also compile the PTX for --cuda-arch "
                 "with CUDA's ptxas and embed the cubin, which a GPU of that "
                 "architecture loads at once (the driver compiles the PTX "
                 "otherwise, seconds per load): auto (when ptxas is "
                 "installed, except with --cuda-emulator; the default), yes, "
                 "no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  app.add_option("--cuda-arch", opts.cudaArch,
                 "GPU architecture of the PTX (default sm_90; the driver "
                 "compiles it for newer GPUs too)");
  app.add_option("--cpu", opts.cpu,
                 "CPU to generate code for: native (this machine, the "
                 "default) or an LLVM CPU name such as x86-64-v3 (a library "
                 "runs on CPUs with its CPU's extensions; aderun refuses it "
                 "elsewhere)");
  CLI::Option *tileSizeOption =
      app.add_option("--tile-size", opts.tileSize,
                     "Particles per tile of the compiled kernels (default "
                     "16; one register block, 32 with AVX-512, for those "
                     "of models with 10 000 parameters or more; 64 for "
                     "those with 100 000 or more, which also get tiles of "
                     "one register block for batches that would leave "
                     "threads idle or pad more)")
          ->check(CLI::Range(int64_t(1), int64_t(4096)));
  app.add_option("--dense-limit", opts.denseLimit,
                 "Largest dimension for exact Hessian traces and dense "
                 "Jacobians (default 64)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option(
         "-O", opts.optLevel,
         "LLVM optimization level: -O0 (none), -O1 (clean-up), -O2 (the "
         "default: clean-up and loop vectorization) or -O3 (LLVM's "
         "full IR pipeline)")
      ->check(CLI::Range(0u, 3u));
  app.add_option("-j,--jobs", opts.jobs,
                 "Threads for the MLIR passes over functions and the LLVM "
                 "optimization and code generation of a model.so (default: "
                 "the machine's cores)")
      ->check(CLI::Range(1u, 256u));
  app.add_flag("--explain-density", opts.explainDensity,
               "Explain how each sampler's log-density is derived: draws, "
               "updates and the rule giving each log-determinant");
  app.add_flag("--time-phases", opts.timePhases,
               "Print the wall time of each compiler phase and MLIR pass "
               "(on stderr)");
  app.add_flag("--doc", opts.doc,
               "Print the documentation comments of the file's declarations");
  app.add_option("-I,--include", opts.includeDirs,
                 "Add a folder to search for imports (repeatable)")
      ->allow_extra_args(false);
  std::vector<std::string> defines;
  app.add_option("-D,--define", defines,
                 "Override a top-level constant: -D NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--stdlib", opts.stdlibDir,
                 "Folder of the standard library (default: $ADE_STDLIB, "
                 "then the installed or source stdlib/)");
  app.add_option("--precision", opts.precision,
                 "Element type of 'real' and float literals; f64 also "
                 "promotes explicit f32")
      ->check(CLI::IsMember({"f32", "f64"}));
  app.add_option("--color", opts.color,
                 "Colored diagnostics: auto (on a terminal, unless NO_COLOR "
                 "is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("--no-color", opts.noColor, "Same as --color=never");
  app.add_option("--diagnostics-format", opts.diagnosticsFormat,
                 "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--error-limit", opts.errorLimit,
                 "Stop after this many errors (default 50)")
      ->check(CLI::Range(1u, 100000u));
  app.add_flag("--verify-diagnostics", opts.verify,
               "Check diagnostics against '// expected-error' comments "
               "(for tests)");
  app.add_flag("--mlir-print-debuginfo", opts.printDebugInfo,
               "Print source locations in --emit=mlir");
  app.add_flag("--split-input-file", opts.splitInputFile,
               "Treat '// -----' lines as separators of independent inputs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int code = app.exit(e);
    if (code == 0)
      return ExitOk;
    for (int i = 1; i < argc; ++i) {
      llvm::StringRef arg(argv[i]);
      if (!arg.starts_with("--"))
        continue;
      std::string s = suggestOption(app, arg);
      if (!s.empty() && s != arg.split('=').first)
        llvm::errs() << "adec: did you mean '" << s << "' instead of '" << arg
                     << "'?\n";
    }
    return ExitUsage;
  }
  opts.tileSizeGiven = tileSizeOption->count() > 0;
  for (const std::string &d : defines) {
    auto [name, value] = llvm::StringRef(d).split('=');
    if (name.empty() || value.empty()) {
      llvm::errs() << "adec: error: -D expects NAME=VALUE, got '" << d << "'\n";
      return ExitUsage;
    }
    opts.defines[name.trim().str()] = value.trim().str();
  }
  if (opts.emit == "obj" && opts.output.empty()) {
    llvm::errs() << "adec: error: --emit=obj needs -o FILE\n";
    return ExitUsage;
  }
  if ((opts.emit == "ast" || opts.emit == "sema") && !opts.output.empty()) {
    llvm::errs() << "adec: error: -o is not supported with --emit=" << opts.emit
                 << "; redirect standard output instead\n";
    return ExitUsage;
  }
  if (!isKnownCPU(opts.cpu)) {
    llvm::errs() << "adec: error: --cpu: unknown CPU '" << opts.cpu
                 << "' (native, or an LLVM CPU name such as x86-64-v3 or "
                    "skylake-avx512)\n";
    return ExitUsage;
  }
  for (const std::string &dir : opts.includeDirs)
    if (!llvm::sys::fs::is_directory(dir)) {
      llvm::errs() << "adec: error: -I: no such folder: '" << dir << "'\n";
      return ExitUsage;
    }
  if (!opts.stdlibDir.empty() && !llvm::sys::fs::is_directory(opts.stdlibDir)) {
    llvm::errs() << "adec: error: --stdlib: no such folder: '" << opts.stdlibDir
                 << "'\n";
    return ExitUsage;
  }
  if (opts.stdlibDir.empty())
    opts.stdlibDir = defaultStdlibDir(argv[0]);

  return runWithLargeStack([&]() -> int {
    try {
      return run(opts);
    } catch (const std::exception &e) {
      llvm::errs() << "adec: internal compiler error: " << e.what()
                   << "\nThis is a bug; please report it with the input "
                      "file.\n";
      return ExitInternal;
    }
  });
}
