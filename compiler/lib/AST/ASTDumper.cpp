//===- ASTDumper.cpp - Textual dump of the AST ----------------------------===//

#include "ade/AST/ASTDumper.h"
#include "ade/AST/AST.h"

#include "llvm/Support/raw_ostream.h"

using namespace ade;
using namespace ade::ast;

namespace {
class Dumper {
public:
  explicit Dumper(llvm::raw_ostream &os) : os(os) {}

  void dump(const Module &m) {
    os << "Module " << m.name << "\n";
    doc(m.doc);
    Indent in(*this);
    for (const DeclPtr &d : m.decls)
      dump(*d);
  }

private:
  struct Indent {
    explicit Indent(Dumper &d) : d(d) { ++d.level; }
    ~Indent() { --d.level; }
    Dumper &d;
  };

  /// One "| " per level: the structure survives FileCheck's whitespace
  /// folding.
  llvm::raw_ostream &line() {
    for (unsigned i = 0; i < level; ++i)
      os << "| ";
    return os;
  }
  void end(SourceRange r) {
    os << " <" << r.begin.line << ":" << r.begin.col << "-" << r.end.line
       << ":" << r.end.col << ">\n";
  }
  void doc(const std::string &text) {
    if (text.empty())
      return;
    Indent in(*this);
    line() << "Doc \"";
    os.write_escaped(llvm::StringRef(text).rtrim("\n"));
    os << "\"\n";
  }

  void dump(const Decl &d) {
    switch (d.getKind()) {
    case Decl::Kind::Import:
      line() << "Import " << d.name.name;
      end(d.range);
      return;
    case Decl::Kind::Const: {
      auto &c = llvm::cast<ConstDecl>(d);
      line() << "Const " << c.name.name;
      if (c.ctKind)
        os << " : " << toString(*c.ctKind);
      end(c.range);
      doc(c.doc);
      Indent in(*this);
      dump(*c.init);
      return;
    }
    case Decl::Kind::Fn:
      dumpFn(llvm::cast<FnDecl>(d));
      return;
    case Decl::Kind::Component: {
      auto &c = llvm::cast<ComponentDecl>(d);
      line() << "Component " << c.name.name;
      end(c.range);
      doc(c.doc);
      Indent in(*this);
      for (const CompParam &p : c.params) {
        line() << "CompParam " << p.name.name << " : " << toString(p.kind);
        end(p.range);
        if (p.defaultValue) {
          Indent in2(*this);
          dump(*p.defaultValue);
        }
      }
      dumpMembers(c.members);
      return;
    }
    case Decl::Kind::Model: {
      auto &m = llvm::cast<ModelDecl>(d);
      line() << "Model " << m.name.name;
      end(m.range);
      doc(m.doc);
      Indent in(*this);
      dumpMembers(m.members);
      return;
    }
    case Decl::Kind::Sampler: {
      auto &s = llvm::cast<SamplerDecl>(d);
      line() << "Sampler " << s.name.name << " for " << s.model.name;
      end(s.range);
      doc(s.doc);
      Indent in(*this);
      dumpMembers(s.members);
      return;
    }
    }
  }

  void dumpFn(const FnDecl &f) {
    line() << "Fn " << f.name.name;
    if (!f.sizeParams.empty()) {
      os << " [";
      for (size_t i = 0; i < f.sizeParams.size(); ++i)
        os << (i ? ", " : "") << f.sizeParams[i].name;
      os << "]";
    }
    end(f.range);
    doc(f.doc);
    Indent in(*this);
    for (const FnParam &p : f.params) {
      line() << "Param " << p.name.name;
      end(p.range);
      Indent in2(*this);
      dump(*p.type);
    }
    if (f.result) {
      line() << "Result\n";
      Indent in2(*this);
      dump(*f.result);
    }
    if (f.exprBody) {
      line() << "Body\n";
      Indent in2(*this);
      dump(*f.exprBody);
    } else if (f.blockBody) {
      dump(*f.blockBody);
    }
  }

  void dumpMembers(const std::vector<MemberPtr> &members) {
    for (const MemberPtr &m : members)
      dump(*m);
  }

  void dump(const Member &m) {
    switch (m.getKind()) {
    case Member::Kind::Param: {
      auto &p = llvm::cast<ParamMember>(m);
      line() << "ParamMember " << p.name.name;
      end(p.range);
      doc(p.doc);
      Indent in(*this);
      dump(*p.type);
      if (p.init) {
        line() << "Init\n";
        Indent in2(*this);
        dump(*p.init);
      }
      return;
    }
    case Member::Kind::Instance: {
      auto &i = llvm::cast<InstanceMember>(m);
      line() << "InstanceMember " << i.name.name << (i.index ? "[]" : "");
      end(i.range);
      doc(i.doc);
      Indent in(*this);
      if (i.index) {
        line() << "Index\n";
        Indent in2(*this);
        dump(*i.index);
      }
      dump(*i.init);
      return;
    }
    case Member::Kind::Const: {
      auto &c = llvm::cast<ConstMember>(m);
      line() << "ConstMember " << c.name.name;
      if (c.ctKind)
        os << " : " << toString(*c.ctKind);
      end(c.range);
      doc(c.doc);
      Indent in(*this);
      dump(*c.init);
      return;
    }
    case Member::Kind::Fn:
      dumpFn(*llvm::cast<FnMember>(m).fn);
      return;
    case Member::Kind::For: {
      auto &f = llvm::cast<ForMember>(m);
      line() << "ForMember " << f.var.name;
      end(f.range);
      Indent in(*this);
      dump(*f.lo);
      dump(*f.hi);
      dumpMembers(f.body);
      return;
    }
    case Member::Kind::If: {
      auto &i = llvm::cast<IfMember>(m);
      line() << "IfMember";
      end(i.range);
      Indent in(*this);
      dump(*i.cond);
      line() << "Then\n";
      {
        Indent in2(*this);
        dumpMembers(i.thenBody);
      }
      if (!i.elseBody.empty()) {
        line() << "Else\n";
        Indent in2(*this);
        dumpMembers(i.elseBody);
      }
      return;
    }
    }
  }

  void dump(const TypeExpr &t) {
    switch (t.getKind()) {
    case TypeExpr::Kind::Tensor: {
      auto &tt = llvm::cast<TensorTypeExpr>(t);
      line() << "TensorType " << toString(tt.elem) << " rank="
             << tt.dims.size();
      end(tt.range);
      Indent in(*this);
      for (const ExprPtr &d : tt.dims)
        dump(*d);
      return;
    }
    case TypeExpr::Kind::Tuple: {
      auto &tt = llvm::cast<TupleTypeExpr>(t);
      line() << "TupleType";
      end(tt.range);
      Indent in(*this);
      for (const TypeExprPtr &e : tt.elems)
        dump(*e);
      return;
    }
    case TypeExpr::Kind::Fn: {
      auto &ft = llvm::cast<FnTypeExpr>(t);
      line() << "FnType";
      end(ft.range);
      Indent in(*this);
      for (const TypeExprPtr &p : ft.params)
        dump(*p);
      line() << "Result\n";
      Indent in2(*this);
      dump(*ft.result);
      return;
    }
    }
  }

  void dump(const Block &b) {
    line() << "Block";
    end(b.range);
    Indent in(*this);
    for (const StmtPtr &s : b.stmts)
      dump(*s);
  }

  void names(const std::vector<Ident> &ids) {
    for (size_t i = 0; i < ids.size(); ++i)
      os << (i ? ", " : "") << ids[i].name;
  }

  void dump(const Stmt &s) {
    switch (s.getKind()) {
    case Stmt::Kind::Let: {
      auto &l = llvm::cast<LetStmt>(s);
      line() << (l.isVar ? "Var " : "Let ");
      if (l.isTuple)
        os << "(";
      names(l.names);
      if (l.isTuple)
        os << ")";
      end(l.range);
      Indent in(*this);
      if (l.type)
        dump(*l.type);
      dump(*l.init);
      return;
    }
    case Stmt::Kind::Assign: {
      auto &a = llvm::cast<AssignStmt>(s);
      line() << "Assign ";
      if (a.isTuple)
        os << "(";
      names(a.targets);
      if (a.isTuple)
        os << ")";
      os << " " << toString(a.op);
      end(a.range);
      Indent in(*this);
      dump(*a.value);
      return;
    }
    case Stmt::Kind::Draw: {
      auto &d = llvm::cast<DrawStmt>(s);
      line() << "Draw " << d.name.name;
      end(d.range);
      Indent in(*this);
      dump(*d.dist);
      return;
    }
    case Stmt::Kind::Report: {
      auto &r = llvm::cast<ReportStmt>(s);
      line() << "Report " << r.name.name;
      end(r.range);
      Indent in(*this);
      dump(*r.value);
      return;
    }
    case Stmt::Kind::Return: {
      auto &r = llvm::cast<ReturnStmt>(s);
      line() << "Return";
      end(r.range);
      Indent in(*this);
      dump(*r.value);
      return;
    }
    case Stmt::Kind::For: {
      auto &f = llvm::cast<ForStmt>(s);
      line() << "For " << f.var.name;
      end(f.range);
      Indent in(*this);
      dump(*f.lo);
      dump(*f.hi);
      dump(f.body);
      return;
    }
    case Stmt::Kind::If: {
      auto &i = llvm::cast<IfStmt>(s);
      line() << "If";
      end(i.range);
      Indent in(*this);
      dump(*i.cond);
      dump(i.thenBody);
      if (i.elseBody) {
        line() << "Else\n";
        Indent in2(*this);
        dump(*i.elseBody);
      }
      return;
    }
    }
  }

  void dump(const Expr &e) {
    switch (e.getKind()) {
    case Expr::Kind::IntLit:
      line() << "Int " << llvm::cast<IntLitExpr>(e).value;
      end(e.range);
      return;
    case Expr::Kind::FloatLit:
      line() << "Float " << llvm::cast<FloatLitExpr>(e).spelling;
      end(e.range);
      return;
    case Expr::Kind::BoolLit:
      line() << "Bool " << (llvm::cast<BoolLitExpr>(e).value ? "true" : "false");
      end(e.range);
      return;
    case Expr::Kind::Name:
      line() << "Name " << llvm::cast<NameExpr>(e).name;
      end(e.range);
      return;
    case Expr::Kind::Unary: {
      auto &u = llvm::cast<UnaryExpr>(e);
      line() << "Unary " << toString(u.op);
      end(u.range);
      Indent in(*this);
      dump(*u.operand);
      return;
    }
    case Expr::Kind::Binary: {
      auto &b = llvm::cast<BinaryExpr>(e);
      line() << "Binary " << toString(b.op);
      end(b.range);
      Indent in(*this);
      dump(*b.lhs);
      dump(*b.rhs);
      return;
    }
    case Expr::Kind::Call: {
      auto &c = llvm::cast<CallExpr>(e);
      line() << "Call";
      end(c.range);
      Indent in(*this);
      dump(*c.callee);
      for (const Arg &a : c.args) {
        line() << "Arg";
        if (a.name)
          os << " " << a.name->name;
        end(a.range);
        Indent in2(*this);
        dump(*a.value);
      }
      return;
    }
    case Expr::Kind::Index: {
      auto &i = llvm::cast<IndexExpr>(e);
      line() << "Index";
      end(i.range);
      Indent in(*this);
      dump(*i.base);
      for (const IndexItem &item : i.items) {
        line() << (item.isSlice ? "Slice" : "Subscript");
        end(item.range);
        Indent in2(*this);
        if (item.lo)
          dump(*item.lo);
        else if (item.isSlice)
          line() << "Start\n";
        if (item.isSlice) {
          if (item.hi)
            dump(*item.hi);
          else
            line() << "End\n";
        }
      }
      return;
    }
    case Expr::Kind::Member: {
      auto &m = llvm::cast<MemberExpr>(e);
      line() << "Member " << m.member.name;
      end(m.range);
      Indent in(*this);
      dump(*m.base);
      return;
    }
    case Expr::Kind::List: {
      auto &l = llvm::cast<ListExpr>(e);
      line() << "List";
      end(l.range);
      Indent in(*this);
      for (const ExprPtr &x : l.elems)
        dump(*x);
      return;
    }
    case Expr::Kind::Tuple: {
      auto &t = llvm::cast<TupleExpr>(e);
      line() << "Tuple";
      end(t.range);
      Indent in(*this);
      for (const ExprPtr &x : t.elems)
        dump(*x);
      return;
    }
    case Expr::Kind::If: {
      auto &i = llvm::cast<IfExpr>(e);
      line() << "IfExpr";
      end(i.range);
      Indent in(*this);
      dump(*i.cond);
      dump(*i.thenValue);
      dump(*i.elseValue);
      return;
    }
    case Expr::Kind::Cast: {
      auto &c = llvm::cast<CastExpr>(e);
      line() << "Cast " << toString(c.elem);
      end(c.range);
      Indent in(*this);
      dump(*c.operand);
      return;
    }
    }
  }

  llvm::raw_ostream &os;
  unsigned level = 0;
};
} // namespace

void ade::ast::dumpModule(const Module &module, llvm::raw_ostream &os) {
  Dumper(os).dump(module);
}
