//===- AdeInterfaces.td - Interfaces of the ade dialect ----*- tablegen -*-===//

#ifndef ADE_DIALECT_ADE_IR_ADEINTERFACES_TD
#define ADE_DIALECT_ADE_IR_ADEINTERFACES_TD

include "mlir/IR/OpBase.td"

def Ade_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::ade";
  let description = [{
    The reverse-mode derivative rule of an operation: given cotangents of
    its results, emits `ade` operations computing the cotangents of its
    operands (the vector-Jacobian product). Rules emit only `ade` (and
    constant) operations, so the reverse-mode pass applies to its own
    output: that is how second and third derivatives are formed. The rules
    live in AdeAdjoints.cpp, one per operation.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits at `b`'s insertion point the cotangents of the operands for
        which `needed` is set, given the results' cotangents (null for a
        result without one), into `operandCotangents` (one entry per
        operand; null where not needed or where the derivative is zero).
      }],
      "::llvm::LogicalResult", "buildAdjoint",
      (ins "::mlir::OpBuilder &":$b,
           "::llvm::ArrayRef<::mlir::Value>":$resultCotangents,
           "::llvm::ArrayRef<bool>":$needed,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

#endif // ADE_DIALECT_ADE_IR_ADEINTERFACES_TD
