//===- Autodiff.cpp - Expands ade.derivative by reverse mode --------------===//
//
// Each `ade.derivative kind @g(x, ...)` becomes a copy of g's body at the
// point followed by reverse sweeps (ReverseMode.h). Functions are expanded
// callee-first, so the body copied for g already has its own derivatives
// expanded: differentiating it again gives second and third derivatives.
// The gradient of a function kept outlined (`ade.outline`) is a call of
// its value-and-gradient function instead, which also serves the calls of
// the function itself at the same point.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"
#include "ade/Dialect/Ade/Utils/ReverseMode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"

namespace ade {
#define GEN_PASS_DEF_ADEAUTODIFF
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;
using namespace ade;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

struct AdeAutodiffPass : public ade::impl::AdeAutodiffBase<AdeAutodiffPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto f : llvm::to_vector(getOperation().getOps<func::FuncOp>()))
      if (failed(expand(f)))
        return signalPassFailure();
    for (auto f : getOperation().getOps<func::FuncOp>())
      shareValues(f);
  }

  /// A call of an outlined function at a point where its value and
  /// gradient are computed takes the value from there.
  void shareValues(func::FuncOp f) {
    llvm::DenseMap<std::pair<Attribute, Value>, ade::CallOp> valueAndGrad;
    f.walk([&](ade::CallOp call) {
      if (FlatSymbolRefAttr of = gradientOf(getCallee(call)))
        valueAndGrad.try_emplace({of, call.getArgs()[0]}, call);
    });
    SmallVector<ade::CallOp> calls;
    f.walk([&](ade::CallOp call) { calls.push_back(call); });
    for (ade::CallOp call : calls) {
      if (call.getNumOperands() != 1)
        continue;
      auto it = valueAndGrad.find({call.getCalleeAttr(), call.getArgs()[0]});
      if (it == valueAndGrad.end() ||
          it->second->getBlock() != call->getBlock())
        continue;
      if (call->isBeforeInBlock(it->second))
        it->second->moveBefore(call);
      call.getResult(0).replaceAllUsesWith(it->second.getResult(0));
    }
  }

  enum class State { InProgress, Done };
  llvm::DenseMap<Operation *, State> state;

  LogicalResult expand(func::FuncOp f) {
    if (auto it = state.find(f); it != state.end()) {
      if (it->second == State::InProgress)
        return f.emitError("cannot differentiate '")
               << f.getSymName() << "': it depends on its own derivative";
      return success();
    }
    state[f] = State::InProgress;
    // Called functions first: their bodies are copied into derivatives.
    SmallVector<ade::CallOp> calls;
    f.walk([&](ade::CallOp call) { calls.push_back(call); });
    for (ade::CallOp call : calls)
      if (failed(expand(getCallee(call))))
        return failure();
    SmallVector<DerivativeOp> derivatives;
    f.walk([&](DerivativeOp d) { derivatives.push_back(d); });
    for (DerivativeOp d : derivatives) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          d, d.getCalleeAttr());
      if (!callee || callee.isExternal())
        return d.emitOpError("differentiates an undefined function");
      if (failed(expand(callee)) || failed(expandDerivative(d, callee)))
        return failure();
    }
    state[f] = State::Done;
    return success();
  }

  LogicalResult expandDerivative(DerivativeOp d, func::FuncOp callee) {
    Block &body = callee.getBody().front();
    if (!callee.getBody().hasOneBlock() ||
        llvm::any_of(body.without_terminator(),
                     [](Operation &op) { return isa<func::CallOp>(op); }))
      return d.emitOpError("internal: '")
             << callee.getSymName()
             << "' must be inlined before it is differentiated";
    OpBuilder b(d);
    Location loc = d.getLoc();
    Value x = d.getArgs()[0];
    if (d.getKind() == DerivativeKind::grad && callee->hasAttr("ade.outline")) {
      FailureOr<func::FuncOp> vg = getOrCreateValueAndGrad(callee);
      if (failed(vg))
        return failure();
      ade::CallOp call = ade::createCall(b, loc, *vg, x);
      d.replaceAllUsesWith(call.getResult(1));
      d.erase();
      return success();
    }
    SmallVector<Operation *> forward;
    Value y = cloneInlined(b, callee, x, &forward)[0];
    RankedTensorType yType = typeOf(y);

    FailureOr<Value> result = failure();
    auto reverse = [&](ArrayRef<Operation *> ops, Value wrt,
                       ArrayRef<Seed> seeds) -> FailureOr<Value> {
      FailureOr<SmallVector<Value>> r = buildReverse(b, ops, wrt, seeds);
      if (failed(r))
        return failure();
      return (*r)[0];
    };
    // The gradient of scalar y at x, and the ops that computed it.
    auto gradient = [&](SmallVectorImpl<Operation *> &ops) -> FailureOr<Value> {
      Operation *mark = d->getPrevNode();
      FailureOr<Value> g =
          reverse(forward, x, {{y, buildSplat(b, loc, yType, 1.0)}});
      ops.assign(forward.begin(), forward.end());
      llvm::append_range(ops, opsBetween(mark, d));
      return g;
    };

    switch (d.getKind()) {
    case DerivativeKind::grad: {
      SmallVector<Operation *> ops;
      result = gradient(ops);
      break;
    }
    case DerivativeKind::vjp:
      result = reverse(forward, x, {{y, d.getArgs()[1]}});
      break;
    case DerivativeKind::jvp: {
      // J v as the gradient, with respect to a cotangent u, of (J^T u) . v:
      // J^T u is linear in u, so the point u = 0 is as good as any.
      Value u = buildSplat(b, loc, yType, 0.0);
      Operation *mark = d->getPrevNode();
      FailureOr<Value> vjp = reverse(forward, x, {{y, u}});
      if (failed(vjp))
        return failure();
      result = reverse(opsBetween(mark, d), u, {{*vjp, d.getArgs()[1]}});
      break;
    }
    case DerivativeKind::hvp: {
      SmallVector<Operation *> ops;
      FailureOr<Value> g = gradient(ops);
      if (failed(g))
        return failure();
      result = reverse(ops, x, {{*g, d.getArgs()[1]}});
      break;
    }
    case DerivativeKind::hessian_trace:
      result = hessianTrace(d, b, x, y, forward);
      break;
    case DerivativeKind::jacobian:
      result = jacobian(d, b, x, y, forward);
      break;
    }
    if (failed(result))
      return failure();
    if ((*result).getType() != d.getType())
      return d.emitOpError("internal: derivative of type ")
             << (*result).getType() << ", expected " << d.getType();
    d.replaceAllUsesWith(*result);
    d.erase();
    return success();
  }

  FailureOr<Value> hessianTrace(DerivativeOp d, OpBuilder &b, Value x, Value y,
                                ArrayRef<Operation *> forward) {
    int64_t n = typeOf(x).getNumElements();
    bool probe = d.getArgs().size() == 2;
    if (!probe && n > static_cast<int64_t>(denseLimit))
      return d.emitError("the exact Hessian trace of a point of ")
             << n << " dimensions needs " << n
             << " Hessian-vector products, more than the limit of "
             << static_cast<int64_t>(denseLimit)
             << "; use the Hutchinson estimate hessian_trace(f)(x, e) with "
                "e ~ normal(0, 1, shape), or raise --dense-limit";
    return buildHessianTrace(b, d.getLoc(), {forward, x, y},
                             probe ? d.getArgs()[1] : Value());
  }

  /// Rows of J (one vector-Jacobian product per output element), stacked
  /// and reshaped to y's shape followed by x's.
  FailureOr<Value> jacobian(DerivativeOp d, OpBuilder &b, Value x, Value y,
                            ArrayRef<Operation *> forward) {
    Location loc = d.getLoc();
    RankedTensorType yType = typeOf(y), xType = typeOf(x);
    int64_t m = yType.getNumElements();
    if (m * xType.getNumElements() >
        static_cast<int64_t>(denseLimit) * static_cast<int64_t>(denseLimit))
      return d.emitError("a dense Jacobian of ")
             << m << " x " << xType.getNumElements()
             << " elements is beyond the limit of "
             << static_cast<int64_t>(denseLimit) << " x "
             << static_cast<int64_t>(denseLimit) << " (--dense-limit)";
    SmallVector<Value> rows;
    for (int64_t i = 0; i < m; ++i) {
      FailureOr<SmallVector<Value>> row =
          buildReverse(b, forward, x, {{y, buildUnitVector(b, loc, yType, i)}});
      if (failed(row))
        return failure();
      rows.push_back((*row)[0]);
    }
    SmallVector<int64_t> stacked{m};
    llvm::append_range(stacked, xType.getShape());
    Value j = StackOp::create(
        b, loc, RankedTensorType::get(stacked, xType.getElementType()), rows);
    return ReshapeOp::create(b, loc, d.getType(), j).getResult();
  }
};

} // namespace
