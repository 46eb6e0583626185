//===- HoistUniformWork.cpp - Parameter-only work once per call -----------===//
//
// A tile function computes its uniform values (functions of the parameters
// alone: a flow's log-determinant of a weight matrix, the inverse in its
// gradient) once per tile, the same in every tile of a call. The costly
// ones move into a function the entry calls once per call, whose results
// every tile then reads as extra parameters (ade-build-entries).
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace ade {
#define GEN_PASS_DEF_ADEHOISTUNIFORMWORK
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Whether `op` loops (an LU, an inverse) or is a contraction of at least
/// `minIterations` iterations (a product of parameters): worth computing
/// once per call. Fills, broadcasts and elementwise ops are not: they cost
/// what reading a hoisted copy would, and a fill is the start of a
/// product that ade-tile-and-vectorize fuses (unless it chunks it).
bool isCostly(Operation *op, int64_t minIterations) {
  bool loops = op->walk([](scf::ForOp) {
                   return WalkResult::interrupt();
                 }).wasInterrupted();
  if (loops)
    return true;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumReductionLoops() == 0)
    return false;
  int64_t iterations = 1;
  for (int64_t range : linalgOp.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return false;
    iterations *= range;
  }
  return iterations >= minIterations;
}

/// Erases the ops of `block` that `erasable` accepts once nothing uses
/// them, the last first.
void eraseUnused(Block &block, function_ref<bool(Operation *)> erasable) {
  SmallVector<Operation *> ops;
  for (Operation &op : block.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (erasable(op) && op->use_empty())
      op->erase();
}

struct AdeHoistUniformWorkPass
    : public ade::impl::AdeHoistUniformWorkBase<AdeHoistUniformWorkPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto f : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (auto tile = f->getAttrOfType<DictionaryAttr>("ade.tile"))
        hoist(module, f, tile);
  }

  void hoist(ModuleOp module, func::FuncOp f, DictionaryAttr tile) {
    auto owners = tile.getAs<ArrayAttr>("owners");
    if (!owners || tile.get("hoisted") || f.isExternal() ||
        !f.getBody().hasOneBlock())
      return;
    unsigned numParams = owners.size();
    Block &body = f.getBody().front();

    // Uniform: the parameters, and the results of the top-level ops free of
    // memory effects whose operands (captured values included) are uniform.
    DenseSet<Value> uniform(f.getArguments().begin(),
                            f.getArguments().begin() + numParams);
    DenseSet<Operation *> uniformOps;
    for (Operation &op : body.without_terminator()) {
      if (!isMemoryEffectFree(&op) || op.getNumResults() == 0)
        continue;
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op.getRegions(), captured);
      auto isUniform = [&](Value v) { return uniform.contains(v); };
      if (!llvm::all_of(op.getOperands(), isUniform) ||
          !llvm::all_of(captured, isUniform))
        continue;
      uniformOps.insert(&op);
      uniform.insert(op.getResults().begin(), op.getResults().end());
    }

    // Hoisted: the results of the costly uniform ops that the tile still
    // needs, through the cheap uniform ops that stay in it (a reshape, the
    // sum of an LU's pivots' logs: no buffer of their own for each).
    DenseSet<Operation *> costly;
    for (Operation *op : uniformOps)
      if (isCostly(op, minIterations))
        costly.insert(op);
    DenseSet<Value> needed;
    SmallVector<Value> work;
    auto usedBy = [&](Operation &op) {
      llvm::append_range(work, op.getOperands());
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op.getRegions(), captured);
      llvm::append_range(work, captured);
    };
    for (Operation &op : body)
      if (!uniformOps.contains(&op))
        usedBy(op);
    while (!work.empty()) {
      Value v = work.pop_back_val();
      if (!uniform.contains(v) || !needed.insert(v).second)
        continue;
      Operation *def = v.getDefiningOp();
      if (def && !costly.contains(def))
        usedBy(*def);
    }
    SmallVector<Value> hoisted;
    for (Operation &op : body)
      if (costly.contains(&op))
        for (Value result : op.getResults())
          if (needed.contains(result))
            hoisted.push_back(result);
    if (hoisted.empty())
      return;

    // The uniform function: the uniform ops the hoisted values depend on.
    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(f);
    SmallVector<Type> paramTypes(f.getArgumentTypes().take_front(numParams));
    // Scalars travel as 0-d tensors: after bufferization every tile
    // argument is a buffer.
    auto asTensor = [](Type t) -> Type {
      return isa<TensorType>(t) ? t : RankedTensorType::get({}, t);
    };
    SmallVector<Type> hoistedTypes;
    for (Value v : hoisted)
      hoistedTypes.push_back(asTensor(v.getType()));
    auto uniformFn =
        func::FuncOp::create(b, f.getLoc(), (f.getSymName() + ".uniform").str(),
                             b.getFunctionType(paramTypes, hoistedTypes));
    uniformFn.setPrivate();
    // Read only: the entry passes the caller's parameters, and every tile,
    // in parallel, the same hoisted buffers (one-shot bufferization takes
    // arguments for writable unless told).
    auto readOnly =
        b.getNamedAttr("bufferization.writable", b.getBoolAttr(false));
    for (unsigned i = 0; i < numParams; ++i)
      uniformFn.setArgAttrs(i, b.getDictionaryAttr(readOnly));
    Block *entry = uniformFn.addEntryBlock();
    IRMapping mapping;
    for (unsigned i = 0; i < numParams; ++i)
      mapping.map(f.getArgument(i), entry->getArgument(i));
    b.setInsertionPointToStart(entry);
    for (Operation &op : body)
      if (uniformOps.contains(&op))
        b.clone(op, mapping);
    SmallVector<Value> results;
    for (Value v : hoisted) {
      Value r = mapping.lookup(v);
      if (!isa<TensorType>(r.getType()))
        r = tensor::FromElementsOp::create(b, f.getLoc(), asTensor(r.getType()),
                                           r);
      results.push_back(r);
    }
    func::ReturnOp::create(b, f.getLoc(), results);
    // Uniform ops that no hoisted value needs.
    eraseUnused(*entry, [](Operation *) { return true; });

    // The tile takes the hoisted values after its parameters.
    b.setInsertionPointToStart(&body);
    for (auto [i, v] : llvm::enumerate(hoisted)) {
      if (failed(f.insertArgument(numParams + i, hoistedTypes[i],
                                  b.getDictionaryAttr(readOnly), v.getLoc())))
        return signalPassFailure();
      Value arg = f.getArgument(numParams + i);
      if (arg.getType() != v.getType())
        arg = tensor::ExtractOp::create(b, v.getLoc(), arg, ValueRange{});
      v.replaceAllUsesWith(arg);
    }
    eraseUnused(body, [&](Operation *op) { return uniformOps.contains(op); });

    NamedAttrList attrs(tile);
    attrs.set("hoisted", b.getI64IntegerAttr(hoisted.size()));
    attrs.set("uniform", FlatSymbolRefAttr::get(uniformFn.getSymNameAttr()));
    f->setAttr("ade.tile", attrs.getDictionary(module.getContext()));
  }
};

} // namespace
