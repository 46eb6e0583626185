//===- Builtins.h - Names the language predefines ---------------*- C++ -*-===//
//
// The surface builtins: elementwise math, reductions, shape functions,
// derivative builtins, distributions, initializers, compile-time helpers
// and constants.
// Sema gives each its typing rule; docs/language.md lists them all.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_SEMA_BUILTINS_H
#define ADE_SEMA_BUILTINS_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <vector>

namespace ade {

enum class Builtin {
#define ADE_BUILTIN(NAME, SPELLING, KIND) NAME,
#include "ade/Sema/Builtins.def"
};

enum class BuiltinKind {
  /// Elementwise math on one tensor (`exp`, `relu`, ...).
  Unary,
  /// Everything else usable in expressions.
  Function,
  /// `grad`, `vjp`, ...: take a function, return a function.
  Derivative,
  /// `normal`, `uniform`: only on the right of `~`.
  Distribution,
  /// `glorot_uniform`, ...: only as a parameter initializer.
  Initializer,
  /// `pi`, `inf`: compile-time reals.
  Constant,
};

std::optional<Builtin> lookupBuiltin(llvm::StringRef name);
llvm::StringRef getBuiltinName(Builtin b);
BuiltinKind getBuiltinKind(Builtin b);
/// Every builtin name (for "did you mean" suggestions).
std::vector<llvm::StringRef> getAllBuiltinNames();

} // namespace ade

#endif // ADE_SEMA_BUILTINS_H
