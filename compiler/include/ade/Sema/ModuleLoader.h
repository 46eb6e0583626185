//===- ModuleLoader.h - Load a file and its imports -------------*- C++ -*-===//
//
// `import std.nn` resolves to <stdlib>/nn.ade; `import a.b` to a/b.ade in the
// importing file's folder, then in each `-I` folder. Every file is parsed
// once; an import cycle is an error (E011) with the chain as notes.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_SEMA_MODULELOADER_H
#define ADE_SEMA_MODULELOADER_H

#include "ade/AST/AST.h"
#include "ade/Basic/Diagnostics.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ade {

struct ModuleSearchPaths {
  /// Folder of the standard library (holds nn.ade, flows.ade, ...).
  std::string stdlibDir;
  /// Extra folders for non-`std` imports, searched after the importer's own.
  std::vector<std::string> includeDirs;
};

class ModuleLoader {
public:
  ModuleLoader(SourceManager &sm, DiagnosticEngine &diags,
               ModuleSearchPaths paths);
  ~ModuleLoader();

  /// Loads a root file from disk with all its imports. Returns null if the
  /// file itself could not be parsed; import errors are diagnostics.
  ast::Module *loadRoot(uint32_t file);

  /// All successfully parsed modules, imports before importers.
  const std::vector<ast::Module *> &getModules() const { return order; }

  /// True for modules loaded from the standard library folder.
  bool isStdlib(const ast::Module &m) const;

private:
  ast::Module *load(uint32_t file, const std::string &name,
                    const std::string &canonicalPath);
  void resolveImports(ast::Module &module, const std::string &dir);
  std::string findImport(const ast::ImportDecl &import, const std::string &dir,
                         std::vector<std::string> &tried) const;

  SourceManager &sm;
  DiagnosticEngine &diags;
  ModuleSearchPaths paths;
  std::string canonicalStdlibDir;
  std::vector<std::unique_ptr<ast::Module>> modules;
  std::vector<ast::Module *> order;
  /// Canonical path -> module (null while its imports are being loaded, and
  /// for files that failed to parse).
  std::map<std::string, ast::Module *> byPath;
  std::map<std::string, bool> inProgress;
  /// The import chain being loaded, for cycle notes.
  std::vector<const ast::ImportDecl *> importStack;
};

} // namespace ade

#endif // ADE_SEMA_MODULELOADER_H
