//===- Checker.cpp - Expressions, statements and functions ----------------===//

#include "Checker.h"
#include "Resolver.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <limits>

using namespace ade;
using namespace ade::sema;
using ast::Symbol;

//===----------------------------------------------------------------------===//
// FnRef
//===----------------------------------------------------------------------===//

std::string FnRef::key() const {
  switch (kind) {
  case Kind::User:
    return "fn:" + std::to_string(reinterpret_cast<uintptr_t>(decl)) + "@" +
           std::to_string(reinterpret_cast<uintptr_t>(self));
  case Kind::Builtin:
    return "builtin:" + getBuiltinName(builtin).str();
  case Kind::Derivative:
    return std::string(tir::toString(derivative)) + "(" + inner->key() + ")";
  }
  return "?";
}

std::string FnRef::describe() const {
  switch (kind) {
  case Kind::User:
    return "'" + decl->name.name + "'";
  case Kind::Builtin:
    return "'" + getBuiltinName(builtin).str() + "'";
  case Kind::Derivative:
    return std::string(tir::toString(derivative)) + "(" + inner->describe() +
           ")";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

tir::ScalarKind Checker::resolveElem(ast::ElemKind kind) const {
  switch (kind) {
  case ast::ElemKind::F32:
    return options.promoteF32 ? options.precision : tir::ScalarKind::F32;
  case ast::ElemKind::F64:
    return tir::ScalarKind::F64;
  case ast::ElemKind::Bool:
    return tir::ScalarKind::Bool;
  default:
    return options.precision;
  }
}

/// Largest element count of one tensor.
static constexpr int64_t kMaxElements = int64_t(1) << 32;

std::optional<int64_t> Checker::evalDim(const ast::Expr &dim, Frame &frame) {
  Value v = eval(dim, frame);
  if (v.isError())
    return std::nullopt;
  if (v.kind != Value::Kind::Int) {
    diags.error(DiagCode::E038, dim.range,
                "a dimension must be a compile-time integer, found " +
                    describe(v));
    return std::nullopt;
  }
  if (v.i <= 0 || v.i > kMaxElements) {
    diags.error(DiagCode::E043, dim.range,
                "dimension " + std::to_string(v.i) +
                    " is invalid: dimensions must be between 1 and " +
                    std::to_string(kMaxElements));
    return std::nullopt;
  }
  return v.i;
}

std::optional<tir::Type> Checker::evalType(const ast::TypeExpr &type,
                                           Frame &frame) {
  switch (type.getKind()) {
  case ast::TypeExpr::Kind::Tensor: {
    auto &t = llvm::cast<ast::TensorTypeExpr>(type);
    if (t.elem == ast::ElemKind::Int) {
      diags.error(DiagCode::E064, t.range,
                  "'int' is only for compile-time values; tensors hold f32, "
                  "f64, real or bool");
      return std::nullopt;
    }
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (const ast::ExprPtr &d : t.dims) {
      std::optional<int64_t> n = evalDim(*d, frame);
      if (!n)
        return std::nullopt;
      shape.push_back(*n);
      if (count > kMaxElements / *n) {
        diags.error(DiagCode::E043, t.range,
                    "tensor type has more than " +
                        std::to_string(kMaxElements) + " elements");
        return std::nullopt;
      }
      count *= *n;
    }
    return tir::Type::tensor(resolveElem(t.elem), std::move(shape));
  }
  case ast::TypeExpr::Kind::Tuple: {
    std::vector<tir::Type> elems;
    for (const ast::TypeExprPtr &e :
         llvm::cast<ast::TupleTypeExpr>(type).elems) {
      std::optional<tir::Type> t = evalType(*e, frame);
      if (!t)
        return std::nullopt;
      elems.push_back(std::move(*t));
    }
    return tir::Type::tuple(std::move(elems));
  }
  case ast::TypeExpr::Kind::Fn:
    diags.error(DiagCode::E034, type.range,
                "a function type is only allowed for a function argument");
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::vector<int64_t>>
Checker::broadcast(const std::vector<int64_t> &a,
                   const std::vector<int64_t> &b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = std::max(da, db);
  }
  return out;
}

std::string Checker::describe(const Value &v) const {
  switch (v.kind) {
  case Value::Kind::Error:
    return "an invalid value";
  case Value::Kind::Int:
    return "the integer " + std::to_string(v.i);
  case Value::Kind::Real:
    return "a compile-time real";
  case Value::Kind::Bool:
    return "a compile-time boolean";
  case Value::Kind::IntList:
    return "an integer list";
  case Value::Kind::Runtime:
    return "a value of type " + v.expr->type.str();
  case Value::Kind::Tuple:
    return "a tuple of " + std::to_string(v.elems.size()) + " values";
  case Value::Kind::Fn:
    return "the function " + v.fn->describe();
  case Value::Kind::Instance:
    return "an instance of component '" + v.inst->decl->name.name + "'";
  case Value::Kind::InstanceArray:
    return "a component array";
  case Value::Kind::Component:
    return "the component '" + v.component->name.name + "'";
  }
  return "a value";
}

//===----------------------------------------------------------------------===//
// Runtime helpers
//===----------------------------------------------------------------------===//

bool Checker::requireFunction(Frame &frame, SourceRange where,
                              const char *what) {
  if (frame.fn)
    return true;
  diags.error(DiagCode::E038, where,
              std::string(what) +
                  " is a runtime value; only compile-time values are allowed "
                  "here (dimensions, component arguments, 'const')");
  return false;
}

void Checker::countBinding(SourceRange where, uint64_t count) {
  // Compared with what is left, not added first: a loop over all of int64
  // charges 2^64 - 1, which would wrap the sum.
  uint64_t left = options.maxBindings - bindingBudgetUsed;
  if (count > left) {
    diags.error(DiagCode::E051, where,
                "the program is too large after unrolling loops and "
                "instantiating functions (more than " +
                    std::to_string(options.maxBindings) + " bindings)");
    throw CheckAbort();
  }
  bindingBudgetUsed += count;
  stopAtErrorLimit();
}

void Checker::stopAtErrorLimit() {
  if (diags.limitReached())
    throw CheckAbort();
}

unsigned Checker::addLocal(Frame &frame, std::string name, tir::Type type,
                           SourceRange range, bool random) {
  frame.fn->locals.push_back({std::move(name), std::move(type), range, random});
  return frame.fn->locals.size() - 1;
}

const tir::Expr *Checker::bindSlot(Frame &frame, const std::string &name,
                                   const tir::Expr *value, SourceRange range) {
  countBinding(range);
  unsigned slot = addLocal(frame, name, value->type, range, value->random);
  tir::Binding b;
  b.slot = slot;
  b.value = value;
  b.range = range;
  frame.fn->body.push_back(std::move(b));
  auto *ref = frame.fn->create<tir::LocalRefExpr>(value->type, range, slot);
  ref->random = value->random;
  return ref;
}

const tir::Expr *Checker::bindTuple(Frame &frame,
                                    const std::vector<ast::Ident> &names,
                                    const tir::Expr *value,
                                    SourceRange range) {
  if (llvm::isa<tir::LocalRefExpr>(value))
    return value;
  std::string joined;
  for (const ast::Ident &n : names)
    joined += (joined.empty() ? "" : ",") + n.name;
  return bindSlot(frame, "(" + joined + ")", value, range);
}

const tir::Expr *Checker::constant(tir::Type type, std::vector<double> values,
                                   SourceRange where, Frame &frame) {
  return frame.fn->create<tir::ConstantExpr>(std::move(type), where,
                                             std::move(values));
}

const tir::Expr *Checker::toRuntime(const Value &v, SourceRange where,
                                    Frame &frame,
                                    std::optional<tir::ScalarKind> elem) {
  switch (v.kind) {
  case Value::Kind::Error:
    return nullptr;
  case Value::Kind::Runtime:
    return v.expr;
  case Value::Kind::Int:
  case Value::Kind::Real:
  case Value::Kind::Bool: {
    if (!requireFunction(frame, where, "this"))
      return nullptr;
    tir::ScalarKind kind =
        v.kind == Value::Kind::Bool ? tir::ScalarKind::Bool
        : elem && *elem != tir::ScalarKind::Bool ? *elem
                                                 : floatElem();
    double x = v.kind == Value::Kind::Bool ? double(v.b) : v.asReal();
    return constant(tir::Type::tensor(kind, {}), {x}, where, frame);
  }
  case Value::Kind::IntList: {
    if (!requireFunction(frame, where, "this"))
      return nullptr;
    if (v.list.empty()) {
      diags.error(DiagCode::E043, where, "an empty list is not a tensor");
      return nullptr;
    }
    std::vector<double> values(v.list.begin(), v.list.end());
    tir::ScalarKind kind =
        elem && *elem != tir::ScalarKind::Bool ? *elem : floatElem();
    return constant(tir::Type::tensor(kind, {int64_t(v.list.size())}),
                    std::move(values), where, frame);
  }
  case Value::Kind::Tuple: {
    std::vector<const tir::Expr *> elems;
    std::vector<tir::Type> types;
    bool random = false;
    for (const Value &e : v.elems) {
      const tir::Expr *x = toRuntime(e, where, frame, elem);
      if (!x)
        return nullptr;
      elems.push_back(x);
      types.push_back(x->type);
      random |= x->random;
    }
    auto *t = frame.fn->create<tir::MakeTupleExpr>(
        tir::Type::tuple(std::move(types)), where, std::move(elems));
    t->random = random;
    return t;
  }
  default:
    diags.error(DiagCode::E042, where,
                "expected a tensor value, found " + describe(v));
    return nullptr;
  }
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

Value Checker::eval(const ast::Expr &e, Frame &frame) {
  switch (e.getKind()) {
  case ast::Expr::Kind::IntLit:
    return Value::ofInt(llvm::cast<ast::IntLitExpr>(e).value);
  case ast::Expr::Kind::FloatLit:
    return Value::ofReal(llvm::cast<ast::FloatLitExpr>(e).value);
  case ast::Expr::Kind::BoolLit:
    return Value::ofBool(llvm::cast<ast::BoolLitExpr>(e).value);
  case ast::Expr::Kind::Name:
    return evalName(llvm::cast<ast::NameExpr>(e), frame);
  case ast::Expr::Kind::Unary:
    return evalUnary(llvm::cast<ast::UnaryExpr>(e), frame);
  case ast::Expr::Kind::Binary:
    return evalBinary(llvm::cast<ast::BinaryExpr>(e), frame);
  case ast::Expr::Kind::Call:
    return evalCall(llvm::cast<ast::CallExpr>(e), frame);
  case ast::Expr::Kind::Index:
    return evalIndex(llvm::cast<ast::IndexExpr>(e), frame);
  case ast::Expr::Kind::Member: {
    auto &m = llvm::cast<ast::MemberExpr>(e);
    Value base = eval(*m.base, frame);
    if (base.isError())
      return base;
    if (base.kind != Value::Kind::Instance) {
      diags.error(DiagCode::E025, m.member.range,
                  "'." + m.member.name +
                      "' needs a component instance on the left, found " +
                      describe(base));
      return Value::error();
    }
    return evalMember(*base.inst, m.member.name, m.member.range, frame);
  }
  case ast::Expr::Kind::List:
    return evalList(llvm::cast<ast::ListExpr>(e), frame);
  case ast::Expr::Kind::Tuple: {
    Value t;
    t.kind = Value::Kind::Tuple;
    for (const ast::ExprPtr &x : llvm::cast<ast::TupleExpr>(e).elems) {
      Value v = eval(*x, frame);
      if (v.isError())
        return v;
      t.elems.push_back(std::move(v));
    }
    return t;
  }
  case ast::Expr::Kind::If: {
    auto &i = llvm::cast<ast::IfExpr>(e);
    Value cond = eval(*i.cond, frame);
    if (cond.isError())
      return cond;
    if (cond.kind != Value::Kind::Bool) {
      diags
          .error(DiagCode::E038, i.cond->range,
                 "the condition of 'if' must be a compile-time boolean, "
                 "found " + describe(cond))
          .help("choose between runtime values with select(cond, a, b)");
      return Value::error();
    }
    return eval(cond.b ? *i.thenValue : *i.elseValue, frame);
  }
  case ast::Expr::Kind::Cast:
    return evalCast(llvm::cast<ast::CastExpr>(e), frame);
  }
  return Value::error();
}

Value Checker::evalName(const ast::NameExpr &e, Frame &frame) {
  switch (e.symbol.kind) {
  case Symbol::Kind::Unresolved:
    return Value::error();
  case Symbol::Kind::Local: {
    auto it = frame.locals.find(e.symbol.binding);
    if (it == frame.locals.end()) {
      // A size parameter only bound by unification, or a binding of a
      // branch not taken.
      diags.error(DiagCode::E020, e.range,
                  "'" + e.name + "' has no value here");
      return Value::error();
    }
    if (it->second.kind == Value::Kind::Runtime && !frame.fn)
      return Value::error();
    return it->second;
  }
  case Symbol::Kind::Member:
    if (!frame.self)
      return Value::error();
    return evalMember(*frame.self, e.name, e.range, frame);
  case Symbol::Kind::ModelMember:
    if (!frame.self || !frame.self->model)
      return Value::error();
    return evalMember(*frame.self->model, e.name, e.range, frame);
  case Symbol::Kind::Global: {
    const ast::Decl *d = e.symbol.decl;
    switch (d->getKind()) {
    case ast::Decl::Kind::Const:
      return evalConst(*llvm::cast<ast::ConstDecl>(d), e.range);
    case ast::Decl::Kind::Fn: {
      auto ref = std::make_shared<FnRef>();
      ref->decl = llvm::cast<ast::FnDecl>(d);
      return Value::ofFn(ref);
    }
    case ast::Decl::Kind::Component: {
      Value v;
      v.kind = Value::Kind::Component;
      v.component = llvm::cast<ast::ComponentDecl>(d);
      return v;
    }
    default:
      diags
          .error(DiagCode::E024, e.range,
                 "'" + e.name + "' is a " +
                     (d->getKind() == ast::Decl::Kind::Model ? "model"
                                                             : "sampler") +
                     " and cannot be used as a value")
          .note(d->name.range, "'" + e.name + "' is declared here");
      return Value::error();
    }
  }
  case Symbol::Kind::Builtin: {
    std::optional<Builtin> b = lookupBuiltin(e.name);
    BuiltinKind kind = getBuiltinKind(*b);
    if (kind == BuiltinKind::Constant)
      return Value::ofReal(*b == Builtin::Pi
                               ? 3.14159265358979323846
                               : std::numeric_limits<double>::infinity());
    if (kind == BuiltinKind::Distribution) {
      diags.error(DiagCode::E070, e.range,
                  "'" + e.name + "' can only be used on the right of '~' "
                  "(e.g. 'z ~ " + e.name + "(0, 1, [2])')");
      return Value::error();
    }
    if (kind == BuiltinKind::Initializer) {
      diags.error(DiagCode::E063, e.range,
                  "'" + e.name + "' is an initializer: use it as "
                  "'param W: f32[m, n] = " + e.name + "()'");
      return Value::error();
    }
    auto ref = std::make_shared<FnRef>();
    ref->kind = FnRef::Kind::Builtin;
    ref->builtin = *b;
    return Value::ofFn(ref);
  }
  }
  return Value::error();
}

Value Checker::evalConst(const ast::ConstDecl &c, SourceRange use) {
  if (c.module == root) {
    auto it = options.defines.find(c.name.name);
    if (it != options.defines.end())
      return *parseDefine(it->second);
  }
  auto memo = constValues.find(&c);
  if (memo != constValues.end())
    return memo->second;
  if (!evaluatingConsts.insert(&c).second) {
    diags
        .error(DiagCode::E050, use,
               "constant '" + c.name.name + "' is defined in terms of itself")
        .note(c.name.range, "'" + c.name.name + "' is declared here");
    return Value::error();
  }
  Frame ctFrame;
  Value v = eval(*c.init, ctFrame);
  evaluatingConsts.erase(&c);
  if (v.kind == Value::Kind::Runtime || v.kind == Value::Kind::Tuple) {
    diags.error(DiagCode::E038, c.init->range,
                "a 'const' must be a compile-time value, found " +
                    describe(v));
    v = Value::error();
  } else if (c.ctKind && !v.isError()) {
    std::optional<Value> coerced = coerceKind(v, *c.ctKind);
    if (!coerced) {
      diags.error(DiagCode::E053, c.init->range,
                  "'" + c.name.name + "' is declared as " +
                      ast::toString(*c.ctKind) + " but the value is " +
                      describe(v));
      v = Value::error();
    } else {
      v = *coerced;
    }
  }
  constValues[&c] = v;
  return v;
}

Value Checker::evalMember(Instance &inst, const std::string &name,
                          SourceRange where, Frame &frame) {
  auto it = inst.members.find(name);
  if (it == inst.members.end() && inst.failedMembers.count(name))
    return Value::error();
  if (it == inst.members.end()) {
    auto d = diags.error(DiagCode::E025, where,
                         "'" + inst.decl->name.name + "' has no member '" +
                             name + "'" +
                             (inst.decl->members.empty()
                                  ? ""
                                  : " (or it is used before its definition)"));
    std::string best;
    unsigned bestDistance = 3;
    for (const auto &[member, entry] : inst.members) {
      unsigned dist = llvm::StringRef(name).edit_distance(member);
      if (dist < bestDistance) {
        bestDistance = dist;
        best = member;
      }
    }
    if (!best.empty())
      d.help("did you mean '" + best + "'?");
    return Value::error();
  }
  const Instance::MemberEntry &m = it->second;
  switch (m.kind) {
  case Instance::MemberEntry::Kind::Param: {
    if (!requireFunction(frame, where, ("parameter '" + name + "'").c_str()))
      return Value::error();
    const tir::Param &p = program->params[m.param];
    return Value::ofRuntime(
        frame.fn->create<tir::ParamRefExpr>(p.type, where, m.param));
  }
  case Instance::MemberEntry::Kind::Instance: {
    Value v;
    v.kind = Value::Kind::Instance;
    v.inst = m.instance;
    return v;
  }
  case Instance::MemberEntry::Kind::Array: {
    Value v;
    v.kind = Value::Kind::InstanceArray;
    v.array = &m.array;
    return v;
  }
  case Instance::MemberEntry::Kind::Const:
    return m.constant;
  case Instance::MemberEntry::Kind::Fn: {
    auto ref = std::make_shared<FnRef>();
    ref->decl = m.fn;
    ref->self = &inst;
    return Value::ofFn(ref);
  }
  }
  return Value::error();
}

Value Checker::evalUnary(const ast::UnaryExpr &e, Frame &frame) {
  Value v = eval(*e.operand, frame);
  if (v.isError())
    return v;
  switch (e.op) {
  case ast::UnaryOp::Plus:
    if (v.isNumber() || (v.kind == Value::Kind::Runtime && v.expr->type.isFloat()))
      return v;
    break;
  case ast::UnaryOp::Neg:
    if (v.kind == Value::Kind::Int) {
      if (v.i == INT64_MIN)
        break;
      return Value::ofInt(-v.i);
    }
    if (v.kind == Value::Kind::Real)
      return Value::ofReal(-v.r);
    if (v.kind == Value::Kind::Runtime && v.expr->type.isFloat()) {
      auto *n = frame.fn->create<tir::UnaryExpr>(v.expr->type, e.range,
                                                 tir::UnaryKind::Neg, v.expr);
      n->random = v.expr->random;
      return Value::ofRuntime(n);
    }
    break;
  case ast::UnaryOp::Not:
    if (v.kind == Value::Kind::Bool)
      return Value::ofBool(!v.b);
    if (v.kind == Value::Kind::Runtime && !v.expr->type.isTuple &&
        v.expr->type.elem == tir::ScalarKind::Bool) {
      auto *n = frame.fn->create<tir::UnaryExpr>(v.expr->type, e.range,
                                                 tir::UnaryKind::Not, v.expr);
      n->random = v.expr->random;
      return Value::ofRuntime(n);
    }
    break;
  }
  diags.error(DiagCode::E042, e.range,
              std::string("operator '") + ast::toString(e.op) +
                  "' cannot be applied to " + describe(v));
  return Value::error();
}

Value Checker::evalBinary(const ast::BinaryExpr &e, Frame &frame) {
  Value lhs = eval(*e.lhs, frame);
  Value rhs = eval(*e.rhs, frame);
  if (lhs.isError() || rhs.isError())
    return Value::error();
  return binary(e.op, std::move(lhs), std::move(rhs), e.lhs->range,
                e.rhs->range, e.opRange, e.range, frame);
}

static bool addOverflow(int64_t a, int64_t b, int64_t &r) {
  return __builtin_add_overflow(a, b, &r);
}
static bool subOverflow(int64_t a, int64_t b, int64_t &r) {
  return __builtin_sub_overflow(a, b, &r);
}
static bool mulOverflow(int64_t a, int64_t b, int64_t &r) {
  return __builtin_mul_overflow(a, b, &r);
}

Value Checker::foldBinary(ast::BinaryOp op, const Value &lhs, const Value &rhs,
                          SourceRange where) {
  using ast::BinaryOp;
  auto overflow = [&]() {
    diags.error(DiagCode::E046, where,
                std::string("integer overflow in compile-time '") +
                    ast::toString(op) + "'");
    return Value::error();
  };
  if (lhs.kind == Value::Kind::Bool && rhs.kind == Value::Kind::Bool) {
    switch (op) {
    case BinaryOp::And:
      return Value::ofBool(lhs.b && rhs.b);
    case BinaryOp::Or:
      return Value::ofBool(lhs.b || rhs.b);
    case BinaryOp::Eq:
      return Value::ofBool(lhs.b == rhs.b);
    case BinaryOp::Ne:
      return Value::ofBool(lhs.b != rhs.b);
    default:
      break;
    }
  }
  if (lhs.kind == Value::Kind::Int && rhs.kind == Value::Kind::Int) {
    int64_t a = lhs.i, b = rhs.i, r = 0;
    switch (op) {
    case BinaryOp::Add:
      return addOverflow(a, b, r) ? overflow() : Value::ofInt(r);
    case BinaryOp::Sub:
      return subOverflow(a, b, r) ? overflow() : Value::ofInt(r);
    case BinaryOp::Mul:
      return mulOverflow(a, b, r) ? overflow() : Value::ofInt(r);
    case BinaryOp::Mod:
      if (b == 0) {
        diags.error(DiagCode::E046, where, "compile-time '%' by zero");
        return Value::error();
      }
      if (a == INT64_MIN && b == -1)
        return overflow();
      return Value::ofInt(a % b);
    case BinaryOp::Pow: {
      if (b < 0)
        return Value::ofReal(std::pow(double(a), double(b)));
      // Exponentiation by squaring: O(log b) even for 1 ^ huge.
      r = 1;
      int64_t base = a;
      for (int64_t e = b; e > 0; e >>= 1) {
        if ((e & 1) && mulOverflow(r, base, r))
          return overflow();
        if (e > 1 && mulOverflow(base, base, base))
          return overflow();
      }
      return Value::ofInt(r);
    }
    case BinaryOp::Lt:
      return Value::ofBool(a < b);
    case BinaryOp::Le:
      return Value::ofBool(a <= b);
    case BinaryOp::Gt:
      return Value::ofBool(a > b);
    case BinaryOp::Ge:
      return Value::ofBool(a >= b);
    case BinaryOp::Eq:
      return Value::ofBool(a == b);
    case BinaryOp::Ne:
      return Value::ofBool(a != b);
    default:
      break; // Div falls through to reals.
    }
  }
  if (lhs.isNumber() && rhs.isNumber()) {
    double a = lhs.asReal(), b = rhs.asReal();
    switch (op) {
    case BinaryOp::Add:
      return Value::ofReal(a + b);
    case BinaryOp::Sub:
      return Value::ofReal(a - b);
    case BinaryOp::Mul:
      return Value::ofReal(a * b);
    case BinaryOp::Div:
      if (b == 0) {
        diags.error(DiagCode::E046, where, "compile-time division by zero");
        return Value::error();
      }
      return Value::ofReal(a / b);
    case BinaryOp::Pow:
      return Value::ofReal(std::pow(a, b));
    case BinaryOp::Lt:
      return Value::ofBool(a < b);
    case BinaryOp::Le:
      return Value::ofBool(a <= b);
    case BinaryOp::Gt:
      return Value::ofBool(a > b);
    case BinaryOp::Ge:
      return Value::ofBool(a >= b);
    case BinaryOp::Eq:
      return Value::ofBool(a == b);
    case BinaryOp::Ne:
      return Value::ofBool(a != b);
    default:
      break;
    }
  }
  diags.error(DiagCode::E042, where,
              std::string("operator '") + ast::toString(op) +
                  "' cannot be applied to " + describe(lhs) + " and " +
                  describe(rhs));
  return Value::error();
}

static tir::BinaryKind toBinaryKind(ast::BinaryOp op) {
  switch (op) {
  case ast::BinaryOp::Add:
    return tir::BinaryKind::Add;
  case ast::BinaryOp::Sub:
    return tir::BinaryKind::Sub;
  case ast::BinaryOp::Mul:
    return tir::BinaryKind::Mul;
  case ast::BinaryOp::Div:
    return tir::BinaryKind::Div;
  case ast::BinaryOp::Pow:
    return tir::BinaryKind::Pow;
  case ast::BinaryOp::MatMul:
    return tir::BinaryKind::MatMul;
  case ast::BinaryOp::Lt:
    return tir::BinaryKind::Lt;
  case ast::BinaryOp::Le:
    return tir::BinaryKind::Le;
  case ast::BinaryOp::Gt:
    return tir::BinaryKind::Gt;
  case ast::BinaryOp::Ge:
    return tir::BinaryKind::Ge;
  case ast::BinaryOp::Eq:
    return tir::BinaryKind::Eq;
  case ast::BinaryOp::Ne:
    return tir::BinaryKind::Ne;
  case ast::BinaryOp::And:
    return tir::BinaryKind::And;
  default:
    return tir::BinaryKind::Or;
  }
}

Value Checker::binary(ast::BinaryOp op, Value lhs, Value rhs,
                      SourceRange lhsRange, SourceRange rhsRange,
                      SourceRange opRange, SourceRange whole, Frame &frame) {
  using ast::BinaryOp;
  if (lhs.isCompileTime() && rhs.isCompileTime() &&
      lhs.kind != Value::Kind::IntList && rhs.kind != Value::Kind::IntList)
    return foldBinary(op, lhs, rhs, opRange);

  bool lhsRuntime = lhs.kind == Value::Kind::Runtime;
  bool rhsRuntime = rhs.kind == Value::Kind::Runtime;
  if ((!lhsRuntime && !lhs.isCompileTime()) ||
      (!rhsRuntime && !rhs.isCompileTime()) ||
      (lhsRuntime && lhs.expr->type.isTuple) ||
      (rhsRuntime && rhs.expr->type.isTuple) ||
      (!lhsRuntime && !rhsRuntime)) {
    diags.error(DiagCode::E042, opRange,
                std::string("operator '") + ast::toString(op) +
                    "' cannot be applied to " + describe(lhs) + " and " +
                    describe(rhs));
    return Value::error();
  }
  if (op == BinaryOp::Mod) {
    diags.error(DiagCode::E042, opRange,
                "'%' is only defined for compile-time integers");
    return Value::error();
  }
  if (!requireFunction(frame, whole, "this expression"))
    return Value::error();

  // A compile-time operand takes the other operand's element type.
  std::optional<tir::ScalarKind> lhsElem, rhsElem;
  if (lhsRuntime)
    lhsElem = lhs.expr->type.elem;
  if (rhsRuntime)
    rhsElem = rhs.expr->type.elem;
  const tir::Expr *a = toRuntime(lhs, lhsRange, frame, rhsElem);
  const tir::Expr *b = toRuntime(rhs, rhsRange, frame, lhsElem);
  if (!a || !b)
    return Value::error();

  bool logical = op == BinaryOp::And || op == BinaryOp::Or;
  bool isBoolA = a->type.elem == tir::ScalarKind::Bool;
  bool isBoolB = b->type.elem == tir::ScalarKind::Bool;
  if (logical ? (!isBoolA || !isBoolB) : (isBoolA || isBoolB)) {
    diags.error(DiagCode::E042, opRange,
                std::string("operator '") + ast::toString(op) +
                    "' cannot be applied to " + a->type.str() + " and " +
                    b->type.str() +
                    (logical ? ": it needs booleans"
                             : ": arithmetic needs float tensors"));
    return Value::error();
  }
  if (a->type.elem != b->type.elem) {
    diags
        .error(DiagCode::E032, opRange,
               std::string("element types differ: ") + a->type.str() + " " +
                   ast::toString(op) + " " + b->type.str())
        .help("convert one side with f32(...) or f64(...)");
    return Value::error();
  }

  tir::Type result;
  if (op == BinaryOp::MatMul) {
    const auto &sa = a->type.shape, &sb = b->type.shape;
    bool ok = !sa.empty() && !sb.empty() && sa.size() <= 2 && sb.size() <= 2 &&
              sa.back() == sb[0];
    if (!ok) {
      diags
          .error(DiagCode::E031, opRange,
                 "matrix product needs matching inner dimensions and rank "
                 "1 or 2: " + a->type.str() + " @ " + b->type.str())
          .help("for [m, n] @ [n] the matrix's last dimension must equal "
                "the vector's length");
      return Value::error();
    }
    std::vector<int64_t> shape;
    if (sa.size() == 2)
      shape.push_back(sa[0]);
    if (sb.size() == 2)
      shape.push_back(sb[1]);
    result = tir::Type::tensor(a->type.elem, shape);
  } else {
    std::optional<std::vector<int64_t>> shape =
        broadcast(a->type.shape, b->type.shape);
    if (!shape) {
      diags
          .error(DiagCode::E030, opRange,
                 "shapes do not broadcast: " + a->type.str() + " " +
                     ast::toString(op) + " " + b->type.str())
          .help("dimensions are matched from the right; each pair must be "
                "equal or one of them 1");
      return Value::error();
    }
    bool comparison = op == BinaryOp::Lt || op == BinaryOp::Le ||
                      op == BinaryOp::Gt || op == BinaryOp::Ge ||
                      op == BinaryOp::Eq || op == BinaryOp::Ne;
    result = tir::Type::tensor(comparison ? tir::ScalarKind::Bool
                                          : a->type.elem,
                               std::move(*shape));
  }
  auto *n = frame.fn->create<tir::BinaryExpr>(std::move(result), whole,
                                              toBinaryKind(op), a, b);
  n->random = a->random || b->random;
  return Value::ofRuntime(n);
}

std::vector<Checker::ArgValue>
Checker::evalArgs(const std::vector<ast::Arg> &args, Frame &frame) {
  std::vector<ArgValue> result;
  for (const ast::Arg &a : args) {
    ArgValue v;
    if (a.name)
      v.name = a.name->name;
    v.value = eval(*a.value, frame);
    v.range = a.range;
    result.push_back(std::move(v));
  }
  return result;
}

Value Checker::evalCall(const ast::CallExpr &e, Frame &frame) {
  Value callee = eval(*e.callee, frame);
  if (callee.isError())
    return callee;
  std::vector<ArgValue> args = evalArgs(e.args, frame);
  for (const ArgValue &a : args)
    if (a.value.isError())
      return Value::error();
  switch (callee.kind) {
  case Value::Kind::Fn:
    return callFn(*callee.fn, std::move(args), e.range, frame);
  case Value::Kind::Instance: {
    auto it = callee.inst->members.find("forward");
    if (it == callee.inst->members.end() ||
        it->second.kind != Instance::MemberEntry::Kind::Fn) {
      diags
          .error(DiagCode::E039, e.callee->range,
                 "component '" + callee.inst->decl->name.name +
                     "' has no 'forward' function, so its instances cannot "
                     "be called")
          .note(callee.inst->decl->name.range, "'" +
                                                   callee.inst->decl->name.name +
                                                   "' is declared here")
          .help("call one of its functions as 'instance.name(...)'");
      return Value::error();
    }
    FnRef ref;
    ref.decl = it->second.fn;
    ref.self = callee.inst;
    return callFn(ref, std::move(args), e.range, frame);
  }
  case Value::Kind::Component:
    diags
        .error(DiagCode::E039, e.callee->range,
               "component '" + callee.component->name.name +
                   "' can only be instantiated as a member, e.g. 'layer = " +
                   callee.component->name.name + "(...)'")
        .note(callee.component->name.range, "'" +
                                                callee.component->name.name +
                                                "' is declared here");
    return Value::error();
  default:
    diags.error(DiagCode::E039, e.callee->range,
                "cannot call " + describe(callee));
    return Value::error();
  }
}

Value Checker::callFn(const FnRef &fn, std::vector<ArgValue> args,
                      SourceRange callRange, Frame &frame) {
  switch (fn.kind) {
  case FnRef::Kind::Builtin:
    return callBuiltin(fn.builtin, std::move(args), callRange, frame);
  case FnRef::Kind::Derivative:
    return callDerivative(fn, std::move(args), callRange, frame);
  case FnRef::Kind::User:
    return callUser(fn, std::move(args), callRange, frame);
  }
  return Value::error();
}

Value Checker::evalIndex(const ast::IndexExpr &e, Frame &frame) {
  Value base = eval(*e.base, frame);
  if (base.isError())
    return base;

  // Compile-time integers of the subscripts (slices: nullopt for a missing
  // bound).
  struct Sub {
    bool isSlice;
    std::optional<int64_t> lo, hi;
    SourceRange range;
  };
  std::vector<Sub> subs;
  for (const ast::IndexItem &item : e.items) {
    Sub s{item.isSlice, std::nullopt, std::nullopt, item.range};
    for (int k = 0; k < 2; ++k) {
      const ast::ExprPtr &bound = k == 0 ? item.lo : item.hi;
      if (!bound)
        continue;
      Value v = eval(*bound, frame);
      if (v.isError())
        return v;
      if (v.kind != Value::Kind::Int) {
        diags.error(DiagCode::E038, bound->range,
                    "an index must be a compile-time integer, found " +
                        describe(v));
        return Value::error();
      }
      (k == 0 ? s.lo : s.hi) = v.i;
    }
    subs.push_back(s);
  }

  // Normalizes a subscript against a dimension of `size`; false on error.
  auto normalize = [&](const Sub &s, int64_t size, unsigned dim,
                       int64_t &start, int64_t &stop) {
    auto fix = [&](int64_t v) { return v < 0 ? v + size : v; };
    if (!s.isSlice) {
      start = fix(*s.lo);
      stop = start + 1;
      if (start < 0 || start >= size) {
        diags.error(DiagCode::E036, s.range,
                    "index " + std::to_string(*s.lo) +
                        " is out of range for dimension " +
                        std::to_string(dim) + " of size " +
                        std::to_string(size));
        return false;
      }
      return true;
    }
    start = s.lo ? fix(*s.lo) : 0;
    stop = s.hi ? fix(*s.hi) : size;
    if (start < 0 || stop > size || start >= stop) {
      diags.error(DiagCode::E036, s.range,
                  "slice " + std::to_string(start) + ":" +
                      std::to_string(stop) + " is empty or out of range for "
                      "dimension " + std::to_string(dim) + " of size " +
                      std::to_string(size));
      return false;
    }
    return true;
  };

  switch (base.kind) {
  case Value::Kind::IntList: {
    if (subs.size() != 1) {
      diags.error(DiagCode::E037, e.range,
                  "a list takes one index, " + std::to_string(subs.size()) +
                      " given");
      return Value::error();
    }
    int64_t start, stop;
    if (!normalize(subs[0], base.list.size(), 0, start, stop))
      return Value::error();
    if (!subs[0].isSlice)
      return Value::ofInt(base.list[start]);
    Value v;
    v.kind = Value::Kind::IntList;
    v.list.assign(base.list.begin() + start, base.list.begin() + stop);
    return v;
  }
  case Value::Kind::InstanceArray: {
    if (subs.size() != 1 || subs[0].isSlice) {
      diags.error(DiagCode::E037, e.range,
                  "a component array takes exactly one integer index");
      return Value::error();
    }
    auto it = base.array->find(*subs[0].lo);
    if (it == base.array->end()) {
      diags.error(DiagCode::E036, subs[0].range,
                  "component array has no element " +
                      std::to_string(*subs[0].lo) + " (it has " +
                      std::to_string(base.array->size()) + ")");
      return Value::error();
    }
    Value v;
    v.kind = Value::Kind::Instance;
    v.inst = it->second;
    return v;
  }
  case Value::Kind::Tuple:
  case Value::Kind::Runtime:
    if (base.kind == Value::Kind::Tuple || base.expr->type.isTuple) {
      size_t n = base.kind == Value::Kind::Tuple
                     ? base.elems.size()
                     : base.expr->type.elems.size();
      if (subs.size() != 1 || subs[0].isSlice) {
        diags.error(DiagCode::E037, e.range,
                    "a tuple takes exactly one integer index");
        return Value::error();
      }
      int64_t start, stop;
      if (!normalize(subs[0], n, 0, start, stop))
        return Value::error();
      if (base.kind == Value::Kind::Tuple)
        return base.elems[start];
      const tir::Type &t = base.expr->type.elems[start];
      auto *g = frame.fn->create<tir::TupleGetExpr>(t, e.range, base.expr,
                                                   unsigned(start));
      g->random = base.expr->random;
      return Value::ofRuntime(g);
    }
    {
      const tir::Type &t = base.expr->type;
      if (subs.size() > t.shape.size()) {
        diags.error(DiagCode::E037, e.range,
                    "too many indices: " + t.str() + " has " +
                        std::to_string(t.shape.size()) + " dimension" +
                        (t.shape.size() == 1 ? "" : "s") + ", " +
                        std::to_string(subs.size()) + " indices given");
        return Value::error();
      }
      std::vector<tir::SubscriptExpr::Item> items;
      std::vector<int64_t> shape;
      for (unsigned d = 0; d < subs.size(); ++d) {
        int64_t start, stop;
        if (!normalize(subs[d], t.shape[d], d, start, stop))
          return Value::error();
        items.push_back({subs[d].isSlice, start, stop});
        if (subs[d].isSlice)
          shape.push_back(stop - start);
      }
      shape.insert(shape.end(), t.shape.begin() + subs.size(), t.shape.end());
      auto *s = frame.fn->create<tir::SubscriptExpr>(
          tir::Type::tensor(t.elem, std::move(shape)), e.range, base.expr,
          std::move(items));
      s->random = base.expr->random;
      return Value::ofRuntime(s);
    }
  default:
    diags.error(DiagCode::E042, e.base->range,
                "cannot index " + describe(base));
    return Value::error();
  }
}

Value Checker::evalList(const ast::ListExpr &e, Frame &frame) {
  std::vector<Value> elems;
  bool allInts = true, allNumbers = true;
  for (const ast::ExprPtr &x : e.elems) {
    Value v = eval(*x, frame);
    if (v.isError())
      return v;
    allInts &= v.kind == Value::Kind::Int;
    allNumbers &= v.isNumber();
    elems.push_back(std::move(v));
  }
  if (allInts) {
    Value v;
    v.kind = Value::Kind::IntList;
    for (const Value &x : elems)
      v.list.push_back(x.i);
    return v;
  }
  if (!requireFunction(frame, e.range, "a list of non-integers"))
    return Value::error();
  if (allNumbers) {
    std::vector<double> values;
    for (const Value &x : elems)
      values.push_back(x.asReal());
    return Value::ofRuntime(constant(
        tir::Type::tensor(floatElem(), {int64_t(values.size())}),
        std::move(values), e.range, frame));
  }
  // A stack of runtime values: all must have the first runtime element's
  // type.
  std::optional<tir::ScalarKind> elem;
  for (const Value &x : elems)
    if (x.kind == Value::Kind::Runtime && !x.expr->type.isTuple)
      elem = x.expr->type.elem;
  std::vector<const tir::Expr *> parts;
  bool random = false;
  for (size_t i = 0; i < elems.size(); ++i) {
    const tir::Expr *p = toRuntime(elems[i], e.elems[i]->range, frame, elem);
    if (!p)
      return Value::error();
    if (p->type.isTuple || (!parts.empty() && p->type != parts[0]->type)) {
      diags.error(DiagCode::E030, e.elems[i]->range,
                  "list elements must have the same type: element " +
                      std::to_string(i) + " is " + p->type.str() +
                      (parts.empty() ? "" : ", element 0 is " +
                                                parts[0]->type.str()));
      return Value::error();
    }
    random |= p->random;
    parts.push_back(p);
  }
  std::vector<int64_t> shape{int64_t(parts.size())};
  shape.insert(shape.end(), parts[0]->type.shape.begin(),
               parts[0]->type.shape.end());
  auto *s = frame.fn->create<tir::StackExpr>(
      tir::Type::tensor(parts[0]->type.elem, std::move(shape)), e.range,
      std::move(parts));
  s->random = random;
  return Value::ofRuntime(s);
}

Value Checker::evalCast(const ast::CastExpr &e, Frame &frame) {
  Value v = eval(*e.operand, frame);
  if (v.isError())
    return v;
  if (e.elem == ast::ElemKind::Int) {
    if (v.kind == Value::Kind::Int)
      return v;
    if (v.kind == Value::Kind::Real && std::isfinite(v.r) &&
        std::fabs(v.r) < 9e18)
      return Value::ofInt(int64_t(v.r));
    diags.error(DiagCode::E042, e.range,
                "int(...) converts compile-time numbers only, found " +
                    describe(v));
    return Value::error();
  }
  if (e.elem == ast::ElemKind::Bool) {
    diags.error(DiagCode::E042, e.range,
                "bool(...) is not a conversion; compare instead (x > 0)");
    return Value::error();
  }
  if (v.isNumber())
    return Value::ofReal(v.asReal());
  if (v.kind != Value::Kind::Runtime || v.expr->type.isTuple) {
    diags.error(DiagCode::E042, e.range,
                std::string(ast::toString(e.elem)) +
                    "(...) needs a number or a tensor, found " + describe(v));
    return Value::error();
  }
  tir::ScalarKind to = resolveElem(e.elem);
  if (v.expr->type.elem == to)
    return v;
  auto *c = frame.fn->create<tir::CastExpr>(
      tir::Type::tensor(to, v.expr->type.shape), e.range, v.expr);
  c->random = v.expr->random;
  return Value::ofRuntime(c);
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void Checker::bindValue(const ast::Ident &name, Value v, Frame &frame,
                        SourceRange range) {
  // A plain reference (`var h = x`) aliases its slot: no new binding.
  if (v.kind == Value::Kind::Runtime && !llvm::isa<tir::LocalRefExpr>(v.expr)) {
    v.expr = bindSlot(frame, name.name, v.expr, range);
  } else if (v.kind == Value::Kind::Tuple) {
    // Runtime parts of a tuple get slots; compile-time parts stay.
    for (Value &e : v.elems)
      if (e.kind == Value::Kind::Runtime)
        e.expr = bindSlot(frame, name.name, e.expr, range);
  }
  frame.locals[&name] = std::move(v);
}

void Checker::execBlock(const ast::Block &block, Frame &frame,
                        bool tailPosition) {
  for (size_t i = 0; i < block.stmts.size(); ++i) {
    bool last = i + 1 == block.stmts.size();
    if (!last && llvm::isa<ast::ReturnStmt>(block.stmts[i].get())) {
      diags.error(DiagCode::E041, block.stmts[i + 1]->range,
                  "code after 'return' is unreachable");
      frame.returned = Value::error();
      return;
    }
    execStmt(*block.stmts[i], frame, tailPosition && last);
    if (frame.returned)
      return;
  }
}

void Checker::execStmt(const ast::Stmt &s, Frame &frame, bool tailPosition) {
  switch (s.getKind()) {
  case ast::Stmt::Kind::Let: {
    auto &l = llvm::cast<ast::LetStmt>(s);
    Value v = eval(*l.init, frame);
    if (v.isError()) {
      for (const ast::Ident &n : l.names)
        frame.locals[&n] = Value::error();
      return;
    }
    if (l.type && v.kind != Value::Kind::Error) {
      std::optional<tir::Type> declared = evalType(*l.type, frame);
      const tir::Expr *x =
          declared ? toRuntime(v, l.init->range, frame,
                               declared->isTuple ? std::nullopt
                                                 : std::optional(declared->elem))
                   : nullptr;
      if (x && x->type != *declared) {
        diags
            .error(DiagCode::E053, l.init->range,
                   "'" + l.names[0].name + "' is declared as " +
                       declared->str() + " but the value has type " +
                       x->type.str())
            .note(l.type->range, "declared type");
        x = nullptr;
      }
      v = x ? Value::ofRuntime(x) : Value::error();
    }
    if (!l.isTuple) {
      bindValue(l.names[0], std::move(v), frame, s.range);
      return;
    }
    size_t n = v.kind == Value::Kind::Tuple ? v.elems.size()
               : v.kind == Value::Kind::Runtime && v.expr->type.isTuple
                   ? v.expr->type.elems.size()
                   : 0;
    if (n != l.names.size()) {
      diags.error(DiagCode::E044, l.init->range,
                  "cannot unpack " + describe(v) + " into " +
                      std::to_string(l.names.size()) + " names");
      for (const ast::Ident &name : l.names)
        frame.locals[&name] = Value::error();
      return;
    }
    if (v.kind == Value::Kind::Runtime)
      v.expr = bindTuple(frame, l.names, v.expr, s.range);
    for (size_t i = 0; i < n; ++i) {
      Value part;
      if (v.kind == Value::Kind::Tuple) {
        part = v.elems[i];
      } else {
        auto *g = frame.fn->create<tir::TupleGetExpr>(
            v.expr->type.elems[i], l.init->range, v.expr, unsigned(i));
        g->random = v.expr->random;
        part = Value::ofRuntime(g);
      }
      bindValue(l.names[i], std::move(part), frame, s.range);
    }
    return;
  }
  case ast::Stmt::Kind::Assign: {
    auto &a = llvm::cast<ast::AssignStmt>(s);
    Value value = eval(*a.value, frame);
    if (a.op != ast::AssignOp::Assign && a.targetBindings[0] &&
        !value.isError()) {
      auto it = frame.locals.find(a.targetBindings[0]);
      if (it == frame.locals.end() || it->second.isError()) {
        value = Value::error();
      } else {
        static const ast::BinaryOp ops[] = {
            ast::BinaryOp::Add, ast::BinaryOp::Add, ast::BinaryOp::Sub,
            ast::BinaryOp::Mul, ast::BinaryOp::Div};
        value = binary(ops[static_cast<int>(a.op)], it->second, value,
                       a.targets[0].range, a.value->range, a.range, a.range,
                       frame);
      }
    }
    if (!a.isTuple) {
      if (a.targetBindings[0])
        bindValue(*a.targetBindings[0], std::move(value), frame, s.range);
      return;
    }
    size_t n = value.kind == Value::Kind::Tuple ? value.elems.size()
               : value.kind == Value::Kind::Runtime && value.expr->type.isTuple
                   ? value.expr->type.elems.size()
                   : 0;
    if (!value.isError() && n != a.targets.size()) {
      diags.error(DiagCode::E044, a.value->range,
                  "cannot assign " + describe(value) + " to " +
                      std::to_string(a.targets.size()) + " variables");
      value = Value::error();
    }
    if (value.kind == Value::Kind::Runtime)
      value.expr = bindTuple(frame, a.targets, value.expr, s.range);
    for (size_t i = 0; i < a.targets.size(); ++i) {
      if (!a.targetBindings[i])
        continue;
      Value part;
      if (value.kind == Value::Kind::Tuple) {
        part = value.elems[i];
      } else if (value.kind == Value::Kind::Runtime) {
        auto *g = frame.fn->create<tir::TupleGetExpr>(
            value.expr->type.elems[i], a.value->range, value.expr,
            unsigned(i));
        g->random = value.expr->random;
        part = Value::ofRuntime(g);
      }
      bindValue(*a.targetBindings[i], std::move(part), frame, s.range);
    }
    return;
  }
  case ast::Stmt::Kind::Draw: {
    auto &d = llvm::cast<ast::DrawStmt>(s);
    frame.locals[&d.name] = evalDraw(d, frame);
    return;
  }
  case ast::Stmt::Kind::Report:
    evalReport(llvm::cast<ast::ReportStmt>(s), frame);
    return;
  case ast::Stmt::Kind::Return: {
    auto &r = llvm::cast<ast::ReturnStmt>(s);
    if (!tailPosition) {
      diags
          .error(DiagCode::E041, s.range,
                 "'return' must be the last statement of the function")
          .help("inside 'if', return in every branch at the end of the "
                "function; loops cannot return");
      return;
    }
    frame.returned = eval(*r.value, frame);
    frame.returnRange = r.value->range;
    return;
  }
  case ast::Stmt::Kind::For: {
    auto &f = llvm::cast<ast::ForStmt>(s);
    Value lo = eval(*f.lo, frame), hi = eval(*f.hi, frame);
    if (lo.isError() || hi.isError())
      return;
    if (lo.kind != Value::Kind::Int || hi.kind != Value::Kind::Int) {
      const ast::Expr &bad = lo.kind != Value::Kind::Int ? *f.lo : *f.hi;
      diags.error(DiagCode::E038, bad.range,
                  "loop bounds must be compile-time integers, found " +
                      describe(lo.kind != Value::Kind::Int ? lo : hi));
      return;
    }
    // Each step binds its variable at least: a loop longer than the budget
    // fails here, not after unrolling up to it.
    if (hi.i > lo.i)
      countBinding(f.range, uint64_t(hi.i) - uint64_t(lo.i));
    for (int64_t i = lo.i; i < hi.i; ++i) {
      stopAtErrorLimit();
      frame.locals[&f.var] = Value::ofInt(i);
      execBlock(f.body, frame, /*tailPosition=*/false);
      if (frame.returned)
        return;
    }
    return;
  }
  case ast::Stmt::Kind::If: {
    auto &i = llvm::cast<ast::IfStmt>(s);
    Value cond = eval(*i.cond, frame);
    if (cond.isError())
      return;
    if (cond.kind != Value::Kind::Bool) {
      diags
          .error(DiagCode::E038, i.cond->range,
                 "the condition of 'if' must be a compile-time boolean, "
                 "found " + describe(cond))
          .help("choose between runtime values with select(cond, a, b)");
      return;
    }
    if (cond.b)
      execBlock(i.thenBody, frame, tailPosition);
    else if (i.elseBody)
      execBlock(*i.elseBody, frame, tailPosition);
    return;
  }
  }
}

//===----------------------------------------------------------------------===//
// Calls of user functions
//===----------------------------------------------------------------------===//

std::optional<std::vector<Checker::ArgValue>>
Checker::orderArgs(std::vector<ArgValue> args,
                   const std::vector<std::string> &paramNames,
                   size_t numRequired, const std::string &callee,
                   SourceRange callRange) {
  std::vector<std::optional<ArgValue>> slots(paramNames.size());
  size_t positional = 0;
  for (ArgValue &a : args) {
    if (!a.name) {
      if (positional >= paramNames.size()) {
        diags.error(DiagCode::E033, a.range,
                    callee + " takes " + std::to_string(paramNames.size()) +
                        " argument" + (paramNames.size() == 1 ? "" : "s") +
                        ", more were given");
        return std::nullopt;
      }
      slots[positional++] = std::move(a);
      continue;
    }
    auto it = llvm::find(paramNames, *a.name);
    if (it == paramNames.end()) {
      std::string names;
      for (const std::string &n : paramNames)
        names += (names.empty() ? "'" : ", '") + n + "'";
      diags.error(DiagCode::E035, a.range,
                  callee + " has no argument named '" + *a.name + "'" +
                      (names.empty() ? "" : "; its arguments are " + names));
      return std::nullopt;
    }
    size_t index = it - paramNames.begin();
    if (slots[index]) {
      diags.error(DiagCode::E035, a.range,
                  "argument '" + *a.name + "' of " + callee +
                      " is given twice");
      return std::nullopt;
    }
    slots[index] = std::move(a);
  }
  std::vector<ArgValue> ordered;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i]) {
      ordered.push_back(std::move(*slots[i]));
      continue;
    }
    if (i < numRequired) {
      diags.error(DiagCode::E033, callRange,
                  callee + " is missing argument '" + paramNames[i] + "'");
      return std::nullopt;
    }
    ArgValue missing;
    missing.present = false;
    ordered.push_back(std::move(missing));
  }
  return ordered;
}

Value Checker::callUser(const FnRef &fn, std::vector<ArgValue> args,
                        SourceRange callRange, Frame &frame) {
  const ast::FnDecl &decl = *fn.decl;
  std::vector<std::string> names;
  for (const ast::FnParam &p : decl.params)
    names.push_back(p.name.name);
  auto ordered = orderArgs(std::move(args), names, names.size(),
                           "'" + decl.name.name + "'", callRange);
  if (!ordered)
    return Value::error();

  std::vector<ArgSig> sigs;
  std::vector<const tir::Expr *> runtimeArgs;
  for (size_t i = 0; i < ordered->size(); ++i) {
    ArgValue &a = (*ordered)[i];
    ArgSig sig;
    sig.range = a.range;
    const ast::TypeExpr &declared = *decl.params[i].type;
    bool wantsInt = false;
    if (auto *t = llvm::dyn_cast<ast::TensorTypeExpr>(&declared))
      wantsInt = t->elem == ast::ElemKind::Int && t->dims.empty();
    if (llvm::isa<ast::FnTypeExpr>(declared)) {
      if (a.value.kind != Value::Kind::Fn) {
        diags
            .error(DiagCode::E034, a.range,
                   "argument '" + names[i] + "' of '" + decl.name.name +
                       "' must be a function, found " + describe(a.value))
            .note(decl.params[i].range, "parameter declared here");
        return Value::error();
      }
      sig.fn = a.value.fn;
    } else if (wantsInt) {
      if (a.value.kind != Value::Kind::Int) {
        diags
            .error(DiagCode::E034, a.range,
                   "argument '" + names[i] + "' of '" + decl.name.name +
                       "' must be a compile-time integer, found " +
                       describe(a.value))
            .note(decl.params[i].range, "parameter declared here");
        return Value::error();
      }
      sig.ctInt = a.value.i;
    } else {
      std::optional<tir::ScalarKind> elem;
      if (auto *t = llvm::dyn_cast<ast::TensorTypeExpr>(&declared))
        elem = resolveElem(t->elem);
      const tir::Expr *x = toRuntime(a.value, a.range, frame, elem);
      if (!x)
        return Value::error();
      sig.type = x->type;
      runtimeArgs.push_back(x);
    }
    sigs.push_back(std::move(sig));
  }
  if (!requireFunction(frame, callRange, "a function call"))
    return Value::error();
  tir::Function *callee = instantiate(fn, sigs, callRange);
  if (!callee)
    return Value::error();
  bool random = callee->hasDraws;
  for (const tir::Expr *x : runtimeArgs)
    random |= x->random;
  if (callee->hasDraws && !frame.fn->hasDraws) {
    frame.fn->hasDraws = true;
    frame.fn->firstDraw = callRange;
  }
  if (callee->hasReports && !frame.fn->hasReports) {
    frame.fn->hasReports = true;
    frame.fn->firstReport = callRange;
  }
  auto *call = frame.fn->create<tir::CallExpr>(callee->getResultType(),
                                               callRange, callee,
                                               std::move(runtimeArgs));
  call->random = random;
  return Value::ofRuntime(call);
}

/// Binds size parameters of `pattern` to the dimensions of `actual`;
/// compares the rest. Returns false (and reports) on a mismatch.
static bool matchTensorType(Checker &c, const ast::TensorTypeExpr &pattern,
                            const tir::Type &actual,
                            const std::vector<ast::Ident> &sizeParams,
                            Frame &frame, std::string &mismatch) {
  if (actual.isTuple || pattern.dims.size() != actual.shape.size() ||
      c.resolveElem(pattern.elem) != actual.elem) {
    mismatch = "rank or element type differ";
    return false;
  }
  for (size_t d = 0; d < pattern.dims.size(); ++d) {
    const ast::Expr &dim = *pattern.dims[d];
    if (auto *name = llvm::dyn_cast<ast::NameExpr>(&dim)) {
      const ast::Ident *binding = name->symbol.binding;
      bool isSize = llvm::any_of(sizeParams, [&](const ast::Ident &s) {
        return &s == binding;
      });
      if (isSize) {
        auto it = frame.locals.find(binding);
        if (it == frame.locals.end()) {
          frame.locals[binding] = Value::ofInt(actual.shape[d]);
          continue;
        }
        if (it->second.kind == Value::Kind::Int &&
            it->second.i == actual.shape[d])
          continue;
        mismatch = "size '" + name->name + "' is " +
                   std::to_string(it->second.i) + " elsewhere";
        return false;
      }
    }
    std::optional<int64_t> n = c.evalDim(dim, frame);
    if (!n) {
      mismatch = "";
      return false;
    }
    if (*n != actual.shape[d]) {
      mismatch = "dimension " + std::to_string(d) + " differs";
      return false;
    }
  }
  return true;
}

tir::Function *Checker::instantiate(const FnRef &fn,
                                    const std::vector<ArgSig> &sigs,
                                    SourceRange callRange) {
  std::string key = fn.key();
  for (const ArgSig &s : sigs)
    key += "|" + (s.type ? s.type->str() + (s.random ? "~" : "")
                  : s.fn ? s.fn->key()
                         : "int" + std::to_string(*s.ctInt));
  auto memo = instantiated.find(key);
  if (memo != instantiated.end())
    return memo->second;
  // Past the error limit nothing more is reported: no more work either.
  if (diags.limitReached())
    return nullptr;
  // A function whose body failed is remembered too: it reported its
  // errors, and checking it again for every caller made a long chain of
  // calls that nests too deeply quadratic (10 000 functions took 10 s).
  // Errors of a call (its arguments, its depth) are the caller's: not kept.
  bool bodyChecked = false;
  tir::Function *f = instantiateUncached(fn, sigs, callRange, bodyChecked);
  if (f || bodyChecked)
    instantiated[key] = f;
  return f;
}

tir::Function *Checker::instantiateUncached(const FnRef &fn,
                                            const std::vector<ArgSig> &sigs,
                                            SourceRange callRange,
                                            bool &bodyChecked) {
  const ast::FnDecl &decl = *fn.decl;
  if (callStack.size() >= kMaxCallDepth) {
    diags.error(DiagCode::E050, callRange,
                "calls nested too deeply (more than " +
                    std::to_string(kMaxCallDepth) + " functions)");
    return nullptr;
  }
  if (llvm::is_contained(callStack, &decl)) {
    diags
        .error(DiagCode::E050, callRange,
               "recursive call of '" + decl.name.name +
                   "': recursion is not supported")
        .note(decl.name.range, "'" + decl.name.name + "' is declared here")
        .help("write the repetition as a 'for' loop with a compile-time "
              "trip count");
    return nullptr;
  }

  Frame frame;
  frame.self = fn.self;
  if (fn.self)
    frame.locals = fn.self->args;

  // Bind size parameters and compile-time arguments first: function types
  // may depend on them.
  for (size_t i = 0; i < sigs.size(); ++i) {
    const ast::FnParam &p = decl.params[i];
    if (sigs[i].ctInt) {
      frame.locals[&p.name] = Value::ofInt(*sigs[i].ctInt);
      continue;
    }
    if (!sigs[i].type)
      continue;
    bool ok;
    std::string mismatch;
    if (auto *t = llvm::dyn_cast<ast::TensorTypeExpr>(p.type.get())) {
      ok = matchTensorType(*this, *t, *sigs[i].type, decl.sizeParams, frame,
                           mismatch);
    } else {
      std::optional<tir::Type> want = evalType(*p.type, frame);
      ok = want && *want == *sigs[i].type;
    }
    if (!ok) {
      if (diags.limitReached())
        return nullptr;
      diags
          .error(DiagCode::E034, sigs[i].range,
                 "argument '" + p.name.name + "' of '" + decl.name.name +
                     "' has type " + sigs[i].type->str() +
                     ", which does not match its declared type" +
                     (mismatch.empty() ? "" : " (" + mismatch + ")"))
          .note(p.type->range, "declared here");
      return nullptr;
    }
  }
  for (const ast::Ident &s : decl.sizeParams)
    if (!frame.locals.count(&s)) {
      diags
          .error(DiagCode::E052, callRange,
                 "cannot infer size parameter '" + s.name + "' of '" +
                     decl.name.name + "' from the arguments")
          .note(s.range, "size parameter declared here")
          .help("use it as a dimension of an argument's type");
      return nullptr;
    }

  auto function = std::make_unique<tir::Function>();
  tir::Function *f = function.get();
  std::string prefix =
      fn.self ? fn.self->qualifiedName : decl.module ? decl.module->name : "";
  f->name = (prefix.empty() ? "" : prefix + ".") + decl.name.name;
  if (unsigned sameName = functionNameCount[f->name]++)
    f->name += "#" + std::to_string(sameName);
  f->range = decl.range;
  program->functions.push_back(std::move(function));
  frame.fn = f;

  for (size_t i = 0; i < sigs.size(); ++i) {
    const ast::FnParam &p = decl.params[i];
    if (sigs[i].ctInt)
      continue;
    if (sigs[i].fn) {
      auto *ft = llvm::cast<ast::FnTypeExpr>(p.type.get());
      std::vector<tir::Type> types;
      bool known = true;
      for (const ast::TypeExprPtr &pt : ft->params) {
        std::optional<tir::Type> t = evalType(*pt, frame);
        if (!t) {
          known = false;
          break;
        }
        types.push_back(*t);
      }
      if (known) {
        // Check the function argument against its declared signature.
        callStack.push_back(&decl);
        tir::Function *target =
            instantiateCallable(*sigs[i].fn, types, sigs[i].range);
        callStack.pop_back();
        if (!target)
          return nullptr;
        std::optional<tir::Type> want = evalType(*ft->result, frame);
        if (want && target->getResultType() != *want) {
          diags
              .error(DiagCode::E034, sigs[i].range,
                     "argument '" + p.name.name + "' of '" + decl.name.name +
                         "': " + sigs[i].fn->describe() + " returns " +
                         target->getResultType().str() + ", expected " +
                         want->str())
              .note(ft->range, "declared here");
          return nullptr;
        }
      }
      frame.locals[&p.name] = Value::ofFn(sigs[i].fn);
      continue;
    }
    unsigned slot = addLocal(frame, p.name.name, *sigs[i].type, p.range,
                             sigs[i].random);
    auto *ref = f->create<tir::LocalRefExpr>(*sigs[i].type, p.range, slot);
    ref->random = sigs[i].random;
    frame.locals[&p.name] = Value::ofRuntime(ref);
  }
  f->numArgs = f->locals.size();

  bodyChecked = true;
  callStack.push_back(&decl);
  Value result;
  if (decl.exprBody) {
    result = eval(*decl.exprBody, frame);
  } else {
    execBlock(*decl.blockBody, frame, /*tailPosition=*/true);
    if (!frame.returned) {
      diags.error(DiagCode::E041, decl.name.range,
                  "function '" + decl.name.name +
                      "' does not end with 'return'");
      result = Value::error();
    } else {
      result = *frame.returned;
    }
  }
  callStack.pop_back();

  if (result.isError())
    return nullptr;
  SourceRange resultRange =
      decl.exprBody ? decl.exprBody->range : frame.returnRange;
  std::optional<tir::Type> declared;
  if (decl.result) {
    declared = evalType(*decl.result, frame);
    if (!declared)
      return nullptr;
  }
  std::optional<tir::ScalarKind> elem;
  if (declared && !declared->isTuple)
    elem = declared->elem;
  if (result.kind != Value::Kind::Runtime && !result.isCompileTime() &&
      result.kind != Value::Kind::Tuple) {
    diags.error(DiagCode::E040, resultRange,
                "functions return tensors or tuples of tensors; '" +
                    decl.name.name + "' returns " + describe(result));
    return nullptr;
  }
  f->result = toRuntime(result, resultRange, frame, elem);
  if (!f->result)
    return nullptr;
  if (declared && f->result->type != *declared) {
    diags
        .error(DiagCode::E040, resultRange,
               "'" + decl.name.name + "' returns " + f->result->type.str() +
                   " but is declared to return " + declared->str())
        .note(decl.result->range, "declared return type");
    return nullptr;
  }
  return f;
}

tir::Function *Checker::instantiateCallable(const FnRef &fn,
                                            const std::vector<tir::Type> &types,
                                            SourceRange callRange) {
  if (fn.kind == FnRef::Kind::User) {
    std::vector<ArgSig> sigs;
    if (types.size() != fn.decl->params.size()) {
      diags
          .error(DiagCode::E033, callRange,
                 "'" + fn.decl->name.name + "' takes " +
                     std::to_string(fn.decl->params.size()) +
                     " arguments, but is used as a function of " +
                     std::to_string(types.size()))
          .note(fn.decl->name.range, "declared here");
      return nullptr;
    }
    for (const tir::Type &t : types) {
      ArgSig s;
      s.type = t;
      s.range = callRange;
      sigs.push_back(s);
    }
    return instantiate(fn, sigs, callRange);
  }
  // Builtins and derivatives get a wrapper function taking the arguments.
  std::string key = "thunk:" + fn.key();
  for (const tir::Type &t : types)
    key += "|" + t.str();
  auto memo = instantiated.find(key);
  if (memo != instantiated.end())
    return memo->second;
  auto function = std::make_unique<tir::Function>();
  tir::Function *f = function.get();
  f->name = "thunk." + std::to_string(thunkCounter++);
  f->range = callRange;
  program->functions.push_back(std::move(function));
  Frame frame;
  frame.fn = f;
  std::vector<ArgValue> args;
  for (size_t i = 0; i < types.size(); ++i) {
    unsigned slot = addLocal(frame, "arg" + std::to_string(i), types[i],
                             callRange, false);
    ArgValue a;
    a.value = Value::ofRuntime(
        f->create<tir::LocalRefExpr>(types[i], callRange, slot));
    a.range = callRange;
    args.push_back(std::move(a));
  }
  f->numArgs = types.size();
  Value result = callFn(fn, std::move(args), callRange, frame);
  if (result.isError())
    return nullptr;
  f->result = toRuntime(result, callRange, frame);
  if (!f->result)
    return nullptr;
  instantiated[key] = f;
  return f;
}

Value Checker::callDerivative(const FnRef &fn, std::vector<ArgValue> args,
                              SourceRange callRange, Frame &frame) {
  using tir::DerivativeKind;
  std::string name = fn.describe();
  size_t want = 1;
  switch (fn.derivative) {
  case DerivativeKind::Vjp:
  case DerivativeKind::Jvp:
  case DerivativeKind::Hvp:
    want = 2;
    break;
  case DerivativeKind::HessianTrace:
    want = args.size() == 2 ? 2 : 1;
    break;
  default:
    break;
  }
  if (args.size() != want) {
    diags.error(DiagCode::E033, callRange,
                name + " takes " + std::to_string(want) + " argument" +
                    (want == 1 ? "" : "s") + ", " +
                    std::to_string(args.size()) + " given");
    return Value::error();
  }
  for (const ArgValue &a : args)
    if (a.name) {
      diags.error(DiagCode::E035, a.range,
                  name + " takes positional arguments only");
      return Value::error();
    }
  if (!requireFunction(frame, callRange, "a derivative"))
    return Value::error();
  const tir::Expr *x = toRuntime(args[0].value, args[0].range, frame);
  if (!x)
    return Value::error();
  if (!x->type.isFloat()) {
    diags.error(DiagCode::E049, args[0].range,
                "derivatives are taken at float tensors, found " +
                    x->type.str());
    return Value::error();
  }
  tir::Function *target = instantiateCallable(*fn.inner, {x->type}, callRange);
  if (!target)
    return Value::error();
  const tir::Type &out = target->getResultType();
  if (!out.isFloat()) {
    diags.error(DiagCode::E049, callRange,
                name + ": the function must return a float tensor, returns " +
                    out.str());
    return Value::error();
  }
  bool needsScalar = fn.derivative == DerivativeKind::Grad ||
                     fn.derivative == DerivativeKind::Hvp ||
                     fn.derivative == DerivativeKind::HessianTrace;
  if (needsScalar && !out.isScalar()) {
    diags
        .error(DiagCode::E049, callRange,
               name + " needs a function with a scalar result; " +
                   fn.inner->describe() + " returns " + out.str())
        .help(fn.derivative == DerivativeKind::Grad
                  ? "use vjp(g)(x, u) or jacobian(g)(x) for vector outputs"
                  : "reduce the output to a scalar first");
    return Value::error();
  }
  if (target->hasDraws) {
    diags.error(DiagCode::E049, callRange,
                name + ": cannot differentiate a function that draws random "
                "numbers");
    return Value::error();
  }
  if (target->hasReports) {
    diags
        .error(DiagCode::E074, target->firstReport,
               "'report' in a function that " + name + " differentiates")
        .note(callRange, "differentiated here")
        .help("report in the sampler, outside the differentiated function");
    return Value::error();
  }
  std::vector<const tir::Expr *> operands{x};
  if (want == 2) {
    // The second argument is the cotangent (vjp: output type) or a tangent /
    // probe (input type).
    const tir::Type &expected =
        fn.derivative == DerivativeKind::Vjp ? out : x->type;
    const tir::Expr *u =
        toRuntime(args[1].value, args[1].range, frame, expected.elem);
    if (!u)
      return Value::error();
    if (u->type != expected) {
      diags.error(DiagCode::E034, args[1].range,
                  name + ": the second argument must have type " +
                      expected.str() + ", found " + u->type.str());
      return Value::error();
    }
    operands.push_back(u);
  }
  tir::Type result;
  switch (fn.derivative) {
  case DerivativeKind::Grad:
  case DerivativeKind::Vjp:
  case DerivativeKind::Hvp:
    result = x->type;
    break;
  case DerivativeKind::Jvp:
    result = out;
    break;
  case DerivativeKind::HessianTrace:
    result = tir::Type::tensor(x->type.elem, {});
    break;
  case DerivativeKind::Jacobian: {
    std::vector<int64_t> shape = out.shape;
    shape.insert(shape.end(), x->type.shape.begin(), x->type.shape.end());
    result = tir::Type::tensor(x->type.elem, std::move(shape));
    break;
  }
  }
  bool random = false;
  for (const tir::Expr *o : operands)
    random |= o->random;
  auto *d = frame.fn->create<tir::DerivativeExpr>(
      std::move(result), callRange, fn.derivative, target, std::move(operands));
  d->random = random;
  return Value::ofRuntime(d);
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

std::unique_ptr<tir::Program> Checker::run(const ast::Module &rootModule) {
  const ast::Module &root = rootModule;
  this->root = &rootModule;
  try {
    for (const ast::DeclPtr &d : root.decls) {
      if (auto *m = llvm::dyn_cast<ast::ModelDecl>(d.get()))
        checkModel(*m);
      else if (auto *s = llvm::dyn_cast<ast::SamplerDecl>(d.get()))
        checkSampler(*s);
      else if (auto *f = llvm::dyn_cast<ast::FnDecl>(d.get()))
        checkClosedFunction(*f);
      else if (auto *c = llvm::dyn_cast<ast::ConstDecl>(d.get()))
        evalConst(*c, c->name.range);
    }
  } catch (const CheckAbort &) {
    return nullptr;
  }
  pruneUnreachableFunctions();
  return std::move(program);
}

void Checker::pruneUnreachableFunctions() {
  std::set<const tir::Function *> live;
  std::vector<const tir::Function *> work;
  for (const tir::Model &m : program->models) {
    work.push_back(m.logDensity);
    if (m.baseMeasure)
      work.push_back(m.baseMeasure);
  }
  for (const tir::Sampler &s : program->samplers)
    work.push_back(s.sample);
  while (!work.empty()) {
    const tir::Function *f = work.back();
    work.pop_back();
    if (!live.insert(f).second)
      continue;
    tir::forEachExpr(*f, [&](const tir::Expr &e) {
      if (auto *c = llvm::dyn_cast<tir::CallExpr>(&e))
        work.push_back(c->callee);
      else if (auto *d = llvm::dyn_cast<tir::DerivativeExpr>(&e))
        work.push_back(d->target);
    });
  }
  llvm::erase_if(program->functions,
                 [&](const std::unique_ptr<tir::Function> &f) {
                   return !live.count(f.get());
                 });
}

/// Digits with an optional sign: an integer, whether or not it fits.
static bool isIntegerLiteral(llvm::StringRef text) {
  text = text.trim();
  text.consume_front("-") || text.consume_front("+");
  return !text.empty() && llvm::all_of(text, llvm::isDigit);
}

std::optional<Value> sema::parseDefine(llvm::StringRef text) {
  text = text.trim();
  int64_t i;
  // getAsInteger takes "-3" but not "+3".
  llvm::StringRef digits = text;
  if (digits.consume_front("+") && digits.starts_with("-"))
    return std::nullopt;
  if (!digits.getAsInteger(10, i))
    return Value::ofInt(i);
  if (isIntegerLiteral(text))
    return std::nullopt; // not a real: it would pass where integers cannot
  if (text == "true" || text == "false")
    return Value::ofBool(text == "true");
  double r;
  if (!text.getAsDouble(r))
    return Value::ofReal(r);
  return std::nullopt;
}

std::string ade::checkDefines(const ast::Module &root,
                              const std::map<std::string, std::string> &defines) {
  for (const auto &define : defines) {
    const std::string &name = define.first, &value = define.second;
    bool found = llvm::any_of(root.decls, [&](const ast::DeclPtr &d) {
      return llvm::isa<ast::ConstDecl>(d.get()) && d->name.name == name;
    });
    if (!found)
      return "-D " + name + ": '" + root.name +
             "' has no top-level 'const " + name + "'";
    if (!sema::parseDefine(value))
      return "-D " + name + "=" + value +
             (isIntegerLiteral(value)
                  ? ": the integer is out of the 64-bit range"
                  : ": the value must be an integer, a real or true/false");
  }
  return {};
}

std::unique_ptr<tir::Program> ade::analyze(const ModuleLoader &loader,
                                           const ast::Module &root,
                                           DiagnosticEngine &diags,
                                           const SemaOptions &options) {
  unsigned before = diags.getNumErrors();
  resolveNames(diags, loader);
  // Check even after resolution errors: unresolved names evaluate to
  // errors that suppress follow-ups, and the other errors still show.
  if (diags.limitReached())
    return nullptr;
  Checker checker(diags, options);
  std::unique_ptr<tir::Program> program = checker.run(root);
  if (diags.getNumErrors() != before)
    return nullptr;
  return program;
}
