// RUN: ade-opt %s --ade-count-flops --split-input-file | FileCheck %s

// A tile of one particle, so that the count is exact:
//   matmul 8x3 by 3x4: 8*4*3 iterations of a multiply and an add   192
//   on 8x4 elements: exp (1), negation (0), fma (2), absolute value
//   (0) and a comparison (1)                                         128
//   two calls of a 4-wide maximum                                      8
//   a triangular loop nest (3 + 2 + 1 iterations of one multiply)     6
//   an scf.if: its costlier branch (two adds, not one)                 2
// 336 in all. The uniform function is not the tile's.

// CHECK-LABEL: func.func @tile
// CHECK-SAME: ade.tile = {flops = 336 : i64, size = 1 : i64}
func.func @tile(%w: tensor<8x3xf32>, %x: tensor<3x4xf32>, %v: tensor<4xf32>,
                %s: f32, %c: i1) -> (tensor<8x4xf32>, tensor<4xf32>, f32, f32)
    attributes {ade.tile = {size = 1 : i64}} {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<8x4xf32>
  %filled = linalg.fill ins(%zero : f32) outs(%init : tensor<8x4xf32>) -> tensor<8x4xf32>
  %m = linalg.matmul ins(%w, %x : tensor<8x3xf32>, tensor<3x4xf32>)
                     outs(%filled : tensor<8x4xf32>) -> tensor<8x4xf32>
  %e = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<8x4xf32>) outs(%init : tensor<8x4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = math.exp %a : f32
    %1 = arith.negf %0 : f32
    %2 = math.fma %1, %a, %a : f32
    %3 = math.absf %2 : f32
    %4 = arith.cmpf ogt, %3, %a : f32
    %5 = arith.select %4, %3, %a : f32
    linalg.yield %5 : f32
  } -> tensor<8x4xf32>
  %r0 = func.call @relu(%v) : (tensor<4xf32>) -> tensor<4xf32>
  %r1 = func.call @relu(%r0) : (tensor<4xf32>) -> tensor<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %p = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %s) -> f32 {
    %from = affine.apply affine_map<(d0) -> (d0)>(%i)
    %q = scf.for %j = %from to %c3 step %c1 iter_args(%inner = %acc) -> f32 {
      %t = arith.mulf %inner, %s : f32
      scf.yield %t : f32
    }
    scf.yield %q : f32
  }
  %b = scf.if %c -> f32 {
    %0 = arith.addf %s, %s : f32
    %1 = arith.addf %0, %s : f32
    scf.yield %1 : f32
  } else {
    %0 = arith.addf %s, %s : f32
    scf.yield %0 : f32
  }
  return %e, %r1, %p, %b : tensor<8x4xf32>, tensor<4xf32>, f32, f32
}

func.func private @relu(%v: tensor<4xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%v : tensor<4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.maximumf %a, %zero : f32
    linalg.yield %0 : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Not a tile: untouched.
// CHECK-LABEL: func.func @uniform
// CHECK-NOT: flops
func.func @uniform(%w: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %init = tensor.empty() : tensor<8x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<8x3xf32>) outs(%init : tensor<8x3xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = math.tanh %a : f32
    linalg.yield %0 : f32
  } -> tensor<8x3xf32>
  return %r : tensor<8x3xf32>
}

// -----

// A tile the pass cannot count (a dynamic shape) gets no count, and neither
// does one with a loop whose bound is not an index of constants.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: ade.tile = {size = 4 : i64}
func.func @dynamic(%v: tensor<?xf32>) -> tensor<?xf32>
    attributes {ade.tile = {size = 4 : i64}} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %v, %c0 : tensor<?xf32>
  %init = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%v : tensor<?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = math.exp %a : f32
    linalg.yield %0 : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// CHECK-LABEL: func.func @unknown_trips
// CHECK-SAME: ade.tile = {size = 4 : i64}
func.func @unknown_trips(%n: index, %s: f32) -> f32
    attributes {ade.tile = {size = 4 : i64}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %s) -> f32 {
    %t = arith.mulf %acc, %s : f32
    scf.yield %t : f32
  }
  return %p : f32
}

// -----

// Padding moves values: only the exp counts (6 elements, a tile of 2).
// CHECK-LABEL: func.func @padded
// CHECK-SAME: ade.tile = {flops = 3 : i64, size = 2 : i64}
func.func @padded(%v: tensor<4xf32>) -> tensor<6xf32>
    attributes {ade.tile = {size = 2 : i64}} {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %v low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %zero : f32
  } : tensor<4xf32> to tensor<6xf32>
  %init = tensor.empty() : tensor<6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%p : tensor<6xf32>) outs(%init : tensor<6xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = math.exp %a : f32
    linalg.yield %0 : f32
  } -> tensor<6xf32>
  return %r : tensor<6xf32>
}

// -----

// Per particle, rounded: 6 exps in a tile of 4 count 2 (1.5 rounded up).
// CHECK-LABEL: func.func @rounded
// CHECK-SAME: ade.tile = {flops = 2 : i64, size = 4 : i64}
func.func @rounded(%v: tensor<6xf32>) -> tensor<6xf32>
    attributes {ade.tile = {size = 4 : i64}} {
  %init = tensor.empty() : tensor<6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%v : tensor<6xf32>) outs(%init : tensor<6xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = math.exp %a : f32
    linalg.yield %0 : f32
  } -> tensor<6xf32>
  return %r : tensor<6xf32>
}

// A call of an external function or a recursive one cannot be counted.
// CHECK-LABEL: func.func @external
// CHECK-SAME: ade.tile = {size = 1 : i64}
func.func @external(%s: f32) -> f32 attributes {ade.tile = {size = 1 : i64}} {
  %r = func.call @opaque(%s) : (f32) -> f32
  return %r : f32
}
func.func private @opaque(f32) -> f32

// CHECK-LABEL: func.func @recursive
// CHECK-SAME: ade.tile = {size = 1 : i64}
func.func @recursive(%s: f32) -> f32 attributes {ade.tile = {size = 1 : i64}} {
  %t = arith.addf %s, %s : f32
  %r = func.call @recursive(%t) : (f32) -> f32
  return %r : f32
}
