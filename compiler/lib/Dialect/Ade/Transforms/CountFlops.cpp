//===- CountFlops.cpp - Floating-point operations per particle ------------===//
//
// Speed is reported as a fraction of the machine's peak, which needs the
// work an entry does: counted here, on the tile functions (linalg on
// tensors, after ade-hoist-uniform-work and before fusion, so that work a
// fusion recomputes is not counted twice), and recorded in each tile's
// `ade.tile` attribute as `flops` per particle. The model.so's metadata
// carries it to the benchmarks and to `aderun info`.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

#include <optional>

namespace ade {
#define GEN_PASS_DEF_ADECOUNTFLOPS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Elements of a value of `type`: 1 for a scalar, none for a dynamic shape.
std::optional<int64_t> elementsOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return 1;
  if (!shaped.hasStaticShape())
    return std::nullopt;
  return shaped.getNumElements();
}

/// a * b and a + b, or none where they overflow.
std::optional<int64_t> product(std::optional<int64_t> a,
                               std::optional<int64_t> b) {
  int64_t result;
  if (!a || !b || llvm::MulOverflow(*a, *b, result))
    return std::nullopt;
  return result;
}
std::optional<int64_t> sum(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t result;
  if (!a || !b || llvm::AddOverflow(*a, *b, result))
    return std::nullopt;
  return result;
}

/// Floating-point operations of one execution of `op` (regions aside): an
/// add, subtract, multiply, divide, remainder, minimum, maximum, comparison
/// or elementary function (exp, tanh, sqrt, ...) is one, a fused
/// multiply-add two; sign operations (negation, absolute value, copysign)
/// are bit operations and count none.
std::optional<int64_t> opFlops(Operation *op) {
  if (op->getNumOperands() == 0 ||
      !isa<FloatType>(getElementTypeOrSelf(op->getOperand(0).getType())))
    return 0;
  int64_t per = 0;
  if (isa<math::FmaOp>(op))
    per = 2;
  else if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
               arith::RemFOp, arith::MaximumFOp, arith::MinimumFOp,
               arith::MaxNumFOp, arith::MinNumFOp, arith::CmpFOp>(op))
    per = 1;
  else if (isa<math::MathDialect>(op->getDialect()) &&
           !isa<math::AbsFOp, math::CopySignOp>(op))
    per = 1;
  if (per == 0)
    return 0;
  return product(per, elementsOf(op->getOperand(0).getType()));
}

/// Counts the operations of functions, following calls, with scf.for trip
/// counts evaluated from constants and enclosing induction variables.
class FlopCounter {
public:
  explicit FlopCounter(ModuleOp module) : symbols(module) {}

  std::optional<int64_t> countFunction(func::FuncOp fn) {
    if (auto it = memo.find(fn); it != memo.end())
      return it->second;
    if (fn.isExternal())
      return memo[fn] = std::nullopt; // no body to count
    if (!active.insert(fn).second)
      return std::nullopt; // recursion
    Env env;
    std::optional<int64_t> flops = countRegion(fn.getBody(), env);
    active.erase(fn);
    memo[fn] = flops;
    return flops;
  }

private:
  using Env = llvm::DenseMap<Value, int64_t>;

  std::optional<int64_t> countRegion(Region &region, Env &env) {
    std::optional<int64_t> total = 0;
    for (Block &block : region)
      for (Operation &op : block)
        if (!(total = sum(total, countOp(&op, env))))
          return std::nullopt;
    return total;
  }

  std::optional<int64_t> countOp(Operation *op, Env &env) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      std::optional<int64_t> iterations = 1;
      for (int64_t range : linalgOp.getStaticLoopRanges())
        iterations = ShapedType::isDynamic(range) ? std::nullopt
                                                  : product(iterations, range);
      std::optional<int64_t> body = 0;
      for (Operation &inner : *linalgOp.getBlock())
        body = inner.getNumRegions() != 0 ? std::nullopt
                                          : sum(body, opFlops(&inner));
      return product(iterations, body);
    }
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      if (!callee)
        return std::nullopt;
      return countFunction(callee);
    }
    if (auto loop = dyn_cast<scf::ForOp>(op))
      return countLoop(loop, env);
    if (auto branch = dyn_cast<scf::IfOp>(op)) {
      // Either branch may run: the costlier one counts.
      std::optional<int64_t> thenFlops =
          countRegion(branch.getThenRegion(), env);
      std::optional<int64_t> elseFlops =
          countRegion(branch.getElseRegion(), env);
      if (!thenFlops || !elseFlops)
        return std::nullopt;
      return std::max(*thenFlops, *elseFlops);
    }
    if (isa<tensor::PadOp>(op))
      return 0; // its region yields the padding value
    if (op->getNumRegions() != 0)
      return std::nullopt; // an op with regions the counter does not model
    return opFlops(op);
  }

  /// A loop's iterations are counted as one when the first and the last
  /// cost the same, else one by one (a triangular loop of an LU). This
  /// assumes that an iteration's cost, when it varies, is not the same at
  /// both ends: so in the loops ade-convert-ade-to-linalg builds, whose
  /// inner bounds follow the induction variable.
  std::optional<int64_t> countLoop(scf::ForOp loop, Env &env) {
    std::optional<int64_t> lower = evaluate(loop.getLowerBound(), env),
                           upper = evaluate(loop.getUpperBound(), env),
                           step = evaluate(loop.getStep(), env);
    if (!lower || !upper || !step || *step <= 0)
      return std::nullopt;
    if (*upper <= *lower)
      return 0;
    int64_t trips = llvm::divideCeil(*upper - *lower, *step);
    Value iv = loop.getInductionVar();
    auto iteration = [&](int64_t i) {
      env[iv] = *lower + i * *step;
      std::optional<int64_t> flops = countRegion(loop.getRegion(), env);
      env.erase(iv);
      return flops;
    };
    std::optional<int64_t> first = iteration(0), last = iteration(trips - 1);
    if (!first || !last)
      return std::nullopt;
    if (*first == *last)
      return product(trips, *first);
    std::optional<int64_t> total = sum(*first, *last);
    for (int64_t i = 1; total && i + 1 < trips; ++i)
      total = sum(total, iteration(i));
    return total;
  }

  /// The value of an index computed from constants and the induction
  /// variables in `env`.
  std::optional<int64_t> evaluate(Value value, const Env &env) {
    if (auto it = env.find(value); it != env.end())
      return it->second;
    Operation *def = value.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto constant = dyn_cast<arith::ConstantOp>(def)) {
      if (auto integer = dyn_cast<IntegerAttr>(constant.getValue()))
        return integer.getInt();
      return std::nullopt;
    }
    if (auto cast = dyn_cast<arith::IndexCastOp>(def))
      return evaluate(cast.getIn(), env);
    if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
      SmallVector<Attribute> operands;
      Builder b(def->getContext());
      for (Value operand : apply.getMapOperands()) {
        std::optional<int64_t> v = evaluate(operand, env);
        if (!v)
          return std::nullopt;
        operands.push_back(b.getIndexAttr(*v));
      }
      SmallVector<Attribute> results;
      if (failed(apply.getAffineMap().constantFold(operands, results)) ||
          results.size() != 1)
        return std::nullopt;
      return cast<IntegerAttr>(results[0]).getInt();
    }
    if (def->getNumOperands() != 2)
      return std::nullopt;
    std::optional<int64_t> a = evaluate(def->getOperand(0), env),
                           b = evaluate(def->getOperand(1), env);
    if (!a || !b)
      return std::nullopt;
    if (isa<arith::AddIOp>(def))
      return sum(a, b);
    if (isa<arith::SubIOp>(def))
      return sum(a, product(b, -1));
    if (isa<arith::MulIOp>(def))
      return product(a, b);
    if (isa<arith::MinSIOp, arith::MinUIOp>(def))
      return std::min(*a, *b);
    if (isa<arith::MaxSIOp, arith::MaxUIOp>(def))
      return std::max(*a, *b);
    if (*b == 0)
      return std::nullopt;
    if (isa<arith::DivSIOp, arith::DivUIOp>(def))
      return *a / *b;
    if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(def))
      return llvm::divideCeilSigned(*a, *b);
    if (isa<arith::RemSIOp, arith::RemUIOp>(def))
      return *a % *b;
    return std::nullopt;
  }

  SymbolTable symbols;
  llvm::DenseMap<func::FuncOp, std::optional<int64_t>> memo;
  llvm::DenseSet<func::FuncOp> active;
};

struct AdeCountFlopsPass
    : public ade::impl::AdeCountFlopsBase<AdeCountFlopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FlopCounter counter(module);
    Builder b(&getContext());
    for (auto fn : module.getOps<func::FuncOp>()) {
      auto tile = fn->getAttrOfType<DictionaryAttr>("ade.tile");
      auto size = tile ? tile.getAs<IntegerAttr>("size") : IntegerAttr();
      if (!size || size.getInt() <= 0)
        continue;
      // A kernel the counter cannot follow is left uncounted (its metadata
      // says -1): the count informs, it does not decide anything.
      std::optional<int64_t> flops = counter.countFunction(fn);
      if (!flops)
        continue;
      NamedAttrList entries(tile);
      entries.set("flops", b.getI64IntegerAttr(
                               llvm::divideNearest(*flops, size.getInt())));
      fn->setAttr("ade.tile", entries.getDictionary(&getContext()));
    }
  }
};

} // namespace
