//===- AdeDialect.cpp - The ade dialect -----------------------------------===//

#include "ade/Dialect/Ade/IR/AdeDialect.h"
#include "ade/Dialect/Ade/IR/AdeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace ade;

#include "ade/Dialect/Ade/IR/AdeOpsDialect.cpp.inc"

namespace {
/// Every ade op may be inlined: they have no regions and no state beyond
/// their operands (draws read noise, which entries pass in).
struct AdeInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void AdeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ade/Dialect/Ade/IR/AdeOps.cpp.inc"
      >();
  addInterfaces<AdeInlinerInterface>();
}

Operation *AdeDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type ||
      !arith::ConstantOp::isBuildableWith(typed, type))
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, typed);
}
