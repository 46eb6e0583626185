//===- BuildGPUKernels.cpp - One GPU thread per particle ------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace ade {
#define GEN_PASS_DEF_ADEBUILDGPUKERNELS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

struct AdeBuildGPUKernelsPass
    : public ade::impl::AdeBuildGPUKernelsBase<AdeBuildGPUKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto tiles = ade::kernelTiles(
        module, exclude, /*withVJPs=*/false,
        [](int64_t size) { return size == 1; },
        "internal: GPU kernels need tile functions of one particle "
        "(convert-ade-to-linalg{tile-size=1})");
    if (failed(tiles))
      return signalPassFailure();
    gpu::GPUModuleOp gpuModule = ade::createGPUModule(module, moduleName);
    for (auto &[tile, info] : *tiles)
      if (failed(buildKernel(gpuModule, tile, info)))
        return signalPassFailure();
    ade::keepOnlyGPUModule(module, gpuModule);
  }

  /// Lets buffers of one type whose live ranges in `body` do not overlap
  /// share one allocation: every thread's buffers live in local memory, and
  /// the unrolled dynamics of a sampler allocate hundreds of them. Buffers
  /// that escape (see above) keep their own.
  static void shareBuffers(Block &body) {
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : body)
      position[&op] = index++;
    // The last top-level op using the buffer or a view of it.
    auto lastUse = [&](Value buffer) {
      int64_t last = position[buffer.getDefiningOp()];
      SmallVector<Value> worklist{buffer};
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        for (OpOperand &use : v.getUses()) {
          Operation *user = body.findAncestorOpInBlock(*use.getOwner());
          last = std::max(last, position.lookup(user));
          if (auto view = dyn_cast<ViewLikeOpInterface>(use.getOwner()))
            if (view.getViewSource() == v)
              llvm::append_range(worklist, use.getOwner()->getResults());
        }
      }
      return last;
    };
    struct Slot {
      memref::AllocOp alloc;
      int64_t freeAfter;
    };
    DenseMap<Type, SmallVector<Slot>> slots;
    for (auto alloc : llvm::to_vector(body.getOps<memref::AllocOp>())) {
      if (ade::escapes(alloc.getResult()))
        continue;
      int64_t start = position[alloc];
      int64_t end = lastUse(alloc.getResult());
      SmallVector<Slot> &free = slots[alloc.getType()];
      auto reusable = llvm::find_if(
          free, [&](const Slot &slot) { return slot.freeAfter < start; });
      if (reusable == free.end()) {
        free.push_back({alloc, end});
        continue;
      }
      alloc.replaceAllUsesWith(reusable->alloc.getResult());
      alloc.erase();
      reusable->freeAfter = end;
    }
  }

  /// gpu.func @name(flat params..., particle-major buffers..., batch: i64):
  /// thread i of the grid runs the tile function on particle i < batch,
  /// reading and writing its rows in place; intermediates are private
  /// (allocas at the kernel's entry, which LLVM keeps in registers or
  /// local memory).
  LogicalResult buildKernel(gpu::GPUModuleOp gpuModule, func::FuncOp tile,
                            const ade::TileInfo &info) {
    FailureOr<gpu::GPUFuncOp> created =
        ade::createKernel(gpuModule, tile, info, blockSize);
    if (failed(created))
      return failure();
    gpu::GPUFuncOp kernel = *created;
    Location loc = tile.getLoc();
    OpBuilder b(kernel.getBody());
    Block &entry = kernel.getBody().front();
    b.setInsertionPointToStart(&entry);
    Value particle = gpu::GlobalIdOp::create(b, loc, gpu::Dimension::x);
    Value batch = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                             entry.getArguments().back());
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                         particle, batch);
    auto guard = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
    gpu::ReturnOp::create(b, loc);

    b.setInsertionPointToStart(guard.thenBlock());
    IRMapping mapping;
    for (auto [i, tileArg] : llvm::enumerate(tile.getArguments())) {
      auto tileType = cast<MemRefType>(tileArg.getType());
      Value arg = entry.getArgument(i);
      if (i >= info.numParams) {
        // Particle-major row `particle` viewed as the [S..., 1] tile.
        Value offset = arith::MulIOp::create(
            b, loc, particle,
            arith::ConstantIndexOp::create(b, loc, tileType.getNumElements()));
        SmallVector<int64_t> strides(tileType.getRank(), 1);
        for (int64_t d = tileType.getRank() - 2; d >= 0; --d)
          strides[d] = strides[d + 1] * tileType.getDimSize(d + 1);
        auto viewType =
            MemRefType::get(tileType.getShape(), tileType.getElementType(),
                            StridedLayoutAttr::get(
                                b.getContext(), ShapedType::kDynamic, strides));
        SmallVector<OpFoldResult> sizes, strideValues;
        for (int64_t d = 0; d < tileType.getRank(); ++d) {
          sizes.push_back(b.getIndexAttr(tileType.getDimSize(d)));
          strideValues.push_back(b.getIndexAttr(strides[d]));
        }
        arg = memref::ReinterpretCastOp::create(b, loc, viewType, arg, offset,
                                                sizes, strideValues);
      }
      if (arg.getType() != tileType)
        arg = memref::CastOp::create(b, loc, tileType, arg);
      mapping.map(tileArg, arg);
    }
    for (Operation &op : tile.getBody().front().without_terminator())
      b.clone(op, mapping);

    shareBuffers(*guard.thenBlock());
    // Private buffers: allocas at the entry (static allocas only are
    // promoted to registers).
    SmallVector<memref::AllocOp> allocs;
    kernel.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    int64_t privateBytes = 0;
    for (memref::AllocOp alloc : allocs) {
      if (!alloc.getType().hasStaticShape()) {
        alloc.emitError("internal: dynamic buffer in a GPU kernel");
        return failure();
      }
      // One alloca at the entry serves every iteration of a loop: wrong
      // for a buffer that a loop carries to its next iteration.
      if (alloc->getBlock() != guard.thenBlock() &&
          ade::escapes(alloc.getResult())) {
        tile.emitWarning() << "no GPU kernel for '" << info.kernelName
                           << "': a loop carries a buffer from one iteration "
                              "to the next; this entry runs on the CPU";
        kernel.erase();
        return success();
      }
      privateBytes += alloc.getType().getNumElements() *
                      alloc.getType().getElementTypeBitWidth() / 8;
    }
    if (privateBytes > int64_t(maxPrivateBytes)) {
      tile.emitWarning() << "no GPU kernel for '" << info.kernelName << "': "
                         << (!afterBlocks
                                 ? ""
                                 : "its tile fits in no block's shared "
                                   "memory, and ")
                         << "one thread "
                         << "per particle would need " << privateBytes / 1024
                         << " KiB of local memory (limit "
                         << maxPrivateBytes / 1024
                         << " KiB); this entry runs on the CPU";
      kernel.erase();
      return success();
    }
    for (memref::AllocOp alloc : allocs) {
      OpBuilder ab(&entry, entry.begin());
      auto alloca = memref::AllocaOp::create(
          ab, alloc.getLoc(), alloc.getType(), alloc.getAlignmentAttr());
      alloc.replaceAllUsesWith(alloca.getResult());
      alloc.erase();
    }
    return success();
  }
};

} // namespace
