//===- NameConstantGlobals.cpp - Constant globals in a fixed order --------===//
//
// One-shot bufferization makes a memref.global per tensor constant, named
// `__constant_<shape>` with a counter in the order it meets them, and that
// order changes from run to run (table2.ade's model.so differed between two
// compiles). Sorting the globals by type and value and naming them in that
// order makes a compile's output depend on its input alone.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace ade {
#define GEN_PASS_DEF_ADENAMECONSTANTGLOBALS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kPrefix = "__constant_";

/// The printed type and value of a global: its sort key.
std::string keyOf(memref::GlobalOp global) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << global.getType() << ' ';
  if (Attribute value = global.getInitialValueAttr())
    os << value;
  return key;
}

struct AdeNameConstantGlobalsPass
    : public ade::impl::AdeNameConstantGlobalsBase<AdeNameConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<std::string, memref::GlobalOp>> globals;
    for (auto global : module.getOps<memref::GlobalOp>())
      if (global.getConstant() && global.getSymName().starts_with(kPrefix))
        globals.push_back({keyOf(global), global});
    if (globals.empty())
      return;
    llvm::stable_sort(globals, llvm::less_first());
    // Placeholder names first, so that no new name collides with an old.
    auto rename = [&](memref::GlobalOp global, const std::string &name) {
      if (failed(SymbolTable::replaceAllSymbolUses(
              global, StringAttr::get(&getContext(), name), module)))
        return false;
      global.setSymName(name);
      return true;
    };
    for (auto [i, entry] : llvm::enumerate(globals))
      if (!rename(entry.second, "ade.renaming." + std::to_string(i)))
        return signalPassFailure();
    for (auto [i, entry] : llvm::enumerate(globals))
      if (!rename(entry.second, (kPrefix + Twine(i)).str()))
        return signalPassFailure();
    // At the top of the module, in their order.
    for (auto &entry : llvm::reverse(globals))
      entry.second->moveBefore(module.getBody(), module.getBody()->begin());
  }
};

} // namespace
