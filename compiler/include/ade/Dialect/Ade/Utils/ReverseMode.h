//===- ReverseMode.h - Reverse-mode differentiation of ade code -*- C++ -*-===//

#ifndef ADE_DIALECT_ADE_UTILS_REVERSEMODE_H
#define ADE_DIALECT_ADE_UTILS_REVERSEMODE_H

#include "mlir/IR/Builders.h"
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
/// seed) are differentiated. Fails, with a diagnostic at the operation,
/// when an active operation has no derivative rule.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildReverse(mlir::OpBuilder &b, llvm::ArrayRef<mlir::Operation *> ops,
             mlir::ValueRange wrt, llvm::ArrayRef<Seed> seeds);

/// The operations strictly between `first` (exclusive; null for the start
/// of `end`'s block) and `end` (exclusive), in order.
llvm::SmallVector<mlir::Operation *> opsBetween(mlir::Operation *first,
                                                mlir::Operation *end);

} // namespace ade

#endif // ADE_DIALECT_ADE_UTILS_REVERSEMODE_H
