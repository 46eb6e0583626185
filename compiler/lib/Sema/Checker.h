//===- Checker.h - Type checking and instantiation --------------*- C++ -*-===//
//
// The checker evaluates the resolved AST the way a compile-time interpreter
// would: compile-time values (integers, reals, booleans, integer lists,
// functions, component instances) are computed, runtime values become typed
// IR expressions. Loops are unrolled and `if`s resolved as it goes, so every
// shape is known where it is checked. Split over Checker.cpp (expressions,
// statements, functions), CheckBuiltins.cpp and CheckInstances.cpp
// (components, parameters, models, samplers).
//
//===----------------------------------------------------------------------===//
#ifndef ADE_LIB_SEMA_CHECKER_H
#define ADE_LIB_SEMA_CHECKER_H

#include "ade/AST/AST.h"
#include "ade/Basic/Diagnostics.h"
#include "ade/Sema/Builtins.h"
#include "ade/Sema/Sema.h"
#include "ade/Sema/TypedIR.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

namespace ade::sema {

struct Instance;
struct FnRef;

/// The result of evaluating an expression.
struct Value {
  enum class Kind {
    /// An error was reported; suppress follow-up errors.
    Error,
    Int,
    Real,
    Bool,
    IntList,
    /// A runtime tensor or tuple: `expr` holds it.
    Runtime,
    /// A tuple of values, some possibly compile-time.
    Tuple,
    Fn,
    Instance,
    InstanceArray,
    /// A component declaration (callable only to instantiate a member).
    Component,
  };
  Kind kind = Kind::Error;
  int64_t i = 0;
  double r = 0;
  bool b = false;
  std::vector<int64_t> list;
  const tir::Expr *expr = nullptr;
  std::vector<Value> elems;
  std::shared_ptr<FnRef> fn;
  Instance *inst = nullptr;
  const std::map<int64_t, Instance *> *array = nullptr;
  const ast::ComponentDecl *component = nullptr;

  static Value error() { return {}; }
  static Value ofInt(int64_t v) {
    Value x;
    x.kind = Kind::Int;
    x.i = v;
    return x;
  }
  static Value ofReal(double v) {
    Value x;
    x.kind = Kind::Real;
    x.r = v;
    return x;
  }
  static Value ofBool(bool v) {
    Value x;
    x.kind = Kind::Bool;
    x.b = v;
    return x;
  }
  static Value ofRuntime(const tir::Expr *e) {
    Value x;
    x.kind = Kind::Runtime;
    x.expr = e;
    return x;
  }
  static Value ofFn(std::shared_ptr<FnRef> f) {
    Value x;
    x.kind = Kind::Fn;
    x.fn = std::move(f);
    return x;
  }
  bool isError() const { return kind == Kind::Error; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Real; }
  bool isCompileTime() const {
    return kind == Kind::Int || kind == Kind::Real || kind == Kind::Bool ||
           kind == Kind::IntList;
  }
  double asReal() const { return kind == Kind::Int ? double(i) : r; }
};

/// A function value: user function (with the instance it belongs to),
/// builtin, derivative of another function value.
struct FnRef {
  enum class Kind { User, Builtin, Derivative };
  Kind kind = Kind::User;
  const ast::FnDecl *decl = nullptr;
  Instance *self = nullptr;
  Builtin builtin = Builtin::Identity;
  tir::DerivativeKind derivative = tir::DerivativeKind::Grad;
  std::shared_ptr<FnRef> inner;

  /// Identity for memoizing instantiations.
  std::string key() const;
  /// For messages: "'leapfrog'", "'relu'", "grad('f')".
  std::string describe() const;
};

/// A component, model or sampler instance.
struct Instance {
  const ast::ContainerDecl *decl = nullptr;
  /// Dotted path below the model/sampler ("" for the root).
  std::string path;
  /// Qualified name for functions: "Moons", "Moons.net.layer.0".
  std::string qualifiedName;
  /// Parameter list of the enclosing model or sampler (`ownParams` of the
  /// root instance).
  std::vector<unsigned> *ownerParams = nullptr;
  std::vector<unsigned> ownParams;
  /// For a sampler's root: the model's root instance.
  Instance *model = nullptr;
  /// Bound component arguments, by their declaring Ident.
  std::unordered_map<const ast::Ident *, Value> args;

  struct MemberEntry {
    enum class Kind { Param, Instance, Array, Const, Fn };
    MemberEntry(Kind kind, SourceRange range) : kind(kind), range(range) {}
    Kind kind;
    SourceRange range;
    unsigned param = 0;
    Instance *instance = nullptr;
    std::map<int64_t, Instance *> array;
    Value constant;
    const ast::FnDecl *fn = nullptr;
  };
  std::map<std::string, MemberEntry> members;
  /// Members whose definition failed (already reported): uses stay quiet.
  std::set<std::string> failedMembers;
};

/// Evaluation context: the function being built (null when only compile-time
/// values may be produced), the instance whose members are visible, and the
/// values of local bindings.
struct Frame {
  tir::Function *fn = nullptr;
  Instance *self = nullptr;
  std::unordered_map<const ast::Ident *, Value> locals;
  /// Set once the function body has returned.
  std::optional<Value> returned;
  /// The returned expression, where diagnostics about the result point.
  SourceRange returnRange;
};

/// Deepest chain of function instantiations (and of nested components).
constexpr size_t kMaxCallDepth = 256;

/// Converts `v` to compile-time kind `kind` if it is one.
std::optional<Value> coerceKind(const Value &v, ast::CtKind kind);

/// A `-D NAME=VALUE` value: an integer, real or boolean literal.
std::optional<Value> parseDefine(llvm::StringRef text);

/// Thrown when the unrolled program exceeds its size budget or too many
/// errors were reported; the diagnostic is already out.
struct CheckAbort {};

class Checker {
public:
  Checker(DiagnosticEngine &diags, const SemaOptions &options)
      : diags(diags), options(options),
        program(std::make_unique<tir::Program>()) {}

  std::unique_ptr<tir::Program> run(const ast::Module &root);
  /// Drops functions no model or sampler reaches (signature checks and
  /// closed functions create some).
  void pruneUnreachableFunctions();

  //===--------------------------------------------------------------------===//
  // Types (Checker.cpp)
  //===--------------------------------------------------------------------===//
  tir::ScalarKind resolveElem(ast::ElemKind kind) const;
  tir::ScalarKind floatElem() const { return options.precision; }
  /// Evaluates a declared type; size parameters must be bound in `frame`.
  std::optional<tir::Type> evalType(const ast::TypeExpr &type, Frame &frame);
  std::optional<int64_t> evalDim(const ast::Expr &dim, Frame &frame);

  //===--------------------------------------------------------------------===//
  // Expressions and statements (Checker.cpp)
  //===--------------------------------------------------------------------===//
  Value eval(const ast::Expr &e, Frame &frame);
  Value evalName(const ast::NameExpr &e, Frame &frame);
  /// A top-level constant, evaluated once (`-D` overrides apply to the
  /// root module's).
  Value evalConst(const ast::ConstDecl &c, SourceRange use);
  Value evalMember(Instance &inst, const std::string &name,
                   SourceRange where, Frame &frame);
  Value evalUnary(const ast::UnaryExpr &e, Frame &frame);
  Value evalBinary(const ast::BinaryExpr &e, Frame &frame);
  Value binary(ast::BinaryOp op, Value lhs, Value rhs, SourceRange lhsRange,
               SourceRange rhsRange, SourceRange opRange, SourceRange whole,
               Frame &frame);
  Value foldBinary(ast::BinaryOp op, const Value &lhs, const Value &rhs,
                   SourceRange where);
  Value evalCall(const ast::CallExpr &e, Frame &frame);
  Value evalIndex(const ast::IndexExpr &e, Frame &frame);
  Value evalList(const ast::ListExpr &e, Frame &frame);
  Value evalCast(const ast::CastExpr &e, Frame &frame);

  void execBlock(const ast::Block &block, Frame &frame, bool tailPosition);
  void execStmt(const ast::Stmt &s, Frame &frame, bool tailPosition);
  void bindValue(const ast::Ident &name, Value v, Frame &frame,
                 SourceRange range);

  /// An argument of a call, evaluated.
  struct ArgValue {
    std::optional<std::string> name;
    Value value;
    SourceRange range;
    /// False for an optional argument that was not given.
    bool present = true;
  };
  std::vector<ArgValue> evalArgs(const std::vector<ast::Arg> &args,
                                 Frame &frame);
  Value callFn(const FnRef &fn, std::vector<ArgValue> args,
               SourceRange callRange, Frame &frame);

  //===--------------------------------------------------------------------===//
  // Functions (Checker.cpp)
  //===--------------------------------------------------------------------===//
  /// Argument signature of a call: a runtime type, a function or a
  /// compile-time integer.
  struct ArgSig {
    std::optional<tir::Type> type;
    std::shared_ptr<FnRef> fn;
    std::optional<int64_t> ctInt;
    /// A sampler's initial state counts as random.
    bool random = false;
    SourceRange range;
  };
  /// Monomorphizes a user function for these arguments (memoized).
  tir::Function *instantiate(const FnRef &fn, const std::vector<ArgSig> &sigs,
                             SourceRange callRange);
  /// instantiate's work: null after an error, with `bodyChecked` telling
  /// whether the error came from the function itself (worth remembering)
  /// or from this call (its arguments, the depth of the calls).
  tir::Function *instantiateUncached(const FnRef &fn,
                                     const std::vector<ArgSig> &sigs,
                                     SourceRange callRange, bool &bodyChecked);
  /// A function of the given runtime argument types for any function value
  /// (wrapping builtins and derivatives), e.g. to differentiate it.
  tir::Function *instantiateCallable(const FnRef &fn,
                                     const std::vector<tir::Type> &types,
                                     SourceRange callRange);
  Value callUser(const FnRef &fn, std::vector<ArgValue> args,
                 SourceRange callRange, Frame &frame);
  Value callDerivative(const FnRef &fn, std::vector<ArgValue> args,
                       SourceRange callRange, Frame &frame);
  /// Orders arguments by parameter names: one entry per name, `present`
  /// false for omitted optional ones. Reports E033/E035.
  std::optional<std::vector<ArgValue>>
  orderArgs(std::vector<ArgValue> args,
            const std::vector<std::string> &paramNames, size_t numRequired,
            const std::string &callee, SourceRange callRange);

  //===--------------------------------------------------------------------===//
  // Runtime value helpers (Checker.cpp)
  //===--------------------------------------------------------------------===//
  /// Converts a value to a runtime expression; compile-time numbers take
  /// element type `elem` (the precision if none). Reports E038/E042.
  const tir::Expr *toRuntime(const Value &v, SourceRange where, Frame &frame,
                             std::optional<tir::ScalarKind> elem = {});
  const tir::Expr *constant(tir::Type type, std::vector<double> values,
                            SourceRange where, Frame &frame);
  unsigned addLocal(Frame &frame, std::string name, tir::Type type,
                    SourceRange range, bool random);
  /// Binds `value` to a fresh slot named `name` and returns a reference.
  const tir::Expr *bindSlot(Frame &frame, const std::string &name,
                            const tir::Expr *value, SourceRange range);
  /// Binds a runtime tuple to a slot so that unpacking it evaluates it once.
  const tir::Expr *bindTuple(Frame &frame, const std::vector<ast::Ident> &names,
                             const tir::Expr *value, SourceRange range);
  bool requireFunction(Frame &frame, SourceRange where, const char *what);
  /// Numpy-style broadcast of two static shapes; nullopt if incompatible.
  static std::optional<std::vector<int64_t>>
  broadcast(const std::vector<int64_t> &a, const std::vector<int64_t> &b);
  std::string describe(const Value &v) const;
  /// Charges `count` bindings to the program-size budget (E051); aborts the
  /// check past it or past the error limit.
  void countBinding(SourceRange where, uint64_t count = 1);
  /// Aborts the check once the error limit is reached (nothing more would
  /// be reported).
  void stopAtErrorLimit();

  //===--------------------------------------------------------------------===//
  // Builtins (CheckBuiltins.cpp)
  //===--------------------------------------------------------------------===//
  Value callBuiltin(Builtin b, std::vector<ArgValue> args,
                    SourceRange callRange, Frame &frame);
  Value evalDraw(const ast::DrawStmt &s, Frame &frame);
  void evalReport(const ast::ReportStmt &s, Frame &frame);

  //===--------------------------------------------------------------------===//
  // Instances (CheckInstances.cpp)
  //===--------------------------------------------------------------------===//
  Instance *instantiateComponent(const ast::ComponentDecl &decl,
                                 std::vector<ArgValue> args,
                                 const Instance &parent,
                                 const std::string &memberPath,
                                 SourceRange callRange, Frame &frame);
  void processMembers(const std::vector<ast::MemberPtr> &members,
                      Instance &inst, Frame &frame, bool inLoop);
  void processMember(const ast::Member &m, Instance &inst, Frame &frame,
                     bool inLoop);
  std::optional<tir::Initializer> evalInitializer(const ast::Expr *init,
                                                  const tir::Type &type,
                                                  Frame &frame);
  void checkArraysComplete(Instance &inst, SourceRange where);
  Instance *newRootInstance(const ast::ContainerDecl &decl);
  std::optional<unsigned> checkModel(const ast::ModelDecl &decl);
  void checkSampler(const ast::SamplerDecl &decl);
  void checkClosedFunction(const ast::FnDecl &decl);
  /// A function of the model, checked as a log-density `fn(x: T) -> real`.
  tir::Function *checkDensityFn(Instance &model, const std::string &name,
                                std::optional<tir::Type> &dataType,
                                bool required);

  DiagnosticEngine &diags;
  SemaOptions options;
  const ast::Module *root = nullptr;
  std::unique_ptr<tir::Program> program;
  std::vector<std::unique_ptr<Instance>> instances;

  std::map<std::string, tir::Function *> instantiated;
  /// Instances per function name, to number the specializations.
  std::map<std::string, unsigned> functionNameCount;
  std::vector<const ast::FnDecl *> callStack;
  std::vector<const ast::ComponentDecl *> componentStack;
  std::vector<SourceRange> componentCallSites;
  std::map<const ast::ModelDecl *, unsigned> checkedModels;
  std::map<const ast::ModelDecl *, Instance *> modelInstances;
  std::map<const ast::ConstDecl *, Value> constValues;
  std::set<const ast::ConstDecl *> evaluatingConsts;
  uint64_t bindingBudgetUsed = 0;
  unsigned thunkCounter = 0;
};

} // namespace ade::sema

#endif // ADE_LIB_SEMA_CHECKER_H
