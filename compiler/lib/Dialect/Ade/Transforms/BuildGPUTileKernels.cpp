//===- BuildGPUTileKernels.cpp - One GPU thread block per tile ------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace ade {
#define GEN_PASS_DEF_ADEBUILDGPUTILEKERNELS
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// Shared buffers start at multiples of this many bytes (vector loads).
constexpr int64_t kSharedAlignment = 16;

/// How a tile function uses one of its buffers.
struct Access {
  bool read = false, written = false;
};

/// What the ops reached from `buffer` through views do with it; ops the
/// analysis does not know count as reading and writing. A write through a
/// view of part of the buffer counts as a read too: the copy in must fill
/// what the tile does not write before the copy out writes it all back.
Access getAccess(Value buffer) {
  Access access;
  SmallVector<std::pair<Value, bool>> worklist{{buffer, /*partial=*/false}};
  while (!worklist.empty()) {
    auto [v, partial] = worklist.pop_back_val();
    auto write = [&, partial = partial] {
      access.written = true;
      access.read |= partial;
    };
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == v) {
        bool whole =
            isa<memref::CastOp, memref::ExpandShapeOp, memref::CollapseShapeOp>(
                user);
        for (Value result : user->getResults())
          worklist.push_back({result, partial || !whole});
        continue;
      }
      if (auto copy = dyn_cast<memref::CopyOp>(user)) {
        if (use.get() == copy.getSource())
          access.read = true;
        else
          write();
        continue;
      }
      if (isa<memref::LoadOp>(user)) {
        access.read = true;
        continue;
      }
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user)) {
        if (linalgOp.isDpsInput(&use)) {
          access.read = true;
          continue;
        }
        write();
        access.read |= linalgOp.payloadUsesValueFromOperand(&use);
        continue;
      }
      access.read = access.written = true;
    }
  }
  return access;
}

struct AdeBuildGPUTileKernelsPass
    : public ade::impl::AdeBuildGPUTileKernelsBase<AdeBuildGPUTileKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto tiles = ade::kernelTiles(
        module, exclude, [](int64_t size) { return size > 1; },
        "internal: block kernels need tiles of several particles");
    if (failed(tiles))
      return signalPassFailure();
    gpu::GPUModuleOp gpuModule = ade::createGPUModule(module, moduleName);
    for (auto &[tile, info] : *tiles) {
      ade::TileInfo named = info;
      named.kernelName += nameSuffix;
      if (failed(buildKernel(gpuModule, tile, named)))
        return signalPassFailure();
    }
    ade::keepOnlyGPUModule(module, gpuModule);
  }

  /// The kernel of `tile`: staging buffers, copies in, the tile body,
  /// copies out; then every buffer placed in dynamic shared memory.
  LogicalResult buildKernel(gpu::GPUModuleOp gpuModule, func::FuncOp tile,
                            const ade::TileInfo &info) {
    FailureOr<gpu::GPUFuncOp> created =
        ade::createKernel(gpuModule, tile, info, blockSize);
    if (failed(created))
      return failure();
    gpu::GPUFuncOp kernel = *created;
    Location loc = tile.getLoc();
    Block &entry = kernel.getBody().front();
    auto b = OpBuilder::atBlockBegin(&entry);
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value tileSize = index(info.size);
    Value first = arith::MulIOp::create(
        b, loc, gpu::BlockIdOp::create(b, loc, gpu::Dimension::x), tileSize);
    Value batch = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                             entry.getArguments().back());
    Value valid = arith::MinSIOp::create(
        b, loc, tileSize, arith::SubIOp::create(b, loc, batch, first));

    IRMapping mapping;
    SmallVector<std::pair<Value, Value>> copiesOut; // staging, global
    SmallVector<memref::AllocOp> staging;
    for (auto [i, tileArg] : llvm::enumerate(tile.getArguments())) {
      auto tileType = cast<MemRefType>(tileArg.getType());
      Value arg = entry.getArgument(i);
      if (i < info.numParams) {
        mapping.map(tileArg, memref::CastOp::create(b, loc, tileType, arg));
        continue;
      }
      auto stagingType =
          MemRefType::get(tileType.getShape(), tileType.getElementType());
      auto buffer = memref::AllocOp::create(b, loc, stagingType);
      staging.push_back(buffer);
      Access access = getAccess(tileArg);
      if (access.read)
        copyRows(b, loc, buffer, arg, first, valid, /*in=*/true);
      if (access.written)
        copiesOut.push_back({buffer, arg});
      mapping.map(tileArg, memref::CastOp::create(b, loc, tileType, buffer));
    }
    for (Operation &op : tile.getBody().front().without_terminator())
      b.clone(op, mapping);
    for (auto [buffer, arg] : copiesOut)
      copyRows(b, loc, buffer, arg, first, valid, /*in=*/false);
    gpu::ReturnOp::create(b, loc);
    // Products and sums contract into FMAs, as CUDA compilers do.
    kernel.walk([](arith::ArithFastMathInterface op) {
      op->setAttr(op.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(
                      op->getContext(), op.getFastMathFlagsAttr().getValue() |
                                            arith::FastMathFlags::contract));
    });

    FailureOr<std::optional<int64_t>> sharedBytes =
        placeInSharedMemory(kernel, staging);
    if (failed(sharedBytes))
      return failure();
    if (!*sharedBytes || **sharedBytes > int64_t(maxSharedBytes)) {
      ade::markUnbuilt(gpuModule, kernel); // for another form to build
      kernel.erase();
      return success();
    }
    kernel->setAttr("ade.tile_size", b.getI64IntegerAttr(info.size));
    kernel->setAttr("ade.shared_bytes", b.getI64IntegerAttr(**sharedBytes));
    return success();
  }

  /// Copies between the staging buffer [S..., T] of a tile and its rows of
  /// the particle-major `global` (particle `first + t` at row first + t),
  /// as a parallel loop: columns t >= `valid` read as zeros and are not
  /// written back. With rows of 32 elements or more, the loop runs along
  /// rows (a warp reads a row's consecutive elements), otherwise along
  /// the tile (a warp reads consecutive rows).
  void copyRows(OpBuilder &b, Location loc, Value buffer, Value global,
                Value first, Value valid, bool in) {
    auto type = cast<MemRefType>(buffer.getType());
    int64_t rank = type.getRank();
    int64_t rowSize = type.getNumElements() / type.getShape().back();
    bool alongRows = rowSize >= 32;
    SmallVector<Value> lower, upper, steps;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    SmallVector<int64_t> order; // loop dimension -> buffer dimension
    if (alongRows)
      order.push_back(rank - 1);
    for (int64_t d = 0; d < rank - 1; ++d)
      order.push_back(d);
    if (!alongRows)
      order.push_back(rank - 1);
    for (int64_t d : order) {
      lower.push_back(zero);
      upper.push_back(
          arith::ConstantIndexOp::create(b, loc, type.getDimSize(d)));
      steps.push_back(one);
    }
    scf::ParallelOp::create(
        b, loc, lower, upper, steps,
        [&](OpBuilder &nb, Location nloc, ValueRange ivs) {
          SmallVector<Value> indices(rank);
          for (auto [iv, d] : llvm::zip(ivs, order))
            indices[d] = iv;
          Value t = indices.back();
          // Element (s..., t) of the tile is element linear(s) of row
          // first + t.
          Value offset = arith::MulIOp::create(
              nb, nloc, arith::AddIOp::create(nb, nloc, first, t),
              arith::ConstantIndexOp::create(nb, nloc, rowSize));
          int64_t stride = 1;
          for (int64_t d = rank - 2; d >= 0; --d) {
            offset = arith::AddIOp::create(
                nb, nloc, offset,
                arith::MulIOp::create(
                    nb, nloc, indices[d],
                    arith::ConstantIndexOp::create(nb, nloc, stride)));
            stride *= type.getDimSize(d);
          }
          Value inside = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, t, valid);
          Type elementType = type.getElementType();
          if (in) {
            auto read = scf::IfOp::create(
                nb, nloc, inside,
                [&](OpBuilder &tb, Location tl) {
                  Value v = memref::LoadOp::create(tb, tl, global, offset);
                  scf::YieldOp::create(tb, tl, v);
                },
                [&](OpBuilder &eb, Location el) {
                  Value v = arith::ConstantOp::create(
                      eb, el, eb.getZeroAttr(elementType));
                  scf::YieldOp::create(eb, el, v);
                });
            memref::StoreOp::create(nb, nloc, read.getResult(0), buffer,
                                    indices);
          } else {
            scf::IfOp::create(
                nb, nloc, inside, [&](OpBuilder &tb, Location tl) {
                  Value v = memref::LoadOp::create(tb, tl, buffer, indices);
                  memref::StoreOp::create(tb, tl, v, global, offset);
                  scf::YieldOp::create(tb, tl);
                });
          }
        });
  }

  /// Replaces every buffer of `kernel` by a view of its dynamic shared
  /// memory: first fit by live range over the entry block's ops (a buffer
  /// allocated in a loop lives for the whole loop; staging buffers and
  /// buffers that escape liveness by views live to the end). Returns the
  /// bytes used; none when a buffer allocated in a region (a loop's body)
  /// escapes liveness by views, or has elements of no fixed size.
  FailureOr<std::optional<int64_t>>
  placeInSharedMemory(gpu::GPUFuncOp kernel,
                      ArrayRef<memref::AllocOp> staging) {
    Block &entry = kernel.getBody().front();
    DenseMap<Operation *, int64_t> position;
    int64_t count = 0;
    for (Operation &op : entry)
      position[&op] = count++;
    auto positionOf = [&](Operation *op) {
      return position.lookup(entry.findAncestorOpInBlock(*op));
    };
    auto lastUse = [&](Value buffer) {
      int64_t last = positionOf(buffer.getDefiningOp());
      SmallVector<Value> worklist{buffer};
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        for (OpOperand &use : v.getUses()) {
          last = std::max(last, positionOf(use.getOwner()));
          Operation *user = use.getOwner();
          if (auto view = dyn_cast<ViewLikeOpInterface>(user);
              (view && view.getViewSource() == v) || isa<memref::CastOp>(user))
            llvm::append_range(worklist, user->getResults());
        }
      }
      return last;
    };

    struct Placed {
      memref::AllocOp alloc;
      int64_t start, end, offset, bytes, order;
    };
    SmallVector<Placed> buffers;
    SmallVector<memref::AllocOp> allocs;
    kernel.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity()) {
        alloc.emitError("internal: dynamic buffer in a GPU kernel");
        return failure();
      }
      bool isStaging = llvm::is_contained(staging, alloc);
      bool escaping = !isStaging && ade::escapes(alloc.getResult());
      Type element = type.getElementType();
      if ((escaping && alloc->getBlock() != &entry) || !element.isIntOrFloat())
        return std::optional<int64_t>();
      int64_t bytes = type.getNumElements() *
                      llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
      bytes = llvm::alignTo(bytes, kSharedAlignment);
      int64_t start = isStaging ? 0 : positionOf(alloc);
      int64_t end = isStaging || escaping ? count : lastUse(alloc.getResult());
      buffers.push_back({alloc, start, end, 0, bytes, int64_t(buffers.size())});
    }
    // By start, in program order among equal starts.
    llvm::sort(buffers, [](const Placed &a, const Placed &b) {
      return std::make_pair(a.start, a.order) <
             std::make_pair(b.start, b.order);
    });
    int64_t total = 0;
    for (size_t i = 0; i < buffers.size(); ++i) {
      Placed &buffer = buffers[i];
      // The lowest offset clear of every placed buffer live at the same time.
      SmallVector<std::pair<int64_t, int64_t>> taken;
      for (size_t j = 0; j < i; ++j)
        if (buffers[j].end >= buffer.start)
          taken.push_back({buffers[j].offset, buffers[j].bytes});
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [at, bytes] : taken) {
        if (offset + buffer.bytes <= at)
          break;
        offset = std::max(offset, at + bytes);
      }
      buffer.offset = offset;
      total = std::max(total, offset + buffer.bytes);
    }

    auto b = OpBuilder::atBlockBegin(&entry);
    Location loc = kernel.getLoc();
    auto workgroup = gpu::AddressSpaceAttr::get(
        b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
    Value shared = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(), workgroup));
    for (Placed &buffer : buffers) {
      MemRefType type = buffer.alloc.getType();
      auto view = memref::ViewOp::create(
          b, loc,
          MemRefType::get(type.getShape(), type.getElementType(),
                          MemRefLayoutAttrInterface(), workgroup),
          shared, arith::ConstantIndexOp::create(b, loc, buffer.offset),
          ValueRange());
      // Generic pointers: the users keep their types; LLVM infers the
      // shared address space back.
      auto generic = memref::MemorySpaceCastOp::create(b, loc, type, view);
      buffer.alloc.replaceAllUsesWith(generic.getResult());
      buffer.alloc.erase();
    }
    return std::optional<int64_t>(total);
  }
};

} // namespace
