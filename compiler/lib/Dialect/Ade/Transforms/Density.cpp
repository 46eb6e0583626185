//===- Density.cpp - Log-density of a sampler's output --------------------===//
//
// A sampler is a straight-line program (calls inlined, derivatives
// expanded) of random draws and updates of its random state. Walking it in
// order, the pass keeps the set of state values whose joint density it
// knows, and builds log q as it goes:
//
//  - a draw `z ~ normal(a, b)` becomes z = a + b * eps with eps read from a
//    noise input (so entries are deterministic), adds log N(z; a, b), and
//    makes z state;
//  - an op that consumes state values for the last time (they die there)
//    and produces as many elements is an update s' = h(s, rest): it
//    subtracts log|det dh/ds|, derived by structure (shear s + g(rest): 0;
//    scale s * c(rest): sum log|c|, sum a for c = exp(a); elementwise
//    bijections: sum log|h'|; concatenations, reshapes: 0; rank one
//    s + u * g(s) with scalar g: log|1 + grad g . u|), else by a dense
//    Jacobian from reverse mode and an LU log-determinant, up to a
//    dimension limit;
//  - an update by a call of a shared function (one function for all the
//    layers of a flow) takes the callee's log-det from
//    `<callee>.log_det<i>`: the callee analysed once, by the same rules, as
//    an update of its argument i, returning its result and log-det;
//  - a state value split into slices that partition it is replaced by the
//    slices (a permutation); the same slice taken twice counts once.
//
// Other values computed from state are derived: they are functions of the
// state, not new random variables. Comparisons are piecewise constant in
// the state (zero derivative almost everywhere), so they count as constants:
// a Metropolis test that picks a step size picks a branch, and each branch
// keeps its log-det. Reports observe values without consuming them. State
// values that die without being transformed stay in the joint (like the
// momenta a Langevin step draws and drops): the density is that of the
// output together with them, and their 1/2 |v|^2 is reported as the kinetic
// energy of the retained variables (uniform draws, like a Metropolis
// test's, have none).
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"
#include "ade/Dialect/Ade/Utils/ReverseMode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace ade {
#define GEN_PASS_DEF_ADEDENSITY
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;
using namespace ade;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }
int64_t numel(Value v) { return typeOf(v).getNumElements(); }
bool isFloat(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

using ValueSet = llvm::SmallPtrSet<Value, 4>;

/// The density analysis and rewrite of one sample function.
class SamplerDensity {
public:
  /// The density of sampler `fn`; or, with `updatedArg`, the log-det of
  /// `fn` as an update of that argument (a function that samplers call as
  /// one step of their state, as a layer of a flow).
  SamplerDensity(func::FuncOp fn, unsigned denseLimit,
                 std::optional<unsigned> updatedArg = std::nullopt)
      : fn(fn), b(fn.getContext()), denseLimit(denseLimit),
        updatedArg(updatedArg) {}

  LogicalResult run() {
    Block &body = fn.getBody().front();
    if (!fn.getBody().hasOneBlock() ||
        llvm::any_of(body, [](Operation &op) { return op.getNumRegions(); }))
      return fn.emitError("internal: a sampler must be straight-line code "
                          "before its density is derived");
    elem = resultElementType();
    if (!elem)
      return fn.emitError("a sampler must return float tensors");
    b.setInsertionPointToStart(&body);
    logq = constant(RankedTensorType::get({}, elem), 0.0);
    if (updatedArg) {
      makeState(fn.getArgument(*updatedArg));
      splitIfPartitioned(fn.getArgument(*updatedArg));
      for (Operation &op :
           llvm::make_early_inc_range(body.without_terminator()))
        if (failed(visit(&op)))
          return failure();
      return finishUpdate(body.getTerminator());
    }

    // Noise: one flat per-particle input in front of the arguments.
    int64_t noiseSize = 0;
    for (auto draw : body.getOps<DrawOp>())
      noiseSize += numel(draw.getResult());
    if (failed(fn.insertArgument(0, RankedTensorType::get({noiseSize}, elem),
                                 {}, fn.getLoc())))
      return failure();
    noise = fn.getArgument(0);
    // Initial states (sample(x0)) are state: log q is conditional on them.
    for (Value arg : fn.getArguments().drop_front()) {
      if (!isFloat(arg))
        return fn.emitError("sampler arguments must be float tensors");
      makeState(arg, /*initial=*/true);
    }

    for (Operation &op : llvm::make_early_inc_range(body.without_terminator()))
      if (failed(visit(&op)))
        return failure();
    return finish(body.getTerminator());
  }

private:
  Type resultElementType() {
    Type e;
    for (Type t : fn.getResultTypes()) {
      auto rt = dyn_cast<RankedTensorType>(t);
      if (!rt || !isa<FloatType>(rt.getElementType()) ||
          (e && rt.getElementType() != e))
        return {};
      e = rt.getElementType();
    }
    return e;
  }

  Value constant(RankedTensorType type, double v) {
    return buildSplat(b, fn.getLoc(), type, v);
  }
  Value scalar(double v) {
    return constant(RankedTensorType::get({}, elem), v);
  }
  Value sumAll(Location loc, Value v) {
    return ReduceOp::create(b, loc, RankedTensorType::get({}, elem),
                            ReduceKind::sum, v, -1);
  }
  Value broadcastTo(Location loc, Value v, RankedTensorType type) {
    if (typeOf(v) == type)
      return v;
    return BroadcastToOp::create(b, loc, type, v);
  }
  template <typename OpTy> Value binary(Location loc, Value x, Value y) {
    auto shape = *broadcastShapes(typeOf(x).getShape(), typeOf(y).getShape());
    return OpTy::create(b, loc, RankedTensorType::get(shape, elem), x, y);
  }
  void addLogq(Location loc, Value term, bool subtract = false) {
    logq = subtract ? binary<SubOp>(loc, logq, term)
                    : binary<AddOp>(loc, logq, term);
  }

  /// Records how log q changes at `loc` (adec --explain-density).
  void explain(Location loc, const Twine &what) {
    steps.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("loc", LocationAttr(loc)),
         b.getNamedAttr("what", b.getStringAttr(what.str()))}));
  }

  void makeState(Value v, bool initial = false) {
    state.insert(v);
    deps[v] = {v};
    if (initial)
      initialStates.insert(v);
  }

  const ValueSet &depsOf(Value v) {
    static const ValueSet none;
    auto it = deps.find(v);
    return it == deps.end() ? none : it->second;
  }

  /// Whether `op` is the last user of `v` (returned values never die).
  /// Reports only observe values: they keep nothing alive.
  bool diesAt(Value v, Operation *op) {
    for (Operation *user : v.getUsers())
      if (user != op && !isa<ReportOp>(user) &&
          (user->isBeforeInBlock(op) == false))
        return false;
    return true;
  }

  LogicalResult visit(Operation *op) {
    if (auto draw = dyn_cast<DrawOp>(op)) {
      if (updatedArg)
        return draw.emitError("internal: a shared update function draws");
      return reparameterize(draw);
    }
    if (op->getNumResults() == 0 ||
        llvm::all_of(op->getResults(),
                     [&](Value r) { return state.contains(r); }))
      return success(); // slices that already became state
    ValueSet operandDeps;
    SmallVector<Value> dying;
    for (Value v : op->getOperands()) {
      const ValueSet &d = depsOf(v);
      operandDeps.insert(d.begin(), d.end());
      if (state.contains(v) && diesAt(v, op) && !llvm::is_contained(dying, v))
        dying.push_back(v);
    }
    if (operandDeps.empty())
      return success(); // deterministic
    if (llvm::none_of(op->getResults(), isFloat))
      return success(); // a comparison: piecewise constant
    Value r = op->getResult(0);
    int64_t dyingSize = 0;
    for (Value d : dying)
      dyingSize += numel(d);
    if (dying.empty() || op->getNumResults() != 1 || !isFloat(r) ||
        numel(r) != dyingSize ||
        (dying.size() == 1 && consumedAsContext(r, /*depth=*/0))) {
      // A function of the state, not a new random variable; state that
      // dies here stays in the joint.
      for (Value res : op->getResults())
        deps[res] = operandDeps;
      return success();
    }
    b.setInsertionPointAfter(op);
    if (auto call = dyn_cast<CallOp>(op);
        call && dying.size() == 1 &&
        llvm::count(call.getArgs(), dying[0]) == 1 &&
        llvm::all_of(call.getArgs(), [&](Value v) {
          return v == dying[0] || independent(v, dying);
        })) {
      FailureOr<Value> updated = callUpdate(call, dying[0]);
      if (failed(updated))
        return failure();
      r = *updated;
    } else {
      FailureOr<Value> logdet = updateLogDet(op, dying);
      if (failed(logdet))
        return failure();
      explain(op->getLoc(),
              "update of " + Twine(numel(r)) + " values: " + ruleText);
      if (*logdet)
        addLogq(op->getLoc(), *logdet, /*subtract=*/true);
    }
    bool uniform =
        llvm::all_of(dying, [&](Value d) { return uniformStates.contains(d); });
    for (Value d : dying)
      state.remove(d);
    makeState(r);
    if (uniform)
      uniformStates.insert(r);
    splitIfPartitioned(r);
    return success();
  }

  /// Whether `r` (directly, or through a chain of same-size ops with no
  /// other random operand, each its last use) is the increment of another
  /// state value that dies there, as eps * v in x + eps * v when v is not
  /// used again: then r is a function of the state, which stays in the
  /// joint, rather than its new value.
  bool consumedAsContext(Value r, int depth) {
    if (depth > 16)
      return false;
    for (Operation *user : r.getUsers()) {
      // Only where r dies: a value used again later is the state itself.
      if (user->getNumResults() != 1 || !isFloat(user->getResult(0)) ||
          !diesAt(r, user))
        continue;
      for (Value o : user->getOperands())
        if (o != r && state.contains(o) && diesAt(o, user) &&
            numel(user->getResult(0)) == numel(o))
          return true;
      bool chain = numel(user->getResult(0)) == numel(r) &&
                   llvm::all_of(user->getOperands(), [&](Value o) {
                     return o == r || depsOf(o).empty();
                   });
      if (chain && consumedAsContext(user->getResult(0), depth + 1))
        return true;
    }
    return false;
  }

  /// z = a + b eps (normal) or a + (b - a) u (uniform), eps or u read from
  /// the noise input; adds log p(z).
  LogicalResult reparameterize(DrawOp draw) {
    Location loc = draw.getLoc();
    b.setInsertionPoint(draw);
    RankedTensorType type = typeOf(draw.getResult());
    int64_t n = type.getNumElements();
    Value flat = SliceOp::create(b, loc, RankedTensorType::get({n}, elem),
                                 noise, ArrayRef<int64_t>{noiseOffset},
                                 ArrayRef<int64_t>{noiseOffset + n},
                                 ArrayRef<bool>{false});
    Value e = ReshapeOp::create(b, loc, type, flat);
    bool normal = draw.getDistribution() == Distribution::normal;
    draws.push_back(b.getDictionaryAttr({
        b.getNamedAttr("name", draw.getNameAttr()),
        b.getNamedAttr("offset", b.getI64IntegerAttr(noiseOffset)),
        b.getNamedAttr("size", b.getI64IntegerAttr(n)),
        b.getNamedAttr("distribution",
                       b.getStringAttr(normal ? "normal" : "uniform")),
    }));
    noiseOffset += n;
    Value a = draw.getA(), scale = draw.getB();
    if (!normal)
      scale = binary<SubOp>(loc, draw.getB(), draw.getA());
    Value z = binary<AddOp>(loc, a, binary<MulOp>(loc, scale, e));
    z = broadcastTo(loc, z, type);
    // log N(z; a, b) = -eps^2 / 2 - log|b| - log(2 pi) / 2 per element;
    // log U(z; lo, hi) = -log(hi - lo) per element.
    Value logScale = sumAll(
        loc,
        broadcastTo(loc, LogOp::create(b, loc, AbsOp::create(b, loc, scale)),
                    type));
    Value term = NegOp::create(b, loc, logScale);
    if (normal) {
      Value sq = sumAll(loc, SquareOp::create(b, loc, e));
      term = binary<SubOp>(loc, term, binary<MulOp>(loc, sq, scalar(0.5)));
      term = binary<SubOp>(
          loc, term, scalar(0.5 * std::log(2 * M_PI) * static_cast<double>(n)));
    }
    addLogq(loc, term);
    explain(loc, "draw '" + draw.getName() + "' ~ " +
                     (normal ? "normal" : "uniform") + ": + its log-density (" +
                     Twine(n) + " values)");
    draw.getResult().replaceAllUsesWith(z);
    draw.erase();
    makeState(z);
    if (!normal)
      uniformStates.insert(z);
    splitIfPartitioned(z);
    return success();
  }

  /// A state value whose uses are all slices that partition it is replaced
  /// by the slices (a permutation of its elements).
  void splitIfPartitioned(Value v) {
    if (v.use_empty())
      return;
    SmallVector<SliceOp> slices;
    for (Operation *user : v.getUsers()) {
      if (isa<ReportOp>(user))
        continue;
      auto s = dyn_cast<SliceOp>(user);
      if (!s || s.getInput() != v)
        return;
      slices.push_back(s);
    }
    // The same slice written at each use (`h[0:1]` twice) is one value, not
    // two copies of the elements.
    llvm::sort(slices, [](SliceOp x, SliceOp y) {
      return x->isBeforeInBlock(y.getOperation());
    });
    SmallVector<SliceOp> distinct;
    for (SliceOp s : slices) {
      auto *same = llvm::find_if(distinct, [&](SliceOp d) {
        return OperationEquivalence::isEquivalentTo(
            s, d, OperationEquivalence::IgnoreLocations);
      });
      if (same == distinct.end()) {
        distinct.push_back(s);
        continue;
      }
      s.getResult().replaceAllUsesWith(same->getResult());
      s.erase();
    }
    slices = std::move(distinct);
    // Covered exactly once: count elements over a marker grid.
    ArrayRef<int64_t> shape = typeOf(v).getShape();
    std::vector<int> cover(numel(v), 0);
    for (SliceOp s : slices) {
      ArrayRef<int64_t> starts = s.getStarts(), stops = s.getStops();
      for (int64_t i = 0; i < numel(v); ++i) {
        int64_t rest = i;
        bool inside = true;
        for (int64_t d = shape.size() - 1; d >= 0; --d) {
          int64_t idx = rest % shape[d];
          rest /= shape[d];
          if (d < static_cast<int64_t>(starts.size()) &&
              (idx < starts[d] || idx >= stops[d]))
            inside = false;
        }
        cover[i] += inside;
      }
    }
    if (llvm::any_of(cover, [](int c) { return c != 1; }))
      return;
    state.remove(v);
    for (SliceOp s : slices) {
      makeState(s.getResult());
      if (uniformStates.contains(v))
        uniformStates.insert(s.getResult());
    }
    explain(slices.front().getLoc(), "split into " + Twine(slices.size()) +
                                         " slices: a permutation, log-det 0");
  }

  /// Whether `v` does not depend on any of `dying`.
  bool independent(Value v, ArrayRef<Value> dying) {
    const ValueSet &d = depsOf(v);
    return llvm::none_of(dying, [&](Value x) { return d.contains(x); });
  }

  /// log|det| of the update `op` of the `dying` state values; a null value
  /// for a zero log-determinant.
  FailureOr<Value> updateLogDet(Operation *op, ArrayRef<Value> dying) {
    Location loc = op->getLoc();
    Value r = op->getResult(0);
    // Structure: one dying operand, the others independent of it.
    bool othersIndependent = llvm::all_of(op->getOperands(), [&](Value v) {
      return llvm::is_contained(dying, v) || independent(v, dying);
    });
    if (othersIndependent) {
      if (isa<ConcatOp, StackOp>(op) &&
          llvm::all_of(op->getOperands(),
                       [&](Value v) { return llvm::is_contained(dying, v); })) {
        ruleText = "concatenation, log-det 0";
        return Value();
      }
      if (dying.size() == 1) {
        Value s = dying[0];
        if (typeOf(s).getShape() == typeOf(r).getShape() ||
            isa<ReshapeOp, TransposeOp>(op)) {
          if (isa<AddOp, SubOp>(op)) {
            ruleText = "shear x + g(rest), log-det 0";
            return Value();
          }
          if (isa<NegOp, ReshapeOp, TransposeOp, CastOp>(op)) {
            ruleText = "volume preserving, log-det 0";
            return Value();
          }
          if (auto mul = dyn_cast<MulOp>(op))
            return scaleLogDet(loc,
                               mul.getLhs() == s ? mul.getRhs() : mul.getLhs(),
                               r, /*inverse=*/false);
          if (auto div = dyn_cast<DivOp>(op); div && div.getLhs() == s)
            return scaleLogDet(loc, div.getRhs(), r, /*inverse=*/true);
          if (op->hasTrait<OpTrait::Elementwise>() && op->getNumOperands() == 1)
            return elementwiseLogDet(op);
        }
      }
    }
    if (dying.size() == 1) {
      FailureOr<Value> rankOne = rankOneLogDet(op, dying[0]);
      if (failed(rankOne) || *rankOne)
        return rankOne;
    }
    return denseLogDet(op, dying);
  }

  /// sum log|c| over the update's elements (c broadcast), or sum a when
  /// c = exp(a); negated for a division.
  Value scaleLogDet(Location loc, Value c, Value r, bool inverse) {
    Value logc;
    if (auto e = c.getDefiningOp<ExpOp>()) {
      logc = e.getInput();
      ruleText = inverse ? "elementwise scale x / exp(a(rest)), log-det -sum a"
                         : "elementwise scale x * exp(a(rest)), log-det sum a";
    } else {
      logc = LogOp::create(b, loc, AbsOp::create(b, loc, c));
      ruleText = inverse ? "elementwise scale x / c(rest), log-det -sum log|c|"
                         : "elementwise scale x * c(rest), log-det sum log|c|";
    }
    Value sum = sumAll(loc, broadcastTo(loc, logc, typeOf(r)));
    return inverse ? Value(NegOp::create(b, loc, sum)) : sum;
  }

  /// sum log|h'(s)| for an elementwise bijection h, h' from its derivative
  /// rule.
  FailureOr<Value> elementwiseLogDet(Operation *op) {
    auto rule = dyn_cast<DifferentiableOpInterface>(op);
    if (!rule)
      return Value();
    Value ones = constant(typeOf(op->getResult(0)), 1.0);
    SmallVector<Value> slope;
    if (failed(rule.buildAdjoint(b, {ones}, {true}, slope)) || !slope[0])
      return op->emitError("internal: no derivative for an update");
    Location loc = op->getLoc();
    ruleText = "elementwise bijection '" + op->getName().getStringRef().str() +
               "', log-det sum log|h'(x)|";
    return sumAll(loc, LogOp::create(b, loc, AbsOp::create(b, loc, slope[0])));
  }

  /// The ops a derivative of the update at `op` must see: everything
  /// before it that is not itself a state variable (other state values stay
  /// fixed), and `op`.
  SmallVector<Operation *> derivedOps(Operation *op) {
    SmallVector<Operation *> ops;
    for (Operation &o : *op->getBlock()) {
      if (&o == op)
        break;
      if (o.getNumResults() == 1 && state.contains(o.getResult(0)))
        continue;
      ops.push_back(&o);
    }
    ops.push_back(op);
    return ops;
  }

  /// s + u * g(s) with u independent of s and g scalar: the matrix
  /// determinant lemma gives log|1 + grad g(s) . u|. Null if not that form.
  FailureOr<Value> rankOneLogDet(Operation *op, Value s) {
    auto add = dyn_cast<AddOp>(op);
    if (!add || typeOf(s) != typeOf(add.getResult()))
      return Value();
    Value other = add.getLhs() == s ? add.getRhs() : add.getLhs();
    auto mul = other.getDefiningOp<MulOp>();
    if (!mul)
      return Value();
    for (auto [u, g] : {std::pair(mul.getLhs(), mul.getRhs()),
                        std::pair(mul.getRhs(), mul.getLhs())}) {
      if (typeOf(g).getRank() != 0 || !independent(u, {s}) ||
          independent(g, {s}))
        continue;
      Location loc = op->getLoc();
      FailureOr<SmallVector<Value>> grad =
          buildReverse(b, derivedOps(op), s, {{g, scalar(1.0)}});
      if (failed(grad))
        return failure();
      Value dot = sumAll(loc, binary<MulOp>(loc, (*grad)[0], u));
      ruleText = "rank one x + u * g(x), log-det log|1 + grad g . u|";
      return Value(LogOp::create(
          b, loc, AbsOp::create(b, loc, binary<AddOp>(loc, dot, scalar(1.0)))));
    }
    return Value();
  }

  /// log|det J| with J the dense Jacobian of the update (one reverse sweep
  /// per output element) and an LU factorization.
  FailureOr<Value> denseLogDet(Operation *op, ArrayRef<Value> dying) {
    int64_t n = numel(op->getResult(0));
    if (n > static_cast<int64_t>(denseLimit)) {
      InFlightDiagnostic d = op->emitError("this update of the sampler's ")
                             << n
                             << "-dimensional random state has no structure "
                                "the compiler recognizes, and a dense "
                                "Jacobian is limited to "
                             << static_cast<int64_t>(denseLimit)
                             << " dimensions (--dense-limit)";
      d.attachNote() << "structured updates: x + g(rest) (shear), "
                        "x * exp(a(rest)) + b(rest) (elementwise affine), "
                        "x * c(rest), elementwise bijections of x, "
                        "x + u * g(x) with a scalar g (rank one), and "
                        "concatenations, where rest does not depend on x";
      return failure();
    }
    Location loc = op->getLoc();
    Value r = op->getResult(0);
    SmallVector<Operation *> ops = derivedOps(op);
    SmallVector<Value> rows;
    for (int64_t i = 0; i < n; ++i) {
      Value seed = buildUnitVector(b, loc, typeOf(r), i);
      FailureOr<SmallVector<Value>> row =
          buildReverse(b, ops, dying, {{r, seed}});
      if (failed(row))
        return failure();
      SmallVector<Value> parts;
      for (Value part : *row)
        parts.push_back(ReshapeOp::create(
            b, loc, RankedTensorType::get({numel(part)}, elem), part));
      rows.push_back(parts.size() == 1
                         ? parts[0]
                         : ConcatOp::create(b, loc,
                                            RankedTensorType::get({n}, elem),
                                            parts, 0)
                               .getResult());
    }
    Value j =
        StackOp::create(b, loc, RankedTensorType::get({n, n}, elem), rows);
    ruleText = ("dense " + Twine(n) + " x " + Twine(n) +
                " Jacobian by reverse mode, log-det by LU")
                   .str();
    return Value(
        LogAbsDetOp::create(b, loc, RankedTensorType::get({}, elem), j));
  }

  /// An update by a call: the callee's log-det is derived once, by
  /// structure, in `<callee>.log_det<i>` returning (its result, log-det),
  /// which replaces `call`; each step of it is explained at the call site.
  /// Returns the updated state.
  FailureOr<Value> callUpdate(CallOp call, Value s) {
    unsigned i = llvm::find(call.getArgs(), s) - call.getArgs().begin();
    FailureOr<func::FuncOp> withLogDet =
        getOrCreateWithLogDet(getCallee(call), i);
    if (failed(withLogDet))
      return failure();
    Location loc = call.getLoc();
    CallOp updated =
        createCall(b, loc, *withLogDet, call.getArgs(), getParamRename(call));
    call.getResult(0).replaceAllUsesWith(updated.getResult(0));
    call.erase();
    for (auto step : (*withLogDet)
                         ->getAttrOfType<ArrayAttr>("ade.density")
                         .getAsRange<DictionaryAttr>())
      explain(CallSiteLoc::get(cast<LocationAttr>(step.get("loc")), loc),
              cast<StringAttr>(step.get("what")).getValue());
    addLogq(loc, updated.getResult(1), /*subtract=*/true);
    return updated.getResult(0);
  }

  FailureOr<func::FuncOp> getOrCreateWithLogDet(func::FuncOp callee,
                                                unsigned arg) {
    std::string name = (callee.getSymName() + ".log_det" + Twine(arg)).str();
    auto module = callee->getParentOfType<ModuleOp>();
    if (auto existing = module.lookupSymbol<func::FuncOp>(name)) {
      if (!existing->hasAttr("ade.density"))
        return existing.emitError("internal: '")
               << name << "' is not the log-det of '" << callee.getSymName()
               << "'";
      return existing;
    }
    OpBuilder after(callee);
    after.setInsertionPointAfter(callee);
    auto copy = cast<func::FuncOp>(after.clone(*callee));
    copy.setSymName(name);
    copy.setPrivate();
    if (failed(SamplerDensity(copy, denseLimit, arg).run())) {
      copy.erase();
      return failure();
    }
    return copy;
  }

  /// Returns (the function's results, its log-det) and records the steps.
  LogicalResult finishUpdate(Operation *terminator) {
    b.setInsertionPoint(terminator);
    Location loc = terminator->getLoc();
    if (terminator->getNumOperands() != 1 ||
        !state.contains(terminator->getOperand(0)) || state.size() != 1)
      return terminator->emitError(
          "this function updates the sampler's state but its result is not "
          "an invertible function of its argument: the sampler's density is "
          "undefined");
    SmallVector<Value> results(terminator->getOperands());
    results.push_back(NegOp::create(b, loc, logq.getType(), logq));
    returnWith(terminator, results);
    return success();
  }

  /// Replaces `terminator` by a return of `results` and records the steps.
  void returnWith(Operation *terminator, ArrayRef<Value> results) {
    func::ReturnOp::create(b, terminator->getLoc(), results);
    terminator->erase();
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    fn.setFunctionType(b.getFunctionType(fn.getArgumentTypes(), types));
    fn->setAttr("ade.density", b.getArrayAttr(steps));
  }

  LogicalResult finish(Operation *terminator) {
    b.setInsertionPoint(terminator);
    Location loc = terminator->getLoc();
    for (Value v : terminator->getOperands())
      if (!state.contains(v))
        return terminator->emitError(
            "the sampler returns a value that is not an invertible function "
            "of its random draws (and initial state): its density is "
            "undefined; return the state variables themselves");
    if (terminator->getNumOperands() == 2 &&
        terminator->getOperand(0) == terminator->getOperand(1))
      return terminator->emitError("the sampler returns one variable twice");
    // 1/2 |v|^2 of the state that stays in the joint without being
    // returned (momenta drawn and dropped by Langevin steps).
    Value kinetic = scalar(0.0);
    for (Value v : state) {
      if (llvm::is_contained(terminator->getOperands(), v) ||
          initialStates.contains(v))
        continue;
      if (uniformStates.contains(v)) {
        explain(v.getLoc(), "kept in the joint (" + Twine(numel(v)) +
                                " values, uniform: no energy)");
        continue;
      }
      explain(v.getLoc(), "kept in the joint (" + Twine(numel(v)) +
                              " values, kinetic energy 1/2 |v|^2)");
      Value half = binary<MulOp>(loc, sumAll(loc, SquareOp::create(b, loc, v)),
                                 scalar(0.5));
      kinetic = binary<AddOp>(loc, kinetic, half);
    }
    SmallVector<Value> results(terminator->getOperands());
    results.push_back(logq);
    results.push_back(kinetic);
    returnWith(terminator, results);
    fn->setAttr("ade.noise", b.getArrayAttr(draws));
    return success();
  }

  func::FuncOp fn;
  OpBuilder b;
  unsigned denseLimit;
  std::optional<unsigned> updatedArg;
  Type elem;
  Value noise, logq;
  int64_t noiseOffset = 0;
  SmallVector<Attribute> draws, steps;
  std::string ruleText;
  llvm::SetVector<Value> state;
  ValueSet initialStates, uniformStates;
  llvm::DenseMap<Value, ValueSet> deps;
};

struct AdeDensityPass : public ade::impl::AdeDensityBase<AdeDensityPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto fn : llvm::to_vector(getOperation().getOps<func::FuncOp>()))
      if (fn->hasAttr("ade.sample") &&
          failed(SamplerDensity(fn, denseLimit).run()))
        return signalPassFailure();
    ade::mergeForwardCalls(getOperation());
  }
};

} // namespace
