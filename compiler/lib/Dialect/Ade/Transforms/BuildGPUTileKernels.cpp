//===- BuildGPUTileKernels.cpp - One GPU thread block per tile ------------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
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

/// A VJP kernel's scratch buffer: a header (the count of blocks done, an
/// i32), then each block's part.
constexpr int64_t kScratchHeader = 16;

/// Marks the allocations a kernel builder puts in scratch memory.
constexpr llvm::StringLiteral kScratchAttr = "ade.scratch";

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

/// Where placeBuffers put a kernel's buffers.
struct Placement {
  int64_t sharedBytes = 0;  // of the block's dynamic shared memory
  int64_t scratchBytes = 0; // of the block's part of the scratch buffer
  DenseMap<Operation *, int64_t> scratchOffsets; // allocs in scratch
};

gpu::AddressSpaceAttr workgroupSpace(OpBuilder &b) {
  return gpu::AddressSpaceAttr::get(
      b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
}

Value sharedMemory(OpBuilder &b, Location loc) {
  return gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroupSpace(b)));
}

struct AdeBuildGPUTileKernelsPass
    : public ade::impl::AdeBuildGPUTileKernelsBase<AdeBuildGPUTileKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto tiles = ade::kernelTiles(
        module, exclude, withVJPs, [](int64_t size) { return size > 1; },
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
  /// copies out; then every buffer placed in dynamic shared memory (or, in
  /// a VJP's kernel, in its block's part of the scratch buffer where shared
  /// memory does not hold it). A VJP's blocks loop over tiles (block b
  /// takes tiles b, b + grid, ...), each tile adding its parameter
  /// gradients into the block's sums in the scratch buffer; the last block
  /// to finish adds the blocks' sums in block order into the gradient
  /// arguments.
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
    Value blockId = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
    Value batch = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                             entry.getArguments().back());

    // Staging buffers for the batched arguments, for the whole kernel.
    struct Staged {
      memref::AllocOp buffer;
      Value global;
      Access access;
      bool cotangent;
    };
    SmallVector<Staged> staged;
    SmallVector<memref::AllocOp> staging, sums;
    SmallVector<Value> gradArgs;
    size_t firstSum = info.numParams + info.numBatched - info.numOutputs;
    auto isSum = [&](size_t i) {
      return i >= firstSum && i < firstSum + info.numGrads;
    };
    for (auto [i, tileArg] : llvm::enumerate(tile.getArguments())) {
      auto tileType = cast<MemRefType>(tileArg.getType());
      auto plainType =
          MemRefType::get(tileType.getShape(), tileType.getElementType());
      Value global = entry.getArgument(info.kernelArgument(i));
      if (i < info.numParams)
        continue;
      if (isSum(i)) {
        // The blocks' sums live in scratch memory: the last block reads
        // them all.
        auto sum = memref::AllocOp::create(b, loc, plainType);
        sum->setAttr(kScratchAttr, b.getUnitAttr());
        fill(b, loc, sum, 0.0);
        sums.push_back(sum);
        gradArgs.push_back(global);
        continue;
      }
      auto buffer = memref::AllocOp::create(b, loc, plainType);
      staging.push_back(buffer);
      size_t input = i - info.numParams;
      staged.push_back(
          {buffer, global, getAccess(tileArg),
           input < info.cotangent.size() && info.cotangent[input]});
    }

    // One tile (the block's, or the loop's current one) from its first
    // particle; it adds its gradients into the block's sums.
    auto runTile = [&](OpBuilder &tb, Value first) {
      Value valid = arith::MinSIOp::create(
          tb, loc, tileSize, arith::SubIOp::create(tb, loc, batch, first));
      IRMapping mapping;
      size_t next = 0, nextSum = 0;
      for (auto [i, tileArg] : llvm::enumerate(tile.getArguments())) {
        auto tileType = cast<MemRefType>(tileArg.getType());
        Value buffer;
        if (i < info.numParams) {
          buffer = entry.getArgument(i);
        } else if (isSum(i)) {
          buffer = sums[nextSum++];
        } else {
          Staged &s = staged[next++];
          if (s.access.read)
            copyRows(tb, loc, s.buffer, s.global, first, valid, /*in=*/true,
                     s.cotangent ? Padding::Zeros : Padding::FirstParticle);
          buffer = s.buffer;
        }
        mapping.map(tileArg, memref::CastOp::create(tb, loc, tileType, buffer));
      }
      for (Operation &op : tile.getBody().front().without_terminator())
        tb.clone(op, mapping);
      for (Staged &s : staged)
        if (s.access.written)
          copyRows(tb, loc, s.buffer, s.global, first, valid, /*in=*/false);
    };
    if (!info.isVJP()) {
      runTile(b, arith::MulIOp::create(b, loc, blockId, tileSize));
    } else {
      Value tiles = arith::CeilDivSIOp::create(b, loc, batch, tileSize);
      Value grid = gpu::GridDimOp::create(b, loc, gpu::Dimension::x);
      auto loop = scf::ForOp::create(b, loc, blockId, tiles, grid);
      OpBuilder lb = OpBuilder::atBlockBegin(loop.getBody());
      runTile(lb,
              arith::MulIOp::create(lb, loc, loop.getInductionVar(), tileSize));
    }
    auto terminator = gpu::ReturnOp::create(b, loc);
    // Products and sums contract into FMAs, as CUDA compilers do.
    kernel.walk([](arith::ArithFastMathInterface op) {
      op->setAttr(op.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(
                      op->getContext(), op.getFastMathFlagsAttr().getValue() |
                                            arith::FastMathFlags::contract));
    });

    // The sums' allocations are replaced by views in placement.
    SmallVector<std::pair<MemRefType, Operation *>> sumKeys;
    for (memref::AllocOp sum : sums)
      sumKeys.push_back({sum.getType(), sum.getOperation()});
    FailureOr<std::optional<Placement>> placement =
        placeBuffers(kernel, staging, info.isVJP());
    if (failed(placement))
      return failure();
    if (!*placement) {
      ade::markUnbuilt(gpuModule, kernel); // for another form to build
      kernel.erase();
      return success();
    }
    int64_t sharedBytes = (*placement)->sharedBytes;
    if (info.isVJP() && (*placement)->scratchBytes == 0)
      return kernel.emitError("internal: a VJP kernel without gradient sums");
    if (info.isVJP()) {
      b.setInsertionPoint(terminator);
      sharedBytes =
          addBlockSums(b, loc, kernel, **placement, sumKeys, gradArgs);
    }
    kernel->setAttr("ade.tile_size", b.getI64IntegerAttr(info.size));
    kernel->setAttr("ade.shared_bytes", b.getI64IntegerAttr(sharedBytes));
    if (info.isVJP())
      kernel->setAttr("ade.scratch_bytes",
                      b.getI64IntegerAttr((*placement)->scratchBytes));
    return success();
  }

  /// Fills `buffer` with `value` (a linalg op, for the threads to share).
  static void fill(OpBuilder &b, Location loc, Value buffer, double value) {
    Type element = cast<MemRefType>(buffer.getType()).getElementType();
    Value v = arith::ConstantOp::create(b, loc, b.getFloatAttr(element, value));
    linalg::FillOp::create(b, loc, v, buffer);
  }

  /// The end of a VJP kernel: thread 0 counts the block done (an atomic
  /// counter at the start of the scratch buffer, fenced on both sides);
  /// the last block adds every block's sums, in block order (the result
  /// does not depend on which block finishes last), into the gradient
  /// arguments and resets the counter for the next launch. Returns the
  /// shared bytes with the block's flag added.
  int64_t addBlockSums(OpBuilder &b, Location loc, gpu::GPUFuncOp kernel,
                       const Placement &placement,
                       ArrayRef<std::pair<MemRefType, Operation *>> sums,
                       ArrayRef<Value> gradArgs) {
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value scratch = kernel.getArgument(kernel.getNumArguments() - 2);
    Value shared = sharedMemory(b, loc);
    int64_t flagOffset = llvm::alignTo(placement.sharedBytes, kSharedAlignment);
    auto workgroup = workgroupSpace(b);
    Value flag = memref::ViewOp::create(
        b, loc,
        MemRefType::get({1}, b.getI32Type(), MemRefLayoutAttrInterface(),
                        workgroup),
        shared, index(flagOffset), ValueRange());
    Value counter =
        memref::ViewOp::create(b, loc, MemRefType::get({1}, b.getI32Type()),
                               scratch, index(0), ValueRange());
    Value zero = index(0);
    Value grid = gpu::GridDimOp::create(b, loc, gpu::Dimension::x);
    Value thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    Value isFirst =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, thread, zero);
    auto count = scf::IfOp::create(b, loc, isFirst, /*withElseRegion=*/false);
    {
      OpBuilder tb = OpBuilder::atBlockBegin(count.thenBlock());
      LLVM::FenceOp::create(tb, loc, LLVM::AtomicOrdering::acq_rel);
      Value one = arith::ConstantIntOp::create(tb, loc, 1, 32);
      Value before = memref::AtomicRMWOp::create(
          tb, loc, arith::AtomicRMWKind::addi, one, counter, ValueRange{zero});
      LLVM::FenceOp::create(tb, loc, LLVM::AtomicOrdering::acq_rel);
      Value last = arith::CmpIOp::create(
          tb, loc, arith::CmpIPredicate::eq,
          arith::IndexCastOp::create(tb, loc, tb.getIndexType(), before),
          arith::SubIOp::create(tb, loc, grid,
                                arith::ConstantIndexOp::create(tb, loc, 1)));
      memref::StoreOp::create(
          tb, loc, arith::ExtUIOp::create(tb, loc, tb.getI32Type(), last), flag,
          ValueRange{zero});
    }
    gpu::BarrierOp::create(b, loc);
    Value isLast = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        memref::LoadOp::create(b, loc, flag, ValueRange{zero}),
        arith::ConstantIntOp::create(b, loc, 0, 32));
    auto reduce = scf::IfOp::create(b, loc, isLast, /*withElseRegion=*/false);
    OpBuilder rb = OpBuilder::atBlockBegin(reduce.thenBlock());
    auto rindex = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rb, loc, v).getResult();
    };
    for (auto [sum, grad] : llvm::zip(sums, gradArgs)) {
      // Every block's copy of this sum: [grid, elements] at its offset.
      MemRefType type = sum.first;
      int64_t elementBytes = type.getElementTypeBitWidth() / 8;
      int64_t elements = type.getNumElements();
      int64_t offset = placement.scratchOffsets.lookup(sum.second);
      auto rows = memref::ViewOp::create(
          rb, loc,
          MemRefType::get(
              {ShapedType::kDynamic, placement.scratchBytes / elementBytes},
              type.getElementType()),
          scratch, rindex(kScratchHeader), ValueRange{grid});
      Value flat = grad; // gradients are flat, one buffer per owner
      scf::ParallelOp::create(
          rb, loc, ValueRange{rindex(0)}, ValueRange{rindex(elements)},
          ValueRange{rindex(1)},
          [&](OpBuilder &pb, Location ploc, ValueRange ivs) {
            Value column =
                arith::AddIOp::create(pb, ploc, ivs[0],
                                      arith::ConstantIndexOp::create(
                                          pb, ploc, offset / elementBytes));
            Value init = arith::ConstantOp::create(
                pb, ploc, pb.getZeroAttr(type.getElementType()));
            auto blocks = scf::ForOp::create(
                pb, ploc, arith::ConstantIndexOp::create(pb, ploc, 0), grid,
                arith::ConstantIndexOp::create(pb, ploc, 1), ValueRange{init},
                [&](OpBuilder &fb, Location floc, Value block, ValueRange acc) {
                  Value v = memref::LoadOp::create(fb, floc, rows,
                                                   ValueRange{block, column});
                  scf::YieldOp::create(
                      fb, floc,
                      arith::AddFOp::create(fb, floc, acc[0], v).getResult());
                });
            memref::StoreOp::create(pb, ploc, blocks.getResult(0), flat,
                                    ValueRange{ivs[0]});
          });
    }
    memref::StoreOp::create(rb, loc,
                            arith::ConstantIntOp::create(rb, loc, 0, 32),
                            counter, ValueRange{zero});
    return flagOffset + kSharedAlignment;
  }

  /// How a copy in fills the columns of a tile past the batch.
  enum class Padding {
    Zeros,        // cotangents: the padding contributes nothing to sums
    FirstParticle // values: copies of the tile's first particle, finite
  };

  /// Copies between the staging buffer [S..., T] of a tile and its rows of
  /// the particle-major `global` (particle `first + t` at row first + t),
  /// as a parallel loop: columns t >= `valid` are filled as `padding` says
  /// (as the CPU entries pad their last tile) and are not written back.
  /// With rows of 32 elements or more, the loop runs along rows (a warp
  /// reads a row's consecutive elements), otherwise along the tile (a warp
  /// reads consecutive rows).
  void copyRows(OpBuilder &b, Location loc, Value buffer, Value global,
                Value first, Value valid, bool in,
                Padding padding = Padding::Zeros) {
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
          Value inside = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, t, valid);
          // Element (s..., t) of the tile is element linear(s) of row
          // first + t (of row first, padding with the first particle).
          Value row = arith::AddIOp::create(nb, nloc, first, t);
          if (in && padding == Padding::FirstParticle)
            row = arith::SelectOp::create(nb, nloc, inside, row, first);
          Value offset = arith::MulIOp::create(
              nb, nloc, row, arith::ConstantIndexOp::create(nb, nloc, rowSize));
          int64_t stride = 1;
          for (int64_t d = rank - 2; d >= 0; --d) {
            offset = arith::AddIOp::create(
                nb, nloc, offset,
                arith::MulIOp::create(
                    nb, nloc, indices[d],
                    arith::ConstantIndexOp::create(nb, nloc, stride)));
            stride *= type.getDimSize(d);
          }
          Type elementType = type.getElementType();
          if (in && padding == Padding::FirstParticle) {
            Value v = memref::LoadOp::create(nb, nloc, global, offset);
            memref::StoreOp::create(nb, nloc, v, buffer, indices);
          } else if (in) {
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
  /// memory, or with `scratch` (VJPs) of its block's part of the scratch
  /// buffer for buffers marked kScratchAttr and, largest first, for those
  /// shared memory does not hold. Placement is first fit by live range
  /// over the kernel's ops in program order: a buffer lives from its
  /// allocation to its last use, extended over a loop that uses it but
  /// does not allocate it, or to the end of its block when it escapes
  /// liveness by views; staging buffers live throughout. Returns none when
  /// the buffers do not fit, or have elements of no fixed size.
  FailureOr<std::optional<Placement>>
  placeBuffers(gpu::GPUFuncOp kernel, ArrayRef<memref::AllocOp> staging,
               bool scratch) {
    // Program order, and the last position inside each op.
    DenseMap<Operation *, int64_t> position, last;
    int64_t count = 0;
    kernel.walk<WalkOrder::PreOrder>(
        [&](Operation *op) { position[op] = count++; });
    kernel.walk<WalkOrder::PostOrder>([&](Operation *op) {
      int64_t end = position[op];
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (Operation &nested : block)
            end = std::max(end, last[&nested]);
      last[op] = end;
    });
    auto lastUse = [&](memref::AllocOp alloc) {
      Block *home = alloc->getBlock();
      int64_t end = position[alloc];
      SmallVector<Value> worklist{alloc.getResult()};
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        for (OpOperand &use : v.getUses()) {
          Operation *user = use.getOwner();
          end = std::max(end, last[home->findAncestorOpInBlock(*user)]);
          if (auto view = dyn_cast<ViewLikeOpInterface>(user);
              (view && view.getViewSource() == v) || isa<memref::CastOp>(user))
            llvm::append_range(worklist, user->getResults());
        }
      }
      return end;
    };

    Block &entry = kernel.getBody().front();
    struct Buffer {
      memref::AllocOp alloc;
      int64_t start, end, bytes, order, offset = 0;
      bool inScratch;
    };
    SmallVector<Buffer> buffers;
    SmallVector<memref::AllocOp> allocs;
    kernel.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity()) {
        alloc.emitError("internal: dynamic buffer in a GPU kernel");
        return failure();
      }
      Type element = type.getElementType();
      bool isStaging = llvm::is_contained(staging, alloc);
      bool escaping = !isStaging && ade::escapes(alloc.getResult());
      // An escaping buffer lives to the end of its block, which must not
      // be a loop that could carry it to its next iteration.
      Block *home = alloc->getBlock();
      auto loop = dyn_cast<scf::ForOp>(home->getParentOp());
      bool carried =
          home != &entry && !(loop && loop.getNumRegionIterArgs() == 0 &&
                              loop->getBlock() == &entry);
      if ((escaping && carried) || !element.isIntOrFloat())
        return std::optional<Placement>();
      int64_t bytes = type.getNumElements() *
                      llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
      // Staging buffers and a VJP's sums (read after the tile loop by the
      // last block) live throughout.
      bool whole = isStaging || alloc->hasAttr(kScratchAttr);
      int64_t start = whole ? 0 : position[alloc];
      int64_t end = whole      ? count
                    : escaping ? last[&home->back()]
                               : lastUse(alloc);
      buffers.push_back(
          {alloc, start, end, int64_t(llvm::alignTo(bytes, kSharedAlignment)),
           int64_t(buffers.size()), 0, alloc->hasAttr(kScratchAttr)});
    }
    // By start, in program order among equal starts.
    llvm::sort(buffers, [](const Buffer &a, const Buffer &b) {
      return std::make_pair(a.start, a.order) <
             std::make_pair(b.start, b.order);
    });
    // First fit of the buffers of one memory; returns its size.
    auto place = [&](bool inScratch) {
      int64_t total = 0;
      for (size_t i = 0; i < buffers.size(); ++i) {
        Buffer &buffer = buffers[i];
        if (buffer.inScratch != inScratch)
          continue;
        // The lowest offset clear of every placed buffer live meanwhile.
        SmallVector<std::pair<int64_t, int64_t>> taken;
        for (size_t j = 0; j < i; ++j)
          if (buffers[j].inScratch == inScratch &&
              buffers[j].end >= buffer.start)
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
      return total;
    };
    Placement placement;
    // Room for the VJP's flag (addBlockSums).
    int64_t room = int64_t(maxSharedBytes) - (scratch ? kSharedAlignment : 0);
    placement.sharedBytes = place(/*inScratch=*/false);
    while (placement.sharedBytes > room) {
      Buffer *largest = nullptr;
      for (Buffer &buffer : buffers)
        if (!buffer.inScratch && !llvm::is_contained(staging, buffer.alloc) &&
            (!largest || buffer.bytes > largest->bytes))
          largest = &buffer;
      if (!scratch || !largest)
        return std::optional<Placement>();
      largest->inScratch = true;
      placement.sharedBytes = place(/*inScratch=*/false);
    }
    placement.scratchBytes = place(/*inScratch=*/true);

    auto b = OpBuilder::atBlockBegin(&entry);
    Location loc = kernel.getLoc();
    Value shared = sharedMemory(b, loc);
    Value blockScratch;
    if (placement.scratchBytes > 0) {
      // Block b's part: kScratchHeader + b * scratchBytes.
      Value blockId = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
      blockScratch = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(
              b, loc, blockId,
              arith::ConstantIndexOp::create(b, loc, placement.scratchBytes)),
          arith::ConstantIndexOp::create(b, loc, kScratchHeader));
    }
    for (Buffer &buffer : buffers) {
      MemRefType type = buffer.alloc.getType();
      Value view;
      if (buffer.inScratch) {
        placement.scratchOffsets[buffer.alloc] = buffer.offset;
        Value shift = arith::AddIOp::create(
            b, loc, blockScratch,
            arith::ConstantIndexOp::create(b, loc, buffer.offset));
        view = memref::ViewOp::create(
            b, loc, type, kernel.getArgument(kernel.getNumArguments() - 2),
            shift, ValueRange());
      } else {
        auto sharedView = memref::ViewOp::create(
            b, loc,
            MemRefType::get(type.getShape(), type.getElementType(),
                            MemRefLayoutAttrInterface(), workgroupSpace(b)),
            shared, arith::ConstantIndexOp::create(b, loc, buffer.offset),
            ValueRange());
        // Generic pointers: the users keep their types; LLVM infers the
        // shared address space back.
        view = memref::MemorySpaceCastOp::create(b, loc, type, sharedView);
      }
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    return std::optional<Placement>(std::move(placement));
  }
};

} // namespace
