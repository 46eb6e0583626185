//===- AdeAdjoints.cpp - Reverse-mode derivative rules of ade ops ---------===//
//
// One rule per operation (DifferentiableOpInterface::buildAdjoint): given the
// cotangent u of the result, the cotangents of the operands, written with
// `ade` ops only so that the rules apply to their own output (higher
// orders). Operands that were broadcast get their cotangent summed back to
// their shape.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/IR/AdeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace ade;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Small helpers that build `ade` ops with inferred result types.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value constant(RankedTensorType type, double value) {
    auto elem = cast<FloatType>(type.getElementType());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getFloatAttr(elem, value)));
  }
  /// A scalar (rank-0) constant of `like`'s element type.
  Value scalar(Value like, double value) {
    return constant(RankedTensorType::get({}, typeOf(like).getElementType()),
                    value);
  }
  Value zerosLike(Value v) { return constant(typeOf(v), 0.0); }

  RankedTensorType broadcastType(Value x, Value y, Type elem) {
    SmallVector<int64_t> shape =
        *broadcastShapes(typeOf(x).getShape(), typeOf(y).getShape());
    return RankedTensorType::get(shape, elem);
  }
  template <typename OpTy> Value binary(Value x, Value y) {
    return OpTy::create(b, loc,
                        broadcastType(x, y, typeOf(x).getElementType()), x, y);
  }
  Value add(Value x, Value y) { return binary<AddOp>(x, y); }
  Value sub(Value x, Value y) { return binary<SubOp>(x, y); }
  Value mul(Value x, Value y) { return binary<MulOp>(x, y); }
  Value div(Value x, Value y) { return binary<DivOp>(x, y); }
  Value pow(Value x, Value y) { return binary<PowOp>(x, y); }
  Value neg(Value x) { return NegOp::create(b, loc, x); }
  Value exp(Value x) { return ExpOp::create(b, loc, x); }
  Value log(Value x) { return LogOp::create(b, loc, x); }
  Value cos(Value x) { return CosOp::create(b, loc, x); }
  Value sin(Value x) { return SinOp::create(b, loc, x); }
  Value sigmoid(Value x) { return SigmoidOp::create(b, loc, x); }
  Value cmp(CmpPredicate p, Value x, Value y) {
    return CmpOp::create(
        b, loc, broadcastType(x, y, b.getI1Type()), p, x, y);
  }
  Value land(Value x, Value y) {
    return AndOp::create(b, loc, broadcastType(x, y, b.getI1Type()), x, y);
  }
  /// select(c, x, y) broadcast to the shape of all three.
  Value select(Value c, Value x, Value y) {
    SmallVector<int64_t> shape =
        *broadcastShapes(typeOf(x).getShape(), typeOf(y).getShape());
    shape = *broadcastShapes(typeOf(c).getShape(), shape);
    return SelectOp::create(
        b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), c,
        x, y);
  }
  Value floatOf(Value mask, Type elem) {
    return CastOp::create(
        b, loc, RankedTensorType::get(typeOf(mask).getShape(), elem), mask);
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (typeOf(x).getShape() == shape)
      return x;
    return ReshapeOp::create(
        b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x);
  }
  Value broadcastTo(Value x, RankedTensorType type) {
    if (typeOf(x) == type)
      return x;
    return BroadcastToOp::create(b, loc, type, x);
  }
  Value sumAxis(Value x, int64_t axis) {
    SmallVector<int64_t> shape(typeOf(x).getShape());
    if (axis == -1)
      shape.clear();
    else
      shape.erase(shape.begin() + axis);
    return ReduceOp::create(
        b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()),
        ReduceKind::sum, x, axis);
  }
  Value matmul(Value x, Value y) {
    ArrayRef<int64_t> a = typeOf(x).getShape(), c = typeOf(y).getShape();
    SmallVector<int64_t> shape;
    if (a.size() == 2)
      shape.push_back(a[0]);
    if (c.size() == 2)
      shape.push_back(c[1]);
    return MatmulOp::create(
        b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x,
        y);
  }
  Value transpose(Value x) {
    ArrayRef<int64_t> s = typeOf(x).getShape();
    return TransposeOp::create(
        b, loc,
        RankedTensorType::get({s[1], s[0]}, typeOf(x).getElementType()), x);
  }
  Value outer(Value x, Value y) {
    return OuterOp::create(
        b, loc,
        RankedTensorType::get({typeOf(x).getDimSize(0), typeOf(y).getDimSize(0)},
                              typeOf(x).getElementType()),
        x, y);
  }
  Value slice(Value x, ArrayRef<int64_t> starts, ArrayRef<int64_t> stops,
              ArrayRef<bool> squeeze) {
    SmallVector<int64_t> shape;
    ArrayRef<int64_t> in = typeOf(x).getShape();
    for (size_t d = 0; d < starts.size(); ++d)
      if (!squeeze[d])
        shape.push_back(stops[d] - starts[d]);
    shape.append(in.begin() + starts.size(), in.end());
    return SliceOp::create(
        b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x,
        starts, stops, squeeze);
  }

  /// Sums the cotangent `u` of a broadcast result back to `target`'s shape.
  Value unbroadcast(Value u, Type target) {
    ArrayRef<int64_t> want = cast<RankedTensorType>(target).getShape();
    while (typeOf(u).getRank() > static_cast<int64_t>(want.size()))
      u = sumAxis(u, 0);
    for (int64_t d = static_cast<int64_t>(want.size()) - 1; d >= 0; --d)
      if (want[d] == 1 && typeOf(u).getDimSize(d) != 1)
        u = sumAxis(u, d);
    return reshape(u, want);
  }

  /// The reduction result `y` (over `axis` of `inputType`, -1 for all)
  /// with the reduced dimensions kept as 1, broadcast back to the input.
  Value expandReduced(Value y, RankedTensorType inputType, int64_t axis) {
    SmallVector<int64_t> keep(inputType.getShape());
    if (axis == -1)
      keep.assign(inputType.getRank(), 1);
    else
      keep[axis] = 1;
    return broadcastTo(
        reshape(y, keep),
        RankedTensorType::get(inputType.getShape(), typeOf(y).getElementType()));
  }

  OpBuilder &b;
  Location loc;
};

/// Sets the single operand cotangent of a unary rule.
LogicalResult unary(ArrayRef<Value> u, ArrayRef<bool> needed,
                    SmallVectorImpl<Value> &out,
                    function_ref<Value(Value)> rule) {
  out.assign(needed.size(), Value());
  if (u[0] && needed[0])
    out[0] = rule(u[0]);
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define ADE_UNARY_RULE(OP, BODY)                                              \
  LogicalResult OP::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,             \
                                 ArrayRef<bool> needed,                       \
                                 SmallVectorImpl<Value> &out) {               \
    Emitter e(b, getLoc());                                                   \
    Value x = getInput(), y = getResult();                                    \
    (void)x;                                                                  \
    (void)y;                                                                  \
    return unary(u, needed, out, [&](Value g) -> Value { BODY });            \
  }

ADE_UNARY_RULE(NegOp, return e.neg(g);)
ADE_UNARY_RULE(ExpOp, return e.mul(g, y);)
ADE_UNARY_RULE(LogOp, return e.div(g, x);)
ADE_UNARY_RULE(Log1pOp, return e.div(g, e.add(x, e.scalar(x, 1.0)));)
ADE_UNARY_RULE(Expm1Op, return e.mul(g, e.add(y, e.scalar(y, 1.0)));)
ADE_UNARY_RULE(TanhOp,
               return e.mul(g, e.sub(e.scalar(y, 1.0), e.mul(y, y)));)
ADE_UNARY_RULE(SigmoidOp,
               return e.mul(g, e.mul(y, e.sub(e.scalar(y, 1.0), y)));)
ADE_UNARY_RULE(SoftplusOp, return e.mul(g, e.sigmoid(x));)
ADE_UNARY_RULE(ReluOp, {
  return e.select(e.cmp(CmpPredicate::gt, x, e.scalar(x, 0.0)), g,
                  e.scalar(x, 0.0));
})
ADE_UNARY_RULE(EluOp, {
  // d/dx = 1 for x > 0, exp(x) = y + 1 otherwise.
  return e.select(e.cmp(CmpPredicate::gt, x, e.scalar(x, 0.0)), g,
                  e.mul(g, e.add(y, e.scalar(y, 1.0))));
})
ADE_UNARY_RULE(SwishOp, {
  // d/dx x s(x) = s + x s (1 - s) = s + y (1 - s).
  Value s = e.sigmoid(x);
  return e.mul(g, e.add(s, e.mul(y, e.sub(e.scalar(s, 1.0), s))));
})
ADE_UNARY_RULE(SinOp, return e.mul(g, e.cos(x));)
ADE_UNARY_RULE(CosOp, return e.neg(e.mul(g, e.sin(x)));)
ADE_UNARY_RULE(SqrtOp, return e.div(e.mul(g, e.scalar(y, 0.5)), y);)
ADE_UNARY_RULE(AbsOp, {
  // sign(x) * g, with sign(0) = 0.
  Value zero = e.scalar(x, 0.0);
  return e.select(e.cmp(CmpPredicate::lt, x, zero), e.neg(g),
                  e.select(e.cmp(CmpPredicate::gt, x, zero), g, zero));
})
ADE_UNARY_RULE(SquareOp, return e.mul(g, e.mul(x, e.scalar(x, 2.0)));)
ADE_UNARY_RULE(LeakyReluOp, {
  return e.select(e.cmp(CmpPredicate::gt, x, e.scalar(x, 0.0)), g,
                  e.mul(g, e.scalar(x, getAlpha().convertToDouble())));
})
#undef ADE_UNARY_RULE

LogicalResult StopGradientOp::buildAdjoint(OpBuilder &, ArrayRef<Value>,
                                           ArrayRef<bool> needed,
                                           SmallVectorImpl<Value> &out) {
  out.assign(needed.size(), Value());
  return success();
}

LogicalResult CastOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  out.assign(needed.size(), Value());
  auto in = typeOf(getInput());
  if (!u[0] || !needed[0] || !isa<FloatType>(in.getElementType()))
    return success();
  out[0] = CastOp::create(b, getLoc(), in, u[0]);
  return success();
}

LogicalResult AddOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  if (needed[0])
    out[0] = e.unbroadcast(u[0], getLhs().getType());
  if (needed[1])
    out[1] = e.unbroadcast(u[0], getRhs().getType());
  return success();
}

LogicalResult SubOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  if (needed[0])
    out[0] = e.unbroadcast(u[0], getLhs().getType());
  if (needed[1])
    out[1] = e.neg(e.unbroadcast(u[0], getRhs().getType()));
  return success();
}

LogicalResult MulOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  if (needed[0])
    out[0] = e.unbroadcast(e.mul(u[0], getRhs()), getLhs().getType());
  if (needed[1])
    out[1] = e.unbroadcast(e.mul(u[0], getLhs()), getRhs().getType());
  return success();
}

LogicalResult DivOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  // d(a / b) = da / b - (a / b) db / b.
  if (needed[0])
    out[0] = e.unbroadcast(e.div(u[0], getRhs()), getLhs().getType());
  if (needed[1])
    out[1] = e.unbroadcast(e.neg(e.div(e.mul(u[0], getResult()), getRhs())),
                           getRhs().getType());
  return success();
}

LogicalResult PowOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  Value a = getLhs(), p = getRhs();
  // d a^p = p a^(p-1) da + a^p log(a) dp.
  if (needed[0])
    out[0] = e.unbroadcast(
        e.mul(u[0], e.mul(p, e.pow(a, e.sub(p, e.scalar(p, 1.0))))),
        a.getType());
  if (needed[1])
    out[1] = e.unbroadcast(e.mul(u[0], e.mul(getResult(), e.log(a))),
                           p.getType());
  return success();
}

/// min/max: the cotangent goes to the chosen operand (the left one on ties).
static LogicalResult minMaxAdjoint(Emitter &e, CmpPredicate leftWins, Value a,
                                   Value c, ArrayRef<Value> u,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  out.assign(2, Value());
  if (!u[0])
    return success();
  Value left = e.cmp(leftWins, a, c);
  Value zero = e.scalar(u[0], 0.0);
  if (needed[0])
    out[0] = e.unbroadcast(e.select(left, u[0], zero), a.getType());
  if (needed[1])
    out[1] = e.unbroadcast(e.select(left, zero, u[0]), c.getType());
  return success();
}

LogicalResult MinimumOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  return minMaxAdjoint(e, CmpPredicate::le, getLhs(), getRhs(), u, needed,
                       out);
}

LogicalResult MaximumOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  return minMaxAdjoint(e, CmpPredicate::ge, getLhs(), getRhs(), u, needed,
                       out);
}

LogicalResult SelectOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(3, Value());
  if (!u[0])
    return success();
  Value zero = e.scalar(u[0], 0.0);
  if (needed[1])
    out[1] = e.unbroadcast(e.select(getCond(), u[0], zero), getA().getType());
  if (needed[2])
    out[2] = e.unbroadcast(e.select(getCond(), zero, u[0]), getB().getType());
  return success();
}

LogicalResult ClipOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(3, Value());
  if (!u[0])
    return success();
  Value x = getInput(), lo = getLo(), hi = getHi();
  Value zero = e.scalar(u[0], 0.0);
  Value below = e.cmp(CmpPredicate::lt, x, lo);
  Value above = e.cmp(CmpPredicate::gt, x, hi);
  if (needed[0])
    out[0] = e.unbroadcast(
        e.select(below, zero, e.select(above, zero, u[0])), x.getType());
  if (needed[1])
    out[1] = e.unbroadcast(e.select(below, u[0], zero), lo.getType());
  if (needed[2])
    out[2] = e.unbroadcast(
        e.select(below, zero, e.select(above, u[0], zero)), hi.getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Products and reductions
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  Value a = getLhs(), c = getRhs(), g = u[0];
  int64_t ra = typeOf(a).getRank(), rc = typeOf(c).getRank();
  if (ra == 2 && rc == 1) { // [m, n] @ [n]
    if (needed[0])
      out[0] = e.outer(g, c);
    if (needed[1])
      out[1] = e.matmul(g, a);
  } else if (ra == 1 && rc == 2) { // [n] @ [n, k]
    if (needed[0])
      out[0] = e.matmul(c, g);
    if (needed[1])
      out[1] = e.outer(a, g);
  } else if (ra == 2 && rc == 2) { // [m, n] @ [n, k]
    if (needed[0])
      out[0] = e.matmul(g, e.transpose(c));
    if (needed[1])
      out[1] = e.matmul(e.transpose(a), g);
  } else { // [n] @ [n]
    if (needed[0])
      out[0] = e.mul(g, c);
    if (needed[1])
      out[1] = e.mul(g, a);
  }
  return success();
}

LogicalResult OuterOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(2, Value());
  if (!u[0])
    return success();
  if (needed[0])
    out[0] = e.matmul(u[0], getRhs());
  if (needed[1])
    out[1] = e.matmul(getLhs(), u[0]);
  return success();
}

LogicalResult ReduceOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  Value x = getInput(), y = getResult();
  RankedTensorType xt = typeOf(x);
  int64_t axis = getAxis();
  Value g = e.expandReduced(u[0], xt, axis);
  switch (getKind()) {
  case ReduceKind::sum:
    out[0] = g;
    break;
  case ReduceKind::mean: {
    int64_t n = axis == -1 ? xt.getNumElements() : xt.getDimSize(axis);
    out[0] = e.mul(g, e.scalar(x, 1.0 / static_cast<double>(n)));
    break;
  }
  case ReduceKind::max:
  case ReduceKind::min: {
    // Ties share the cotangent equally.
    Value hit = e.floatOf(
        e.cmp(CmpPredicate::eq, x, e.expandReduced(y, xt, axis)),
        xt.getElementType());
    Value count = e.expandReduced(e.sumAxis(hit, axis), xt, axis);
    out[0] = e.div(e.mul(g, hit), count);
    break;
  }
  case ReduceKind::logsumexp:
    out[0] = e.mul(g, e.exp(e.sub(x, e.expandReduced(y, xt, axis))));
    break;
  case ReduceKind::norm:
    out[0] = e.mul(g, e.div(x, e.expandReduced(y, xt, axis)));
    break;
  }
  return success();
}

// d log|det A| = tr(A^-1 dA): the cotangent u A^-T.
LogicalResult LogAbsDetOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  Value inv = InverseOp::create(b, getLoc(), getInput());
  out[0] = e.mul(u[0], e.transpose(inv));
  return success();
}

// d A^-1 = -A^-1 dA A^-1: the cotangent -A^-T U A^-T.
LogicalResult InverseOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  Value yt = e.transpose(getResult());
  out[0] = e.neg(e.matmul(e.matmul(yt, u[0]), yt));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape operations
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  out[0] = EmbedOp::create(b, getLoc(), getInput().getType(), u[0],
                           getStarts(), getStops(), getSqueeze());
  return success();
}

LogicalResult EmbedOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  out[0] = SliceOp::create(b, getLoc(), getInput().getType(), u[0],
                           getStarts(), getStops(), getSqueeze());
  return success();
}

LogicalResult ReshapeOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  out[0] = ReshapeOp::create(b, getLoc(), getInput().getType(), u[0]);
  return success();
}

LogicalResult TransposeOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  out[0] = TransposeOp::create(b, getLoc(), getInput().getType(), u[0]);
  return success();
}

LogicalResult BroadcastToOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                          ArrayRef<bool> needed,
                                          SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  out[0] = e.unbroadcast(u[0], getInput().getType());
  return success();
}

LogicalResult ConcatOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(getInputs().size(), Value());
  if (!u[0])
    return success();
  int64_t axis = getAxis(), offset = 0;
  ArrayRef<int64_t> full = typeOf(getResult()).getShape();
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    int64_t size = typeOf(input).getDimSize(axis);
    if (needed[i]) {
      SmallVector<int64_t> starts(axis + 1, 0), stops(full.begin(),
                                                      full.begin() + axis + 1);
      starts[axis] = offset;
      stops[axis] = offset + size;
      out[i] = e.slice(u[0], starts, stops,
                       SmallVector<bool>(axis + 1, false));
    }
    offset += size;
  }
  return success();
}

LogicalResult StackOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(getInputs().size(), Value());
  if (!u[0])
    return success();
  for (int64_t i = 0, n = getInputs().size(); i < n; ++i)
    if (needed[i])
      out[i] = e.slice(u[0], {i}, {i + 1}, {true});
  return success();
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

LogicalResult Conv2dOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Emitter e(b, getLoc());
  out.assign(getNumOperands(), Value());
  if (!u[0])
    return success();
  Location loc = getLoc();
  if (needed[0])
    out[0] = Conv2dInputGradOp::create(b, loc, getInput().getType(), u[0],
                                       getWeight(), getStride(), getPadding());
  if (needed[1])
    out[1] = Conv2dFilterGradOp::create(b, loc, getWeight().getType(),
                                        getInput(), u[0], getStride(),
                                        getPadding());
  if (getBias() && needed[2])
    out[2] = e.sumAxis(e.sumAxis(u[0], 2), 1);
  return success();
}

// z = I(u, w) is bilinear with <g, I(u, w)> = <conv(g, w), u>.
LogicalResult Conv2dInputGradOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                              ArrayRef<bool> needed,
                                              SmallVectorImpl<Value> &out) {
  out.assign(2, Value());
  if (!u[0])
    return success();
  Location loc = getLoc();
  if (needed[0])
    out[0] = Conv2dOp::create(b, loc, getCotangent().getType(), u[0],
                              getWeight(), Value(), getStride(), getPadding());
  if (needed[1])
    out[1] = Conv2dFilterGradOp::create(b, loc, getWeight().getType(), u[0],
                                        getCotangent(), getStride(),
                                        getPadding());
  return success();
}

// z = F(x, u) is bilinear with <g, F(x, u)> = <conv(x, g), u>.
LogicalResult Conv2dFilterGradOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                               ArrayRef<bool> needed,
                                               SmallVectorImpl<Value> &out) {
  out.assign(2, Value());
  if (!u[0])
    return success();
  Location loc = getLoc();
  if (needed[0])
    out[0] = Conv2dInputGradOp::create(b, loc, getInput().getType(),
                                       getCotangent(), u[0], getStride(),
                                       getPadding());
  if (needed[1])
    out[1] = Conv2dOp::create(b, loc, getCotangent().getType(), getInput(),
                              u[0], Value(), getStride(), getPadding());
  return success();
}

LogicalResult Pool2dOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  out.assign(1, Value());
  if (!u[0] || !needed[0])
    return success();
  out[0] = Pool2dGradOp::create(b, getLoc(), getInput().getType(), getKind(),
                                getInput(), u[0], getWindow(), getStride());
  return success();
}

LogicalResult Pool2dGradOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> u,
                                         ArrayRef<bool> needed,
                                         SmallVectorImpl<Value> &out) {
  out.assign(2, Value());
  if (!u[0] || !needed[1])
    return success();
  if (getKind() == PoolKind::max)
    return emitError("second derivatives through max_pool2d are not "
                     "supported; use avg_pool2d in a model whose gradient "
                     "is differentiated again");
  // Average pooling's adjoint is linear in u: its transpose is the pooling.
  out[1] = Pool2dOp::create(b, getLoc(), getCotangent().getType(),
                            PoolKind::avg, u[0], getWindow(), getStride());
  return success();
}
