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

/// Elements of a value of `type`: 1 for a scalar.
int64_t elementsOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return 1;
  return shaped.hasStaticShape() ? shaped.getNumElements() : -1;
}

/// Floating-point operations of one execution of `op` (regions aside): an
/// add, subtract, multiply, divide, remainder, minimum, maximum, comparison
/// or elementary function (exp, tanh, sqrt, ...) is one, a fused
/// multiply-add two; sign operations (negation, absolute value, copysign)
/// are bit operations and count none. -1: a shape that is not static.
int64_t opFlops(Operation *op) {
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
  int64_t elements = elementsOf(op->getOperand(0).getType());
  return elements < 0 ? -1 : per * elements;
}

/// Counts the operations of functions, following calls, with scf.for trip
/// counts evaluated from constants and enclosing induction variables.
class FlopCounter {
public:
  explicit FlopCounter(ModuleOp module) : symbols(module) {}

  std::optional<int64_t> countFunction(func::FuncOp fn) {
    if (auto it = memo.find(fn); it != memo.end())
      return it->second;
    if (!active.insert(fn).second || fn.isExternal())
      return std::nullopt; // recursion, or no body
    Env env;
    std::optional<int64_t> flops = countRegion(fn.getBody(), env);
    active.erase(fn);
    memo[fn] = flops;
    return flops;
  }

private:
  using Env = llvm::DenseMap<Value, int64_t>;

  std::optional<int64_t> countRegion(Region &region, Env &env) {
    int64_t total = 0;
    for (Block &block : region)
      for (Operation &op : block) {
        std::optional<int64_t> flops = countOp(&op, env);
        if (!flops)
          return std::nullopt;
        total += *flops;
      }
    return total;
  }

  std::optional<int64_t> countOp(Operation *op, Env &env) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      int64_t iterations = 1;
      for (int64_t range : linalgOp.getStaticLoopRanges()) {
        if (ShapedType::isDynamic(range))
          return std::nullopt;
        iterations *= range;
      }
      int64_t body = 0;
      for (Operation &inner : *linalgOp.getBlock()) {
        int64_t flops = opFlops(&inner);
        if (flops < 0)
          return std::nullopt;
        body += flops;
      }
      return iterations * body;
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
      return std::nullopt; // a loop whose trip count is not known here
    int64_t flops = opFlops(op);
    return flops < 0 ? std::nullopt : std::optional<int64_t>(flops);
  }

  /// A loop's iterations are counted as one when the first and the last
  /// cost the same (the usual case: bounds that do not depend on its
  /// induction variable), else one by one (a triangular loop of an LU).
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
      return trips * *first;
    int64_t total = *first + *last;
    for (int64_t i = 1; i + 1 < trips; ++i) {
      std::optional<int64_t> flops = iteration(i);
      if (!flops)
        return std::nullopt;
      total += *flops;
    }
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
      return *a + *b;
    if (isa<arith::SubIOp>(def))
      return *a - *b;
    if (isa<arith::MulIOp>(def))
      return *a * *b;
    if (isa<arith::MinSIOp, arith::MinUIOp>(def))
      return std::min(*a, *b);
    if (isa<arith::MaxSIOp, arith::MaxUIOp>(def))
      return std::max(*a, *b);
    if (*b == 0)
      return std::nullopt;
    if (isa<arith::DivSIOp, arith::DivUIOp>(def))
      return *a / *b;
    if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(def))
      return llvm::divideCeil(*a, *b);
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
      // says 0): the count informs, it does not decide anything.
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
