//===- MapLoopsToThreads.cpp - A block kernel's loops over its threads ----===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace ade {
#define GEN_PASS_DEF_ADEMAPLOOPSTOTHREADS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Consecutive iterations of a parallel loop's last dimension one thread
/// runs (a 16-byte vector of f32), and of the dimension before in a
/// product (rows that share the vector): kWideRows where that still gives
/// every thread of the block a block of iterations.
constexpr int64_t kStrip = 4, kRows = 4, kWideRows = 8;

/// Whether `op` or an op nested in it may write memory.
bool mayWrite(Operation *op) {
  WalkResult result = op->walk([](Operation *nested) {
    if (auto effects = dyn_cast<MemoryEffectOpInterface>(nested)) {
      if (effects.hasEffect<MemoryEffects::Write>() ||
          effects.hasEffect<MemoryEffects::Free>())
        return WalkResult::interrupt();
      return WalkResult::advance();
    }
    if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return result.wasInterrupted();
}

/// A reduction loop's `load m[i] ... store v, m[i]` on one element (its
/// indices defined outside the loop, nothing else in the loop using `m`)
/// becomes a loop-carried value, loaded before and stored after the loop.
/// Only called on the loops in a block kernel's parallel loops, which come
/// from linalg ops (convert-linalg-to-parallel-loops; the staging copies
/// have none): linalg's semantics make it safe there, an op's output
/// element is not read through another buffer meanwhile.
void promoteAccumulator(IRRewriter &rewriter, scf::ForOp loop) {
  Block *body = loop.getBody();
  auto stores = llvm::to_vector(body->getOps<memref::StoreOp>());
  if (stores.size() != 1)
    return;
  memref::StoreOp store = stores.front();
  memref::LoadOp load;
  for (auto candidate : body->getOps<memref::LoadOp>())
    if (candidate.getMemRef() == store.getMemRef() &&
        candidate.getIndices() == store.getIndices() &&
        candidate->isBeforeInBlock(store))
      load = candidate;
  if (!load || !loop.isDefinedOutsideOfLoop(load.getMemRef()) ||
      !llvm::all_of(load.getIndices(),
                    [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }))
    return;
  Value memref = load.getMemRef();
  for (Operation *user : memref.getUsers())
    if (user != load && user != store && loop->isAncestor(user))
      return;

  rewriter.setInsertionPoint(loop);
  Value initial = memref::LoadOp::create(rewriter, load.getLoc(), memref,
                                         load.getIndices());
  Value stored = store.getValueToStore();
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        return SmallVector<Value>{stored};
      });
  if (failed(replaced))
    return;
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  rewriter.replaceOp(load, newLoop.getRegionIterArgs().back());
  rewriter.setInsertionPointAfter(newLoop);
  memref::StoreOp::create(rewriter, store.getLoc(), newLoop.getResults().back(),
                          memref, store.getIndices());
  rewriter.eraseOp(store);
}

/// Whether element 0 of `memref` and every row start of it lie at 16 bytes:
/// f32 elements, static strides multiple of 4 but the last, which is 1, in
/// a view of the block's shared memory (whose buffers start at 16 bytes)
/// or, with `global`, of a kernel argument (the runtime's buffers are
/// separate allocations, 256-byte aligned; Kernels::launch checks 16).
bool isAlignedView(Value memref, bool global = false) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type || !type.getElementType().isF32() || type.getRank() == 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) || offset % kStrip != 0 ||
      strides.back() != 1 ||
      llvm::any_of(ArrayRef(strides).drop_back(), [](int64_t stride) {
        return ShapedType::isDynamic(stride) || stride % kStrip != 0;
      }))
    return false;
  Value v = memref;
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<memref::ViewOp>(def)) {
      std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
      return shift && *shift % 16 == 0 &&
             isa_and_nonnull<gpu::DynamicSharedMemoryOp>(
                 view.getSource().getDefiningOp());
    }
    if (!isa<memref::MemorySpaceCastOp, memref::CastOp, memref::SubViewOp,
             memref::ExpandShapeOp, memref::CollapseShapeOp>(def))
      return false;
    v = def->getOperand(0);
  }
  auto argument = dyn_cast<BlockArgument>(v);
  auto kernel =
      argument ? dyn_cast<gpu::GPUFuncOp>(argument.getOwner()->getParentOp())
               : gpu::GPUFuncOp();
  auto argumentType = dyn_cast<MemRefType>(v.getType());
  return global && kernel &&
         argument.getArgNumber() < kernel.getNumArguments() && argumentType &&
         argumentType.getLayout().isIdentity();
}

/// Loads (stores) of a strip's kStrip consecutive elements in `block` as
/// one vector load (store). `block` is a fused reduction loop's body (no
/// writes) or a thread's block of iterations, where the copies of one op
/// are cloned side by side: a row's lane loads are then adjacent copies of
/// one load, with no write between them; stores are taken as runs of
/// adjacent copies of one store.
void vectorizeStrip(Block &block, ArrayRef<Value> stripIvs) {
  auto lane = [&](ValueRange indices) -> int64_t {
    if (indices.empty())
      return -1;
    auto it = llvm::find(stripIvs, indices.back());
    return it == stripIvs.end() ? -1 : it - stripIvs.begin();
  };
  auto sameRow = [](auto a, auto b) {
    return a.getMemRef() == b.getMemRef() &&
           a.getIndices().drop_back() == b.getIndices().drop_back();
  };
  // Loads: groups of one row's lanes.
  struct Group {
    memref::LoadOp key; // any load of the row
    SmallVector<memref::LoadOp> lanes;
  };
  SmallVector<Group> groups;
  for (auto load : block.getOps<memref::LoadOp>()) {
    int64_t l = lane(load.getIndices());
    if (l < 0)
      continue;
    auto group = llvm::find_if(
        groups, [&](Group &g) { return sameRow(g.key, load) && !g.lanes[l]; });
    if (group == groups.end()) {
      groups.push_back({load, SmallVector<memref::LoadOp>(stripIvs.size())});
      group = std::prev(groups.end());
    }
    group->lanes[l] = load;
  }
  for (Group &group : groups) {
    SmallVector<memref::LoadOp> &lanes = group.lanes;
    if (llvm::any_of(lanes, [](memref::LoadOp l) { return !l; }) ||
        !isAlignedView(lanes[0].getMemRef(), /*global=*/true))
      continue;
    Operation *first = lanes[0];
    for (memref::LoadOp l : lanes)
      if (l->isBeforeInBlock(first))
        first = l;
    OpBuilder b(first);
    auto type = VectorType::get({int64_t(lanes.size())}, lanes[0].getType());
    Value vec = vector::LoadOp::create(
        b, lanes[0].getLoc(), type, lanes[0].getMemRef(), lanes[0].getIndices(),
        /*nontemporal=*/false, llvm::Align(16));
    for (auto [i, l] : llvm::enumerate(lanes))
      l.getResult().replaceAllUsesWith(
          vector::ExtractOp::create(b, l.getLoc(), vec, int64_t(i)));
    for (memref::LoadOp l : lanes)
      l.erase();
  }
  // Stores: kStrip adjacent stores of lanes 0, 1, ... of one row.
  SmallVector<memref::StoreOp> stores =
      llvm::to_vector(block.getOps<memref::StoreOp>());
  for (size_t i = 0; i + stripIvs.size() <= stores.size(); ++i) {
    SmallVector<memref::StoreOp> run(
        ArrayRef(stores).slice(i, stripIvs.size()));
    bool adjacent = true;
    for (auto [j, store] : llvm::enumerate(run))
      adjacent &= lane(store.getIndices()) == int64_t(j) &&
                  sameRow(run[0], store) &&
                  (j == 0 || run[j - 1]->getNextNode() == store);
    // Into shared memory only: the global outputs are particle-major rows,
    // where a strip's particles are not contiguous.
    if (!adjacent || !isAlignedView(run[0].getMemRef()))
      continue;
    OpBuilder b(run.back());
    SmallVector<Value> values;
    for (memref::StoreOp store : run)
      values.push_back(store.getValueToStore());
    Value vec = vector::FromElementsOp::create(
        b, run[0].getLoc(),
        VectorType::get({int64_t(values.size())}, values[0].getType()), values);
    vector::StoreOp::create(b, run[0].getLoc(), vec, run[0].getMemRef(),
                            run[0].getIndices(), /*nontemporal=*/false,
                            llvm::Align(16));
    for (memref::StoreOp store : run)
      store.erase();
    i += stripIvs.size() - 1;
  }
}

/// Runs kStrip steps of a fused reduction loop (no writes) per
/// iteration where it reads rows of an aligned view along the loop
/// (W[r, k]): each such row's kStrip values are one vector load, at the
/// top of the iteration, and the steps' copies of the load read lanes of
/// it. Needs constant bounds from a multiple of kStrip, a multiple of
/// kStrip apart, and at least two vectors' worth (shorter loops, like a
/// 2-d input layer's, gain nothing from the copies).
void vectorizeAlongReduction(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()),
                         ub = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step != 1 || *lb % kStrip != 0 ||
      (*ub - *lb) % kStrip != 0 || *ub - *lb < 2 * kStrip)
    return;
  Value iv = loop.getInductionVar();
  SmallVector<memref::LoadOp> alongLoop;
  for (auto load : loop.getBody()->getOps<memref::LoadOp>())
    if (!load.getIndices().empty() && load.getIndices().back() == iv &&
        loop.isDefinedOutsideOfLoop(load.getMemRef()) &&
        llvm::all_of(load.getIndices().drop_back(),
                     [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }) &&
        isAlignedView(load.getMemRef(), /*global=*/true))
      alongLoop.push_back(load);
  if (alongLoop.empty())
    return;

  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto unrolled = scf::ForOp::create(
      b, loc, loop.getLowerBound(), loop.getUpperBound(),
      arith::ConstantIndexOp::create(b, loc, kStrip), loop.getInitArgs());
  OpBuilder bodyBuilder = OpBuilder::atBlockBegin(unrolled.getBody());
  Value k = unrolled.getInductionVar();
  // One vector per row read along the loop (copies of a load share it).
  SmallVector<std::pair<memref::LoadOp, Value>> rows;
  auto vectorOf = [&](memref::LoadOp load) -> Value {
    for (auto &[key, vec] : rows)
      if (key.getMemRef() == load.getMemRef() &&
          key.getIndices() == load.getIndices())
        return vec;
    SmallVector<Value> indices(load.getIndices().drop_back());
    indices.push_back(k);
    Value vec = vector::LoadOp::create(
        bodyBuilder, load.getLoc(), VectorType::get({kStrip}, load.getType()),
        load.getMemRef(), indices, /*nontemporal=*/false, llvm::Align(16));
    rows.push_back({load, vec});
    return vec;
  };
  SmallVector<Value> vectors;
  for (memref::LoadOp load : alongLoop)
    vectors.push_back(vectorOf(load));
  SmallVector<Value> carried(unrolled.getRegionIterArgs());
  for (int64_t u = 0; u < kStrip; ++u) {
    IRMapping mapping;
    mapping.map(iv, u == 0
                        ? k
                        : arith::AddIOp::create(bodyBuilder, loc, k,
                                                arith::ConstantIndexOp::create(
                                                    bodyBuilder, loc, u))
                              .getResult());
    mapping.map(loop.getRegionIterArgs(), carried);
    for (auto [load, vec] : llvm::zip(alongLoop, vectors))
      mapping.map(load.getResult(),
                  vector::ExtractOp::create(bodyBuilder, load.getLoc(), vec, u)
                      .getResult());
    for (Operation &op : loop.getBody()->without_terminator())
      if (!llvm::is_contained(alongLoop, dyn_cast<memref::LoadOp>(&op)))
        bodyBuilder.clone(op, mapping);
    carried.clear();
    for (Value v : loop.getBody()->getTerminator()->getOperands())
      carried.push_back(mapping.lookupOrDefault(v));
  }
  scf::YieldOp::create(bodyBuilder, loc, carried);
  loop->replaceAllUsesWith(unrolled.getResults());
  loop.erase();
}

/// Spreads one kernel's parallel loops over the threads of its block.
struct ThreadMapper {
  Value thread;     // gpu.thread_id x
  unsigned threads; // the block's size

  LogicalResult mapBlock(Block &block) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto parallel = dyn_cast<scf::ParallelOp>(op)) {
        if (failed(distribute(parallel)))
          return failure();
        continue;
      }
      bool containsParallel = op.walk([](scf::ParallelOp) {
                                  return WalkResult::interrupt();
                                }).wasInterrupted();
      if (containsParallel) {
        // Uniform control flow (loops and conditions the same for every
        // thread of the block: constant bounds, a VJP's tile loop, its
        // last block's flag read from shared memory): every thread takes
        // it.
        for (Region &region : op.getRegions())
          for (Block &nested : region)
            if (failed(mapBlock(nested)))
              return failure();
        continue;
      }
      if (isa<gpu::BarrierOp>(op) || !mayWrite(&op) ||
          op.hasTrait<OpTrait::IsTerminator>())
        continue;
      // A sequential computation with results that writes memory (a
      // per-particle LU loop): other kernel forms build this entry.
      if (op.getNumResults() != 0)
        return failure();
      // Thread 0 alone, between barriers.
      OpBuilder b(&op);
      Location loc = op.getLoc();
      gpu::BarrierOp::create(b, loc);
      Value first =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, thread,
                                arith::ConstantIndexOp::create(b, loc, 0));
      auto guard = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
      op.moveBefore(guard.thenBlock()->getTerminator());
      b.setInsertionPointAfter(guard);
      gpu::BarrierOp::create(b, loc);
    }
    return success();
  }

  /// Thread t runs iterations t, t + threads, ... of the flattened
  /// iteration space (the last induction variable varies fastest).
  LogicalResult distribute(scf::ParallelOp parallel) {
    if (!parallel.getInitVals().empty())
      return failure(); // another kernel form builds the entry
    SmallVector<int64_t> lower, trips, steps;
    for (auto [lb, ub, step] :
         llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(),
                   parallel.getStep())) {
      std::optional<int64_t> l = getConstantIntValue(lb),
                             u = getConstantIntValue(ub),
                             s = getConstantIntValue(step);
      if (!l || !u || !s || *s <= 0)
        return failure(); // another kernel form builds the entry
      lower.push_back(*l);
      steps.push_back(*s);
      trips.push_back(*u > *l ? (*u - *l + *s - 1) / *s : 0);
    }
    int64_t total = 1;
    for (int64_t trip : trips)
      total *= trip;

    // Accumulators in registers before the body is copied.
    IRRewriter rewriter(parallel.getContext());
    SmallVector<scf::ForOp> loops;
    parallel.getBody()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) // innermost first
      promoteAccumulator(rewriter, loop);

    // A thread runs a block of iterations: kStrip consecutive ones of the
    // last dimension and, where the body reduces (a product), kRows or
    // kWideRows of the one before. The copies' reduction loops run as one
    // (jammed): values the copies share are loaded once, a strip's values
    // as one vector. Wide rows halve the particles' loads per FMA (shared and
    // L1 bound moons' energy), where no thread is left idle by them.
    int64_t last = int64_t(trips.size()) - 1;
    SmallVector<int64_t> block(trips.size(), 1);
    if (trips[last] % kStrip == 0)
      block[last] = kStrip;
    bool reduces = !parallel.getBody()->getOps<scf::ForOp>().empty();
    if (last > 0 && block[last] > 1 && reduces) {
      if (trips[last - 1] % kWideRows == 0 &&
          total / (block[last] * kWideRows) >= int64_t(threads))
        block[last - 1] = kWideRows;
      else if (trips[last - 1] % kRows == 0)
        block[last - 1] = kRows;
    }
    int64_t copies = 1;
    SmallVector<int64_t> shape(trips);
    for (int64_t d = 0; d <= last; ++d) {
      copies *= block[d];
      shape[d] /= block[d];
    }
    int64_t items = total / copies;

    Location loc = parallel.getLoc();
    OpBuilder b(parallel);
    gpu::BarrierOp::create(b, loc);
    auto index = [&](OpBuilder &ib, int64_t v) {
      return arith::ConstantIndexOp::create(ib, loc, v).getResult();
    };
    Block *body;
    Value linear;
    if (items <= int64_t(threads)) {
      auto guard = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, thread,
                                index(b, items)),
          /*withElseRegion=*/false);
      body = guard.thenBlock();
      linear = thread;
    } else {
      auto loop = scf::ForOp::create(b, loc, thread, index(b, items),
                                     index(b, threads));
      body = loop.getBody();
      linear = loop.getInductionVar();
    }
    OpBuilder ib = OpBuilder::atBlockBegin(body);
    // Copy c runs iteration (position * block + digit of c) along each
    // dimension; the last dimension's digit varies fastest.
    SmallVector<IRMapping> mappings(copies);
    SmallVector<Value> stripIvs, rowIvs;
    Value rest = linear;
    int64_t stride = 1;
    for (int64_t d = last; d >= 0; --d) {
      Value position = rest;
      if (d > 0) {
        position = arith::RemUIOp::create(ib, loc, rest, index(ib, shape[d]));
        rest = arith::DivUIOp::create(ib, loc, rest, index(ib, shape[d]));
      }
      Value first = position;
      if (block[d] > 1)
        first = arith::MulIOp::create(ib, loc, position, index(ib, block[d]));
      SmallVector<Value> ivs;
      for (int64_t o = 0; o < block[d]; ++o) {
        Value offset = first;
        if (o > 0)
          offset = arith::AddIOp::create(ib, loc, first, index(ib, o));
        ivs.push_back(arith::AddIOp::create(
            ib, loc, index(ib, lower[d]),
            arith::MulIOp::create(ib, loc, offset, index(ib, steps[d]))));
      }
      for (int64_t c = 0; c < copies; ++c)
        mappings[c].map(parallel.getInductionVars()[d],
                        ivs[(c / stride) % block[d]]);
      if (d == last)
        stripIvs = ivs;
      if (d == last - 1)
        rowIvs = ivs;
      stride *= block[d];
    }
    // The copies of each op side by side; loops that write no memory
    // (reductions with their accumulators promoted) fused.
    SmallVector<scf::ForOp> fusedLoops;
    for (Operation &op : parallel.getBody()->without_terminator()) {
      SmallVector<Operation *> clones;
      for (int64_t c = 0; c < copies; ++c)
        clones.push_back(ib.clone(op, mappings[c]));
      if (copies > 1 && isa<scf::ForOp>(op) && !mayWrite(&op))
        if (scf::ForOp fused = jam(ib, clones)) {
          fusedLoops.push_back(fused);
          for (int64_t c = 0; c < copies; ++c)
            mappings[c].map(op.getResults(),
                            fused.getResults().slice(c * op.getNumResults(),
                                                     op.getNumResults()));
        }
    }
    if (block[last] > 1 && lower[last] % block[last] == 0 && steps[last] == 1) {
      vectorizeStrip(*body, stripIvs);
      for (scf::ForOp loop : fusedLoops)
        vectorizeStrip(*loop.getBody(), stripIvs);
    }
    // A transposed product reads W[k, r..] for the thread's 4 or 8 rows:
    // one vector per step; a product reads W[r, k] along the reduction:
    // four steps at a time, each row's four values one vector.
    if (last > 0 && block[last - 1] > 1 &&
        lower[last - 1] % block[last - 1] == 0 && steps[last - 1] == 1)
      for (scf::ForOp loop : fusedLoops)
        vectorizeStrip(*loop.getBody(), rowIvs);
    for (scf::ForOp loop : fusedLoops)
      vectorizeAlongReduction(loop);
    b.setInsertionPointAfter(parallel);
    gpu::BarrierOp::create(b, loc);
    parallel.erase();
    return success();
  }

  /// Fuses copies of one scf.for with the same bounds into a single loop
  /// that runs their bodies one after the other in each iteration; leaves
  /// `b` after it. Null (nothing done) when the bounds differ.
  static scf::ForOp jam(OpBuilder &b, ArrayRef<Operation *> copies) {
    auto first = cast<scf::ForOp>(copies.front());
    auto same = [](Value x, Value y) {
      std::optional<int64_t> cx = getConstantIntValue(x),
                             cy = getConstantIntValue(y);
      return x == y || (cx && cy && *cx == *cy);
    };
    SmallVector<Value> inits;
    for (Operation *copy : copies) {
      auto loop = cast<scf::ForOp>(copy);
      if (!same(loop.getLowerBound(), first.getLowerBound()) ||
          !same(loop.getUpperBound(), first.getUpperBound()) ||
          !same(loop.getStep(), first.getStep()))
        return scf::ForOp();
      llvm::append_range(inits, loop.getInitArgs());
    }
    b.setInsertionPointAfter(copies.back());
    auto fused =
        scf::ForOp::create(b, first.getLoc(), first.getLowerBound(),
                           first.getUpperBound(), first.getStep(), inits);
    OpBuilder fb = OpBuilder::atBlockBegin(fused.getBody());
    SmallVector<Value> yields;
    size_t offset = 0;
    for (Operation *copy : copies) {
      auto loop = cast<scf::ForOp>(copy);
      IRMapping mapping;
      mapping.map(loop.getInductionVar(), fused.getInductionVar());
      for (auto [arg, fusedArg] :
           llvm::zip(loop.getRegionIterArgs(),
                     fused.getRegionIterArgs().slice(
                         offset, loop.getNumRegionIterArgs())))
        mapping.map(arg, fusedArg);
      for (Operation &op : loop.getBody()->without_terminator())
        fb.clone(op, mapping);
      for (Value v : loop.getBody()->getTerminator()->getOperands())
        yields.push_back(mapping.lookupOrDefault(v));
      loop->replaceAllUsesWith(
          fused.getResults().slice(offset, loop.getNumResults()));
      offset += loop.getNumRegionIterArgs();
    }
    scf::YieldOp::create(fb, first.getLoc(), yields);
    for (Operation *copy : copies)
      copy->erase();
    b.setInsertionPointAfter(fused);
    return fused;
  }

  /// Drops a barrier with no memory access since the previous one in its
  /// block, or since the kernel's start.
  static void removeRedundantBarriers(gpu::GPUFuncOp kernel) {
    SmallVector<gpu::BarrierOp> redundant;
    kernel.walk([&](Block *block) {
      bool synced = block == &kernel.getBody().front();
      for (Operation &op : *block) {
        if (isa<gpu::BarrierOp>(op)) {
          if (synced)
            redundant.push_back(cast<gpu::BarrierOp>(op));
          synced = true;
        } else if (!isMemoryEffectFree(&op)) {
          synced = false;
        }
      }
    });
    for (gpu::BarrierOp barrier : redundant)
      barrier.erase();
  }
};

struct AdeMapLoopsToThreadsPass
    : public ade::impl::AdeMapLoopsToThreadsBase<AdeMapLoopsToThreadsPass> {
  void runOnOperation() override {
    SmallVector<gpu::GPUFuncOp> unmapped;
    for (auto kernel :
         llvm::to_vector(getOperation().getOps<gpu::GPUFuncOp>())) {
      if (!kernel->hasAttr("ade.tile_size"))
        continue;
      std::optional<ArrayRef<int32_t>> blockSize = kernel.getKnownBlockSize();
      if (!blockSize || (*blockSize)[1] != 1 || (*blockSize)[2] != 1) {
        kernel.emitError("internal: a block kernel needs a known 1-D block");
        return signalPassFailure();
      }
      Block &entry = kernel.getBody().front();
      auto b = OpBuilder::atBlockBegin(&entry);
      ThreadMapper mapper{
          gpu::ThreadIdOp::create(b, kernel.getLoc(), gpu::Dimension::x),
          unsigned((*blockSize)[0])};
      if (failed(mapper.mapBlock(entry))) {
        unmapped.push_back(kernel);
        continue;
      }
      ThreadMapper::removeRedundantBarriers(kernel);
    }
    for (gpu::GPUFuncOp kernel : unmapped) {
      ade::markUnbuilt(getOperation(), kernel);
      kernel.erase();
    }
  }
};

} // namespace
