//===- TileAndVectorize.cpp - Register tiling of tile functions -----------===//
//
// The schedule of design/codegen-recipe.md (c), written against the APIs:
//  1. each layer `act(W @ X + b)` (a linalg.matmul and the elementwise
//     generic consuming it) is tiled into MR x NR register blocks, the
//     matmul and its zero fill fused into the block, and the matmul's
//     contraction tiled by 1 so that each step is an outer product (a long
//     contraction first split into chunks whose rows of X fit in L1);
//  2. every other linalg op is tiled to 1 x ... x NR along the batch
//     dimension (the SIMD axis: particles are independent) and 1 elsewhere;
//  3. everything is vectorized (window steps of convolutions and pooling
//     first reduced to ops along the batch), and accumulators are hoisted
//     out of the contraction loops so they live in registers.
// Vector ops are lowered after bufferization (ade-lower-vectors).
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/Transposes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace ade {
#define GEN_PASS_DEF_ADETILEANDVECTORIZE
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// The fewest rows of a layer's input that a chunk of its contraction
/// takes (ade-tile-and-vectorize's panel-bytes).
constexpr int64_t kMinChunk = 16;

/// The largest divisor of `n` not above `preferred`.
int64_t divisorAtMost(int64_t n, int64_t preferred) {
  for (int64_t d = std::min(n, preferred); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// The loop that indexes the batch dimension (the output's last dimension
/// when it has the tile's size), if any.
std::optional<unsigned> batchLoop(linalg::LinalgOp op, int64_t tile) {
  if (op.getNumDpsInits() != 1)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  auto type = dyn_cast<ShapedType>(init->get().getType());
  if (!type || type.getRank() == 0 || type.getShape().back() != tile)
    return std::nullopt;
  AffineMap map = op.getMatchingIndexingMap(init);
  if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return d.getPosition();
  return std::nullopt;
}

struct AdeTileAndVectorizePass
    : public ade::impl::AdeTileAndVectorizeBase<AdeTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp f = getOperation();
    auto info = f->getAttrOfType<DictionaryAttr>("ade.tile");
    if (!info)
      info = f->getAttrOfType<DictionaryAttr>("ade.tile_callee");
    if (info &&
        failed(schedule(f, cast<IntegerAttr>(info.get("size")).getInt())))
      return signalPassFailure();
  }

  LogicalResult schedule(func::FuncOp f, int64_t tile) {
    MLIRContext *ctx = f.getContext();
    IRRewriter rewriter(ctx);
    int64_t nr = divisorAtMost(tile, nrPreferred);

    // 1. Layers: matmul + its elementwise consumer in register blocks.
    SmallVector<linalg::MatmulOp> matmuls;
    f.walk([&](linalg::MatmulOp m) { matmuls.push_back(m); });
    for (linalg::MatmulOp mm : matmuls)
      if (failed(tileLayer(rewriter, mm, tile, nr)))
        return failure();

    // 2. Everything else: vectors along the batch dimension.
    SmallVector<linalg::LinalgOp> rest;
    f.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ForOp>())
        rest.push_back(op);
    });
    for (linalg::LinalgOp op : rest)
      if (failed(tileAlongBatch(rewriter, op, tile, nr)))
        return failure();

    // 3. Vectorize, then keep accumulators in registers across loops.
    SmallVector<linalg::LinalgOp> all;
    f.walk([&](linalg::LinalgOp op) { all.push_back(op); });
    // The innermost window loop of a convolution step (the step is a
    // vector op after makeVectorizable) carries its accumulator in a
    // register, as LLVM's -O2 would make it but not its -O1; hoisted before
    // the cleanup below folds the output slice's read into a read of the
    // whole output, which hoisting cannot match.
    SetVector<scf::ForOp> windowLoops;
    for (linalg::LinalgOp &op : all) {
      linalg::LinalgOp vectorizable = makeVectorizable(rewriter, op);
      if (vectorizable != op)
        if (auto loop = vectorizable->getParentOfType<scf::ForOp>())
          windowLoops.insert(loop);
      op = vectorizable;
    }
    for (linalg::LinalgOp op : all) {
      if (!op.hasPureTensorSemantics() || !op.getStaticLoopRanges().size())
        continue;
      rewriter.setInsertionPoint(op);
      // Contractions straight to vector.contract with their own maps (not
      // broadcast to the iteration space): they lower to outer products.
      FailureOr<linalg::VectorizationResult> v = linalg::vectorize(
          rewriter, op, {}, {}, false, false, false,
          /*createNamedContraction=*/isa<linalg::MatmulOp>(op));
      if (succeeded(v)) {
        if (op->getNumResults())
          rewriter.replaceOp(op, v->replacements);
        else
          rewriter.eraseOp(op);
      }
    }
    // A window step's window loops (up to kMaxUnrolledWindow steps) are
    // unrolled from the innermost out, each once its accumulators are
    // hoisted out of it: they then stay in registers across the whole
    // window and the input channels, where the loop of three window steps
    // had loaded and stored them for every row of the window and every
    // channel.
    for (scf::ForOp loop : windowLoops) {
      fuseMultiplyAdds(rewriter, loop);
      bool window = loop->hasAttr(kWindow);
      while (true) {
        auto hoisted =
            cast<scf::ForOp>(hoistLoopInvariantSubsets(rewriter, loop));
        if (!window)
          break;
        scf::ForOp parent = hoisted->getParentOfType<scf::ForOp>();
        if (failed(loopUnrollFull(hoisted)))
          return f.emitError("internal: unrolling a window failed");
        if (!parent)
          break;
        loop = parent;
        window = loop->hasAttr(kWindow);
      }
    }
    RewritePatternSet patterns(ctx);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateSinkVectorOpsPatterns(patterns);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExtractSliceOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::InsertSliceOp::getCanonicalizationPatterns(patterns, ctx);
    scf::ForOp::getCanonicalizationPatterns(patterns, ctx);
    // The canonicalizer that follows simplifies the regions.
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(f, std::move(patterns), config)))
      return f.emitError("internal: vector cleanup did not converge");
    // Innermost loops (a contraction step, a reduction step) carry their
    // accumulator in a register rather than through memory. Outer loops
    // are left alone: hoisting through nested reductions is not needed
    // and not reliable upstream.
    SmallVector<scf::ForOp> innermost;
    f.walk([&](scf::ForOp loop) {
      bool nested = false;
      loop.getBody()->walk([&](scf::ForOp) { nested = true; });
      if (!nested)
        innermost.push_back(loop);
    });
    for (scf::ForOp loop : innermost)
      hoistLoopInvariantSubsets(rewriter, loop);
    f.walk([&](vector::TransferWriteOp write) {
      widenPartialWrite(rewriter, write);
    });
    // Window loops left as loops (a window step that did not vectorize, or
    // a window loop above a longer one).
    f.walk([](scf::ForOp loop) { loop->removeAttr(kWindow); });
    return success();
  }

  /// A write of fewer dimensions than its tensor (a row of a tile, once an
  /// insert_slice was folded into it) is taken by one-shot bufferization
  /// for a write of the whole tensor when its offsets are 0 (it compares
  /// the leading dimensions only): the other rows were not copied into the
  /// new buffer. With unit leading dimensions the vector has the tensor's
  /// rank, and bufferization sees that it writes a part.
  static void widenPartialWrite(IRRewriter &rewriter,
                                vector::TransferWriteOp write) {
    auto tensor = dyn_cast<RankedTensorType>(write.getShapedType());
    VectorType vecType = write.getVectorType();
    int64_t missing = tensor ? tensor.getRank() - vecType.getRank() : 0;
    if (missing <= 0 || write.isMasked() ||
        !write.getPermutationMap().isMinorIdentity())
      return;
    SmallVector<int64_t> shape(missing, 1);
    llvm::append_range(shape, vecType.getShape());
    SmallVector<bool> inBounds(missing, true);
    for (int64_t d = 0; d < vecType.getRank(); ++d)
      inBounds.push_back(write.isDimInBounds(d));
    rewriter.setInsertionPoint(write);
    Value widened = vector::ShapeCastOp::create(
        rewriter, write.getLoc(),
        VectorType::get(shape, vecType.getElementType()), write.getVector());
    rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(
        write, widened, write.getBase(), write.getIndices(),
        rewriter.getMultiDimIdentityMap(tensor.getRank()),
        ArrayRef<bool>(inBounds));
  }

  /// A convolution's or pooling's step, tiled, reads its input at `y + i`
  /// for window offsets `i`: not a projected permutation, which the
  /// vectorizer needs (it left such steps to scalar loops, 50x slower).
  /// Tiled along the batch, every loop but the batch and the block of
  /// channels has one iteration (without a batch loop, reductions stay
  /// whole), and dropping the unit ones leaves a vectorizable op. Its
  /// gradients read the kernel at fixed window offsets: those reads are
  /// sliced first (see sliceFixedReads).
  linalg::LinalgOp makeVectorizable(IRRewriter &rewriter, linalg::LinalgOp op) {
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic || !generic.hasPureTensorSemantics())
      return op;
    if (linalg::allIndexingsAreProjectedPermutation(generic)) {
      sliceFixedReads(rewriter, generic);
      return op;
    }
    linalg::ControlDropUnitDims options;
    options.rankReductionStrategy =
        linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
    rewriter.setInsertionPoint(generic);
    FailureOr<linalg::DropUnitDimsResult> dropped =
        linalg::dropUnitDims(rewriter, generic, options);
    if (succeeded(dropped)) {
      rewriter.replaceOp(generic, dropped->replacements);
      generic = cast<linalg::GenericOp>(dropped->resultOp.getOperation());
    }
    sliceFixedReads(rewriter, generic);
    return generic;
  }

  /// Inputs read at fixed indices of dimensions longer than one (a
  /// kernel's corner (0, 0), or (0, 1) once the window loops are gone) are
  /// sliced there, so that the maps index by loops alone: read in place,
  /// the vector read's map picked the operand's leading dimensions, and its
  /// lowering loaded the vector lane by lane (a quarter of MnistConv's
  /// gradient time).
  void sliceFixedReads(IRRewriter &rewriter, linalg::GenericOp op) {
    MLIRContext *ctx = op.getContext();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<std::pair<unsigned, Value>> slices;
    rewriter.setInsertionPoint(op);
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = maps[input->getOperandNumber()];
      auto type = dyn_cast<RankedTensorType>(input->get().getType());
      if (!type || !type.hasStaticShape())
        continue;
      // Index 0 of a unit dimension is a broadcast the vectorizer reads
      // well; a fixed index into a longer one became a loop over lanes.
      if (llvm::none_of(llvm::enumerate(map.getResults()), [&](auto indexed) {
            auto [dim, e] = indexed;
            auto c = dyn_cast<AffineConstantExpr>(e);
            return c && (c.getValue() != 0 || type.getDimSize(dim) != 1);
          }))
        continue;
      SmallVector<OpFoldResult> offsets, sizes;
      SmallVector<OpFoldResult> strides(type.getRank(),
                                        rewriter.getIndexAttr(1));
      SmallVector<AffineExpr> indices;
      SmallVector<int64_t> shape;
      for (auto [dim, e] : llvm::enumerate(map.getResults())) {
        if (auto c = dyn_cast<AffineConstantExpr>(e)) {
          offsets.push_back(rewriter.getIndexAttr(c.getValue()));
          sizes.push_back(rewriter.getIndexAttr(1));
          continue;
        }
        offsets.push_back(rewriter.getIndexAttr(0));
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(dim)));
        indices.push_back(e);
        shape.push_back(type.getDimSize(dim));
      }
      Value slice = tensor::ExtractSliceOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get(shape, type.getElementType()), input->get(),
          offsets, sizes, strides);
      maps[input->getOperandNumber()] =
          AffineMap::get(map.getNumDims(), 0, indices, ctx);
      slices.emplace_back(input->getOperandNumber(), slice);
    }
    if (slices.empty())
      return;
    rewriter.modifyOpInPlace(op, [&] {
      for (auto [number, slice] : slices)
        op->setOperand(number, slice);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
  }

  /// Without a batch loop a reduction (a tile size of 0) stays whole, one
  /// vector, up to kMaxWholeReduction elements when its innermost dimension
  /// is the op's last (contiguous: ade.reduce keeps the input's order), up
  /// to kMaxStridedReduction otherwise. A larger one (a sum over a large
  /// parameter) steps through its innermost dimension in vectors of a
  /// divisor up to that size where it is contiguous, one element at a time
  /// where not: whole, it became one vector of the parameter's size, which
  /// LLVM took 2 s to compile at 128 x 128, 17 s and 1.4 GB at 256 x 256,
  /// and a strided one is an insertelement per element (10 s for a
  /// maximum over the 1000 rows of a 1000 x 4 parameter).
  static void limitWholeReductions(ArrayRef<int64_t> ranges,
                                   ArrayRef<utils::IteratorType> iterators,
                                   MutableArrayRef<int64_t> sizes) {
    int64_t whole = 1;
    std::optional<unsigned> innermost;
    for (unsigned i = 0; i < ranges.size(); ++i)
      if (iterators[i] == utils::IteratorType::reduction) {
        whole *= ranges[i];
        innermost = i;
      }
    if (!innermost)
      return;
    bool contiguous = *innermost + 1 == ranges.size();
    if (whole <= (contiguous ? kMaxWholeReduction : kMaxStridedReduction))
      return;
    for (unsigned i = 0; i < ranges.size(); ++i)
      if (iterators[i] == utils::IteratorType::reduction)
        sizes[i] = i == *innermost && contiguous
                       ? divisorAtMost(ranges[i], kMaxWholeReduction)
                       : 1;
  }

  /// Columns of a block along a parameter dimension: nr where it divides
  /// the dimension, else a divisor up to 16, which keeps whole vectors where
  /// nr would not (784 = 16 x 49: a block of 28 columns ran 9x slower).
  int64_t parameterColumns(int64_t n) {
    if (n % nrPreferred == 0)
      return nrPreferred;
    return divisorAtMost(n, std::min<int64_t>(nrPreferred, 16));
  }

  /// Tiles `act(mm + ...)` (or `mm` alone) into MR x NR blocks with the
  /// matmul and its fill fused, then the contraction into steps of 1. A
  /// layer's columns are the batch; a parameter gradient's (a sum over the
  /// batch of outer products) are a parameter dimension, blocked by its
  /// own divisor. Blocks narrower than nr (down to 16 columns) get more
  /// rows: a block holds up to mr x nr values of the options.
  LogicalResult tileLayer(IRRewriter &rewriter, linalg::MatmulOp mm,
                          int64_t tile, int64_t nr) {
    auto resultType = cast<RankedTensorType>(mm.getResult(0).getType());
    if (!resultType.hasStaticShape())
      return success();
    int64_t n = resultType.getShape().back();
    if (n != tile)
      nr = parameterColumns(n);
    int64_t m = resultType.getDimSize(0);
    int64_t mr =
        divisorAtMost(m, mrPreferred * nrPreferred / std::max<int64_t>(nr, 16));

    // Every block of rows reads the layer's whole input [k, T]: where that
    // does not fit in L1, the contraction runs in chunks that do, each
    // chunk's input read from L1 by all blocks (MnistMLP's [784, 64]: from
    // L2 on every block). The activation then follows as its own op.
    // Chunks are at least kMinChunk rows and half the panel's: shorter ones
    // would load and store the blocks' accumulators every few steps. A sum
    // over the batch (a parameter gradient whose dimension happens to be
    // the tile's) and a product inside a loop (whose activation step 2
    // would not tile) stay whole.
    bool chunked = false;
    if (int64_t depth = mm.getStaticLoopRanges()[2];
        n == tile && depth != tile && panelBytes > 0 &&
        depth != ShapedType::kDynamic && !mm->getParentOfType<scf::ForOp>()) {
      int64_t bytes = resultType.getElementTypeBitWidth() / 8;
      int64_t rows = std::max<int64_t>(panelBytes / (bytes * tile), 1);
      int64_t chunk = divisorAtMost(depth, rows);
      if (chunk < depth && chunk >= kMinChunk && 2 * chunk >= rows) {
        FailureOr<linalg::MatmulOp> inner =
            tileContraction(rewriter, mm, chunk);
        if (failed(inner))
          return mm.emitError("internal: chunking a contraction failed");
        mm = *inner;
        chunked = true;
      }
    }

    Operation *consumer = mm;
    if (!chunked && mm->hasOneUse())
      if (auto g = dyn_cast<linalg::GenericOp>(*mm->getUsers().begin()))
        if (g.getNumLoops() == 2 &&
            g.getNumParallelLoops() == g.getNumLoops() &&
            g.getNumDpsInits() == 1 &&
            g.getDpsInits()[0].getType() == resultType &&
            batchLoop(g, tile) == 1u)
          consumer = g;

    SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(mr),
                                    rewriter.getIndexAttr(nr)};
    if (consumer == mm.getOperation())
      sizes.push_back(rewriter.getIndexAttr(0));
    scf::SCFTileAndFuseOptions options;
    options.tilingOptions.setTileSizes(sizes);
    Operation *fill = mm.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer,
            bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          Operation *p = producer.getOwner();
          if (p == mm.getOperation() || (fill && p == fill))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(consumer);
    FailureOr<scf::SCFTileAndFuseResult> fused =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(consumer), options);
    if (failed(fused))
      return consumer->emitError("internal: tiling a layer failed");
    for (OpResult r : consumer->getResults())
      rewriter.replaceAllUsesWith(r, fused->replacements.lookup(r));

    linalg::MatmulOp tiledMatmul;
    for (Operation *op : fused->tiledAndFusedOps)
      if (auto t = dyn_cast<linalg::MatmulOp>(op))
        tiledMatmul = t;
    if (!tiledMatmul)
      return success();
    if (failed(tileContraction(rewriter, tiledMatmul, 1)))
      return tiledMatmul.emitError("internal: tiling a contraction failed");
    return success();
  }

  /// A loop over steps of `size` of `mm`'s contraction, in place of `mm`;
  /// returns the matmul of one step.
  static FailureOr<linalg::MatmulOp>
  tileContraction(IRRewriter &rewriter, linalg::MatmulOp mm, int64_t size) {
    scf::SCFTilingOptions options;
    options.setTileSizes({rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
                          rewriter.getIndexAttr(size)});
    rewriter.setInsertionPoint(mm);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(mm.getOperation()), options);
    if (failed(tiled))
      return failure();
    rewriter.replaceOp(mm, tiled->replacements);
    return cast<linalg::MatmulOp>(tiled->tiledOps.front());
  }

  /// Tiles every loop to 1 except the batch loop (NR) and, in a window
  /// step, the channels' (a few rows). A sum over the
  /// batch (an output without the batch dimension: parameter gradients)
  /// keeps its reduction loops whole: one vector reduction per element. An
  /// elementwise op on uniform values (parameter gradients that calls
  /// return, summed over the tile already, add up) runs vectors along its
  /// last dimension instead.
  LogicalResult tileAlongBatch(IRRewriter &rewriter, linalg::LinalgOp op,
                               int64_t tile, int64_t nr) {
    if (!op.hasPureTensorSemantics())
      return success();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return success();
    std::optional<unsigned> batch = batchLoop(op, tile);
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    if (!batch && !ranges.empty() &&
        llvm::all_of(iterators, [](utils::IteratorType t) {
          return t == utils::IteratorType::parallel;
        })) {
      batch = ranges.size() - 1;
      nr = parameterColumns(ranges.back());
    }
    // A convolution step reads one input vector per window offset and
    // input channel: a few output channels (the first loop) reuse it, as
    // the rows of a layer's register block do (a pooling step's rows read
    // their own channels). Up to eight: with the window unrolled and the
    // accumulators in registers, eight independent FMA chains made
    // MnistConv's energy 15% faster than four (sixteen: no faster). Not
    // for a gradient's step at one kernel offset (a projected
    // permutation): its rows made MnistConv's gradients 1.5x slower.
    int64_t rows = 1;
    if (batch && *batch != 0 && iterators[0] == utils::IteratorType::parallel &&
        !linalg::allIndexingsAreProjectedPermutation(op))
      rows = divisorAtMost(ranges[0], std::min<int64_t>(mrPreferred, 8));
    SmallVector<int64_t> tileSizes;
    for (unsigned i = 0; i < ranges.size(); ++i) {
      int64_t size = 1;
      if (ade::isBlockTranspose(op)) // shuffled in register blocks
        size = ade::kTransposeBlock;
      else if (batch && *batch == i)
        size = nr;
      else if (i == 0)
        size = rows;
      if (!batch && iterators[i] == utils::IteratorType::reduction)
        size = 0;
      tileSizes.push_back(size);
    }
    if (!batch)
      limitWholeReductions(ranges, iterators, tileSizes);
    SmallVector<OpFoldResult> sizes;
    bool needed = false;
    for (auto [range, size] : llvm::zip(ranges, tileSizes)) {
      needed |= size != 0 && range > size;
      sizes.push_back(rewriter.getIndexAttr(size));
    }
    if (!needed)
      return success();
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled))
      return op->emitError("internal: tiling failed");
    // A window step's window loops (the reductions that offset an input
    // index: a convolution's or pooling's), unrolled once vectorized (see
    // schedule); read from `op` before it is replaced.
    llvm::SmallDenseSet<unsigned> windowDims;
    if (!linalg::allIndexingsAreProjectedPermutation(op))
      windowDims = windowDimensions(op);
    rewriter.replaceOp(op, tiled->replacements);
    unsigned k = 0;
    for (unsigned i = 0; i < ranges.size(); ++i) {
      // A loop per dimension with a tile size (one step where the size is
      // the whole range).
      if (getConstantIntValue(sizes[i]) == 0)
        continue;
      Operation *loop = tiled->loops[k++].getOperation();
      if (windowDims.contains(i) && ranges[i] <= kMaxUnrolledWindow)
        loop->setAttr(kWindow, rewriter.getUnitAttr());
    }
    return success();
  }

  /// A convolution step's multiply and add into the accumulator, one FMA:
  /// the pair took both FMA ports for one multiply-add, half the rate.
  static void fuseMultiplyAdds(IRRewriter &rewriter, scf::ForOp loop) {
    SmallVector<arith::AddFOp> adds;
    loop.getBody()->walk([&](arith::AddFOp add) {
      if (isa<VectorType>(add.getType()))
        adds.push_back(add);
    });
    for (arith::AddFOp add : adds) {
      for (unsigned i = 0; i < 2; ++i) {
        auto mul = add->getOperand(i).getDefiningOp<arith::MulFOp>();
        if (!mul || !mul->hasOneUse())
          continue;
        rewriter.setInsertionPoint(add);
        rewriter.replaceOpWithNewOp<vector::FMAOp>(
            add, mul.getLhs(), mul.getRhs(), add->getOperand(1 - i));
        rewriter.eraseOp(mul);
        break;
      }
    }
  }

  /// Marks the window loops of window steps until they are unrolled.
  static constexpr llvm::StringLiteral kWindow = "ade.window";

  /// The largest window extent whose loop is unrolled (a longer one stays
  /// a loop, and so do the window loops above it).
  static constexpr int64_t kMaxUnrolledWindow = 7;
  static constexpr int64_t kMaxWholeReduction = 1024;
  static constexpr int64_t kMaxStridedReduction = 16;

  /// The reduction dimensions of `op` that offset another dimension in an
  /// input's index (`y + i`: a convolution's or pooling's window).
  static llvm::SmallDenseSet<unsigned> windowDimensions(linalg::LinalgOp op) {
    llvm::SmallDenseSet<unsigned> dims;
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    for (OpOperand *input : op.getDpsInputOperands())
      for (AffineExpr e : op.getMatchingIndexingMap(input).getResults())
        if (isa<AffineBinaryOpExpr>(e))
          e.walk([&](AffineExpr sub) {
            if (auto d = dyn_cast<AffineDimExpr>(sub))
              if (iterators[d.getPosition()] == utils::IteratorType::reduction)
                dims.insert(d.getPosition());
          });
    return dims;
  }
};

} // namespace
