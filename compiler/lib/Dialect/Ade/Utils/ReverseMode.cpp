//===- ReverseMode.cpp - Reverse-mode differentiation of ade code ---------===//

#include "ade/Dialect/Ade/Utils/ReverseMode.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/DenseSet.h"

using namespace mlir;

static bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

/// Sweeps of at most this many ops are inlined rather than called.
constexpr int64_t kInlineSweepOps = 8;

/// A parameter sweep returns the cotangents of arguments of at most this
/// many elements whether the call needs them or not.
constexpr int64_t kSharedCotangentElements = 64;

/// The adjoint of a call: a forward call right after it that also returns
/// the residuals, and a backward call at `b` that takes them.
template <typename Accumulate>
static LogicalResult buildCallAdjoint(
    OpBuilder &b, ade::CallOp call, ArrayRef<Value> resultCotangents,
    ArrayRef<bool> needed, ArrayRef<StringAttr> params,
    const llvm::DenseMap<StringAttr, Value> &paramWrt, Accumulate accumulate) {
  if (llvm::none_of(needed, [](bool n) { return n; }) && params.empty())
    return success();
  Location loc = call.getLoc();
  SmallVector<Value> flowingIn(resultCotangents);
  // A value-and-gradient call's value: its cotangent reaches x as the
  // gradient times the cotangent, no sweep needed (unless parameters are
  // differentiated: the sweep then gives both).
  if (ade::gradientOf(ade::getCallee(call)) && flowingIn[0] && params.empty()) {
    Value x = call.getArgs()[0], g = call.getResult(1);
    accumulate(loc, x,
               ade::MulOp::create(b, loc, g.getType(), g, flowingIn[0]));
    flowingIn[0] = Value();
    if (!flowingIn[1])
      return success();
  }
  SmallVector<bool> flowing;
  for (Value c : flowingIn)
    flowing.push_back(static_cast<bool>(c));
  // The split differentiates the callee's own parameters, which this call
  // reads renamed: (own, read) pairs in the callee's sorted order, the
  // order of its split's results.
  ade::ParamRename rename = ade::getParamRename(call);
  SmallVector<std::pair<StringAttr, StringAttr>> renamed;
  for (StringAttr own : ade::paramsRead(ade::getCallee(call)))
    if (llvm::is_contained(params, rename.apply(own)))
      renamed.push_back({own, rename.apply(own)});
  SmallVector<StringAttr> calleeParams;
  for (auto &[own, read] : renamed)
    calleeParams.push_back(own);
  // A sweep for parameters also gives every small float argument's
  // cotangent: that part of a sweep costs little beside the parameters',
  // and one variant then serves the calls that need them and those that do
  // not (its code compiled once). A large argument's is a layer product of
  // its own (784-d: W1^T delta, a fifth of energy_vjp).
  SmallVector<bool> neededArgs(needed);
  if (!calleeParams.empty())
    for (auto [i, arg] : llvm::enumerate(call.getArgs())) {
      auto shaped = dyn_cast<ShapedType>(arg.getType());
      neededArgs[i] =
          neededArgs[i] ||
          (isa<FloatType>(getElementTypeOrSelf(arg.getType())) &&
           (!shaped || shaped.getNumElements() <= kSharedCotangentElements));
    }
  FailureOr<ade::CallSplit> split = ade::getOrCreateSplit(
      ade::getCallee(call), flowing, neededArgs, calleeParams);
  if (failed(split))
    return failure();
  SmallVector<Value> operands(call.getArgs());
  for (Value c : flowingIn)
    if (c)
      operands.push_back(c);
  if (split->forward != ade::getCallee(call)) {
    OpBuilder after(call);
    after.setInsertionPointAfter(call);
    auto forward =
        ade::createCall(after, loc, split->forward, call.getArgs(), rename);
    llvm::append_range(operands,
                       forward.getOutputs().drop_front(call.getNumResults()));
  }
  // A sweep of a few ops (one that is zero, as the second derivative of a
  // ReLU network in x) is cheaper inline than called.
  SmallVector<Value> cotangents;
  if (ade::inlinedSize(split->backward) <= kInlineSweepOps) {
    cotangents =
        ade::cloneInlined(b, split->backward, operands, nullptr, rename);
  } else {
    auto backward = ade::createCall(b, loc, split->backward, operands, rename);
    llvm::append_range(cotangents, backward.getOutputs());
  }
  unsigned next = 0;
  for (auto [i, arg] : llvm::enumerate(call.getArgs())) {
    if (!neededArgs[i])
      continue;
    Value cotangent = cotangents[next++];
    if (needed[i])
      accumulate(loc, arg, cotangent);
  }
  for (auto &[own, read] : renamed)
    accumulate(loc, paramWrt.at(read), cotangents[next++]);
  return success();
}

FailureOr<SmallVector<Value>>
ade::buildReverse(OpBuilder &b, ArrayRef<Operation *> ops, ValueRange wrt,
                  ArrayRef<Seed> seeds, bool parameters) {
  // Activity: values that depend on `wrt` (varied) and reach a seed
  // (useful). Everything else needs no adjoint.
  llvm::DenseSet<Value> varied(wrt.begin(), wrt.end());
  // Parameters differentiated: a call that reads one is varied too, and
  // its sweep's parameter cotangents flow to the caller's read.
  llvm::DenseMap<StringAttr, Value> paramWrt;
  if (parameters)
    for (Value w : wrt)
      if (auto p = w.getDefiningOp<ParamOp>())
        paramWrt.try_emplace(p.getNameAttr().getAttr(), w);
  llvm::DenseMap<Operation *, SmallVector<StringAttr>> callParams;
  for (Operation *op : ops)
    if (auto call = dyn_cast<CallOp>(op))
      for (StringAttr name : paramsRead(call))
        if (paramWrt.contains(name))
          callParams[op].push_back(name);
  for (Operation *op : ops)
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return varied.contains(v); }) ||
        callParams.contains(op))
      for (Value r : op->getResults())
        if (isFloatTensor(r))
          varied.insert(r);
  llvm::DenseSet<Value> useful;
  for (const Seed &s : seeds)
    useful.insert(s.value);
  for (Operation *op : llvm::reverse(ops))
    if (llvm::any_of(op->getResults(),
                     [&](Value v) { return useful.contains(v); }))
      for (Value v : op->getOperands())
        if (isFloatTensor(v))
          useful.insert(v);
  auto active = [&](Value v) {
    return varied.contains(v) && useful.contains(v);
  };

  llvm::DenseMap<Value, Value> adjoint;
  auto accumulate = [&](Location loc, Value v, Value cotangent) {
    if (!cotangent)
      return;
    auto [it, fresh] = adjoint.try_emplace(v, cotangent);
    if (!fresh)
      it->second = AddOp::create(b, loc, v.getType(), it->second, cotangent);
  };
  for (const Seed &s : seeds)
    if (active(s.value))
      accumulate(s.value.getLoc(), s.value, s.cotangent);

  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<Value> resultCotangents;
    bool any = false;
    for (Value r : op->getResults()) {
      Value c = active(r) ? adjoint.lookup(r) : Value();
      resultCotangents.push_back(c);
      any |= static_cast<bool>(c);
    }
    if (!any)
      continue;
    SmallVector<bool> needed;
    for (Value v : op->getOperands())
      needed.push_back(active(v));
    if (auto call = dyn_cast<CallOp>(op)) {
      if (failed(buildCallAdjoint(b, call, resultCotangents, needed,
                                  callParams.lookup(op), paramWrt, accumulate)))
        return failure();
      continue;
    }
    if (llvm::none_of(needed, [](bool n) { return n; }))
      continue;
    auto rule = dyn_cast<DifferentiableOpInterface>(op);
    if (!rule)
      return op->emitError("cannot differentiate '")
             << op->getName() << "': it has no derivative rule";
    SmallVector<Value> operandCotangents;
    if (failed(
            rule.buildAdjoint(b, resultCotangents, needed, operandCotangents)))
      return failure();
    for (auto [i, v] : llvm::enumerate(op->getOperands()))
      if (needed[i] && i < operandCotangents.size())
        accumulate(op->getLoc(), v, operandCotangents[i]);
  }

  SmallVector<Value> result;
  for (Value w : wrt) {
    Value c = adjoint.lookup(w);
    result.push_back(c ? c
                       : buildSplat(b, w.getLoc(),
                                    cast<RankedTensorType>(w.getType()), 0.0));
  }
  return result;
}

SmallVector<Operation *> ade::opsBetween(Operation *first, Operation *end) {
  SmallVector<Operation *> ops;
  Operation *op = first ? first->getNextNode() : &end->getBlock()->front();
  for (; op && op != end; op = op->getNextNode())
    ops.push_back(op);
  return ops;
}

Value ade::buildInnerProduct(OpBuilder &b, Location loc, Value a, Value c) {
  Value prod = MulOp::create(b, loc, a.getType(), a, c);
  return ReduceOp::create(
      b, loc,
      RankedTensorType::get(
          {}, cast<RankedTensorType>(a.getType()).getElementType()),
      ReduceKind::sum, prod, -1);
}

Value ade::buildSplat(OpBuilder &b, Location loc, RankedTensorType type,
                      double value) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type,
                             b.getFloatAttr(type.getElementType(), value)));
}

Value ade::buildUnitVector(OpBuilder &b, Location loc, RankedTensorType type,
                           int64_t i) {
  SmallVector<Attribute> values(type.getNumElements(),
                                b.getFloatAttr(type.getElementType(), 0.0));
  values[i] = b.getFloatAttr(type.getElementType(), 1.0);
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

FailureOr<Value> ade::buildHessianTrace(OpBuilder &b, Location loc,
                                        const ScalarFunction &f, Value probe,
                                        Value *gradient) {
  auto xType = cast<RankedTensorType>(f.x.getType());
  Block *block = b.getInsertionBlock();
  Block::iterator start = b.getInsertionPoint();
  Operation *mark = start == block->begin() ? nullptr : &*std::prev(start);
  FailureOr<SmallVector<Value>> g = buildReverse(
      b, f.ops, f.x,
      {{f.y, buildSplat(b, loc, cast<RankedTensorType>(f.y.getType()), 1.0)}});
  if (failed(g))
    return failure();
  if (gradient)
    *gradient = (*g)[0];
  // The Hessian-vector products differentiate the gradient's own code: f's
  // ops and the sweep's, and the forward calls the sweep placed among f's.
  SmallVector<Operation *> ops(f.ops.begin(), f.ops.end());
  llvm::DenseSet<Operation *> listed(f.ops.begin(), f.ops.end());
  for (Operation *primal : f.ops)
    for (Operation *next = primal->getNextNode();
         next && !listed.contains(next) && isa<CallOp>(next) &&
         getCallee(cast<CallOp>(next))->hasAttr("ade.forward_of");
         next = next->getNextNode())
      ops.push_back(next);
  Operation *op = mark ? mark->getNextNode() : &block->front();
  for (; op && Block::iterator(op) != b.getInsertionPoint();
       op = op->getNextNode())
    ops.push_back(op);
  auto quadratic = [&](Value e) -> FailureOr<Value> {
    FailureOr<SmallVector<Value>> hv =
        buildReverse(b, ops, f.x, {{(*g)[0], e}});
    if (failed(hv))
      return failure();
    return buildInnerProduct(b, loc, (*hv)[0], e);
  };
  if (probe)
    return quadratic(probe);
  Value trace;
  for (int64_t i = 0; i < xType.getNumElements(); ++i) {
    FailureOr<Value> t = quadratic(buildUnitVector(b, loc, xType, i));
    if (failed(t))
      return failure();
    trace = trace ? AddOp::create(b, loc, t->getType(), trace, *t) : *t;
  }
  return trace;
}
