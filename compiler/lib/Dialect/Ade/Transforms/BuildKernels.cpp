//===- BuildKernels.cpp - Per-particle kernels of the model.so entries ----===//
//
// A kernel is a per-particle function with `ade.kernel = {kind, owner,
// owners}` that convert-ade-to-linalg batches into a tile function and
// ade-build-entries wraps into an exported entry. Its arguments are
// per-particle inputs (`ade.cotangent` on those the outputs are linear
// in: padding them with zeros makes padded particles contribute nothing);
// its results are per-particle outputs, or parameter gradients
// (`ade.param_grad = @sym`) that the entry sums over the batch.
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
#include "mlir/IR/IRMapping.h"

namespace ade {
#define GEN_PASS_DEF_ADEBUILDKERNELS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;
using namespace ade;

namespace {

/// A kernel under construction: its function, the copy of a log-density
/// body in it, and a builder at the end of that copy.
struct KernelBody {
  func::FuncOp fn;
  OpBuilder builder;
  SmallVector<Operation *> ops;
  Value x, f;
};

struct AdeBuildKernelsPass
    : public ade::impl::AdeBuildKernelsBase<AdeBuildKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto density : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!density->hasAttr("ade.log_density"))
        continue;
      auto owner = density->getAttrOfType<StringAttr>("ade.log_density");
      if (!owner) {
        density.emitError("ade.log_density must name the model");
        return signalPassFailure();
      }
      bool sampled =
          llvm::any_of(module.getOps<func::FuncOp>(), [&](func::FuncOp fn) {
            return fn->hasAttr("ade.sample") &&
                   fn->getAttrOfType<StringAttr>("ade.model") == owner;
          });
      if (failed(buildModelKernels(module, density, owner, sampled)))
        return signalPassFailure();
    }
    for (auto sample : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (sample->hasAttr("ade.sample") &&
          failed(buildSamplerKernels(module, sample)))
        return signalPassFailure();
    ade::mergeForwardCalls(module);
  }

  /// sample(noise, [x0]) -> (x, [v], log q, kinetic) as derived by
  /// ade-density, and its vector-Jacobian products: with respect to the
  /// parameters of the model and of the sampler (sample_vjp, which also
  /// returns the sample and f at it), and of the sampler alone
  /// (sampler_vjp).
  LogicalResult buildSamplerKernels(ModuleOp module, func::FuncOp sample) {
    auto name = sample->getAttrOfType<StringAttr>("ade.sample");
    auto model = sample->getAttrOfType<StringAttr>("ade.model");
    auto noise = sample->getAttrOfType<ArrayAttr>("ade.noise");
    if (!name || !model || !noise || sample.getNumResults() < 3)
      return sample.emitError("internal: a sampler's density must be "
                              "derived (ade-density) before its kernels");
    OpBuilder b(module.getContext());
    auto info = [&](StringRef kind) {
      return b.getDictionaryAttr(
          {b.getNamedAttr("kind", b.getStringAttr(kind)),
           b.getNamedAttr("owner", name),
           b.getNamedAttr("owners", b.getArrayAttr({model, name})),
           b.getNamedAttr("noise", noise)});
    };
    // The sample function (named <sampler>.sample) is its own kernel, with
    // its reports as one more result.
    ArrayAttr stats = returnReports(sample);
    SmallVector<NamedAttribute> sampleInfo(info("sample").getValue());
    if (!stats.empty())
      sampleInfo.push_back(b.getNamedAttr("stats", stats));
    sample->setAttr("ade.kernel", b.getDictionaryAttr(sampleInfo));

    func::FuncOp density;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->getAttrOfType<StringAttr>("ade.log_density") == model)
        density = fn;
    if (!density || density.getNumResults() != 1 ||
        !density.getBody().hasOneBlock())
      return sample.emitError("internal: no log-density for model '")
             << model.getValue() << "'";
    // sample_vjp differentiates both sides; sampler_vjp only the sampler's
    // parameters, for the sampler's own steps: without the model's
    // parameter gradients its reverse pass is about half the work.
    SmallVector<NamedAttribute> samplerOnly(info("sampler_vjp").getValue());
    samplerOnly.push_back(b.getNamedAttr("wrt", b.getArrayAttr({name})));
    if (failed(buildSampleVjp(module, sample, density, stats.size(),
                              info("sample_vjp"), /*withValues=*/true)))
      return failure();
    return buildSampleVjp(module, sample, density, stats.size(),
                          b.getDictionaryAttr(samplerOnly),
                          /*withValues=*/false);
  }

  /// <sampler>.<kind>(noise, [x0], cotangents of every output and of f(x))
  /// -> gradients of the parameters of the owners in `info`'s `wrt` (all
  /// when absent). The kernel evaluates the model's f at the sample itself:
  /// the ADE objective weights f(x_T), and with f inside, one reverse pass
  /// gives its gradient (the cotangent grad f(x_T) included) without a
  /// separate sample and grad_energy call. `numStats` reports, if any, are
  /// sample's last result; they are not differentiated. `withValues`: the
  /// kernel also returns sample's results and f(x) ahead of the gradients
  /// (a value and its gradient in one call: the model's training step
  /// needs both, and the forward pass is computed anyway).
  LogicalResult buildSampleVjp(ModuleOp module, func::FuncOp sample,
                               func::FuncOp density, size_t numStats,
                               DictionaryAttr info, bool withValues) {
    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    SmallVector<Type> inputs(sample.getArgumentTypes());
    llvm::append_range(inputs,
                       sample.getResultTypes().take_front(
                           sample.getNumResults() - (numStats ? 1 : 0)));
    inputs.push_back(density.getResultTypes()[0]);
    auto kind = info.getAs<StringAttr>("kind").getValue();
    auto vjp = func::FuncOp::create(
        b, sample.getLoc(),
        (sample->getAttrOfType<StringAttr>("ade.sample").getValue() + "." +
         kind)
            .str(),
        b.getFunctionType(inputs, {}));
    Block *entry = vjp.addEntryBlock();
    OpBuilder vb(module.getContext());
    vb.setInsertionPointToStart(entry);
    Block &body = sample.getBody().front();
    IRMapping map;
    for (auto [from, to] :
         llvm::zip(body.getArguments(), entry->getArguments()))
      map.map(from, to);
    SmallVector<Operation *> ops;
    for (Operation &op : body.without_terminator())
      ops.push_back(vb.clone(op, map));
    Operation *results = body.getTerminator();
    unsigned numOutputs = results->getNumOperands() - (numStats ? 1 : 0);
    // Where f is outlined and a sampler's last step computed its value and
    // gradient at the sample, the value is taken from there.
    Value x = map.lookupOrDefault(results->getOperand(0));
    Value f;
    for (Operation *op : ops)
      if (auto c = dyn_cast<CallOp>(op);
          c && c.getArgs().size() == 1 && c.getArgs()[0] == x)
        if (gradientOf(getCallee(c)) ==
            FlatSymbolRefAttr::get(density.getSymNameAttr()))
          f = c.getResult(0);
    // Where the model's parameters are not differentiated (sampler_vjp),
    // f's value and gradient at the sample: the value's cotangent reaches
    // x as the gradient times it, so f needs no sweep of its own (and no
    // forward and backward halves compiled for it).
    auto wrt = info.getAs<ArrayAttr>("wrt");
    if (!f && density->hasAttr("ade.outline") && wrt &&
        !llvm::is_contained(wrt, sample->getAttr("ade.model"))) {
      FailureOr<func::FuncOp> valueAndGrad = getOrCreateValueAndGrad(density);
      if (failed(valueAndGrad))
        return failure();
      CallOp call = createCall(vb, density.getLoc(), *valueAndGrad, x);
      ops.push_back(call);
      f = call.getResult(0);
    }
    if (!f)
      f = applyDensity(vb, density, x, ops);
    SmallVector<Seed> seeds;
    unsigned numArgs = sample.getNumArguments();
    for (auto [i, v] :
         llvm::enumerate(results->getOperands().take_front(numOutputs)))
      seeds.push_back(
          {map.lookupOrDefault(v), entry->getArgument(numArgs + i)});
    seeds.push_back({f, entry->getArguments().back()});
    for (unsigned i = numArgs; i < vjp.getNumArguments(); ++i)
      vjp.setArgAttr(i, "ade.cotangent", vb.getUnitAttr());
    SmallVector<Value> values;
    if (withValues) {
      for (Value v : results->getOperands())
        values.push_back(map.lookupOrDefault(v));
      values.push_back(f);
    }
    return finishVjp(vjp, vb, ops, seeds, info, values);
  }

  /// Replaces the `report` ops of `sample` with one more result: per name
  /// (in the order of first report) the mean of its reports, a bool as 1
  /// or 0. Returns the names (none: no result added).
  ArrayAttr returnReports(func::FuncOp sample) {
    Block &body = sample.getBody().front();
    llvm::MapVector<StringAttr, SmallVector<ReportOp>> byName;
    for (auto report : body.getOps<ReportOp>())
      byName[report.getNameAttr()].push_back(report);
    OpBuilder b(sample.getContext());
    if (byName.empty())
      return b.getArrayAttr({});
    Operation *ret = body.getTerminator();
    b.setInsertionPoint(ret);
    auto scalar = RankedTensorType::get(
        {},
        cast<RankedTensorType>(ret->getOperand(0).getType()).getElementType());
    SmallVector<Value> means;
    SmallVector<Attribute> names;
    for (auto &[name, reports] : byName) {
      Location loc = reports.front().getLoc();
      Value sum;
      for (ReportOp report : reports) {
        Value v = report.getValue();
        if (cast<RankedTensorType>(v.getType()).getElementType().isInteger(1))
          v = SelectOp::create(b, loc, scalar, v,
                               buildSplat(b, loc, scalar, 1.0),
                               buildSplat(b, loc, scalar, 0.0));
        sum = sum ? AddOp::create(b, loc, scalar, sum, v).getResult() : v;
      }
      means.push_back(MulOp::create(
          b, loc, scalar, sum,
          buildSplat(b, loc, scalar, 1.0 / double(reports.size()))));
      names.push_back(name);
      for (ReportOp report : reports)
        report.erase();
    }
    Value stats = StackOp::create(
        b, sample.getLoc(),
        RankedTensorType::get({int64_t(means.size())}, scalar.getElementType()),
        means);
    ret->insertOperands(ret->getNumOperands(), stats);
    sample.setFunctionType(b.getFunctionType(
        sample.getArgumentTypes(), ValueRange(ret->getOperands()).getTypes()));
    return b.getArrayAttr(names);
  }

  /// Ends a vjp kernel: per-particle `values` as its first results, then
  /// the cotangents of every parameter `ops` read (of the owners in
  /// `info`'s `wrt`, when given), one result each (`ade.param_grad`).
  LogicalResult finishVjp(func::FuncOp fn, OpBuilder &b,
                          ArrayRef<Operation *> ops, ArrayRef<Seed> seeds,
                          DictionaryAttr info, ValueRange values = {}) {
    auto owners = info.getAs<ArrayAttr>("wrt");
    std::optional<SymbolTable> symbols;
    if (owners)
      symbols.emplace(fn->getParentOp());
    auto differentiated = [&](ParamOp p) {
      if (!owners)
        return true;
      auto decl = symbols->lookup<ParameterOp>(p.getNameAttr().getValue());
      return decl && llvm::is_contained(owners, decl.getOwnerAttr());
    };
    llvm::MapVector<StringAttr, SmallVector<Value>> reads;
    for (Operation *op : ops)
      if (auto p = dyn_cast<ParamOp>(op); p && differentiated(p))
        reads[p.getNameAttr().getAttr()].push_back(p.getResult());
    // Parameters read only inside calls get a read here, to which the
    // calls' sweeps send their cotangents.
    SmallVector<Operation *> withReads(ops);
    OpBuilder head = OpBuilder::atBlockBegin(&fn.getBody().front());
    for (Operation *op : ops) {
      auto call = dyn_cast<CallOp>(op);
      if (!call)
        continue;
      for (StringAttr name : paramsRead(call)) {
        if (reads.contains(name))
          continue;
        auto decl = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
            fn, FlatSymbolRefAttr::get(name));
        auto p = ParamOp::create(head, fn.getLoc(), decl.getType(),
                                 FlatSymbolRefAttr::get(name));
        if (!differentiated(p)) {
          p.erase();
          continue;
        }
        reads[name].push_back(p.getResult());
        withReads.insert(withReads.begin(), p);
      }
    }
    SmallVector<Value> wrt;
    for (auto &[name, values] : reads)
      llvm::append_range(wrt, values);
    FailureOr<SmallVector<Value>> cotangents =
        buildReverse(b, withReads, wrt, seeds, /*parameters=*/true);
    if (failed(cotangents))
      return failure();
    SmallVector<Value> results(values);
    SmallVector<Attribute> names;
    unsigned next = 0;
    for (auto &[name, values] : reads) {
      Value sum = (*cotangents)[next++];
      for (size_t i = 1; i < values.size(); ++i)
        sum = AddOp::create(b, fn.getLoc(), sum.getType(), sum,
                            (*cotangents)[next++]);
      results.push_back(sum);
      names.push_back(FlatSymbolRefAttr::get(name));
    }
    func::ReturnOp::create(b, fn.getLoc(), results);
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    fn.setFunctionType(b.getFunctionType(fn.getArgumentTypes(), types));
    for (auto [i, name] : llvm::enumerate(names))
      fn.setResultAttr(values.size() + i, "ade.param_grad", name);
    // The entry has gradient buffers even when nothing is read.
    SmallVector<NamedAttribute> attrs(info.getValue());
    attrs.push_back(b.getNamedAttr("grads", b.getUnitAttr()));
    fn->setAttr("ade.kernel", b.getDictionaryAttr(attrs));
    return success();
  }

  /// f(x) at `b`: a call where the density is kept outlined (the kernel
  /// then shares its code, and its sweeps', with the samplers' steps), else
  /// a copy of its body. Appends the ops to `ops`.
  Value applyDensity(OpBuilder &b, func::FuncOp density, Value x,
                     SmallVectorImpl<Operation *> &ops) {
    if (!density->hasAttr("ade.outline"))
      return cloneInlined(b, density, x, &ops)[0];
    CallOp call = createCall(b, density.getLoc(), density, x);
    ops.push_back(call);
    return call.getResult(0);
  }

  /// A kernel named `<owner>.<kind>` taking `inputs`, with `density`
  /// applied to its first argument: a copy of its body, or with
  /// `mayCall` a call where it is kept outlined.
  KernelBody startKernel(ModuleOp module, func::FuncOp density,
                         StringAttr owner, StringRef kind,
                         ArrayRef<Type> inputs, bool mayCall = false) {
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto fn = func::FuncOp::create(b, density.getLoc(),
                                   (owner.getValue() + "." + kind).str(),
                                   b.getFunctionType(inputs, {}));
    fn->setAttr("ade.kernel",
                b.getDictionaryAttr(
                    {b.getNamedAttr("kind", b.getStringAttr(kind)),
                     b.getNamedAttr("owner", owner),
                     b.getNamedAttr("owners", b.getArrayAttr({owner}))}));
    Block *entry = fn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    KernelBody k{fn, b, {}, entry->getArgument(0), Value()};
    k.f = mayCall ? applyDensity(k.builder, density, k.x, k.ops)
                  : cloneInlined(k.builder, density, k.x, &k.ops)[0];
    return k;
  }

  void finish(KernelBody &k, ArrayRef<Value> results) {
    func::ReturnOp::create(k.builder, k.fn.getLoc(), results);
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    k.fn.setFunctionType(
        k.builder.getFunctionType(k.fn.getArgumentTypes(), types));
  }

  /// `sampled`: a sampler of the model differentiates f in its
  /// parameters (sample_vjp).
  LogicalResult buildModelKernels(ModuleOp module, func::FuncOp density,
                                  StringAttr owner, bool sampled) {
    FunctionType type = density.getFunctionType();
    auto xTensor = type.getNumInputs() == 1
                       ? dyn_cast<RankedTensorType>(type.getInput(0))
                       : RankedTensorType();
    auto fType = type.getNumResults() == 1
                     ? dyn_cast<RankedTensorType>(type.getResult(0))
                     : RankedTensorType();
    if (density.isExternal() || !density.getBody().hasOneBlock() || !xTensor ||
        !isa<FloatType>(xTensor.getElementType()) || !fType ||
        fType.getRank() != 0 ||
        fType.getElementType() != xTensor.getElementType())
      return density.emitError("a log-density must take one data point (a "
                               "float tensor) and return a scalar of its "
                               "element type");
    Type xType = xTensor;

    // energy: f(x).
    KernelBody energy =
        startKernel(module, density, owner, "energy", {xType}, true);
    finish(energy, {energy.f});

    // grad_energy: f(x) and its gradient in x: the samplers' function
    // where the density is kept outlined.
    KernelBody grad =
        startKernel(module, density, owner, "grad_energy", {xType}, true);
    if (density->hasAttr("ade.outline")) {
      FailureOr<func::FuncOp> valueAndGrad = getOrCreateValueAndGrad(density);
      if (failed(valueAndGrad))
        return failure();
      CallOp call =
          createCall(grad.builder, density.getLoc(), *valueAndGrad, grad.x);
      finish(grad, SmallVector<Value>(call.getOutputs()));
    } else {
      FailureOr<SmallVector<Value>> g = buildReverse(
          grad.builder, grad.ops, grad.x,
          {{grad.f, buildSplat(grad.builder, density.getLoc(), fType, 1.0)}});
      if (failed(g))
        return failure();
      finish(grad, {grad.f, (*g)[0]});
    }

    // energy_vjp: w * df/dtheta for every parameter the model reads. Where
    // f is outlined and sampled, it calls the forward and backward halves
    // that sample_vjp calls (their code compiled once: moons' entries
    // compile 0.08 s faster; energy_vjp, which copies the parameter
    // gradients the call returns, is 12% slower); else a copy of f.
    KernelBody vjp = startKernel(module, density, owner, "energy_vjp",
                                 {xType, fType}, sampled);
    vjp.fn.setArgAttr(1, "ade.cotangent", vjp.builder.getUnitAttr());
    if (failed(finishVjp(vjp.fn, vjp.builder, vjp.ops,
                         {{vjp.f, vjp.fn.getArgument(1)}},
                         vjp.fn->getAttrOfType<DictionaryAttr>("ade.kernel"))))
      return failure();

    // score_matching: the per-particle loss of Hyvarinen's estimator, with
    // a probe input above the dense limit.
    bool probe = xTensor.getNumElements() > static_cast<int64_t>(denseLimit);
    SmallVector<Type> smInputs{xType};
    if (probe)
      smInputs.push_back(xType);
    KernelBody sm =
        startKernel(module, density, owner, "score_matching", smInputs);
    FailureOr<Value> loss = scoreMatchingLoss(sm, probe);
    if (failed(loss))
      return failure();
    finish(sm, {*loss});

    // score_matching_vjp: w * d(loss)/dtheta, reverse mode over the loss's
    // own second-order code.
    smInputs.push_back(fType);
    KernelBody smVjp =
        startKernel(module, density, owner, "score_matching_vjp", smInputs);
    loss = scoreMatchingLoss(smVjp, probe);
    if (failed(loss))
      return failure();
    unsigned weight = smVjp.fn.getNumArguments() - 1;
    Value w = smVjp.fn.getArgument(weight);
    smVjp.fn.setArgAttr(weight, "ade.cotangent", smVjp.builder.getUnitAttr());
    SmallVector<Operation *> lossOps;
    for (Operation &op : smVjp.fn.getBody().front())
      lossOps.push_back(&op);
    return finishVjp(smVjp.fn, smVjp.builder, lossOps, {{*loss, w}},
                     smVjp.fn->getAttrOfType<DictionaryAttr>("ade.kernel"));
  }

  /// tr(d^2f/dx^2) + 1/2 |grad_x f|^2, the trace estimated with the
  /// kernel's second argument as probe when `probe`.
  FailureOr<Value> scoreMatchingLoss(KernelBody &k, bool probe) {
    OpBuilder &b = k.builder;
    Location loc = k.fn.getLoc();
    Value gradient;
    FailureOr<Value> trace =
        buildHessianTrace(b, loc, {k.ops, k.x, k.f},
                          probe ? k.fn.getArgument(1) : Value(), &gradient);
    if (failed(trace))
      return failure();
    auto scalar = cast<RankedTensorType>(k.f.getType());
    Value halfSquaredNorm =
        MulOp::create(b, loc, scalar, buildSplat(b, loc, scalar, 0.5),
                      buildInnerProduct(b, loc, gradient, gradient));
    return AddOp::create(b, loc, scalar, *trace, halfSquaredNorm).getResult();
  }
};

} // namespace
