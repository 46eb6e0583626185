//===- Resolver.h - Name resolution across modules --------------*- C++ -*-===//
#ifndef ADE_LIB_SEMA_RESOLVER_H
#define ADE_LIB_SEMA_RESOLVER_H

#include "ade/Sema/ModuleLoader.h"

namespace ade {

/// Fills NameExpr::symbol, AssignStmt::targetBindings and
/// SamplerDecl::modelDecl in every loaded module; reports undefined,
/// duplicate, ambiguous and unassignable names, and unused ones (warnings,
/// not for standard-library files).
void resolveNames(DiagnosticEngine &diags, const ModuleLoader &loader);

} // namespace ade

#endif // ADE_LIB_SEMA_RESOLVER_H
