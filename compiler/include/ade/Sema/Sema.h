//===- Sema.h - Semantic analysis entry point -------------------*- C++ -*-===//
//
// Name resolution (all loaded modules), then type and shape checking with
// component instantiation and monomorphization (the root module's models,
// samplers and closed functions). The result is the typed IR of TypedIR.h.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_SEMA_SEMA_H
#define ADE_SEMA_SEMA_H

#include "ade/Sema/ModuleLoader.h"
#include "ade/Sema/TypedIR.h"

#include <map>
#include <memory>
#include <string>

namespace ade {

struct SemaOptions {
  /// The element type of `real` and of float literals.
  tir::ScalarKind precision = tir::ScalarKind::F32;
  /// Also compile explicit f32 as `precision` (`adec --precision=f64`).
  bool promoteF32 = false;
  /// Largest number of bindings the unrolled program may have.
  uint64_t maxBindings = 2'000'000;
  /// Overrides of the root module's top-level constants (`adec -D N=4`):
  /// integer, real or boolean literals.
  std::map<std::string, std::string> defines;
};

/// Checks `-D` overrides against the root module: every name must be a
/// top-level `const` and every value a literal. Returns an error message or
/// an empty string.
std::string checkDefines(const ast::Module &root,
                         const std::map<std::string, std::string> &defines);

/// Resolves names in every module of `loader` and checks `root`. Returns null
/// if there were errors (all reported to `diags`).
std::unique_ptr<tir::Program> analyze(const ModuleLoader &loader,
                                      const ast::Module &root,
                                      DiagnosticEngine &diags,
                                      const SemaOptions &options = {});

} // namespace ade

#endif // ADE_SEMA_SEMA_H
