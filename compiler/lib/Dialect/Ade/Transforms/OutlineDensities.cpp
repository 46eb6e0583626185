//===- OutlineDensities.cpp - Large log-densities stay functions ----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/SymbolTable.h"

#include <functional>
#include <numeric>

namespace ade {
#define GEN_PASS_DEF_ADEOUTLINEDENSITIES
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Whether `f` or a function it calls has a matrix product or convolution:
/// its code is large once differentiated, whatever its number of ops.
bool hasLayerProduct(func::FuncOp f) {
  return f
      .walk([&](Operation *op) {
        if (isa<ade::MatmulOp, ade::Conv2dOp>(op))
          return WalkResult::interrupt();
        if (auto call = dyn_cast<func::CallOp>(op)) {
          auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
              call, call.getCalleeAttr());
          if (callee && !callee.isExternal() && hasLayerProduct(callee))
            return WalkResult::interrupt();
        }
        return WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether `f` itself computes a matrix product or convolution (a layer)
/// and nothing a call could not: no draws, reports or calls.
bool isLayer(func::FuncOp f) {
  bool product = false, other = false;
  f.walk([&](Operation *op) {
    product |= isa<ade::MatmulOp, ade::Conv2dOp>(op);
    other |=
        isa<ade::DrawOp, ade::ReportOp, ade::DerivativeOp, func::CallOp>(op);
  });
  return product && !other;
}

/// How many times each function runs per sample (loops are unrolled, so
/// call sites times the caller's count), counted from the samplers and not
/// into outlined functions.
llvm::DenseMap<func::FuncOp, int64_t>
runsPerSample(ModuleOp module, const llvm::DenseSet<StringAttr> &outlined) {
  llvm::DenseMap<func::FuncOp, int64_t> runs;
  std::function<void(func::FuncOp, int64_t)> visit = [&](func::FuncOp f,
                                                         int64_t times) {
    runs[f] += times;
    f.walk([&](func::CallOp call) {
      if (outlined.contains(call.getCalleeAttr().getAttr()))
        return;
      if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
              call, call.getCalleeAttr());
          callee && !callee.isExternal())
        visit(callee, times);
    });
  };
  for (auto f : module.getOps<func::FuncOp>())
    if (f->hasAttr("ade.sample"))
      visit(f, 1);
  return runs;
}

/// The callee of `call` when it has a body.
func::FuncOp definedCallee(func::CallOp call) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  return callee && !callee.isExternal() ? callee : func::FuncOp();
}

/// A function that may stand for other instances of its component: its
/// parameters share `prefix`, and `shape` is its body with calls inlined and
/// parameters named relative to the prefix (equal shapes: the same code on
/// other parameters).
struct Instance {
  func::FuncOp fn;
  StringAttr prefix;
  OwningOpRef<func::FuncOp> shape;
  int64_t size = 0;
};

/// The instance view of `fn`, or nothing when it draws, reports, takes a
/// derivative, calls an outlined function or reads no parameters.
std::optional<Instance> asInstance(func::FuncOp fn,
                                   const llvm::DenseSet<StringAttr> &outlined) {
  bool eligible = true;
  SmallVector<StringRef> names;
  std::function<void(func::FuncOp)> scan = [&](func::FuncOp f) {
    f.walk([&](Operation *op) {
      if (isa<ade::DrawOp, ade::ReportOp, ade::DerivativeOp, ade::CallOp>(op))
        eligible = false;
      else if (auto p = dyn_cast<ade::ParamOp>(op))
        names.push_back(p.getName());
      else if (auto call = dyn_cast<func::CallOp>(op)) {
        func::FuncOp callee = definedCallee(call);
        if (!callee || outlined.contains(callee.getSymNameAttr()))
          eligible = false;
        else
          scan(callee);
      }
    });
  };
  scan(fn);
  if (!eligible || names.empty())
    return std::nullopt;
  // The longest common prefix, cut after its last '.' or '/'.
  StringRef prefix = names.front();
  for (StringRef n : names) {
    size_t i = 0;
    while (i < prefix.size() && i < n.size() && prefix[i] == n[i])
      ++i;
    prefix = prefix.take_front(i);
  }
  size_t cut = prefix.find_last_of("./");
  if (cut == StringRef::npos)
    return std::nullopt;
  prefix = prefix.take_front(cut + 1);

  MLIRContext *ctx = fn.getContext();
  OpBuilder b(ctx);
  Instance inst;
  inst.fn = fn;
  inst.prefix = StringAttr::get(ctx, prefix);
  inst.shape =
      func::FuncOp::create(fn.getLoc(), "instance", fn.getFunctionType());
  Block *entry = inst.shape->addEntryBlock();
  b.setInsertionPointToStart(entry);
  SmallVector<Value> results =
      ade::cloneInlined(b, fn, entry->getArguments(), nullptr,
                        {inst.prefix, StringAttr::get(ctx, "")});
  func::ReturnOp::create(b, fn.getLoc(), results);
  inst.size = static_cast<int64_t>(entry->getOperations().size());
  return inst;
}

/// Whether the parameters of `b` lie at one offset from those of `a` (the
/// same relative names) in one owner's buffer, each of the same type.
bool sameLayout(Instance &a, Instance &b, SymbolTable &symbols) {
  std::optional<int64_t> shift;
  StringRef owner;
  bool consistent = true;
  a.shape->walk([&](ade::ParamOp p) {
    auto from = symbols.lookup<ade::ParameterOp>(
        (a.prefix.getValue() + p.getName()).str());
    auto to = symbols.lookup<ade::ParameterOp>(
        (b.prefix.getValue() + p.getName()).str());
    if (!from || !to || from.getType() != to.getType() ||
        (shift && (to.getOwner() != owner ||
                   *shift != static_cast<int64_t>(to.getOffset()) -
                                 static_cast<int64_t>(from.getOffset())))) {
      consistent = false;
      return;
    }
    owner = to.getOwner();
    shift = static_cast<int64_t>(to.getOffset()) -
            static_cast<int64_t>(from.getOffset());
  });
  return consistent;
}

/// Instances of one component method that a sampler calls: each call of
/// one becomes a call of the first reading its own parameters (`params` of
/// ade.call), so that their code, sweeps and log-determinants are compiled
/// once. The groups taken do not nest: a shared function calls no other.
void shareInstances(ModuleOp module, llvm::DenseSet<StringAttr> &outlined,
                    int64_t minOps) {
  // The functions samplers reach through inlined calls, and what each
  // reaches in turn.
  llvm::SetVector<func::FuncOp> reached;
  llvm::DenseMap<func::FuncOp, llvm::SetVector<func::FuncOp>> below;
  std::function<void(func::FuncOp)> visit = [&](func::FuncOp f) {
    if (below.count(f))
      return;
    below[f];
    llvm::SetVector<func::FuncOp> under;
    f.walk([&](func::CallOp call) {
      func::FuncOp callee = definedCallee(call);
      if (!callee || outlined.contains(callee.getSymNameAttr()))
        return;
      visit(callee);
      reached.insert(callee);
      under.insert(callee);
      under.insert(below[callee].begin(), below[callee].end());
    });
    below[f] = std::move(under);
  };
  for (auto f : module.getOps<func::FuncOp>())
    if (f->hasAttr("ade.sample"))
      visit(f);

  SmallVector<std::vector<Instance>> groups;
  SymbolTable symbols(module);
  for (func::FuncOp f : reached) {
    if (!f.isPrivate())
      continue;
    std::optional<Instance> inst = asInstance(f, outlined);
    if (!inst || inst->size < minOps)
      continue;
    auto same = llvm::find_if(groups, [&](std::vector<Instance> &g) {
      Instance &rep = g.front();
      return rep.size == inst->size &&
             rep.fn.getFunctionType() == f.getFunctionType() &&
             OperationEquivalence::isRegionEquivalentTo(
                 &rep.shape->getBody(), &inst->shape->getBody(),
                 OperationEquivalence::IgnoreLocations) &&
             sameLayout(rep, *inst, symbols);
    });
    if (same == groups.end())
      groups.emplace_back().push_back(std::move(*inst));
    else
      same->push_back(std::move(*inst));
  }
  llvm::erase_if(groups, [](auto &g) { return g.size() < 2; });

  // Groups nest (the layers of an MLP, the MLPs of a flow, the flows of two
  // samplers): from the smallest instances up, a group is taken when it
  // saves more code than the taken groups it overlaps together.
  SmallVector<size_t> order(groups.size());
  std::iota(order.begin(), order.end(), 0);
  llvm::sort(order, [&](size_t x, size_t y) {
    return std::make_pair(groups[x].front().size, x) <
           std::make_pair(groups[y].front().size, y);
  });
  auto savings = [](const std::vector<Instance> &g) {
    return static_cast<int64_t>(g.size() - 1) * g.front().size;
  };
  auto overlap = [&](std::vector<Instance> &x, std::vector<Instance> &y) {
    return llvm::any_of(x, [&](Instance &a) {
      return llvm::any_of(y, [&](Instance &c) {
        return a.fn == c.fn || below[a.fn].contains(c.fn) ||
               below[c.fn].contains(a.fn);
      });
    });
  };
  SmallVector<size_t> taken;
  for (size_t i : order) {
    SmallVector<size_t> clashes;
    int64_t lost = 0;
    for (size_t j : taken)
      if (overlap(groups[i], groups[j])) {
        clashes.push_back(j);
        lost += savings(groups[j]);
      }
    if (savings(groups[i]) <= lost)
      continue;
    llvm::erase_if(taken,
                   [&](size_t j) { return llvm::is_contained(clashes, j); });
    taken.push_back(i);
  }

  llvm::DenseMap<StringAttr, Instance *> sharedBy, memberOf;
  for (size_t g : taken)
    for (Instance &i : groups[g]) {
      memberOf[i.fn.getSymNameAttr()] = &i;
      sharedBy[i.fn.getSymNameAttr()] = &groups[g].front();
    }
  SmallVector<func::CallOp> calls;
  module.walk([&](func::CallOp call) {
    if (memberOf.count(call.getCalleeAttr().getAttr()))
      calls.push_back(call);
  });
  for (func::CallOp call : calls) {
    Instance *member = memberOf.lookup(call.getCalleeAttr().getAttr());
    Instance *rep = sharedBy.lookup(call.getCalleeAttr().getAttr());
    OpBuilder b(call);
    ade::ParamRename rename;
    if (member != rep)
      rename = {rep->prefix, member->prefix};
    ade::CallOp shared =
        ade::createCall(b, call.getLoc(), rep->fn, call.getOperands(), rename);
    call.replaceAllUsesWith(shared.getOutputs());
    call.erase();
  }
  for (auto &[name, rep] : sharedBy)
    outlined.insert(rep->fn.getSymNameAttr());
}

struct AdeOutlineDensitiesPass
    : public ade::impl::AdeOutlineDensitiesBase<AdeOutlineDensitiesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseSet<StringAttr> outlined;
    for (auto f : module.getOps<func::FuncOp>())
      if (f->hasAttr("ade.log_density") && !f.isExternal() &&
          (hasLayerProduct(f) || ade::inlinedSize(f) >= minOps)) {
        f->setAttr("ade.outline", UnitAttr::get(f.getContext()));
        outlined.insert(f.getSymNameAttr());
      }
    // A sampler's own layers that run more than once per sample (the nets of
    // a generalized leapfrog step, shared by its steps) stay functions too,
    // and so do the instances of a component (the layers of a flow), one
    // function for all of them.
    for (auto &[f, times] : runsPerSample(module, outlined))
      if (times > 1 && f.isPrivate() && isLayer(f))
        outlined.insert(f.getSymNameAttr());
    shareInstances(module, outlined, minInstanceOps);
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (outlined.contains(call.getCalleeAttr().getAttr()))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      OpBuilder b(call);
      ade::CallOp kept = ade::createCall(b, call.getLoc(), definedCallee(call),
                                         call.getOperands());
      call.replaceAllUsesWith(kept.getOutputs());
      call.erase();
    }
  }
};

} // namespace
