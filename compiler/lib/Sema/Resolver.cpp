//===- Resolver.cpp - Name resolution across modules ----------------------===//
//
// Binds every NameExpr to what it names, once, independent of compile-time
// values: the checker then never looks names up again. Lookup order: local
// scopes (innermost first; component arguments and member-loop variables are
// the outermost local scopes), members of the enclosing component/model/
// sampler, members of a sampler's model, the module's declarations, imported
// modules' declarations, builtins. Also reports unused names (warnings).
//
//===----------------------------------------------------------------------===//

#include "Resolver.h"

#include "ade/Sema/Builtins.h"

#include <map>
#include <set>

using namespace ade;
using namespace ade::ast;

namespace {

/// Suggests the closest candidate within a small edit distance.
std::string suggest(llvm::StringRef name,
                    const std::vector<std::string> &candidates) {
  std::string best;
  unsigned bestDistance = name.size() <= 3 ? 1 : 2;
  bool found = false;
  for (const std::string &c : candidates) {
    unsigned d = name.edit_distance(c, /*AllowReplacements=*/true,
                                    bestDistance);
    if (d <= bestDistance && c != name && (!found || d < bestDistance)) {
      best = c;
      bestDistance = d;
      found = true;
    }
  }
  return best;
}

class Resolver {
public:
  Resolver(DiagnosticEngine &diags, const ModuleLoader &loader)
      : diags(diags), loader(loader) {}

  void run() {
    for (Module *m : loader.getModules())
      collectModuleScope(*m);
    for (Module *m : loader.getModules()) {
      current = m;
      warnings = !loader.isStdlib(*m);
      for (DeclPtr &d : m->decls)
        resolveDecl(*d);
    }
    reportUnusedParamsAndImports();
  }

private:
  enum class BindingKind {
    Let,
    Var,
    Draw,
    FnParam,
    SizeParam,
    CompParam,
    LoopVar,
  };
  struct Binding {
    BindingKind kind;
    const Ident *ident;
    unsigned reads = 0;
    unsigned writes = 0;
  };
  using Scope = std::map<std::string, Binding *>;

  struct ModuleScope {
    std::map<std::string, const Decl *> decls;
    std::vector<const ImportDecl *> imports;
  };

  //===--------------------------------------------------------------------===//
  // Module scopes
  //===--------------------------------------------------------------------===//

  void collectModuleScope(Module &m) {
    ModuleScope &scope = moduleScopes[&m];
    for (DeclPtr &d : m.decls) {
      if (auto *import = llvm::dyn_cast<ImportDecl>(d.get())) {
        if (import->imported)
          scope.imports.push_back(import);
        continue;
      }
      auto [it, inserted] = scope.decls.emplace(d->name.name, d.get());
      if (!inserted)
        diags
            .error(DiagCode::E021, d->name.range,
                   "redefinition of '" + d->name.name + "'")
            .note(it->second->name.range, "previous definition is here");
    }
  }

  //===--------------------------------------------------------------------===//
  // Declarations
  //===--------------------------------------------------------------------===//

  void resolveDecl(Decl &d) {
    switch (d.getKind()) {
    case Decl::Kind::Import:
      return;
    case Decl::Kind::Const:
      resolveExpr(*llvm::cast<ConstDecl>(d).init);
      return;
    case Decl::Kind::Fn:
      resolveFn(llvm::cast<FnDecl>(d));
      return;
    case Decl::Kind::Component: {
      auto &c = llvm::cast<ComponentDecl>(d);
      pushScope();
      for (CompParam &p : c.params) {
        if (p.defaultValue)
          resolveExpr(*p.defaultValue);
        declare(p.name, BindingKind::CompParam);
      }
      resolveContainer(c, nullptr);
      popScope(/*report=*/false);
      return;
    }
    case Decl::Kind::Model:
      resolveContainer(llvm::cast<ModelDecl>(d), nullptr);
      return;
    case Decl::Kind::Sampler: {
      auto &s = llvm::cast<SamplerDecl>(d);
      const ModelDecl *model = nullptr;
      GlobalLookup global = lookupGlobal(s.model.name, s.model.range);
      if (const Decl *target = global.decl) {
        model = llvm::dyn_cast<ModelDecl>(target);
        if (!model)
          diags
              .error(DiagCode::E073, s.model.range,
                     "'" + s.model.name + "' is not a model; a sampler is "
                     "declared 'sampler Name for SomeModel'")
              .note(target->name.range, "'" + s.model.name +
                                            "' is declared here");
      } else if (!global.ambiguous) {
        reportUndefined(s.model.name, s.model.range, visibleNames());
      }
      s.modelDecl = model;
      resolveContainer(s, model);
      return;
    }
    }
  }

  /// Member names of a container, including those inside member loops and
  /// conditionals.
  static void collectMemberNames(const std::vector<MemberPtr> &members,
                                 std::map<std::string, const Member *> &out) {
    for (const MemberPtr &m : members) {
      switch (m->getKind()) {
      case Member::Kind::Param:
        out.emplace(llvm::cast<ParamMember>(*m).name.name, m.get());
        break;
      case Member::Kind::Instance:
        out.emplace(llvm::cast<InstanceMember>(*m).name.name, m.get());
        break;
      case Member::Kind::Const:
        out.emplace(llvm::cast<ConstMember>(*m).name.name, m.get());
        break;
      case Member::Kind::Fn:
        out.emplace(llvm::cast<FnMember>(*m).fn->name.name, m.get());
        break;
      case Member::Kind::For:
        collectMemberNames(llvm::cast<ForMember>(*m).body, out);
        break;
      case Member::Kind::If: {
        auto &i = llvm::cast<IfMember>(*m);
        collectMemberNames(i.thenBody, out);
        collectMemberNames(i.elseBody, out);
        break;
      }
      }
    }
  }

  /// Duplicate members at the top level of a container (conditional and
  /// looped members are checked when instantiated).
  void checkDuplicateMembers(const std::vector<MemberPtr> &members) {
    std::map<std::string, const Ident *> seen;
    for (const MemberPtr &m : members) {
      const Ident *name = nullptr;
      if (auto *p = llvm::dyn_cast<ParamMember>(m.get()))
        name = &p->name;
      else if (auto *i = llvm::dyn_cast<InstanceMember>(m.get()))
        name = i->index ? nullptr : &i->name;
      else if (auto *c = llvm::dyn_cast<ConstMember>(m.get()))
        name = &c->name;
      else if (auto *f = llvm::dyn_cast<FnMember>(m.get()))
        name = &f->fn->name;
      if (!name)
        continue;
      auto [it, inserted] = seen.emplace(name->name, name);
      if (!inserted)
        diags
            .error(DiagCode::E021, name->range,
                   "redefinition of member '" + name->name + "'")
            .note(it->second->range, "previous definition is here");
    }
  }

  void resolveContainer(ContainerDecl &c, const ModelDecl *model) {
    std::map<std::string, const Member *> members, modelMembers;
    collectMemberNames(c.members, members);
    if (model)
      collectMemberNames(model->members, modelMembers);
    checkDuplicateMembers(c.members);
    memberNames = std::move(members);
    modelMemberNames = std::move(modelMembers);
    for (const auto &[name, member] : memberNames)
      if (auto *p = llvm::dyn_cast<ParamMember>(member))
        if (warnings)
          declaredParams.push_back(p);
    resolveMembers(c.members);
    memberNames.clear();
    modelMemberNames.clear();
  }

  void resolveMembers(std::vector<MemberPtr> &members) {
    for (MemberPtr &m : members) {
      switch (m->getKind()) {
      case Member::Kind::Param: {
        auto &p = llvm::cast<ParamMember>(*m);
        resolveType(*p.type);
        if (p.init)
          resolveInitializer(*p.init);
        break;
      }
      case Member::Kind::Instance: {
        auto &i = llvm::cast<InstanceMember>(*m);
        if (i.index)
          resolveExpr(*i.index);
        resolveExpr(*i.init);
        break;
      }
      case Member::Kind::Const:
        resolveExpr(*llvm::cast<ConstMember>(*m).init);
        break;
      case Member::Kind::Fn:
        resolveFn(*llvm::cast<FnMember>(*m).fn);
        break;
      case Member::Kind::For: {
        auto &f = llvm::cast<ForMember>(*m);
        resolveExpr(*f.lo);
        resolveExpr(*f.hi);
        pushScope();
        declare(f.var, BindingKind::LoopVar);
        resolveMembers(f.body);
        popScope(/*report=*/false);
        break;
      }
      case Member::Kind::If: {
        auto &i = llvm::cast<IfMember>(*m);
        resolveExpr(*i.cond);
        resolveMembers(i.thenBody);
        resolveMembers(i.elseBody);
        break;
      }
      }
    }
  }

  /// Initializers name builtins that are not values elsewhere (`zeros`,
  /// `glorot_uniform`): resolve only their arguments.
  void resolveInitializer(Expr &init) {
    if (auto *call = llvm::dyn_cast<ast::CallExpr>(&init)) {
      if (auto *name = llvm::dyn_cast<NameExpr>(call->callee.get()))
        resolveInitializerName(*name);
      else
        resolveExpr(*call->callee);
      for (Arg &a : call->args)
        resolveExpr(*a.value);
      return;
    }
    if (auto *name = llvm::dyn_cast<NameExpr>(&init)) {
      resolveInitializerName(*name);
      return;
    }
    resolveExpr(init);
  }
  void resolveInitializerName(NameExpr &name) {
    if (lookupBuiltin(name.name)) {
      name.symbol.kind = Symbol::Kind::Builtin;
      return;
    }
    resolveExpr(name);
  }

  void resolveFn(FnDecl &fn) {
    pushScope();
    unsigned functionScope = scopes.size();
    for (Ident &s : fn.sizeParams)
      declare(s, BindingKind::SizeParam);
    for (FnParam &p : fn.params)
      resolveType(*p.type);
    for (FnParam &p : fn.params)
      declare(p.name, BindingKind::FnParam);
    if (fn.result)
      resolveType(*fn.result);
    functionScopeStart.push_back(functionScope);
    if (fn.exprBody)
      resolveExpr(*fn.exprBody);
    else if (fn.blockBody)
      resolveBlock(*fn.blockBody);
    functionScopeStart.pop_back();
    popScope(/*report=*/true);
  }

  void resolveType(TypeExpr &t) {
    switch (t.getKind()) {
    case TypeExpr::Kind::Tensor:
      for (ExprPtr &d : llvm::cast<TensorTypeExpr>(t).dims)
        resolveDimension(*d);
      return;
    case TypeExpr::Kind::Tuple:
      for (TypeExprPtr &e : llvm::cast<TupleTypeExpr>(t).elems)
        resolveType(*e);
      return;
    case TypeExpr::Kind::Fn: {
      auto &f = llvm::cast<FnTypeExpr>(t);
      for (TypeExprPtr &p : f.params)
        resolveType(*p);
      resolveType(*f.result);
      return;
    }
    }
  }

  /// A dimension naming a size parameter binds it rather than reading it.
  void resolveDimension(Expr &dim) {
    resolveExpr(dim);
    if (auto *name = llvm::dyn_cast<NameExpr>(&dim))
      if (name->symbol.kind == Symbol::Kind::Local)
        if (Binding *b = findBinding(name->symbol.binding))
          if (b->kind == BindingKind::SizeParam)
            b->reads = std::max(b->reads, 1u);
  }

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  void resolveBlock(Block &b) {
    pushScope();
    for (StmtPtr &s : b.stmts)
      resolveStmt(*s);
    popScope(/*report=*/true);
  }

  void resolveStmt(Stmt &s) {
    switch (s.getKind()) {
    case Stmt::Kind::Let: {
      auto &l = llvm::cast<LetStmt>(s);
      if (l.type)
        resolveType(*l.type);
      resolveExpr(*l.init);
      for (Ident &n : l.names)
        declare(n, l.isVar ? BindingKind::Var : BindingKind::Let);
      return;
    }
    case Stmt::Kind::Assign: {
      auto &a = llvm::cast<AssignStmt>(s);
      resolveExpr(*a.value);
      a.targetBindings.clear();
      for (Ident &t : a.targets)
        a.targetBindings.push_back(resolveAssignTarget(t, a.op));
      return;
    }
    case Stmt::Kind::Draw: {
      auto &d = llvm::cast<DrawStmt>(s);
      resolveDistribution(*d.dist);
      declare(d.name, BindingKind::Draw);
      return;
    }
    case Stmt::Kind::Report:
      resolveExpr(*llvm::cast<ReportStmt>(s).value);
      return;
    case Stmt::Kind::Return:
      resolveExpr(*llvm::cast<ReturnStmt>(s).value);
      return;
    case Stmt::Kind::For: {
      auto &f = llvm::cast<ForStmt>(s);
      resolveExpr(*f.lo);
      resolveExpr(*f.hi);
      pushScope();
      declare(f.var, BindingKind::LoopVar);
      resolveBlock(f.body);
      popScope(/*report=*/true);
      return;
    }
    case Stmt::Kind::If: {
      auto &i = llvm::cast<IfStmt>(s);
      resolveExpr(*i.cond);
      resolveBlock(i.thenBody);
      if (i.elseBody)
        resolveBlock(*i.elseBody);
      return;
    }
    }
  }

  /// `normal`/`uniform` are resolved even if the module shadows nothing.
  void resolveDistribution(Expr &dist) {
    if (auto *call = llvm::dyn_cast<ast::CallExpr>(&dist)) {
      resolveExpr(*call->callee);
      for (Arg &a : call->args)
        resolveExpr(*a.value);
      return;
    }
    resolveExpr(dist);
  }

  const Ident *resolveAssignTarget(const Ident &target, AssignOp op) {
    for (size_t i = scopes.size(); i > currentFunctionScope(); --i) {
      auto it = scopes[i - 1].find(target.name);
      if (it == scopes[i - 1].end())
        continue;
      Binding *b = it->second;
      if (b->kind != BindingKind::Var && b->kind != BindingKind::Draw) {
        diags
            .error(DiagCode::E023, target.range,
                   "cannot assign to '" + target.name + "': it is " +
                       describe(b->kind))
            .note(b->ident->range, "'" + target.name + "' is declared here")
            .help(b->kind == BindingKind::Let
                      ? "declare it with 'var' to make it mutable"
                      : "introduce a new variable with 'var'");
        return nullptr;
      }
      ++b->writes;
      if (op != AssignOp::Assign)
        ++b->reads;
      return b->ident;
    }
    if (memberNames.count(target.name) || modelMemberNames.count(target.name)) {
      diags.error(DiagCode::E023, target.range,
                  "cannot assign to member '" + target.name +
                      "': parameters and members are read-only inside "
                      "functions");
      return nullptr;
    }
    diags
        .error(DiagCode::E020, target.range,
               "assignment to undeclared variable '" + target.name + "'")
        .help("declare it first with 'var " + target.name + " = ...'");
    return nullptr;
  }

  static const char *describe(BindingKind kind) {
    switch (kind) {
    case BindingKind::Let:
      return "immutable (declared with 'let')";
    case BindingKind::FnParam:
      return "a function argument";
    case BindingKind::SizeParam:
      return "a size parameter";
    case BindingKind::CompParam:
      return "a component argument";
    case BindingKind::LoopVar:
      return "a loop variable";
    default:
      return "not assignable";
    }
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  void resolveExpr(Expr &e) {
    switch (e.getKind()) {
    case Expr::Kind::IntLit:
    case Expr::Kind::FloatLit:
    case Expr::Kind::BoolLit:
      return;
    case Expr::Kind::Name:
      resolveName(llvm::cast<NameExpr>(e));
      return;
    case Expr::Kind::Unary:
      resolveExpr(*llvm::cast<ast::UnaryExpr>(e).operand);
      return;
    case Expr::Kind::Binary: {
      auto &b = llvm::cast<ast::BinaryExpr>(e);
      resolveExpr(*b.lhs);
      resolveExpr(*b.rhs);
      return;
    }
    case Expr::Kind::Call: {
      auto &c = llvm::cast<ast::CallExpr>(e);
      resolveExpr(*c.callee);
      for (Arg &a : c.args)
        resolveExpr(*a.value);
      return;
    }
    case Expr::Kind::Index: {
      auto &i = llvm::cast<IndexExpr>(e);
      resolveExpr(*i.base);
      for (IndexItem &item : i.items) {
        if (item.lo)
          resolveExpr(*item.lo);
        if (item.hi)
          resolveExpr(*item.hi);
      }
      return;
    }
    case Expr::Kind::Member: {
      auto &m = llvm::cast<MemberExpr>(e);
      resolveExpr(*m.base);
      accessedMembers.insert(m.member.name);
      return;
    }
    case Expr::Kind::List:
      for (ExprPtr &x : llvm::cast<ListExpr>(e).elems)
        resolveExpr(*x);
      return;
    case Expr::Kind::Tuple:
      for (ExprPtr &x : llvm::cast<TupleExpr>(e).elems)
        resolveExpr(*x);
      return;
    case Expr::Kind::If: {
      auto &i = llvm::cast<ast::IfExpr>(e);
      resolveExpr(*i.cond);
      resolveExpr(*i.thenValue);
      resolveExpr(*i.elseValue);
      return;
    }
    case Expr::Kind::Cast:
      resolveExpr(*llvm::cast<ast::CastExpr>(e).operand);
      return;
    }
  }

  void resolveName(NameExpr &n) {
    for (size_t i = scopes.size(); i > 0; --i) {
      auto it = scopes[i - 1].find(n.name);
      if (it != scopes[i - 1].end()) {
        ++it->second->reads;
        n.symbol = {Symbol::Kind::Local, it->second->ident, nullptr};
        return;
      }
    }
    if (memberNames.count(n.name)) {
      usedMemberNames.insert(n.name);
      n.symbol = {Symbol::Kind::Member, nullptr, nullptr};
      return;
    }
    if (modelMemberNames.count(n.name)) {
      n.symbol = {Symbol::Kind::ModelMember, nullptr, nullptr};
      return;
    }
    GlobalLookup global = lookupGlobal(n.name, n.range);
    if (global.decl) {
      n.symbol = {Symbol::Kind::Global, nullptr, global.decl};
      return;
    }
    if (global.ambiguous)
      return;
    if (lookupBuiltin(n.name)) {
      n.symbol = {Symbol::Kind::Builtin, nullptr, nullptr};
      return;
    }
    reportUndefined(n.name, n.range, visibleNames());
  }

  struct GlobalLookup {
    const Decl *decl = nullptr;
    bool ambiguous = false;
  };

  /// Looks `name` up in the current module, then its imports; reports an
  /// ambiguity between imports.
  GlobalLookup lookupGlobal(const std::string &name, SourceRange where) {
    ModuleScope &own = moduleScopes[current];
    auto it = own.decls.find(name);
    if (it != own.decls.end())
      return {it->second, false};
    const Decl *found = nullptr;
    const ImportDecl *foundVia = nullptr;
    for (const ImportDecl *import : own.imports) {
      auto &scope = moduleScopes[import->imported];
      auto hit = scope.decls.find(name);
      if (hit == scope.decls.end())
        continue;
      if (found && found != hit->second) {
        diags
            .error(DiagCode::E022, where,
                   "'" + name + "' is ambiguous: both '" +
                       foundVia->name.name + "' and '" + import->name.name +
                       "' define it")
            .note(found->name.range, "one candidate is declared here")
            .note(hit->second->name.range, "another candidate is declared here")
            .help("define '" + name +
                  "' in this file to choose, or import only one module");
        usedImports.insert(foundVia);
        usedImports.insert(import);
        return {nullptr, true};
      }
      found = hit->second;
      foundVia = import;
    }
    if (foundVia)
      usedImports.insert(foundVia);
    return {found, false};
  }

  std::vector<std::string> visibleNames() const {
    std::vector<std::string> names;
    for (const Scope &s : scopes)
      for (const auto &[name, b] : s)
        names.push_back(name);
    for (const auto &[name, m] : memberNames)
      names.push_back(name);
    for (const auto &[name, m] : modelMemberNames)
      names.push_back(name);
    auto addModule = [&](const Module *m) {
      auto it = moduleScopes.find(m);
      if (it != moduleScopes.end())
        for (const auto &[name, d] : it->second.decls)
          names.push_back(name);
    };
    addModule(current);
    for (const DeclPtr &d : current->decls)
      if (auto *import = llvm::dyn_cast<ImportDecl>(d.get()))
        if (import->imported)
          addModule(import->imported);
    for (llvm::StringRef b : getAllBuiltinNames())
      names.push_back(b.str());
    return names;
  }

  void reportUndefined(const std::string &name, SourceRange where,
                       const std::vector<std::string> &candidates) {
    auto d = diags.error(DiagCode::E020, where,
                         "use of undeclared name '" + name + "'");
    std::string s = suggest(name, candidates);
    if (!s.empty())
      d.help("did you mean '" + s + "'?");
    // A module that failed to import may be where the name lives.
    for (const DeclPtr &decl : current->decls)
      if (auto *import = llvm::dyn_cast<ImportDecl>(decl.get());
          import && !import->imported) {
        d.note(import->name.range, "module '" + import->name.name +
                                       "' did not import: it may define '" +
                                       name + "'");
        break;
      }
  }

  //===--------------------------------------------------------------------===//
  // Scopes and unused names
  //===--------------------------------------------------------------------===//

  size_t currentFunctionScope() const {
    return functionScopeStart.empty() ? 0 : functionScopeStart.back() - 1;
  }

  void pushScope() { scopes.emplace_back(); }

  void popScope(bool report) {
    for (auto &[name, b] : scopes.back()) {
      if (report && warnings && b->reads == 0 && name[0] != '_')
        reportUnused(*b);
    }
    scopes.pop_back();
  }

  void reportUnused(const Binding &b) {
    const std::string &name = b.ident->name;
    switch (b.kind) {
    case BindingKind::Let:
    case BindingKind::Draw:
      diags.warning(DiagCode::W001, b.ident->range,
                    "unused variable '" + name + "'");
      return;
    case BindingKind::Var:
      diags.warning(DiagCode::W001, b.ident->range,
                    b.writes ? "variable '" + name +
                                   "' is assigned but never read"
                             : "unused variable '" + name + "'");
      return;
    case BindingKind::FnParam:
      diags
          .warning(DiagCode::W004, b.ident->range,
                   "unused function argument '" + name + "'")
          .help("rename it to '_" + name + "' if this is intended");
      return;
    default:
      return;
    }
  }

  void declare(const Ident &name, BindingKind kind) {
    Scope &scope = scopes.back();
    bindings.push_back(std::make_unique<Binding>(Binding{kind, &name}));
    Binding *b = bindings.back().get();
    auto [it, inserted] = scope.emplace(name.name, b);
    if (!inserted) {
      diags
          .error(DiagCode::E021, name.range,
                 "redefinition of '" + name.name + "' in the same scope")
          .note(it->second->ident->range, "previous definition is here")
          .help(kind == BindingKind::Draw
                    ? "draw into a new name, or update it with '='"
                    : "choose another name, or declare it with 'var' and "
                      "assign with '='");
      it->second = b;
      return;
    }
    if (!warnings || name.name[0] == '_')
      return;
    // Shadowing a variable of an enclosing block of the same function.
    for (size_t i = scopes.size() - 1; i > currentFunctionScope(); --i) {
      auto outer = scopes[i - 1].find(name.name);
      if (outer != scopes[i - 1].end() &&
          (kind == BindingKind::Let || kind == BindingKind::Var)) {
        diags
            .warning(DiagCode::W005, name.range,
                     "'" + name.name + "' shadows a variable of an "
                     "enclosing block")
            .note(outer->second->ident->range, "the shadowed variable");
        break;
      }
    }
  }

  Binding *findBinding(const Ident *ident) {
    for (size_t i = scopes.size(); i > 0; --i)
      for (auto &[name, b] : scopes[i - 1])
        if (b->ident == ident)
          return b;
    return nullptr;
  }

  void reportUnusedParamsAndImports() {
    for (const ParamMember *p : declaredParams) {
      if (!usedMemberNames.count(p->name.name) &&
          !accessedMembers.count(p->name.name))
        diags.warning(DiagCode::W002, p->name.range,
                      "parameter '" + p->name.name + "' is never used");
    }
    for (Module *m : loader.getModules()) {
      if (loader.isStdlib(*m))
        continue;
      for (DeclPtr &d : m->decls)
        if (auto *import = llvm::dyn_cast<ImportDecl>(d.get()))
          if (import->imported && !usedImports.count(import))
            diags.warning(DiagCode::W003, import->name.range,
                          "unused import '" + import->name.name + "'");
    }
  }

  DiagnosticEngine &diags;
  const ModuleLoader &loader;
  std::map<const Module *, ModuleScope> moduleScopes;
  Module *current = nullptr;
  bool warnings = true;

  std::vector<Scope> scopes;
  std::vector<size_t> functionScopeStart;
  std::vector<std::unique_ptr<Binding>> bindings;

  std::map<std::string, const Member *> memberNames, modelMemberNames;

  std::vector<const ParamMember *> declaredParams;
  /// Member names read by name or through `instance.member`; a parameter
  /// never named anywhere is unused.
  std::set<std::string> usedMemberNames, accessedMembers;
  std::set<const ImportDecl *> usedImports;
};

} // namespace

void ade::resolveNames(DiagnosticEngine &diags, const ModuleLoader &loader) {
  Resolver(diags, loader).run();
}
