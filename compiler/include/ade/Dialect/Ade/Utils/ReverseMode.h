//===- ReverseMode.h - Reverse-mode differentiation of ade code -*- C++ -*-===//

#ifndef ADE_DIALECT_ADE_UTILS_REVERSEMODE_H
#define ADE_DIALECT_ADE_UTILS_REVERSEMODE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace ade {

/// The cotangent `cotangent` flows into `value`.
struct Seed {
  mlir::Value value;
  mlir::Value cotangent;
};

/// Emits at `b`'s insertion point the reverse sweep of the straight-line
/// `ops` (program order, all before the insertion point): returns the
/// cotangent of each value of `wrt` given the `seeds`, a zero constant
/// where none flows. Only active values (depending on `wrt` and reaching a
/// seed) are differentiated. An `ade.call` is differentiated by a forward
/// call placed right after it, which also returns the residuals (none when
/// the sweep reads nothing of the callee), and a backward call in the
/// sweep, inlined when it is a few ops (Calls.h). With `parameters`, the
/// `ade.param` reads in `wrt` stand for their parameters: a call that reads
/// one sends its cotangent to the first such read. Fails, with a diagnostic
/// at the operation, when an active operation has no derivative rule.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildReverse(mlir::OpBuilder &b, llvm::ArrayRef<mlir::Operation *> ops,
             mlir::ValueRange wrt, llvm::ArrayRef<Seed> seeds,
             bool parameters = false);

/// A scalar y = f(x) and the code that computed it.
struct ScalarFunction {
  llvm::ArrayRef<mlir::Operation *> ops;
  mlir::Value x, y;
};

/// Emits at `b`'s insertion point tr(d^2 y/dx^2): one Hessian-vector
/// product per element of x, or with `probe` the Hutchinson estimate
/// probe^T (d^2 y/dx^2) probe. `gradient`, when given, receives dy/dx
/// (computed on the way).
mlir::FailureOr<mlir::Value> buildHessianTrace(mlir::OpBuilder &b,
                                               mlir::Location loc,
                                               const ScalarFunction &f,
                                               mlir::Value probe,
                                               mlir::Value *gradient = nullptr);

/// A constant of `type` with every element `value`.
mlir::Value buildSplat(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::RankedTensorType type, double value);

/// The i-th unit vector of `type` (row-major element i set to 1).
mlir::Value buildUnitVector(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::RankedTensorType type, int64_t i);

/// sum(a * c) over all elements, as a rank-0 tensor.
mlir::Value buildInnerProduct(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value a, mlir::Value c);

/// The operations strictly between `first` (exclusive; null for the start
/// of `end`'s block) and `end` (exclusive), in order.
llvm::SmallVector<mlir::Operation *> opsBetween(mlir::Operation *first,
                                                mlir::Operation *end);

} // namespace ade

#endif // ADE_DIALECT_ADE_UTILS_REVERSEMODE_H
