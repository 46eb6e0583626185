//===- ApproximateMath.cpp - Vector polynomials for f32 exp, log, tanh ----===//
//
// LLVM scalarizes vector exp, log and tanh into one libm call per lane. The
// polynomial approximations of the math dialect stay in vector registers.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSwitch.h"

namespace ade {
#define GEN_PASS_DEF_ADEAPPROXIMATEMATH
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// The functions whose f32 approximations stay within a few ulps wherever
/// the result is a normal float (results below FLT_MIN flush to 0, log's
/// subnormal arguments count as FLT_MIN). sin and cos are not among them:
/// their range reduction in f32 loses accuracy for large arguments.
bool isApproximated(StringRef opName) {
  return llvm::StringSwitch<bool>(opName)
      .Cases(
          {math::ExpOp::getOperationName(), math::ExpM1Op::getOperationName(),
           math::LogOp::getOperationName(), math::Log1pOp::getOperationName(),
           math::Log2Op::getOperationName(), math::TanhOp::getOperationName()},
          true)
      .Default(false);
}

struct AdeApproximateMathPass
    : public ade::impl::AdeApproximateMathBase<AdeApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    // The canonicalizer that follows simplifies the regions.
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config))) {
      getOperation()->emitError(
          "internal: math approximations did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
