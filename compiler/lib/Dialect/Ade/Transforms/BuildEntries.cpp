//===- BuildEntries.cpp - Batched entries around tile functions -----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace ade {
#define GEN_PASS_DEF_ADEBUILDENTRIES
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// A tile buffer: promote-buffers-to-stack keeps small ones on the stack,
/// ade-thread-workspaces serves the others.
Value allocate(OpBuilder &b, Location loc, MemRefType type) {
  return memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
}

struct AdeBuildEntriesPass
    : public ade::impl::AdeBuildEntriesBase<AdeBuildEntriesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> tiles;
    for (auto f : module.getOps<func::FuncOp>())
      if (f->hasAttr("ade.tile"))
        tiles.push_back(f);
    for (func::FuncOp tile : tiles)
      if (failed(buildEnergyEntry(module, tile)))
        return signalPassFailure();
  }

  LogicalResult buildEnergyEntry(ModuleOp module, func::FuncOp tile) {
    auto info = tile->getAttrOfType<DictionaryAttr>("ade.tile");
    FunctionType type = tile.getFunctionType();
    if (type.getNumInputs() != 3 || type.getNumResults() != 0)
      return tile.emitError("internal: a tile function must be bufferized "
                            "to (params, x, out) before ade-build-entries");
    auto paramsType = cast<MemRefType>(type.getInput(0));
    auto xTileType = cast<MemRefType>(type.getInput(1));
    auto outTileType = cast<MemRefType>(type.getInput(2));
    Type elem = paramsType.getElementType();
    int64_t t = cast<IntegerAttr>(info.get("size")).getInt();
    // Data dims: the tile's dims without the trailing batch dimension.
    ArrayRef<int64_t> data = xTileType.getShape().drop_back();
    int64_t k = data.size();

    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    Location loc = tile.getLoc();
    SmallVector<int64_t> xShape{ShapedType::kDynamic};
    xShape.append(data.begin(), data.end());
    auto entryType = b.getFunctionType(
        {MemRefType::get({ShapedType::kDynamic}, elem),
         MemRefType::get(xShape, elem),
         MemRefType::get({ShapedType::kDynamic}, elem), b.getI32Type()},
        {});
    std::string owner = cast<StringAttr>(info.get("owner")).str();
    auto entry = func::FuncOp::create(b, loc, "ade_" + owner + "_energy",
                                      entryType);
    entry->setAttr("ade.entry", info);
    Block *body = entry.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value params = body->getArgument(0), x = body->getArgument(1),
          out = body->getArgument(2);

    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value cT = arith::ConstantIndexOp::create(b, loc, t);
    Value batch = memref::DimOp::create(b, loc, x, 0);
    Value full = arith::DivUIOp::create(b, loc, batch, cT);
    Value rem = arith::RemUIOp::create(b, loc, batch, cT);
    Value p = memref::CastOp::create(b, loc, paramsType, params);

    // Transposes a particle-major [rows, data...] slice into a zero-padded
    // feature-major tile, calls the tile function, and copies `rows`
    // results to out[start:].
    auto runTile = [&](OpBuilder &ob, Value start, OpFoldResult rows,
                       bool padded) {
      SmallVector<OpFoldResult> offsets{start}, sizes{rows}, strides;
      for (int64_t d : data) {
        offsets.push_back(ob.getIndexAttr(0));
        sizes.push_back(ob.getIndexAttr(d));
      }
      strides.assign(k + 1, ob.getIndexAttr(1));
      Value slice =
          memref::SubViewOp::create(ob, loc, x, offsets, sizes, strides);
      Value particleMajor = slice;
      if (padded) {
        // The last, partial tile: zero rows beyond the batch keep the
        // tile function's arithmetic finite; their results are dropped.
        SmallVector<int64_t> paddedShape{t};
        paddedShape.append(data.begin(), data.end());
        Value pad = allocate(ob, loc, MemRefType::get(paddedShape, elem));
        Value zero = arith::ConstantOp::create(ob, loc, ob.getFloatAttr(elem, 0));
        linalg::FillOp::create(ob, loc, ValueRange{zero}, ValueRange{pad});
        SmallVector<OpFoldResult> zeros(k + 1, ob.getIndexAttr(0));
        Value head =
            memref::SubViewOp::create(ob, loc, pad, zeros, sizes, strides);
        linalg::CopyOp::create(ob, loc, slice, head);
        particleMajor = pad;
      }
      Value xTile = allocate(ob, loc, xTileType);
      SmallVector<int64_t> perm;
      for (int64_t d = 1; d <= k; ++d)
        perm.push_back(d);
      perm.push_back(0);
      linalg::TransposeOp::create(ob, loc, particleMajor, xTile, perm);
      Value outTile = allocate(ob, loc, outTileType);
      func::CallOp::create(ob, loc, tile, ValueRange{p, xTile, outTile});
      Value head = outTile;
      if (padded)
        head = memref::SubViewOp::create(
            ob, loc, outTile, ArrayRef<OpFoldResult>{ob.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{rows},
            ArrayRef<OpFoldResult>{ob.getIndexAttr(1)});
      Value dst = memref::SubViewOp::create(
          ob, loc, out, ArrayRef<OpFoldResult>{start},
          ArrayRef<OpFoldResult>{rows},
          ArrayRef<OpFoldResult>{ob.getIndexAttr(1)});
      linalg::CopyOp::create(ob, loc, head, dst);
    };

    // The parallel body only calls a step function: convert-scf-to-openmp
    // wraps it in a memref.alloca_scope, whose region must stay one block
    // after the loops inside have been lowered to branches.
    OpBuilder::InsertPoint bodyPoint = b.saveInsertionPoint();
    b.setInsertionPointToEnd(module.getBody());
    auto step = func::FuncOp::create(
        b, loc, ("ade_" + owner + "_energy.step"),
        b.getFunctionType({paramsType, entryType.getInput(1),
                           entryType.getInput(2), b.getIndexType()},
                          {}));
    step.setPrivate();
    Block *stepBody = step.addEntryBlock();
    b.setInsertionPointToStart(stepBody);
    {
      // runTile reads these three: rebind them to the step's arguments.
      Value entryP = p, entryX = x, entryOut = out;
      p = stepBody->getArgument(0);
      x = stepBody->getArgument(1);
      out = stepBody->getArgument(2);
      runTile(b, stepBody->getArgument(3), b.getIndexAttr(t),
              /*padded=*/false);
      func::ReturnOp::create(b, loc);
      p = entryP;
      x = entryX;
      out = entryOut;
    }
    b.restoreInsertionPoint(bodyPoint);
    scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{full}, ValueRange{}, std::nullopt,
        [&](OpBuilder &ob, Location l, ValueRange ivs) {
          Value start = arith::MulIOp::create(ob, l, ivs[0], cT);
          func::CallOp::create(ob, l, step, ValueRange{p, x, out, start});
          scf::InParallelOp::create(ob, l);
        });
    Value hasRest =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rem, c0);
    scf::IfOp::create(b, loc, hasRest, [&](OpBuilder &ob, Location l) {
      Value start = arith::MulIOp::create(ob, l, full, cT);
      runTile(ob, start, rem, /*padded=*/true);
      scf::YieldOp::create(ob, l);
    });
    func::ReturnOp::create(b, loc);
    tile.setPrivate();
    return success();
  }
};

} // namespace
