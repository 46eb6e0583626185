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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/MapVector.h"

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
  Value lhs = add.getLhs(), rhs = add.getRhs();
  Value a = body->getArgument(0), b = body->getArgument(1);
  if ((lhs == a && rhs == b) || (lhs == b && rhs == a))
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

/// Rewrites additions into a flat sum `sum`, a buffer argument: each
/// increment reads its slice as a tensor (`to_tensor restrict writable`)
/// and materializes the result back into it, so that the updates of
/// different slices are unrelated values for one-shot bufferization (a
/// chain of tensor versions of one sum made its analysis superlinear in
/// their number: table2's adec 2.3 s to 21.6 s). Increments of one slice
/// each read and write it at one point of the program, in program order.
class Accumulator {
public:
  explicit Accumulator(ModuleOp module) : module(module), symbols(module) {}

  /// `fn` takes a flat sum buffer per entry of `groups` (after its
  /// arguments) and adds the results of the group into it at their
  /// offsets, in place of returning them.
  void
  accumulateResults(func::FuncOp fn,
                    ArrayRef<SmallVector<std::pair<unsigned, int64_t>>> groups,
                    ArrayRef<MemRefType> sumTypes) {
    auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
    llvm::SmallDenseSet<unsigned> replaced;
    for (auto [group, type] : llvm::zip(groups, sumTypes)) {
      unsigned n = fn.getNumArguments();
      (void)fn.insertArgument(n, type, {}, fn.getLoc());
      SmallVector<Increment> increments;
      for (auto [result, offset] : group) {
        increments.push_back({ret.getOperand(result), offset});
        replaced.insert(result);
      }
      increase(increments, fn.getArgument(n), ret);
    }
    SmallVector<Value> operands;
    SmallVector<DictionaryAttr> attrs;
    for (auto [i, v] : llvm::enumerate(ret.getOperands()))
      if (!replaced.contains(i)) {
        operands.push_back(v);
        attrs.push_back(fn.getResultAttrDict(i));
      }
    OpBuilder b(ret);
    func::ReturnOp::create(b, ret.getLoc(), operands);
    ret.erase();
    fn.setType(FunctionType::get(fn.getContext(), fn.getArgumentTypes(),
                                 ValueRange(operands).getTypes()));
    fn.setAllResultAttrs(attrs);
    eraseDead(fn);
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
  /// Adds every increment into `sum` (before `user` where no better place
  /// is known). Results of one call are added by one variant of its
  /// callee.
  void increase(ArrayRef<Increment> increments, Value sum, Operation *user) {
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
    for (auto &[call, results] : byCall) {
      func::FuncOp variant =
          accumulatingVariant(symbols.lookup<func::FuncOp>(call.getCallee()),
                              results, cast<MemRefType>(sum.getType()));
      if (!variant) {
        for (auto [result, offset] : results)
          rest.push_back({call.getResult(result), offset});
        continue;
      }
      // Other results of the call among the increments (used elsewhere
      // too) now come from the variant's call.
      IRMapping moved = increaseCall(call, variant, results, sum);
      for (Increment &inc : rest)
        inc.value = moved.lookupOrDefault(inc.value);
    }
    for (const Increment &inc : rest)
      increaseOne(inc.value, inc.offset, sum, user);
  }

  void increaseOne(Value value, int64_t offset, Value sum, Operation *user) {
    if (isZeroFill(value))
      return;
    Operation *producer = value.getDefiningOp();
    if (!producer || !value.hasOneUse())
      return addInto(value, offset, sum, user);
    if (auto concat = dyn_cast<tensor::ConcatOp>(producer);
        concat && concat.getDim() == 0 &&
        cast<RankedTensorType>(value.getType()).getRank() == 1) {
      SmallVector<Increment> parts;
      int64_t at = offset;
      for (Value part : concat.getInputs()) {
        parts.push_back({part, at});
        at += cast<RankedTensorType>(part.getType()).getNumElements();
      }
      return increase(parts, sum, user);
    }
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(producer))
      return increaseOne(producer->getOperand(0), offset, sum, user);
    if (auto terms = elementwiseSum(producer)) {
      increaseOne(terms->first, offset, sum, producer);
      return increaseOne(terms->second, offset, sum, user);
    }
    // The op adds into its slice of the sum, after its old init was added
    // there.
    if (OpOperand *init = addedInit(producer)) {
      auto type = cast<RankedTensorType>(value.getType());
      increaseOne(init->get(), offset, sum, producer);
      OpBuilder b(producer);
      Location loc = producer->getLoc();
      auto [view, part] = slice(b, loc, sum, offset, type.getNumElements());
      init->set(fromFlat(b, loc, part, type));
      b.setInsertionPointAfter(producer);
      return store(b, loc, toFlat(b, loc, value), view);
    }
    addInto(value, offset, sum, user);
  }

  /// Replaces `call` by a call of `variant`, which adds the call's results
  /// `results` into `sum` itself.
  /// Replaces `call` by a call of `variant`, which adds the call's results
  /// `results` into `sum` itself; maps the others to the new call's.
  IRMapping increaseCall(func::CallOp call, func::FuncOp variant,
                         ArrayRef<std::pair<unsigned, int64_t>> results,
                         Value sum) {
    SmallVector<Value> args(call.getOperands());
    args.push_back(sum);
    OpBuilder b(call);
    auto summed = func::CallOp::create(b, call.getLoc(), variant, args);
    IRMapping moved;
    unsigned next = 0;
    for (auto [i, r] : llvm::enumerate(call.getResults())) {
      unsigned index = i;
      if (llvm::any_of(results, [&](auto &p) { return p.first == index; }))
        continue;
      Value now = summed.getResult(next++);
      r.replaceAllUsesWith(now);
      moved.map(r, now);
    }
    replacedCalls.insert(call);
    replacedCallees.insert(symbols.lookup<func::FuncOp>(call.getCallee()));
    return moved;
  }

  func::FuncOp
  accumulatingVariant(func::FuncOp callee,
                      ArrayRef<std::pair<unsigned, int64_t>> results,
                      MemRefType sumType) {
    if (!callee || callee.isExternal())
      return nullptr;
    std::string key = callee.getSymName().str() + ":" +
                      std::to_string(sumType.getNumElements());
    for (auto [i, offset] : results)
      key += "," + std::to_string(i) + "@" + std::to_string(offset);
    // One variant per callee: calls that add its results elsewhere in
    // their sums (the layers of a flow, each its own parameters) use
    // elementwise additions instead of a copy of the callee each.
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
    SmallVector<std::pair<unsigned, int64_t>> group(results);
    accumulateResults(variant, {group}, {sumType});
    return variant;
  }

  /// The `size` values of the flat `sum` at `offset`: a view, and the
  /// tensor to add into read from it.
  static std::pair<Value, Value> slice(OpBuilder &b, Location loc, Value sum,
                                       int64_t offset, int64_t size) {
    Value view = memref::SubViewOp::create(
        b, loc, sum, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    auto elem = cast<MemRefType>(sum.getType()).getElementType();
    Value tensor = bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get({size}, elem), view,
        /*restrict=*/true, /*writable=*/true);
    return {view, tensor};
  }

  /// Writes the flat `value` into the view of the sum it was read from.
  static void store(OpBuilder &b, Location loc, Value flat, Value view) {
    bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, flat, view, /*restrict=*/nullptr, b.getUnitAttr());
  }

  /// Adds `value` into `sum` at `offset` by an elementwise generic on the
  /// slice, right after `value` is defined (before `user` if that is not
  /// in `user`'s block).
  void addInto(Value value, int64_t offset, Value sum, Operation *user) {
    OpBuilder b(user);
    Block *block = user->getBlock();
    if (auto arg = dyn_cast<BlockArgument>(value);
        arg && arg.getOwner() == block)
      b.setInsertionPointToStart(block);
    else if (Operation *def = value.getDefiningOp();
             def && def->getBlock() == block)
      b.setInsertionPointAfter(def);
    Location loc = user->getLoc();
    Value flat = toFlat(b, loc, value);
    auto type = cast<RankedTensorType>(flat.getType());
    auto [view, part] = slice(b, loc, sum, offset, type.getNumElements());
    AffineMap id = b.getMultiDimIdentityMap(1);
    auto add = linalg::GenericOp::create(
        b, loc, type, ValueRange{flat}, ValueRange{part},
        ArrayRef<AffineMap>{id, id},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [](OpBuilder &nb, Location l, ValueRange args) {
          Value s = arith::AddFOp::create(nb, l, args[1], args[0]);
          linalg::YieldOp::create(nb, l, s);
        });
    store(b, loc, add.getResult(0), view);
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
  llvm::StringMap<func::FuncOp> variants;
  llvm::StringMap<std::string> variantKeys;
  llvm::SmallPtrSet<Operation *, 8> replacedCalls;
  llvm::SetVector<func::FuncOp> replacedCallees;
};

struct AdeAccumulateGradientsPass
    : public ade::impl::AdeAccumulateGradientsBase<AdeAccumulateGradientsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Accumulator accumulator(module);
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
      SmallVector<MemRefType> types;
      for (unsigned i = results - grads; i < results; ++i) {
        auto type = dyn_cast<RankedTensorType>(fn.getResultTypes()[i]);
        if (!type || type.getRank() != 1) {
          fn.emitError("internal: a tile function's gradient is not flat");
          return signalPassFailure();
        }
        groups.push_back({{i, 0}});
        types.push_back(
            MemRefType::get(type.getShape(), type.getElementType()));
      }
      accumulator.accumulateResults(fn, groups, types);
    }
    accumulator.eraseUnusedCallees();
  }
};

} // namespace
