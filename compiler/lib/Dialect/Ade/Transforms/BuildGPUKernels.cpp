//===- BuildGPUKernels.cpp - One GPU thread per particle ------------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace ade {
#define GEN_PASS_DEF_ADEBUILDGPUKERNELS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Batched kernel arguments are typed with this static length: the
/// bare-pointer kernel ABI needs static shapes, and nothing indexes past
/// the particle a thread owns.
constexpr int64_t kBatchedElements = int64_t(1) << 40;

struct AdeBuildGPUKernelsPass
    : public ade::impl::AdeBuildGPUKernelsBase<AdeBuildGPUKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    auto gpuModule = gpu::GPUModuleOp::create(b, module.getLoc(), moduleName);
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());

    for (auto tile : llvm::to_vector(module.getOps<func::FuncOp>())) {
      auto info = tile->getAttrOfType<DictionaryAttr>("ade.tile");
      if (!info)
        continue;
      auto size = info.getAs<IntegerAttr>("size");
      auto owners = info.getAs<ArrayAttr>("owners");
      auto owner = info.getAs<StringAttr>("owner");
      auto kind = info.getAs<StringAttr>("kind");
      if (!size || !owners || !owner || !kind) {
        tile.emitError("internal: incomplete ade.tile attribute");
        return signalPassFailure();
      }
      if (size.getInt() != 1) {
        tile.emitError("internal: GPU kernels need tile functions of one "
                       "particle (convert-ade-to-linalg{tile-size=1})");
        return signalPassFailure();
      }
      // The VJPs sum over particles: they come with a reduction scheme;
      // until then they run on the CPU only.
      if (kind.getValue().ends_with("_vjp"))
        continue;
      std::string name =
          ("ade_" + owner.getValue() + "_" + kind.getValue()).str();
      FailureOr<gpu::GPUFuncOp> kernel =
          buildKernel(gpuModule, tile, name, owners.size());
      if (failed(kernel))
        return signalPassFailure();
      if (!*kernel)
        continue;
      (*kernel)->setAttr("ade.owner", owner);
      (*kernel)->setAttr("ade.entry", kind);
    }
    // The kernels are self-contained copies: only constants they read stay.
    for (Operation &op : llvm::make_early_inc_range(*module.getBody())) {
      if (&op == gpuModule.getOperation())
        continue;
      op.erase();
    }
  }

  /// Copies the global constants the kernel reads into the GPU module.
  LogicalResult copyGlobals(gpu::GPUModuleOp gpuModule, func::FuncOp tile) {
    SymbolTable table(gpuModule);
    auto result = tile.walk([&](memref::GetGlobalOp get) {
      if (table.lookup(get.getName()))
        return WalkResult::advance();
      auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
          tile, get.getNameAttr());
      if (!global) {
        get.emitError("internal: no global ") << get.getName();
        return WalkResult::interrupt();
      }
      OpBuilder b(gpuModule.getBodyRegion());
      b.setInsertionPointToStart(gpuModule.getBody());
      table.insert(b.clone(*global));
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }

  /// Whether `buffer` or a view of it reaches an op that may alias it
  /// otherwise: a terminator (a loop's yield), an operand of a loop or
  /// branch op, an op with memref results that is no view. Liveness by
  /// views alone is then not enough (linalg ops read and write in place).
  static bool escapes(Value buffer) {
    SmallVector<Value> worklist{buffer};
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      for (OpOperand &use : v.getUses()) {
        Operation *user = use.getOwner();
        if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
          if (view.getViewSource() == v) {
            llvm::append_range(worklist, user->getResults());
            continue;
          }
        }
        if (user->hasTrait<OpTrait::IsTerminator>() ||
            isa<RegionBranchOpInterface>(user) ||
            llvm::any_of(user->getResultTypes(), llvm::IsaPred<MemRefType>))
          return true;
      }
    }
    return false;
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
      if (escapes(alloc.getResult()))
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
  FailureOr<gpu::GPUFuncOp> buildKernel(gpu::GPUModuleOp gpuModule,
                                        func::FuncOp tile, StringRef name,
                                        size_t numParams) {
    if (!tile.getBody().hasOneBlock()) {
      tile.emitError("internal: tile function with several blocks");
      return failure();
    }
    if (failed(copyGlobals(gpuModule, tile)))
      return failure();
    Location loc = tile.getLoc();
    OpBuilder b(gpuModule.getBodyRegion());
    b.setInsertionPointToEnd(gpuModule.getBody());

    SmallVector<Type> argTypes;
    SmallVector<int64_t> particleSizes;
    for (auto [i, t] : llvm::enumerate(tile.getArgumentTypes())) {
      auto type = cast<MemRefType>(t);
      if (!type.hasStaticShape()) {
        tile.emitError("internal: dynamic tile buffer");
        return failure();
      }
      if (i < numParams) {
        argTypes.push_back(
            MemRefType::get(type.getShape(), type.getElementType()));
        particleSizes.push_back(0);
        continue;
      }
      argTypes.push_back(
          MemRefType::get({kBatchedElements}, type.getElementType()));
      particleSizes.push_back(type.getNumElements());
    }
    argTypes.push_back(b.getI64Type());
    auto kernel =
        gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    kernel.setKnownBlockSizeAttr(
        b.getDenseI32ArrayAttr({int32_t(blockSize), 1, 1}));

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
      if (particleSizes[i] != 0) {
        // Particle-major row `particle` viewed as the [S..., 1] tile.
        Value offset = arith::MulIOp::create(
            b, loc, particle,
            arith::ConstantIndexOp::create(b, loc, particleSizes[i]));
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
          escapes(alloc.getResult())) {
        tile.emitWarning() << "no GPU kernel for '" << name
                           << "': a loop carries a buffer from one iteration "
                              "to the next; this entry runs on the CPU";
        kernel.erase();
        return gpu::GPUFuncOp();
      }
      privateBytes += alloc.getType().getNumElements() *
                      alloc.getType().getElementTypeBitWidth() / 8;
    }
    if (privateBytes > int64_t(maxPrivateBytes)) {
      tile.emitWarning() << "no GPU kernel for '" << name << "': one thread "
                         << "per particle would need " << privateBytes / 1024
                         << " KiB of local memory (limit "
                         << maxPrivateBytes / 1024
                         << " KiB); this entry runs on the CPU";
      kernel.erase();
      return gpu::GPUFuncOp();
    }
    for (memref::AllocOp alloc : allocs) {
      OpBuilder ab(&entry, entry.begin());
      auto alloca = memref::AllocaOp::create(
          ab, alloc.getLoc(), alloc.getType(), alloc.getAlignmentAttr());
      alloc.replaceAllUsesWith(alloca.getResult());
      alloc.erase();
    }
    return kernel;
  }
};

} // namespace
