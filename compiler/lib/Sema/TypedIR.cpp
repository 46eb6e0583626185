//===- TypedIR.cpp - The checked, instantiated program --------------------===//

#include "ade/Sema/TypedIR.h"

#include "llvm/Support/raw_ostream.h"

#include <set>
#include <sstream>

using namespace ade;
using namespace ade::tir;

Expr::~Expr() = default;

const char *tir::toString(ScalarKind kind) {
  switch (kind) {
  case ScalarKind::F32:
    return "f32";
  case ScalarKind::F64:
    return "f64";
  case ScalarKind::Bool:
    return "bool";
  }
  return "?";
}

const char *tir::toString(BuiltinOp op) {
  static const char *names[] = {
#define ADE_BUILTIN_OP(NAME, SPELLING) SPELLING,
#include "ade/Sema/BuiltinOps.def"
  };
  return names[static_cast<unsigned>(op)];
}

const char *tir::toString(BinaryKind kind) {
  static const char *names[] = {"add", "sub", "mul", "div", "pow",
                                "matmul", "lt", "le", "gt", "ge",
                                "eq", "ne", "and", "or"};
  return names[static_cast<unsigned>(kind)];
}

const char *tir::toString(DerivativeKind kind) {
  static const char *names[] = {"grad", "vjp", "jvp",
                                "hvp", "hessian_trace", "jacobian"};
  return names[static_cast<unsigned>(kind)];
}

int64_t Type::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

bool Type::operator==(const Type &o) const {
  if (isTuple != o.isTuple)
    return false;
  if (isTuple)
    return elems == o.elems;
  return elem == o.elem && shape == o.shape;
}

std::string Type::str() const {
  std::string s;
  if (isTuple) {
    s = "(";
    for (size_t i = 0; i < elems.size(); ++i)
      s += (i ? ", " : "") + elems[i].str();
    return s + ")";
  }
  s = toString(elem);
  if (!shape.empty()) {
    s += "[";
    for (size_t i = 0; i < shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(shape[i]);
    s += "]";
  }
  return s;
}

static std::string formatNumber(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}

std::string Initializer::str() const {
  switch (kind) {
  case Kind::Zeros:
    return "zeros";
  case Kind::Constant:
    return "constant(" + formatNumber(a) + ")";
  case Kind::Normal:
    return "normal(" + formatNumber(a) + ", " + formatNumber(b) + ")";
  case Kind::Uniform:
    return "uniform(" + formatNumber(a) + ", " + formatNumber(b) + ")";
  case Kind::GlorotUniform:
  case Kind::GlorotNormal:
    return std::string(kind == Kind::GlorotUniform ? "glorot_uniform"
                                                   : "glorot_normal") +
           "(gain=" + formatNumber(a) + ", fan_in=" + std::to_string(fanIn) +
           ", fan_out=" + std::to_string(fanOut) + ")";
  case Kind::Orthogonal:
    return "orthogonal(gain=" + formatNumber(a) + ")";
  }
  return "?";
}

std::vector<int64_t> tir::computeParamOffsets(const Program &program) {
  std::vector<int64_t> offsets(program.params.size(), 0);
  auto assign = [&](const std::vector<unsigned> &params) {
    int64_t at = 0;
    for (unsigned i : params) {
      offsets[i] = at;
      at += program.params[i].type.numElements();
    }
  };
  for (const Model &m : program.models)
    assign(m.params);
  for (const Sampler &s : program.samplers)
    assign(s.params);
  return offsets;
}

int64_t tir::paramBufferSize(const Program &program,
                             const std::vector<unsigned> &params) {
  int64_t n = 0;
  for (unsigned i : params)
    n += program.params[i].type.numElements();
  return n;
}

void tir::forEachExpr(const Function &f,
                      llvm::function_ref<void(const Expr &)> visit) {
  std::vector<const Expr *> work;
  for (const Binding &b : f.body) {
    if (b.value)
      work.push_back(b.value);
    work.insert(work.end(), b.distArgs.begin(), b.distArgs.end());
  }
  if (f.result)
    work.push_back(f.result);
  std::set<const Expr *> seen;
  auto push = [&](const std::vector<const Expr *> &xs) {
    work.insert(work.end(), xs.begin(), xs.end());
  };
  while (!work.empty()) {
    const Expr *e = work.back();
    work.pop_back();
    if (!seen.insert(e).second)
      continue;
    visit(*e);
    switch (e->getKind()) {
    case Expr::Kind::Constant:
    case Expr::Kind::ParamRef:
    case Expr::Kind::LocalRef:
      break;
    case Expr::Kind::Unary:
      work.push_back(llvm::cast<UnaryExpr>(e)->operand);
      break;
    case Expr::Kind::Binary:
      work.push_back(llvm::cast<BinaryExpr>(e)->lhs);
      work.push_back(llvm::cast<BinaryExpr>(e)->rhs);
      break;
    case Expr::Kind::Builtin:
      push(llvm::cast<BuiltinExpr>(e)->operands);
      break;
    case Expr::Kind::Call:
      push(llvm::cast<CallExpr>(e)->args);
      break;
    case Expr::Kind::Derivative:
      push(llvm::cast<DerivativeExpr>(e)->args);
      break;
    case Expr::Kind::Subscript:
      work.push_back(llvm::cast<SubscriptExpr>(e)->base);
      break;
    case Expr::Kind::Stack:
      push(llvm::cast<StackExpr>(e)->elems);
      break;
    case Expr::Kind::MakeTuple:
      push(llvm::cast<MakeTupleExpr>(e)->elems);
      break;
    case Expr::Kind::TupleGet:
      work.push_back(llvm::cast<TupleGetExpr>(e)->tuple);
      break;
    case Expr::Kind::Cast:
      work.push_back(llvm::cast<CastExpr>(e)->operand);
      break;
    }
  }
}

//===----------------------------------------------------------------------===//
// Dump
//===----------------------------------------------------------------------===//

namespace {
class Printer {
public:
  Printer(const Program &p, llvm::raw_ostream &os) : p(p), os(os) {}

  void print() {
    for (size_t i = 0; i < p.params.size(); ++i) {
      const Param &param = p.params[i];
      os << "param #" << i << " " << param.name << " : " << param.type.str()
         << " = " << param.init.str() << "\n";
    }
    for (const auto &f : p.functions)
      print(*f);
    for (const Model &m : p.models) {
      os << "model " << m.name << "(x: " << m.dataType.str() << ") f = @"
         << m.logDensity->name;
      if (m.baseMeasure)
        os << " base = @" << m.baseMeasure->name;
      printParams(m.params);
      os << "\n";
    }
    for (const Sampler &s : p.samplers) {
      os << "sampler " << s.name << " for " << p.models[s.model].name
         << " sample = @" << s.sample->name;
      if (s.takesInitialState)
        os << " initial-state";
      if (s.returnsMomentum)
        os << " returns-momentum";
      printParams(s.params);
      os << "\n";
    }
  }

private:
  void printParams(const std::vector<unsigned> &params) {
    os << " params [";
    for (size_t i = 0; i < params.size(); ++i)
      os << (i ? ", " : "") << "#" << params[i];
    os << "]";
  }

  void print(const Function &f) {
    os << "func @" << f.name << "(";
    for (unsigned i = 0; i < f.numArgs; ++i)
      os << (i ? ", " : "") << "%" << i << " " << f.locals[i].name << ": "
         << f.locals[i].type.str() << (f.locals[i].random ? " random" : "");
    os << ") -> " << (f.result ? f.result->type.str() : "?");
    if (f.hasDraws)
      os << " draws";
    if (f.hasReports)
      os << " reports";
    os << " {\n";
    for (const Binding &b : f.body) {
      if (b.kind == Binding::Kind::Report) {
        os << "  report " << b.reportName << " = ";
        print(*b.value);
        os << "\n";
        continue;
      }
      const Local &l = f.locals[b.slot];
      os << "  %" << b.slot << " " << l.name;
      if (b.kind == Binding::Kind::Draw) {
        os << " ~ "
           << (b.dist == Distribution::Normal ? "normal(" : "uniform(");
        for (size_t i = 0; i < b.distArgs.size(); ++i) {
          os << (i ? ", " : "");
          print(*b.distArgs[i]);
        }
        os << ")";
      } else {
        os << " = ";
        print(*b.value);
      }
      os << " : " << l.type.str() << (l.random ? " random" : "") << "\n";
    }
    if (f.result) {
      os << "  return ";
      print(*f.result);
      os << "\n";
    }
    os << "}\n";
  }

  void printList(const std::vector<const Expr *> &xs) {
    for (size_t i = 0; i < xs.size(); ++i) {
      os << (i ? ", " : "");
      print(*xs[i]);
    }
  }

  void print(const Expr &e) {
    switch (e.getKind()) {
    case Expr::Kind::Constant: {
      auto &c = llvm::cast<ConstantExpr>(e);
      os << "const<" << c.type.str() << ">";
      if (c.values.size() == 1) {
        os << "(" << formatNumber(c.values[0]) << ")";
        return;
      }
      os << "([";
      for (size_t i = 0; i < c.values.size(); ++i)
        os << (i ? ", " : "") << formatNumber(c.values[i]);
      os << "])";
      return;
    }
    case Expr::Kind::ParamRef:
      os << "param " << p.params[llvm::cast<ParamRefExpr>(e).index].name;
      return;
    case Expr::Kind::LocalRef:
      os << "%" << llvm::cast<LocalRefExpr>(e).slot;
      return;
    case Expr::Kind::Unary: {
      auto &u = llvm::cast<UnaryExpr>(e);
      os << (u.op == UnaryKind::Neg ? "neg(" : "not(");
      print(*u.operand);
      os << ")";
      return;
    }
    case Expr::Kind::Binary: {
      auto &b = llvm::cast<BinaryExpr>(e);
      os << toString(b.op) << "(";
      print(*b.lhs);
      os << ", ";
      print(*b.rhs);
      os << ")";
      return;
    }
    case Expr::Kind::Builtin: {
      auto &b = llvm::cast<BuiltinExpr>(e);
      os << toString(b.op) << "(";
      printList(b.operands);
      for (int64_t a : b.intAttrs)
        os << ", " << a;
      if (b.op == BuiltinOp::LeakyRelu)
        os << ", alpha=" << formatNumber(b.realAttr);
      os << ")";
      if (b.op == BuiltinOp::Reshape)
        os << " to " << b.type.str();
      return;
    }
    case Expr::Kind::Call: {
      auto &c = llvm::cast<CallExpr>(e);
      os << "call @" << c.callee->name << "(";
      printList(c.args);
      os << ")";
      return;
    }
    case Expr::Kind::Derivative: {
      auto &d = llvm::cast<DerivativeExpr>(e);
      os << toString(d.kind) << "(@" << d.target->name << ")(";
      printList(d.args);
      os << ")";
      return;
    }
    case Expr::Kind::Subscript: {
      auto &s = llvm::cast<SubscriptExpr>(e);
      print(*s.base);
      os << "[";
      for (size_t i = 0; i < s.items.size(); ++i) {
        os << (i ? ", " : "") << s.items[i].start;
        if (s.items[i].isSlice)
          os << ":" << s.items[i].stop;
      }
      os << "]";
      return;
    }
    case Expr::Kind::Stack:
      os << "stack(";
      printList(llvm::cast<StackExpr>(e).elems);
      os << ")";
      return;
    case Expr::Kind::MakeTuple:
      os << "tuple(";
      printList(llvm::cast<MakeTupleExpr>(e).elems);
      os << ")";
      return;
    case Expr::Kind::TupleGet: {
      auto &g = llvm::cast<TupleGetExpr>(e);
      os << "get(";
      print(*g.tuple);
      os << ", " << g.index << ")";
      return;
    }
    case Expr::Kind::Cast: {
      auto &c = llvm::cast<CastExpr>(e);
      os << "cast<" << toString(c.type.elem) << ">(";
      print(*c.operand);
      os << ")";
      return;
    }
    }
  }

  const Program &p;
  llvm::raw_ostream &os;
};
} // namespace

void tir::dumpProgram(const Program &program, llvm::raw_ostream &os) {
  Printer(program, os).print();
}
