//===- adec.cpp - The ADE compiler driver ---------------------------------===//
//
// adec FILE [--check | --emit=ast|sema | --doc] [-I DIR]... : parses and
// checks a .ade file and its imports, prints diagnostics, and dumps the
// requested stage. Exit codes are documented in --help and docs/cli.md.
//
//===----------------------------------------------------------------------===//

#include "ade/AST/ASTDumper.h"
#include "ade/Basic/Diagnostics.h"
#include "ade/Sema/ModuleLoader.h"
#include "ade/Sema/Sema.h"
#include "ade/MLIRGen/MLIRGen.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "CLI/CLI.hpp"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <pthread.h>
#include <unistd.h>

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
};

const char *kExitCodes = R"(Exit codes:
  0   success (warnings may have been printed)
  1   the program has errors (diagnostics on stderr)
  2   command-line misuse
  66  the input file does not exist or cannot be read
  70  internal compiler error (a bug: please report it))";

struct Options {
  std::string file;
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
    os << "\n" << kindName(*d) << " " << d->name.name << "  ["
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

/// Compiles one buffer (a whole file or one `// -----` chunk). Returns the
/// exit code.
int compileBuffer(const Options &opts, const std::string &path,
                  std::string contents, bool color, llvm::raw_ostream &out) {
  SourceManager sm;
  DiagnosticEngine diags(opts.errorLimit);
  uint32_t file = sm.addBuffer(path, std::move(contents));
  ModuleLoader loader(sm, diags,
                      {opts.stdlibDir, opts.includeDirs});
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

  if (opts.verify)
    return verifyDiagnostics(diags, sm, llvm::errs()) ? ExitOk
                                                     : ExitCompileError;
  if (opts.diagnosticsFormat == "json")
    printDiagnosticsJson(diags, sm, llvm::errs());
  else
    printDiagnosticsText(diags, sm, llvm::errs(), color);
  if (diags.hasErrors())
    return ExitCompileError;

  if (opts.emit == "ast")
    ast::dumpModule(*root, out);
  else if (opts.emit == "sema")
    tir::dumpProgram(*program, out);
  else if (opts.emit == "mlir") {
    mlir::MLIRContext context;
    mlir::OwningOpRef<mlir::ModuleOp> module =
        generateModule(context, *program, sm);
    if (mlir::failed(mlir::verify(*module))) {
      llvm::errs() << "adec: internal compiler error: the generated MLIR "
                      "does not verify\n";
      return ExitInternal;
    }
    mlir::OpPrintingFlags flags;
    if (opts.printDebugInfo)
      flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
          .useLocalScope();
    module->print(out, flags);
  }
  else if (opts.doc)
    printDocs(*root, sm, out);
  return ExitOk;
}

int run(const Options &opts) {
  if (!llvm::sys::fs::exists(opts.file)) {
    llvm::errs() << "adec: error: no such file: '" << opts.file << "'\n";
    return ExitNoInput;
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
    int r = compileBuffer(
        opts, opts.file,
        SourceManager::maskOutsideLines(contents, chunks[i].first,
                                        chunks[i].second),
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
  Options opts;
  CLI::App app{"adec: the ADE compiler. Checks a .ade file and its imports "
               "and prints the requested stage."};
  app.footer(kExitCodes);
  app.set_version_flag("--version", std::string("adec ") + ADE_VERSION);
  app.add_option("file", opts.file, "The .ade file to compile")
      ->required();
  app.add_flag("--check", opts.check,
               "Parse and check only (the default when nothing is emitted)");
  app.add_option("--emit", opts.emit,
                 "Print a compiler stage: ast (syntax tree), sema (the "
                 "checked, instantiated program) or mlir (the ade dialect)")
      ->check(CLI::IsMember({"ast", "sema", "mlir"}));
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
        llvm::errs() << "adec: did you mean '" << s << "' instead of '"
                     << arg << "'?\n";
    }
    return ExitUsage;
  }
  for (const std::string &d : defines) {
    auto [name, value] = llvm::StringRef(d).split('=');
    if (name.empty() || value.empty()) {
      llvm::errs() << "adec: error: -D expects NAME=VALUE, got '" << d
                   << "'\n";
      return ExitUsage;
    }
    opts.defines[name.trim().str()] = value.trim().str();
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
