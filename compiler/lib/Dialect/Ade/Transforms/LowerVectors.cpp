//===- LowerVectors.cpp - Vector ops to what LLVM lowers well -------------===//
//
// After bufferization: contractions become outer products (broadcast + FMA
// per row), transfers become 1-D loads/stores, transposes and shape casts
// become shuffles. Three separate greedy stages: together in one pattern
// set these patterns do not terminate (design/codegen-recipe.md, pitfall 1).
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ade {
#define GEN_PASS_DEF_ADELOWERVECTORS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeLowerVectorsPass
    : public ade::impl::AdeLowerVectorsBase<AdeLowerVectorsPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    MLIRContext *ctx = &getContext();
    auto run = [&](RewritePatternSet &&patterns, const char *stage) {
      if (failed(applyPatternsGreedily(root, std::move(patterns)))) {
        root->emitError("internal: vector lowering (") << stage
                                                       << ") did not converge";
        return false;
      }
      return true;
    };
    {
      RewritePatternSet p(ctx);
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
      vector::populateVectorTransposeLoweringPatterns(
          p, vector::VectorTransposeLowering::Shuffle1D);
      vector::populateVectorShapeCastLoweringPatterns(p);
      if (!run(std::move(p), "shapes"))
        return signalPassFailure();
    }
  }
};

} // namespace
