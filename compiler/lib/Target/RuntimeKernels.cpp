//===- RuntimeKernels.cpp - The training runtime's own GPU kernels --------===//

#include "RuntimeKernels.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <string>

using namespace mlir;

namespace {

/// Parameters updated per thread of the Adam kernel (a block's tile is
/// this times the block size): fewer atomic additions of the statistics.
constexpr unsigned kElementsPerThread = 16;

/// The kernels, with $T (the entries' element type), $EXT and $TRUNC (its
/// conversions to and from f64), $BLOCK, $SHARED, $K and $TILE to fill in.
/// Vectors are as long as a batch buffer; the batch argument is the
/// element count.
///
/// ade_runtime_adam: one step of aderun's Adam (runtime/lib/Trainer.cpp,
/// the same operations in the same order) on f64 master parameters and
/// moments, with the gradient sign * (a - b) (b when hyper[7] > 0) of the
/// entries' gradients, clipped to +-(3 / sqrt(hyper[5]) sqrt(v) + 0.1) when
/// hyper[5] > 0; writes the parameters in $T for the entries, and adds the
/// gradient's squared norm and the count of non-finite gradients and
/// parameters to hyper[8] and hyper[9] (zero before the launch).
/// hyper: lr, beta1, beta2, 1 - beta1^t, 1 - beta2^t, the clip's
/// 1 - beta2^t (0: no clip), sign, b?, then the two sums.
///
/// ade_runtime_ema: avg = decay avg + (1 - decay) master (hyper[0] the
/// decay; hyper[1] > 0 starts the average at master).
///
/// ade_runtime_noise: value i of a sampler's noise, layout[2] values per
/// particle, layout[3 + i mod layout[2]] its kind (0 normal, else uniform):
/// Philox4x32-10 of the counter (i, 0) and the key (layout[0], layout[1]);
/// a 53-bit u from its first two words and another from the last two;
/// uniforms are u ($UNIFORM: 24 bits in f32, which never round up to 1),
/// normals sqrt(-2 log(1 - u)) cos(2 pi u'). ade::philoxNoise
/// (runtime/lib/Random.cpp) is the same on the host.
///
/// ade_runtime_rows: value i of a training batch drawn from the rows of a
/// data set on the GPU (params: its columns, its rows, the batch's first
/// particle number, flags (1: dequantize) and the f64 scale of the added
/// normal noise as two words), with the noise's key (layout[0],
/// layout[1]): ade::philoxDataValue on the host.
constexpr const char *kRuntimeKernels = R"mlir(
module attributes {gpu.container_module} {
gpu.module @ade_runtime {
  gpu.func @ade_runtime_adam(%master: memref<1099511627776xf64>,
      %m: memref<1099511627776xf64>, %v: memref<1099511627776xf64>,
      %params: memref<1099511627776x$T>, %a: memref<1099511627776x$T>,
      %b: memref<1099511627776x$T>, %hyper: memref<10xf64>, %n: i64) kernel
      attributes {ade.owner = "ade.runtime", ade.entry = "adam",
                  ade.tile_size = $TILE : i64, ade.shared_bytes = $SHARED : i64,
                  known_block_size = array<i32: $BLOCK, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c6 = arith.constant 6 : index
    %c7 = arith.constant 7 : index
    %c8 = arith.constant 8 : index
    %c9 = arith.constant 9 : index
    %cK = arith.constant $K : index
    %cTile = arith.constant $TILE : index
    %zero = arith.constant 0.0 : f64
    %one = arith.constant 1.0 : f64
    %three = arith.constant 3.0 : f64
    %tenth = arith.constant 0.1 : f64
    %epsilon = arith.constant 1.0e-8 : f64
    %lr = memref.load %hyper[%c0] : memref<10xf64>
    %beta1 = memref.load %hyper[%c1] : memref<10xf64>
    %beta2 = memref.load %hyper[%c2] : memref<10xf64>
    %corr1 = memref.load %hyper[%c3] : memref<10xf64>
    %corr2 = memref.load %hyper[%c4] : memref<10xf64>
    %clip = memref.load %hyper[%c5] : memref<10xf64>
    %sign = memref.load %hyper[%c6] : memref<10xf64>
    %useB = memref.load %hyper[%c7] : memref<10xf64>
    %clipping = arith.cmpf ogt, %clip, %zero : f64
    %usingB = arith.cmpf ogt, %useB, %zero : f64
    %oneMinusBeta1 = arith.subf %one, %beta1 : f64
    %oneMinusBeta2 = arith.subf %one, %beta2 : f64
    %stepSize = arith.divf %lr, %corr1 : f64
    %rootCorr2 = math.sqrt %corr2 : f64
    %rootC2 = arith.divf %one, %rootCorr2 : f64
    %rootClip = math.sqrt %clip : f64
    %clipRootC2 = arith.divf %three, %rootClip : f64
    %count = arith.index_cast %n : i64 to index
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %dim = gpu.block_dim x
    %tileStart = arith.muli %bid, %cTile : index
    %start = arith.addi %tileStart, %tid : index
    %sums:2 = scf.for %j = %c0 to %cK step %c1
        iter_args(%sq = %zero, %bad = %zero) -> (f64, f64) {
      %stride = arith.muli %j, %dim : index
      %i = arith.addi %start, %stride : index
      %inside = arith.cmpi ult, %i, %count : index
      %next:2 = scf.if %inside -> (f64, f64) {
        %ai = memref.load %a[%i] : memref<1099511627776x$T>
        %a64 = $EXT %ai : $T to f64
        %bi = memref.load %b[%i] : memref<1099511627776x$T>
        %b64 = $EXT %bi : $T to f64
        %bUsed = arith.select %usingB, %b64, %zero : f64
        %difference = arith.subf %a64, %bUsed : f64
        %g0 = arith.mulf %sign, %difference : f64
        %square = arith.mulf %g0, %g0 : f64
        %sqNext = arith.addf %sq, %square : f64
        %vi = memref.load %v[%i] : memref<1099511627776xf64>
        %root = math.sqrt %vi : f64
        %bound3 = arith.mulf %clipRootC2, %root : f64
        %bound = arith.addf %bound3, %tenth : f64
        %lowBound = arith.negf %bound : f64
        %below = arith.cmpf olt, %g0, %lowBound : f64
        %raised = arith.select %below, %lowBound, %g0 : f64
        %above = arith.cmpf olt, %bound, %raised : f64
        %clipped = arith.select %above, %bound, %raised : f64
        %g = arith.select %clipping, %clipped, %g0 : f64
        %mi = memref.load %m[%i] : memref<1099511627776xf64>
        %mDecayed = arith.mulf %beta1, %mi : f64
        %mAdded = arith.mulf %oneMinusBeta1, %g : f64
        %mNext = arith.addf %mDecayed, %mAdded : f64
        %vDecayed = arith.mulf %beta2, %vi : f64
        %vScaled = arith.mulf %oneMinusBeta2, %g : f64
        %vAdded = arith.mulf %vScaled, %g : f64
        %vNext = arith.addf %vDecayed, %vAdded : f64
        memref.store %mNext, %m[%i] : memref<1099511627776xf64>
        memref.store %vNext, %v[%i] : memref<1099511627776xf64>
        %vRoot = math.sqrt %vNext : f64
        %vHatRoot = arith.mulf %vRoot, %rootC2 : f64
        %denominator = arith.addf %vHatRoot, %epsilon : f64
        %numerator = arith.mulf %stepSize, %mNext : f64
        %step = arith.divf %numerator, %denominator : f64
        %pi = memref.load %master[%i] : memref<1099511627776xf64>
        %pNext = arith.subf %pi, %step : f64
        memref.store %pNext, %master[%i] : memref<1099511627776xf64>
        %pEntry = $TRUNC %pNext : f64 to $T
        memref.store %pEntry, %params[%i] : memref<1099511627776x$T>
        // x - x is 0 exactly when x is finite.
        %gZero = arith.subf %g0, %g0 : f64
        %gFinite = arith.cmpf oeq, %gZero, %zero : f64
        %pZero = arith.subf %pNext, %pNext : f64
        %pFinite = arith.cmpf oeq, %pZero, %zero : f64
        %finite = arith.andi %gFinite, %pFinite : i1
        %badOne = arith.select %finite, %zero, %one : f64
        %badNext = arith.addf %bad, %badOne : f64
        scf.yield %sqNext, %badNext : f64, f64
      } else {
        scf.yield %sq, %bad : f64, f64
      }
      scf.yield %next#0, %next#1 : f64, f64
    }
    // The block's sums, added by its first thread: one atomic addition
    // per block and statistic.
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %shared = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<$TWOBLOCKxf64, #gpu.address_space<workgroup>>
    memref.store %sums#0, %shared[%tid] : memref<$TWOBLOCKxf64, #gpu.address_space<workgroup>>
    %tidBad = arith.addi %tid, %dim : index
    memref.store %sums#1, %shared[%tidBad] : memref<$TWOBLOCKxf64, #gpu.address_space<workgroup>>
    gpu.barrier
    %first = arith.cmpi eq, %tid, %c0 : index
    scf.if %first {
      %total:2 = scf.for %t = %c0 to %dim step %c1
          iter_args(%s0 = %zero, %s1 = %zero) -> (f64, f64) {
        %x0 = memref.load %shared[%t] : memref<$TWOBLOCKxf64, #gpu.address_space<workgroup>>
        %t1 = arith.addi %t, %dim : index
        %x1 = memref.load %shared[%t1] : memref<$TWOBLOCKxf64, #gpu.address_space<workgroup>>
        %y0 = arith.addf %s0, %x0 : f64
        %y1 = arith.addf %s1, %x1 : f64
        scf.yield %y0, %y1 : f64, f64
      }
      %old0 = memref.atomic_rmw addf %total#0, %hyper[%c8] : (f64, memref<10xf64>) -> f64
      %old1 = memref.atomic_rmw addf %total#1, %hyper[%c9] : (f64, memref<10xf64>) -> f64
    }
    gpu.return
  }

  gpu.func @ade_runtime_ema(%avg: memref<1099511627776xf64>,
      %master: memref<1099511627776xf64>, %hyper: memref<2xf64>, %n: i64)
      kernel attributes {ade.owner = "ade.runtime", ade.entry = "ema",
                         known_block_size = array<i32: $BLOCK, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %zero = arith.constant 0.0 : f64
    %one = arith.constant 1.0 : f64
    %i = gpu.global_id x
    %count = arith.index_cast %n : i64 to index
    %inside = arith.cmpi ult, %i, %count : index
    scf.if %inside {
      %decay = memref.load %hyper[%c0] : memref<2xf64>
      %start = memref.load %hyper[%c1] : memref<2xf64>
      %x = memref.load %master[%i] : memref<1099511627776xf64>
      %starting = arith.cmpf ogt, %start, %zero : f64
      scf.if %starting {
        memref.store %x, %avg[%i] : memref<1099511627776xf64>
      } else {
        %old = memref.load %avg[%i] : memref<1099511627776xf64>
        %kept = arith.mulf %decay, %old : f64
        %oneMinusDecay = arith.subf %one, %decay : f64
        %added = arith.mulf %oneMinusDecay, %x : f64
        %next = arith.addf %kept, %added : f64
        memref.store %next, %avg[%i] : memref<1099511627776xf64>
      }
    }
    gpu.return
  }

  // Philox4x32-10 of the counter (c0, c1, c2, 0) and the key (k0, k1).
  func.func private @ade_runtime_philox(%c0: i32, %c1: i32, %c2: i32,
      %k0: i32, %k1: i32) -> (i32, i32, i32, i32) {
    %first = arith.constant 0 : index
    %step = arith.constant 1 : index
    %rounds = arith.constant 10 : index
    %zero32 = arith.constant 0 : i32
    // 0xD2511F53, 0xCD9E8D57 (multipliers), 0x9E3779B9, 0xBB67AE85 (key
    // increments).
    %m0 = arith.constant -766435501 : i32
    %m1 = arith.constant -845247145 : i32
    %w0 = arith.constant -1640531527 : i32
    %w1 = arith.constant -1150833019 : i32
    %r:6 = scf.for %round = %first to %rounds step %step
        iter_args(%x0 = %c0, %x1 = %c1, %x2 = %c2, %x3 = %zero32,
                  %y0 = %k0, %y1 = %k1)
        -> (i32, i32, i32, i32, i32, i32) {
      %lo0, %hi0 = arith.mului_extended %m0, %x0 : i32
      %lo1, %hi1 = arith.mului_extended %m1, %x2 : i32
      %t0 = arith.xori %hi1, %x1 : i32
      %n0 = arith.xori %t0, %y0 : i32
      %t2 = arith.xori %hi0, %x3 : i32
      %n2 = arith.xori %t2, %y1 : i32
      %z0 = arith.addi %y0, %w0 : i32
      %z1 = arith.addi %y1, %w1 : i32
      scf.yield %n0, %lo1, %n2, %lo0, %z0, %z1 : i32, i32, i32, i32, i32, i32
    }
    return %r#0, %r#1, %r#2, %r#3 : i32, i32, i32, i32
  }

  // A uniform on [0, 1) from 53 bits of two Philox words.
  func.func private @ade_runtime_u53(%high: i32, %low: i32) -> f64 {
    %shift5 = arith.constant 5 : i32
    %shift6 = arith.constant 6 : i32
    %shift26 = arith.constant 26 : i64
    %twoToMinus53 = arith.constant 1.1102230246251565e-16 : f64
    %a32 = arith.shrui %high, %shift5 : i32
    %b32 = arith.shrui %low, %shift6 : i32
    %a = arith.extui %a32 : i32 to i64
    %b = arith.extui %b32 : i32 to i64
    %aHigh = arith.shli %a, %shift26 : i64
    %ab = arith.addi %aHigh, %b : i64
    %abF = arith.uitofp %ab : i64 to f64
    %u = arith.mulf %abF, %twoToMinus53 : f64
    return %u : f64
  }

  // Value `index` of stream `stream`: u53 of the first two words (and the
  // top 24 bits of the first, `u24`), and a standard normal by Box-Muller
  // from u53 and the last two words.
  func.func private @ade_runtime_draw(%index: i64, %stream: i32, %k0: i32,
      %k1: i32) -> (f64, f64, f64) {
    %shift8 = arith.constant 8 : i32
    %shift32 = arith.constant 32 : i64
    %one = arith.constant 1.0 : f64
    %minusTwo = arith.constant -2.0 : f64
    %twoPi = arith.constant 6.283185307179586 : f64
    %twoToMinus24 = arith.constant 5.9604644775390625e-08 : f64
    %ctr0 = arith.trunci %index : i64 to i32
    %high = arith.shrui %index, %shift32 : i64
    %ctr1 = arith.trunci %high : i64 to i32
    %r:4 = func.call @ade_runtime_philox(%ctr0, %ctr1, %stream, %k0, %k1)
        : (i32, i32, i32, i32, i32) -> (i32, i32, i32, i32)
    %u53 = func.call @ade_runtime_u53(%r#0, %r#1) : (i32, i32) -> f64
    %v53 = func.call @ade_runtime_u53(%r#2, %r#3) : (i32, i32) -> f64
    %top = arith.shrui %r#0, %shift8 : i32
    %topF = arith.uitofp %top : i32 to f64
    %u24 = arith.mulf %topF, %twoToMinus24 : f64
    %u1 = arith.subf %one, %u53 : f64
    %logU = math.log %u1 : f64
    %radiusSquared = arith.mulf %minusTwo, %logU : f64
    %radius = math.sqrt %radiusSquared : f64
    %angle = arith.mulf %twoPi, %v53 : f64
    %cosine = math.cos %angle : f64
    %normal = arith.mulf %radius, %cosine : f64
    return %u53, %u24, %normal : f64, f64, f64
  }

  gpu.func @ade_runtime_noise(%out: memref<1099511627776x$T>,
      %layout: memref<1099511627776xi32>, %n: i64) kernel
      attributes {ade.owner = "ade.runtime", ade.entry = "noise",
                  known_block_size = array<i32: $BLOCK, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %zero32 = arith.constant 0 : i32
    %i = gpu.global_id x
    %count = arith.index_cast %n : i64 to index
    %inside = arith.cmpi ult, %i, %count : index
    scf.if %inside {
      %k0 = memref.load %layout[%c0] : memref<1099511627776xi32>
      %k1 = memref.load %layout[%c1] : memref<1099511627776xi32>
      %perParticle32 = memref.load %layout[%c2] : memref<1099511627776xi32>
      %perParticle = arith.index_castui %perParticle32 : i32 to index
      %slot = arith.remui %i, %perParticle : index
      %kindAt = arith.addi %slot, %c3 : index
      %kind = memref.load %layout[%kindAt] : memref<1099511627776xi32>
      %e = arith.index_castui %i : index to i64
      %u53, %u24, %normal = func.call @ade_runtime_draw(%e, %zero32, %k0, %k1)
          : (i64, i32, i32, i32) -> (f64, f64, f64)
      %isUniform = arith.cmpi ne, %kind, %zero32 : i32
      %value = arith.select %isUniform, $UNIFORM, %normal : f64
      %valueT = $TRUNC %value : f64 to $T
      memref.store %valueT, %out[%i] : memref<1099511627776x$T>
    }
    gpu.return
  }

  gpu.func @ade_runtime_rows(%out: memref<1099511627776x$T>,
      %data: memref<1099511627776x$T>, %layout: memref<1099511627776xi32>,
      %params: memref<1099511627776xi32>, %n: i64) kernel
      attributes {ade.owner = "ade.runtime", ade.entry = "rows",
                  known_block_size = array<i32: $BLOCK, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %zero32 = arith.constant 0 : i32
    %one32 = arith.constant 1 : i32
    %two32 = arith.constant 2 : i32
    %three32 = arith.constant 3 : i32
    %shift32 = arith.constant 32 : i64
    %zero = arith.constant 0.0 : f64
    %levels = arith.constant 255.0 : f64
    %bins = arith.constant 256.0 : f64
    %i = gpu.global_id x
    %count = arith.index_cast %n : i64 to index
    %inside = arith.cmpi ult, %i, %count : index
    scf.if %inside {
      %k0 = memref.load %layout[%c0] : memref<1099511627776xi32>
      %k1 = memref.load %layout[%c1] : memref<1099511627776xi32>
      %cols32 = memref.load %params[%c0] : memref<1099511627776xi32>
      %rows32 = memref.load %params[%c1] : memref<1099511627776xi32>
      %first32 = memref.load %params[%c2] : memref<1099511627776xi32>
      %flags = memref.load %params[%c3] : memref<1099511627776xi32>
      %noiseLow32 = memref.load %params[%c4] : memref<1099511627776xi32>
      %noiseHigh32 = memref.load %params[%c5] : memref<1099511627776xi32>
      %cols = arith.extui %cols32 : i32 to i64
      %e = arith.index_castui %i : index to i64
      %local = arith.divui %e, %cols : i64
      %column = arith.remui %e, %cols : i64
      %first = arith.extui %first32 : i32 to i64
      %particle = arith.addi %first, %local : i64
      %particleCols = arith.muli %particle, %cols : i64
      %global = arith.addi %particleCols, %column : i64
      %p0 = arith.trunci %particle : i64 to i32
      %pHigh = arith.shrui %particle, %shift32 : i64
      %p1 = arith.trunci %pHigh : i64 to i32
      %r:4 = func.call @ade_runtime_philox(%p0, %p1, %one32, %k0, %k1)
          : (i32, i32, i32, i32, i32) -> (i32, i32, i32, i32)
      %word = arith.extui %r#0 : i32 to i64
      %rows = arith.extui %rows32 : i32 to i64
      %scaled = arith.muli %word, %rows : i64
      %row = arith.shrui %scaled, %shift32 : i64
      %rowStart = arith.muli %row, %cols : i64
      %at = arith.addi %rowStart, %column : i64
      %atIndex = arith.index_castui %at : i64 to index
      %stored = memref.load %data[%atIndex] : memref<1099511627776x$T>
      %x = $EXT %stored : $T to f64
      %u53, %u24, %unused = func.call @ade_runtime_draw(%global, %two32, %k0, %k1)
          : (i64, i32, i32, i32) -> (f64, f64, f64)
      %x255 = arith.mulf %x, %levels : f64
      %level = math.round %x255 : f64
      %spread = arith.addf %level, %u53 : f64
      %dequantized = arith.divf %spread, %bins : f64
      %dequantizeBit = arith.andi %flags, %one32 : i32
      %dequantize = arith.cmpi ne, %dequantizeBit, %zero32 : i32
      %x1 = arith.select %dequantize, %dequantized, %x : f64
      %unusedU, %unusedV, %normal = func.call @ade_runtime_draw(%global, %three32, %k0, %k1)
          : (i64, i32, i32, i32) -> (f64, f64, f64)
      %noiseLow = arith.extui %noiseLow32 : i32 to i64
      %noiseHigh = arith.extui %noiseHigh32 : i32 to i64
      %noiseHighShifted = arith.shli %noiseHigh, %shift32 : i64
      %noiseBits = arith.ori %noiseHighShifted, %noiseLow : i64
      %noise = arith.bitcast %noiseBits : i64 to f64
      %added = arith.mulf %noise, %normal : f64
      %noisy = arith.addf %x1, %added : f64
      %hasNoise = arith.cmpf ogt, %noise, %zero : f64
      %value = arith.select %hasNoise, %noisy, %x1 : f64
      %valueT = $TRUNC %value : f64 to $T
      memref.store %valueT, %out[%i] : memref<1099511627776x$T>
    }
    gpu.return
  }
}
}
)mlir";

void replaceAll(std::string &text, llvm::StringRef from, llvm::StringRef to) {
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to.str());
}

} // namespace

LogicalResult ade::addRuntimeKernels(gpu::GPUModuleOp kernels,
                                     llvm::StringRef elementType,
                                     unsigned blockSize) {
  bool f64 = elementType == "f64";
  std::string text = kRuntimeKernels;
  // $TWOBLOCK before $BLOCK, which it contains.
  replaceAll(text, "$TWOBLOCK", std::to_string(2 * blockSize));
  replaceAll(text, "$BLOCK", std::to_string(blockSize));
  replaceAll(text, "$SHARED", std::to_string(2 * blockSize * sizeof(double)));
  replaceAll(text, "$TILE", std::to_string(kElementsPerThread * blockSize));
  replaceAll(text, "$K", std::to_string(kElementsPerThread));
  // f64 to f64 is a bitcast, which folds away.
  replaceAll(text, "$EXT", f64 ? "arith.bitcast" : "arith.extf");
  replaceAll(text, "$TRUNC", f64 ? "arith.bitcast" : "arith.truncf");
  replaceAll(text, "$UNIFORM", f64 ? "%u53" : "%u24");
  replaceAll(text, "$T", f64 ? "f64" : "f32");
  MLIRContext *context = kernels->getContext();
  OwningOpRef<ModuleOp> parsed =
      parseSourceString<ModuleOp>(text, ParserConfig(context));
  if (!parsed)
    return failure();
  PassManager pm(context);
  if (failed(parsePassPipeline("convert-scf-to-cf,canonicalize", pm)) ||
      failed(pm.run(*parsed)))
    return failure();
  auto source = *parsed->getOps<gpu::GPUModuleOp>().begin();
  SymbolTable symbols(kernels);
  for (Operation &op : llvm::make_early_inc_range(*source.getBody())) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!symbol || symbols.lookup(symbol.getName()))
      return source.emitError("internal: runtime kernel clash");
    op.moveBefore(kernels.getBody(), kernels.getBody()->end());
  }
  return success();
}
