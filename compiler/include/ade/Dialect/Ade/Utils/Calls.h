//===- Calls.h - Outlined per-particle functions and their sweeps -*- C++ -*-//
//
// A large log-density stays a function that samplers reach through
// `ade.call`: its gradient becomes one more function, and reverse mode
// through a call splits the callee into a forward function, which also
// returns the values its reverse sweep reads (the residuals), and a
// backward function that takes them. Every step of a sampler then calls
// the same three functions instead of carrying its own copy of their code.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_DIALECT_ADE_UTILS_CALLS_H
#define ADE_DIALECT_ADE_UTILS_CALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace ade {

class CallOp;

/// Clones the body of `fn` (one block) at `b`'s insertion point on `args`,
/// inlining every `ade.call` in it (recursively). Appends the cloned ops to
/// `cloned` when given; returns the values `fn` returns.
llvm::SmallVector<mlir::Value>
cloneInlined(mlir::OpBuilder &b, mlir::func::FuncOp fn, mlir::ValueRange args,
             llvm::SmallVectorImpl<mlir::Operation *> *cloned = nullptr);

/// Replaces `call` by its callee's body (calls in it inlined too).
void inlineCall(CallOp call);

/// The callee of `call`.
mlir::func::FuncOp getCallee(CallOp call);

/// The parameters `fn` reads, directly or through its calls, sorted.
llvm::SmallVector<mlir::StringAttr> paramsRead(mlir::func::FuncOp fn);

/// The number of ops in `fn`'s body, calls counted with their callees'.
int64_t inlinedSize(mlir::func::FuncOp fn);

/// The two halves of reverse mode through a call of `callee`:
///   forward(args) -> (callee's results, residuals)
///   backward(args, cotangents of the results in `cotangents`, residuals)
///     -> (cotangents of the args in `needed`, then one per parameter of
///         `params`, carrying `ade.param_grad`)
/// Residuals are the forward values that depend on the arguments and that
/// the sweep reads; what depends on parameters alone is recomputed. Without
/// residuals `forward` is the callee itself.
struct CallSplit {
  mlir::func::FuncOp forward, backward;
};

/// The split for these masks, built on first use (in `callee`'s module).
mlir::FailureOr<CallSplit>
getOrCreateSplit(mlir::func::FuncOp callee, llvm::ArrayRef<bool> cotangents,
                 llvm::ArrayRef<bool> needed,
                 llvm::ArrayRef<mlir::StringAttr> params);

/// `fn(x) -> (f, grad f)` for a scalar function `fn` of one tensor, built
/// on first use next to `fn`.
mlir::FailureOr<mlir::func::FuncOp>
getOrCreateValueAndGrad(mlir::func::FuncOp fn);

/// The function whose value and gradient `fn` returns as its first two
/// results (`ade.gradient_of`, also through a forward split of such a
/// function); null for any other function.
mlir::FlatSymbolRefAttr gradientOf(mlir::func::FuncOp fn);

/// Each call that a reverse sweep's forward call repeats (same callee and
/// arguments, the forward call right after it) takes the forward call's
/// results and is erased: the forward values are computed once.
void mergeForwardCalls(mlir::Operation *root);

} // namespace ade

#endif // ADE_DIALECT_ADE_UTILS_CALLS_H
