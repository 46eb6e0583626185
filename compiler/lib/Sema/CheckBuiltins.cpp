//===- CheckBuiltins.cpp - Typing rules of the builtins -------------------===//

#include "Checker.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace ade;
using namespace ade::sema;

namespace {

tir::BuiltinOp unaryOp(Builtin b) {
  switch (b) {
  case Builtin::Exp:
    return tir::BuiltinOp::Exp;
  case Builtin::Log:
    return tir::BuiltinOp::Log;
  case Builtin::Log1p:
    return tir::BuiltinOp::Log1p;
  case Builtin::Expm1:
    return tir::BuiltinOp::Expm1;
  case Builtin::Tanh:
    return tir::BuiltinOp::Tanh;
  case Builtin::Sigmoid:
    return tir::BuiltinOp::Sigmoid;
  case Builtin::Softplus:
    return tir::BuiltinOp::Softplus;
  case Builtin::Relu:
    return tir::BuiltinOp::Relu;
  case Builtin::Elu:
    return tir::BuiltinOp::Elu;
  case Builtin::Swish:
  case Builtin::Silu:
    return tir::BuiltinOp::Swish;
  case Builtin::Sin:
    return tir::BuiltinOp::Sin;
  case Builtin::Cos:
    return tir::BuiltinOp::Cos;
  case Builtin::Sqrt:
    return tir::BuiltinOp::Sqrt;
  case Builtin::Abs:
    return tir::BuiltinOp::Abs;
  case Builtin::Square:
    return tir::BuiltinOp::Square;
  default:
    return tir::BuiltinOp::StopGradient;
  }
}

/// Compile-time value of a unary builtin at a number, if it has one.
std::optional<double> foldUnary(Builtin b, double x) {
  switch (b) {
  case Builtin::Exp:
    return std::exp(x);
  case Builtin::Log:
    return x > 0 ? std::optional(std::log(x)) : std::nullopt;
  case Builtin::Log1p:
    return x > -1 ? std::optional(std::log1p(x)) : std::nullopt;
  case Builtin::Expm1:
    return std::expm1(x);
  case Builtin::Tanh:
    return std::tanh(x);
  case Builtin::Sigmoid:
    return 1 / (1 + std::exp(-x));
  case Builtin::Softplus:
    return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
  case Builtin::Relu:
    return std::max(x, 0.0);
  case Builtin::Sin:
    return std::sin(x);
  case Builtin::Cos:
    return std::cos(x);
  case Builtin::Sqrt:
    return x >= 0 ? std::optional(std::sqrt(x)) : std::nullopt;
  case Builtin::Abs:
    return std::fabs(x);
  case Builtin::Square:
    return x * x;
  case Builtin::Identity:
  case Builtin::StopGradient:
    return x;
  default:
    return std::nullopt;
  }
}

bool anyRandom(const std::vector<const tir::Expr *> &operands) {
  for (const tir::Expr *o : operands)
    if (o->random)
      return true;
  return false;
}

} // namespace

Value Checker::callBuiltin(Builtin b, std::vector<ArgValue> args,
                           SourceRange callRange, Frame &frame) {
  std::string name = "'" + getBuiltinName(b).str() + "'";
  BuiltinKind kind = getBuiltinKind(b);

  auto make = [&](tir::Type type, tir::BuiltinOp op,
                  std::vector<const tir::Expr *> operands,
                  std::vector<int64_t> intAttrs = {}, double realAttr = 0) {
    bool random = anyRandom(operands);
    auto *e = frame.fn->create<tir::BuiltinExpr>(std::move(type), callRange,
                                                 op, std::move(operands),
                                                 std::move(intAttrs), realAttr);
    e->random = random;
    return Value::ofRuntime(e);
  };
  // A runtime float tensor argument (compile-time numbers become scalars).
  auto floatArg = [&](const ArgValue &a,
                      std::optional<tir::ScalarKind> elem =
                          {}) -> const tir::Expr * {
    if (!requireFunction(frame, callRange, (name + "(...)").c_str()))
      return nullptr;
    const tir::Expr *x = toRuntime(a.value, a.range, frame, elem);
    if (!x)
      return nullptr;
    if (!x->type.isFloat()) {
      diags.error(DiagCode::E042, a.range,
                  name + " needs a float tensor, found " + describe(a.value));
      return nullptr;
    }
    return x;
  };
  auto ctInt = [&](const ArgValue &a, const char *what,
                   int64_t min) -> std::optional<int64_t> {
    if (a.value.kind != Value::Kind::Int) {
      diags.error(DiagCode::E038, a.range,
                  std::string(what) + " of " + name +
                      " must be a compile-time integer, found " +
                      describe(a.value));
      return std::nullopt;
    }
    if (a.value.i < min) {
      diags.error(DiagCode::E034, a.range,
                  std::string(what) + " of " + name + " must be at least " +
                      std::to_string(min));
      return std::nullopt;
    }
    return a.value.i;
  };
  auto ctNumber = [&](const ArgValue &a,
                      const char *what) -> std::optional<double> {
    if (!a.value.isNumber()) {
      diags.error(DiagCode::E038, a.range,
                  std::string(what) + " of " + name +
                      " must be a compile-time number, found " +
                      describe(a.value));
      return std::nullopt;
    }
    return a.value.asReal();
  };
  auto shapeArg = [&](const ArgValue &a) -> std::optional<std::vector<int64_t>> {
    if (a.value.kind == Value::Kind::Int)
      return std::vector<int64_t>{a.value.i};
    if (a.value.kind != Value::Kind::IntList) {
      diags.error(DiagCode::E038, a.range,
                  "the shape of " + name +
                      " must be a compile-time integer list like [2, 3], "
                      "found " + describe(a.value));
      return std::nullopt;
    }
    for (int64_t d : a.value.list)
      if (d <= 0) {
        diags.error(DiagCode::E043, a.range,
                    "shape dimensions must be positive");
        return std::nullopt;
      }
    return a.value.list;
  };
  // Normalizes a reduction/concat axis against `rank`.
  auto axisArg = [&](const ArgValue &a,
                     size_t rank) -> std::optional<int64_t> {
    std::optional<int64_t> axis = ctInt(a, "the axis", INT64_MIN + 1);
    if (!axis)
      return std::nullopt;
    int64_t n = *axis < 0 ? *axis + int64_t(rank) : *axis;
    if (n < 0 || n >= int64_t(rank)) {
      diags.error(DiagCode::E045, a.range,
                  "axis " + std::to_string(*axis) +
                      " is out of range for a tensor of rank " +
                      std::to_string(rank));
      return std::nullopt;
    }
    return n;
  };

  if (kind == BuiltinKind::Derivative) {
    auto ordered = orderArgs(std::move(args), {"f"}, 1, name, callRange);
    if (!ordered)
      return Value::error();
    const ArgValue &f = (*ordered)[0];
    if (f.value.kind != Value::Kind::Fn) {
      diags.error(DiagCode::E049, f.range,
                  name + " takes a function, e.g. " + name.substr(1,
                  name.size() - 2) + "(f)(x); found " + describe(f.value));
      return Value::error();
    }
    auto ref = std::make_shared<FnRef>();
    ref->kind = FnRef::Kind::Derivative;
    ref->inner = f.value.fn;
    static const std::pair<Builtin, tir::DerivativeKind> kinds[] = {
        {Builtin::Grad, tir::DerivativeKind::Grad},
        {Builtin::Vjp, tir::DerivativeKind::Vjp},
        {Builtin::Jvp, tir::DerivativeKind::Jvp},
        {Builtin::Hvp, tir::DerivativeKind::Hvp},
        {Builtin::HessianTrace, tir::DerivativeKind::HessianTrace},
        {Builtin::Jacobian, tir::DerivativeKind::Jacobian},
    };
    for (auto [builtin, derivative] : kinds)
      if (builtin == b)
        ref->derivative = derivative;
    return Value::ofFn(ref);
  }

  if (kind == BuiltinKind::Unary) {
    auto ordered = orderArgs(std::move(args), {"x"}, 1, name, callRange);
    if (!ordered)
      return Value::error();
    const ArgValue &a = (*ordered)[0];
    if (a.value.isNumber())
      if (std::optional<double> folded = foldUnary(b, a.value.asReal()))
        return b == Builtin::Identity ? a.value : Value::ofReal(*folded);
    if (b == Builtin::Identity && a.value.kind == Value::Kind::Runtime)
      return a.value;
    const tir::Expr *x = floatArg(a);
    if (!x)
      return Value::error();
    return make(x->type, unaryOp(b), {x});
  }

  if (kind != BuiltinKind::Function) {
    diags.error(DiagCode::E039, callRange, name + " cannot be called here");
    return Value::error();
  }

  // Positional count decides between the elementwise and reduction forms
  // of min/max.
  size_t positional = 0;
  for (const ArgValue &a : args)
    positional += !a.name;

  switch (b) {
  case Builtin::LeakyRelu: {
    auto o = orderArgs(std::move(args), {"x", "alpha"}, 1, name, callRange);
    if (!o)
      return Value::error();
    double alpha = 0.01;
    if ((*o)[1].present) {
      std::optional<double> v = ctNumber((*o)[1], "the slope 'alpha'");
      if (!v)
        return Value::error();
      alpha = *v;
    }
    const tir::Expr *x = floatArg((*o)[0]);
    if (!x)
      return Value::error();
    return make(x->type, tir::BuiltinOp::LeakyRelu, {x}, {}, alpha);
  }
  case Builtin::Pow: {
    auto o = orderArgs(std::move(args), {"x", "y"}, 2, name, callRange);
    if (!o)
      return Value::error();
    return binary(ast::BinaryOp::Pow, (*o)[0].value, (*o)[1].value,
                  (*o)[0].range, (*o)[1].range, callRange, callRange, frame);
  }
  case Builtin::Min:
  case Builtin::Max:
    if (positional >= 2) {
      auto o = orderArgs(std::move(args), {"a", "b"}, 2, name, callRange);
      if (!o)
        return Value::error();
      const Value &x = (*o)[0].value, &y = (*o)[1].value;
      if (x.isNumber() && y.isNumber()) {
        if (x.kind == Value::Kind::Int && y.kind == Value::Kind::Int)
          return Value::ofInt(b == Builtin::Min ? std::min(x.i, y.i)
                                                : std::max(x.i, y.i));
        return Value::ofReal(b == Builtin::Min
                                 ? std::min(x.asReal(), y.asReal())
                                 : std::max(x.asReal(), y.asReal()));
      }
      std::optional<tir::ScalarKind> elem;
      if (x.kind == Value::Kind::Runtime)
        elem = x.expr->type.elem;
      else if (y.kind == Value::Kind::Runtime)
        elem = y.expr->type.elem;
      const tir::Expr *a = floatArg((*o)[0], elem);
      const tir::Expr *c = a ? floatArg((*o)[1], elem) : nullptr;
      if (!a || !c)
        return Value::error();
      std::optional<std::vector<int64_t>> shape =
          broadcast(a->type.shape, c->type.shape);
      if (!shape || a->type.elem != c->type.elem) {
        diags.error(DiagCode::E030, callRange,
                    name + ": arguments " + a->type.str() + " and " +
                        c->type.str() + " do not broadcast");
        return Value::error();
      }
      return make(tir::Type::tensor(a->type.elem, *shape),
                  b == Builtin::Min ? tir::BuiltinOp::Minimum
                                    : tir::BuiltinOp::Maximum,
                  {a, c});
    }
    [[fallthrough]];
  case Builtin::Sum:
  case Builtin::Mean:
  case Builtin::LogSumExp:
  case Builtin::Norm: {
    auto o = orderArgs(std::move(args), {"x", "axis"}, 1, name, callRange);
    if (!o)
      return Value::error();
    const tir::Expr *x = floatArg((*o)[0]);
    if (!x)
      return Value::error();
    int64_t axis = -1;
    std::vector<int64_t> shape;
    if ((*o)[1].present) {
      std::optional<int64_t> a = axisArg((*o)[1], x->type.shape.size());
      if (!a)
        return Value::error();
      axis = *a;
      shape = x->type.shape;
      shape.erase(shape.begin() + axis);
    }
    tir::BuiltinOp op = b == Builtin::Sum         ? tir::BuiltinOp::Sum
                        : b == Builtin::Mean      ? tir::BuiltinOp::Mean
                        : b == Builtin::LogSumExp ? tir::BuiltinOp::LogSumExp
                        : b == Builtin::Norm      ? tir::BuiltinOp::Norm
                        : b == Builtin::Min       ? tir::BuiltinOp::ReduceMin
                                                  : tir::BuiltinOp::ReduceMax;
    return make(tir::Type::tensor(x->type.elem, std::move(shape)), op, {x},
                {axis});
  }
  case Builtin::Clip:
  case Builtin::Select: {
    bool isSelect = b == Builtin::Select;
    auto o = orderArgs(std::move(args),
                       isSelect ? std::vector<std::string>{"cond", "a", "b"}
                                : std::vector<std::string>{"x", "lo", "hi"},
                       3, name, callRange);
    if (!o)
      return Value::error();
    if (!requireFunction(frame, callRange, (name + "(...)").c_str()))
      return Value::error();
    std::optional<tir::ScalarKind> elem;
    for (size_t i = isSelect ? 1 : 0; i < 3; ++i)
      if ((*o)[i].value.kind == Value::Kind::Runtime)
        elem = (*o)[i].value.expr->type.elem;
    std::vector<const tir::Expr *> operands;
    for (size_t i = 0; i < 3; ++i) {
      const tir::Expr *x =
          toRuntime((*o)[i].value, (*o)[i].range, frame,
                    isSelect && i == 0 ? std::nullopt : elem);
      if (!x)
        return Value::error();
      bool wantBool = isSelect && i == 0;
      if (x->type.isTuple ||
          (x->type.elem == tir::ScalarKind::Bool) != wantBool) {
        diags.error(DiagCode::E034, (*o)[i].range,
                    name + ": argument " + std::to_string(i + 1) +
                        (wantBool ? " must be a boolean tensor (a comparison)"
                                  : " must be a float tensor") +
                        ", found " + x->type.str());
        return Value::error();
      }
      operands.push_back(x);
    }
    std::optional<std::vector<int64_t>> shape = operands[0]->type.shape;
    for (size_t i = 1; i < 3 && shape; ++i)
      shape = broadcast(*shape, operands[i]->type.shape);
    size_t first = isSelect ? 1 : 0;
    if (!shape || operands[first]->type.elem != operands[2]->type.elem ||
        operands[first]->type.elem != operands[1]->type.elem ||
        (isSelect && operands[1]->type.elem != operands[2]->type.elem)) {
      diags.error(DiagCode::E030, callRange,
                  name + ": arguments " + operands[0]->type.str() + ", " +
                      operands[1]->type.str() + " and " +
                      operands[2]->type.str() +
                      " do not broadcast to one type");
      return Value::error();
    }
    tir::ScalarKind resultElem = operands[isSelect ? 1 : 0]->type.elem;
    return make(tir::Type::tensor(resultElem, *shape),
                isSelect ? tir::BuiltinOp::Select : tir::BuiltinOp::Clip,
                std::move(operands));
  }
  case Builtin::Dot: {
    auto o = orderArgs(std::move(args), {"a", "b"}, 2, name, callRange);
    if (!o)
      return Value::error();
    const tir::Expr *a = floatArg((*o)[0]);
    const tir::Expr *c = a ? floatArg((*o)[1], a->type.elem) : nullptr;
    if (!a || !c)
      return Value::error();
    if (a->type.shape.size() != 1 || a->type != c->type) {
      diags.error(DiagCode::E031, callRange,
                  name + " needs two vectors of the same length and type, "
                  "found " + a->type.str() + " and " + c->type.str());
      return Value::error();
    }
    return make(tir::Type::tensor(a->type.elem, {}), tir::BuiltinOp::Dot,
                {a, c});
  }
  case Builtin::Concat: {
    std::vector<const tir::Expr *> parts;
    std::optional<ArgValue> axisValue;
    for (ArgValue &a : args) {
      if (a.name && *a.name == "axis") {
        axisValue = a;
        continue;
      }
      if (a.name) {
        diags.error(DiagCode::E035, a.range,
                    name + " has no argument named '" + *a.name +
                        "'; it takes tensors and 'axis'");
        return Value::error();
      }
      const tir::Expr *x = floatArg(a);
      if (!x)
        return Value::error();
      parts.push_back(x);
    }
    if (parts.empty()) {
      diags.error(DiagCode::E033, callRange,
                  name + " needs at least one tensor");
      return Value::error();
    }
    size_t rank = parts[0]->type.shape.size();
    if (rank == 0) {
      diags.error(DiagCode::E047, callRange,
                  name + " joins tensors of rank 1 or more; use [a, b] to "
                  "stack scalars");
      return Value::error();
    }
    int64_t axis = 0;
    if (axisValue) {
      std::optional<int64_t> a = axisArg(*axisValue, rank);
      if (!a)
        return Value::error();
      axis = *a;
    }
    std::vector<int64_t> shape = parts[0]->type.shape;
    shape[axis] = 0;
    for (const tir::Expr *p : parts) {
      bool ok = p->type.shape.size() == rank &&
                p->type.elem == parts[0]->type.elem;
      for (size_t d = 0; ok && d < rank; ++d)
        ok = int64_t(d) == axis || p->type.shape[d] == parts[0]->type.shape[d];
      if (!ok) {
        diags.error(DiagCode::E047, callRange,
                    name + ": " + p->type.str() + " does not fit " +
                        parts[0]->type.str() + " along axis " +
                        std::to_string(axis));
        return Value::error();
      }
      shape[axis] += p->type.shape[axis];
    }
    return make(tir::Type::tensor(parts[0]->type.elem, std::move(shape)),
                tir::BuiltinOp::Concat, std::move(parts), {axis});
  }
  case Builtin::Reshape:
  case Builtin::Flatten: {
    bool flat = b == Builtin::Flatten;
    auto o = orderArgs(std::move(args),
                       flat ? std::vector<std::string>{"x"}
                            : std::vector<std::string>{"x", "shape"},
                       flat ? 1 : 2, name, callRange);
    if (!o)
      return Value::error();
    const tir::Expr *x = floatArg((*o)[0]);
    if (!x)
      return Value::error();
    std::vector<int64_t> shape{x->type.numElements()};
    if (!flat) {
      std::optional<std::vector<int64_t>> s = shapeArg((*o)[1]);
      if (!s)
        return Value::error();
      shape = *s;
    }
    tir::Type result = tir::Type::tensor(x->type.elem, shape);
    if (result.numElements() != x->type.numElements()) {
      diags.error(DiagCode::E047, callRange,
                  name + ": cannot reshape " + x->type.str() + " (" +
                      std::to_string(x->type.numElements()) +
                      " elements) to " + result.str() + " (" +
                      std::to_string(result.numElements()) + ")");
      return Value::error();
    }
    return make(std::move(result), tir::BuiltinOp::Reshape, {x});
  }
  case Builtin::Transpose: {
    auto o = orderArgs(std::move(args), {"x"}, 1, name, callRange);
    if (!o)
      return Value::error();
    const tir::Expr *x = floatArg((*o)[0]);
    if (!x)
      return Value::error();
    if (x->type.shape.size() != 2) {
      diags.error(DiagCode::E042, (*o)[0].range,
                  name + " needs a matrix, found " + x->type.str());
      return Value::error();
    }
    return make(tir::Type::tensor(x->type.elem,
                                  {x->type.shape[1], x->type.shape[0]}),
                tir::BuiltinOp::Transpose, {x});
  }
  case Builtin::Zeros:
  case Builtin::Ones:
  case Builtin::Full: {
    bool full = b == Builtin::Full;
    auto o = orderArgs(std::move(args),
                       full ? std::vector<std::string>{"shape", "value"}
                            : std::vector<std::string>{"shape"},
                       full ? 2 : 1, name, callRange);
    if (!o)
      return Value::error();
    std::optional<std::vector<int64_t>> shape = shapeArg((*o)[0]);
    if (!shape)
      return Value::error();
    double value = b == Builtin::Ones ? 1 : 0;
    if (full) {
      std::optional<double> v = ctNumber((*o)[1], "the value");
      if (!v)
        return Value::error();
      value = *v;
    }
    if (!requireFunction(frame, callRange, (name + "(...)").c_str()))
      return Value::error();
    tir::Type type = tir::Type::tensor(floatElem(), *shape);
    if (type.numElements() > (int64_t(1) << 32)) {
      diags.error(DiagCode::E043, callRange, name + ": tensor too large");
      return Value::error();
    }
    return Value::ofRuntime(
        constant(std::move(type), {value}, callRange, frame));
  }
  case Builtin::Conv2d: {
    auto o = orderArgs(std::move(args),
                       {"x", "w", "b", "stride", "padding"}, 2, name,
                       callRange);
    if (!o)
      return Value::error();
    const tir::Expr *x = floatArg((*o)[0]);
    const tir::Expr *w = x ? floatArg((*o)[1], x->type.elem) : nullptr;
    if (!x || !w)
      return Value::error();
    int64_t stride = 1, padding = 0;
    const tir::Expr *bias = nullptr;
    if ((*o)[2].present) {
      bias = floatArg((*o)[2], x->type.elem);
      if (!bias)
        return Value::error();
    }
    if ((*o)[3].present) {
      std::optional<int64_t> s = ctInt((*o)[3], "the stride", 1);
      if (!s)
        return Value::error();
      stride = *s;
    }
    if ((*o)[4].present) {
      std::optional<int64_t> p = ctInt((*o)[4], "the padding", 0);
      if (!p)
        return Value::error();
      padding = *p;
    }
    const auto &xs = x->type.shape, &ws = w->type.shape;
    if (xs.size() != 3 || ws.size() != 4 || ws[1] != xs[0] ||
        x->type.elem != w->type.elem) {
      diags.error(DiagCode::E048, callRange,
                  name + " needs an image [c, h, w] and weights "
                  "[out, c, kh, kw] with the same c; found " +
                      x->type.str() + " and " + w->type.str());
      return Value::error();
    }
    if (bias && bias->type != tir::Type::tensor(x->type.elem, {ws[0]})) {
      diags.error(DiagCode::E048, (*o)[2].range,
                  name + ": the bias must have type " +
                      tir::Type::tensor(x->type.elem, {ws[0]}).str() +
                      ", found " + bias->type.str());
      return Value::error();
    }
    int64_t h = (xs[1] + 2 * padding - ws[2]) / stride + 1;
    int64_t wd = (xs[2] + 2 * padding - ws[3]) / stride + 1;
    if (xs[1] + 2 * padding < ws[2] || xs[2] + 2 * padding < ws[3]) {
      diags.error(DiagCode::E048, callRange,
                  name + ": the kernel " + std::to_string(ws[2]) + "x" +
                      std::to_string(ws[3]) + " is larger than the padded "
                      "image " + std::to_string(xs[1] + 2 * padding) + "x" +
                      std::to_string(xs[2] + 2 * padding));
      return Value::error();
    }
    std::vector<const tir::Expr *> operands{x, w};
    if (bias)
      operands.push_back(bias);
    return make(tir::Type::tensor(x->type.elem, {ws[0], h, wd}),
                tir::BuiltinOp::Conv2d, std::move(operands),
                {stride, padding});
  }
  case Builtin::AvgPool2d:
  case Builtin::MaxPool2d: {
    auto o = orderArgs(std::move(args), {"x", "size", "stride"}, 2, name,
                       callRange);
    if (!o)
      return Value::error();
    const tir::Expr *x = floatArg((*o)[0]);
    if (!x)
      return Value::error();
    std::optional<int64_t> size = ctInt((*o)[1], "the window size", 1);
    if (!size)
      return Value::error();
    int64_t stride = *size;
    if ((*o)[2].present) {
      std::optional<int64_t> s = ctInt((*o)[2], "the stride", 1);
      if (!s)
        return Value::error();
      stride = *s;
    }
    const auto &xs = x->type.shape;
    if (xs.size() != 3 || xs[1] < *size || xs[2] < *size) {
      diags.error(DiagCode::E048, callRange,
                  name + " needs an image [c, h, w] at least as large as "
                  "the window " + std::to_string(*size) + "x" +
                      std::to_string(*size) + ", found " + x->type.str());
      return Value::error();
    }
    return make(tir::Type::tensor(x->type.elem,
                                  {xs[0], (xs[1] - *size) / stride + 1,
                                   (xs[2] - *size) / stride + 1}),
                b == Builtin::AvgPool2d ? tir::BuiltinOp::AvgPool2d
                                        : tir::BuiltinOp::MaxPool2d,
                {x}, {*size, stride});
  }
  case Builtin::Len: {
    auto o = orderArgs(std::move(args), {"x"}, 1, name, callRange);
    if (!o)
      return Value::error();
    const Value &v = (*o)[0].value;
    if (v.kind == Value::Kind::IntList)
      return Value::ofInt(v.list.size());
    if (v.kind == Value::Kind::Tuple)
      return Value::ofInt(v.elems.size());
    if (v.kind == Value::Kind::Runtime && v.expr->type.isTuple)
      return Value::ofInt(v.expr->type.elems.size());
    if (v.kind == Value::Kind::Runtime && !v.expr->type.shape.empty())
      return Value::ofInt(v.expr->type.shape[0]);
    if (v.kind == Value::Kind::InstanceArray)
      return Value::ofInt(v.array->size());
    diags.error(DiagCode::E042, (*o)[0].range,
                name + " needs a list, a tuple, a component array or a "
                "tensor of rank 1 or more, found " + describe(v));
    return Value::error();
  }
  case Builtin::Idiv: {
    auto o = orderArgs(std::move(args), {"a", "b"}, 2, name, callRange);
    if (!o)
      return Value::error();
    std::optional<int64_t> a = ctInt((*o)[0], "the dividend", INT64_MIN + 1);
    std::optional<int64_t> c = a ? ctInt((*o)[1], "the divisor", INT64_MIN + 1)
                                 : std::nullopt;
    if (!a || !c)
      return Value::error();
    if (*c == 0) {
      diags.error(DiagCode::E046, (*o)[1].range,
                  "compile-time division by zero");
      return Value::error();
    }
    int64_t q = *a / *c;
    if ((*a % *c != 0) && ((*a < 0) != (*c < 0)))
      --q; // Round toward negative infinity, as Python's //.
    return Value::ofInt(q);
  }
  default:
    break;
  }
  diags.error(DiagCode::E039, callRange, name + " cannot be called here");
  return Value::error();
}

Value Checker::evalDraw(const ast::DrawStmt &s, Frame &frame) {
  const auto *call = llvm::dyn_cast<ast::CallExpr>(s.dist.get());
  const auto *callee =
      call ? llvm::dyn_cast<ast::NameExpr>(call->callee.get()) : nullptr;
  std::optional<Builtin> b;
  if (callee && callee->symbol.kind == ast::Symbol::Kind::Builtin)
    b = lookupBuiltin(callee->name);
  if (!b || getBuiltinKind(*b) != BuiltinKind::Distribution) {
    if (!callee || callee->symbol.kind != ast::Symbol::Kind::Unresolved)
      diags.error(DiagCode::E070, s.dist->range,
                  "the right side of '~' must be a distribution: "
                  "normal(mean, std, shape) or uniform(low, high, shape)");
    return Value::error();
  }
  bool isNormal = *b == Builtin::Normal;
  std::string name = "'" + callee->name + "'";
  std::vector<ArgValue> args = evalArgs(call->args, frame);
  for (const ArgValue &a : args)
    if (a.value.isError())
      return Value::error();
  auto o = orderArgs(std::move(args),
                     isNormal
                         ? std::vector<std::string>{"mean", "std", "shape"}
                         : std::vector<std::string>{"low", "high", "shape"},
                     2, name, call->range);
  if (!o)
    return Value::error();

  std::optional<std::vector<int64_t>> shape;
  if ((*o)[2].present) {
    const ArgValue &a = (*o)[2];
    if (a.value.kind == Value::Kind::Int)
      shape = std::vector<int64_t>{a.value.i};
    else if (a.value.kind == Value::Kind::IntList)
      shape = a.value.list;
    if (!shape || llvm::any_of(*shape, [](int64_t d) { return d <= 0; })) {
      diags.error(DiagCode::E043, a.range,
                  "the shape of a draw must be a list of positive "
                  "compile-time integers, like [2]");
      return Value::error();
    }
  }
  // Compile-time parameters are checked here; runtime ones at run time.
  const Value &p0 = (*o)[0].value, &p1 = (*o)[1].value;
  if (isNormal && p1.isNumber() && p1.asReal() <= 0) {
    diags.error(DiagCode::E034, (*o)[1].range,
                "the standard deviation of 'normal' must be positive");
    return Value::error();
  }
  if (!isNormal && p0.isNumber() && p1.isNumber() &&
      p0.asReal() >= p1.asReal()) {
    diags.error(DiagCode::E034, (*o)[1].range,
                "'uniform' needs low < high");
    return Value::error();
  }
  std::optional<tir::ScalarKind> elem;
  for (const Value *p : {&p0, &p1})
    if (p->kind == Value::Kind::Runtime && !p->expr->type.isTuple)
      elem = p->expr->type.elem;
  std::vector<const tir::Expr *> params;
  for (size_t i = 0; i < 2; ++i) {
    const tir::Expr *x = toRuntime((*o)[i].value, (*o)[i].range, frame, elem);
    if (!x)
      return Value::error();
    if (!x->type.isFloat()) {
      diags.error(DiagCode::E034, (*o)[i].range,
                  name + ": parameters must be float tensors, found " +
                      x->type.str());
      return Value::error();
    }
    params.push_back(x);
  }
  std::optional<std::vector<int64_t>> broadcasted =
      broadcast(params[0]->type.shape, params[1]->type.shape);
  if (broadcasted && shape)
    broadcasted = broadcast(*broadcasted, *shape);
  if (!broadcasted || (shape && *broadcasted != *shape) ||
      params[0]->type.elem != params[1]->type.elem) {
    diags.error(DiagCode::E030, call->range,
                name + ": parameters " + params[0]->type.str() + " and " +
                    params[1]->type.str() + " do not broadcast to the " +
                    "shape of the draw");
    return Value::error();
  }
  countBinding(s.range);
  tir::Type type = tir::Type::tensor(params[0]->type.elem, *broadcasted);
  unsigned slot = addLocal(frame, s.name.name, type, s.name.range,
                           /*random=*/true);
  tir::Binding binding;
  binding.kind = tir::Binding::Kind::Draw;
  binding.slot = slot;
  binding.dist =
      isNormal ? tir::Distribution::Normal : tir::Distribution::Uniform;
  binding.distArgs = std::move(params);
  binding.range = s.range;
  frame.fn->body.push_back(std::move(binding));
  if (!frame.fn->hasDraws) {
    frame.fn->hasDraws = true;
    frame.fn->firstDraw = s.range;
  }
  auto *ref = frame.fn->create<tir::LocalRefExpr>(type, s.name.range, slot);
  ref->random = true;
  return Value::ofRuntime(ref);
}

void Checker::evalReport(const ast::ReportStmt &s, Frame &frame) {
  Value value = eval(*s.value, frame);
  if (value.isError())
    return;
  const tir::Expr *x = toRuntime(value, s.value->range, frame);
  if (!x)
    return;
  if (!x->type.isScalar()) {
    diags
        .error(DiagCode::E075, s.value->range,
               "'report' needs a scalar real or bool, found " + x->type.str())
        .help("reduce it first, e.g. 'report " + s.name.name + " = mean(...)'");
    return;
  }
  countBinding(s.range);
  tir::Binding binding;
  binding.kind = tir::Binding::Kind::Report;
  binding.value = x;
  binding.reportName = s.name.name;
  binding.range = s.range;
  frame.fn->body.push_back(std::move(binding));
  if (!frame.fn->hasReports) {
    frame.fn->hasReports = true;
    frame.fn->firstReport = s.range;
  }
}
