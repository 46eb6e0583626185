//===- AccumulateGradients.cpp - Tile gradients added into sums -----------===//
//
// A tile function of a VJP entry returned its tile's parameter gradients,
// which the entry then added into its running sums: for a model of many
// parameters (MnistMLP: 665 000) the zero fill, the products, two copies
// and the addition each passed over megabytes per tile. Here the tile
// function takes the sums and leaves them increased: the addition moves
// down to the ops that compute the gradients, so that a product or a
// reduction starts from the sum instead of from zero, through
// concatenations, reshapes, calls (a callee gets a variant that takes the
// sum too) and additions. One-shot bufferization then writes in place.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/MapVector.h"

#include <numeric>

namespace ade {
#define GEN_PASS_DEF_ADEACCUMULATEGRADIENTS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// The operand of `op`'s single init whose value its body adds to (a
/// matmul, or a generic yielding `out + x`), if any.
OpOperand *addedInit(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInits() != 1 ||
      !linalgOp.hasPureTensorSemantics())
    return nullptr;
  OpOperand *init = linalgOp.getDpsInitOperand(0);
  BlockArgument out = linalgOp.getMatchingBlockArgument(init);
  auto yield = cast<linalg::YieldOp>(linalgOp.getBlock()->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !out.hasOneUse() || (add.getLhs() != out && add.getRhs() != out))
    return nullptr;
  AffineMap map = linalgOp.getMatchingIndexingMap(init);
  return map.isProjectedPermutation() ? init : nullptr;
}

/// `fill(0)`.
bool isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.value(), m_AnyZeroFloat());
}

/// `a + b`, both operands and the result of one shape.
std::optional<std::pair<Value, Value>> elementwiseSum(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return std::nullopt;
  Block *body = generic.getBlock();
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != body || body->getOperations().size() != 2)
    return std::nullopt;
  if (add.getLhs() == body->getArgument(0) &&
      add.getRhs() == body->getArgument(1))
    return std::pair(generic.getDpsInputs()[0], generic.getDpsInputs()[1]);
  if (add.getLhs() == body->getArgument(1) &&
      add.getRhs() == body->getArgument(0))
    return std::pair(generic.getDpsInputs()[0], generic.getDpsInputs()[1]);
  return std::nullopt;
}

/// A flat row-major view: elementwise ops, reshapes and sums of parts keep
/// every element at its flat position.
Value toFlat(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 1)
    return v;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, type.getElementType()), v,
        ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::CollapseShapeOp::create(b, loc, v,
                                         ArrayRef<ReassociationIndices>{all});
}

Value fromFlat(OpBuilder &b, Location loc, Value flat, RankedTensorType type) {
  if (type.getRank() == 1)
    return flat;
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, flat,
                                           ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, type, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

/// A value to add into the flat sum at `offset`.
struct Increment {
  Value value;
  int64_t offset;
};

/// Rewrites additions into a flat sum `whole` (a 1-D tensor that each step
/// replaces by its updated version, so that the updates stay in order and
/// bufferize in place as slices of one buffer).
class Accumulator {
public:
  /// Sums of fewer than `minSize` values take the whole gradient in one
  /// addition: their traffic is small, and a chain of slice updates per
  /// parameter made one-shot bufferization superlinear in the number of
  /// parameters.
  Accumulator(ModuleOp module, int64_t minSize)
      : module(module), symbols(module), minSize(minSize) {}

  /// `fn` takes a flat sum per entry of `groups` (after its arguments) and
  /// returns it, increased by the results of the group at their offsets,
  /// in place of those results.
  void
  accumulateResults(func::FuncOp fn,
                    ArrayRef<SmallVector<std::pair<unsigned, int64_t>>> groups,
                    ArrayRef<RankedTensorType> wholeTypes) {
    auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
    DominanceInfo dominance(fn);
    SmallVector<Value> operands;
    llvm::SmallDenseSet<unsigned> replaced;
    SmallVector<Value> sums;
    for (auto [group, type] : llvm::zip(groups, wholeTypes)) {
      unsigned n = fn.getNumArguments();
      (void)fn.insertArgument(n, type, {}, fn.getLoc());
      SmallVector<Increment> increments;
      for (auto [result, offset] : group) {
        increments.push_back({ret.getOperand(result), offset});
        replaced.insert(result);
      }
      Value whole = fn.getArgument(n);
      if (type.getNumElements() < minSize && group.size() == 1)
        sums.push_back(
            addInto(increments[0].value, increments[0].offset, whole, ret));
      else
        sums.push_back(increase(increments, whole, ret, dominance));
    }
    // A sum keeps the attributes of its group's first result.
    SmallVector<DictionaryAttr> attrs;
    for (auto [i, v] : llvm::enumerate(ret.getOperands()))
      if (!replaced.contains(i)) {
        operands.push_back(v);
        attrs.push_back(fn.getResultAttrDict(i));
      }
    for (const auto &group : groups)
      attrs.push_back(fn.getResultAttrDict(group.front().first));
    llvm::append_range(operands, sums);
    OpBuilder b(ret);
    func::ReturnOp::create(b, ret.getLoc(), operands);
    ret.erase();
    fn.setType(FunctionType::get(fn.getContext(), fn.getArgumentTypes(),
                                 ValueRange(operands).getTypes()));
    fn.setAllResultAttrs(attrs);
    eraseDead(fn);
  }

  /// Inlines the calls of variants in `fn` (their nested calls too): a
  /// sum passed to a function and returned would be copied into an
  /// out-parameter after bufferization.
  void inlineVariants(func::FuncOp fn) {
    SmallVector<func::CallOp> calls;
    fn.walk([&](func::CallOp call) {
      if (isVariant.contains(call.getCalleeAttr().getAttr()))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      OpBuilder b(call);
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      call.replaceAllUsesWith(ade::cloneInlined(b, callee, call.getOperands()));
      call.erase();
    }
  }

  /// Erases the callees and variants that no call reaches any more (a
  /// callee's callees once it is gone).
  void eraseUnusedCallees() {
    llvm::SetVector<Operation *> candidates;
    for (func::FuncOp fn : replacedCallees)
      candidates.insert(fn);
    for (auto &entry : variants)
      candidates.insert(entry.second);
    bool erased = true;
    while (erased) {
      erased = false;
      for (Operation *fn : candidates.takeVector())
        if (SymbolTable::symbolKnownUseEmpty(fn, module)) {
          fn->erase();
          erased = true;
        } else {
          candidates.insert(fn);
        }
    }
  }

private:
  /// `whole` increased by every increment, valid before `user`. Results
  /// of one call are added by one variant of its callee; the others in
  /// the order they are computed.
  Value increase(ArrayRef<Increment> increments, Value whole, Operation *user,
                 DominanceInfo &dominance) {
    llvm::MapVector<func::CallOp, SmallVector<std::pair<unsigned, int64_t>>>
        byCall;
    SmallVector<Increment> rest;
    for (const Increment &inc : increments) {
      auto call = inc.value.getDefiningOp<func::CallOp>();
      if (call && inc.value.hasOneUse())
        byCall[call].push_back(
            {cast<OpResult>(inc.value).getResultNumber(), inc.offset});
      else
        rest.push_back(inc);
    }
    SmallVector<func::CallOp> calls;
    for (auto &entry : byCall)
      calls.push_back(entry.first);
    llvm::sort(calls, [](func::CallOp a, func::CallOp c) {
      return a->isBeforeInBlock(c);
    });
    for (func::CallOp call : calls) {
      func::FuncOp variant;
      if (dominance.properlyDominates(whole, call))
        variant = accumulatingVariant(
            symbols.lookup<func::FuncOp>(call.getCallee()), byCall[call],
            cast<RankedTensorType>(whole.getType()));
      if (!variant) {
        for (auto [result, offset] : byCall[call])
          rest.push_back({call.getResult(result), offset});
        continue;
      }
      whole = increaseCall(call, variant, byCall[call], whole);
    }
    // Arguments first, then in program order (ties in their given order).
    SmallVector<unsigned> order(rest.size());
    std::iota(order.begin(), order.end(), 0u);
    llvm::sort(order, [&](unsigned a, unsigned c) {
      Operation *pa = rest[a].value.getDefiningOp(),
                *pc = rest[c].value.getDefiningOp();
      if (pa && pc && pa->getBlock() == pc->getBlock() && pa != pc)
        return pa->isBeforeInBlock(pc);
      if (!pa != !pc)
        return !pa;
      return a < c;
    });
    for (unsigned i : order) {
      const Increment &inc = rest[i];
      whole = increaseOne(inc.value, inc.offset, whole, user, dominance);
    }
    return whole;
  }

  Value increaseOne(Value value, int64_t offset, Value whole, Operation *user,
                    DominanceInfo &dominance) {
    if (isZeroFill(value))
      return whole;
    Operation *producer = value.getDefiningOp();
    if (!producer || !value.hasOneUse() ||
        !dominance.properlyDominates(whole, producer))
      return addInto(value, offset, whole, user);
    if (auto concat = dyn_cast<tensor::ConcatOp>(producer);
        concat && concat.getDim() == 0 &&
        cast<RankedTensorType>(value.getType()).getRank() == 1) {
      SmallVector<Increment> parts;
      int64_t at = offset;
      for (Value part : concat.getInputs()) {
        parts.push_back({part, at});
        at += cast<RankedTensorType>(part.getType()).getNumElements();
      }
      return increase(parts, whole, user, dominance);
    }
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(producer))
      return increaseOne(producer->getOperand(0), offset, whole, user,
                         dominance);
    if (auto terms = elementwiseSum(producer)) {
      Value first =
          increaseOne(terms->first, offset, whole, producer, dominance);
      return increaseOne(terms->second, offset, first, user, dominance);
    }
    // The op adds into a slice of the sum (increased by its old init). Not
    // into the whole sum through a reshape: once the slice and its
    // insertion fold away, the tile would return a reshape of its sum
    // argument, which ade-build-entries does not take for the argument.
    OpOperand *init = addedInit(producer);
    auto type = cast<RankedTensorType>(value.getType());
    if (init &&
        (type.getRank() == 1 ||
         type.getNumElements() !=
             cast<RankedTensorType>(whole.getType()).getNumElements())) {
      Value base = increaseOne(init->get(), offset, whole, producer, dominance);
      OpBuilder b(producer);
      Location loc = producer->getLoc();
      init->set(fromFlat(b, loc, slice(b, loc, base, offset, type), type));
      b.setInsertionPointAfter(producer);
      return insert(b, loc, toFlat(b, loc, value), base, offset);
    }
    return addInto(value, offset, whole, user);
  }

  /// `whole` increased by the call's results `results` at their offsets,
  /// from a variant of its callee that takes and returns the whole sum.
  Value increaseCall(func::CallOp call, func::FuncOp variant,
                     ArrayRef<std::pair<unsigned, int64_t>> results,
                     Value whole) {
    SmallVector<Value> args(call.getOperands());
    args.push_back(whole);
    OpBuilder b(call);
    auto summed = func::CallOp::create(b, call.getLoc(), variant, args);
    unsigned next = 0;
    for (auto [i, r] : llvm::enumerate(call.getResults())) {
      unsigned index = i;
      if (!llvm::any_of(results, [&](auto &p) { return p.first == index; }))
        r.replaceAllUsesWith(summed.getResult(next++));
    }
    replacedCalls.insert(call);
    replacedCallees.insert(symbols.lookup<func::FuncOp>(call.getCallee()));
    return summed.getResults().back();
  }

  func::FuncOp
  accumulatingVariant(func::FuncOp callee,
                      ArrayRef<std::pair<unsigned, int64_t>> results,
                      RankedTensorType wholeType) {
    std::string key = callee.getSymName().str() + ":" +
                      std::to_string(wholeType.getNumElements());
    for (auto [i, offset] : results)
      key += "," + std::to_string(i) + "@" + std::to_string(offset);
    // One variant per callee: calls that add its results elsewhere in
    // their sums (the layers of a flow, each its own parameters) use
    // elementwise additions instead of a copy of the callee each.
    if (!callee || callee.isExternal())
      return nullptr;
    auto [known, inserted] = variantKeys.try_emplace(callee.getSymName(), key);
    if (!inserted && known->second != key)
      return nullptr;
    func::FuncOp &variant = variants[key];
    if (variant)
      return variant;
    variant = callee.clone();
    variant.setSymName((callee.getSymName() + ".acc").str());
    variant.setPrivate();
    symbols.insert(variant, std::next(Block::iterator(callee)));
    isVariant.insert(variant.getSymNameAttr());
    SmallVector<std::pair<unsigned, int64_t>> group(results);
    accumulateResults(variant, {group}, {wholeType});
    return variant;
  }

  /// The point right after the definition of `v` (the start for a block
  /// argument), if that is in `block`.
  static std::optional<Block::iterator> afterDefinition(Value v, Block *block) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != block)
        return std::nullopt;
      return block->begin();
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != block)
      return std::nullopt;
    return std::next(def->getIterator());
  }

  /// The `type`-sized slice of the flat `whole` at `offset`, flat.
  static Value slice(OpBuilder &b, Location loc, Value whole, int64_t offset,
                     RankedTensorType type) {
    return tensor::ExtractSliceOp::create(
        b, loc, whole, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(type.getNumElements())},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  }

  static Value insert(OpBuilder &b, Location loc, Value flat, Value whole,
                      int64_t offset) {
    auto type = cast<RankedTensorType>(flat.getType());
    return tensor::InsertSliceOp::create(
        b, loc, flat, whole, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(type.getNumElements())},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  }

  /// `whole` with `value` added at `offset` by an elementwise generic on
  /// the slice, as soon as both are defined (so that later values can still
  /// be added where they are computed).
  Value addInto(Value value, int64_t offset, Value whole, Operation *user) {
    OpBuilder b(user);
    Block *block = user->getBlock();
    std::optional<Block::iterator> afterValue = afterDefinition(value, block),
                                   afterWhole = afterDefinition(whole, block);
    if (afterValue && afterWhole)
      b.setInsertionPoint(block, (*afterValue)->isBeforeInBlock(&**afterWhole)
                                     ? *afterWhole
                                     : *afterValue);
    Location loc = user->getLoc();
    Value flat = toFlat(b, loc, value);
    auto type = cast<RankedTensorType>(flat.getType());
    Value part = slice(b, loc, whole, offset, type);
    AffineMap id = b.getMultiDimIdentityMap(1);
    auto add = linalg::GenericOp::create(
        b, loc, type, ValueRange{flat}, ValueRange{part},
        ArrayRef<AffineMap>{id, id},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [](OpBuilder &nb, Location l, ValueRange args) {
          Value s = arith::AddFOp::create(nb, l, args[1], args[0]);
          linalg::YieldOp::create(nb, l, s);
        });
    return insert(b, loc, add.getResult(0), whole, offset);
  }

  /// Erases the ops whose results died: replaced calls, and side-effect
  /// free ops.
  void eraseDead(func::FuncOp fn) {
    bool changed = true;
    while (changed) {
      changed = false;
      for (Block &block : fn.getBody())
        for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
          if (op.use_empty() && !op.hasTrait<OpTrait::IsTerminator>() &&
              (replacedCalls.erase(&op) || isMemoryEffectFree(&op))) {
            op.erase();
            changed = true;
          }
    }
  }

  ModuleOp module;
  SymbolTable symbols;
  int64_t minSize;
  llvm::StringMap<func::FuncOp> variants;
  llvm::StringMap<std::string> variantKeys;
  llvm::DenseSet<StringAttr> isVariant;
  llvm::SmallPtrSet<Operation *, 8> replacedCalls;
  llvm::SetVector<func::FuncOp> replacedCallees;
};

struct AdeAccumulateGradientsPass
    : public ade::impl::AdeAccumulateGradientsBase<AdeAccumulateGradientsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Accumulator accumulator(module, minSize);
    SmallVector<func::FuncOp> tiles;
    for (auto fn : module.getOps<func::FuncOp>())
      if (auto info = fn->getAttrOfType<DictionaryAttr>("ade.tile"))
        if (auto owners = info.getAs<DenseI64ArrayAttr>("grad_owners");
            owners && !owners.empty())
          tiles.push_back(fn);
    for (func::FuncOp fn : tiles) {
      unsigned grads = fn->getAttrOfType<DictionaryAttr>("ade.tile")
                           .getAs<DenseI64ArrayAttr>("grad_owners")
                           .size();
      unsigned results = fn.getNumResults();
      if (grads > results) {
        fn.emitError("internal: a tile function returns fewer results than "
                     "its gradients");
        return signalPassFailure();
      }
      // One flat sum per gradient result.
      SmallVector<SmallVector<std::pair<unsigned, int64_t>>> groups;
      SmallVector<RankedTensorType> types;
      for (unsigned i = results - grads; i < results; ++i) {
        auto type = dyn_cast<RankedTensorType>(fn.getResultTypes()[i]);
        if (!type || type.getRank() != 1) {
          fn.emitError("internal: a tile function's gradient is not flat");
          return signalPassFailure();
        }
        groups.push_back({{i, 0}});
        types.push_back(type);
      }
      accumulator.accumulateResults(fn, groups, types);
      accumulator.inlineVariants(fn);
    }
    accumulator.eraseUnusedCallees();
  }
};

} // namespace
