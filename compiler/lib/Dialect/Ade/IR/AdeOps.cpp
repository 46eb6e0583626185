//===- AdeOps.cpp - Operations of the ade dialect -------------------------===//

#include "ade/Dialect/Ade/IR/AdeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace ade;

#include "ade/Dialect/Ade/IR/AdeOpsEnums.cpp.inc"
#include "ade/Dialect/Ade/IR/AdeInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>> ade::broadcastShapes(ArrayRef<int64_t> a,
                                                     ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = std::max(da, db);
  }
  return out;
}

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Checks that `operands` broadcast to `result`'s shape and that operands in
/// `sameElement` share the result's element type.
static LogicalResult verifyBroadcast(Operation *op, ValueRange operands,
                                     Value result, ValueRange sameElement) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto t = tensorType(v);
    if (!t.hasStaticShape())
      return op->emitOpError("operands must have static shapes");
    FailureOr<SmallVector<int64_t>> b = broadcastShapes(shape, t.getShape());
    if (failed(b))
      return op->emitOpError("operand shapes do not broadcast");
    shape = *b;
  }
  auto rt = tensorType(result);
  if (rt.getShape() != ArrayRef<int64_t>(shape))
    return op->emitOpError("result shape must be the broadcast of the "
                           "operand shapes");
  for (Value v : sameElement)
    if (tensorType(v).getElementType() != rt.getElementType())
      return op->emitOpError("operand and result element types differ");
  return success();
}

/// The splat value of a constant float tensor, if `v` is one.
static std::optional<double> splatValue(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

LogicalResult ParameterOp::verify() {
  auto t = cast<RankedTensorType>(getType());
  if (!t.hasStaticShape())
    return emitOpError("parameter type must have a static shape");
  if (getOffsetAttr().getValue().isNegative())
    return emitOpError("offset must be non-negative");
  return success();
}

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto decl =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!decl)
    return emitOpError("'") << getName()
                            << "' does not name an ade.parameter";
  if (decl.getType() != getResult().getType())
    return emitOpError("result type ")
           << getResult().getType() << " differs from the parameter's type "
           << decl.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise operations
//===----------------------------------------------------------------------===//

OpFoldResult NegOp::fold(FoldAdaptor) {
  // -(-x) = x
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return {};
}

#define ADE_BROADCAST_VERIFIER(OP)                                            \
  LogicalResult OP::verify() {                                                \
    return verifyBroadcast(*this, {getLhs(), getRhs()}, getResult(),         \
                           {getLhs(), getRhs()});                            \
  }
ADE_BROADCAST_VERIFIER(AddOp)
ADE_BROADCAST_VERIFIER(SubOp)
ADE_BROADCAST_VERIFIER(MulOp)
ADE_BROADCAST_VERIFIER(DivOp)
ADE_BROADCAST_VERIFIER(PowOp)
ADE_BROADCAST_VERIFIER(MinimumOp)
ADE_BROADCAST_VERIFIER(MaximumOp)
ADE_BROADCAST_VERIFIER(AndOp)
ADE_BROADCAST_VERIFIER(OrOp)
#undef ADE_BROADCAST_VERIFIER

/// `x op c` folds to `x` when c is the splat `identity` and broadcasting
/// does not change x's type.
static OpFoldResult foldRightIdentity(Value lhs, Value rhs, Value result,
                                      double identity) {
  std::optional<double> c = splatValue(rhs);
  if (c && *c == identity && lhs.getType() == result.getType())
    return lhs;
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor) {
  return foldRightIdentity(getLhs(), getRhs(), getResult(), 0.0);
}
OpFoldResult SubOp::fold(FoldAdaptor) {
  return foldRightIdentity(getLhs(), getRhs(), getResult(), 0.0);
}
OpFoldResult MulOp::fold(FoldAdaptor) {
  return foldRightIdentity(getLhs(), getRhs(), getResult(), 1.0);
}
OpFoldResult DivOp::fold(FoldAdaptor) {
  return foldRightIdentity(getLhs(), getRhs(), getResult(), 1.0);
}

LogicalResult CmpOp::verify() {
  if (tensorType(getLhs()).getElementType() !=
      tensorType(getRhs()).getElementType())
    return emitOpError("operand element types differ");
  return verifyBroadcast(*this, {getLhs(), getRhs()}, getResult(), {});
}

LogicalResult SelectOp::verify() {
  return verifyBroadcast(*this, {getCond(), getA(), getB()}, getResult(),
                         {getA(), getB()});
}

LogicalResult ClipOp::verify() {
  return verifyBroadcast(*this, {getInput(), getLo(), getHi()}, getResult(),
                         {getInput(), getLo(), getHi()});
}

//===----------------------------------------------------------------------===//
// Products and reductions
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  ArrayRef<int64_t> a = tensorType(getLhs()).getShape();
  ArrayRef<int64_t> b = tensorType(getRhs()).getShape();
  if (a.empty() || b.empty() || a.size() > 2 || b.size() > 2)
    return emitOpError("operands must have rank 1 or 2");
  if (a.back() != b.front())
    return emitOpError("inner dimensions differ: ")
           << a.back() << " and " << b.front();
  SmallVector<int64_t> shape;
  if (a.size() == 2)
    shape.push_back(a[0]);
  if (b.size() == 2)
    shape.push_back(b[1]);
  auto rt = tensorType(getResult());
  if (rt.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result shape must be [") << shape << "]";
  if (tensorType(getLhs()).getElementType() != rt.getElementType() ||
      tensorType(getRhs()).getElementType() != rt.getElementType())
    return emitOpError("operand and result element types differ");
  return success();
}

LogicalResult ReduceOp::verify() {
  auto in = tensorType(getInput());
  auto out = tensorType(getResult());
  int64_t axis = getAxis();
  SmallVector<int64_t> shape;
  if (axis != -1) {
    if (axis < 0 || axis >= in.getRank())
      return emitOpError("axis ") << axis << " out of range for rank "
                                  << in.getRank();
    shape.assign(in.getShape().begin(), in.getShape().end());
    shape.erase(shape.begin() + axis);
  }
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result shape must be [") << shape << "]";
  if (in.getElementType() != out.getElementType())
    return emitOpError("input and result element types differ");
  return success();
}

//===----------------------------------------------------------------------===//
// Shape operations
//===----------------------------------------------------------------------===//

/// The shape `ade.slice` with these starts, stops and squeeze takes from a
/// tensor of shape `in`, or failure with a message in `error`.
static FailureOr<SmallVector<int64_t>>
slicedShape(ArrayRef<int64_t> in, ArrayRef<int64_t> starts,
            ArrayRef<int64_t> stops, ArrayRef<bool> squeeze,
            std::string &error) {
  llvm::raw_string_ostream os(error);
  if (starts.size() != stops.size() || starts.size() != squeeze.size()) {
    os << "starts, stops and squeeze must have one entry per sliced "
          "dimension";
    return failure();
  }
  if (starts.size() > in.size()) {
    os << "more sliced dimensions than the input's rank";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (size_t d = 0; d < starts.size(); ++d) {
    if (starts[d] < 0 || stops[d] > in[d] || starts[d] >= stops[d]) {
      os << "slice " << starts[d] << ":" << stops[d]
         << " out of range for dimension " << d << " of size " << in[d];
      return failure();
    }
    if (squeeze[d] && stops[d] != starts[d] + 1) {
      os << "a squeezed dimension must select one element";
      return failure();
    }
    if (!squeeze[d])
      shape.push_back(stops[d] - starts[d]);
  }
  shape.append(in.begin() + starts.size(), in.end());
  return shape;
}

LogicalResult SliceOp::verify() {
  auto in = tensorType(getInput());
  std::string error;
  FailureOr<SmallVector<int64_t>> shape = slicedShape(
      in.getShape(), getStarts(), getStops(), getSqueeze(), error);
  if (failed(shape))
    return emitOpError(error);
  auto out = tensorType(getResult());
  if (out.getShape() != ArrayRef<int64_t>(*shape) ||
      out.getElementType() != in.getElementType())
    return emitOpError("result type must be ")
           << RankedTensorType::get(*shape, in.getElementType());
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  // A slice of every element is the input.
  if (getInput().getType() == getResult().getType())
    return getInput();
  return {};
}

LogicalResult ReshapeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (in.getNumElements() != out.getNumElements() ||
      in.getElementType() != out.getElementType())
    return emitOpError("reshape must keep the element count and type");
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  if (auto constant = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return constant.reshape(cast<ShapedType>(getResult().getType()));
  // reshape(reshape(x)) = reshape(x)
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

LogicalResult TransposeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (in.getRank() != 2 || out.getRank() != 2 ||
      in.getDimSize(0) != out.getDimSize(1) ||
      in.getDimSize(1) != out.getDimSize(0) ||
      in.getElementType() != out.getElementType())
    return emitOpError("transposes a matrix [m, n] to [n, m]");
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto first = tensorType(getInputs().front());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOpError("axis out of range");
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : getInputs()) {
    auto t = tensorType(v);
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return emitOpError("inputs must have one rank and element type");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != first.getDimSize(d))
        return emitOpError("inputs differ outside the concatenation axis");
    shape[axis] += t.getDimSize(axis);
  }
  if (tensorType(getResult()).getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result shape must be [") << shape << "]";
  return success();
}

LogicalResult StackOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto first = tensorType(getInputs().front());
  SmallVector<int64_t> shape{static_cast<int64_t>(getInputs().size())};
  shape.append(first.getShape().begin(), first.getShape().end());
  if (tensorType(getResult()).getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result shape must be [") << shape << "]";
  return success();
}

static bool isSquareMatrix(RankedTensorType t) {
  return t.getRank() == 2 && t.getDimSize(0) == t.getDimSize(1);
}

LogicalResult LogAbsDetOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (!isSquareMatrix(in) || out.getRank() != 0 ||
      in.getElementType() != out.getElementType())
    return emitOpError("takes a square matrix to a scalar of its element "
                       "type");
  return success();
}

LogicalResult InverseOp::verify() {
  if (!isSquareMatrix(tensorType(getInput())) ||
      getInput().getType() != getResult().getType())
    return emitOpError("takes a square matrix to one of the same type");
  return success();
}

LogicalResult BroadcastToOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(in.getShape(), out.getShape());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != out.getShape() ||
      in.getElementType() != out.getElementType())
    return emitOpError("input ") << in << " does not broadcast to " << out;
  return success();
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  if (auto constant =
          dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return SplatElementsAttr::get(cast<ShapedType>(getResult().getType()),
                                  constant.getSplatValue<Attribute>());
  return {};
}

LogicalResult OuterOp::verify() {
  auto a = tensorType(getLhs()), b = tensorType(getRhs());
  auto out = tensorType(getResult());
  if (a.getRank() != 1 || b.getRank() != 1)
    return emitOpError("operands must be vectors");
  if (out.getShape() != ArrayRef<int64_t>{a.getDimSize(0), b.getDimSize(0)} ||
      a.getElementType() != out.getElementType() ||
      b.getElementType() != out.getElementType())
    return emitOpError("result type must be ")
           << RankedTensorType::get({a.getDimSize(0), b.getDimSize(0)},
                                    a.getElementType());
  return success();
}

LogicalResult EmbedOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  std::string error;
  FailureOr<SmallVector<int64_t>> shape = slicedShape(
      out.getShape(), getStarts(), getStops(), getSqueeze(), error);
  if (failed(shape))
    return emitOpError(error);
  if (ArrayRef<int64_t>(*shape) != in.getShape() ||
      in.getElementType() != out.getElementType())
    return emitOpError("the slice of the result type is ")
           << RankedTensorType::get(*shape, out.getElementType())
           << ", not the input type";
  return success();
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

/// The output shape of conv2d(image [c, h, w], kernels [o, c, kh, kw]).
static FailureOr<SmallVector<int64_t>>
convShape(ArrayRef<int64_t> x, ArrayRef<int64_t> w, int64_t s, int64_t p) {
  if (x.size() != 3 || w.size() != 4 || w[1] != x[0] || s < 1 || p < 0)
    return failure();
  int64_t h = x[1] + 2 * p - w[2], wd = x[2] + 2 * p - w[3];
  if (h < 0 || wd < 0)
    return failure();
  return SmallVector<int64_t>{w[0], h / s + 1, wd / s + 1};
}

/// The output shape of a k x k pooling with stride s of an image [c, h, w].
static FailureOr<SmallVector<int64_t>>
poolShape(ArrayRef<int64_t> x, int64_t k, int64_t s) {
  if (x.size() != 3 || k < 1 || s < 1 || x[1] < k || x[2] < k)
    return failure();
  return SmallVector<int64_t>{x[0], (x[1] - k) / s + 1, (x[2] - k) / s + 1};
}

LogicalResult Conv2dOp::verify() {
  auto x = tensorType(getInput()), w = tensorType(getWeight());
  if (x.getRank() != 3 || w.getRank() != 4 ||
      w.getDimSize(1) != x.getDimSize(0))
    return emitOpError("needs an image [c, h, w] and kernels [o, c, kh, kw]");
  if (getStride() < 1 || getPadding() < 0)
    return emitOpError("stride must be >= 1 and padding >= 0");
  FailureOr<SmallVector<int64_t>> shape =
      convShape(x.getShape(), w.getShape(), getStride(), getPadding());
  if (failed(shape))
    return emitOpError("kernel larger than the padded image");
  if (tensorType(getResult()).getShape() != ArrayRef<int64_t>(*shape))
    return emitOpError("result shape must be [") << *shape << "]";
  if (getBias() &&
      tensorType(getBias()).getShape() != ArrayRef<int64_t>{w.getDimSize(0)})
    return emitOpError("bias must have one element per output channel");
  return success();
}

LogicalResult Conv2dInputGradOp::verify() {
  auto u = tensorType(getCotangent()), w = tensorType(getWeight());
  auto x = tensorType(getResult());
  FailureOr<SmallVector<int64_t>> shape =
      convShape(x.getShape(), w.getShape(), getStride(), getPadding());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != u.getShape())
    return emitOpError("the convolution of the result type with the kernels "
                       "must have the cotangent's shape");
  return success();
}

LogicalResult Conv2dFilterGradOp::verify() {
  auto x = tensorType(getInput()), u = tensorType(getCotangent());
  auto w = tensorType(getResult());
  FailureOr<SmallVector<int64_t>> shape =
      convShape(x.getShape(), w.getShape(), getStride(), getPadding());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != u.getShape())
    return emitOpError("the convolution of the image with the result type "
                       "must have the cotangent's shape");
  return success();
}

LogicalResult Pool2dGradOp::verify() {
  auto x = tensorType(getInput()), u = tensorType(getCotangent());
  FailureOr<SmallVector<int64_t>> shape =
      poolShape(x.getShape(), getWindow(), getStride());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != u.getShape() ||
      getResult().getType() != x)
    return emitOpError("the cotangent must have the pooled image's shape "
                       "and the result the image's type");
  return success();
}

LogicalResult Pool2dOp::verify() {
  auto x = tensorType(getInput());
  FailureOr<SmallVector<int64_t>> shape =
      poolShape(x.getShape(), getWindow(), getStride());
  if (failed(shape))
    return emitOpError("needs an image [c, h, w] at least as large as the "
                       "window");
  if (tensorType(getResult()).getShape() != ArrayRef<int64_t>(*shape))
    return emitOpError("result shape must be [") << *shape << "]";
  return success();
}

//===----------------------------------------------------------------------===//
// Randomness and derivatives
//===----------------------------------------------------------------------===//

LogicalResult DrawOp::verify() {
  FailureOr<SmallVector<int64_t>> ab =
      broadcastShapes(tensorType(getA()).getShape(), tensorType(getB()).getShape());
  ArrayRef<int64_t> shape = tensorType(getResult()).getShape();
  if (failed(ab) || failed(broadcastShapes(*ab, shape)) ||
      *broadcastShapes(*ab, shape) != SmallVector<int64_t>(shape))
    return emitOpError("parameters must broadcast to the result shape");
  if (tensorType(getA()).getElementType() !=
          tensorType(getResult()).getElementType() ||
      tensorType(getB()).getElementType() !=
          tensorType(getResult()).getElementType())
    return emitOpError("parameter and result element types differ");
  return success();
}

LogicalResult ReportOp::verify() {
  if (tensorType(getValue()).getRank() != 0)
    return emitOpError("reports a scalar");
  if (getName().empty())
    return emitOpError("needs a name");
  return success();
}

LogicalResult DerivativeOp::verify() {
  size_t want = 1;
  switch (getKind()) {
  case DerivativeKind::vjp:
  case DerivativeKind::jvp:
  case DerivativeKind::hvp:
    want = 2;
    break;
  case DerivativeKind::hessian_trace:
    want = getArgs().size() == 2 ? 2 : 1;
    break;
  default:
    break;
  }
  if (getArgs().size() != want)
    return emitOpError("'") << stringifyDerivativeKind(getKind()) << "' takes "
                            << want << " operands";
  return success();
}

LogicalResult
DerivativeOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto fn = symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this,
                                                               getCalleeAttr());
  if (!fn)
    return emitOpError("'") << getCallee() << "' does not name a function";
  FunctionType type = fn.getFunctionType();
  if (type.getNumInputs() != 1 || type.getNumResults() != 1)
    return emitOpError("the differentiated function must take and return "
                       "one tensor");
  if (type.getInput(0) != getArgs().front().getType())
    return emitOpError("the point's type differs from the function's "
                       "argument type");
  return success();
}

LogicalResult CallOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto fn =
      symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!fn)
    return emitOpError("'") << getCallee() << "' does not name a function";
  if (fn.isExternal())
    return emitOpError("'") << getCallee()
                            << "' has no body: only defined functions are "
                               "called (and inlined or batched)";
  FunctionType type = fn.getFunctionType();
  if (!llvm::equal(type.getInputs(), getArgs().getTypes()) ||
      !llvm::equal(type.getResults(), getOutputs().getTypes()))
    return emitOpError("operand or result types differ from the callee's ")
           << type;
  if (!getParamPrefixAttr() != !getParamInstanceAttr())
    return emitOpError("'params' needs both the callee's prefix and the "
                       "instance's");
  if (!getParamPrefixAttr())
    return success();
  StringRef prefix = *getParamPrefix(), instance = *getParamInstance();
  WalkResult result = fn.walk([&](ParamOp p) {
    StringRef name = p.getName();
    if (!name.starts_with(prefix))
      return WalkResult::advance();
    std::string renamed = (instance + name.drop_front(prefix.size())).str();
    auto read = symbolTable.lookupNearestSymbolFrom<ParameterOp>(
        *this, StringAttr::get(getContext(), renamed));
    if (!read) {
      emitOpError("reads parameter '")
          << renamed << "' in place of '" << name
          << "', but no such parameter is declared";
      return WalkResult::interrupt();
    }
    if (read.getType() != p.getType()) {
      emitOpError("parameter '")
          << renamed << "' has type " << read.getType() << ", the callee's '"
          << name << "' " << p.getType();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

#define GET_OP_CLASSES
#include "ade/Dialect/Ade/IR/AdeOps.cpp.inc"
