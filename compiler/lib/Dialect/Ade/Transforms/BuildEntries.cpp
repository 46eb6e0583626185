//===- BuildEntries.cpp - Batched entries around tile functions -----------===//

#include "ade/Dialect/Ade/Transforms/Passes.h"
#include "ade/Dialect/Ade/Utils/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/MapVector.h"

namespace ade {
#define GEN_PASS_DEF_ADEBUILDENTRIES
#include "ade/Dialect/Ade/Transforms/Passes.h.inc"
} // namespace ade

using namespace mlir;

namespace {

/// A tile buffer: promote-buffers-to-stack keeps small ones on the stack,
/// ade-thread-workspaces serves the others.
Value allocate(OpBuilder &b, Location loc, MemRefType type,
               ValueRange dynamicSizes = {}) {
  return memref::AllocOp::create(b, loc, type, dynamicSizes,
                                 b.getI64IntegerAttr(64));
}

/// The shapes of a bufferized tile function
///   (params per owner, inputs [S.., T], grads per owner, outputs [R.., T])
/// (its gradients added into the sums `grads`: ade-accumulate-gradients)
/// and of the entry built around it.
struct TileSignature {
  mutable func::FuncOp fn;
  std::string name; // ade_<owner>_<kind>
  int64_t tile = 0;
  SmallVector<MemRefType> params, inputs, outputs, grads;
  // The entry's parameters are the first numOwners of `params`; the rest
  // `uniform` computes from them once per call (ade-hoist-uniform-work).
  size_t numOwners = 0;
  func::FuncOp uniform;
  SmallVector<bool> cotangent; // per input: zero-padded, not replicated
  Type elem;

  /// [?, S...] from a feature-major tile type [S..., T].
  static MemRefType particleMajor(MemRefType tileType) {
    SmallVector<int64_t> shape{ShapedType::kDynamic};
    llvm::append_range(shape, tileType.getShape().drop_back());
    return MemRefType::get(shape, tileType.getElementType());
  }
  MemRefType flat() const {
    return MemRefType::get({ShapedType::kDynamic}, elem);
  }
};

struct AdeBuildEntriesPass
    : public ade::impl::AdeBuildEntriesBase<AdeBuildEntriesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The tile functions of each entry, one per tile size.
    llvm::MapVector<StringAttr, SmallVector<TileSignature, 2>> entries;
    for (auto f : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!f->hasAttr("ade.tile"))
        continue;
      FailureOr<TileSignature> sig = signature(f);
      if (failed(sig))
        return signalPassFailure();
      f.setPrivate();
      entries[StringAttr::get(&getContext(), sig->name)].push_back(
          std::move(*sig));
    }
    for (auto &[name, sigs] : entries) {
      llvm::sort(sigs, [](const TileSignature &x, const TileSignature &y) {
        return x.tile > y.tile;
      });
      OpBuilder b(module.getContext());
      for (auto [larger, s] : llvm::zip(sigs, llvm::drop_begin(sigs))) {
        if (s.tile == larger.tile) {
          s.fn.emitError("internal: two tile functions of ")
              << name.getValue() << " have " << s.tile << " particles";
          return signalPassFailure();
        }
        if (entryType(b, s) != entryType(b, larger) ||
            s.cotangent != larger.cotangent) {
          s.fn.emitError("internal: the tile functions of ")
              << name.getValue() << " differ in more than their tile size";
          return signalPassFailure();
        }
      }
      buildEntry(module, sigs);
    }
  }

  FailureOr<TileSignature> signature(func::FuncOp fn) {
    FailureOr<std::optional<ade::TileInfo>> info = ade::getTileInfo(fn);
    if (failed(info))
      return failure();
    TileSignature s;
    s.fn = fn;
    s.name = (*info)->kernelName;
    s.tile = (*info)->size;
    size_t k = (*info)->numParams, m = (*info)->numOutputs,
           n = (*info)->numBatched - m;
    // getTileInfo checked the number of arguments.
    FunctionType type = fn.getFunctionType();
    if (type.getNumResults() != 0 ||
        !llvm::all_of(type.getInputs(), llvm::IsaPred<MemRefType>))
      return fn.emitError("internal: a tile function must be bufferized to "
                          "(params, inputs, grads, outputs) before "
                          "ade-build-entries");
    SmallVector<MemRefType> all;
    for (Type t : type.getInputs())
      all.push_back(cast<MemRefType>(t));
    ArrayRef<MemRefType> rest(all);
    s.params.assign(rest.begin(), rest.begin() + k);
    s.inputs.assign(rest.begin() + k, rest.begin() + k + n);
    s.grads.assign(rest.begin() + k + n, rest.end() - m);
    s.outputs.assign(rest.end() - m, rest.end());
    s.numOwners = k - (*info)->numHoisted;
    s.elem = s.numOwners == 0 ? s.inputs[0].getElementType()
                              : s.params[0].getElementType();
    s.cotangent = (*info)->cotangent;
    if ((*info)->numHoisted) {
      s.uniform = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          fn, StringAttr::get(fn.getContext(), (*info)->uniform));
      if (!s.uniform)
        return fn.emitError("internal: no uniform function ")
               << (*info)->uniform;
    }
    return s;
  }

  /// Entry arguments: params per owner (flat), inputs and outputs
  /// particle-major, grads per owner (flat), the thread count.
  FunctionType entryType(OpBuilder &b, const TileSignature &s) {
    SmallVector<Type> args;
    for (size_t i = 0; i < s.numOwners; ++i)
      args.push_back(s.flat());
    for (MemRefType t : s.inputs)
      args.push_back(TileSignature::particleMajor(t));
    for (MemRefType t : s.outputs)
      args.push_back(TileSignature::particleMajor(t));
    for (size_t i = 0; i < s.grads.size(); ++i)
      args.push_back(s.flat());
    args.push_back(b.getI32Type());
    return b.getFunctionType(args, {});
  }

  /// Runs one full tile: transposes the tile's particles from `start` of
  /// each input into a feature-major tile, calls the tile function, copies
  /// the results back; the tile function adds its gradients into
  /// `accumulators`.
  void runTile(OpBuilder &b, Location loc, const TileSignature &s,
               ValueRange params, ValueRange inputs, ValueRange outputs,
               ValueRange accumulators, Value start) {
    Type elem = s.elem;
    OpFoldResult rows = b.getIndexAttr(s.tile);
    auto feature = [](int64_t rank) {
      SmallVector<int64_t> perm;
      for (int64_t d = 1; d <= rank; ++d)
        perm.push_back(d);
      perm.push_back(0);
      return perm;
    };
    SmallVector<Value> callArgs(params.begin(), params.end());
    for (auto [i, input] : llvm::enumerate(inputs)) {
      MemRefType tileType = s.inputs[i];
      int64_t rank = tileType.getRank() - 1;
      SmallVector<OpFoldResult> offsets, sizes, strides;
      rowRegion(b, tileType, start, rows, offsets, sizes, strides);
      Value particleMajor =
          memref::SubViewOp::create(b, loc, input, offsets, sizes, strides);
      Value t = allocate(b, loc, tileType);
      linalg::TransposeOp::create(b, loc, particleMajor, t, feature(rank));
      callArgs.push_back(t);
    }
    SmallVector<Value> outTiles;
    for (MemRefType t : s.outputs)
      outTiles.push_back(allocate(b, loc, t));
    llvm::append_range(callArgs, accumulators);
    llvm::append_range(callArgs, outTiles);
    func::CallOp::create(b, loc, s.fn, callArgs);

    for (auto [i, output] : llvm::enumerate(outputs)) {
      MemRefType tileType = s.outputs[i];
      int64_t rank = tileType.getRank() - 1;
      // Feature-major [R.., T] back to particle-major [T, R..] (one value
      // per particle needs no transpose).
      Value back = outTiles[i];
      if (rank > 0) {
        SmallVector<int64_t> shape{s.tile};
        llvm::append_range(shape, tileType.getShape().drop_back());
        back = allocate(b, loc, MemRefType::get(shape, elem));
        SmallVector<int64_t> perm{rank};
        for (int64_t d = 0; d < rank; ++d)
          perm.push_back(d);
        linalg::TransposeOp::create(b, loc, outTiles[i], back, perm);
      }
      SmallVector<OpFoldResult> offsets, sizes, strides;
      rowRegion(b, tileType, start, rows, offsets, sizes, strides);
      SmallVector<OpFoldResult> zeros(rank + 1, b.getIndexAttr(0));
      Value head = memref::SubViewOp::create(b, loc, back, zeros, sizes,
                                             strides);
      Value dst =
          memref::SubViewOp::create(b, loc, output, offsets, sizes, strides);
      linalg::CopyOp::create(b, loc, head, dst);
    }
  }

  /// Offsets, sizes and strides of `count` particles from `at` of a
  /// particle-major buffer of the tile type's features.
  static void rowRegion(OpBuilder &b, MemRefType tileType, OpFoldResult at,
                        OpFoldResult count,
                        SmallVectorImpl<OpFoldResult> &offsets,
                        SmallVectorImpl<OpFoldResult> &sizes,
                        SmallVectorImpl<OpFoldResult> &strides) {
    offsets.push_back(at);
    sizes.push_back(count);
    for (int64_t d : tileType.getShape().drop_back()) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(d));
    }
    strides.assign(tileType.getRank(), b.getIndexAttr(1));
  }

  /// Runs the last, partial tile of `rows` particles from `start` through
  /// `step`, on particle-major copies padded to a full tile: cotangent
  /// inputs with zeros, the others with copies of the first particle, so
  /// the padding stays finite and contributes nothing. Only the copies in
  /// and out are this tile's own code.
  void runPaddedTile(OpBuilder &b, Location loc, const TileSignature &s,
                     func::FuncOp step, ValueRange params, ValueRange inputs,
                     ValueRange outputs, ValueRange accumulators, Value start,
                     Value rows) {
    Type elem = s.elem;
    auto padded = [&](MemRefType tileType) {
      SmallVector<int64_t> shape{s.tile};
      llvm::append_range(shape, tileType.getShape().drop_back());
      return MemRefType::get(shape, elem);
    };
    SmallVector<Value> stepArgs(params.begin(), params.end());
    for (auto [i, input] : llvm::enumerate(inputs)) {
      MemRefType tileType = s.inputs[i];
      int64_t rank = tileType.getRank() - 1;
      Value pad = allocate(b, loc, padded(tileType));
      if (s.cotangent[i]) {
        Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0));
        linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{pad});
      } else {
        SmallVector<OpFoldResult> o, one, st;
        rowRegion(b, tileType, start, b.getIndexAttr(1), o, one, st);
        Value first = memref::SubViewOp::create(b, loc, input, o, one, st);
        // pad[t, s..] = first[0, s..]
        SmallVector<AffineExpr> firstExprs{b.getAffineConstantExpr(0)};
        for (int64_t d = 1; d <= rank; ++d)
          firstExprs.push_back(b.getAffineDimExpr(d));
        linalg::GenericOp::create(
            b, loc, ValueRange{first}, ValueRange{pad},
            ArrayRef<AffineMap>{
                AffineMap::get(rank + 1, 0, firstExprs, b.getContext()),
                b.getMultiDimIdentityMap(rank + 1)},
            SmallVector<utils::IteratorType>(rank + 1,
                                             utils::IteratorType::parallel),
            [](OpBuilder &ob, Location l, ValueRange v) {
              linalg::YieldOp::create(ob, l, ValueRange{v[0]});
            });
      }
      SmallVector<OpFoldResult> offsets, sizes, strides;
      rowRegion(b, tileType, start, rows, offsets, sizes, strides);
      Value src =
          memref::SubViewOp::create(b, loc, input, offsets, sizes, strides);
      SmallVector<OpFoldResult> zeros(rank + 1, b.getIndexAttr(0));
      Value head =
          memref::SubViewOp::create(b, loc, pad, zeros, sizes, strides);
      linalg::CopyOp::create(b, loc, src, head);
      stepArgs.push_back(memref::CastOp::create(b, loc, input.getType(), pad));
    }
    SmallVector<Value> pads;
    for (auto [i, output] : llvm::enumerate(outputs)) {
      pads.push_back(allocate(b, loc, padded(s.outputs[i])));
      stepArgs.push_back(
          memref::CastOp::create(b, loc, output.getType(), pads.back()));
    }
    llvm::append_range(stepArgs, accumulators);
    stepArgs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    func::CallOp::create(b, loc, step, stepArgs);
    for (auto [i, output] : llvm::enumerate(outputs)) {
      MemRefType tileType = s.outputs[i];
      SmallVector<OpFoldResult> offsets, sizes, strides;
      rowRegion(b, tileType, start, rows, offsets, sizes, strides);
      SmallVector<OpFoldResult> zeros(tileType.getRank(), b.getIndexAttr(0));
      Value head =
          memref::SubViewOp::create(b, loc, pads[i], zeros, sizes, strides);
      Value dst =
          memref::SubViewOp::create(b, loc, output, offsets, sizes, strides);
      linalg::CopyOp::create(b, loc, head, dst);
    }
  }

  /// acc += v, elementwise over 1-D memrefs.
  static void addInto(OpBuilder &b, Location loc, Value acc, Value v) {
    AffineMap id = b.getMultiDimIdentityMap(1);
    linalg::GenericOp::create(
        b, loc, ValueRange{v}, ValueRange{acc}, ArrayRef<AffineMap>{id, id},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [](OpBuilder &ob, Location l, ValueRange a) {
          linalg::YieldOp::create(
              ob, l, ValueRange{arith::AddFOp::create(ob, l, a[1], a[0])});
        });
  }

  /// A private helper function `name` with `types` arguments whose body
  /// `build` fills (given the block arguments).
  func::FuncOp helper(ModuleOp module, Location loc, StringRef name,
                      ArrayRef<Type> types,
                      function_ref<void(OpBuilder &, ValueRange)> build) {
    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    auto fn = func::FuncOp::create(b, loc, name, b.getFunctionType(types, {}));
    fn.setPrivate();
    Block *body = fn.addEntryBlock();
    b.setInsertionPointToStart(body);
    build(b, body->getArguments());
    func::ReturnOp::create(b, loc);
    return fn;
  }

  /// The helpers that run the tiles of one tile size.
  struct TileRunners {
    func::FuncOp anyTile; // one tile, the padded last one included
    func::FuncOp sum;     // a chunk of tiles, summing their gradients
  };

  /// step, tile and (with gradients) sum helpers of `s`, named from
  /// `prefix`.
  TileRunners buildRunners(ModuleOp module, const TileSignature &s,
                           FunctionType type, const std::string &prefix) {
    OpBuilder b(module.getContext());
    Location loc = s.fn.getLoc();
    size_t k = s.params.size(), n = s.inputs.size(), m = s.outputs.size();
    // Static views of the flat parameter and gradient buffers.
    SmallVector<Type> stepTypes;
    for (MemRefType t : s.params)
      stepTypes.push_back(t);
    for (size_t i = 0; i < n + m; ++i)
      stepTypes.push_back(type.getInput(s.numOwners + i));
    llvm::append_range(stepTypes, s.grads);
    stepTypes.push_back(b.getIndexType());
    // step(params, inputs, outputs, accumulators, start): one full tile.
    func::FuncOp step = helper(
        module, loc, prefix + ".step", stepTypes,
        [&](OpBuilder &sb, ValueRange a) {
          runTile(sb, loc, s, a.take_front(k), a.slice(k, n), a.slice(k + n, m),
                  a.slice(k + n + m, s.grads.size()), a.back());
        });
    // anyTile(params, inputs, outputs, accumulators, t, full, rem): tile t,
    // the padded last one when t == full, so that it runs in parallel with
    // the others (at batch 100 with tiles of 64, the second of two).
    SmallVector<Type> anyTypes(stepTypes.begin(), stepTypes.end() - 1);
    anyTypes.append(3, b.getIndexType());
    TileRunners runners;
    runners.anyTile = helper(
        module, loc, prefix + ".tile", anyTypes,
        [&](OpBuilder &ab, ValueRange a) {
          Value t = a[a.size() - 3], fullTiles = a[a.size() - 2],
                rows = a.back();
          Value start = arith::MulIOp::create(
              ab, loc, t, arith::ConstantIndexOp::create(ab, loc, s.tile));
          Value isFull = arith::CmpIOp::create(
              ab, loc, arith::CmpIPredicate::ult, t, fullTiles);
          ValueRange fixed = a.drop_back(3);
          scf::IfOp::create(
              ab, loc, isFull,
              [&](OpBuilder &tb, Location l) {
                SmallVector<Value> callArgs(fixed);
                callArgs.push_back(start);
                func::CallOp::create(tb, l, step, callArgs);
                scf::YieldOp::create(tb, l);
              },
              [&](OpBuilder &pb, Location l) {
                runPaddedTile(pb, l, s, step, fixed.take_front(k),
                              fixed.slice(k, n), fixed.slice(k + n, m),
                              fixed.drop_front(k + n + m), start, rows);
                scf::YieldOp::create(pb, l);
              });
        });
    if (s.grads.empty())
      return runners;
    // sum(params, inputs, outputs, sums, c, chunks, tiles, full, rem):
    // chunk c's tiles, their gradients summed into `sums`.
    SmallVector<Type> sumTypes(stepTypes.begin(), stepTypes.end() - 1);
    sumTypes.append(5, b.getIndexType());
    runners.sum = helper(
        module, loc, prefix + ".sum", sumTypes,
        [&](OpBuilder &cb, ValueRange a) {
          Value c = a[a.size() - 5], count = a[a.size() - 4],
                tiles = a[a.size() - 3], fullTiles = a[a.size() - 2],
                rows = a.back();
          Value lo = arith::DivUIOp::create(
              cb, loc, arith::MulIOp::create(cb, loc, c, tiles), count);
          Value next = arith::AddIOp::create(
              cb, loc, c, arith::ConstantIndexOp::create(cb, loc, 1));
          Value hi = arith::DivUIOp::create(
              cb, loc, arith::MulIOp::create(cb, loc, next, tiles), count);
          ValueRange sums = a.slice(k + n + m, s.grads.size());
          Value zero =
              arith::ConstantOp::create(cb, loc, cb.getFloatAttr(s.elem, 0));
          for (Value buffer : sums)
            linalg::FillOp::create(cb, loc, ValueRange{zero},
                                   ValueRange{buffer});
          scf::ForOp::create(
              cb, loc, lo, hi, arith::ConstantIndexOp::create(cb, loc, 1),
              ValueRange{},
              [&](OpBuilder &fb, Location l, Value t, ValueRange) {
                SmallVector<Value> callArgs(a.take_front(k + n + m));
                llvm::append_range(callArgs, sums);
                callArgs.append({t, fullTiles, rows});
                func::CallOp::create(fb, l, runners.anyTile, callArgs);
                scf::YieldOp::create(fb, l);
              });
        });
    return runners;
  }

  /// The entry around `sigs`, the tile functions of one entry from the
  /// largest tile size down. With several, the entry runs a smaller tile
  /// where it leaves the busiest thread more than a ninth fewer particles
  /// (padding included): at batch 64 on 2 threads, two tiles of 32 rather
  /// than one of 64. Otherwise the larger tile, whose weights are read for
  /// more particles at a time, is faster.
  void buildEntry(ModuleOp module, ArrayRef<TileSignature> sigs) {
    const TileSignature &first = sigs.front();
    OpBuilder b(module.getContext());
    Location loc = first.fn.getLoc();
    FunctionType type = entryType(b, first);
    SmallVector<TileRunners, 2> runners;
    for (const TileSignature &s : sigs)
      runners.push_back(buildRunners(
          module, s, type,
          &s == &first ? s.name : s.name + "." + std::to_string(s.tile)));

    b.setInsertionPointToEnd(module.getBody());
    auto entry = func::FuncOp::create(b, loc, first.name, type);
    entry->setAttr("ade.entry", first.fn->getAttr("ade.tile"));
    Block *body = entry.addEntryBlock();
    b.setInsertionPointToStart(body);
    ValueRange args = body->getArguments();
    Value batch = memref::DimOp::create(b, loc, args[first.numOwners], 0);
    // The threads the entry runs on (threads > 0, else OpenMP's default).
    Value threads;
    if (sigs.size() > 1 || !first.grads.empty()) {
      Value requested =
          arith::IndexCastOp::create(b, loc, b.getIndexType(), args.back());
      Value available = arith::IndexCastOp::create(
          b, loc, b.getIndexType(),
          func::CallOp::create(b, loc, ompMaxThreads(module), ValueRange{})
              .getResult(0));
      Value positive =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, requested,
                                arith::ConstantIndexOp::create(b, loc, 0));
      threads = arith::SelectOp::create(b, loc, positive, requested, available);
    }
    if (sigs.size() == 1) {
      runTiles(b, loc, first, runners.front(), args, batch, threads);
    } else {
      // Particles of the busiest thread, scaled: ceil(ceil(B / T) /
      // threads) * T * scale.
      auto busiest = [&](OpBuilder &cb, int64_t tile, int64_t scale) {
        Value cT = arith::ConstantIndexOp::create(cb, loc, tile);
        Value tiles = arith::CeilDivUIOp::create(cb, loc, batch, cT);
        Value perThread = arith::CeilDivUIOp::create(cb, loc, tiles, threads);
        return arith::MulIOp::create(
            cb, loc, perThread,
            arith::ConstantIndexOp::create(cb, loc, tile * scale));
      };
      // Size i runs unless the next smaller one leaves the busiest thread
      // more than a ninth fewer particles (9 small < 8 large); the last
      // size runs in the innermost else.
      OpBuilder cb = b;
      for (size_t i = 0; i + 1 < sigs.size(); ++i) {
        Value keep = arith::CmpIOp::create(cb, loc, arith::CmpIPredicate::ule,
                                           busiest(cb, sigs[i].tile, 8),
                                           busiest(cb, sigs[i + 1].tile, 9));
        auto choice = scf::IfOp::create(cb, loc, keep, /*withElseRegion=*/true);
        cb.setInsertionPoint(choice.thenBlock()->getTerminator());
        runTiles(cb, loc, sigs[i], runners[i], args, batch, threads);
        cb.setInsertionPoint(choice.elseBlock()->getTerminator());
      }
      runTiles(cb, loc, sigs.back(), runners.back(), args, batch, threads);
    }
    func::ReturnOp::create(b, loc);
  }

  /// Runs the batch in tiles of `s` through `runners`: in parallel over
  /// the tiles, or, with parameter gradients, over up to `threads` chunks
  /// of them.
  void runTiles(OpBuilder &b, Location loc, const TileSignature &s,
                const TileRunners &runners, ValueRange args, Value batch,
                Value threads) {
    size_t k = s.numOwners, n = s.inputs.size(), m = s.outputs.size();
    SmallVector<Value> params;
    for (size_t i = 0; i < k; ++i)
      params.push_back(memref::CastOp::create(b, loc, s.params[i], args[i]));
    if (s.uniform) {
      // The hoisted values, once for all the tiles.
      SmallVector<Value> callArgs(params);
      for (MemRefType t : ArrayRef(s.params).drop_front(k)) {
        params.push_back(allocate(b, loc, t));
        callArgs.push_back(params.back());
      }
      func::CallOp::create(b, loc, s.uniform, callArgs);
    }
    ValueRange inputs = args.slice(k, n), outputs = args.slice(k + n, m);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value cT = arith::ConstantIndexOp::create(b, loc, s.tile);
    Value full = arith::DivUIOp::create(b, loc, batch, cT);
    Value rem = arith::RemUIOp::create(b, loc, batch, cT);
    Value hasRest =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rem, c0);
    Value tiles = arith::AddIOp::create(
        b, loc, full, arith::SelectOp::create(b, loc, hasRest, c1, c0));
    SmallVector<Value> stepPrefix(params);
    llvm::append_range(stepPrefix, inputs);
    llvm::append_range(stepPrefix, outputs);

    if (s.grads.empty()) {
      // The parallel body only calls a function: convert-scf-to-openmp
      // wraps it in a memref.alloca_scope, whose region must stay one block
      // after the loops inside have been lowered to branches.
      scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{tiles}, ValueRange{},
                            std::nullopt,
                            [&](OpBuilder &ob, Location l, ValueRange ivs) {
                              SmallVector<Value> callArgs(stepPrefix);
                              callArgs.append({ivs[0], full, rem});
                              func::CallOp::create(ob, l, runners.anyTile,
                                                   callArgs);
                              scf::InParallelOp::create(ob, l);
                            });
      return;
    }
    // Parameter gradients: each of `chunks` contiguous runs of tiles sums
    // into its own row of partial sums; the rows are then added in order,
    // so the result depends on the thread count only through rounding. One
    // chunk (one thread, or one tile) sums straight into the gradients,
    // with no parallel region, buffer or copy.
    Value chunks = arith::MinUIOp::create(b, loc, threads, tiles);
    chunks = arith::MaxUIOp::create(b, loc, chunks, c1);
    SmallVector<Value> grads;
    for (size_t i = 0; i < s.grads.size(); ++i)
      grads.push_back(
          memref::CastOp::create(b, loc, s.grads[i], args[k + n + m + i]));
    Value single =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, chunks, c1);
    scf::IfOp::create(
        b, loc, single,
        [&](OpBuilder &ob, Location l) {
          SmallVector<Value> callArgs(stepPrefix);
          llvm::append_range(callArgs, grads);
          callArgs.append({c0, c1, tiles, full, rem});
          func::CallOp::create(ob, l, runners.sum, callArgs);
          scf::YieldOp::create(ob, l);
        },
        [&](OpBuilder &ob, Location l) {
          sumInParallel(ob, l, s, runners.sum, stepPrefix, grads, chunks, tiles,
                        full, rem);
          scf::YieldOp::create(ob, l);
        });
  }

  /// `chunks` > 1 runs of tiles in parallel, each summing its gradients
  /// (`sum`) into its own row of `partials`: rows of whole cache lines (no
  /// false sharing), each viewed as a gradient buffer; then `grads` = the
  /// rows added in order.
  void sumInParallel(OpBuilder &b, Location loc, const TileSignature &s,
                     func::FuncOp sum, ValueRange stepPrefix, ValueRange grads,
                     Value chunks, Value tiles, Value full, Value rem) {
    constexpr int64_t kCacheLine = 64;
    SmallVector<Value> partials;
    SmallVector<int64_t> rowBytes;
    for (MemRefType t : s.grads) {
      int64_t bytes = t.getDimSize(0) * (s.elem.getIntOrFloatBitWidth() / 8);
      rowBytes.push_back(llvm::alignTo(bytes, kCacheLine));
      Value total = arith::MulIOp::create(
          b, loc, chunks,
          arith::ConstantIndexOp::create(b, loc, rowBytes.back()));
      partials.push_back(allocate(
          b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
          ValueRange{total}));
    }
    // Row c of gradient i's partial sums.
    auto row = [&](OpBuilder &rb, Location l, size_t i, Value c) -> Value {
      Value shift = arith::MulIOp::create(
          rb, l, c, arith::ConstantIndexOp::create(rb, l, rowBytes[i]));
      return memref::ViewOp::create(rb, l, s.grads[i], partials[i], shift,
                                    ValueRange{});
    };
    // The parallel body has no loops or branches, only views and one call
    // (see the loop without gradients).
    scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{chunks}, ValueRange{},
                          std::nullopt,
                          [&](OpBuilder &ob, Location l, ValueRange ivs) {
                            SmallVector<Value> callArgs(stepPrefix);
                            for (size_t i = 0; i < s.grads.size(); ++i)
                              callArgs.push_back(row(ob, l, i, ivs[0]));
                            callArgs.append({ivs[0], chunks, tiles, full, rem});
                            func::CallOp::create(ob, l, sum, callArgs);
                            scf::InParallelOp::create(ob, l);
                          });
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(s.elem, 0));
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    for (size_t i = 0; i < s.grads.size(); ++i) {
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{grads[i]});
      scf::ForOp::create(b, loc, c0, chunks, c1, ValueRange{},
                         [&](OpBuilder &fb, Location l, Value c, ValueRange) {
                           addInto(fb, l, grads[i], row(fb, l, i, c));
                           scf::YieldOp::create(fb, l);
                         });
    }
  }

  func::FuncOp ompMaxThreads(ModuleOp module) {
    constexpr llvm::StringLiteral name = "omp_get_max_threads";
    if (auto f = module.lookupSymbol<func::FuncOp>(name))
      return f;
    OpBuilder b(module.getContext());
    b.setInsertionPointToStart(module.getBody());
    auto f = func::FuncOp::create(b, module.getLoc(), name,
                                  b.getFunctionType({}, {b.getI32Type()}));
    f.setPrivate();
    return f;
  }
};

} // namespace
