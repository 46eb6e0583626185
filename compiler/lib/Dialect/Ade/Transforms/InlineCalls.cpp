//===- InlineCalls.cpp - Every ade.call replaced by its callee's body -----===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "ade/Dialect/Ade/IR/AdeOps.h"
#include "ade/Dialect/Ade/Utils/Calls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace ade {
#define GEN_PASS_DEF_ADEINLINECALLS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeInlineCallsPass
    : public ade::impl::AdeInlineCallsBase<AdeInlineCallsPass> {
  void runOnOperation() override {
    SmallVector<ade::CallOp> calls;
    getOperation().walk([&](ade::CallOp call) { calls.push_back(call); });
    for (ade::CallOp call : calls) {
      if (!ade::getCallee(call)) {
        call.emitOpError("calls an undefined function");
        return signalPassFailure();
      }
      ade::inlineCall(call);
    }
  }
};

} // namespace
