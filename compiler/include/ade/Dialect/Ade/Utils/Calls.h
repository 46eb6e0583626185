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

/// The parameters a call reads in place of its callee's: a name that starts
/// with `from` is read with `to` in place of that prefix (`ade.call`'s
/// `params`, one function shared by the instances of a component). Empty:
/// the callee's own.
struct ParamRename {
  mlir::StringAttr from, to;

  explicit operator bool() const { return static_cast<bool>(from); }
  /// The parameter read at the call for the callee's `name`.
  mlir::StringAttr apply(mlir::StringAttr name) const;
};

/// The renaming of `call` (empty without `params`).
ParamRename getParamRename(CallOp call);

/// A call of `callee` on `args` reading parameters renamed by `rename`.
CallOp createCall(mlir::OpBuilder &b, mlir::Location loc,
                  mlir::func::FuncOp callee, mlir::ValueRange args,
                  ParamRename rename = {});

/// Clones the body of `fn` (one block) at `b`'s insertion point on `args`,
/// inlining every `ade.call` in it and every `func.call` of a defined
/// function (recursively), its parameter reads renamed by `rename`. Appends the
/// cloned ops to `cloned` when given; returns the values `fn` returns.
llvm::SmallVector<mlir::Value>
cloneInlined(mlir::OpBuilder &b, mlir::func::FuncOp fn, mlir::ValueRange args,
             llvm::SmallVectorImpl<mlir::Operation *> *cloned = nullptr,
             ParamRename rename = {});

/// Replaces `call` by its callee's body (calls in it inlined too).
void inlineCall(CallOp call);

/// The callee of `call`.
mlir::func::FuncOp getCallee(CallOp call);

/// The parameters `fn` reads, directly or through its calls, sorted.
llvm::SmallVector<mlir::StringAttr> paramsRead(mlir::func::FuncOp fn);

/// The parameters `call` reads (its callee's, renamed), sorted.
llvm::SmallVector<mlir::StringAttr> paramsRead(CallOp call);

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
