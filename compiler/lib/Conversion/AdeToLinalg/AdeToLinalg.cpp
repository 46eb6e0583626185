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
#include "ade/Dialect/Ade/IR/AdeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace ade {
#define GEN_PASS_DEF_CONVERTADETOLINALG
#include "ade/Conversion/Passes.h.inc"
} // namespace ade

using namespace mlir;
using namespace ade;

namespace {

/// A converted value: `value` has the per-particle shape, with the batch
/// dimension T appended when `batched`.
struct BValue {
  Value value;
  bool batched = false;
};

using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

class TileBuilder {
public:
  TileBuilder(OpBuilder &b, int64_t tile, Value params,
              SymbolTableCollection &symbols)
      : b(b), tile(tile), params(params), symbols(symbols) {}

  /// Converts the body of `source` (one block, calls inlined) into the
  /// current insertion block, the source's arguments being `args`.
  FailureOr<SmallVector<Value>> run(func::FuncOp source,
                                    ArrayRef<BValue> args) {
    Block &block = source.getBody().front();
    for (auto [arg, value] : llvm::zip(block.getArguments(), args))
      map[arg] = value;
    for (Operation &op : block.without_terminator())
      if (failed(convert(&op)))
        return failure();
    SmallVector<Value> results;
    for (Value v : block.getTerminator()->getOperands())
      results.push_back(toBatched(v.getLoc(), map.at(v)));
    return results;
  }

private:
  //===--------------------------------------------------------------------===//
  // Helpers
  //===--------------------------------------------------------------------===//

  static ArrayRef<int64_t> shapeOf(Value perParticle) {
    return cast<RankedTensorType>(perParticle.getType()).getShape();
  }
  static Type elementOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType();
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

  /// An elementwise linalg.generic over the broadcast of `operands`.
  BValue elementwise(Location loc, ArrayRef<std::pair<Value, BValue>> operands,
                     ArrayRef<int64_t> shape, Type elem, ScalarFn fn) {
    bool batched = llvm::any_of(
        operands, [](const auto &o) { return o.second.batched; });
    unsigned numDims = shape.size() + (batched ? 1 : 0);
    SmallVector<AffineMap> maps;
    SmallVector<Value> inputs;
    for (auto &[original, converted] : operands) {
      maps.push_back(broadcastMap(shapeOf(original), converted.batched, shape,
                                  numDims));
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
    Location loc = op->getLoc();
    Type elem =
        op->getNumResults() ? elementOf(op->getResult(0)) : Type();
    std::optional<BValue> result =
        llvm::TypeSwitch<Operation *, std::optional<BValue>>(op)
            .Case<arith::ConstantOp>([&](arith::ConstantOp c) {
              return BValue{b.clone(*c)->getResult(0), false};
            })
            .Case<ParamOp>([&](ParamOp p) -> std::optional<BValue> {
              Value v = param(p);
              if (!v)
                return std::nullopt;
              return BValue{v, false};
            })
            .Case<NegOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::NegFOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<ExpOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::ExpOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<LogOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::LogOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<Log1pOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::Log1pOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<Expm1Op>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::ExpM1Op::create(ob, l, a[0]).getResult();
              });
            })
            .Case<TanhOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::TanhOp::create(ob, l, a[0]).getResult();
              });
            })
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
            .Case<SinOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::SinOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<CosOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::CosOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<SqrtOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::SqrtOp::create(ob, l, a[0]).getResult();
              });
            })
            .Case<AbsOp>([&](Operation *o) {
              return unary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::AbsFOp::create(ob, l, a[0]).getResult();
              });
            })
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
                Value one = arith::ConstantOp::create(ob, l, ob.getBoolAttr(true));
                return arith::XOrIOp::create(ob, l, a[0], one).getResult();
              });
            })
            .Case<CastOp>([&](CastOp c) {
              Type to = elementOf(c.getResult());
              return unary(c, [to](OpBuilder &ob, Location l, ValueRange a) {
                Type from = a[0].getType();
                if (from.isInteger(1))
                  return arith::UIToFPOp::create(ob, l, to, a[0]).getResult();
                if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
                  return arith::ExtFOp::create(ob, l, to, a[0]).getResult();
                if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
                  return arith::TruncFOp::create(ob, l, to, a[0]).getResult();
                return a[0];
              });
            })
            .Case<AddOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::AddFOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<SubOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::SubFOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<MulOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::MulFOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<DivOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::DivFOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<PowOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return math::PowFOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<MinimumOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::MinimumFOp::create(ob, l, a[0], a[1])
                    .getResult();
              });
            })
            .Case<MaximumOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::MaximumFOp::create(ob, l, a[0], a[1])
                    .getResult();
              });
            })
            .Case<CmpOp>([&](CmpOp c) {
              arith::CmpFPredicate pred = cmpPredicate(c.getPredicate());
              return nary(c, [pred](OpBuilder &ob, Location l, ValueRange a) {
                return arith::CmpFOp::create(ob, l, pred, a[0], a[1])
                    .getResult();
              });
            })
            .Case<AndOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::AndIOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<OrOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::OrIOp::create(ob, l, a[0], a[1]).getResult();
              });
            })
            .Case<SelectOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                return arith::SelectOp::create(ob, l, a[0], a[1], a[2])
                    .getResult();
              });
            })
            .Case<ClipOp>([&](Operation *o) {
              return nary(o, [](OpBuilder &ob, Location l, ValueRange a) {
                Value lo = arith::MaximumFOp::create(ob, l, a[0], a[1]);
                return arith::MinimumFOp::create(ob, l, lo, a[2]).getResult();
              });
            })
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
            .Default([&](Operation *o) -> std::optional<BValue> {
              unsupported(o);
              return std::nullopt;
            });
    if (!result)
      return failure();
    map[op->getResult(0)] = *result;
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
      op->emitError("internal: calls must be inlined before batching");
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
    Type bufferElem = cast<RankedTensorType>(params.getType()).getElementType();
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
    Value slice = tensor::ExtractSliceOp::create(
        b, loc, params,
        ArrayRef<OpFoldResult>{b.getIndexAttr(
            static_cast<int64_t>(decl.getOffset()))},
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
                         outShape, elem,
                         [](OpBuilder &ob, Location l, ValueRange a) {
                           return math::SqrtOp::create(ob, l, a[0])
                               .getResult();
                         });
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

  BValue slice(SliceOp s) {
    Location loc = s.getLoc();
    BValue in = map.at(s.getInput());
    ArrayRef<int64_t> shape = shapeOf(s.getInput());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (unsigned d = 0; d < shape.size(); ++d) {
      bool sliced = d < s.getStarts().size();
      offsets.push_back(b.getIndexAttr(sliced ? s.getStarts()[d] : 0));
      sizes.push_back(b.getIndexAttr(
          sliced ? s.getStops()[d] - s.getStarts()[d] : shape[d]));
      strides.push_back(b.getIndexAttr(1));
    }
    if (in.batched) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(tile));
      strides.push_back(b.getIndexAttr(1));
    }
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
    Value input = x.value;
    if (p > 0) {
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
      input = tensor::PadOp::create(b, loc,
                                    RankedTensorType::get(padded, elem),
                                    input, lo, hi, floatConst(b, loc, elem, 0));
    }
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

  BValue pool2d(Pool2dOp p) {
    Location loc = p.getLoc();
    BValue x = map.at(p.getInput());
    Type elem = elementOf(p.getResult());
    int64_t k = p.getWindow(), s = p.getStride();
    bool isMax = p.getKind() == PoolKind::max;
    // Iteration: (c, i, j, [t], kh, kw).
    unsigned t = 3, kh = x.batched ? 4 : 3, kw = kh + 1, numDims = kw + 1;
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    SmallVector<AffineExpr> xe{d(0), d(1) * s + d(kh), d(2) * s + d(kw)};
    SmallVector<AffineExpr> oe{d(0), d(1), d(2)};
    if (x.batched) {
      xe.push_back(d(t));
      oe.push_back(d(t));
    }
    SmallVector<int64_t> out = withBatch(shapeOf(p.getResult()), x.batched);
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
    return elementwise(loc, {{p.getResult(), BValue{pooled, x.batched}}},
                       shapeOf(p.getResult()), elem,
                       [&](OpBuilder &ob, Location l, ValueRange a) {
                         return arith::MulFOp::create(
                                    ob, l, a[0],
                                    floatConst(ob, l, elem, 1.0 / (k * k)))
                             .getResult();
                       });
  }

  OpBuilder &b;
  int64_t tile;
  Value params;
  SymbolTableCollection &symbols;
  DenseMap<Value, BValue> map;
};

struct ConvertAdeToLinalgPass
    : public ade::impl::ConvertAdeToLinalgBase<ConvertAdeToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    SmallVector<func::FuncOp> densities;
    module.walk([&](func::FuncOp f) {
      if (f->hasAttr("ade.log_density"))
        densities.push_back(f);
    });
    for (func::FuncOp f : densities)
      if (failed(buildEnergyTile(module, f, symbols)))
        return signalPassFailure();
    // The tile functions are self-contained: drop the per-particle
    // functions and the parameter declarations.
    for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
      if (isa<ParameterOp>(op) ||
          (isa<func::FuncOp>(op) && !op.hasAttr("ade.tile")))
        op.erase();
  }

  LogicalResult buildEnergyTile(ModuleOp module, func::FuncOp f,
                                SymbolTableCollection &symbols) {
    auto owner = f->getAttrOfType<StringAttr>("ade.log_density");
    FunctionType type = f.getFunctionType();
    auto xType = type.getNumInputs() == 1
                     ? dyn_cast<RankedTensorType>(type.getInput(0))
                     : RankedTensorType();
    auto resultType = type.getNumResults() == 1
                          ? dyn_cast<RankedTensorType>(type.getResult(0))
                          : RankedTensorType();
    if (!owner || f.isExternal() || !xType ||
        !isa<FloatType>(xType.getElementType()) || !resultType ||
        resultType.getRank() != 0 ||
        resultType.getElementType() != xType.getElementType())
      return f.emitError("a log-density must take one data point (a float "
                         "tensor) and return a scalar of its element type");
    Type elem = xType.getElementType();
    int64_t numParams = 0;
    for (auto p : module.getOps<ParameterOp>())
      if (p.getOwner() == owner.getValue())
        numParams += cast<RankedTensorType>(p.getType()).getNumElements();

    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    SmallVector<int64_t> xShape(xType.getShape());
    xShape.push_back(tileSize);
    auto paramsType = RankedTensorType::get({numParams}, elem);
    auto tileType = b.getFunctionType(
        {paramsType, RankedTensorType::get(xShape, elem)},
        {RankedTensorType::get({tileSize}, elem)});
    auto tileFn = func::FuncOp::create(
        b, f.getLoc(), (owner.getValue() + ".energy.tile").str(), tileType);
    tileFn->setAttr("ade.tile", b.getDictionaryAttr({
                                    b.getNamedAttr("kind",
                                                   b.getStringAttr("energy")),
                                    b.getNamedAttr("owner", owner),
                                    b.getNamedAttr("size",
                                                   b.getI64IntegerAttr(tileSize)),
                                }));
    Block *entry = tileFn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    TileBuilder builder(b, tileSize, entry->getArgument(0), symbols);
    FailureOr<SmallVector<Value>> results =
        builder.run(f, {BValue{entry->getArgument(1), true}});
    if (failed(results)) {
      tileFn.erase();
      return failure();
    }
    func::ReturnOp::create(b, f.getLoc(), *results);
    return success();
  }
};

} // namespace
