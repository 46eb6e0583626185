//===- AST.cpp - The .ade abstract syntax tree ----------------------------===//

#include "ade/AST/AST.h"

using namespace ade::ast;

// Out-of-line virtual destructors anchor the vtables here.
TypeExpr::~TypeExpr() = default;
TensorTypeExpr::TensorTypeExpr(SourceRange range, ElemKind elem,
                               std::vector<ExprPtr> dims)
    : TypeExpr(Kind::Tensor, range), elem(elem), dims(std::move(dims)) {}
TensorTypeExpr::~TensorTypeExpr() = default;
Expr::~Expr() = default;
Stmt::~Stmt() = default;
Block::Block() = default;
Block::Block(Block &&) = default;
Block &Block::operator=(Block &&) = default;
Block::~Block() = default;
Member::~Member() = default;
FnMember::FnMember(SourceRange range, std::unique_ptr<FnDecl> fn)
    : Member(Kind::Fn, range), fn(std::move(fn)) {}
FnMember::~FnMember() = default;
Decl::~Decl() = default;

const char *ade::ast::toString(ElemKind kind) {
  switch (kind) {
  case ElemKind::F32:
    return "f32";
  case ElemKind::F64:
    return "f64";
  case ElemKind::Real:
    return "real";
  case ElemKind::Bool:
    return "bool";
  case ElemKind::Int:
    return "int";
  }
  return "?";
}

const char *ade::ast::toString(CtKind kind) {
  switch (kind) {
  case CtKind::Int:
    return "int";
  case CtKind::IntList:
    return "int[]";
  case CtKind::Real:
    return "real";
  case CtKind::Bool:
    return "bool";
  case CtKind::Fn:
    return "fn";
  }
  return "?";
}

const char *ade::ast::toString(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg:
    return "-";
  case UnaryOp::Plus:
    return "+";
  case UnaryOp::Not:
    return "!";
  }
  return "?";
}

const char *ade::ast::toString(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::Pow:
    return "^";
  case BinaryOp::MatMul:
    return "@";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  case BinaryOp::And:
    return "&&";
  case BinaryOp::Or:
    return "||";
  }
  return "?";
}

const char *ade::ast::toString(AssignOp op) {
  switch (op) {
  case AssignOp::Assign:
    return "=";
  case AssignOp::Add:
    return "+=";
  case AssignOp::Sub:
    return "-=";
  case AssignOp::Mul:
    return "*=";
  case AssignOp::Div:
    return "/=";
  }
  return "?";
}
