//===- MLIRGen.cpp - Typed IR to the ade dialect --------------------------===//

#include "ade/MLIRGen/MLIRGen.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <map>

using namespace mlir;
using namespace ade;

namespace {

/// Owner ("Moons", "Langevin5") and buffer offset of every parameter.
struct ParameterLayout {
  std::vector<std::string> owner;
  std::vector<int64_t> offset;

  explicit ParameterLayout(const tir::Program &p)
      : owner(p.params.size()), offset(tir::computeParamOffsets(p)) {
    for (const tir::Model &m : p.models)
      for (unsigned i : m.params)
        owner[i] = m.name;
    for (const tir::Sampler &s : p.samplers)
      for (unsigned i : s.params)
        owner[i] = s.name;
  }
};

class Generator {
public:
  Generator(MLIRContext &ctx, const tir::Program &program,
            const SourceManager &sm)
      : ctx(ctx), program(program), sm(sm), builder(&ctx), layout(program) {}

  OwningOpRef<ModuleOp> run() {
    module = ModuleOp::create(UnknownLoc::get(&ctx));
    builder.setInsertionPointToEnd(module->getBody());
    for (unsigned i = 0; i < program.params.size(); ++i) {
      const tir::Param &p = program.params[i];
      if (layout.owner[i].empty())
        continue; // Belongs to a model or sampler that failed to check.
      ParameterOp::create(builder, loc(p.range), symbol(i),
                          tensorType(p.type), layout.owner[i],
                          layout.offset[i]);
    }
    for (const auto &f : program.functions)
      declare(*f);
    for (const auto &f : program.functions)
      define(*f);
    // Log-densities and samplers are the roots: public, so that inlining
    // (which deletes unused private functions) keeps them.
    for (const tir::Model &m : program.models) {
      func::FuncOp f = functions[m.logDensity];
      f->setAttr("ade.log_density", builder.getStringAttr(m.name));
      f.setPublic();
    }
    for (const tir::Sampler &s : program.samplers) {
      func::FuncOp f = functions[s.sample];
      f->setAttr("ade.sample", builder.getStringAttr(s.name));
      f->setAttr("ade.model",
                 builder.getStringAttr(program.models[s.model].name));
      f.setPublic();
    }
    return std::move(module);
  }

  std::string symbol(unsigned param) const {
    return layout.owner[param] + "/" + program.params[param].name;
  }

private:
  Location loc(SourceRange r) {
    if (!r.isValid())
      return UnknownLoc::get(&ctx);
    return FileLineColLoc::get(&ctx, sm.getPath(r.begin.file), r.begin.line,
                               r.begin.col);
  }

  Type elementType(tir::ScalarKind k) {
    switch (k) {
    case tir::ScalarKind::F32:
      return builder.getF32Type();
    case tir::ScalarKind::F64:
      return builder.getF64Type();
    case tir::ScalarKind::Bool:
      return builder.getI1Type();
    }
    return builder.getF32Type();
  }

  RankedTensorType tensorType(const tir::Type &t) {
    return RankedTensorType::get(t.shape, elementType(t.elem));
  }

  /// Tuples flatten to their tensors, depth-first.
  void flatten(const tir::Type &t, SmallVectorImpl<Type> &out) {
    if (!t.isTuple) {
      out.push_back(tensorType(t));
      return;
    }
    for (const tir::Type &e : t.elems)
      flatten(e, out);
  }
  static unsigned flatCount(const tir::Type &t) {
    if (!t.isTuple)
      return 1;
    unsigned n = 0;
    for (const tir::Type &e : t.elems)
      n += flatCount(e);
    return n;
  }

  void declare(const tir::Function &f) {
    SmallVector<Type> inputs, results;
    for (unsigned i = 0; i < f.numArgs; ++i)
      flatten(f.locals[i].type, inputs);
    flatten(f.getResultType(), results);
    auto fn = func::FuncOp::create(builder, loc(f.range), f.name,
                                   builder.getFunctionType(inputs, results));
    fn.setPrivate();
    functions[&f] = fn;
  }

  void define(const tir::Function &f) {
    func::FuncOp fn = functions[&f];
    Block *entry = fn.addEntryBlock();
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(entry);
    slots.clear();
    unsigned arg = 0;
    for (unsigned i = 0; i < f.numArgs; ++i) {
      unsigned n = flatCount(f.locals[i].type);
      SmallVector<Value> values;
      for (unsigned k = 0; k < n; ++k)
        values.push_back(entry->getArgument(arg++));
      slots[i] = values;
    }
    for (const tir::Binding &b : f.body) {
      if (b.kind == tir::Binding::Kind::Draw) {
        const tir::Local &local = f.locals[b.slot];
        Value a = emit(*b.distArgs[0])[0], c = emit(*b.distArgs[1])[0];
        Value draw = DrawOp::create(
            builder, loc(b.range), tensorType(local.type),
            b.dist == tir::Distribution::Normal ? Distribution::normal
                                                : Distribution::uniform,
            a, c, builder.getStringAttr(local.name));
        slots[b.slot] = {draw};
        continue;
      }
      if (b.kind == tir::Binding::Kind::Report) {
        ReportOp::create(builder, loc(b.range),
                         builder.getStringAttr(b.reportName),
                         emit(*b.value)[0]);
        continue;
      }
      slots[b.slot] = emit(*b.value);
    }
    func::ReturnOp::create(builder, loc(f.result->range), emit(*f.result));
  }

  Value constant(const tir::ConstantExpr &c) {
    RankedTensorType type = tensorType(c.type);
    Attribute attr;
    if (c.type.elem == tir::ScalarKind::Bool) {
      SmallVector<bool> values;
      for (double v : c.values)
        values.push_back(v != 0);
      attr = c.values.size() == 1
                 ? DenseElementsAttr::get(type, values[0])
                 : DenseElementsAttr::get(type, ArrayRef<bool>(values));
    } else if (c.type.elem == tir::ScalarKind::F32) {
      SmallVector<float> values(c.values.begin(), c.values.end());
      attr = c.values.size() == 1
                 ? DenseElementsAttr::get(type, values[0])
                 : DenseElementsAttr::get(type, ArrayRef<float>(values));
    } else {
      attr = c.values.size() == 1
                 ? DenseElementsAttr::get(type, c.values[0])
                 : DenseElementsAttr::get(type, ArrayRef<double>(c.values));
    }
    return arith::ConstantOp::create(builder, loc(c.range),
                                     cast<TypedAttr>(attr));
  }

  SmallVector<Value> emit(const tir::Expr &e) {
    Location l = loc(e.range);
    switch (e.getKind()) {
    case tir::Expr::Kind::Constant:
      return {constant(llvm::cast<tir::ConstantExpr>(e))};
    case tir::Expr::Kind::ParamRef: {
      auto &p = llvm::cast<tir::ParamRefExpr>(e);
      return {ParamOp::create(builder, l, tensorType(e.type),
                              FlatSymbolRefAttr::get(&ctx, symbol(p.index)))};
    }
    case tir::Expr::Kind::LocalRef:
      return slots.at(llvm::cast<tir::LocalRefExpr>(e).slot);
    case tir::Expr::Kind::Unary: {
      auto &u = llvm::cast<tir::UnaryExpr>(e);
      Value x = emit(*u.operand)[0];
      if (u.op == tir::UnaryKind::Neg)
        return {NegOp::create(builder, l, x)};
      return {NotOp::create(builder, l, x)};
    }
    case tir::Expr::Kind::Binary:
      return {binary(llvm::cast<tir::BinaryExpr>(e))};
    case tir::Expr::Kind::Builtin:
      return {builtin(llvm::cast<tir::BuiltinExpr>(e))};
    case tir::Expr::Kind::Call: {
      auto &c = llvm::cast<tir::CallExpr>(e);
      SmallVector<Value> args;
      for (const tir::Expr *a : c.args)
        llvm::append_range(args, emit(*a));
      func::FuncOp callee = functions.at(c.callee);
      auto call = func::CallOp::create(builder, l, callee, args);
      return SmallVector<Value>(call.getResults());
    }
    case tir::Expr::Kind::Derivative: {
      auto &d = llvm::cast<tir::DerivativeExpr>(e);
      SmallVector<Value> args;
      for (const tir::Expr *a : d.args)
        args.push_back(emit(*a)[0]);
      static const DerivativeKind kinds[] = {
          DerivativeKind::grad, DerivativeKind::vjp, DerivativeKind::jvp,
          DerivativeKind::hvp, DerivativeKind::hessian_trace,
          DerivativeKind::jacobian};
      return {DerivativeOp::create(
          builder, l, tensorType(e.type), kinds[static_cast<int>(d.kind)],
          functions.at(d.target).getSymName(), args)};
    }
    case tir::Expr::Kind::Subscript: {
      auto &s = llvm::cast<tir::SubscriptExpr>(e);
      SmallVector<int64_t> starts, stops;
      SmallVector<bool> squeeze;
      for (const tir::SubscriptExpr::Item &item : s.items) {
        starts.push_back(item.start);
        stops.push_back(item.stop);
        squeeze.push_back(!item.isSlice);
      }
      return {SliceOp::create(builder, l, tensorType(e.type),
                              emit(*s.base)[0], starts, stops, squeeze)};
    }
    case tir::Expr::Kind::Stack: {
      SmallVector<Value> parts;
      for (const tir::Expr *x : llvm::cast<tir::StackExpr>(e).elems)
        parts.push_back(emit(*x)[0]);
      return {StackOp::create(builder, l, tensorType(e.type), parts)};
    }
    case tir::Expr::Kind::MakeTuple: {
      SmallVector<Value> parts;
      for (const tir::Expr *x : llvm::cast<tir::MakeTupleExpr>(e).elems)
        llvm::append_range(parts, emit(*x));
      return parts;
    }
    case tir::Expr::Kind::TupleGet: {
      auto &g = llvm::cast<tir::TupleGetExpr>(e);
      SmallVector<Value> all = emit(*g.tuple);
      unsigned begin = 0;
      for (unsigned i = 0; i < g.index; ++i)
        begin += flatCount(g.tuple->type.elems[i]);
      unsigned n = flatCount(g.tuple->type.elems[g.index]);
      return SmallVector<Value>(all.begin() + begin, all.begin() + begin + n);
    }
    case tir::Expr::Kind::Cast: {
      auto &c = llvm::cast<tir::CastExpr>(e);
      return {CastOp::create(builder, l, tensorType(e.type),
                             emit(*c.operand)[0])};
    }
    }
    return {};
  }

  Value binary(const tir::BinaryExpr &b) {
    Location l = loc(b.range);
    Value x = emit(*b.lhs)[0], y = emit(*b.rhs)[0];
    Type t = tensorType(b.type);
    switch (b.op) {
    case tir::BinaryKind::Add:
      return AddOp::create(builder, l, t, x, y);
    case tir::BinaryKind::Sub:
      return SubOp::create(builder, l, t, x, y);
    case tir::BinaryKind::Mul:
      return MulOp::create(builder, l, t, x, y);
    case tir::BinaryKind::Div:
      return DivOp::create(builder, l, t, x, y);
    case tir::BinaryKind::Pow:
      return PowOp::create(builder, l, t, x, y);
    case tir::BinaryKind::MatMul:
      return MatmulOp::create(builder, l, t, x, y);
    case tir::BinaryKind::And:
      return AndOp::create(builder, l, t, x, y);
    case tir::BinaryKind::Or:
      return OrOp::create(builder, l, t, x, y);
    case tir::BinaryKind::Lt:
      return CmpOp::create(builder, l, t, CmpPredicate::lt, x, y);
    case tir::BinaryKind::Le:
      return CmpOp::create(builder, l, t, CmpPredicate::le, x, y);
    case tir::BinaryKind::Gt:
      return CmpOp::create(builder, l, t, CmpPredicate::gt, x, y);
    case tir::BinaryKind::Ge:
      return CmpOp::create(builder, l, t, CmpPredicate::ge, x, y);
    case tir::BinaryKind::Eq:
      return CmpOp::create(builder, l, t, CmpPredicate::eq, x, y);
    case tir::BinaryKind::Ne:
      return CmpOp::create(builder, l, t, CmpPredicate::ne, x, y);
    }
    return {};
  }

  Value builtin(const tir::BuiltinExpr &b) {
    Location l = loc(b.range);
    Type t = tensorType(b.type);
    SmallVector<Value> ops;
    for (const tir::Expr *o : b.operands)
      ops.push_back(emit(*o)[0]);
    using Op = tir::BuiltinOp;
    auto reduce = [&](ReduceKind kind) -> Value {
      return ReduceOp::create(builder, l, t, kind, ops[0], b.intAttrs[0]);
    };
    switch (b.op) {
    case Op::Exp:
      return ExpOp::create(builder, l, ops[0]);
    case Op::Log:
      return LogOp::create(builder, l, ops[0]);
    case Op::Log1p:
      return Log1pOp::create(builder, l, ops[0]);
    case Op::Expm1:
      return Expm1Op::create(builder, l, ops[0]);
    case Op::Tanh:
      return TanhOp::create(builder, l, ops[0]);
    case Op::Sigmoid:
      return SigmoidOp::create(builder, l, ops[0]);
    case Op::Softplus:
      return SoftplusOp::create(builder, l, ops[0]);
    case Op::Relu:
      return ReluOp::create(builder, l, ops[0]);
    case Op::LeakyRelu:
      return LeakyReluOp::create(builder, l, ops[0],
                                 builder.getF64FloatAttr(b.realAttr));
    case Op::Elu:
      return EluOp::create(builder, l, ops[0]);
    case Op::Swish:
      return SwishOp::create(builder, l, ops[0]);
    case Op::Sin:
      return SinOp::create(builder, l, ops[0]);
    case Op::Cos:
      return CosOp::create(builder, l, ops[0]);
    case Op::Sqrt:
      return SqrtOp::create(builder, l, ops[0]);
    case Op::Abs:
      return AbsOp::create(builder, l, ops[0]);
    case Op::Square:
      return SquareOp::create(builder, l, ops[0]);
    case Op::StopGradient:
      return StopGradientOp::create(builder, l, ops[0]);
    case Op::Minimum:
      return MinimumOp::create(builder, l, t, ops[0], ops[1]);
    case Op::Maximum:
      return MaximumOp::create(builder, l, t, ops[0], ops[1]);
    case Op::Clip:
      return ClipOp::create(builder, l, t, ops[0], ops[1], ops[2]);
    case Op::Select:
      return SelectOp::create(builder, l, t, ops[0], ops[1], ops[2]);
    case Op::Sum:
      return reduce(ReduceKind::sum);
    case Op::Mean:
      return reduce(ReduceKind::mean);
    case Op::ReduceMax:
      return reduce(ReduceKind::max);
    case Op::ReduceMin:
      return reduce(ReduceKind::min);
    case Op::LogSumExp:
      return reduce(ReduceKind::logsumexp);
    case Op::Norm:
      return reduce(ReduceKind::norm);
    case Op::Dot:
      return MatmulOp::create(builder, l, t, ops[0], ops[1]);
    case Op::Concat:
      return ConcatOp::create(builder, l, t, ops, b.intAttrs[0]);
    case Op::Reshape:
      return ReshapeOp::create(builder, l, t, ops[0]);
    case Op::Transpose:
      return TransposeOp::create(builder, l, t, ops[0]);
    case Op::Conv2d:
      return Conv2dOp::create(builder, l, t, ops[0], ops[1],
                              ops.size() > 2 ? ops[2] : Value(),
                              b.intAttrs[0], b.intAttrs[1]);
    case Op::AvgPool2d:
    case Op::MaxPool2d:
      return Pool2dOp::create(builder, l, t,
                              b.op == Op::AvgPool2d ? PoolKind::avg
                                                    : PoolKind::max,
                              ops[0], b.intAttrs[0], b.intAttrs[1]);
    }
    return {};
  }

  MLIRContext &ctx;
  const tir::Program &program;
  const SourceManager &sm;
  OpBuilder builder;
  ParameterLayout layout;
  OwningOpRef<ModuleOp> module;
  std::map<const tir::Function *, func::FuncOp> functions;
  std::map<unsigned, SmallVector<Value>> slots;
};

} // namespace

OwningOpRef<ModuleOp> ade::generateModule(MLIRContext &context,
                                          const tir::Program &program,
                                          const SourceManager &sm) {
  context.loadDialect<AdeDialect, arith::ArithDialect, func::FuncDialect>();
  return Generator(context, program, sm).run();
}
