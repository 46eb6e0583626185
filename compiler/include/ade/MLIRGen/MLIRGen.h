//===- MLIRGen.h - Typed IR to the ade dialect ------------------*- C++ -*-===//
//
// Emits one func.func per instantiated function (tuples flattened into
// several arguments/results), ade.parameter declarations with each owner's
// flat-buffer offsets, and ade/arith ops for the bodies, with FileLineColLoc
// locations from the .ade sources. Functions are private except the roots:
// each model's log-density (public, `ade.log_density = "<Model>"`) and each
// sampler's `sample` (public, `ade.sample = "<Sampler>"`).
//
//===----------------------------------------------------------------------===//
#ifndef ADE_MLIRGEN_MLIRGEN_H
#define ADE_MLIRGEN_MLIRGEN_H

#include "ade/Basic/SourceManager.h"
#include "ade/Sema/TypedIR.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace ade {

mlir::OwningOpRef<mlir::ModuleOp> generateModule(mlir::MLIRContext &context,
                                                 const tir::Program &program,
                                                 const SourceManager &sm);

} // namespace ade

#endif // ADE_MLIRGEN_MLIRGEN_H
