//===- ThreadWorkspaces.cpp - Heap buffers from per-thread workspaces -----===//
//
// Buffers too large for the stack would otherwise be malloc'ed and freed on
// every tile. Instead each function takes them from one workspace per
// thread and per call depth, cached across calls: functions that can be
// live at the same time on one thread (a caller and its callees) always
// use different slots, so their buffers never overlap.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

namespace ade {
#define GEN_PASS_DEF_ADETHREADWORKSPACES
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kAcquire = "ade.thread_workspace";
constexpr int64_t kAlignment = 64;

/// Identity-layout allocations outside loops whose only deallocations are
/// direct; empty when any deallocation in `f` frees a value that is not
/// such an allocation (then nothing is safe to move).
SmallVector<memref::AllocOp> movableAllocations(func::FuncOp f) {
  SmallVector<memref::AllocOp> allocs;
  bool indirectFree = false;
  f.walk([&](Operation *op) {
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
      indirectFree |= !dealloc.getMemref().getDefiningOp<memref::AllocOp>();
    auto alloc = dyn_cast<memref::AllocOp>(op);
    if (!alloc || !alloc.getType().getLayout().isIdentity() ||
        alloc.getType().getMemorySpace() || !alloc.getSymbolOperands().empty())
      return;
    for (Operation *p = op->getParentOp(); p != f; p = p->getParentOp())
      if (isa<LoopLikeOpInterface>(p))
        return;
    allocs.push_back(alloc);
  });
  if (indirectFree)
    return {};
  return allocs;
}

int64_t elementBytes(MemRefType type) {
  return llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

struct AdeThreadWorkspacesPass
    : public ade::impl::AdeThreadWorkspacesBase<AdeThreadWorkspacesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (func::FuncOp f : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (f.isExternal())
        continue;
      SmallVector<memref::AllocOp> allocs = movableAllocations(f);
      if (allocs.empty())
        continue;
      FailureOr<int64_t> depth = callDepth(f);
      if (failed(depth))
        return signalPassFailure();
      // Static buffers share the first workspace, taken at the function's
      // start; each dynamic one gets its own, taken where it is allocated.
      SmallVector<memref::AllocOp> fixed;
      unsigned next = 1;
      for (memref::AllocOp alloc : allocs) {
        if (alloc.getType().hasStaticShape())
          fixed.push_back(alloc);
        else
          serveDynamic(alloc, slotName(*depth, next++));
      }
      if (!fixed.empty())
        serveStatic(f, fixed, slotName(*depth, 0));
    }
  }

  /// Workspaces of functions at one call depth are never live together on
  /// a thread, so they can share thread-local slots.
  static std::string slotName(int64_t depth, unsigned index) {
    return (kAcquire + ".slot" + Twine(depth) + "." + Twine(index)).str();
  }

  /// 0 for functions that call nothing, else one more than the deepest
  /// callee: a caller and its callees never share a depth.
  FailureOr<int64_t> callDepth(func::FuncOp f) {
    if (auto it = depths.find(f); it != depths.end()) {
      if (it->second < 0)
        return f.emitError("recursive functions cannot use thread "
                           "workspaces");
      return it->second;
    }
    depths[f] = -1;
    int64_t depth = 0;
    WalkResult result = f.walk([&](func::CallOp call) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (!callee || callee.isExternal())
        return WalkResult::advance();
      FailureOr<int64_t> d = callDepth(callee);
      if (failed(d))
        return WalkResult::interrupt();
      depth = std::max(depth, *d + 1);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return failure();
    depths[f] = depth;
    return depth;
  }

  /// A memref<?xi8> of `bytes` (an i64 value) from `slot`, built at `b`.
  Value acquire(OpBuilder &b, Location loc, StringRef slot, Value bytes) {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto slotType = LLVM::LLVMStructType::getLiteral(ctx, {ptrType, i64});
    if (!module.lookupSymbol(slot)) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      auto global = LLVM::GlobalOp::create(
          b, loc, slotType, /*isConstant=*/false, LLVM::Linkage::Internal,
          slot, Attribute(), /*alignment=*/0, /*addrSpace=*/0,
          /*dsoLocal=*/true, /*threadLocal=*/true);
      Block *init = b.createBlock(&global.getInitializerRegion());
      b.setInsertionPointToStart(init);
      LLVM::ReturnOp::create(b, loc,
                             LLVM::ZeroOp::create(b, loc, slotType).getResult());
    }
    if (!module.lookupSymbol(kAcquire)) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      LLVM::LLVMFuncOp::create(
          b, loc, kAcquire,
          LLVM::LLVMFunctionType::get(ptrType, {ptrType, i64}));
    }
    Value slotAddr = LLVM::AddressOfOp::create(b, loc, ptrType, slot);
    Value base = LLVM::CallOp::create(b, loc, TypeRange{ptrType}, kAcquire,
                                      ValueRange{slotAddr, bytes})
                     .getResult();
    // A descriptor around the pointer, seen as a memref<?xi8>.
    auto sizes = LLVM::LLVMArrayType::get(i64, 1);
    auto descType = LLVM::LLVMStructType::getLiteral(
        ctx, {ptrType, ptrType, i64, sizes, sizes});
    Value desc = LLVM::PoisonOp::create(b, loc, descType);
    desc = LLVM::InsertValueOp::create(b, loc, desc, base, ArrayRef<int64_t>{0});
    desc = LLVM::InsertValueOp::create(b, loc, desc, base, ArrayRef<int64_t>{1});
    desc = LLVM::InsertValueOp::create(
        b, loc, desc, LLVM::ConstantOp::create(b, loc, i64, 0),
        ArrayRef<int64_t>{2});
    desc = LLVM::InsertValueOp::create(b, loc, desc, bytes,
                                       ArrayRef<int64_t>{3, 0});
    desc = LLVM::InsertValueOp::create(
        b, loc, desc, LLVM::ConstantOp::create(b, loc, i64, 1),
        ArrayRef<int64_t>{4, 0});
    auto type = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
    return UnrealizedConversionCastOp::create(b, loc, type, desc).getResult(0);
  }

  /// Replaces `alloc` by a view at byte `offset` of `workspace`.
  static void replace(OpBuilder &b, memref::AllocOp alloc, Value workspace,
                      Value offset) {
    b.setInsertionPoint(alloc);
    Value view =
        memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(), workspace,
                               offset, alloc.getDynamicSizes());
    for (Operation *user : llvm::to_vector(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(view);
    alloc.erase();
  }

  void serveStatic(func::FuncOp f, MutableArrayRef<memref::AllocOp> allocs,
                   StringRef slot) {
    SmallVector<int64_t> offsets;
    int64_t total = 0;
    for (memref::AllocOp alloc : allocs) {
      int64_t align =
          std::max<int64_t>(kAlignment, alloc.getAlignment().value_or(1));
      total = llvm::alignTo(total, align);
      offsets.push_back(total);
      total += alloc.getType().getNumElements() * elementBytes(alloc.getType());
    }
    total = llvm::alignTo(total, kAlignment);
    OpBuilder b(f.getContext());
    b.setInsertionPointToStart(&f.getBody().front());
    Location loc = f.getLoc();
    Value workspace = acquire(
        b, loc, slot,
        LLVM::ConstantOp::create(b, loc, b.getI64Type(), total));
    for (auto [i, alloc] : llvm::enumerate(allocs)) {
      b.setInsertionPoint(alloc);
      replace(b, alloc,
              workspace,
              arith::ConstantIndexOp::create(b, alloc.getLoc(), offsets[i]));
    }
  }

  void serveDynamic(memref::AllocOp alloc, StringRef slot) {
    OpBuilder b(alloc);
    Location loc = alloc.getLoc();
    MemRefType type = alloc.getType();
    int64_t staticBytes = elementBytes(type);
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        staticBytes *= d;
    Value bytes = arith::ConstantIndexOp::create(b, loc, staticBytes);
    for (Value size : alloc.getDynamicSizes())
      bytes = arith::MulIOp::create(b, loc, bytes, size);
    Value workspace = acquire(
        b, loc, slot,
        arith::IndexCastOp::create(b, loc, b.getI64Type(), bytes));
    replace(b, alloc, workspace, arith::ConstantIndexOp::create(b, loc, 0));
  }

  llvm::DenseMap<Operation *, int64_t> depths;
};

} // namespace
