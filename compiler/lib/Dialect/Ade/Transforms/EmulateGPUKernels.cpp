//===- EmulateGPUKernels.cpp - GPU kernels as host functions --------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace ade {
#define GEN_PASS_DEF_ADEEMULATEGPUKERNELS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Fields of ade_emulated_thread (runtime/include/ade/abi.h).
enum ThreadField : int32_t {
  kBarrier,
  kBlockId,
  kThreadId,
  kBlockDim,
  kGridDim,
  kShared,
  kNumFields
};

struct AdeEmulateGPUKernelsPass
    : public ade::impl::AdeEmulateGPUKernelsBase<AdeEmulateGPUKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto gpuModule :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>())) {
      for (Operation &op : llvm::make_early_inc_range(*gpuModule.getBody())) {
        if (auto kernel = dyn_cast<gpu::GPUFuncOp>(op)) {
          if (failed(emulate(kernel, module)))
            return signalPassFailure();
          continue;
        }
        // Globals (constants) and declarations move with the kernels.
        if (auto symbol = dyn_cast<SymbolOpInterface>(op)) {
          Operation *existing = symbols.lookup(symbol.getName());
          auto fn = dyn_cast<FunctionOpInterface>(op);
          if (existing && fn && fn.isExternal()) {
            op.erase();
            continue;
          }
          if (existing) {
            op.emitError("the host module defines ")
                << symbol.getName() << " too";
            return signalPassFailure();
          }
          op.moveBefore(module.getBody(), module.getBody()->end());
          symbols.insert(&op);
        }
      }
      gpuModule.erase();
    }
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }

  /// Replaces `kernel` by func.func @<name>(%params: !llvm.ptr,
  /// %thread: !llvm.ptr): the arguments are read as cuLaunchKernel passes
  /// them (params[i] points at argument i), the ids and the block's shared
  /// memory from the ade_emulated_thread, and a barrier calls back into
  /// the emulator, which switches to the block's other threads.
  LogicalResult emulate(gpu::GPUFuncOp kernel, ModuleOp module) {
    MLIRContext *ctx = kernel.getContext();
    Location loc = kernel.getLoc();
    if (!kernel.isKernel())
      return kernel.emitError("only kernels can be emulated");
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i64 = b.getI64Type();
    auto fn = func::FuncOp::create(b, loc, kernel.getName(),
                                   b.getFunctionType({ptrType, ptrType}, {}));
    for (StringRef name : {"ade.owner", "ade.entry", "ade.tile_size"})
      if (Attribute attr = kernel->getAttr(name))
        fn->setAttr(name, attr);
    fn.getBody().takeBody(kernel.getBody());
    Block *body = &fn.getBody().front();
    Block *entry = b.createBlock(&fn.getBody(), fn.getBody().begin(),
                                 {ptrType, ptrType}, {loc, loc});
    Value params = entry->getArgument(0), thread = entry->getArgument(1);

    LLVMTypeConverter converter(ctx);
    auto threadType = LLVM::LLVMStructType::getLiteral(
        ctx, {ptrType, i64, i64, i64, i64, ptrType});
    auto field = [&](ThreadField index, Type type) -> Value {
      Value address =
          LLVM::GEPOp::create(b, loc, ptrType, threadType, thread,
                              ArrayRef<LLVM::GEPArg>{0, int32_t(index)});
      return LLVM::LoadOp::create(b, loc, type, address);
    };
    auto indexField = [&](ThreadField index) -> Value {
      return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                        field(index, i64));
    };
    // A memref over `data` (static shape, identity layout) for the ops
    // that use it; reconcile-unrealized-casts removes the cast once they
    // are lowered to the LLVM dialect.
    auto memrefAt = [&](Value data, MemRefType staticType, Type type) -> Value {
      Value descriptor = MemRefDescriptor::fromStaticShape(b, loc, converter,
                                                           staticType, data);
      return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
          .getResult(0);
    };

    for (BlockArgument arg : body->getArguments()) {
      Value slot = LLVM::GEPOp::create(
          b, loc, ptrType, ptrType, params,
          ArrayRef<LLVM::GEPArg>{int32_t(arg.getArgNumber())});
      Value address = LLVM::LoadOp::create(b, loc, ptrType, slot);
      Value value;
      if (auto type = dyn_cast<MemRefType>(arg.getType())) {
        if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
            type.getMemorySpace())
          return kernel.emitError("cannot emulate a kernel argument of type ")
                 << type;
        value = memrefAt(LLVM::LoadOp::create(b, loc, ptrType, address), type,
                         type);
      } else if (arg.getType().isIntOrIndexOrFloat()) {
        value = LLVM::LoadOp::create(b, loc, arg.getType(), address);
      } else {
        return kernel.emitError("cannot emulate a kernel argument of type ")
               << arg.getType();
      }
      arg.replaceAllUsesWith(value);
    }
    body->eraseArguments(0, body->getNumArguments());

    Value blockId = indexField(kBlockId), threadId = indexField(kThreadId);
    Value blockDim = indexField(kBlockDim), gridDim = indexField(kGridDim);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value globalId = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, blockId, blockDim), threadId);
    int64_t sharedBytes = 0;
    if (auto attr = kernel->getAttrOfType<IntegerAttr>("ade.shared_bytes"))
      sharedBytes = attr.getInt();
    Value shared;
    if (sharedBytes > 0)
      shared = memrefAt(field(kShared, ptrType),
                        MemRefType::get({sharedBytes}, b.getI8Type()),
                        MemRefType::get({ShapedType::kDynamic}, b.getI8Type()));
    entry->getOperations().splice(entry->end(), body->getOperations());
    body->erase();

    // The block's x dimension only: kernels are launched on 1-d grids.
    auto pick = [&](gpu::Dimension dim, Value x, Value other) {
      return dim == gpu::Dimension::x ? x : other;
    };
    auto result = fn.walk([&](Operation *op) -> WalkResult {
      if (!isa<gpu::GPUDialect>(op->getDialect()))
        return WalkResult::advance();
      b.setInsertionPoint(op);
      Value replacement;
      if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
        replacement = pick(id.getDimension(), threadId, zero);
      else if (auto id = dyn_cast<gpu::BlockIdOp>(op))
        replacement = pick(id.getDimension(), blockId, zero);
      else if (auto id = dyn_cast<gpu::GlobalIdOp>(op))
        replacement = pick(id.getDimension(), globalId, zero);
      else if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
        replacement = pick(dim.getDimension(), blockDim, one);
      else if (auto dim = dyn_cast<gpu::GridDimOp>(op))
        replacement = pick(dim.getDimension(), gridDim, one);
      else if (isa<gpu::DynamicSharedMemoryOp>(op)) {
        if (!shared)
          return op->emitError("internal: shared memory in a kernel without "
                               "ade.shared_bytes"),
                 WalkResult::interrupt();
        replacement = shared;
      }
      if (replacement) {
        op->getResult(0).replaceAllUsesWith(replacement);
        op->erase();
        return WalkResult::skip();
      }
      if (isa<gpu::BarrierOp>(op)) {
        Value callback = field(kBarrier, ptrType);
        LLVM::CallOp::create(b, op->getLoc(),
                             LLVM::LLVMFunctionType::get(
                                 LLVM::LLVMVoidType::get(ctx), {ptrType}),
                             ValueRange{callback, thread});
        op->erase();
        return WalkResult::skip();
      }
      if (isa<gpu::ReturnOp>(op)) {
        func::ReturnOp::create(b, op->getLoc());
        op->erase();
        return WalkResult::skip();
      }
      op->emitError("cannot emulate ") << op->getName() << " on the CPU";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      return failure();
    kernel.erase();

    // Shared memory is the thread's memory here.
    AttrTypeReplacer replacer;
    replacer.addReplacement([](MemRefType type) -> std::optional<Type> {
      if (!isa_and_nonnull<gpu::AddressSpaceAttr>(type.getMemorySpace()))
        return std::nullopt;
      return MemRefType::get(type.getShape(), type.getElementType(),
                             type.getLayout());
    });
    replacer.recursivelyReplaceElementsIn(fn, /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);
    return success();
  }
};

} // namespace
