//===- Calls.cpp - Outlined per-particle functions and their sweeps -------===//

#include "ade/Dialect/Ade/Utils/Calls.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/ReverseMode.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

func::FuncOp ade::getCallee(CallOp call) {
  return SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
}

StringAttr ade::ParamRename::apply(StringAttr name) const {
  if (!from || !name.getValue().starts_with(from.getValue()))
    return name;
  return StringAttr::get(
      name.getContext(),
      to.getValue() + name.getValue().drop_front(from.getValue().size()));
}

ade::ParamRename ade::getParamRename(CallOp call) {
  if (!call.getParamPrefixAttr() || !call.getParamInstanceAttr())
    return {};
  return {call.getParamPrefixAttr(), call.getParamInstanceAttr()};
}

ade::CallOp ade::createCall(OpBuilder &b, Location loc, func::FuncOp callee,
                            ValueRange args, ParamRename rename) {
  return CallOp::create(b, loc, callee.getResultTypes(),
                        FlatSymbolRefAttr::get(callee.getSymNameAttr()), args,
                        rename.from, rename.to);
}

using Renaming = llvm::function_ref<StringAttr(StringAttr)>;

static SmallVector<Value> cloneRenamed(OpBuilder &b, func::FuncOp fn,
                                       ValueRange args,
                                       SmallVectorImpl<Operation *> *cloned,
                                       Renaming rename) {
  Block &body = fn.getBody().front();
  IRMapping map;
  for (auto [from, to] : llvm::zip(body.getArguments(), args))
    map.map(from, to);
  for (Operation &op : body.without_terminator()) {
    if (auto call = dyn_cast<ade::CallOp>(op)) {
      SmallVector<Value> operands;
      for (Value v : call.getArgs())
        operands.push_back(map.lookupOrDefault(v));
      ade::ParamRename inner = ade::getParamRename(call);
      auto composed = [&](StringAttr name) {
        return rename(inner.apply(name));
      };
      SmallVector<Value> results =
          cloneRenamed(b, ade::getCallee(call), operands, cloned, composed);
      for (auto [from, to] : llvm::zip(call.getOutputs(), results))
        map.map(from, to);
      continue;
    }
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (callee && !callee.isExternal()) {
        SmallVector<Value> operands;
        for (Value v : call.getOperands())
          operands.push_back(map.lookupOrDefault(v));
        map.map(call.getResults(),
                cloneRenamed(b, callee, operands, cloned, rename));
        continue;
      }
    }
    Operation *copy = b.clone(op, map);
    copy->walk([&](ade::ParamOp p) {
      p.setNameAttr(FlatSymbolRefAttr::get(rename(p.getNameAttr().getAttr())));
    });
    if (cloned)
      cloned->push_back(copy);
  }
  SmallVector<Value> results;
  for (Value v : body.getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

SmallVector<Value> ade::cloneInlined(OpBuilder &b, func::FuncOp fn,
                                     ValueRange args,
                                     SmallVectorImpl<Operation *> *cloned,
                                     ParamRename rename) {
  return cloneRenamed(b, fn, args, cloned,
                      [&](StringAttr name) { return rename.apply(name); });
}

void ade::inlineCall(CallOp call) {
  OpBuilder b(call);
  SmallVector<Value> results = cloneInlined(b, getCallee(call), call.getArgs(),
                                            nullptr, getParamRename(call));
  call.replaceAllUsesWith(results);
  call.erase();
}

SmallVector<StringAttr> ade::paramsRead(func::FuncOp fn) {
  llvm::SetVector<StringAttr> names;
  fn.walk([&](Operation *op) {
    if (auto p = dyn_cast<ParamOp>(op))
      names.insert(p.getNameAttr().getAttr());
    else if (auto call = dyn_cast<CallOp>(op))
      for (StringAttr name : paramsRead(call))
        names.insert(name);
  });
  SmallVector<StringAttr> sorted(names.begin(), names.end());
  llvm::sort(sorted, [](StringAttr a, StringAttr b) {
    return a.getValue() < b.getValue();
  });
  return sorted;
}

SmallVector<StringAttr> ade::paramsRead(CallOp call) {
  SmallVector<StringAttr> names = paramsRead(getCallee(call));
  ParamRename rename = getParamRename(call);
  if (!rename)
    return names;
  for (StringAttr &name : names)
    name = rename.apply(name);
  llvm::sort(names, [](StringAttr a, StringAttr b) {
    return a.getValue() < b.getValue();
  });
  return names;
}

int64_t ade::inlinedSize(func::FuncOp fn) {
  int64_t size = 0;
  fn.walk([&](Operation *op) {
    if (auto call = dyn_cast<CallOp>(op))
      size += inlinedSize(getCallee(call));
    else if (auto call = dyn_cast<func::CallOp>(op))
      size += inlinedSize(SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr()));
    else
      ++size;
  });
  return size;
}

/// A new private function `name` of `type` after `anchor`, with its entry
/// block.
static func::FuncOp createAfter(func::FuncOp anchor, StringRef name,
                                FunctionType type) {
  OpBuilder b(anchor->getContext());
  b.setInsertionPointAfter(anchor);
  auto fn = func::FuncOp::create(b, anchor.getLoc(), name, type);
  fn.setPrivate();
  fn.addEntryBlock();
  return fn;
}

static void setResults(func::FuncOp fn, OpBuilder &b, ValueRange results) {
  func::ReturnOp::create(b, fn.getLoc(), results);
  fn.setFunctionType(b.getFunctionType(fn.getBody().front().getArgumentTypes(),
                                       results.getTypes()));
}

FailureOr<func::FuncOp> ade::getOrCreateValueAndGrad(func::FuncOp fn) {
  std::string name = (fn.getSymName() + ".value_and_grad").str();
  auto module = fn->getParentOfType<ModuleOp>();
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  auto vg = createAfter(fn, name, fn.getFunctionType());
  Block &entry = vg.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  SmallVector<Operation *> ops;
  Value x = entry.getArgument(0);
  Value y = cloneInlined(b, fn, x, &ops)[0];
  FailureOr<SmallVector<Value>> g =
      buildReverse(b, ops, x,
                   {{y, buildSplat(b, fn.getLoc(),
                                   cast<RankedTensorType>(y.getType()), 1.0)}});
  if (failed(g)) {
    vg.erase();
    return failure();
  }
  setResults(vg, b, {y, (*g)[0]});
  vg->setAttr("ade.gradient_of", FlatSymbolRefAttr::get(fn.getSymNameAttr()));
  return vg;
}

static std::string maskName(ArrayRef<bool> mask) {
  std::string s;
  for (bool m : mask)
    s += m ? '1' : '0';
  return s;
}

FailureOr<ade::CallSplit> ade::getOrCreateSplit(func::FuncOp callee,
                                                ArrayRef<bool> cotangents,
                                                ArrayRef<bool> needed,
                                                ArrayRef<StringAttr> params) {
  // The variant's name says which cotangents flow in and out.
  std::string key = "_" + maskName(cotangents) + "_" + maskName(needed);
  SmallVector<StringAttr> read = paramsRead(callee);
  if (params.size() == read.size() && !params.empty()) {
    key += "_params";
  } else if (!params.empty()) {
    SmallVector<bool> which;
    for (StringAttr name : read)
      which.push_back(llvm::is_contained(params, name));
    key += "_params" + maskName(which);
  }
  auto module = callee->getParentOfType<ModuleOp>();
  std::string forwardName = (callee.getSymName() + ".forward" + key).str();
  std::string backwardName = (callee.getSymName() + ".backward" + key).str();
  FunctionType type = callee.getFunctionType();
  unsigned numArgs = type.getNumInputs();
  unsigned withoutResiduals = numArgs + llvm::count(cotangents, true);
  auto existingForward = module.lookupSymbol<func::FuncOp>(forwardName);
  if (auto bwd = module.lookupSymbol<func::FuncOp>(backwardName)) {
    if (bwd.getNumArguments() == withoutResiduals)
      return CallSplit{callee, bwd};
    if (!existingForward)
      return callee.emitError("internal: the forward half of '")
             << backwardName << "' is missing";
    return CallSplit{existingForward, bwd};
  }

  // backward(args, cotangents, residuals): the callee's body and its
  // reverse sweep, then the forward values the sweep reads become
  // arguments and the forward code dies.
  SmallVector<Type> inputs(type.getInputs());
  for (auto [t, c] : llvm::zip(type.getResults(), cotangents))
    if (c)
      inputs.push_back(t);
  OpBuilder types(callee->getContext());
  auto bwd =
      createAfter(callee, backwardName, types.getFunctionType(inputs, {}));
  Block &entry = bwd.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  SmallVector<Operation *> forward;
  SmallVector<Value> results = cloneInlined(
      b, callee, entry.getArguments().take_front(numArgs), &forward);
  SmallVector<Value> wrt;
  for (unsigned i = 0; i < numArgs; ++i)
    if (needed[i])
      wrt.push_back(entry.getArgument(i));
  llvm::MapVector<StringAttr, SmallVector<Value>> reads;
  for (StringAttr name : params)
    reads[name];
  for (Operation *op : forward)
    if (auto p = dyn_cast<ParamOp>(op))
      if (auto it = reads.find(p.getNameAttr().getAttr()); it != reads.end())
        it->second.push_back(p.getResult());
  for (auto &[name, values] : reads)
    llvm::append_range(wrt, values);
  SmallVector<Seed> seeds;
  unsigned next = numArgs;
  for (auto [r, c] : llvm::zip(results, cotangents))
    if (c)
      seeds.push_back({r, entry.getArgument(next++)});
  FailureOr<SmallVector<Value>> swept = buildReverse(b, forward, wrt, seeds);
  if (failed(swept)) {
    bwd.erase();
    return failure();
  }
  SmallVector<Value> returned;
  unsigned k = 0;
  for (bool n : needed)
    if (n)
      returned.push_back((*swept)[k++]);
  SmallVector<Attribute> gradNames;
  for (auto &[name, values] : reads) {
    if (values.empty()) {
      bwd.erase();
      return callee.emitError("internal: '")
             << callee.getSymName() << "' does not read " << name;
    }
    Value sum = (*swept)[k++];
    for (size_t i = 1; i < values.size(); ++i)
      sum = AddOp::create(b, bwd.getLoc(), sum.getType(), sum, (*swept)[k++]);
    returned.push_back(sum);
    gradNames.push_back(FlatSymbolRefAttr::get(name));
  }
  setResults(bwd, b, returned);
  for (auto [i, name] : llvm::enumerate(gradNames))
    bwd.setResultAttr(returned.size() - gradNames.size() + i, "ade.param_grad",
                      name);

  // Residuals: forward values that depend on the arguments and that the
  // sweep reads. What depends on parameters and constants alone is cheaper
  // to recompute than to store per particle.
  llvm::DenseSet<Operation *> isForward(forward.begin(), forward.end());
  llvm::DenseSet<Value> varying(entry.getArguments().begin(),
                                entry.getArguments().begin() + numArgs);
  SmallVector<std::pair<size_t, unsigned>> residuals;
  for (auto [i, op] : llvm::enumerate(forward)) {
    if (llvm::none_of(op->getOperands(),
                      [&](Value v) { return varying.contains(v); }))
      continue;
    for (OpResult r : op->getResults()) {
      varying.insert(r);
      if (llvm::any_of(r.getUsers(), [&](Operation *user) {
            return !isForward.contains(user);
          }))
        residuals.push_back({i, r.getResultNumber()});
    }
  }
  for (auto [i, n] : residuals) {
    Value r = forward[i]->getResult(n);
    Value arg = entry.addArgument(r.getType(), r.getLoc());
    r.replaceUsesWithIf(arg, [&](OpOperand &use) {
      return !isForward.contains(use.getOwner());
    });
  }
  for (Operation *op : llvm::reverse(forward))
    if (op->use_empty())
      op->erase();
  bwd.setFunctionType(
      b.getFunctionType(entry.getArgumentTypes(), bwd.getResultTypes()));

  // forward(args): the callee's results, then the residuals; the callee
  // itself when the sweep reads nothing of it.
  if (residuals.empty())
    return CallSplit{callee, bwd};
  // A forward half kept while its backward half was dropped computes the
  // same residuals.
  if (existingForward)
    return CallSplit{existingForward, bwd};
  auto fwd = createAfter(callee, forwardName, type);
  fwd->setAttr("ade.forward_of",
               FlatSymbolRefAttr::get(callee.getSymNameAttr()));
  Block &fwdEntry = fwd.getBody().front();
  OpBuilder fb = OpBuilder::atBlockBegin(&fwdEntry);
  SmallVector<Operation *> copy;
  SmallVector<Value> outputs =
      cloneInlined(fb, callee, fwdEntry.getArguments(), &copy);
  for (auto [i, n] : residuals)
    outputs.push_back(copy[i]->getResult(n));
  setResults(fwd, fb, outputs);
  return CallSplit{fwd, bwd};
}

void ade::mergeForwardCalls(Operation *root) {
  SmallVector<CallOp> forwardCalls;
  root->walk([&](CallOp call) {
    func::FuncOp callee = getCallee(call);
    if (callee && callee->hasAttr("ade.forward_of"))
      forwardCalls.push_back(call);
  });
  // The forward calls of one primal sit right after it (the latest first):
  // look back over the other forward calls of the same primal only.
  for (CallOp fwd : forwardCalls) {
    auto of =
        getCallee(fwd)->getAttrOfType<FlatSymbolRefAttr>("ade.forward_of");
    for (Operation *op = fwd->getPrevNode(); op; op = op->getPrevNode()) {
      auto call = dyn_cast<CallOp>(op);
      if (!call || !llvm::equal(call.getArgs(), fwd.getArgs()) ||
          call.getParamInstanceAttr() != fwd.getParamInstanceAttr())
        break;
      if (call.getCalleeAttr() != of) {
        if (getCallee(call)->getAttrOfType<FlatSymbolRefAttr>(
                "ade.forward_of") == of)
          continue;
        break;
      }
      call.replaceAllUsesWith(
          fwd.getOutputs().take_front(call.getNumResults()));
      call.erase();
      break;
    }
  }
}

FlatSymbolRefAttr ade::gradientOf(func::FuncOp fn) {
  if (!fn)
    return {};
  if (auto of = fn->getAttrOfType<FlatSymbolRefAttr>("ade.gradient_of"))
    return of;
  if (auto of = fn->getAttrOfType<FlatSymbolRefAttr>("ade.forward_of"))
    return gradientOf(
        SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(fn, of));
  return {};
}
