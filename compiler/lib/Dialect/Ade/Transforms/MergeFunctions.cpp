//===- MergeFunctions.cpp - Equal private functions merged ----------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/MapVector.h"

namespace ade {
#define GEN_PASS_DEF_ADEMERGEFUNCTIONS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// A hash of what `equal` compares: the signature and every op of the body
/// (names, attributes, types; not which values they use).
static llvm::hash_code hashFunction(func::FuncOp fn) {
  llvm::hash_code hash = llvm::hash_combine(
      fn.getFunctionType(), fn.getArgAttrsAttr(), fn.getResAttrsAttr(),
      fn->getDiscardableAttrDictionary());
  fn.getBody().walk([&](Operation *op) {
    hash =
        llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                     op, OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

static bool equal(func::FuncOp a, func::FuncOp b) {
  return a.getFunctionType() == b.getFunctionType() &&
         a.getNoInline() == b.getNoInline() &&
         a.getArgAttrsAttr() == b.getArgAttrsAttr() &&
         a.getResAttrsAttr() == b.getResAttrsAttr() &&
         a->getDiscardableAttrDictionary() ==
             b->getDiscardableAttrDictionary() &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(), OperationEquivalence::IgnoreLocations);
}

struct AdeMergeFunctionsPass
    : public ade::impl::AdeMergeFunctionsBase<AdeMergeFunctionsPass> {
  void runOnOperation() override {
    for (;;) {
      FailureOr<bool> merged = mergeOnce(getOperation());
      if (failed(merged))
        return signalPassFailure();
      if (!*merged)
        return;
    }
  }

  /// Merges every private function into the first one equal to it; returns
  /// whether any was.
  static FailureOr<bool> mergeOnce(ModuleOp module) {
    llvm::MapVector<llvm::hash_code, SmallVector<func::FuncOp, 1>> kept;
    SmallVector<std::pair<func::FuncOp, func::FuncOp>> merged;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (!fn.isPrivate() || fn.isExternal())
        continue;
      SmallVector<func::FuncOp, 1> &candidates = kept[hashFunction(fn)];
      auto same = llvm::find_if(
          candidates, [&](func::FuncOp other) { return equal(other, fn); });
      if (same == candidates.end())
        candidates.push_back(fn);
      else
        merged.push_back({fn, *same});
    }
    for (auto [duplicate, original] : merged) {
      if (failed(SymbolTable::replaceAllSymbolUses(
              duplicate.getSymNameAttr(), original.getSymNameAttr(), module)))
        return duplicate.emitError("internal: cannot redirect the uses of "
                                   "this function to its equal '")
               << original.getSymName() << "'";
      duplicate.erase();
    }
    return !merged.empty();
  }
};

} // namespace
