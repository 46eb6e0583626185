//===- Passes.h - Passes of the ade dialect ---------------------*- C++ -*-===//
#ifndef ADE_DIALECT_ADE_TRANSFORMS_PASSES_H
#define ADE_DIALECT_ADE_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace ade {

#define GEN_PASS_DECL
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"

} // namespace ade

#endif // ADE_DIALECT_ADE_TRANSFORMS_PASSES_H
