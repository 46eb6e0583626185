//===- ModuleLoader.cpp - Load a file and its imports ---------------------===//

#include "ade/Sema/ModuleLoader.h"
#include "ade/Parse/Parser.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace ade;
using namespace ade::ast;

static std::string canonical(llvm::StringRef path) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(path, real))
    return path.str();
  return std::string(real);
}

ModuleLoader::ModuleLoader(SourceManager &sm, DiagnosticEngine &diags,
                           ModuleSearchPaths paths)
    : sm(sm), diags(diags), paths(std::move(paths)) {
  canonicalStdlibDir = canonical(this->paths.stdlibDir);
}

ModuleLoader::~ModuleLoader() = default;

bool ModuleLoader::isStdlib(const Module &m) const {
  llvm::StringRef path = sm.getPath(m.file);
  return !canonicalStdlibDir.empty() &&
         canonical(llvm::sys::path::parent_path(path)) == canonicalStdlibDir;
}

Module *ModuleLoader::loadRoot(uint32_t file) {
  std::string path = sm.getPath(file).str();
  std::string name = llvm::sys::path::stem(path).str();
  return load(file, name, canonical(path));
}

Module *ModuleLoader::load(uint32_t file, const std::string &name,
                           const std::string &canonicalPath) {
  inProgress[canonicalPath] = true;
  std::unique_ptr<Module> parsed = parseModule(sm, file, name, diags);
  Module *module = parsed.get();
  if (parsed)
    modules.push_back(std::move(parsed));
  byPath[canonicalPath] = module;
  if (module && !diags.limitReached()) {
    std::string dir =
        llvm::sys::path::parent_path(sm.getPath(file)).str();
    resolveImports(*module, dir.empty() ? "." : dir);
  }
  inProgress[canonicalPath] = false;
  if (module)
    order.push_back(module);
  return module;
}

std::string ModuleLoader::findImport(const ImportDecl &import,
                                     const std::string &dir,
                                     std::vector<std::string> &tried) const {
  bool isStd = import.path.size() > 1 && import.path[0].name == "std";
  llvm::SmallString<128> relative;
  for (size_t i = isStd ? 1 : 0; i < import.path.size(); ++i)
    llvm::sys::path::append(relative, import.path[i].name);
  relative += ".ade";

  std::vector<std::string> roots;
  if (isStd)
    roots.push_back(paths.stdlibDir);
  else {
    roots.push_back(dir);
    roots.insert(roots.end(), paths.includeDirs.begin(),
                 paths.includeDirs.end());
  }
  for (const std::string &root : roots) {
    llvm::SmallString<256> candidate(root);
    llvm::sys::path::append(candidate, relative);
    tried.push_back(std::string(candidate));
    if (llvm::sys::fs::is_regular_file(candidate))
      return std::string(candidate);
  }
  return {};
}

void ModuleLoader::resolveImports(Module &module, const std::string &dir) {
  for (DeclPtr &decl : module.decls) {
    auto *import = llvm::dyn_cast<ImportDecl>(decl.get());
    if (!import)
      continue;
    std::vector<std::string> tried;
    std::string path = findImport(*import, dir, tried);
    if (path.empty()) {
      auto d = diags.error(DiagCode::E010, import->name.range,
                           "cannot find module '" + import->name.name + "'");
      std::string where;
      for (const std::string &t : tried)
        where += (where.empty() ? "" : ", ") + t;
      d.help("looked for " + where +
             (import->path[0].name == "std"
                  ? ""
                  : "; add a folder with -I or use 'std.' for the standard "
                    "library"));
      continue;
    }
    std::string key = canonical(path);
    if (inProgress[key]) {
      auto d = diags.error(DiagCode::E011, import->name.range,
                           "import cycle: '" + import->name.name +
                               "' is already being imported");
      for (auto it = importStack.rbegin(); it != importStack.rend(); ++it)
        d.note((*it)->name.range,
               "'" + (*it)->name.name + "' imported here");
      continue;
    }
    auto found = byPath.find(key);
    if (found != byPath.end()) {
      import->imported = found->second;
      continue;
    }
    std::string error;
    uint32_t file = sm.addFile(path, error);
    if (!file) {
      diags.error(DiagCode::E008, import->name.range, error);
      continue;
    }
    importStack.push_back(import);
    import->imported = load(file, import->name.name, key);
    importStack.pop_back();
    if (diags.limitReached())
      return;
  }
}
