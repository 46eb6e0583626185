//===- Uses.h - A value's uses in program order ------------------*- C++
//-*-===//
//
// Passes that give groups of a value's uses copies of their own (an empty
// tensor, a fill) place each copy before the first use of its group, in
// program order at the level of the value's block.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_DIALECT_ADE_UTILS_USES_H
#define ADE_DIALECT_ADE_UTILS_USES_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLExtras.h"

namespace ade {

/// A use, and the op of the value's block that holds it (a use inside a
/// loop's body is held by the loop).
struct AnchoredUse {
  mlir::OpOperand *use;
  mlir::Operation *anchor;
};

/// The uses of `value`, defined in `block`, in program order of their
/// anchors.
inline llvm::SmallVector<AnchoredUse>
getUsesInProgramOrder(mlir::Value value, mlir::Block *block) {
  llvm::SmallVector<AnchoredUse> uses;
  for (mlir::OpOperand &use : value.getUses())
    uses.push_back({&use, block->findAncestorOpInBlock(*use.getOwner())});
  llvm::stable_sort(uses, [](const AnchoredUse &a, const AnchoredUse &b) {
    return a.anchor->isBeforeInBlock(b.anchor);
  });
  return uses;
}

} // namespace ade

#endif // ADE_DIALECT_ADE_UTILS_USES_H
