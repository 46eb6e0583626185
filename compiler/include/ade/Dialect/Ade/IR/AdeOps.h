//===- AdeOps.h - Operations of the ade dialect -----------------*- C++ -*-===//
#ifndef ADE_DIALECT_ADE_IR_ADEOPS_H
#define ADE_DIALECT_ADE_IR_ADEOPS_H

#include "ade/Dialect/Ade/IR/AdeDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ade/Dialect/Ade/IR/AdeOpsEnums.h.inc"
#include "ade/Dialect/Ade/IR/AdeInterfaces.h.inc"

#define GET_OP_CLASSES
#include "ade/Dialect/Ade/IR/AdeOps.h.inc"

namespace ade {
/// The NumPy broadcast of two static shapes, or failure.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);
} // namespace ade

#endif // ADE_DIALECT_ADE_IR_ADEOPS_H
