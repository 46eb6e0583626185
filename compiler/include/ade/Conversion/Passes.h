//===- Passes.h - ADE conversions -------------------------------*- C++ -*-===//
#ifndef ADE_CONVERSION_PASSES_H
#define ADE_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace ade {

#define GEN_PASS_DECL
#include "ade/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ade/Conversion/Passes.h.inc"

} // namespace ade

#endif // ADE_CONVERSION_PASSES_H
