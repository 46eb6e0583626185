//===- NarrowMasks.cpp - Kept values compared once, kept as i1 masks ------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace ade {
#define GEN_PASS_DEF_ADENARROWMASKS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// A comparison of a value with a constant: `value <predicate> constant`,
/// or `constant <predicate> value` when !valueFirst.
struct Comparison {
  arith::CmpFPredicate predicate;
  TypedAttr constant;
  bool valueFirst;

  auto key() const {
    return std::make_tuple(unsigned(predicate), Attribute(constant),
                           unsigned(valueFirst));
  }
};

/// The one comparison with a constant that every use of `arg` makes, if
/// there is one.
std::optional<Comparison> getOnlyComparison(BlockArgument arg) {
  std::optional<Comparison> found;
  for (Operation *user : arg.getUsers()) {
    auto cmp = dyn_cast<arith::CmpFOp>(user);
    if (!cmp)
      return std::nullopt;
    bool valueFirst = cmp.getLhs() == arg;
    Value other = valueFirst ? cmp.getRhs() : cmp.getLhs();
    TypedAttr constant;
    if (other == arg || !matchPattern(other, m_Constant(&constant)))
      return std::nullopt;
    Comparison comparison{cmp.getPredicate(), constant, valueFirst};
    if (found && found->key() != comparison.key())
      return std::nullopt;
    found = comparison;
  }
  return found;
}

struct AdeNarrowMasksPass
    : public ade::impl::AdeNarrowMasksBase<AdeNarrowMasksPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk(
        [&](linalg::GenericOp generic) { generics.push_back(generic); });
    // One mask per value and comparison.
    DenseMap<std::tuple<Value, unsigned, Attribute, unsigned>, Value> masks;
    for (linalg::GenericOp generic : generics) {
      if (!generic.hasPureTensorSemantics())
        continue;
      for (OpOperand *input : generic.getDpsInputOperands()) {
        Value value = input->get();
        auto type = dyn_cast<RankedTensorType>(value.getType());
        // Only a value kept for another use too: otherwise the comparison
        // already reads it where it is computed.
        if (!type || !isa<FloatType>(type.getElementType()) ||
            value.hasOneUse())
          continue;
        BlockArgument arg = generic.getMatchingBlockArgument(input);
        if (arg.use_empty())
          continue;
        std::optional<Comparison> comparison = getOnlyComparison(arg);
        if (!comparison)
          continue;
        Value &mask =
            masks[std::tuple_cat(std::make_tuple(value), comparison->key())];
        if (!mask)
          mask = createMask(value, *comparison);
        input->set(mask);
        for (Operation *cmp : llvm::make_early_inc_range(arg.getUsers())) {
          cmp->getResult(0).replaceAllUsesWith(arg);
          cmp->erase();
        }
        arg.setType(IntegerType::get(&getContext(), 1));
      }
    }
  }

  /// `value <predicate> constant` elementwise, computed where `value` is.
  static Value createMask(Value value, const Comparison &comparison) {
    auto type = cast<RankedTensorType>(value.getType());
    OpBuilder b(value.getContext());
    b.setInsertionPointAfterValue(value);
    Location loc = value.getLoc();
    Value empty =
        tensor::EmptyOp::create(b, loc, type.getShape(), b.getI1Type());
    AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
    SmallVector<utils::IteratorType> parallel(type.getRank(),
                                              utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, TypeRange{empty.getType()}, ValueRange{value},
               ValueRange{empty}, ArrayRef<AffineMap>{identity, identity},
               parallel,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 Value constant =
                     arith::ConstantOp::create(nb, nloc, comparison.constant);
                 Value lhs = comparison.valueFirst ? args[0] : constant;
                 Value rhs = comparison.valueFirst ? constant : args[0];
                 Value cmp = arith::CmpFOp::create(
                     nb, nloc, comparison.predicate, lhs, rhs);
                 linalg::YieldOp::create(nb, nloc, cmp);
               })
        .getResult(0);
  }
};

} // namespace
