//===- LowerVectors.cpp - Vector ops to what LLVM lowers well -------------===//
//
// After bufferization: 2-D blocks become rows (loop-carried accumulators,
// elementwise ops, bias broadcasts), contractions become outer products
// (broadcast + FMA per row), FMAs along the batch or tree reductions over
// it; transfers become 1-D loads/stores, transposes and shape casts become
// shuffles. Four separate greedy stages: together in one pattern set these
// patterns do not terminate (design/codegen-recipe.md, pitfall 1).
// Working on rows keeps the LLVM IR small: an n-D vector is an LLVM array,
// rebuilt whole for every row update.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallBitVector.h"

namespace ade {
#define GEN_PASS_DEF_ADELOWERVECTORS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// An n-D vector built from its rows (a chain of vector.insert), so that
/// the row extracts of later lowerings fold to the rows themselves.
Value fromRows(OpBuilder &b, Location loc, VectorType type, ValueRange rows) {
  Value v = ub::PoisonOp::create(b, loc, type);
  for (auto [r, row] : llvm::enumerate(rows))
    v = vector::InsertOp::create(b, loc, row, v, int64_t(r));
  return v;
}

SmallVector<Value> toRows(OpBuilder &b, Location loc, Value v) {
  SmallVector<Value> rows;
  for (int64_t r = 0, e = cast<VectorType>(v.getType()).getDimSize(0); r < e;
       ++r)
    rows.push_back(vector::ExtractOp::create(b, loc, v, r));
  return rows;
}

/// An n-D vector (n > 1) to be handled as its rows. LLVM lowers it to an
/// array of vectors: every row update of a loop-carried accumulator
/// rebuilds the array, and canonicalization turns a chain of row inserts
/// into a rebuild from single elements (16 extracts and inserts per row).
bool splitsIntoRows(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  return vector && vector.getRank() > 1 && !vector.isScalable();
}

/// Carries each n-D vector of a loop as its rows.
struct SplitLoopCarriedVectors : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(scf::ForOp loop,
                                PatternRewriter &rewriter) const override {
    if (!llvm::any_of(loop.getInitArgs().getTypes(), splitsIntoRows))
      return failure();
    Location loc = loop.getLoc();
    SmallVector<Value> inits;
    SmallVector<unsigned> firstOf;
    for (Value init : loop.getInitArgs()) {
      firstOf.push_back(inits.size());
      if (splitsIntoRows(init.getType()))
        llvm::append_range(inits, toRows(rewriter, loc, init));
      else
        inits.push_back(init);
    }
    auto rebuild = [&](OpBuilder &b, ValueRange parts) {
      SmallVector<Value> whole;
      for (auto [i, init] : llvm::enumerate(loop.getInitArgs())) {
        auto type = init.getType();
        if (!splitsIntoRows(type)) {
          whole.push_back(parts[firstOf[i]]);
          continue;
        }
        auto vector = cast<VectorType>(type);
        whole.push_back(fromRows(
            b, loc, vector, parts.slice(firstOf[i], vector.getDimSize(0))));
      }
      return whole;
    };

    auto split = scf::ForOp::create(
        rewriter, loc, loop.getLowerBound(), loop.getUpperBound(),
        loop.getStep(), inits, /*bodyBuilder=*/nullptr, loop.getUnsignedCmp());
    split->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
    Block *body = split.getBody();
    rewriter.setInsertionPointToStart(body);
    SmallVector<Value> arguments{split.getInductionVar()};
    llvm::append_range(arguments, rebuild(rewriter, split.getRegionIterArgs()));
    rewriter.mergeBlocks(loop.getBody(), body, arguments);

    auto yield = cast<scf::YieldOp>(body->getTerminator());
    rewriter.setInsertionPoint(yield);
    SmallVector<Value> yielded;
    for (Value v : yield.getOperands())
      if (splitsIntoRows(v.getType()))
        llvm::append_range(yielded, toRows(rewriter, loc, v));
      else
        yielded.push_back(v);
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, yielded);

    rewriter.setInsertionPointAfter(split);
    rewriter.replaceOp(loop, rebuild(rewriter, split.getResults()));
    return success();
  }
};

/// An elementwise op on n-D vectors as one op per row.
struct SplitElementwiseIntoRows : RewritePattern {
  SplitElementwiseIntoRows(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!OpTrait::hasElementwiseMappableTraits(op) || op->getNumRegions() ||
        op->getNumSuccessors() || op->getNumResults() != 1 ||
        !splitsIntoRows(op->getResult(0).getType()) ||
        !llvm::all_of(op->getOperandTypes(), splitsIntoRows))
      return failure();
    Location loc = op->getLoc();
    auto type = cast<VectorType>(op->getResult(0).getType());
    SmallVector<SmallVector<Value>> operandRows;
    for (Value operand : op->getOperands())
      operandRows.push_back(toRows(rewriter, loc, operand));
    SmallVector<Value> rows;
    for (int64_t r = 0; r < type.getDimSize(0); ++r) {
      OperationState state(loc, op->getName());
      for (const SmallVector<Value> &operand : operandRows)
        state.addOperands(operand[r]);
      state.addTypes(VectorType(VectorType::Builder(type).dropDim(0)));
      state.addAttributes(op->getAttrs());
      rows.push_back(rewriter.create(state)->getResult(0));
    }
    rewriter.replaceOp(op, fromRows(rewriter, loc, type, rows));
    return success();
  }
};

/// A read that broadcasts its minor dimension (a bias added to every
/// particle) as one broadcast read per row, rather than a read of the
/// column, a broadcast and a transpose (a shuffle of the whole block).
struct SplitBroadcastReadIntoRows : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    AffineMap map = read.getPermutationMap();
    VectorType type = read.getVectorType();
    if (!splitsIntoRows(type) || read.getMask() ||
        !isa<AffineConstantExpr>(map.getResults().back()))
      return failure();
    AffineExpr rowExpr = map.getResult(0);
    auto rowDim = dyn_cast<AffineDimExpr>(rowExpr);
    if (!rowDim && !isa<AffineConstantExpr>(rowExpr))
      return failure();
    // Rows past the end read the padding; as a non-vector dimension the row
    // index must be in bounds.
    if (rowDim && !read.isDimInBounds(0))
      return failure();
    Location loc = read.getLoc();
    VectorType rowType = VectorType::Builder(type).dropDim(0);
    AffineMap rowMap = map.dropResult(0);
    SmallVector<bool> inBounds(read.getInBoundsValues());
    inBounds.erase(inBounds.begin());
    SmallVector<Value> rows;
    for (int64_t r = 0; r < type.getDimSize(0); ++r) {
      SmallVector<Value> indices(read.getIndices());
      if (rowDim && r) {
        Value &index = indices[rowDim.getPosition()];
        index = arith::AddIOp::create(
            rewriter, loc, index,
            arith::ConstantIndexOp::create(rewriter, loc, r));
      }
      rows.push_back(vector::TransferReadOp::create(
          rewriter, loc, rowType, read.getBase(), indices,
          AffineMapAttr::get(rowMap), read.getPadding(), /*mask=*/Value(),
          rewriter.getBoolArrayAttr(inBounds)));
    }
    rewriter.replaceOp(read, fromRows(rewriter, loc, type, rows));
    return success();
  }
};

/// Whether a contraction's operands have its accumulator's element type
/// (a mixed-precision contraction widens them first).
bool hasAccumulatorElements(vector::ContractionOp contract) {
  Type element = getElementTypeOrSelf(contract.getAccType());
  return contract.getLhsType().getElementType() == element &&
         contract.getRhsType().getElementType() == element;
}

/// A float contraction whose reduction dimensions all have size 1 and
/// whose operands index the parallel dimensions as its accumulator does
/// (`acc[b] += w[b, 0] * x[b, 0]`: one step of a dot product along the
/// batch) is one FMA. The general lowerings would unroll it into a scalar
/// FMA per particle.
struct ContractUnitReductionToFMA : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp contract,
                                PatternRewriter &rewriter) const override {
    auto accType = dyn_cast<VectorType>(contract.getAccType());
    if (!accType || !isa<FloatType>(accType.getElementType()) ||
        !hasAccumulatorElements(contract) ||
        contract.getKind() != vector::CombiningKind::ADD ||
        isa<vector::MaskOp>(contract->getParentOp()))
      return failure();
    SmallVector<int64_t> bounds;
    contract.getIterationBounds(bounds);
    SmallVector<AffineMap> maps = contract.getIndexingMapsArray();
    llvm::SmallBitVector reductions(bounds.size());
    for (auto [i, iterator] : llvm::enumerate(contract.getIteratorTypes())) {
      if (!vector::isReductionIterator(iterator))
        continue;
      if (bounds[i] != 1)
        return failure();
      reductions.set(i);
    }
    auto parallelResults = [&](AffineMap map) {
      SmallVector<AffineExpr> kept;
      for (AffineExpr e : map.getResults()) {
        auto dim = dyn_cast<AffineDimExpr>(e);
        if (!dim)
          return SmallVector<AffineExpr>{};
        if (!reductions.test(dim.getPosition()))
          kept.push_back(e);
      }
      return kept;
    };
    SmallVector<AffineExpr> accResults(maps[2].getResults());
    if (parallelResults(maps[0]) != accResults ||
        parallelResults(maps[1]) != accResults)
      return failure();
    Location loc = contract.getLoc();
    auto asAcc = [&](Value v) {
      return vector::ShapeCastOp::create(rewriter, loc, accType, v);
    };
    rewriter.replaceOpWithNewOp<vector::FMAOp>(
        contract, asAcc(contract.getLhs()), asAcc(contract.getRhs()),
        contract.getAcc());
    return success();
  }
};

/// The value of a one-element accumulator (a scalar or a vector), and a
/// scalar put back in its type.
Value scalarOf(OpBuilder &b, Location loc, Value acc) {
  auto type = dyn_cast<VectorType>(acc.getType());
  if (!type)
    return acc;
  Value flat = vector::ShapeCastOp::create(
      b, loc, VectorType::get({1}, type.getElementType()), acc);
  return vector::ExtractOp::create(b, loc, flat, int64_t(0));
}

Value likeAccumulator(OpBuilder &b, Location loc, Type type, Value scalar) {
  if (isa<VectorType>(type))
    return vector::BroadcastOp::create(b, loc, type, scalar);
  return scalar;
}

bool isOneElement(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  return !vector || (vector.getNumElements() == 1 && !vector.isScalable());
}

/// A reduction of a whole vector into one float: a tree of adds (the
/// order a sum over particles is taken in does not matter) rather than a
/// chain of scalar adds, one per particle.
Value reduceWhole(OpBuilder &b, Location loc, vector::CombiningKind kind,
                  Value vector, Value acc) {
  auto type = cast<VectorType>(vector.getType());
  auto flatType =
      VectorType::get({type.getNumElements()}, type.getElementType());
  Value flat = vector::ShapeCastOp::create(b, loc, flatType, vector);
  return vector::ReductionOp::create(b, loc, kind, flat, scalarOf(b, loc, acc),
                                     arith::FastMathFlags::reassoc);
}

/// A float contraction into one element (the batch sum of a parameter's
/// gradient: sum_b a[b] c[b]) as a product and one reduction.
struct ContractIntoOneElement : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp contract,
                                PatternRewriter &rewriter) const override {
    Type accType = contract.getAccType();
    auto lhsType = contract.getLhsType();
    auto rhsType = contract.getRhsType();
    if (!isOneElement(accType) ||
        !isa<FloatType>(getElementTypeOrSelf(accType)) ||
        !hasAccumulatorElements(contract) ||
        contract.getKind() != vector::CombiningKind::ADD ||
        isa<vector::MaskOp>(contract->getParentOp()) || lhsType.isScalable() ||
        rhsType.isScalable() || lhsType.getNumElements() < 2 ||
        lhsType.getNumElements() != rhsType.getNumElements())
      return failure();
    // One dimension of extent above 1, which then is the reduction: both
    // operands list its elements in the same order.
    SmallVector<int64_t> bounds;
    contract.getIterationBounds(bounds);
    if (llvm::count_if(bounds, [](int64_t b) { return b > 1; }) != 1)
      return failure();
    Location loc = contract.getLoc();
    auto flatType =
        VectorType::get({lhsType.getNumElements()}, lhsType.getElementType());
    Value product = arith::MulFOp::create(
        rewriter, loc,
        vector::ShapeCastOp::create(rewriter, loc, flatType, contract.getLhs()),
        vector::ShapeCastOp::create(rewriter, loc, flatType,
                                    contract.getRhs()));
    Value sum = reduceWhole(rewriter, loc, vector::CombiningKind::ADD, product,
                            contract.getAcc());
    rewriter.replaceOp(contract, likeAccumulator(rewriter, loc, accType, sum));
    return success();
  }
};

/// A float multi-reduction into one element as one reduction.
struct MultiReductionIntoOneElement
    : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp reduction,
                                PatternRewriter &rewriter) const override {
    VectorType sourceType = reduction.getSourceVectorType();
    Type accType = reduction.getAcc().getType();
    if (!isOneElement(accType) ||
        !isa<FloatType>(getElementTypeOrSelf(accType)) ||
        sourceType.isScalable() || sourceType.getNumElements() < 2 ||
        isa<vector::MaskOp>(reduction->getParentOp()))
      return failure();
    Location loc = reduction.getLoc();
    Value whole = reduceWhole(rewriter, loc, reduction.getKind(),
                              reduction.getSource(), reduction.getAcc());
    rewriter.replaceOp(reduction,
                       likeAccumulator(rewriter, loc, accType, whole));
    return success();
  }
};

/// A reshaped splat (a weight broadcast over the batch, reshaped for an
/// FMA) is a splat of the new shape; the shape-cast lowering would build
/// it element by element.
struct ShapeCastOfSplat : OpRewritePattern<vector::ShapeCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ShapeCastOp cast,
                                PatternRewriter &rewriter) const override {
    auto splat = cast.getSource().getDefiningOp<vector::BroadcastOp>();
    if (!splat || !isOneElement(splat.getSourceType()))
      return failure();
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(
        cast, cast.getResultVectorType(),
        scalarOf(rewriter, cast.getLoc(), splat.getSource()));
    return success();
  }
};

struct AdeLowerVectorsPass
    : public ade::impl::AdeLowerVectorsBase<AdeLowerVectorsPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    MLIRContext *ctx = &getContext();
    // The canonicalizer that follows simplifies the regions once, instead
    // of each stage again.
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    auto run = [&](RewritePatternSet &&patterns, const char *stage) {
      if (failed(applyPatternsGreedily(root, std::move(patterns), config))) {
        root->emitError("internal: vector lowering (") << stage
                                                       << ") did not converge";
        return false;
      }
      return true;
    };
    {
      RewritePatternSet p(ctx);
      p.add<SplitLoopCarriedVectors, SplitElementwiseIntoRows,
            SplitBroadcastReadIntoRows>(ctx);
      if (!run(std::move(p), "rows"))
        return signalPassFailure();
    }
    {
      RewritePatternSet p(ctx);
      p.add<ContractUnitReductionToFMA, ContractIntoOneElement,
            MultiReductionIntoOneElement>(ctx, /*benefit=*/2);
      vector::populateVectorContractLoweringPatterns(
          p, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorTransferPermutationMapLoweringPatterns(p);
      vector::populateVectorMultiReductionLoweringPatterns(
          p, vector::VectorMultiReductionLowering::InnerParallel);
      if (!run(std::move(p), "contractions"))
        return signalPassFailure();
    }
    {
      RewritePatternSet p(ctx);
      populateVectorToSCFConversionPatterns(
          p, VectorTransferToSCFOptions().enableFullUnroll().setTargetRank(1));
      vector::populateVectorTransferLoweringPatterns(p, /*maxTransferRank=*/1);
      if (!run(std::move(p), "transfers"))
        return signalPassFailure();
    }
    {
      RewritePatternSet p(ctx);
      p.add<ShapeCastOfSplat>(ctx, /*benefit=*/2);
      vector::populateVectorTransposeLoweringPatterns(
          p, vector::VectorTransposeLowering::Shuffle16x16);
      vector::populateVectorShapeCastLoweringPatterns(p);
      if (!run(std::move(p), "shapes"))
        return signalPassFailure();
    }
  }
};

} // namespace
