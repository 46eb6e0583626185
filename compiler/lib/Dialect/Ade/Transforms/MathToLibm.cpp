//===- MathToLibm.cpp - libm calls for expm1 and log1p --------------------===//
//
// MLIR's LLVM lowering expands expm1 and log1p into exp(x) - 1 and
// log(1 + x), which cancel near 0; libm computes them exactly.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace ade {
#define GEN_PASS_DEF_ADEMATHTOLIBM
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeMathToLibmPass
    : public ade::impl::AdeMathToLibmBase<AdeMathToLibmPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathToLibmConversionPatterns(patterns);
    // Only expm1 and log1p are illegal, so a partial conversion applies
    // libm's patterns to them alone.
    ConversionTarget target(getContext());
    target.addIllegalOp<math::ExpM1Op, math::Log1pOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
