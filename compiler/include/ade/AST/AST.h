//===- AST.h - The .ade abstract syntax tree --------------------*- C++ -*-===//
//
// The AST mirrors the surface syntax (docs/language.md). Every node carries
// its source range. Nodes are owned through std::unique_ptr by their parent;
// LLVM-style RTTI (isa/dyn_cast) distinguishes node kinds. The resolver fills
// NameExpr::symbol; everything else is immutable after parsing.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_AST_AST_H
#define ADE_AST_AST_H

#include "ade/Basic/SourceManager.h"

#include "llvm/Support/Casting.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ade::ast {

/// A name at a place: every binding site and reference owns one. The address
/// of a binding site's Ident is the identity the resolver and Sema use.
struct Ident {
  std::string name;
  SourceRange range;
};

/// Element types of tensors. `Real` is the compilation precision (f32 unless
/// `adec --precision=f64`); `Int` is only for compile-time integers.
enum class ElemKind { F32, F64, Real, Bool, Int };
const char *toString(ElemKind kind);

/// Kinds of compile-time values (component arguments, `const`).
enum class CtKind { Int, IntList, Real, Bool, Fn };
const char *toString(CtKind kind);

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class Expr;
using ExprPtr = std::unique_ptr<Expr>;

class TypeExpr {
public:
  enum class Kind { Tensor, Tuple, Fn };
  virtual ~TypeExpr();
  Kind getKind() const { return kind; }
  SourceRange range;

protected:
  TypeExpr(Kind kind, SourceRange range) : range(range), kind(kind) {}

private:
  Kind kind;
};
using TypeExprPtr = std::unique_ptr<TypeExpr>;

/// `f32`, `f32[2]`, `real[n, m]`: dims are compile-time integer expressions.
class TensorTypeExpr : public TypeExpr {
public:
  TensorTypeExpr(SourceRange range, ElemKind elem, std::vector<ExprPtr> dims);
  ~TensorTypeExpr() override;
  static bool classof(const TypeExpr *t) { return t->getKind() == Kind::Tensor; }
  ElemKind elem;
  std::vector<ExprPtr> dims;
};

/// `(f32[2], f32[2])`
class TupleTypeExpr : public TypeExpr {
public:
  TupleTypeExpr(SourceRange range, std::vector<TypeExprPtr> elems)
      : TypeExpr(Kind::Tuple, range), elems(std::move(elems)) {}
  static bool classof(const TypeExpr *t) { return t->getKind() == Kind::Tuple; }
  std::vector<TypeExprPtr> elems;
};

/// `fn(f32[d]) -> f32`: the type of a function-valued argument.
class FnTypeExpr : public TypeExpr {
public:
  FnTypeExpr(SourceRange range, std::vector<TypeExprPtr> params,
             TypeExprPtr result)
      : TypeExpr(Kind::Fn, range), params(std::move(params)),
        result(std::move(result)) {}
  static bool classof(const TypeExpr *t) { return t->getKind() == Kind::Fn; }
  std::vector<TypeExprPtr> params;
  TypeExprPtr result;
};

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

class Decl;

/// What a NameExpr refers to, filled by the resolver.
struct Symbol {
  enum class Kind {
    Unresolved,
    /// A binding site inside a function or component (`let`, `var`, draw,
    /// loop variable, function or size parameter, component parameter,
    /// member-level loop variable): `binding` is its Ident.
    Local,
    /// A member of the enclosing component/model/sampler, by name.
    Member,
    /// A member of the sampler's model (`f`, ...), by name.
    ModelMember,
    /// A top-level declaration of some module.
    Global,
    /// A builtin function or distribution, by name.
    Builtin,
  };
  Kind kind = Kind::Unresolved;
  const Ident *binding = nullptr;
  const Decl *decl = nullptr;
};

class Expr {
public:
  enum class Kind {
    IntLit,
    FloatLit,
    BoolLit,
    Name,
    Unary,
    Binary,
    Call,
    Index,
    Member,
    List,
    Tuple,
    If,
    Cast,
  };
  virtual ~Expr();
  Kind getKind() const { return kind; }
  SourceRange range;

protected:
  Expr(Kind kind, SourceRange range) : range(range), kind(kind) {}

private:
  Kind kind;
};

class IntLitExpr : public Expr {
public:
  IntLitExpr(SourceRange range, int64_t value)
      : Expr(Kind::IntLit, range), value(value) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::IntLit; }
  int64_t value;
};

class FloatLitExpr : public Expr {
public:
  FloatLitExpr(SourceRange range, double value, std::string spelling)
      : Expr(Kind::FloatLit, range), value(value),
        spelling(std::move(spelling)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::FloatLit; }
  double value;
  std::string spelling;
};

class BoolLitExpr : public Expr {
public:
  BoolLitExpr(SourceRange range, bool value)
      : Expr(Kind::BoolLit, range), value(value) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::BoolLit; }
  bool value;
};

class NameExpr : public Expr {
public:
  NameExpr(SourceRange range, std::string name)
      : Expr(Kind::Name, range), name(std::move(name)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Name; }
  std::string name;
  Symbol symbol;
};

enum class UnaryOp { Neg, Plus, Not };
const char *toString(UnaryOp op);

class UnaryExpr : public Expr {
public:
  UnaryExpr(SourceRange range, UnaryOp op, ExprPtr operand)
      : Expr(Kind::Unary, range), op(op), operand(std::move(operand)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp {
  Add,
  Sub,
  Mul,
  Div,
  Mod,
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
/// The operator's spelling: "+", "@", "&&", ...
const char *toString(BinaryOp op);

class BinaryExpr : public Expr {
public:
  BinaryExpr(SourceRange range, BinaryOp op, SourceRange opRange, ExprPtr lhs,
             ExprPtr rhs)
      : Expr(Kind::Binary, range), op(op), opRange(opRange),
        lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }
  BinaryOp op;
  SourceRange opRange;
  ExprPtr lhs, rhs;
};

/// A call argument, positional or named (`act: relu`).
struct Arg {
  std::optional<Ident> name;
  ExprPtr value;
  SourceRange range;
};

class CallExpr : public Expr {
public:
  CallExpr(SourceRange range, ExprPtr callee, std::vector<Arg> args)
      : Expr(Kind::Call, range), callee(std::move(callee)),
        args(std::move(args)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }
  ExprPtr callee;
  std::vector<Arg> args;
};

/// One subscript: `i` or a slice `lo:hi` (either bound optional).
struct IndexItem {
  bool isSlice = false;
  ExprPtr lo, hi; // for a single index, `lo` holds it
  SourceRange range;
};

class IndexExpr : public Expr {
public:
  IndexExpr(SourceRange range, ExprPtr base, std::vector<IndexItem> items)
      : Expr(Kind::Index, range), base(std::move(base)),
        items(std::move(items)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Index; }
  ExprPtr base;
  std::vector<IndexItem> items;
};

/// `inst.name`: a member of a component instance.
class MemberExpr : public Expr {
public:
  MemberExpr(SourceRange range, ExprPtr base, Ident member)
      : Expr(Kind::Member, range), base(std::move(base)),
        member(std::move(member)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Member; }
  ExprPtr base;
  Ident member;
};

/// `[a, b, c]`: a compile-time list or a vector built from scalars.
class ListExpr : public Expr {
public:
  ListExpr(SourceRange range, std::vector<ExprPtr> elems)
      : Expr(Kind::List, range), elems(std::move(elems)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::List; }
  std::vector<ExprPtr> elems;
};

class TupleExpr : public Expr {
public:
  TupleExpr(SourceRange range, std::vector<ExprPtr> elems)
      : Expr(Kind::Tuple, range), elems(std::move(elems)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Tuple; }
  std::vector<ExprPtr> elems;
};

/// `if c { a } else { b }` with a compile-time condition.
class IfExpr : public Expr {
public:
  IfExpr(SourceRange range, ExprPtr cond, ExprPtr thenValue, ExprPtr elseValue)
      : Expr(Kind::If, range), cond(std::move(cond)),
        thenValue(std::move(thenValue)), elseValue(std::move(elseValue)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::If; }
  ExprPtr cond, thenValue, elseValue;
};

/// `real(i)`, `f64(x)`: conversion of a value to an element type.
class CastExpr : public Expr {
public:
  CastExpr(SourceRange range, ElemKind elem, ExprPtr operand)
      : Expr(Kind::Cast, range), elem(elem), operand(std::move(operand)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Cast; }
  ElemKind elem;
  ExprPtr operand;
};

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

class Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

struct Block {
  std::vector<StmtPtr> stmts;
  SourceRange range;
  Block();
  Block(Block &&);
  Block &operator=(Block &&);
  ~Block();
};

class Stmt {
public:
  enum class Kind { Let, Assign, Draw, Report, Return, For, If };
  virtual ~Stmt();
  Kind getKind() const { return kind; }
  SourceRange range;

protected:
  Stmt(Kind kind, SourceRange range) : range(range), kind(kind) {}

private:
  Kind kind;
};

/// `let x = e`, `let x: T = e`, `let (a, b) = e`, and the same with `var`
/// (mutable variables).
class LetStmt : public Stmt {
public:
  LetStmt(SourceRange range, bool isVar, std::vector<Ident> names,
          bool isTuple, TypeExprPtr type, ExprPtr init)
      : Stmt(Kind::Let, range), isVar(isVar), names(std::move(names)),
        isTuple(isTuple), type(std::move(type)), init(std::move(init)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Let; }
  bool isVar;
  std::vector<Ident> names;
  bool isTuple;
  TypeExprPtr type;
  ExprPtr init;
};

enum class AssignOp { Assign, Add, Sub, Mul, Div };
const char *toString(AssignOp op);

/// `x = e`, `x += e`, `(x, v) = e`. Each target Ident is a reference; its
/// resolved binding is stored in `targetBindings`.
class AssignStmt : public Stmt {
public:
  AssignStmt(SourceRange range, std::vector<Ident> targets, bool isTuple,
             AssignOp op, ExprPtr value)
      : Stmt(Kind::Assign, range), targets(std::move(targets)),
        isTuple(isTuple), op(op), value(std::move(value)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Assign; }
  std::vector<Ident> targets;
  std::vector<const Ident *> targetBindings;
  bool isTuple;
  AssignOp op;
  ExprPtr value;
};

/// `z ~ normal(0, 1, [2])`: declares `z` as a fresh random variable.
class DrawStmt : public Stmt {
public:
  DrawStmt(SourceRange range, Ident name, ExprPtr dist)
      : Stmt(Kind::Draw, range), name(std::move(name)), dist(std::move(dist)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Draw; }
  Ident name;
  ExprPtr dist;
};

/// `report acceptance = e`: a per-particle statistic of a sampler (a real
/// or bool scalar), averaged over the batch by aderun. Not a binding.
class ReportStmt : public Stmt {
public:
  ReportStmt(SourceRange range, Ident name, ExprPtr value)
      : Stmt(Kind::Report, range), name(std::move(name)),
        value(std::move(value)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Report; }
  Ident name;
  ExprPtr value;
};

class ReturnStmt : public Stmt {
public:
  ReturnStmt(SourceRange range, ExprPtr value)
      : Stmt(Kind::Return, range), value(std::move(value)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Return; }
  ExprPtr value;
};

/// `for i in lo..hi { ... }` with compile-time bounds (hi exclusive).
class ForStmt : public Stmt {
public:
  ForStmt(SourceRange range, Ident var, ExprPtr lo, ExprPtr hi, Block body)
      : Stmt(Kind::For, range), var(std::move(var)), lo(std::move(lo)),
        hi(std::move(hi)), body(std::move(body)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::For; }
  Ident var;
  ExprPtr lo, hi;
  Block body;
};

/// `if c { ... } else { ... }`; `else if` is an else block holding one IfStmt.
class IfStmt : public Stmt {
public:
  IfStmt(SourceRange range, ExprPtr cond, Block thenBody,
         std::optional<Block> elseBody)
      : Stmt(Kind::If, range), cond(std::move(cond)),
        thenBody(std::move(thenBody)), elseBody(std::move(elseBody)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::If; }
  ExprPtr cond;
  Block thenBody;
  std::optional<Block> elseBody;
};

//===----------------------------------------------------------------------===//
// Members of components, models and samplers
//===----------------------------------------------------------------------===//

class FnDecl;
class Member;
using MemberPtr = std::unique_ptr<Member>;

class Member {
public:
  enum class Kind { Param, Instance, Const, Fn, For, If };
  virtual ~Member();
  Kind getKind() const { return kind; }
  SourceRange range;
  std::string doc;

protected:
  Member(Kind kind, SourceRange range) : range(range), kind(kind) {}

private:
  Kind kind;
};

/// `param W: f32[n, m] = glorot_uniform()`
class ParamMember : public Member {
public:
  ParamMember(SourceRange range, Ident name, TypeExprPtr type, ExprPtr init)
      : Member(Kind::Param, range), name(std::move(name)),
        type(std::move(type)), init(std::move(init)) {}
  static bool classof(const Member *m) { return m->getKind() == Kind::Param; }
  Ident name;
  TypeExprPtr type;
  ExprPtr init; // null: zeros
};

/// `net = MLP(2, [128], 1)` or, in a member loop, `layer[i] = Dense(a, b)`.
class InstanceMember : public Member {
public:
  InstanceMember(SourceRange range, Ident name, ExprPtr index, ExprPtr init)
      : Member(Kind::Instance, range), name(std::move(name)),
        index(std::move(index)), init(std::move(init)) {}
  static bool classof(const Member *m) {
    return m->getKind() == Kind::Instance;
  }
  Ident name;
  ExprPtr index; // null unless an array element
  ExprPtr init;
};

/// `const n = 3` (also used for top-level constants).
class ConstMember : public Member {
public:
  ConstMember(SourceRange range, Ident name, std::optional<CtKind> kind,
              ExprPtr init)
      : Member(Kind::Const, range), name(std::move(name)), ctKind(kind),
        init(std::move(init)) {}
  static bool classof(const Member *m) { return m->getKind() == Kind::Const; }
  Ident name;
  std::optional<CtKind> ctKind;
  ExprPtr init;
};

class FnMember : public Member {
public:
  FnMember(SourceRange range, std::unique_ptr<FnDecl> fn);
  ~FnMember() override;
  static bool classof(const Member *m) { return m->getKind() == Kind::Fn; }
  std::unique_ptr<FnDecl> fn;
};

/// Member-level compile-time loop: instantiates array elements.
class ForMember : public Member {
public:
  ForMember(SourceRange range, Ident var, ExprPtr lo, ExprPtr hi,
            std::vector<MemberPtr> body)
      : Member(Kind::For, range), var(std::move(var)), lo(std::move(lo)),
        hi(std::move(hi)), body(std::move(body)) {}
  static bool classof(const Member *m) { return m->getKind() == Kind::For; }
  Ident var;
  ExprPtr lo, hi;
  std::vector<MemberPtr> body;
};

/// Member-level compile-time conditional.
class IfMember : public Member {
public:
  IfMember(SourceRange range, ExprPtr cond, std::vector<MemberPtr> thenBody,
           std::vector<MemberPtr> elseBody)
      : Member(Kind::If, range), cond(std::move(cond)),
        thenBody(std::move(thenBody)), elseBody(std::move(elseBody)) {}
  static bool classof(const Member *m) { return m->getKind() == Kind::If; }
  ExprPtr cond;
  std::vector<MemberPtr> thenBody, elseBody;
};

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

class Decl {
public:
  enum class Kind { Import, Const, Fn, Component, Model, Sampler };
  virtual ~Decl();
  Kind getKind() const { return kind; }
  Ident name;
  SourceRange range;
  std::string doc;
  /// The module that declares it (set by the parser).
  const struct Module *module = nullptr;

protected:
  Decl(Kind kind, Ident name, SourceRange range)
      : name(std::move(name)), range(range), kind(kind) {}

private:
  Kind kind;
};
using DeclPtr = std::unique_ptr<Decl>;

/// `import std.nn`: `name` holds the dotted path.
class ImportDecl : public Decl {
public:
  ImportDecl(SourceRange range, Ident name, std::vector<Ident> path)
      : Decl(Kind::Import, std::move(name), range), path(std::move(path)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Import; }
  std::vector<Ident> path;
  /// The imported module, set by the module loader (null if not found).
  const struct Module *imported = nullptr;
};

class ConstDecl : public Decl {
public:
  ConstDecl(SourceRange range, Ident name, std::optional<CtKind> kind,
            ExprPtr init)
      : Decl(Kind::Const, std::move(name), range), ctKind(kind),
        init(std::move(init)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Const; }
  std::optional<CtKind> ctKind;
  ExprPtr init;
};

struct FnParam {
  Ident name;
  TypeExprPtr type;
  SourceRange range;
};

/// `fn name[n, m](x: f32[n], g: fn(f32[n]) -> f32) -> f32 = e` or `{ ... }`.
class FnDecl : public Decl {
public:
  FnDecl(SourceRange range, Ident name, std::vector<Ident> sizeParams,
         std::vector<FnParam> params, TypeExprPtr result, ExprPtr exprBody,
         std::optional<Block> blockBody)
      : Decl(Kind::Fn, std::move(name), range),
        sizeParams(std::move(sizeParams)), params(std::move(params)),
        result(std::move(result)), exprBody(std::move(exprBody)),
        blockBody(std::move(blockBody)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Fn; }
  std::vector<Ident> sizeParams;
  std::vector<FnParam> params;
  TypeExprPtr result; // null: inferred from the body
  ExprPtr exprBody;   // `= e` form
  std::optional<Block> blockBody;
};

/// A compile-time parameter of a component: `n: int`, `act: fn = relu`.
struct CompParam {
  Ident name;
  CtKind kind;
  ExprPtr defaultValue;
  SourceRange range;
};

/// Common base of components, models and samplers: a list of members.
class ContainerDecl : public Decl {
public:
  static bool classof(const Decl *d) {
    return d->getKind() == Kind::Component || d->getKind() == Kind::Model ||
           d->getKind() == Kind::Sampler;
  }
  std::vector<MemberPtr> members;

protected:
  ContainerDecl(Kind kind, Ident name, SourceRange range,
                std::vector<MemberPtr> members)
      : Decl(kind, std::move(name), range), members(std::move(members)) {}
};

class ComponentDecl : public ContainerDecl {
public:
  ComponentDecl(SourceRange range, Ident name, std::vector<CompParam> params,
                std::vector<MemberPtr> members)
      : ContainerDecl(Kind::Component, std::move(name), range,
                      std::move(members)),
        params(std::move(params)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Component; }
  std::vector<CompParam> params;
};

class ModelDecl : public ContainerDecl {
public:
  ModelDecl(SourceRange range, Ident name, std::vector<MemberPtr> members)
      : ContainerDecl(Kind::Model, std::move(name), range,
                      std::move(members)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Model; }
};

class SamplerDecl : public ContainerDecl {
public:
  SamplerDecl(SourceRange range, Ident name, Ident model,
              std::vector<MemberPtr> members)
      : ContainerDecl(Kind::Sampler, std::move(name), range,
                      std::move(members)),
        model(std::move(model)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Sampler; }
  Ident model;
  /// The model, set by the resolver.
  const ModelDecl *modelDecl = nullptr;
};

/// One `.ade` file.
struct Module {
  /// Dotted module name: "std.nn", or the file stem for a root file.
  std::string name;
  uint32_t file = 0;
  std::vector<DeclPtr> decls;
  /// The file's leading `///` block, when a blank line separates it from
  /// the first declaration.
  std::string doc;
};

} // namespace ade::ast

#endif // ADE_AST_AST_H
