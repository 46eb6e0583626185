//===- TypedIR.h - The checked, instantiated program ------------*- C++ -*-===//
//
// Sema's output and MLIRGen's input: every component instantiated, every
// compile-time value folded, every compile-time loop unrolled and `if`
// resolved, every function monomorphized (size parameters and function
// arguments bound). A function body is straight-line SSA: a list of
// bindings (`let`, `var` updates and random draws each define a new slot)
// and a result expression. Every node keeps the source range it came from.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_SEMA_TYPEDIR_H
#define ADE_SEMA_TYPEDIR_H

#include "ade/Basic/SourceManager.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Casting.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ade::tir {

/// Runtime element types. `real` has been resolved to F32 or F64.
enum class ScalarKind { F32, F64, Bool };
const char *toString(ScalarKind kind);

/// A runtime value's type: a tensor of static shape (rank 0 is a scalar) or
/// a tuple of such.
struct Type {
  ScalarKind elem = ScalarKind::F32;
  std::vector<int64_t> shape;
  bool isTuple = false;
  std::vector<Type> elems;

  static Type tensor(ScalarKind elem, std::vector<int64_t> shape) {
    Type t;
    t.elem = elem;
    t.shape = std::move(shape);
    return t;
  }
  static Type tuple(std::vector<Type> elems) {
    Type t;
    t.isTuple = true;
    t.elems = std::move(elems);
    return t;
  }
  bool isScalar() const { return !isTuple && shape.empty(); }
  bool isFloat() const { return !isTuple && elem != ScalarKind::Bool; }
  int64_t numElements() const;
  bool operator==(const Type &o) const;
  bool operator!=(const Type &o) const { return !(*this == o); }
  /// "f32[2, 3]", "(f32[2], f32[2])", "f32".
  std::string str() const;
};

/// How a parameter is initialized (drawn by the runtime, never by adec).
struct Initializer {
  enum class Kind {
    Zeros,
    Constant,
    Normal,
    Uniform,
    GlorotUniform,
    GlorotNormal,
    Orthogonal,
  };
  Kind kind = Kind::Zeros;
  /// Constant: a = value. Normal: a = mean, b = std. Uniform: [a, b).
  /// Glorot*/Orthogonal: a = gain.
  double a = 0, b = 0;
  /// Fans for Glorot initializers (from the shape or given explicitly).
  int64_t fanIn = 0, fanOut = 0;
  std::string str() const;
};

/// A learnable parameter of a model or sampler.
struct Param {
  /// Dotted path from the model/sampler: "net.layer.0.W".
  std::string name;
  Type type;
  Initializer init;
  SourceRange range;
  std::string doc;
};

class Function;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

/// Builtin operations on runtime values (docs/language.md lists them).
enum class BuiltinOp {
#define ADE_BUILTIN_OP(NAME, SPELLING) NAME,
#include "ade/Sema/BuiltinOps.def"
};
const char *toString(BuiltinOp op);

enum class BinaryKind {
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  MatMul,
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,
  And,
  Or,
};
const char *toString(BinaryKind kind);

/// Derivative builtins, applied to a function of one tensor argument.
enum class DerivativeKind { Grad, Vjp, Jvp, Hvp, HessianTrace, Jacobian };
const char *toString(DerivativeKind kind);

class Expr {
public:
  enum class Kind {
    Constant,
    ParamRef,
    LocalRef,
    Unary,
    Binary,
    Builtin,
    Call,
    Derivative,
    Subscript,
    Stack,
    MakeTuple,
    TupleGet,
    Cast,
  };
  Kind getKind() const { return kind; }
  Type type;
  SourceRange range;
  /// True when the value depends on a random draw (or a sampler's input).
  bool random = false;
  virtual ~Expr();

protected:
  Expr(Kind kind, Type type, SourceRange range)
      : type(std::move(type)), range(range), kind(kind) {}

private:
  Kind kind;
};

/// A literal tensor: `values` has one entry (splat) or numElements().
class ConstantExpr : public Expr {
public:
  ConstantExpr(Type type, SourceRange range, std::vector<double> values)
      : Expr(Kind::Constant, std::move(type), range),
        values(std::move(values)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Constant; }
  std::vector<double> values;
};

/// A learnable parameter: an index into Program::params.
class ParamRefExpr : public Expr {
public:
  ParamRefExpr(Type type, SourceRange range, unsigned index)
      : Expr(Kind::ParamRef, std::move(type), range), index(index) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::ParamRef; }
  unsigned index;
};

/// A function argument or a binding: an index into Function::locals.
class LocalRefExpr : public Expr {
public:
  LocalRefExpr(Type type, SourceRange range, unsigned slot)
      : Expr(Kind::LocalRef, std::move(type), range), slot(slot) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::LocalRef; }
  unsigned slot;
};

enum class UnaryKind { Neg, Not };

class UnaryExpr : public Expr {
public:
  UnaryExpr(Type type, SourceRange range, UnaryKind op, const Expr *operand)
      : Expr(Kind::Unary, std::move(type), range), op(op), operand(operand) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }
  UnaryKind op;
  const Expr *operand;
};

/// Elementwise with broadcasting (docs/language.md), or a matrix product.
class BinaryExpr : public Expr {
public:
  BinaryExpr(Type type, SourceRange range, BinaryKind op, const Expr *lhs,
             const Expr *rhs)
      : Expr(Kind::Binary, std::move(type), range), op(op), lhs(lhs),
        rhs(rhs) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }
  BinaryKind op;
  const Expr *lhs, *rhs;
};

class BuiltinExpr : public Expr {
public:
  BuiltinExpr(Type type, SourceRange range, BuiltinOp op,
              std::vector<const Expr *> operands,
              std::vector<int64_t> intAttrs = {}, double realAttr = 0)
      : Expr(Kind::Builtin, std::move(type), range), op(op),
        operands(std::move(operands)), intAttrs(std::move(intAttrs)),
        realAttr(realAttr) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Builtin; }
  BuiltinOp op;
  std::vector<const Expr *> operands;
  /// Op-specific: reduction axis (-1 = all), reshape target, conv stride
  /// and padding, pool window and stride.
  std::vector<int64_t> intAttrs;
  /// Op-specific: leaky_relu slope.
  double realAttr;
};

class CallExpr : public Expr {
public:
  CallExpr(Type type, SourceRange range, const Function *callee,
           std::vector<const Expr *> args)
      : Expr(Kind::Call, std::move(type), range), callee(callee),
        args(std::move(args)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }
  const Function *callee;
  std::vector<const Expr *> args;
};

/// `grad(f)(x)` and friends. `target` takes one tensor argument; `args` are
/// the point and, where the derivative needs one, the (co)tangent or the
/// Hutchinson probe vector.
class DerivativeExpr : public Expr {
public:
  DerivativeExpr(Type type, SourceRange range, DerivativeKind kind,
                 const Function *target, std::vector<const Expr *> args)
      : Expr(Kind::Derivative, std::move(type), range), kind(kind),
        target(target), args(std::move(args)) {}
  static bool classof(const Expr *e) {
    return e->getKind() == Kind::Derivative;
  }
  DerivativeKind kind;
  const Function *target;
  std::vector<const Expr *> args;
};

/// `x[i]`, `x[a:b, j]`: per leading dimension either one index (the dim is
/// dropped) or a slice [start, stop). Trailing dims are kept whole.
class SubscriptExpr : public Expr {
public:
  struct Item {
    bool isSlice;
    int64_t start, stop;
  };
  SubscriptExpr(Type type, SourceRange range, const Expr *base,
                std::vector<Item> items)
      : Expr(Kind::Subscript, std::move(type), range), base(base),
        items(std::move(items)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Subscript; }
  const Expr *base;
  std::vector<Item> items;
};

/// `[a, b, c]` with runtime elements of equal type: a new leading dimension.
class StackExpr : public Expr {
public:
  StackExpr(Type type, SourceRange range, std::vector<const Expr *> elems)
      : Expr(Kind::Stack, std::move(type), range), elems(std::move(elems)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Stack; }
  std::vector<const Expr *> elems;
};

class MakeTupleExpr : public Expr {
public:
  MakeTupleExpr(Type type, SourceRange range, std::vector<const Expr *> elems)
      : Expr(Kind::MakeTuple, std::move(type), range),
        elems(std::move(elems)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::MakeTuple; }
  std::vector<const Expr *> elems;
};

class TupleGetExpr : public Expr {
public:
  TupleGetExpr(Type type, SourceRange range, const Expr *tuple, unsigned index)
      : Expr(Kind::TupleGet, std::move(type), range), tuple(tuple),
        index(index) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::TupleGet; }
  const Expr *tuple;
  unsigned index;
};

class CastExpr : public Expr {
public:
  CastExpr(Type type, SourceRange range, const Expr *operand)
      : Expr(Kind::Cast, std::move(type), range), operand(operand) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Cast; }
  const Expr *operand;
};

//===----------------------------------------------------------------------===//
// Functions and the program
//===----------------------------------------------------------------------===//

/// A value slot of a function: an argument, a binding or a draw.
struct Local {
  std::string name;
  Type type;
  SourceRange range;
  bool random = false;
};

enum class Distribution { Normal, Uniform };

/// One step of a function body.
struct Binding {
  enum class Kind {
    /// `slot = value`: `let`, `var` initialization or update.
    Assign,
    /// `slot ~ dist(args...)`: a random draw of the local's shape. Normal
    /// takes (mean, std), Uniform (low, high); both broadcast to the shape.
    Draw,
    /// `report name = value`: a per-particle statistic of a sampler (a
    /// scalar; no slot).
    Report,
  };
  Kind kind = Kind::Assign;
  unsigned slot = 0;
  std::string reportName;
  const Expr *value = nullptr;
  Distribution dist = Distribution::Normal;
  std::vector<const Expr *> distArgs;
  SourceRange range;
};

class Function {
public:
  /// Unique name: "Moons.f", "Moons.net.forward", "std.dynamics.leapfrog.1".
  std::string name;
  SourceRange range;
  /// The first `numArgs` locals are the arguments.
  unsigned numArgs = 0;
  std::vector<Local> locals;
  std::vector<Binding> body;
  const Expr *result = nullptr;
  /// True when the function, or one it calls, draws random numbers.
  bool hasDraws = false;
  /// Where the first draw is (for diagnostics).
  SourceRange firstDraw;
  /// True when the function, or one it calls, reports a statistic; where
  /// the first report is.
  bool hasReports = false;
  SourceRange firstReport;

  const Type &getResultType() const { return result->type; }

  /// Allocates an expression owned by this function.
  template <typename T, typename... Args> T *create(Args &&...args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T *raw = node.get();
    arena.push_back(std::move(node));
    return raw;
  }

private:
  std::vector<std::unique_ptr<Expr>> arena;
};

/// A model: `f(x)` is the log-density up to a constant (plus the optional
/// fixed base measure `base(x)`).
struct Model {
  std::string name;
  std::string doc;
  SourceRange range;
  Type dataType;
  std::vector<unsigned> params;
  const Function *logDensity = nullptr;
  const Function *baseMeasure = nullptr;
};

/// A sampler for a model: `sample()` or `sample(x0)` returning x or (x, v).
struct Sampler {
  std::string name;
  std::string doc;
  SourceRange range;
  unsigned model = 0;
  std::vector<unsigned> params;
  const Function *sample = nullptr;
  /// True for `sample(x0)`: dynamics started from a given point.
  bool takesInitialState = false;
  /// True when sample returns (x, v).
  bool returnsMomentum = false;
};

struct Program {
  std::vector<Param> params;
  std::vector<std::unique_ptr<Function>> functions;
  std::vector<Model> models;
  std::vector<Sampler> samplers;
};

/// The offset (in elements) of every parameter in its owner's flat buffer:
/// parameters are packed in the owner's declaration order.
std::vector<int64_t> computeParamOffsets(const Program &program);

/// Elements of an owner's flat parameter buffer.
int64_t paramBufferSize(const Program &program,
                        const std::vector<unsigned> &params);

/// Calls `visit` on every expression of `f` (bindings, draw parameters and
/// the result, with all their operands), each node once.
void forEachExpr(const Function &f,
                 llvm::function_ref<void(const Expr &)> visit);

/// `adec --emit=sema`: a readable dump of the whole program.
void dumpProgram(const Program &program, llvm::raw_ostream &os);

} // namespace ade::tir

#endif // ADE_SEMA_TYPEDIR_H
