//===- ReuseBranches.cpp - Ops on a choice as choices of computed results -===//
//
// A Metropolis step reruns its proposal with the increments kept or zeroed
// by the test (std.dynamics.kept_leapfrog), which keeps the density
// derivation structural but evaluates the gradient again at the kept
// point. Both branches of that rerun were already computed: the accepted
// one by the proposal, the rejected one at the start point. Walking the
// block in order, an op with operands `select(c, a, b)` on one scalar
// condition c becomes `select(c, op(a...), op(b...))` when the branch ops
// exist earlier in the block (or fold, as x + 0 to x); a cheap op also when
// only one of them exists, so that a chain of such ops reaches the next
// existing pair. The rerun's copies then die.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

namespace ade {
#define GEN_PASS_DEF_ADEREUSEBRANCHES
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;
using namespace ade;

namespace {

/// Ops keyed by what they compute (name, operands, attributes, types).
struct StructuralKey : llvm::DenseMapInfo<Operation *> {
  static unsigned getHashValue(const Operation *op) {
    return OperationEquivalence::computeHash(
        const_cast<Operation *>(op), OperationEquivalence::directHashValue,
        OperationEquivalence::ignoreHashValue,
        OperationEquivalence::IgnoreLocations);
  }
  static bool isEqual(const Operation *lhs, const Operation *rhs) {
    if (lhs == rhs)
      return true;
    if (lhs == getEmptyKey() || lhs == getTombstoneKey() ||
        rhs == getEmptyKey() || rhs == getTombstoneKey())
      return false;
    return OperationEquivalence::isEquivalentTo(
        const_cast<Operation *>(lhs), const_cast<Operation *>(rhs),
        OperationEquivalence::IgnoreLocations);
  }
};

bool isScalarCondition(Value cond) {
  auto type = dyn_cast<RankedTensorType>(cond.getType());
  return type && type.getRank() == 0;
}

/// Ops whose cost is not worth a speculative copy of one branch.
bool isExpensive(Operation *op) {
  return isa<MatmulOp, OuterOp, LogAbsDetOp, InverseOp, Conv2dOp, Pool2dOp,
             Conv2dInputGradOp, Conv2dFilterGradOp, Pool2dGradOp, CallOp>(op);
}

/// A value that is `cond ? accepted : rejected`.
struct Choice {
  Value cond, accepted, rejected;
};

class BranchReuse {
public:
  explicit BranchReuse(Block &block) : block(block), b(block.getParentOp()) {}

  void run() {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (!isMemoryEffectFree(&op) || op.getNumResults() == 0)
        continue;
      SmallVector<Value> values(op.getResults());
      // A rewritten op stays (dead) as the key of what replaced it: the
      // next test's rejected branch looks it up.
      if (SmallVector<Value> selects = rewrite(&op); !selects.empty()) {
        for (auto [value, select] : llvm::zip(values, selects))
          if (select != value)
            value.replaceAllUsesWith(select);
        values = selects;
      }
      computed.try_emplace(&op, values);
    }
  }

private:
  /// The values that replace `op`'s results (a result that stays is
  /// itself), or none where `op` stays (it may then be recorded as a
  /// choice: a select of the program, or a comparison on choices, which no
  /// select can hold).
  SmallVector<Value> rewrite(Operation *op) {
    if (op->getNumRegions() || !isa<AdeDialect>(op->getDialect()))
      return {};
    // Operands may be choices on several tests (consecutive Metropolis
    // steps): each is tried, the others' choices taken as they are.
    llvm::SetVector<Value> conditions;
    for (Value operand : op->getOperands())
      if (auto it = choices.find(operand); it != choices.end())
        conditions.insert(it->second.cond);
    for (Value cond : conditions) {
      if (SmallVector<Value> selects = rewriteOn(op, cond); !selects.empty())
        return selects;
      if (choices.contains(op->getResult(0)))
        return {};
    }
    auto select = dyn_cast<SelectOp>(op);
    if (select && isScalarCondition(select.getCond()))
      choices[select] = {select.getCond(), select.getA(), select.getB()};
    return {};
  }

  SmallVector<Value> rewriteOn(Operation *op, Value cond) {
    b.setInsertionPoint(op);
    if (auto select = dyn_cast<SelectOp>(op);
        select && select.getCond() == cond)
      return {choose(select, cond, branchOperand(select.getA(), cond, true),
                     branchOperand(select.getB(), cond, false))};

    SmallVector<Value> accepted = branch(op, cond, /*first=*/true);
    SmallVector<Value> rejected = branch(op, cond, /*first=*/false);
    if ((accepted.empty() && rejected.empty()) ||
        ((accepted.empty() || rejected.empty()) && isExpensive(op)))
      return {};
    if (accepted.empty())
      accepted = keepCopy(op, cond, true);
    if (rejected.empty())
      rejected = keepCopy(op, cond, false);
    SmallVector<Value> selects;
    bool anySelect = false;
    for (auto [result, a, r] :
         llvm::zip(op->getResults(), accepted, rejected)) {
      if (!isa<FloatType>(getElementTypeOrSelf(result.getType()))) {
        choices[result] = {cond, a, r};
        selects.push_back(result);
        continue;
      }
      selects.push_back(choose(result, cond, a, r));
      anySelect = true;
    }
    if (!anySelect)
      return {};
    return selects;
  }

  Value choose(Value result, Value cond, Value accepted, Value rejected) {
    Value select = SelectOp::create(b, result.getLoc(), result.getType(), cond,
                                    accepted, rejected);
    choices[select] = {cond, accepted, rejected};
    return select;
  }

  /// One branch of `operand` (itself where it is no choice on `cond`), at
  /// its type.
  Value branchOperand(Value operand, Value cond, bool first) {
    auto it = choices.find(operand);
    if (it == choices.end() || it->second.cond != cond)
      return operand;
    Value v = first ? it->second.accepted : it->second.rejected;
    if (v.getType() == operand.getType())
      return v;
    return b.createOrFold<BroadcastToOp>(operand.getLoc(), operand.getType(),
                                         v);
  }

  Operation *copyOn(Operation *op, Value cond, bool first) {
    IRMapping mapping;
    for (Value operand : op->getOperands())
      mapping.map(operand, branchOperand(operand, cond, first));
    return b.clone(*op, mapping);
  }

  /// `op` on one branch's operands where that is computed already or
  /// folds; none otherwise (and nothing is left behind).
  SmallVector<Value> branch(Operation *op, Value cond, bool first) {
    Operation *copy = copyOn(op, cond, first);
    SmallVector<Value> found;
    if (auto it = computed.find(copy); it != computed.end())
      found = it->second;
    SmallVector<Value, 1> folded;
    if (found.empty() && copy->getNumResults() == 1 &&
        succeeded(b.tryFold(copy, folded)) && folded.size() == 1 &&
        folded[0] != copy->getResult(0) &&
        folded[0].getType() == copy->getResult(0).getType())
      found = {folded[0]};
    copy->erase();
    return found;
  }

  SmallVector<Value> keepCopy(Operation *op, Value cond, bool first) {
    Operation *copy = copyOn(op, cond, first);
    SmallVector<Value> values(copy->getResults());
    computed.try_emplace(copy, values);
    return values;
  }

  Block &block;
  OpBuilder b;
  llvm::DenseMap<Operation *, SmallVector<Value>, StructuralKey> computed;
  llvm::DenseMap<Value, Choice> choices;
};

struct AdeReuseBranchesPass
    : public ade::impl::AdeReuseBranchesBase<AdeReuseBranchesPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    for (Block &block : fn.getBody())
      BranchReuse(block).run();
  }
};

} // namespace
