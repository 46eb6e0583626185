//===- CheckInstances.cpp - Components, models and samplers ---------------===//
//
// Instantiation: a component call in a member position creates an Instance,
// binds its compile-time arguments, then walks its members in order
// (parameters get registered with their dotted path, sub-components are
// instantiated recursively, member loops and conditionals are evaluated).
// Models and samplers are root instances with their own parameter lists.
//
//===----------------------------------------------------------------------===//

#include "Checker.h"

#include "llvm/ADT/STLExtras.h"

#include <set>

using namespace ade;
using namespace ade::sema;

namespace {
const char *describeKind(ast::CtKind kind) {
  switch (kind) {
  case ast::CtKind::Int:
    return "a compile-time integer";
  case ast::CtKind::IntList:
    return "an integer list like [128, 128]";
  case ast::CtKind::Real:
    return "a compile-time number";
  case ast::CtKind::Bool:
    return "a compile-time boolean";
  case ast::CtKind::Fn:
    return "a function";
  }
  return "?";
}

/// Whether a function (or anything it calls or differentiates) reads a
/// learnable parameter.
bool usesParams(const tir::Function &f,
                std::set<const tir::Function *> &visited) {
  if (!visited.insert(&f).second)
    return false;
  bool uses = false;
  tir::forEachExpr(f, [&](const tir::Expr &e) {
    if (llvm::isa<tir::ParamRefExpr>(e))
      uses = true;
    else if (auto *c = llvm::dyn_cast<tir::CallExpr>(&e))
      uses |= usesParams(*c->callee, visited);
    else if (auto *d = llvm::dyn_cast<tir::DerivativeExpr>(&e))
      uses |= usesParams(*d->target, visited);
  });
  return uses;
}
} // namespace

std::optional<Value> sema::coerceKind(const Value &v, ast::CtKind kind) {
  switch (kind) {
  case ast::CtKind::Int:
    if (v.kind == Value::Kind::Int)
      return v;
    break;
  case ast::CtKind::IntList:
    if (v.kind == Value::Kind::IntList)
      return v;
    break;
  case ast::CtKind::Real:
    if (v.isNumber())
      return Value::ofReal(v.asReal());
    break;
  case ast::CtKind::Bool:
    if (v.kind == Value::Kind::Bool)
      return v;
    break;
  case ast::CtKind::Fn:
    if (v.kind == Value::Kind::Fn)
      return v;
    break;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Components
//===----------------------------------------------------------------------===//

Instance *Checker::instantiateComponent(const ast::ComponentDecl &decl,
                                        std::vector<ArgValue> args,
                                        const Instance &parent,
                                        const std::string &memberPath,
                                        SourceRange callRange, Frame &frame) {
  std::string name = "component '" + decl.name.name + "'";
  if (componentStack.size() >= kMaxCallDepth) {
    diags.error(DiagCode::E061, callRange,
                "components nested too deeply (more than " +
                    std::to_string(kMaxCallDepth) + " levels)");
    return nullptr;
  }
  if (llvm::is_contained(componentStack, &decl)) {
    auto d = diags.error(DiagCode::E061, callRange,
                         "instantiation cycle: " + name +
                             " contains itself");
    for (size_t i = componentStack.size(); i > 0; --i)
      d.note(componentCallSites[i - 1],
             "'" + componentStack[i - 1]->name.name + "' instantiated here");
    return nullptr;
  }

  // Bind arguments by position and name, then defaults.
  std::vector<std::optional<ArgValue>> slots(decl.params.size());
  size_t positional = 0;
  for (ArgValue &a : args) {
    size_t index = positional;
    if (a.name) {
      auto it = llvm::find_if(decl.params, [&](const ast::CompParam &p) {
        return p.name.name == *a.name;
      });
      if (it == decl.params.end()) {
        diags
            .error(DiagCode::E035, a.range,
                   name + " has no argument named '" + *a.name + "'")
            .note(decl.name.range, "'" + decl.name.name + "' is declared here");
        return nullptr;
      }
      index = it - decl.params.begin();
    } else if (positional++ >= decl.params.size()) {
      diags
          .error(DiagCode::E033, a.range,
                 name + " takes " + std::to_string(decl.params.size()) +
                     " argument" + (decl.params.size() == 1 ? "" : "s") +
                     ", more were given")
          .note(decl.name.range, "'" + decl.name.name + "' is declared here");
      return nullptr;
    }
    if (slots[index]) {
      diags.error(DiagCode::E035, a.range,
                  "argument '" + decl.params[index].name.name + "' of " +
                      name + " is given twice");
      return nullptr;
    }
    slots[index] = std::move(a);
  }

  instances.push_back(std::make_unique<Instance>());
  Instance *inst = instances.back().get();
  inst->decl = &decl;
  inst->path = memberPath;
  inst->qualifiedName = parent.qualifiedName + "." + memberPath.substr(
      parent.path.empty() ? 0 : parent.path.size() + 1);
  inst->ownerParams = parent.ownerParams;
  inst->model = parent.model;

  Frame defaults;
  for (size_t i = 0; i < decl.params.size(); ++i) {
    const ast::CompParam &p = decl.params[i];
    Value v;
    SourceRange where = callRange;
    if (slots[i]) {
      v = slots[i]->value;
      where = slots[i]->range;
    } else if (p.defaultValue) {
      defaults.locals = inst->args;
      v = eval(*p.defaultValue, defaults);
      if (v.isError())
        return nullptr;
      where = p.defaultValue->range;
    } else {
      diags
          .error(DiagCode::E033, callRange,
                 name + " is missing argument '" + p.name.name + "'")
          .note(p.range, "argument declared here");
      return nullptr;
    }
    std::optional<Value> coerced = coerceKind(v, p.kind);
    if (!coerced) {
      diags
          .error(DiagCode::E060, where,
                 "argument '" + p.name.name + "' of " + name + " must be " +
                     describeKind(p.kind) + ", found " + describe(v))
          .note(p.range, "argument declared here");
      return nullptr;
    }
    inst->args[&p.name] = std::move(*coerced);
  }

  componentStack.push_back(&decl);
  componentCallSites.push_back(callRange);
  Frame memberFrame;
  memberFrame.self = inst;
  memberFrame.locals = inst->args;
  processMembers(decl.members, *inst, memberFrame, /*inLoop=*/false);
  checkArraysComplete(*inst, callRange);
  componentCallSites.pop_back();
  componentStack.pop_back();
  (void)frame;
  return inst;
}

void Checker::processMembers(const std::vector<ast::MemberPtr> &members,
                             Instance &inst, Frame &frame, bool inLoop) {
  for (const ast::MemberPtr &m : members) {
    processMember(*m, inst, frame, inLoop);
    const ast::Ident *name = nullptr;
    if (auto *p = llvm::dyn_cast<ast::ParamMember>(m.get()))
      name = &p->name;
    else if (auto *i = llvm::dyn_cast<ast::InstanceMember>(m.get()))
      name = &i->name;
    else if (auto *c = llvm::dyn_cast<ast::ConstMember>(m.get()))
      name = &c->name;
    if (name && !inst.members.count(name->name))
      inst.failedMembers.insert(name->name);
  }
}

void Checker::processMember(const ast::Member &m, Instance &inst, Frame &frame,
                            bool inLoop) {
  auto define = [&](const ast::Ident &name) -> Instance::MemberEntry * {
    auto [it, inserted] = inst.members.emplace(
        name.name, Instance::MemberEntry(Instance::MemberEntry::Kind::Const,
                                         name.range));
    if (!inserted) {
      diags
          .error(DiagCode::E021, name.range,
                 "redefinition of member '" + name.name + "'")
          .note(it->second.range, "previous definition is here");
      return nullptr;
    }
    return &it->second;
  };
  auto notInLoop = [&](const char *what) {
    diags
        .error(DiagCode::E062, m.range,
               std::string(what) + " cannot be declared inside a member "
               "'for' loop")
        .help("member loops only create indexed components, e.g. "
              "'layer[i] = Dense(...)'");
  };

  switch (m.getKind()) {
  case ast::Member::Kind::Param: {
    auto &p = llvm::cast<ast::ParamMember>(m);
    if (inLoop)
      return notInLoop("a parameter");
    auto *tensor = llvm::dyn_cast<ast::TensorTypeExpr>(p.type.get());
    if (!tensor || tensor->elem == ast::ElemKind::Bool ||
        tensor->elem == ast::ElemKind::Int) {
      diags.error(DiagCode::E064, p.type->range,
                  "parameter '" + p.name.name +
                      "' must be a float tensor (f32, f64 or real), e.g. "
                      "'param W: real[128, 2]'");
      return;
    }
    std::optional<tir::Type> type = evalType(*p.type, frame);
    if (!type)
      return;
    std::optional<tir::Initializer> init =
        evalInitializer(p.init.get(), *type, frame);
    if (!init)
      return;
    Instance::MemberEntry *entry = define(p.name);
    if (!entry)
      return;
    // Parameters and component instances count toward the program's size
    // too: a member loop of components is far more work per step.
    countBinding(p.name.range);
    tir::Param param;
    param.name = inst.path.empty() ? p.name.name : inst.path + "." + p.name.name;
    param.type = *type;
    param.init = *init;
    param.range = p.name.range;
    param.doc = p.doc;
    program->params.push_back(std::move(param));
    entry->kind = Instance::MemberEntry::Kind::Param;
    entry->param = program->params.size() - 1;
    inst.ownerParams->push_back(entry->param);
    return;
  }
  case ast::Member::Kind::Instance: {
    auto &i = llvm::cast<ast::InstanceMember>(m);
    if (inLoop && !i.index) {
      diags
          .error(DiagCode::E062, i.name.range,
                 "a component created in a member 'for' loop needs an index, "
                 "e.g. '" + i.name.name + "[i] = ...'");
      return;
    }
    const auto *call = llvm::dyn_cast<ast::CallExpr>(i.init.get());
    Value callee = call ? eval(*call->callee, frame) : Value::error();
    if (call && callee.isError())
      return;
    if (!call || callee.kind != Value::Kind::Component) {
      diags
          .error(DiagCode::E060, i.init->range,
                 "a member initializer must instantiate a component, e.g. "
                 "'net = MLP(2, [128], 1)'")
          .help("for a compile-time value write 'const " + i.name.name +
                " = ...'");
      return;
    }
    std::optional<int64_t> index;
    if (i.index) {
      Value v = eval(*i.index, frame);
      if (v.isError())
        return;
      if (v.kind != Value::Kind::Int || v.i < 0) {
        diags.error(DiagCode::E062, i.index->range,
                    "a component array index must be a non-negative "
                    "compile-time integer, found " + describe(v));
        return;
      }
      index = v.i;
    }
    std::vector<ArgValue> args = evalArgs(call->args, frame);
    for (const ArgValue &a : args)
      if (a.value.isError())
        return;
    countBinding(i.name.range);
    std::string path = (inst.path.empty() ? "" : inst.path + ".") +
                       i.name.name +
                       (index ? "." + std::to_string(*index) : "");
    if (!index) {
      Instance::MemberEntry *entry = define(i.name);
      if (!entry)
        return;
      entry->kind = Instance::MemberEntry::Kind::Instance;
      entry->instance = instantiateComponent(*callee.component,
                                             std::move(args), inst, path,
                                             call->range, frame);
      if (!entry->instance)
        inst.members.erase(i.name.name);
      return;
    }
    auto it = inst.members.find(i.name.name);
    if (it == inst.members.end()) {
      it = inst.members
               .emplace(i.name.name,
                        Instance::MemberEntry(
                            Instance::MemberEntry::Kind::Array, i.name.range))
               .first;
    } else if (it->second.kind != Instance::MemberEntry::Kind::Array) {
      diags
          .error(DiagCode::E021, i.name.range,
                 "redefinition of member '" + i.name.name + "'")
          .note(it->second.range, "previous definition is here");
      return;
    }
    if (it->second.array.count(*index)) {
      diags.error(DiagCode::E062, i.name.range,
                  "element " + std::to_string(*index) + " of '" +
                      i.name.name + "' is defined twice");
      return;
    }
    Instance *element = instantiateComponent(
        *callee.component, std::move(args), inst, path, call->range, frame);
    if (element)
      it->second.array[*index] = element;
    return;
  }
  case ast::Member::Kind::Const: {
    auto &c = llvm::cast<ast::ConstMember>(m);
    if (inLoop)
      return notInLoop("a constant");
    Value v = eval(*c.init, frame);
    if (v.isError())
      return;
    if (v.kind == Value::Kind::Runtime || v.kind == Value::Kind::Instance ||
        v.kind == Value::Kind::InstanceArray) {
      diags.error(DiagCode::E038, c.init->range,
                  "a 'const' must be a compile-time value, found " +
                      describe(v));
      return;
    }
    if (c.ctKind) {
      std::optional<Value> coerced = coerceKind(v, *c.ctKind);
      if (!coerced) {
        diags.error(DiagCode::E053, c.init->range,
                    "'" + c.name.name + "' is declared as " +
                        ast::toString(*c.ctKind) + " but the value is " +
                        describe(v));
        return;
      }
      v = *coerced;
    }
    Instance::MemberEntry *entry = define(c.name);
    if (entry)
      entry->constant = std::move(v);
    return;
  }
  case ast::Member::Kind::Fn: {
    auto &f = llvm::cast<ast::FnMember>(m);
    if (inLoop)
      return notInLoop("a function");
    Instance::MemberEntry *entry = define(f.fn->name);
    if (!entry)
      return;
    entry->kind = Instance::MemberEntry::Kind::Fn;
    entry->fn = f.fn.get();
    return;
  }
  case ast::Member::Kind::For: {
    auto &f = llvm::cast<ast::ForMember>(m);
    Value lo = eval(*f.lo, frame), hi = eval(*f.hi, frame);
    if (lo.isError() || hi.isError())
      return;
    if (lo.kind != Value::Kind::Int || hi.kind != Value::Kind::Int) {
      diags.error(DiagCode::E038,
                  lo.kind != Value::Kind::Int ? f.lo->range : f.hi->range,
                  "loop bounds must be compile-time integers");
      return;
    }
    // As a statement loop's: a loop longer than the budget fails at once.
    if (hi.i > lo.i)
      countBinding(f.range, uint64_t(hi.i) - uint64_t(lo.i));
    for (int64_t i = lo.i; i < hi.i; ++i) {
      stopAtErrorLimit();
      frame.locals[&f.var] = Value::ofInt(i);
      processMembers(f.body, inst, frame, /*inLoop=*/true);
    }
    frame.locals.erase(&f.var);
    return;
  }
  case ast::Member::Kind::If: {
    auto &i = llvm::cast<ast::IfMember>(m);
    Value cond = eval(*i.cond, frame);
    if (cond.isError())
      return;
    if (cond.kind != Value::Kind::Bool) {
      diags.error(DiagCode::E038, i.cond->range,
                  "the condition of 'if' must be a compile-time boolean, "
                  "found " + describe(cond));
      return;
    }
    processMembers(cond.b ? i.thenBody : i.elseBody, inst, frame, inLoop);
    return;
  }
  }
}

void Checker::checkArraysComplete(Instance &inst, SourceRange where) {
  for (auto &[name, entry] : inst.members) {
    if (entry.kind != Instance::MemberEntry::Kind::Array)
      continue;
    int64_t expected = 0;
    for (auto &[index, element] : entry.array) {
      if (index != expected) {
        diags
            .error(DiagCode::E062, entry.range,
                   "component array '" + name + "' has no element " +
                       std::to_string(expected) +
                       "; elements must be numbered 0, 1, ..., n-1")
            .note(where, "in this instance");
        break;
      }
      ++expected;
    }
  }
}

std::optional<tir::Initializer>
Checker::evalInitializer(const ast::Expr *init, const tir::Type &type,
                         Frame &frame) {
  using Kind = tir::Initializer::Kind;
  tir::Initializer result;
  if (!init)
    return result; // Zeros.
  auto bad = [&]() -> std::optional<tir::Initializer> {
    diags.error(DiagCode::E063, init->range,
                "a parameter initializer must be a number or one of zeros, "
                "ones, constant(v), normal(mean, std), uniform(low, high), "
                "glorot_uniform(), glorot_normal(), orthogonal()");
    return std::nullopt;
  };

  const ast::NameExpr *name = llvm::dyn_cast<ast::NameExpr>(init);
  const auto *call = llvm::dyn_cast<ast::CallExpr>(init);
  if (call)
    name = llvm::dyn_cast<ast::NameExpr>(call->callee.get());
  if (!name || name->symbol.kind != ast::Symbol::Kind::Builtin) {
    Value v = eval(*init, frame);
    if (v.isError())
      return std::nullopt;
    if (!v.isNumber())
      return bad();
    result.kind = Kind::Constant;
    result.a = v.asReal();
    return result;
  }
  std::optional<Builtin> b = lookupBuiltin(name->name);
  std::vector<std::string> params;
  switch (*b) {
  case Builtin::Zeros:
  case Builtin::Ones:
    result.kind = Kind::Constant;
    result.a = *b == Builtin::Ones ? 1 : 0;
    break;
  case Builtin::Constant:
    result.kind = Kind::Constant;
    params = {"value"};
    break;
  case Builtin::Normal:
    result.kind = Kind::Normal;
    result.b = 1;
    params = {"mean", "std"};
    break;
  case Builtin::Uniform:
    result.kind = Kind::Uniform;
    result.b = 1;
    params = {"low", "high"};
    break;
  case Builtin::GlorotUniform:
  case Builtin::XavierUniform:
  case Builtin::GlorotNormal:
  case Builtin::XavierNormal:
    result.kind = (*b == Builtin::GlorotUniform || *b == Builtin::XavierUniform)
                      ? Kind::GlorotUniform
                      : Kind::GlorotNormal;
    result.a = 1;
    params = {"gain", "fan_in", "fan_out"};
    break;
  case Builtin::Orthogonal:
    result.kind = Kind::Orthogonal;
    result.a = 1;
    params = {"gain"};
    break;
  default:
    return bad();
  }
  std::string callee = "'" + name->name + "'";
  std::vector<ArgValue> args;
  if (call)
    args = evalArgs(call->args, frame);
  for (const ArgValue &a : args)
    if (a.value.isError())
      return std::nullopt;
  size_t required = *b == Builtin::Constant ? 1 : 0;
  auto ordered = orderArgs(std::move(args), params, required, callee,
                           init->range);
  if (!ordered)
    return std::nullopt;
  // The given arguments by name; omitted ones keep the defaults above.
  std::map<std::string, double> given;
  for (size_t i = 0; i < ordered->size(); ++i) {
    const ArgValue &a = (*ordered)[i];
    if (!a.present)
      continue;
    bool isFan = params[i] == "fan_in" || params[i] == "fan_out";
    if (isFan ? a.value.kind != Value::Kind::Int || a.value.i <= 0
              : !a.value.isNumber()) {
      diags.error(DiagCode::E063, a.range,
                  "argument '" + params[i] + "' of " + callee + " must be " +
                      (isFan ? "a positive compile-time integer"
                             : "a compile-time number") +
                      ", found " + describe(a.value));
      return std::nullopt;
    }
    given[params[i]] = a.value.asReal();
  }
  auto set = [&](const char *param, double &field) {
    auto it = given.find(param);
    if (it != given.end())
      field = it->second;
  };
  switch (result.kind) {
  case Kind::Constant:
    set("value", result.a);
    break;
  case Kind::Normal:
  case Kind::Uniform:
    set(result.kind == Kind::Normal ? "mean" : "low", result.a);
    set(result.kind == Kind::Normal ? "std" : "high", result.b);
    if (result.kind == Kind::Normal ? result.b <= 0 : result.a >= result.b) {
      diags.error(DiagCode::E063, init->range,
                  result.kind == Kind::Normal
                      ? "the standard deviation of 'normal' must be positive"
                      : "'uniform' needs low < high");
      return std::nullopt;
    }
    break;
  case Kind::GlorotUniform:
  case Kind::GlorotNormal: {
    set("gain", result.a);
    const std::vector<int64_t> &s = type.shape;
    if (s.size() >= 2) {
      int64_t receptive = 1;
      for (size_t d = 2; d < s.size(); ++d)
        receptive *= s[d];
      result.fanIn = s[1] * receptive;
      result.fanOut = s[0] * receptive;
    }
    if (given.count("fan_in"))
      result.fanIn = int64_t(given["fan_in"]);
    if (given.count("fan_out"))
      result.fanOut = int64_t(given["fan_out"]);
    if (result.fanIn == 0 || result.fanOut == 0) {
      diags
          .error(DiagCode::E063, init->range,
                 callee + " needs fan_in and fan_out for a parameter of type " +
                     type.str())
          .help("e.g. " + name->name + "(fan_in: 2, fan_out: 128)");
      return std::nullopt;
    }
    break;
  }
  case Kind::Orthogonal:
    set("gain", result.a);
    if (type.shape.size() != 2) {
      diags.error(DiagCode::E063, init->range,
                  "'orthogonal' initializes matrices only, not " +
                      type.str());
      return std::nullopt;
    }
    break;
  default:
    break;
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Models and samplers
//===----------------------------------------------------------------------===//

Instance *Checker::newRootInstance(const ast::ContainerDecl &decl) {
  instances.push_back(std::make_unique<Instance>());
  Instance *inst = instances.back().get();
  inst->decl = &decl;
  inst->qualifiedName = decl.name.name;
  inst->ownerParams = &inst->ownParams;
  return inst;
}

tir::Function *Checker::checkDensityFn(Instance &model, const std::string &name,
                                       std::optional<tir::Type> &dataType,
                                       bool required) {
  const ast::Decl &decl = *model.decl;
  auto it = model.members.find(name);
  if (it == model.members.end() ||
      it->second.kind != Instance::MemberEntry::Kind::Fn) {
    if (it != model.members.end())
      diags.error(DiagCode::E065, it->second.range,
                  "'" + name + "' in model '" + decl.name.name +
                      "' must be a function");
    else if (required)
      diags
          .error(DiagCode::E065, decl.name.range,
                 "model '" + decl.name.name + "' has no log-density")
          .help("declare it as 'fn f(x: real[2]) -> real = ...'");
    return nullptr;
  }
  const ast::FnDecl &fn = *it->second.fn;
  const auto *tensor =
      fn.params.size() == 1
          ? llvm::dyn_cast<ast::TensorTypeExpr>(fn.params[0].type.get())
          : nullptr;
  if (!tensor || !fn.sizeParams.empty()) {
    diags
        .error(DiagCode::E066, fn.name.range,
               "'" + name + "' must take exactly one tensor argument of a "
               "fixed shape")
        .help("e.g. 'fn " + name + "(x: real[2]) -> real'");
    return nullptr;
  }
  Frame frame;
  frame.self = &model;
  std::optional<tir::Type> type = evalType(*tensor, frame);
  if (!type)
    return nullptr;
  if (!type->isFloat() || type->shape.empty()) {
    diags.error(DiagCode::E066, tensor->range,
                "the data of a model must be a float tensor of rank 1 or "
                "more (use real[1] for scalar data), found " + type->str());
    return nullptr;
  }
  if (dataType && *type != *dataType) {
    diags.error(DiagCode::E066, tensor->range,
                "'" + name + "' takes " + type->str() +
                    " but the log-density 'f' takes " + dataType->str());
    return nullptr;
  }
  dataType = type;
  FnRef ref;
  ref.decl = &fn;
  ref.self = &model;
  ArgSig sig;
  sig.type = *type;
  sig.range = fn.params[0].range;
  tir::Function *f = instantiate(ref, {sig}, fn.name.range);
  if (!f)
    return nullptr;
  if (!f->getResultType().isScalar() || !f->getResultType().isFloat()) {
    diags.error(DiagCode::E066, fn.result ? fn.result->range : fn.name.range,
                "'" + name + "' must return a scalar log-density, returns " +
                    f->getResultType().str());
    return nullptr;
  }
  if (f->hasDraws) {
    diags
        .error(DiagCode::E069, f->firstDraw,
               "random draw in the log-density of model '" + decl.name.name +
                   "'")
        .note(fn.name.range, "'" + name + "' is declared here")
        .help("draws belong in a sampler's 'sample' function");
    return nullptr;
  }
  if (f->hasReports) {
    diags
        .error(DiagCode::E074, f->firstReport,
               "'report' in the log-density of model '" + decl.name.name + "'")
        .note(fn.name.range, "'" + name + "' is declared here")
        .help("statistics are reported by samplers");
    return nullptr;
  }
  return f;
}

std::optional<unsigned> Checker::checkModel(const ast::ModelDecl &decl) {
  auto memo = checkedModels.find(&decl);
  if (memo != checkedModels.end())
    return memo->second;
  Instance *inst = newRootInstance(decl);
  modelInstances[&decl] = inst;
  Frame frame;
  frame.self = inst;
  processMembers(decl.members, *inst, frame, /*inLoop=*/false);
  checkArraysComplete(*inst, decl.name.range);

  std::optional<tir::Type> dataType;
  tir::Function *f = checkDensityFn(*inst, "f", dataType, /*required=*/true);
  tir::Function *base =
      f ? checkDensityFn(*inst, "base", dataType, /*required=*/false)
        : nullptr;
  if (base) {
    std::set<const tir::Function *> visited;
    if (usesParams(*base, visited)) {
      diags.error(DiagCode::E072, base->range,
                  "the base measure 'base' must not depend on learnable "
                  "parameters: it is a fixed term of the density");
      base = nullptr;
    }
  }
  if (!f)
    return std::nullopt;
  tir::Model model;
  model.name = decl.name.name;
  model.doc = decl.doc;
  model.range = decl.range;
  model.dataType = *dataType;
  model.params = inst->ownParams;
  model.logDensity = f;
  model.baseMeasure = base;
  program->models.push_back(std::move(model));
  checkedModels[&decl] = program->models.size() - 1;
  return program->models.size() - 1;
}

void Checker::checkSampler(const ast::SamplerDecl &decl) {
  if (!decl.modelDecl)
    return;
  std::optional<unsigned> modelIndex = checkModel(*decl.modelDecl);
  if (!modelIndex)
    return;
  const tir::Type &dataType = program->models[*modelIndex].dataType;
  Instance *inst = newRootInstance(decl);
  inst->model = modelInstances[decl.modelDecl];
  Frame frame;
  frame.self = inst;
  processMembers(decl.members, *inst, frame, /*inLoop=*/false);
  checkArraysComplete(*inst, decl.name.range);

  auto it = inst->members.find("sample");
  if (it == inst->members.end() ||
      it->second.kind != Instance::MemberEntry::Kind::Fn) {
    diags
        .error(DiagCode::E067,
               it == inst->members.end() ? decl.name.range : it->second.range,
               "sampler '" + decl.name.name +
                   "' has no 'sample' function")
        .help("declare 'fn sample() -> " + dataType.str() +
              " { ... }' that draws and returns a point");
    return;
  }
  const ast::FnDecl &fn = *it->second.fn;
  if (fn.params.size() > 1 || !fn.sizeParams.empty()) {
    diags.error(DiagCode::E068, fn.name.range,
                "'sample' takes no argument, or one: the initial state "
                "x0: " + dataType.str());
    return;
  }
  std::vector<ArgSig> sigs;
  if (fn.params.size() == 1) {
    std::optional<tir::Type> t = evalType(*fn.params[0].type, frame);
    if (!t)
      return;
    if (*t != dataType) {
      diags.error(DiagCode::E068, fn.params[0].range,
                  "the initial state of 'sample' must have the model's data "
                  "type " + dataType.str() + ", found " + t->str());
      return;
    }
    ArgSig sig;
    sig.type = *t;
    sig.random = true;
    sig.range = fn.params[0].range;
    sigs.push_back(sig);
  }
  FnRef ref;
  ref.decl = &fn;
  ref.self = inst;
  tir::Function *sample = instantiate(ref, sigs, fn.name.range);
  if (!sample)
    return;
  const tir::Type &out = sample->getResultType();
  bool returnsMomentum = out.isTuple && out.elems.size() == 2 &&
                         out.elems[0] == dataType && out.elems[1].isFloat();
  if (out != dataType && !returnsMomentum) {
    diags.error(DiagCode::E068,
                fn.result ? fn.result->range : fn.name.range,
                "'sample' must return the model's data type " +
                    dataType.str() + ", or a tuple (" + dataType.str() +
                    ", momentum); it returns " + out.str());
    return;
  }
  const tir::Expr *x = sample->result;
  if (returnsMomentum) {
    if (auto *t = llvm::dyn_cast<tir::MakeTupleExpr>(x))
      x = t->elems[0];
  }
  if (!x->random) {
    diags
        .error(DiagCode::E071, x->range,
               "the output of sampler '" + decl.name.name +
                   "' does not depend on any random draw")
        .help("draw with '~' (e.g. 'z ~ normal(0, 1, [2])') and transform "
              "the draw");
    return;
  }
  tir::Sampler sampler;
  sampler.name = decl.name.name;
  sampler.doc = decl.doc;
  sampler.range = decl.range;
  sampler.model = *modelIndex;
  sampler.params = inst->ownParams;
  sampler.sample = sample;
  sampler.takesInitialState = !sigs.empty();
  sampler.returnsMomentum = returnsMomentum;
  program->samplers.push_back(std::move(sampler));
}

void Checker::checkClosedFunction(const ast::FnDecl &decl) {
  if (!decl.sizeParams.empty())
    return;
  Frame frame;
  std::vector<ArgSig> sigs;
  for (const ast::FnParam &p : decl.params) {
    auto *t = llvm::dyn_cast<ast::TensorTypeExpr>(p.type.get());
    if (!t || t->elem == ast::ElemKind::Int)
      return; // Function or compile-time arguments: checked at use.
    std::optional<tir::Type> type = evalType(*t, frame);
    if (!type)
      return;
    ArgSig sig;
    sig.type = *type;
    sig.range = p.range;
    sigs.push_back(sig);
  }
  FnRef ref;
  ref.decl = &decl;
  instantiate(ref, sigs, decl.name.range);
}
