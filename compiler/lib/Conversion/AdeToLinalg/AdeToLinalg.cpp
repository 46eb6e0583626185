//===- AdeToLinalg.cpp - Batch log-densities into tile functions ----------===//
//
// Per-particle ade ops become linalg/tensor ops on a tile of T particles,
// the batch dimension last. Each converted value remembers whether it is
// batched (depends on the particle) or uniform (parameters, constants);
// uniform operands enter batched computations through indexing maps that
// ignore the batch dimension, so nothing uniform is ever replicated.
//
//===----------------------------------------------------------------------===//

#include "ade/Conversion/Passes.h"
#include "ade/Conversion/TileSize.h"
#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>
#include <map>
#include <string>

namespace ade {
#define GEN_PASS_DEF_CONVERTADETOLINALG
#include "ade/Conversion/Passes.h.inc"
} // namespace ade

using namespace mlir;
using namespace ade;

namespace {

/// A converted value: `value` has the per-particle shape, with the batch
/// dimension T appended when `batched`; `summed` when it is already the sum
/// over the tile's particles (a parameter gradient returned by a call).
struct BValue {
  Value value;
  bool batched = false;
  bool summed = false;
};

/// The tile function of a called per-particle function, built on first use.
using CalleeTiles = function_ref<FailureOr<func::FuncOp>(func::FuncOp)>;

using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// The scalar body of an elementwise op that is one arith or math op on
/// its operands.
template <typename ScalarOp>
Value scalarOp(OpBuilder &b, Location loc, ValueRange operands) {
  return ScalarOp::create(b, loc, operands[0].getType(), operands)
      .getResult();
}

class TileBuilder {
public:
  /// `params`: each owner's parameter buffer; `shifts`: for the owners
  /// whose parameters a shared function reads at an offset, the offset.
  /// `rowVectorBits`: see the pass option.
  TileBuilder(OpBuilder &b, int64_t tile, llvm::StringMap<Value> params,
              llvm::StringMap<Value> shifts, SymbolTableCollection &symbols,
              CalleeTiles calleeTiles, int64_t rowVectorBits)
      : b(b), tile(tile), params(std::move(params)), shifts(std::move(shifts)),
        symbols(symbols), calleeTiles(calleeTiles),
        rowVectorBits(rowVectorBits) {}

  /// Converts the body of kernel `source` (one block, calls inlined) into
  /// the current insertion block, the source's arguments being `args`.
  /// Returns the batched outputs, then the tile sums of the parameter
  /// gradients (results with `ade.param_grad`), flattened.
  FailureOr<SmallVector<Value>> run(func::FuncOp source,
                                    ArrayRef<BValue> args) {
    Block &block = source.getBody().front();
    for (auto [arg, value] : llvm::zip(block.getArguments(), args))
      map[arg] = value;
    Operation *terminator = block.getTerminator();
    for (auto [i, v] : llvm::enumerate(terminator->getOperands()))
      if (source.getResultAttr(i, "ade.param_grad"))
        deferSums(v);
    for (Operation &op : block.without_terminator())
      if (!deferred.contains(&op) && failed(convert(&op)))
        return failure();
    SmallVector<Value> results;
    for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
      if (!source.getResultAttr(i, "ade.param_grad")) {
        if (map.at(v).summed)
          return source.emitError("internal: result ")
                 << i << " is a tile sum but no parameter gradient";
        results.push_back(toBatched(v.getLoc(), map.at(v)));
        continue;
      }
      FailureOr<Value> sum = batchSum(v);
      if (failed(sum))
        return failure();
      int64_t n = cast<RankedTensorType>(v.getType()).getNumElements();
      results.push_back(reshapeFeatures(v.getLoc(), *sum, shapeOf(v), {n},
                                        false, elementOf(v)));
    }
    return results;
  }

private:
  //===--------------------------------------------------------------------===//
  // Sums over the tile
  //===--------------------------------------------------------------------===//

  /// Marks the outer products and sums that only feed the batch sum `v`:
  /// they are not built per particle, batchSum contracts them directly (an
  /// outer product summed over particles is a matrix product).
  void deferSums(Value v) {
    Operation *def = v.getDefiningOp();
    if (!def || !v.hasOneUse())
      return;
    if (isa<OuterOp>(def)) {
      deferred.insert(def);
    } else if (auto transpose = dyn_cast<TransposeOp>(def)) {
      // The gradient of a transposed parameter (L in transpose(L) @ x).
      deferred.insert(def);
      deferSums(transpose.getInput());
    } else if (auto add = dyn_cast<AddOp>(def);
               add && add.getLhs().getType() == add.getType() &&
               add.getRhs().getType() == add.getType()) {
      deferred.insert(def);
      deferSums(add.getLhs());
      deferSums(add.getRhs());
    }
  }

  /// The sum over the tile's particles of per-particle value `v`.
  FailureOr<Value> batchSum(Value v) {
    Location loc = v.getLoc();
    Type elem = elementOf(v);
    ArrayRef<int64_t> shape = shapeOf(v);
    Operation *def = v.getDefiningOp();
    if (def && deferred.contains(def)) {
      if (auto transpose = dyn_cast<TransposeOp>(def)) {
        // Summed first, then transposed once per tile.
        FailureOr<Value> sum = batchSum(transpose.getInput());
        if (failed(sum))
          return failure();
        return linalg::TransposeOp::create(b, loc, *sum,
                                           empty(loc, shape, elem),
                                           ArrayRef<int64_t>{1, 0})
            .getResult()[0];
      }
      if (auto add = dyn_cast<AddOp>(def)) {
        FailureOr<Value> l = batchSum(add.getLhs()), r = batchSum(add.getRhs());
        if (failed(l) || failed(r))
          return failure();
        return elementwise(loc, {{v, BValue{*l, false}}, {v, BValue{*r, false}}},
                           shape, elem, scalarOp<arith::AddFOp>)
            .value;
      }
      auto outer = cast<OuterOp>(def);
      BValue a = map.at(outer.getLhs()), c = map.at(outer.getRhs());
      if (a.batched && c.batched) {
        // sum_t a[i, t] c[j, t]: the matrix product a c^T, register-blocked
        // by the CPU schedule like a layer (c transposed once per tile).
        ArrayRef<int64_t> cs = shapeOf(outer.getRhs());
        Value cT = linalg::TransposeOp::create(
                       b, loc, c.value, empty(loc, {tile, cs[0]}, elem),
                       ArrayRef<int64_t>{1, 0})
                       .getResult()[0];
        return linalg::MatmulOp::create(b, loc, ValueRange{a.value, cT},
                                        ValueRange{filled(loc, shape, elem, 0.0)})
            .getResult(0);
      }
      if (a.batched != c.batched && !a.summed && !c.summed) {
        // sum_t a[i] c[j, t] = a[i] sum_t c[j, t]: one sum per element of
        // the batched factor, not one per element of the product (a
        // dense Jacobian's gradient is n such products with columns e_i).
        auto sum = [&](BValue x, Value original) {
          return x.batched ? BValue{sumOf(original)} : x;
        };
        return outerProduct(loc, sum(a, outer.getLhs()), sum(c, outer.getRhs()),
                            shape, elem)
            .value;
      }
      if (failed(convert(outer)))
        return failure();
    }
    BValue bv = map.at(v);
    if (bv.summed)
      return bv.value;
    // Gradients are linear in the batched cotangent inputs: one that does
    // not depend on the particle is zero (a parameter read but inactive).
    if (!bv.batched)
      return filled(loc, shape, elem, 0.0);
    return sumOf(v);
  }

  /// The tile sum of converted per-particle value `v`, pushed through
  /// products with a factor the same for every particle (the sum of u x is
  /// u times the sum of x) and through slices of such products (a slice's
  /// sum is the slice of the sum). A Jacobian's cotangent w J^-T (w per
  /// particle) is summed as one sum of w, not n^2 sums. Memoized: n slices
  /// of one value share its sum.
  Value sumOf(Value v) {
    if (auto it = sums.find(v); it != sums.end())
      return it->second;
    Location loc = v.getLoc();
    Type elem = elementOf(v);
    Value sum;
    Operation *def = v.getDefiningOp();
    if (auto s = dyn_cast_or_null<SliceOp>(def);
        s && (sums.count(s.getInput()) ||
              uniformFactor(s.getInput().getDefiningOp()))) {
      sum = sliceOf(s, BValue{sumOf(s.getInput())}).value;
    } else if (MulOp m = uniformFactor(def)) {
      auto factor = [&](Value x) {
        BValue bx = map.at(x);
        return std::pair<Value, BValue>{x, bx.batched ? BValue{sumOf(x)} : bx};
      };
      sum = elementwise(loc, {factor(m.getLhs()), factor(m.getRhs())},
                        shapeOf(v), elem, scalarOp<arith::MulFOp>)
                .value;
    } else {
      sum = sumOverTile(loc, map.at(v).value, shapeOf(v), elem);
    }
    sums[v] = sum;
    return sum;
  }

  /// `op` if it is a converted ade.mul of a batched and a uniform operand.
  MulOp uniformFactor(Operation *op) {
    auto m = dyn_cast_or_null<MulOp>(op);
    if (!m || !map.count(m.getLhs()) || !map.count(m.getRhs()))
      return nullptr;
    BValue l = map.at(m.getLhs()), r = map.at(m.getRhs());
    return l.batched != r.batched && !l.summed && !r.summed ? m : nullptr;
  }

  /// The sum over the trailing batch dimension of `batched`, whose
  /// per-particle shape is `shape`.
  Value sumOverTile(Location loc, Value batched, ArrayRef<int64_t> shape,
                    Type elem) {
    unsigned k = shape.size();
    SmallVector<utils::IteratorType> iterators(k + 1,
                                               utils::IteratorType::parallel);
    iterators[k] = utils::IteratorType::reduction;
    SmallVector<AffineExpr> outExprs;
    for (unsigned i = 0; i < k; ++i)
      outExprs.push_back(b.getAffineDimExpr(i));
    Value init = filled(loc, shape, elem, 0.0);
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{batched},
               ValueRange{init},
               {b.getMultiDimIdentityMap(k + 1),
                AffineMap::get(k + 1, 0, outExprs, b.getContext())},
               iterators, "", "",
               [](OpBuilder &ob, Location l2, ValueRange args) {
                 linalg::YieldOp::create(
                     ob, l2,
                     ValueRange{arith::AddFOp::create(ob, l2, args[1], args[0])});
               })
        .getResult(0);
  }

  //===--------------------------------------------------------------------===//
  // Helpers
  //===--------------------------------------------------------------------===//

  static ArrayRef<int64_t> shapeOf(Value perParticle) {
    return cast<RankedTensorType>(perParticle.getType()).getShape();
  }
  // Booleans live in memory as i8: vector<Nxi1> loads and stores are
  // bit-packed by LLVM while scalar accesses are byte-wise, so an i1 buffer
  // read and written by differently vectorized loops would be corrupted.
  static Type storageOf(Type elem) {
    return elem.isInteger(1) ? IntegerType::get(elem.getContext(), 8) : elem;
  }
  static Type elementOf(Value v) {
    return storageOf(cast<RankedTensorType>(v.getType()).getElementType());
  }
  SmallVector<int64_t> withBatch(ArrayRef<int64_t> shape, bool batched) {
    SmallVector<int64_t> s(shape);
    if (batched)
      s.push_back(tile);
    return s;
  }
  Value empty(Location loc, ArrayRef<int64_t> shape, Type elem) {
    return tensor::EmptyOp::create(b, loc, shape, elem);
  }
  Value floatConst(OpBuilder &ob, Location loc, Type t, double v) {
    return arith::ConstantOp::create(ob, loc, ob.getFloatAttr(t, v));
  }
  Value filled(Location loc, ArrayRef<int64_t> shape, Type elem, double v) {
    Value init = empty(loc, shape, elem);
    Value c = floatConst(b, loc, elem, v);
    return linalg::FillOp::create(b, loc, ValueRange{c}, ValueRange{init})
        .getResult(0);
  }

  /// The map of an operand of per-particle shape `shape` into an iteration
  /// space whose first dims are the result's (`result`), then the batch
  /// dimension, then `numDims` - those: NumPy broadcasting aligned right,
  /// size-1 dimensions pinned to 0.
  AffineMap broadcastMap(ArrayRef<int64_t> shape, bool batched,
                         ArrayRef<int64_t> result, unsigned numDims) {
    SmallVector<AffineExpr> exprs;
    unsigned offset = result.size() - shape.size();
    for (unsigned j = 0; j < shape.size(); ++j)
      exprs.push_back(shape[j] == 1 && result[j + offset] != 1
                          ? b.getAffineConstantExpr(0)
                          : b.getAffineDimExpr(j + offset));
    if (batched)
      exprs.push_back(b.getAffineDimExpr(result.size()));
    return AffineMap::get(numDims, 0, exprs, b.getContext());
  }

  /// An elementwise linalg.generic over the broadcast of `operands`, each
  /// given with its per-particle value (for its shape).
  BValue elementwise(Location loc, ArrayRef<std::pair<Value, BValue>> operands,
                     ArrayRef<int64_t> shape, Type elem, ScalarFn fn) {
    SmallVector<std::pair<ArrayRef<int64_t>, BValue>> shaped;
    for (auto &[original, converted] : operands)
      shaped.push_back({shapeOf(original), converted});
    return elementwiseShaped(loc, shaped, shape, elem, fn);
  }

  /// An elementwise linalg.generic over the broadcast of `operands`, each
  /// given with its per-particle shape.
  BValue elementwiseShaped(
      Location loc, ArrayRef<std::pair<ArrayRef<int64_t>, BValue>> operands,
      ArrayRef<int64_t> shape, Type elem, ScalarFn fn) {
    bool batched = llvm::any_of(
        operands, [](const auto &o) { return o.second.batched; });
    unsigned numDims = shape.size() + (batched ? 1 : 0);
    SmallVector<AffineMap> maps;
    SmallVector<Value> inputs;
    for (auto &[operandShape, converted] : operands) {
      maps.push_back(
          broadcastMap(operandShape, converted.batched, shape, numDims));
      inputs.push_back(converted.value);
    }
    maps.push_back(b.getMultiDimIdentityMap(numDims));
    SmallVector<int64_t> out = withBatch(shape, batched);
    SmallVector<utils::IteratorType> iterators(numDims,
                                               utils::IteratorType::parallel);
    auto g = linalg::GenericOp::create(
        b, loc, TypeRange{RankedTensorType::get(out, elem)}, inputs,
        ValueRange{empty(loc, out, elem)}, maps, iterators, "", "",
        [&](OpBuilder &nb, Location l, ValueRange args) {
          linalg::YieldOp::create(nb, l, fn(nb, l, args.drop_back()));
        });
    return {g.getResult(0), batched};
  }

  BValue unary(Operation *op, ScalarFn fn) {
    Value in = op->getOperand(0);
    return elementwise(op->getLoc(), {{in, map.at(in)}}, shapeOf(in),
                       elementOf(op->getResult(0)), fn);
  }
  BValue nary(Operation *op, ScalarFn fn) {
    SmallVector<std::pair<Value, BValue>> operands;
    for (Value v : op->getOperands())
      operands.push_back({v, map.at(v)});
    return elementwise(op->getLoc(), operands, shapeOf(op->getResult(0)),
                       elementOf(op->getResult(0)), fn);
  }

  /// Broadcasts a uniform value along the batch dimension.
  Value toBatched(Location loc, BValue v) {
    if (v.batched)
      return v.value;
    auto t = cast<RankedTensorType>(v.value.getType());
    SmallVector<int64_t> out = withBatch(t.getShape(), true);
    Value init = empty(loc, out, t.getElementType());
    return linalg::BroadcastOp::create(b, loc, v.value, init,
                                       {static_cast<int64_t>(t.getRank())})
        .getResult()[0];
  }

  /// Reshapes the feature dimensions [from...] to [to...] keeping the batch
  /// dimension last (valid: the feature index is row-major, the batch
  /// innermost).
  Value reshapeFeatures(Location loc, Value v, ArrayRef<int64_t> from,
                        ArrayRef<int64_t> to, bool batched, Type elem) {
    int64_t n = 1;
    for (int64_t d : from)
      n *= d;
    // To [n, T?].
    SmallVector<int64_t> flatShape = withBatch({n}, batched);
    auto flatType = RankedTensorType::get(flatShape, elem);
    Value flat = v;
    if (from.empty()) {
      SmallVector<ReassociationIndices> r;
      if (batched)
        r.push_back({0, 1});
      flat = tensor::ExpandShapeOp::create(b, loc, flatType, v, r);
    } else if (from.size() > 1) {
      SmallVector<ReassociationIndices> r(1);
      for (unsigned i = 0; i < from.size(); ++i)
        r[0].push_back(i);
      if (batched)
        r.push_back({static_cast<int64_t>(from.size())});
      flat = tensor::CollapseShapeOp::create(b, loc, flatType, v, r);
    }
    // From [n, T?] to [to..., T?].
    auto outType = RankedTensorType::get(withBatch(to, batched), elem);
    if (to.size() == 1)
      return flat;
    if (to.empty()) {
      SmallVector<ReassociationIndices> r;
      if (batched)
        r.push_back({0, 1});
      return tensor::CollapseShapeOp::create(b, loc, outType, flat, r);
    }
    SmallVector<ReassociationIndices> r(1);
    for (unsigned i = 0; i < to.size(); ++i)
      r[0].push_back(i);
    if (batched)
      r.push_back({static_cast<int64_t>(to.size())});
    return tensor::ExpandShapeOp::create(b, loc, outType, flat, r);
  }

  //===--------------------------------------------------------------------===//
  // Operations
  //===--------------------------------------------------------------------===//

  LogicalResult convert(Operation *op) {
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return map.at(v).summed; }))
      return convertSummed(op);
    if (auto call = dyn_cast<CallOp>(op))
      return convertCall(call);
    Location loc = op->getLoc();
    Type elem =
        op->getNumResults() ? elementOf(op->getResult(0)) : Type();
    std::optional<BValue> result =
        llvm::TypeSwitch<Operation *, std::optional<BValue>>(op)
            .Case<arith::ConstantOp>([&](arith::ConstantOp c) {
              auto bools = dyn_cast<DenseIntElementsAttr>(c.getValue());
              if (!bools || !bools.getElementType().isInteger(1))
                return BValue{b.clone(*c)->getResult(0), false};
              auto type = cast<ShapedType>(bools.getType())
                              .clone(storageOf(bools.getElementType()));
              Attribute bytes = bools.mapValues(
                  type.getElementType(),
                  [](const APInt &bit) { return bit.zext(8); });
              return BValue{arith::ConstantOp::create(
                                b, c.getLoc(), cast<TypedAttr>(bytes)),
                            false};
            })
            .Case<ParamOp>([&](ParamOp p) -> std::optional<BValue> {
              Value v = param(p);
              if (!v)
                return std::nullopt;
              return BValue{v, false};
            })
            .Case<NegOp>(
                [&](Operation *o) { return unary(o, scalarOp<arith::NegFOp>); })
            .Case<ExpOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::ExpOp>); })
            .Case<LogOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::LogOp>); })
            .Case<Log1pOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::Log1pOp>); })
            .Case<Expm1Op>(
                [&](Operation *o) { return unary(o, scalarOp<math::ExpM1Op>); })
            .Case<TanhOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::TanhOp>); })
            .Case<SigmoidOp>([&](Operation *o) {
              return unary(o, [&](OpBuilder &ob, Location l, ValueRange a) {
                return sigmoid(ob, l, a[0]);
              });
            })
            .Case<SoftplusOp>([&](Operation *o) {
              // softplus(x) = max(x, 0) + log1p(exp(-|x|)): no overflow.
              return unary(o, [&](OpBuilder &ob, Location l, ValueRange a) {
                Type t = a[0].getType();
                Value zero = floatConst(ob, l, t, 0.0);
                Value pos = arith::MaximumFOp::create(ob, l, a[0], zero);
                Value abs = math::AbsFOp::create(ob, l, a[0]);
                Value e = math::ExpOp::create(
                    ob, l, arith::NegFOp::create(ob, l, abs));
                return arith::AddFOp::create(
                           ob, l, pos, math::Log1pOp::create(ob, l, e))
                    .getResult();
              });
            })
            .Case<ReluOp>([&](Operation *o) {
              return unary(o, [&](OpBuilder &ob, Location l, ValueRange a) {
                Value zero = floatConst(ob, l, a[0].getType(), 0.0);
                return arith::MaximumFOp::create(ob, l, a[0], zero)
                    .getResult();
              });
            })
            .Case<EluOp>([&](Operation *o) {
              return unary(o, [&](OpBuilder &ob, Location l, ValueRange a) {
                Value zero = floatConst(ob, l, a[0].getType(), 0.0);
                Value pos = arith::CmpFOp::create(
                    ob, l, arith::CmpFPredicate::OGT, a[0], zero);
                return arith::SelectOp::create(
                           ob, l, pos, a[0],
                           math::ExpM1Op::create(ob, l, a[0]))
                    .getResult();
              });
            })
            .Case<SwishOp>([&](Operation *o) {
              return unary(o, [&](OpBuilder &ob, Location l, ValueRange a) {
                return arith::MulFOp::create(ob, l, a[0],
                                             sigmoid(ob, l, a[0]))
                    .getResult();
              });
            })
            .Case<SinOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::SinOp>); })
            .Case<CosOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::CosOp>); })
            .Case<SqrtOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::SqrtOp>); })
            .Case<AbsOp>(
                [&](Operation *o) { return unary(o, scalarOp<math::AbsFOp>); })
            .Case<SquareOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::MulFOp::create(ob, l, a[0], a[0]).getResult();
              });
            })
            .Case<StopGradientOp>([&](StopGradientOp s) {
              return map.at(s.getInput());
            })
            .Case<LeakyReluOp>([&](LeakyReluOp lr) {
              double alpha = lr.getAlpha().convertToDouble();
              return unary(lr, [&](OpBuilder &ob, Location l, ValueRange a) {
                Type t = a[0].getType();
                Value zero = floatConst(ob, l, t, 0.0);
                Value pos = arith::CmpFOp::create(
                    ob, l, arith::CmpFPredicate::OGT, a[0], zero);
                Value scaled = arith::MulFOp::create(
                    ob, l, a[0], floatConst(ob, l, t, alpha));
                return arith::SelectOp::create(ob, l, pos, a[0], scaled)
                    .getResult();
              });
            })
            .Case<NotOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                Value one = arith::ConstantOp::create(
                    ob, l, ob.getIntegerAttr(a[0].getType(), 1));
                return arith::XOrIOp::create(ob, l, a[0], one).getResult();
              });
            })
            .Case<CastOp>([&](CastOp c) {
              Type to = elementOf(c.getResult());
              return unary(c, [to](OpBuilder &ob, Location l, ValueRange a) {
                Type from = a[0].getType();
                if (isa<IntegerType>(from))
                  return arith::UIToFPOp::create(ob, l, to, a[0]).getResult();
                if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
                  return arith::ExtFOp::create(ob, l, to, a[0]).getResult();
                if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
                  return arith::TruncFOp::create(ob, l, to, a[0]).getResult();
                return a[0];
              });
            })
            .Case<AddOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::AddFOp>); })
            .Case<SubOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::SubFOp>); })
            .Case<MulOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::MulFOp>); })
            .Case<DivOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::DivFOp>); })
            .Case<PowOp>(
                [&](Operation *o) { return nary(o, scalarOp<math::PowFOp>); })
            .Case<MinimumOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::MinimumFOp>); })
            .Case<MaximumOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::MaximumFOp>); })
            .Case<CmpOp>([&](CmpOp c) {
              arith::CmpFPredicate pred = cmpPredicate(c.getPredicate());
              return nary(c, [pred](OpBuilder &ob, Location l, ValueRange a) {
                Value bit = arith::CmpFOp::create(ob, l, pred, a[0], a[1]);
                return arith::ExtUIOp::create(ob, l, ob.getI8Type(), bit)
                    .getResult();
              });
            })
            .Case<AndOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::AndIOp>); })
            .Case<OrOp>(
                [&](Operation *o) { return nary(o, scalarOp<arith::OrIOp>); })
            .Case<SelectOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                Value zero = arith::ConstantOp::create(
                    ob, l, ob.getIntegerAttr(a[0].getType(), 0));
                Value bit = arith::CmpIOp::create(
                    ob, l, arith::CmpIPredicate::ne, a[0], zero);
                return arith::SelectOp::create(ob, l, bit, a[1], a[2])
                    .getResult();
              });
            })
            .Case<ClipOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                Value lo = arith::MaximumFOp::create(ob, l, a[0], a[1]);
                return arith::MinimumFOp::create(ob, l, lo, a[2]).getResult();
              });
            })
            .Case<BroadcastToOp>([&](BroadcastToOp o) {
              return nary(o, [](OpBuilder &, Location, ValueRange a) {
                return a[0];
              });
            })
            .Case<OuterOp>([&](OuterOp o) { return outer(o); })
            .Case<EmbedOp>([&](EmbedOp e) { return embed(e); })
            .Case<MatmulOp>([&](MatmulOp m) { return matmul(m); })
            .Case<ReduceOp>([&](ReduceOp r) { return reduce(r); })
            .Case<SliceOp>([&](SliceOp s) { return slice(s); })
            .Case<ReshapeOp>([&](ReshapeOp r) {
              BValue in = map.at(r.getInput());
              return BValue{reshapeFeatures(loc, in.value,
                                            shapeOf(r.getInput()),
                                            shapeOf(r.getResult()),
                                            in.batched, elem),
                            in.batched};
            })
            .Case<TransposeOp>([&](TransposeOp t) {
              BValue in = map.at(t.getInput());
              SmallVector<int64_t> perm{1, 0};
              if (in.batched)
                perm.push_back(2);
              SmallVector<int64_t> out =
                  withBatch(shapeOf(t.getResult()), in.batched);
              Value r = linalg::TransposeOp::create(
                            b, loc, in.value, empty(loc, out, elem), perm)
                            .getResult()[0];
              return BValue{r, in.batched};
            })
            .Case<ConcatOp>([&](ConcatOp c) {
              return concat(loc, c.getInputs(), c.getAxis());
            })
            .Case<StackOp>([&](StackOp s) { return stack(s); })
            .Case<Conv2dOp>([&](Conv2dOp c) { return conv2d(c); })
            .Case<Pool2dOp>([&](Pool2dOp p) { return pool2d(p); })
            .Case<Conv2dInputGradOp>(
                [&](Conv2dInputGradOp c) { return conv2dInputGrad(c); })
            .Case<Conv2dFilterGradOp>(
                [&](Conv2dFilterGradOp c) { return conv2dFilterGrad(c); })
            .Case<Pool2dGradOp>([&](Pool2dGradOp g) { return pool2dGrad(g); })
            .Case<LogAbsDetOp>([&](LogAbsDetOp l) {
              return perMatrix(l.getLoc(), map.at(l.getInput()),
                               shapeOf(l.getInput())[0], elem,
                               /*matrixResult=*/false,
                               [&](OpBuilder &ob, Location lc, Value m) {
                                 return logAbsDet(ob, lc, m);
                               });
            })
            .Case<InverseOp>([&](InverseOp i) {
              return perMatrix(i.getLoc(), map.at(i.getInput()),
                               shapeOf(i.getInput())[0], elem,
                               /*matrixResult=*/true,
                               [&](OpBuilder &ob, Location lc, Value m) {
                                 return inverse(ob, lc, m);
                               });
            })
            .Default([&](Operation *o) -> std::optional<BValue> {
              unsupported(o);
              return std::nullopt;
            });
    if (!result)
      return failure();
    map[op->getResult(0)] = *result;
    return success();
  }

  /// An op on tile sums: only their sum is one (a kernel's parameter
  /// gradient collecting several calls' that CSE gave other uses).
  LogicalResult convertSummed(Operation *op) {
    auto add = dyn_cast<AddOp>(op);
    if (!add || !map.at(add.getLhs()).summed || !map.at(add.getRhs()).summed ||
        add.getLhs().getType() != add.getType() ||
        add.getRhs().getType() != add.getType())
      return op->emitError("internal: a call's parameter gradient is used "
                           "other than summed into a kernel's gradient");
    BValue sum =
        elementwise(op->getLoc(),
                    {{add.getLhs(), BValue{map.at(add.getLhs()).value, false}},
                     {add.getRhs(), BValue{map.at(add.getRhs()).value, false}}},
                    shapeOf(add), elementOf(add), scalarOp<arith::AddFOp>);
    sum.summed = true;
    map[add] = sum;
    return success();
  }

  /// Where a call reads the parameters its callee reads from `owner`: the
  /// owner of the renamed ones and their offset from the callee's.
  FailureOr<std::pair<StringRef, int64_t>>
  parameterSource(CallOp call, func::FuncOp callee, StringRef owner) {
    ParamRename rename = getParamRename(call);
    std::optional<std::pair<StringRef, int64_t>> source;
    for (StringAttr name : paramsRead(callee)) {
      auto own = symbols.lookupNearestSymbolFrom<ParameterOp>(
          call, FlatSymbolRefAttr::get(name));
      if (!own || own.getOwner() != owner)
        continue;
      auto read = symbols.lookupNearestSymbolFrom<ParameterOp>(
          call, FlatSymbolRefAttr::get(rename.apply(name)));
      if (!read)
        return call.emitError("internal: no parameter '")
               << rename.apply(name).getValue() << "'";
      std::pair<StringRef, int64_t> here{
          read.getOwner(), static_cast<int64_t>(read.getOffset()) -
                               static_cast<int64_t>(own.getOffset())};
      if (source && *source != here)
        return call.emitError("internal: the renamed parameters of '")
               << owner << "' do not lie at one offset from the callee's";
      source = here;
    }
    return source.value_or(std::pair<StringRef, int64_t>{owner, 0});
  }

  /// A call of the callee's tile function on the whole tile: the owners'
  /// parameter buffers it reads (a shared function: the buffers of the
  /// instance's owners, and the instance's offsets), then the batched
  /// arguments.
  LogicalResult convertCall(CallOp call) {
    Location loc = call.getLoc();
    auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    FailureOr<func::FuncOp> tileFn = calleeTiles(callee);
    if (failed(tileFn))
      return failure();
    auto info = (*tileFn)->getAttrOfType<DictionaryAttr>("ade.tile_callee");
    bool shifted = static_cast<bool>(info.get("shifted"));
    SmallVector<Value> operands, offsets;
    for (Attribute owner : info.getAs<ArrayAttr>("owners")) {
      FailureOr<std::pair<StringRef, int64_t>> source =
          parameterSource(call, callee, cast<StringAttr>(owner).getValue());
      if (failed(source))
        return failure();
      auto [readOwner, shift] = *source;
      Value buffer = params.lookup(readOwner);
      if (!buffer)
        return call.emitError("internal: the caller has no parameters of '")
               << readOwner << "'";
      if (!shifted) {
        if (shift != 0 || shifts.contains(readOwner))
          return call.emitError("internal: '")
                 << callee.getSymName()
                 << "' reads renamed parameters but its tile function takes "
                    "no offsets";
        operands.push_back(buffer);
        continue;
      }
      operands.push_back(tensor::CastOp::create(
          b, loc,
          RankedTensorType::get({ShapedType::kDynamic}, elementOf(buffer)),
          buffer));
      Value offset = arith::ConstantIndexOp::create(b, loc, shift);
      if (Value outer = shifts.lookup(readOwner))
        offset = arith::AddIOp::create(b, loc, outer, offset);
      offsets.push_back(offset);
    }
    llvm::append_range(operands, offsets);
    for (Value arg : call.getArgs())
      operands.push_back(toBatched(loc, map.at(arg)));
    auto tiled = func::CallOp::create(b, loc, *tileFn, operands);
    for (auto [i, result] : llvm::enumerate(call.getOutputs())) {
      Value v = tiled.getResult(i);
      if (!callee.getResultAttr(i, "ade.param_grad")) {
        map[result] = BValue{v, true};
        continue;
      }
      ArrayRef<int64_t> shape = shapeOf(result);
      int64_t n = cast<RankedTensorType>(result.getType()).getNumElements();
      map[result] =
          BValue{reshapeFeatures(loc, v, {n}, shape, false, elementOf(result)),
                 false, true};
    }
    return success();
  }

  void unsupported(Operation *op) {
    if (isa<DrawOp>(op))
      op->emitError("random draws are not supported by the CPU backend yet "
                    "(sampler entries come with the next compiler milestone)");
    else if (isa<DerivativeOp>(op))
      op->emitError("derivatives are not supported by the CPU backend yet "
                    "(automatic differentiation comes with the next compiler "
                    "milestone)");
    else if (isa<func::CallOp>(op))
      op->emitError("internal: func.call must be inlined before batching");
    else
      op->emitError("'") << op->getName()
                         << "' is not supported by the CPU backend";
  }

  static arith::CmpFPredicate cmpPredicate(CmpPredicate p) {
    switch (p) {
    case CmpPredicate::lt:
      return arith::CmpFPredicate::OLT;
    case CmpPredicate::le:
      return arith::CmpFPredicate::OLE;
    case CmpPredicate::gt:
      return arith::CmpFPredicate::OGT;
    case CmpPredicate::ge:
      return arith::CmpFPredicate::OGE;
    case CmpPredicate::eq:
      return arith::CmpFPredicate::OEQ;
    case CmpPredicate::ne:
      return arith::CmpFPredicate::UNE;
    }
    return arith::CmpFPredicate::OEQ;
  }

  Value sigmoid(OpBuilder &ob, Location l, Value x) {
    Type t = x.getType();
    Value one = floatConst(ob, l, t, 1.0);
    Value e = math::ExpOp::create(ob, l, arith::NegFOp::create(ob, l, x));
    return arith::DivFOp::create(ob, l, one,
                                 arith::AddFOp::create(ob, l, one, e));
  }

  Value param(ParamOp p) {
    auto decl = symbols.lookupNearestSymbolFrom<ParameterOp>(p, p.getNameAttr());
    auto type = cast<RankedTensorType>(decl.getType());
    Value buffer = params.lookup(decl.getOwner());
    if (!buffer) {
      p.emitError("internal: parameter '")
          << decl.getSymName() << "' of '" << decl.getOwner()
          << "' read by a kernel that does not take its owner's parameters";
      return {};
    }
    Type bufferElem = cast<RankedTensorType>(buffer.getType()).getElementType();
    if (type.getElementType() != bufferElem) {
      p.emitError("parameter '")
          << decl.getSymName() << "' has element type "
          << type.getElementType() << " but its model's data has "
          << bufferElem << "; all parameters of a model share one element "
          << "type (compile with --precision=f64 to use f64 throughout)";
      return {};
    }
    Location loc = p.getLoc();
    int64_t n = type.getNumElements();
    OpFoldResult offset =
        b.getIndexAttr(static_cast<int64_t>(decl.getOffset()));
    if (Value shift = shifts.lookup(decl.getOwner()))
      offset = arith::AddIOp::create(
                   b, loc, shift,
                   arith::ConstantIndexOp::create(
                       b, loc, static_cast<int64_t>(decl.getOffset())))
                   .getResult();
    Value slice = tensor::ExtractSliceOp::create(
        b, loc, buffer, ArrayRef<OpFoldResult>{offset},
        ArrayRef<OpFoldResult>{b.getIndexAttr(n)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    return reshapeFeatures(loc, slice, {n}, type.getShape(), false,
                           type.getElementType());
  }

  BValue matmul(MatmulOp m) {
    Location loc = m.getLoc();
    BValue lhs = map.at(m.getLhs()), rhs = map.at(m.getRhs());
    ArrayRef<int64_t> a = shapeOf(m.getLhs()), c = shapeOf(m.getRhs());
    ArrayRef<int64_t> rs = shapeOf(m.getResult());
    Type elem = elementOf(m.getResult());
    bool batched = lhs.batched || rhs.batched;
    SmallVector<int64_t> out = withBatch(rs, batched);
    Value init = filled(loc, out, elem, 0.0);
    // The hot case, a layer: uniform W [m, n] times a batched vector
    // [n] -> X [n, T]. A named matmul, which the CPU schedule tiles.
    if (a.size() == 2 && c.size() == 1 && !lhs.batched && rhs.batched)
      return {linalg::MatmulOp::create(b, loc, ValueRange{lhs.value, rhs.value},
                                       ValueRange{init})
                  .getResult(0),
              true};
    // Its adjoint: a batched vector [m] times uniform W [m, n], i.e. W^T
    // times the vector. W is read in place through a transposed map (a copy
    // per tile cost a third of the product): each contraction step
    // broadcasts elements of one contiguous row of W.
    if (a.size() == 1 && c.size() == 2 && lhs.batched && !rhs.batched) {
      auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
      MLIRContext *ctx = b.getContext();
      auto product = linalg::MatmulOp::create(
          b, loc, ValueRange{rhs.value, lhs.value}, ValueRange{init});
      product.setIndexingMapsAttr(
          b.getAffineMapArrayAttr({AffineMap::get(3, 0, {d(2), d(0)}, ctx),
                                   AffineMap::get(3, 0, {d(2), d(1)}, ctx),
                                   AffineMap::get(3, 0, {d(0), d(1)}, ctx)}));
      return {product.getResult(0), true};
    }
    // General case: dims = result dims, [T], then the contraction n.
    unsigned r = rs.size();
    unsigned tDim = r, kDim = r + (batched ? 1 : 0);
    unsigned numDims = kDim + 1;
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    SmallVector<AffineExpr> lhsExprs, rhsExprs;
    unsigned next = 0;
    if (a.size() == 2)
      lhsExprs.push_back(d(next++));
    lhsExprs.push_back(d(kDim));
    rhsExprs.push_back(d(kDim));
    if (c.size() == 2)
      rhsExprs.push_back(d(next++));
    if (lhs.batched)
      lhsExprs.push_back(d(tDim));
    if (rhs.batched)
      rhsExprs.push_back(d(tDim));
    SmallVector<AffineExpr> outExprs;
    for (unsigned i = 0; i < r; ++i)
      outExprs.push_back(d(i));
    if (batched)
      outExprs.push_back(d(tDim));
    SmallVector<AffineMap> maps{
        AffineMap::get(numDims, 0, lhsExprs, b.getContext()),
        AffineMap::get(numDims, 0, rhsExprs, b.getContext()),
        AffineMap::get(numDims, 0, outExprs, b.getContext())};
    SmallVector<utils::IteratorType> iterators(numDims,
                                               utils::IteratorType::parallel);
    iterators[kDim] = utils::IteratorType::reduction;
    auto g = linalg::GenericOp::create(
        b, loc, TypeRange{init.getType()}, ValueRange{lhs.value, rhs.value},
        ValueRange{init}, maps, iterators, "", "",
        [](OpBuilder &ob, Location l, ValueRange args) {
          Value p = arith::MulFOp::create(ob, l, args[0], args[1]);
          linalg::YieldOp::create(ob, l,
                                  ValueRange{arith::AddFOp::create(
                                      ob, l, args[2], p)});
        });
    return {g.getResult(0), batched};
  }

  /// A reduction of `in` over `reduced` dimensions (per-particle indices)
  /// with `combine(acc, x)` from `initValue`; `extra` (same shape as the
  /// result) is passed to `combine` as a third argument when given.
  Value reduceGeneric(Location loc, BValue in, ArrayRef<int64_t> inShape,
                      ArrayRef<bool> reduced, Type elem, double initValue,
                      std::optional<BValue> extra,
                      function_ref<Value(OpBuilder &, Location, Value, Value,
                                         Value)>
                          combine) {
    unsigned k = inShape.size();
    unsigned numDims = k + (in.batched ? 1 : 0);
    SmallVector<int64_t> outShape;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    for (unsigned i = 0; i < k; ++i) {
      iterators.push_back(reduced[i] ? utils::IteratorType::reduction
                                     : utils::IteratorType::parallel);
      if (!reduced[i]) {
        outShape.push_back(inShape[i]);
        outExprs.push_back(b.getAffineDimExpr(i));
      }
    }
    if (in.batched) {
      iterators.push_back(utils::IteratorType::parallel);
      outShape.push_back(tile);
      outExprs.push_back(b.getAffineDimExpr(k));
    }
    AffineMap outMap = AffineMap::get(numDims, 0, outExprs, b.getContext());
    SmallVector<Value> inputs{in.value};
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(numDims)};
    if (extra) {
      inputs.push_back(extra->value);
      maps.push_back(outMap);
    }
    maps.push_back(outMap);
    Value init = filled(loc, outShape, elem, initValue);
    bool hasExtra = extra.has_value();
    auto g = linalg::GenericOp::create(
        b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
        iterators, "", "", [&](OpBuilder &ob, Location l, ValueRange args) {
          Value acc = args.back();
          Value e = hasExtra ? args[1] : Value();
          linalg::YieldOp::create(ob, l, combine(ob, l, acc, args[0], e));
        });
    return g.getResult(0);
  }

  BValue reduce(ReduceOp r) {
    Location loc = r.getLoc();
    BValue in = map.at(r.getInput());
    ArrayRef<int64_t> s = shapeOf(r.getInput());
    Type elem = elementOf(r.getResult());
    auto axis = static_cast<int64_t>(r.getAxis());
    SmallVector<bool> reduced(s.size(), axis == -1);
    int64_t count = 1;
    for (unsigned i = 0; i < s.size(); ++i) {
      if (axis == static_cast<int64_t>(i))
        reduced[i] = true;
      if (reduced[i])
        count *= s[i];
    }
    const double inf = std::numeric_limits<double>::infinity();
    auto add = [](OpBuilder &ob, Location l, Value acc, Value x, Value) {
      return arith::AddFOp::create(ob, l, acc, x).getResult();
    };
    auto max = [](OpBuilder &ob, Location l, Value acc, Value x, Value) {
      return arith::MaximumFOp::create(ob, l, acc, x).getResult();
    };
    ArrayRef<int64_t> outShape = shapeOf(r.getResult());
    auto scale = [&](Value v, double factor) {
      return elementwise(
                 loc, {{r.getResult(), BValue{v, in.batched}}}, outShape,
                 elem,
                 [&](OpBuilder &ob, Location l, ValueRange a) {
                   return arith::MulFOp::create(
                              ob, l, a[0], floatConst(ob, l, elem, factor))
                       .getResult();
                 })
          .value;
    };
    switch (r.getKind()) {
    case ReduceKind::sum:
      return {reduceGeneric(loc, in, s, reduced, elem, 0.0, {}, add),
              in.batched};
    case ReduceKind::mean:
      return {scale(reduceGeneric(loc, in, s, reduced, elem, 0.0, {}, add),
                    1.0 / double(count)),
              in.batched};
    case ReduceKind::max:
      return {reduceGeneric(loc, in, s, reduced, elem, -inf, {}, max),
              in.batched};
    case ReduceKind::min:
      return {reduceGeneric(loc, in, s, reduced, elem, inf, {},
                            [](OpBuilder &ob, Location l, Value acc, Value x,
                               Value) {
                              return arith::MinimumFOp::create(ob, l, acc, x)
                                  .getResult();
                            }),
              in.batched};
    case ReduceKind::norm: {
      Value sq = reduceGeneric(
          loc, in, s, reduced, elem, 0.0, {},
          [](OpBuilder &ob, Location l, Value acc, Value x, Value) {
            return arith::AddFOp::create(ob, l, acc,
                                         arith::MulFOp::create(ob, l, x, x))
                .getResult();
          });
      return elementwise(loc, {{r.getResult(), BValue{sq, in.batched}}},
                         outShape, elem, scalarOp<math::SqrtOp>);
    }
    case ReduceKind::logsumexp: {
      // m + log(sum(exp(x - m))) with m the maximum: no overflow.
      Value m = reduceGeneric(loc, in, s, reduced, elem, -inf, {}, max);
      Value sum = reduceGeneric(
          loc, in, s, reduced, elem, 0.0, BValue{m, in.batched},
          [](OpBuilder &ob, Location l, Value acc, Value x, Value mx) {
            Value e = math::ExpOp::create(
                ob, l, arith::SubFOp::create(ob, l, x, mx));
            return arith::AddFOp::create(ob, l, acc, e).getResult();
          });
      return elementwise(
          loc,
          {{r.getResult(), BValue{sum, in.batched}},
           {r.getResult(), BValue{m, in.batched}}},
          outShape, elem, [](OpBuilder &ob, Location l, ValueRange a) {
            return arith::AddFOp::create(ob, l,
                                         math::LogOp::create(ob, l, a[0]),
                                         a[1])
                .getResult();
          });
    }
    }
    return {};
  }

  /// The offsets, sizes and strides of an ade.slice region of a tensor of
  /// per-particle `shape`.
  void sliceRegion(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
                   ArrayRef<int64_t> stops, bool batched,
                   SmallVectorImpl<OpFoldResult> &offsets,
                   SmallVectorImpl<OpFoldResult> &sizes,
                   SmallVectorImpl<OpFoldResult> &strides) {
    for (unsigned d = 0; d < shape.size(); ++d) {
      bool sliced = d < starts.size();
      offsets.push_back(b.getIndexAttr(sliced ? starts[d] : 0));
      sizes.push_back(
          b.getIndexAttr(sliced ? stops[d] - starts[d] : shape[d]));
      strides.push_back(b.getIndexAttr(1));
    }
    if (batched) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(tile));
      strides.push_back(b.getIndexAttr(1));
    }
  }

  BValue embed(EmbedOp e) {
    Location loc = e.getLoc();
    BValue in = map.at(e.getInput());
    ArrayRef<int64_t> shape = shapeOf(e.getResult());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    sliceRegion(shape, e.getStarts(), e.getStops(), in.batched, offsets,
                sizes, strides);
    Value zeros = filled(loc, withBatch(shape, in.batched),
                         elementOf(e.getResult()), 0.0);
    return {tensor::InsertSliceOp::create(b, loc, in.value, zeros, offsets,
                                          sizes, strides),
            in.batched};
  }

  BValue outer(OuterOp o) {
    return outerProduct(o.getLoc(), map.at(o.getLhs()), map.at(o.getRhs()),
                        shapeOf(o.getResult()), elementOf(o.getResult()));
  }

  /// a[i] c[j] (per particle when either is), of per-particle shape `shape`.
  BValue outerProduct(Location loc, BValue a, BValue c, ArrayRef<int64_t> shape,
                      Type elem) {
    bool batched = a.batched || c.batched;
    unsigned numDims = batched ? 3 : 2;
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    SmallVector<AffineExpr> ae{d(0)}, ce{d(1)}, oe{d(0), d(1)};
    if (a.batched)
      ae.push_back(d(2));
    if (c.batched)
      ce.push_back(d(2));
    if (batched)
      oe.push_back(d(2));
    SmallVector<int64_t> out = withBatch(shape, batched);
    SmallVector<utils::IteratorType> iterators(numDims,
                                               utils::IteratorType::parallel);
    auto g = linalg::GenericOp::create(
        b, loc, TypeRange{RankedTensorType::get(out, elem)},
        ValueRange{a.value, c.value}, ValueRange{empty(loc, out, elem)},
        {AffineMap::get(numDims, 0, ae, b.getContext()),
         AffineMap::get(numDims, 0, ce, b.getContext()),
         AffineMap::get(numDims, 0, oe, b.getContext())},
        iterators, "", "", [](OpBuilder &ob, Location l, ValueRange args) {
          linalg::YieldOp::create(
              ob, l, ValueRange{arith::MulFOp::create(ob, l, args[0], args[1])});
        });
    return {g.getResult(0), batched};
  }

  BValue slice(SliceOp s) { return sliceOf(s, map.at(s.getInput())); }

  /// Slice `s` of `in`, the converted input or its tile sum.
  BValue sliceOf(SliceOp s, BValue in) {
    Location loc = s.getLoc();
    ArrayRef<int64_t> shape = shapeOf(s.getInput());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    sliceRegion(shape, s.getStarts(), s.getStops(), in.batched, offsets,
                sizes, strides);
    // Squeezed dimensions have size 1: dropping them with a rank-reducing
    // slice keeps the element order whichever unit dimensions it drops.
    auto resultType = RankedTensorType::get(
        withBatch(shapeOf(s.getResult()), in.batched),
        elementOf(s.getResult()));
    Value r = tensor::ExtractSliceOp::create(b, loc, resultType, in.value,
                                             offsets, sizes, strides);
    return {r, in.batched};
  }

  BValue concat(Location loc, ValueRange inputs, int64_t axis) {
    bool batched = llvm::any_of(
        inputs, [&](Value v) { return map.at(v).batched; });
    SmallVector<Value> parts;
    for (Value v : inputs)
      parts.push_back(batched ? toBatched(loc, map.at(v)) : map.at(v).value);
    return {tensor::ConcatOp::create(b, loc, axis, parts), batched};
  }

  BValue stack(StackOp s) {
    Location loc = s.getLoc();
    bool batched = llvm::any_of(
        s.getInputs(), [&](Value v) { return map.at(v).batched; });
    Type elem = elementOf(s.getResult());
    ArrayRef<int64_t> inner = shapeOf(s.getInputs().front());
    SmallVector<int64_t> one{1};
    one.append(inner.begin(), inner.end());
    SmallVector<Value> parts;
    for (Value v : s.getInputs()) {
      Value x = batched ? toBatched(loc, map.at(v)) : map.at(v).value;
      SmallVector<int64_t> from(inner);
      parts.push_back(reshapeFeatures(loc, x, from, one, batched, elem));
    }
    return {tensor::ConcatOp::create(b, loc, 0, parts), batched};
  }

  BValue conv2d(Conv2dOp c) {
    Location loc = c.getLoc();
    BValue x = map.at(c.getInput()), w = map.at(c.getWeight());
    Type elem = elementOf(c.getResult());
    ArrayRef<int64_t> xs = shapeOf(c.getInput()), ws = shapeOf(c.getWeight());
    ArrayRef<int64_t> os = shapeOf(c.getResult());
    int64_t s = c.getStride(), p = c.getPadding();
    bool batched = x.batched || w.batched;
    Value input = padImage(loc, x, xs, p, elem);
    // Iteration: (o, i, j, [t], ci, kh, kw).
    unsigned t = 3, ci = batched ? 4 : 3, kh = ci + 1, kw = ci + 2;
    unsigned numDims = kw + 1;
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    SmallVector<AffineExpr> xe{d(ci), d(1) * s + d(kh), d(2) * s + d(kw)};
    if (x.batched)
      xe.push_back(d(t));
    SmallVector<AffineExpr> we{d(0), d(ci), d(kh), d(kw)};
    if (w.batched)
      we.push_back(d(t));
    SmallVector<AffineExpr> oe{d(0), d(1), d(2)};
    if (batched)
      oe.push_back(d(t));
    SmallVector<int64_t> out = withBatch(os, batched);
    Value init = filled(loc, out, elem, 0.0);
    SmallVector<utils::IteratorType> iterators(numDims,
                                               utils::IteratorType::parallel);
    iterators[ci] = iterators[kh] = iterators[kw] =
        utils::IteratorType::reduction;
    (void)ws;
    Value conv =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{input, w.value},
            ValueRange{init},
            {AffineMap::get(numDims, 0, xe, b.getContext()),
             AffineMap::get(numDims, 0, we, b.getContext()),
             AffineMap::get(numDims, 0, oe, b.getContext())},
            iterators, "", "",
            [](OpBuilder &ob, Location l, ValueRange a) {
              Value prod = arith::MulFOp::create(ob, l, a[0], a[1]);
              linalg::YieldOp::create(
                  ob, l, ValueRange{arith::AddFOp::create(ob, l, a[2], prod)});
            })
            .getResult(0);
    if (!c.getBias())
      return {conv, batched};
    // conv + bias[o], the bias broadcast over (i, j, t).
    BValue bias = map.at(c.getBias());
    unsigned n = 3 + (batched ? 1 : 0);
    SmallVector<AffineExpr> be{d(0)};
    if (bias.batched)
      be.push_back(d(3));
    SmallVector<utils::IteratorType> par(n, utils::IteratorType::parallel);
    Value sum =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{conv, bias.value},
            ValueRange{empty(loc, out, elem)},
            {b.getMultiDimIdentityMap(n),
             AffineMap::get(n, 0, be, b.getContext()),
             b.getMultiDimIdentityMap(n)},
            par, "", "",
            [](OpBuilder &ob, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  ob, l, ValueRange{arith::AddFOp::create(ob, l, a[0], a[1])});
            })
            .getResult(0);
    return {sum, batched || bias.batched};
  }

  /// An image [c, h, w, (T)] with p zeros around its spatial dimensions.
  Value padImage(Location loc, BValue x, ArrayRef<int64_t> xs, int64_t p,
                 Type elem) {
    if (p == 0)
      return x.value;
    SmallVector<int64_t> low{0, p, p}, high{0, p, p};
    SmallVector<int64_t> padded{xs[0], xs[1] + 2 * p, xs[2] + 2 * p};
    if (x.batched) {
      low.push_back(0);
      high.push_back(0);
      padded.push_back(tile);
    }
    SmallVector<OpFoldResult> lo, hi;
    for (int64_t v : low)
      lo.push_back(b.getIndexAttr(v));
    for (int64_t v : high)
      hi.push_back(b.getIndexAttr(v));
    return tensor::PadOp::create(b, loc, RankedTensorType::get(padded, elem),
                                 x.value, lo, hi, floatConst(b, loc, elem, 0));
  }

  /// The strided window [c, kh + s i, kw + s j, (t)] of an image, i < ho,
  /// j < wo: where window offset (kh, kw) of output (i, j) falls.
  void windowRegion(ArrayRef<int64_t> channelsOut, int64_t kh, int64_t kw,
                    int64_t s, bool batched,
                    SmallVectorImpl<OpFoldResult> &offsets,
                    SmallVectorImpl<OpFoldResult> &sizes,
                    SmallVectorImpl<OpFoldResult> &strides) {
    offsets.assign({b.getIndexAttr(0), b.getIndexAttr(kh), b.getIndexAttr(kw)});
    for (int64_t d : channelsOut)
      sizes.push_back(b.getIndexAttr(d));
    strides.assign({b.getIndexAttr(1), b.getIndexAttr(s), b.getIndexAttr(s)});
    if (batched) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(tile));
      strides.push_back(b.getIndexAttr(1));
    }
  }

  /// acc[c, kh + s i, kw + s j, (t)] += v[c, i, j, (t)].
  Value scatterAdd(Location loc, Value acc, Value v, ArrayRef<int64_t> vs,
                   int64_t kh, int64_t kw, int64_t s, bool batched,
                   Type elem) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    windowRegion(vs, kh, kw, s, batched, offsets, sizes, strides);
    auto vType = RankedTensorType::get(withBatch(vs, batched), elem);
    Value window = tensor::ExtractSliceOp::create(b, loc, vType, acc, offsets,
                                                  sizes, strides);
    unsigned n = vs.size() + (batched ? 1 : 0);
    AffineMap id = b.getMultiDimIdentityMap(n);
    Value sum =
        linalg::GenericOp::create(
            b, loc, TypeRange{vType}, ValueRange{window, v},
            ValueRange{empty(loc, vType.getShape(), elem)},
            ArrayRef<AffineMap>{id, id, id},
            SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel),
            "", "",
            [](OpBuilder &ob, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  ob, l, ValueRange{arith::AddFOp::create(ob, l, a[0], a[1])});
            })
            .getResult(0);
    return tensor::InsertSliceOp::create(b, loc, sum, acc, offsets, sizes,
                                         strides);
  }

  /// The unpadded image [c, h, w, (T)] inside a padded one.
  Value cropImage(Location loc, Value padded, ArrayRef<int64_t> xs, int64_t p,
                  bool batched, Type elem) {
    if (p == 0)
      return padded;
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(p),
                                      b.getIndexAttr(p)},
        sizes, strides(3, b.getIndexAttr(1));
    for (int64_t d : xs)
      sizes.push_back(b.getIndexAttr(d));
    if (batched) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(tile));
      strides.push_back(b.getIndexAttr(1));
    }
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(withBatch(xs, batched), elem), padded,
        offsets, sizes, strides);
  }

  /// dx[c, s i + kh - p, ...] += sum_o u[o, i, j] w[o, c, kh, kw]: one
  /// contraction over o per kernel offset, accumulated into the padded
  /// image.
  BValue conv2dInputGrad(Conv2dInputGradOp c) {
    Location loc = c.getLoc();
    BValue u = map.at(c.getCotangent()), w = map.at(c.getWeight());
    Type elem = elementOf(c.getResult());
    ArrayRef<int64_t> xs = shapeOf(c.getResult()), ws = shapeOf(c.getWeight()),
                      us = shapeOf(c.getCotangent());
    int64_t s = c.getStride(), p = c.getPadding();
    bool batched = u.batched || w.batched;
    SmallVector<int64_t> padded{xs[0], xs[1] + 2 * p, xs[2] + 2 * p};
    Value acc = filled(loc, withBatch(padded, batched), elem, 0.0);
    SmallVector<int64_t> vs{xs[0], us[1], us[2]};
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    // Iteration (c, i, j, [t], o).
    unsigned t = 3, o = batched ? 4 : 3, numDims = o + 1;
    for (int64_t kh = 0; kh < ws[2]; ++kh)
      for (int64_t kw = 0; kw < ws[3]; ++kw) {
        SmallVector<AffineExpr> ue{d(o), d(1), d(2)};
        if (u.batched)
          ue.push_back(d(t));
        SmallVector<AffineExpr> we{d(o), d(0), b.getAffineConstantExpr(kh),
                                   b.getAffineConstantExpr(kw)};
        if (w.batched)
          we.push_back(d(t));
        SmallVector<AffineExpr> ve{d(0), d(1), d(2)};
        if (batched)
          ve.push_back(d(t));
        SmallVector<utils::IteratorType> iterators(
            numDims, utils::IteratorType::parallel);
        iterators[o] = utils::IteratorType::reduction;
        Value init = filled(loc, withBatch(vs, batched), elem, 0.0);
        Value v =
            linalg::GenericOp::create(
                b, loc, TypeRange{init.getType()},
                ValueRange{u.value, w.value}, ValueRange{init},
                {AffineMap::get(numDims, 0, ue, b.getContext()),
                 AffineMap::get(numDims, 0, we, b.getContext()),
                 AffineMap::get(numDims, 0, ve, b.getContext())},
                iterators, "", "",
                [](OpBuilder &ob, Location l, ValueRange a) {
                  Value prod = arith::MulFOp::create(ob, l, a[0], a[1]);
                  linalg::YieldOp::create(
                      ob, l,
                      ValueRange{arith::AddFOp::create(ob, l, a[2], prod)});
                })
                .getResult(0);
        acc = scatterAdd(loc, acc, v, vs, kh, kw, s, batched, elem);
      }
    return {cropImage(loc, acc, xs, p, batched, elem), batched};
  }

  /// dw[o, c, kh, kw] = sum_{i, j} u[o, i, j] xpad[c, s i + kh, s j + kw].
  BValue conv2dFilterGrad(Conv2dFilterGradOp c) {
    Location loc = c.getLoc();
    BValue x = map.at(c.getInput()), u = map.at(c.getCotangent());
    Type elem = elementOf(c.getResult());
    ArrayRef<int64_t> xs = shapeOf(c.getInput()), ws = shapeOf(c.getResult());
    int64_t s = c.getStride(), p = c.getPadding();
    bool batched = x.batched || u.batched;
    Value input = padImage(loc, x, xs, p, elem);
    // Iteration (o, c, kh, kw, [t], i, j).
    unsigned t = 4, i = batched ? 5 : 4, j = i + 1, numDims = j + 1;
    auto d = [&](unsigned k) { return b.getAffineDimExpr(k); };
    SmallVector<AffineExpr> xe{d(1), d(i) * s + d(2), d(j) * s + d(3)};
    if (x.batched)
      xe.push_back(d(t));
    SmallVector<AffineExpr> ue{d(0), d(i), d(j)};
    if (u.batched)
      ue.push_back(d(t));
    SmallVector<AffineExpr> oe{d(0), d(1), d(2), d(3)};
    if (batched)
      oe.push_back(d(t));
    SmallVector<utils::IteratorType> iterators(numDims,
                                               utils::IteratorType::parallel);
    iterators[i] = iterators[j] = utils::IteratorType::reduction;
    Value init = filled(loc, withBatch(ws, batched), elem, 0.0);
    Value r = linalg::GenericOp::create(
                  b, loc, TypeRange{init.getType()},
                  ValueRange{input, u.value}, ValueRange{init},
                  {AffineMap::get(numDims, 0, xe, b.getContext()),
                   AffineMap::get(numDims, 0, ue, b.getContext()),
                   AffineMap::get(numDims, 0, oe, b.getContext())},
                  iterators, "", "",
                  [](OpBuilder &ob, Location l, ValueRange a) {
                    Value prod = arith::MulFOp::create(ob, l, a[0], a[1]);
                    linalg::YieldOp::create(
                        ob, l,
                        ValueRange{arith::AddFOp::create(ob, l, a[2], prod)});
                  })
                  .getResult(0);
    return {r, batched};
  }

  /// Each window's cotangent back onto its elements: u / k^2 (avg), or u
  /// where the element equals the window's maximum (max).
  BValue pool2dGrad(Pool2dGradOp g) {
    Location loc = g.getLoc();
    BValue x = map.at(g.getInput()), u = map.at(g.getCotangent());
    Type elem = elementOf(g.getResult());
    ArrayRef<int64_t> xs = shapeOf(g.getInput()), us = shapeOf(g.getCotangent());
    int64_t k = g.getWindow(), s = g.getStride();
    bool isMax = g.getKind() == PoolKind::max;
    bool batched = u.batched || (isMax && x.batched);
    Value acc = filled(loc, withBatch(xs, batched), elem, 0.0);
    BValue y;
    if (isMax)
      y = pool(loc, x, us, k, s, /*isMax=*/true, elem);
    for (int64_t kh = 0; kh < k; ++kh)
      for (int64_t kw = 0; kw < k; ++kw) {
        BValue v;
        if (isMax) {
          SmallVector<OpFoldResult> offsets, sizes, strides;
          windowRegion(us, kh, kw, s, x.batched, offsets, sizes, strides);
          Value at = tensor::ExtractSliceOp::create(
              b, loc, RankedTensorType::get(withBatch(us, x.batched), elem),
              x.value, offsets, sizes, strides);
          v = elementwiseShaped(
              loc, {{us, BValue{at, x.batched}}, {us, y}, {us, u}}, us, elem, [](OpBuilder &ob, Location l, ValueRange a) {
                Value hit = arith::CmpFOp::create(
                    ob, l, arith::CmpFPredicate::OEQ, a[0], a[1]);
                Value zero = arith::ConstantOp::create(
                    ob, l, ob.getFloatAttr(a[2].getType(), 0.0));
                return arith::SelectOp::create(ob, l, hit, a[2], zero)
                    .getResult();
              });
        } else {
          double scale = 1.0 / static_cast<double>(k * k);
          v = elementwise(loc, {{g.getCotangent(), u}}, us, elem,
                          [&](OpBuilder &ob, Location l, ValueRange a) {
                            return arith::MulFOp::create(
                                       ob, l, a[0],
                                       floatConst(ob, l, elem, scale))
                                .getResult();
                          });
        }
        acc = scatterAdd(loc, acc, toBatchedIf(loc, v, batched), us, kh, kw,
                         s, batched, elem);
      }
    return {acc, batched};
  }

  //===--------------------------------------------------------------------===//
  // Dense linear algebra, one matrix at a time (scalar loops)
  //===--------------------------------------------------------------------===//

  /// Applies `body` (an n x n matrix to a scalar f or a matrix) to every
  /// particle's matrix of `a`.
  BValue perMatrix(Location loc, BValue a, int64_t n, Type elem,
                   bool matrixResult,
                   function_ref<Value(OpBuilder &, Location, Value)> body) {
    auto matrixType = RankedTensorType::get({n, n}, elem);
    auto wrap = [&](OpBuilder &ob, Location l, Value r) -> Value {
      return matrixResult ? r : tensor::FromElementsOp::create(
                                    ob, l, RankedTensorType::get({}, elem), r)
                                    .getResult();
    };
    if (!a.batched)
      return {wrap(b, loc, body(b, loc, a.value)), false};
    SmallVector<int64_t> outShape =
        matrixResult ? SmallVector<int64_t>{n, n, tile} : SmallVector<int64_t>{tile};
    Value init = empty(loc, outShape, elem);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value cT = arith::ConstantIndexOp::create(b, loc, tile);
    auto loop = scf::ForOp::create(
        b, loc, c0, cT, c1, ValueRange{init},
        [&](OpBuilder &ob, Location l, Value t, ValueRange iter) {
          SmallVector<OpFoldResult> offsets{ob.getIndexAttr(0),
                                            ob.getIndexAttr(0), t},
              sizes{ob.getIndexAttr(n), ob.getIndexAttr(n), ob.getIndexAttr(1)},
              strides(3, ob.getIndexAttr(1));
          Value m = tensor::ExtractSliceOp::create(ob, l, matrixType, a.value,
                                                   offsets, sizes, strides);
          // A particle's rows are strided by the tile; rows read as
          // vectors want them contiguous.
          if (rowLanes(n, elem) > 1)
            m = linalg::CopyOp::create(ob, l, m,
                                       tensor::EmptyOp::create(
                                           ob, l, ArrayRef<int64_t>{n, n}, elem)
                                           .getResult())
                    .getResult(0);
          Value r = body(ob, l, m);
          Value out =
              matrixResult
                  ? tensor::InsertSliceOp::create(ob, l, r, iter[0], offsets,
                                                  sizes, strides)
                        .getResult()
                  : tensor::InsertOp::create(ob, l, r, iter[0], ValueRange{t})
                        .getResult();
          scf::YieldOp::create(ob, l, out);
        });
    return {loop.getResult(0), true};
  }

  /// The row p >= k with the largest |m[p, k]|.
  static Value pivotRow(OpBuilder &b, Location loc, Value m, Value k, Value n) {
    Type elem = cast<RankedTensorType>(m.getType()).getElementType();
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value none = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, -1.0));
    auto loop = scf::ForOp::create(
        b, loc, k, n, c1, ValueRange{k, none},
        [&](OpBuilder &ob, Location l, Value i, ValueRange iter) {
          Value v = math::AbsFOp::create(
              ob, l, tensor::ExtractOp::create(ob, l, m, ValueRange{i, k}));
          Value better = arith::CmpFOp::create(
              ob, l, arith::CmpFPredicate::OGT, v, iter[1]);
          scf::YieldOp::create(
              ob, l,
              ValueRange{arith::SelectOp::create(ob, l, better, i, iter[0]),
                         arith::SelectOp::create(ob, l, better, v, iter[1])});
        });
    return loop.getResult(0);
  }

  /// Swaps rows r and s of m.
  static Value swapRows(OpBuilder &b, Location loc, Value m, Value r, Value s,
                        Value n) {
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    return scf::ForOp::create(
               b, loc, c0, n, c1, ValueRange{m},
               [&](OpBuilder &ob, Location l, Value j, ValueRange iter) {
                 Value x = tensor::ExtractOp::create(ob, l, iter[0],
                                                     ValueRange{r, j});
                 Value y = tensor::ExtractOp::create(ob, l, iter[0],
                                                     ValueRange{s, j});
                 Value w = tensor::InsertOp::create(ob, l, y, iter[0],
                                                    ValueRange{r, j});
                 w = tensor::InsertOp::create(ob, l, x, w, ValueRange{s, j});
                 scf::YieldOp::create(ob, l, w);
               })
        .getResult(0);
  }

  /// Elements per vector of the row updates of an n x n matrix (1: none;
  /// also for rows narrower than a vector).
  int64_t rowLanes(int64_t n, Type elem) const {
    int64_t lanes = rowVectorBits / elem.getIntOrFloatBitWidth();
    return lanes > 1 && llvm::isPowerOf2_64(lanes) && n >= lanes ? lanes : 1;
  }

  /// row i of m -= f * row k of m, for columns [from, n) of an n x n
  /// matrix: whole vectors of `lanes` columns ending at column n, then the
  /// columns before them one by one. With `deadBefore` (LU: columns before
  /// `from` are never read again) the vectors may start before `from`, so
  /// that no column is left to scalar code once the row has a vector.
  /// Column j of the result reads column j alone, so vectors are exact even
  /// where i == k.
  static Value eliminateRow(OpBuilder &b, Location loc, Value m, Value i,
                            Value k, Value f, Value from, int64_t size,
                            int64_t lanes, bool deadBefore) {
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value n = arith::ConstantIndexOp::create(b, loc, size);
    Value start = from;
    if (lanes > 1) {
      Type elem = f.getType();
      auto vectorType = VectorType::get({lanes}, elem);
      Value step = arith::ConstantIndexOp::create(b, loc, lanes);
      Value columns = arith::SubIOp::create(b, loc, n, from);
      // Vectors: ceil(columns / lanes) where dead columns may be written,
      // else floor; at most the n / lanes that fit.
      if (deadBefore)
        columns = arith::AddIOp::create(
            b, loc, columns, arith::ConstantIndexOp::create(b, loc, lanes - 1));
      Value vectors = arith::MinUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, columns, step),
          arith::ConstantIndexOp::create(b, loc, size / lanes));
      start = arith::SubIOp::create(
          b, loc, n, arith::MulIOp::create(b, loc, vectors, step));
      Value padding =
          arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0));
      m = scf::ForOp::create(
              b, loc, start, n, step, ValueRange{m},
              [&](OpBuilder &ob, Location l, Value j, ValueRange iter) {
                auto read = [&](Value row) {
                  return vector::TransferReadOp::create(
                      ob, l, vectorType, iter[0], ValueRange{row, j}, padding,
                      ArrayRef<bool>{true});
                };
                Value fs = vector::BroadcastOp::create(ob, l, vectorType, f);
                Value v = arith::SubFOp::create(
                    ob, l, read(i), arith::MulFOp::create(ob, l, fs, read(k)));
                scf::YieldOp::create(ob, l,
                                     vector::TransferWriteOp::create(
                                         ob, l, v, iter[0], ValueRange{i, j},
                                         ArrayRef<bool>{true})
                                         .getResult());
              })
              .getResult(0);
    }
    Value end = lanes > 1 ? start : n;
    return scf::ForOp::create(
               b, loc, from, end, c1, ValueRange{m},
               [&](OpBuilder &ob, Location l, Value j, ValueRange iter) {
                 Value x = tensor::ExtractOp::create(ob, l, iter[0],
                                                     ValueRange{i, j});
                 Value y = tensor::ExtractOp::create(ob, l, iter[0],
                                                     ValueRange{k, j});
                 Value v = arith::SubFOp::create(
                     ob, l, x, arith::MulFOp::create(ob, l, f, y));
                 scf::YieldOp::create(
                     ob, l,
                     tensor::InsertOp::create(ob, l, v, iter[0],
                                              ValueRange{i, j})
                         .getResult());
               })
        .getResult(0);
  }

  /// log |det m| by LU with partial pivoting.
  Value logAbsDet(OpBuilder &b, Location loc, Value m) {
    auto type = cast<RankedTensorType>(m.getType());
    Type elem = type.getElementType();
    int64_t size = type.getDimSize(0);
    int64_t lanes = rowLanes(size, elem);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value n = arith::ConstantIndexOp::create(b, loc, type.getDimSize(0));
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0));
    auto loop = scf::ForOp::create(
        b, loc, c0, n, c1, ValueRange{m, zero},
        [&](OpBuilder &ob, Location l, Value k, ValueRange iter) {
          Value p = pivotRow(ob, l, iter[0], k, n);
          Value a = swapRows(ob, l, iter[0], k, p, n);
          Value pivot = tensor::ExtractOp::create(ob, l, a, ValueRange{k, k});
          Value acc = arith::AddFOp::create(
              ob, l, iter[1],
              math::LogOp::create(ob, l, math::AbsFOp::create(ob, l, pivot)));
          Value next = arith::AddIOp::create(ob, l, k, c1);
          Value reduced =
              scf::ForOp::create(
                  ob, l, next, n, c1, ValueRange{a},
                  [&](OpBuilder &rb, Location rl, Value i, ValueRange it) {
                    Value f = arith::DivFOp::create(
                        rb, rl,
                        tensor::ExtractOp::create(rb, rl, it[0],
                                                  ValueRange{i, k}),
                        pivot);
                    scf::YieldOp::create(rb, rl,
                                         eliminateRow(rb, rl, it[0], i, k, f,
                                                      next, size, lanes,
                                                      /*deadBefore=*/true));
                  })
                  .getResult(0);
          scf::YieldOp::create(ob, l, ValueRange{reduced, acc});
        });
    return loop.getResult(1);
  }

  /// m^-1 by Gauss-Jordan elimination with partial pivoting.
  Value inverse(OpBuilder &b, Location loc, Value m) {
    auto type = cast<RankedTensorType>(m.getType());
    Type elem = type.getElementType();
    int64_t size = type.getDimSize(0);
    int64_t lanes = rowLanes(size, elem);
    SmallVector<Attribute> eye(size * size, b.getFloatAttr(elem, 0.0));
    for (int64_t i = 0; i < size; ++i)
      eye[i * size + i] = b.getFloatAttr(elem, 1.0);
    Value identity =
        arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, eye));
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value n = arith::ConstantIndexOp::create(b, loc, size);
    Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 1.0));
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0));
    auto loop = scf::ForOp::create(
        b, loc, c0, n, c1, ValueRange{m, identity},
        [&](OpBuilder &ob, Location l, Value k, ValueRange iter) {
          Value p = pivotRow(ob, l, iter[0], k, n);
          Value a = swapRows(ob, l, iter[0], k, p, n);
          Value inv = swapRows(ob, l, iter[1], k, p, n);
          Value pivot = tensor::ExtractOp::create(ob, l, a, ValueRange{k, k});
          Value scale = arith::DivFOp::create(ob, l, one, pivot);
          // Row k of both, divided by the pivot.
          auto scaled = scf::ForOp::create(
              ob, l, c0, n, c1, ValueRange{a, inv},
              [&](OpBuilder &sb, Location sl, Value j, ValueRange it) {
                SmallVector<Value> out;
                for (Value t : it) {
                  Value v = arith::MulFOp::create(
                      sb, sl,
                      tensor::ExtractOp::create(sb, sl, t, ValueRange{k, j}),
                      scale);
                  out.push_back(
                      tensor::InsertOp::create(sb, sl, v, t, ValueRange{k, j}));
                }
                scf::YieldOp::create(sb, sl, out);
              });
          // Every other row loses its column-k multiple of row k.
          auto cleared = scf::ForOp::create(
              ob, l, c0, n, c1, scaled.getResults(),
              [&](OpBuilder &rb, Location rl, Value i, ValueRange it) {
                Value self = arith::CmpIOp::create(
                    rb, rl, arith::CmpIPredicate::eq, i, k);
                Value f = arith::SelectOp::create(
                    rb, rl, self, zero,
                    tensor::ExtractOp::create(rb, rl, it[0], ValueRange{i, k}));
                scf::YieldOp::create(
                    rb, rl,
                    ValueRange{
                        eliminateRow(rb, rl, it[0], i, k, f, c0, size, lanes,
                                     /*deadBefore=*/false),
                        eliminateRow(rb, rl, it[1], i, k, f, c0, size, lanes,
                                     /*deadBefore=*/false)});
              });
          scf::YieldOp::create(ob, l, cleared.getResults());
        });
    return loop.getResult(1);
  }

  Value toBatchedIf(Location loc, BValue v, bool batched) {
    return batched ? toBatched(loc, v) : v.value;
  }

  BValue pool2d(Pool2dOp p) {
    BValue x = map.at(p.getInput());
    Type elem = elementOf(p.getResult());
    return pool(p.getLoc(), x, shapeOf(p.getResult()), p.getWindow(),
                p.getStride(), p.getKind() == PoolKind::max, elem);
  }

  BValue pool(Location loc, BValue x, ArrayRef<int64_t> outShape, int64_t k,
              int64_t s, bool isMax, Type elem) {
    // Iteration: (c, i, j, [t], kh, kw).
    unsigned t = 3, kh = x.batched ? 4 : 3, kw = kh + 1, numDims = kw + 1;
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    SmallVector<AffineExpr> xe{d(0), d(1) * s + d(kh), d(2) * s + d(kw)};
    SmallVector<AffineExpr> oe{d(0), d(1), d(2)};
    if (x.batched) {
      xe.push_back(d(t));
      oe.push_back(d(t));
    }
    SmallVector<int64_t> out = withBatch(outShape, x.batched);
    Value init = filled(loc, out, elem,
                        isMax ? -std::numeric_limits<double>::infinity() : 0.0);
    SmallVector<utils::IteratorType> iterators(numDims,
                                               utils::IteratorType::parallel);
    iterators[kh] = iterators[kw] = utils::IteratorType::reduction;
    // The window's extent comes from a shape-only operand (as in linalg's
    // named pooling ops): loop bounds must be derivable from operand shapes.
    Value window = empty(loc, {k, k}, elem);
    Value pooled =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{x.value, window},
            ValueRange{init},
            {AffineMap::get(numDims, 0, xe, b.getContext()),
             AffineMap::get(numDims, 0, {d(kh), d(kw)}, b.getContext()),
             AffineMap::get(numDims, 0, oe, b.getContext())},
            iterators, "", "",
            [isMax](OpBuilder &ob, Location l, ValueRange a) {
              Value r = isMax ? arith::MaximumFOp::create(ob, l, a[2], a[0])
                                    .getResult()
                              : arith::AddFOp::create(ob, l, a[2], a[0])
                                    .getResult();
              linalg::YieldOp::create(ob, l, ValueRange{r});
            })
            .getResult(0);
    if (isMax)
      return {pooled, x.batched};
    return elementwiseShaped(loc, {{outShape, BValue{pooled, x.batched}}},
                       outShape, elem,
                       [&](OpBuilder &ob, Location l, ValueRange a) {
                         return arith::MulFOp::create(
                                    ob, l, a[0],
                                    floatConst(ob, l, elem, 1.0 / (k * k)))
                             .getResult();
                       });
  }

  OpBuilder &b;
  int64_t tile;
  llvm::StringMap<Value> params, shifts;
  SymbolTableCollection &symbols;
  CalleeTiles calleeTiles;
  int64_t rowVectorBits;
  DenseMap<Value, BValue> map;
  llvm::SmallPtrSet<Operation *, 16> deferred;
  /// sumOf's sums.
  DenseMap<Value, Value> sums;
};

struct ConvertAdeToLinalgPass
    : public ade::impl::ConvertAdeToLinalgBase<ConvertAdeToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    calleeTiles.clear();
    shared.clear();
    module.walk([&](CallOp call) {
      if (getParamRename(call))
        shared.insert(call.getCalleeAttr().getAttr());
    });
    SmallVector<func::FuncOp> kernels;
    module.walk([&](func::FuncOp f) {
      if (f->hasAttr("ade.kernel"))
        kernels.push_back(f);
    });
    for (func::FuncOp f : kernels)
      if (failed(buildTiles(module, f, symbols)))
        return signalPassFailure();
    // The tile functions are self-contained: drop the per-particle
    // functions and the parameter declarations.
    for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
      if (isa<ParameterOp>(op) ||
          (isa<func::FuncOp>(op) && !op.hasAttr("ade.tile") &&
           !op.hasAttr("ade.tile_callee")))
        op.erase();
  }

  /// By callee and tile size.
  std::map<std::pair<std::string, int64_t>, func::FuncOp> calleeTiles;
  /// Functions shared by instances: some call reads renamed parameters.
  llvm::DenseSet<StringAttr> shared;

  /// Converts `source` into the entry block of `tileFn`, whose arguments
  /// are the parameter buffers of `owners`, then (`shifted`) one offset
  /// into each, then `source`'s inputs batched; leaves `b` at the end of
  /// that block. Returns TileBuilder::run's values.
  FailureOr<SmallVector<Value>> convertInto(ModuleOp module, OpBuilder &b,
                                            func::FuncOp tileFn, int64_t tile,
                                            ArrayRef<StringRef> owners,
                                            bool shifted, func::FuncOp source,
                                            SymbolTableCollection &symbols) {
    Block *entry = tileFn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    llvm::StringMap<Value> params, shifts;
    for (auto [i, o] : llvm::enumerate(owners)) {
      params[o] = entry->getArgument(i);
      if (shifted)
        shifts[o] = entry->getArgument(owners.size() + i);
    }
    auto tiles = [&](func::FuncOp f) {
      return calleeTile(module, f, tile, symbols);
    };
    TileBuilder builder(b, tile, params, shifts, symbols, tiles, rowVectorBits);
    SmallVector<BValue> args;
    unsigned first = owners.size() * (shifted ? 2 : 1);
    for (unsigned i = 0; i < source.getNumArguments(); ++i)
      args.push_back({entry->getArgument(first + i), true});
    return builder.run(source, args);
  }

  /// The tile function of a called function:
  ///   @<callee>.tile(params of the owners it reads, [offsets into them,]
  ///                  inputs [S.., T])
  ///       -> (outputs [R.., T], parameter-gradient sums, flat)
  /// A function shared by instances takes the offset of each owner's
  /// parameters that a call reads from the function's own.
  FailureOr<func::FuncOp> calleeTile(ModuleOp module, func::FuncOp callee,
                                     int64_t tile,
                                     SymbolTableCollection &symbols) {
    if (callee.isExternal() || !callee.getBody().hasOneBlock())
      return callee.emitError("internal: a called function must have a body "
                              "of one block");
    std::pair<std::string, int64_t> key{callee.getSymName().str(), tile};
    if (func::FuncOp done = calleeTiles[key])
      return done;
    llvm::StringMap<int64_t> sizes;
    llvm::StringMap<Type> elems;
    for (auto p : module.getOps<ParameterOp>()) {
      auto t = cast<RankedTensorType>(p.getType());
      sizes[p.getOwner()] += t.getNumElements();
      elems[p.getOwner()] = t.getElementType();
    }
    llvm::SetVector<StringRef> ownerSet;
    for (StringAttr name : ade::paramsRead(callee))
      if (auto decl = symbols.lookupNearestSymbolFrom<ParameterOp>(
              callee, FlatSymbolRefAttr::get(name)))
        ownerSet.insert(decl.getOwner());
    SmallVector<StringRef> owners(ownerSet.begin(), ownerSet.end());
    llvm::sort(owners);

    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    auto batchedType = [&](Type t) {
      auto rt = cast<RankedTensorType>(t);
      SmallVector<int64_t> shape(rt.getShape());
      shape.push_back(tile);
      Type elem = rt.getElementType();
      if (elem.isInteger(1))
        elem = b.getI8Type();
      return RankedTensorType::get(shape, elem);
    };
    SmallVector<Type> inputs, results;
    SmallVector<Attribute> ownerAttrs;
    // A shared function reads the buffer of whichever owner a call's
    // instance belongs to: of any size.
    bool shifted = shared.contains(callee.getSymNameAttr());
    for (StringRef o : owners) {
      inputs.push_back(RankedTensorType::get(
          {shifted ? ShapedType::kDynamic : sizes.lookup(o)}, elems.lookup(o)));
      ownerAttrs.push_back(b.getStringAttr(o));
    }
    if (shifted)
      inputs.append(owners.size(), b.getIndexType());
    for (Type t : callee.getArgumentTypes())
      inputs.push_back(batchedType(t));
    for (auto [i, t] : llvm::enumerate(callee.getResultTypes())) {
      auto rt = cast<RankedTensorType>(t);
      if (callee.getResultAttr(i, "ade.param_grad"))
        results.push_back(
            RankedTensorType::get({rt.getNumElements()}, rt.getElementType()));
      else
        results.push_back(batchedType(t));
    }
    // Tiles of another size than tile-size's are named by their size.
    std::string name = (callee.getSymName() + ".tile").str();
    if (tile != tileSize)
      name += std::to_string(tile);
    auto tileFn = func::FuncOp::create(b, callee.getLoc(), name,
                                       b.getFunctionType(inputs, results));
    tileFn.setPrivate();
    SmallVector<NamedAttribute> info{
        b.getNamedAttr("size", b.getI64IntegerAttr(tile)),
        b.getNamedAttr("owners", b.getArrayAttr(ownerAttrs))};
    if (shifted)
      info.push_back(b.getNamedAttr("shifted", b.getUnitAttr()));
    tileFn->setAttr("ade.tile_callee", b.getDictionaryAttr(info));
    calleeTiles[key] = tileFn;
    FailureOr<SmallVector<Value>> converted =
        convertInto(module, b, tileFn, tile, owners, shifted, callee, symbols);
    if (failed(converted))
      return failure();
    func::ReturnOp::create(b, callee.getLoc(), *converted);
    return tileFn;
  }

  /// Checks the kernel convention (see ade-build-kernels).
  LogicalResult verifyKernel(func::FuncOp f, DictionaryAttr info,
                             Type &elem) {
    auto fail = [&] {
      return f.emitError("a kernel must take per-particle float tensors of "
                         "one element type and carry ade.kernel = {kind, "
                         "owner, owners}");
    };
    if (!info || !info.getAs<StringAttr>("kind") ||
        !info.getAs<StringAttr>("owner") || !info.getAs<ArrayAttr>("owners") ||
        f.isExternal() || f.getNumArguments() == 0)
      return fail();
    for (Type t : llvm::concat<const Type>(f.getArgumentTypes(),
                                           f.getResultTypes())) {
      auto rt = dyn_cast<RankedTensorType>(t);
      if (!rt || !isa<FloatType>(rt.getElementType()))
        return fail();
      if (!elem)
        elem = rt.getElementType();
      if (rt.getElementType() != elem)
        return fail();
    }
    return success();
  }

  /// The tile functions of a kernel, one per tile size (tileSizesFor):
  ///   @<owner>.<kind>.tile(params per owner, inputs [S.., T])
  ///       -> (outputs [R.., T], parameter-gradient sums per owner)
  /// and @<owner>.<kind>.tile<T> for the small-batch tile.
  LogicalResult buildTiles(ModuleOp module, func::FuncOp f,
                           SymbolTableCollection &symbols) {
    auto info = f->getAttrOfType<DictionaryAttr>("ade.kernel");
    Type elem;
    if (failed(verifyKernel(f, info, elem)))
      return failure();
    llvm::StringMap<int64_t> sizes;
    for (auto p : module.getOps<ParameterOp>())
      sizes[p.getOwner()] +=
          cast<RankedTensorType>(p.getType()).getNumElements();
    int64_t ownersParams = 0;
    for (Attribute o : info.getAs<ArrayAttr>("owners"))
      ownersParams += sizes.lookup(cast<StringAttr>(o).getValue());
    SmallVector<int64_t, 2> tiles =
        tileSizesFor(ownersParams, tileSize, mediumTileSize, largeTileSize,
                     smallBatchTileSize);
    for (auto [i, tile] : llvm::enumerate(tiles))
      if (failed(buildTile(module, f, info, elem, sizes, tile,
                           /*namedBySize=*/i > 0, symbols)))
        return failure();
    return success();
  }

  /// The tile function of kernel `f` (`info`: its ade.kernel) for `tile`
  /// particles, named by its size when `namedBySize`.
  LogicalResult buildTile(ModuleOp module, func::FuncOp f, DictionaryAttr info,
                          Type elem, const llvm::StringMap<int64_t> &sizes,
                          int64_t tile, bool namedBySize,
                          SymbolTableCollection &symbols) {
    auto owners = info.getAs<ArrayAttr>("owners");
    // The owners whose parameters are differentiated (`wrt`; default all).
    auto wrt = info.getAs<ArrayAttr>("wrt");
    if (!wrt)
      wrt = owners;

    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    SmallVector<Type> inputs, results;
    for (Attribute o : owners)
      inputs.push_back(RankedTensorType::get(
          {sizes.lookup(cast<StringAttr>(o).getValue())}, elem));
    SmallVector<int64_t> cotangents;
    for (auto [i, t] : llvm::enumerate(f.getArgumentTypes())) {
      SmallVector<int64_t> shape(cast<RankedTensorType>(t).getShape());
      shape.push_back(tile);
      inputs.push_back(RankedTensorType::get(shape, elem));
      if (f.getArgAttr(i, "ade.cotangent"))
        cotangents.push_back(i);
    }
    // Gradients go to the buffer of their parameter's owner.
    SmallVector<std::pair<unsigned, ParameterOp>> grads;
    for (auto [i, t] : llvm::enumerate(f.getResultTypes())) {
      auto sym = f.getResultAttrOfType<FlatSymbolRefAttr>(i, "ade.param_grad");
      if (!sym) {
        SmallVector<int64_t> shape(cast<RankedTensorType>(t).getShape());
        shape.push_back(tile);
        results.push_back(RankedTensorType::get(shape, elem));
        continue;
      }
      auto decl = symbols.lookupNearestSymbolFrom<ParameterOp>(f, sym);
      if (!decl || decl.getType() != t ||
          !llvm::is_contained(wrt, decl.getOwnerAttr()))
        return f.emitError("internal: gradient result ")
               << i << " does not match a parameter of the kernel's owners";
      grads.push_back({static_cast<unsigned>(i), decl});
    }
    unsigned numOutputs = results.size();
    // Gradient sums per differentiated owner (none when no such owner has
    // parameters).
    bool hasGrads = (!grads.empty() || info.get("grads")) &&
                    llvm::any_of(wrt, [&](Attribute o) {
                      return sizes.lookup(cast<StringAttr>(o).getValue()) > 0;
                    });
    // One gradient sum per differentiated owner that has parameters.
    SmallVector<int64_t> gradOwners;
    if (hasGrads)
      for (auto [k, o] : llvm::enumerate(owners))
        if (int64_t size = sizes.lookup(cast<StringAttr>(o).getValue());
            size && llvm::is_contained(wrt, o)) {
          results.push_back(RankedTensorType::get({size}, elem));
          gradOwners.push_back(k);
        }

    std::string name = (info.getAs<StringAttr>("owner").getValue() + "." +
                        info.getAs<StringAttr>("kind").getValue() + ".tile")
                           .str();
    if (namedBySize)
      name += std::to_string(tile);
    auto tileFn = func::FuncOp::create(b, f.getLoc(), name,
                                       b.getFunctionType(inputs, results));
    SmallVector<NamedAttribute> tileInfo{
        b.getNamedAttr("kind", info.get("kind")),
        b.getNamedAttr("owner", info.get("owner")),
        b.getNamedAttr("owners", owners),
        b.getNamedAttr("size", b.getI64IntegerAttr(tile)),
        b.getNamedAttr("inputs", b.getI64IntegerAttr(f.getNumArguments())),
        b.getNamedAttr("outputs", b.getI64IntegerAttr(numOutputs)),
        b.getNamedAttr("grads", b.getBoolAttr(hasGrads)),
        b.getNamedAttr("cotangents", b.getDenseI64ArrayAttr(cotangents)),
        b.getNamedAttr("grad_owners", b.getDenseI64ArrayAttr(gradOwners))};
    // A sampler's noise layout and statistics travel to its entry's
    // metadata.
    for (StringRef key : {"noise", "stats"})
      if (Attribute value = info.get(key))
        tileInfo.push_back(b.getNamedAttr(key, value));
    tileFn->setAttr("ade.tile", b.getDictionaryAttr(tileInfo));
    SmallVector<StringRef> ownerNames;
    for (Attribute o : owners)
      ownerNames.push_back(cast<StringAttr>(o).getValue());
    FailureOr<SmallVector<Value>> converted = convertInto(
        module, b, tileFn, tile, ownerNames, /*shifted=*/false, f, symbols);
    if (failed(converted)) {
      tileFn.erase();
      return failure();
    }
    SmallVector<Value> returned;
    for (unsigned i = 0; i < f.getNumResults(); ++i)
      if (!f.getResultAttr(i, "ade.param_grad"))
        returned.push_back((*converted)[i]);
    if (hasGrads) {
      // One flat sum per owner: its gradients in offset order, zeros where
      // a parameter has none, concatenated. (A chain of insert_slices into
      // one tensor made bufferization's alias analysis quadratic in the
      // number of parameters or worse: 4 of table2's 7.5 s.)
      Location loc = f.getLoc();
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0));
      auto zeros = [&](int64_t n) {
        return linalg::FillOp::create(b, loc, ValueRange{zero},
                                      ValueRange{tensor::EmptyOp::create(
                                          b, loc, ArrayRef<int64_t>{n}, elem)})
            .getResult(0);
      };
      for (int64_t k : gradOwners) {
        StringRef owner = cast<StringAttr>(owners[k]).getValue();
        SmallVector<std::pair<int64_t, Value>> pieces;
        for (auto [i, decl] : grads)
          if (decl.getOwner() == owner)
            pieces.push_back(
                {static_cast<int64_t>(decl.getOffset()), (*converted)[i]});
        llvm::sort(pieces, [](auto &x, auto &y) { return x.first < y.first; });
        SmallVector<Value> parts;
        int64_t at = 0;
        for (auto [offset, piece] : pieces) {
          if (offset > at)
            parts.push_back(zeros(offset - at));
          parts.push_back(piece);
          at =
              offset + cast<RankedTensorType>(piece.getType()).getNumElements();
        }
        if (int64_t size = sizes.lookup(owner); size > at)
          parts.push_back(zeros(size - at));
        returned.push_back(parts.size() == 1 ? parts.front()
                                             : tensor::ConcatOp::create(
                                                   b, loc, /*dim=*/0, parts)
                                                   .getResult());
      }
    }
    func::ReturnOp::create(b, f.getLoc(), returned);
    return success();
  }
};

} // namespace
