// RUN: ade-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(ade-tile-and-vectorize{mr=16},canonicalize,cse),one-shot-bufferize{bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map},func.func(canonicalize,ade-lower-vectors,canonicalize,cse))" | FileCheck %s

// ade-tile-and-vectorize's vectors as ade-lower-vectors leaves them: every
// read a vector load, none assembled lane by lane.

// A convolution's input gradient for one window offset (here (0, 0)): the
// kernel is read at fixed indices of dimensions longer than one. Read in
// place, the vector read's map picked the kernel's leading dimensions and
// was lowered to sixteen scalar loads per step (a quarter of MnistConv's
// gradient time); sliced first, one element is loaded and broadcast.
#cot = affine_map<(d0, d1, d2, d3, d4) -> (d4, d1, d2, d3)>
#corner = affine_map<(d0, d1, d2, d3, d4) -> (d4, d0, 0, 0)>
#grad = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @F.energy_vjp.tile(%g: tensor<2x2x2x16xf32>, %k: tensor<2x3x3x3xf32>, %acc: tensor<3x2x2x16xf32>) -> tensor<3x2x2x16xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "F", size = 16 : i64}} {
  %r = linalg.generic {indexing_maps = [#cot, #corner, #grad],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%g, %k : tensor<2x2x2x16xf32>, tensor<2x3x3x3xf32>) outs(%acc : tensor<3x2x2x16xf32>) {
  ^bb0(%a: f32, %w: f32, %out: f32):
    %m = arith.mulf %a, %w : f32
    %s = arith.addf %out, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x2x2x16xf32>
  return %r : tensor<3x2x2x16xf32>
}
// CHECK-LABEL: func.func @F.energy_vjp.tile
// CHECK-NOT: vector.insert
// CHECK: %[[G:.*]] = vector.load %{{.*}} : memref<2x2x2x16xf32>, vector<16xf32>
// CHECK-NOT: vector.insert
// CHECK: %[[K:.*]] = vector.load %{{.*}} : memref<2x3x3x3xf32>, vector<1xf32>
// CHECK-NOT: vector.insert
// CHECK: vector.fma
// CHECK-NOT: vector.insert
// CHECK: return

// -----

// A 3x3 convolution step: one load of the input row serves both output
// channels (the rows of a register block), each with its weight loaded and
// broadcast, one FMA each; the window is unrolled, and the accumulators
// are loaded once, carried in registers through its nine steps and
// stored once.
#image = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d1 + d5, d2 + d6, d3)>
#kernel = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d5, d6)>
#pixel = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
func.func @C.energy.tile(%x: tensor<1x4x4x16xf32>, %k: tensor<2x1x3x3xf32>, %acc: tensor<2x2x2x16xf32>) -> tensor<2x2x2x16xf32>
    attributes {ade.tile = {kind = "energy", owner = "C", size = 16 : i64}} {
  %c = linalg.generic {indexing_maps = [#image, #kernel, #pixel],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %k : tensor<1x4x4x16xf32>, tensor<2x1x3x3xf32>) outs(%acc : tensor<2x2x2x16xf32>) {
  ^bb0(%in: f32, %w: f32, %out: f32):
    %m = arith.mulf %in, %w : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<2x2x2x16xf32>
  return %c : tensor<2x2x2x16xf32>
}
// CHECK-LABEL: func.func @C.energy.tile
// CHECK-NOT: memref.load
// CHECK: %[[IN:.*]] = vector.load %{{.*}} : memref<1x4x4x16xf32>, vector<16xf32>
// CHECK: %[[W0:.*]] = vector.load %{{.*}} : memref<2x1x3x3xf32>, vector<f32>
// CHECK: %[[B0:.*]] = vector.broadcast %[[W0]] : vector<f32> to vector<16xf32>
// CHECK: %[[W1:.*]] = vector.load %{{.*}} : memref<2x1x3x3xf32>, vector<f32>
// CHECK: %[[B1:.*]] = vector.broadcast %[[W1]] : vector<f32> to vector<16xf32>
// CHECK: %[[V0:.*]] = vector.load %{{.*}} : memref<2x2x2x16xf32>, vector<16xf32>
// CHECK: %[[V1:.*]] = vector.load %{{.*}} : memref<2x2x2x16xf32>, vector<16xf32>
// CHECK: %[[S0:.*]] = vector.fma %[[IN]], %[[B0]], %[[V0]] : vector<16xf32>
// CHECK: %[[S1:.*]] = vector.fma %[[IN]], %[[B1]], %[[V1]] : vector<16xf32>
// CHECK-NOT: memref<2x2x2x16xf32>, vector<16xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %[[S0]] : vector<16xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %[[S1]] : vector<16xf32>
// CHECK-COUNT-14: vector.fma
// CHECK-NOT: vector.fma
// CHECK: vector.store
// CHECK-NOT: memref.load
// CHECK: return

// -----

// Sixteen output channels at MR = 16: blocks of eight rows (eight
// accumulators, eight independent FMA chains per input read), not sixteen.
#image8 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d1 + d5, d2 + d6, d3)>
#kernel8 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d5, d6)>
#pixel8 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
func.func @E.energy.tile(%x: tensor<1x4x4x16xf32>, %k: tensor<16x1x3x3xf32>, %acc: tensor<16x2x2x16xf32>) -> tensor<16x2x2x16xf32>
    attributes {ade.tile = {kind = "energy", owner = "E", size = 16 : i64}} {
  %c = linalg.generic {indexing_maps = [#image8, #kernel8, #pixel8],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %k : tensor<1x4x4x16xf32>, tensor<16x1x3x3xf32>) outs(%acc : tensor<16x2x2x16xf32>) {
  ^bb0(%in: f32, %w: f32, %out: f32):
    %m = arith.mulf %in, %w : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<16x2x2x16xf32>
  return %c : tensor<16x2x2x16xf32>
}
// CHECK-LABEL: func.func @E.energy.tile
// CHECK: scf.for {{.*}} step %c8
// CHECK: %[[IN:.*]] = vector.load %{{.*}} : memref<1x4x4x16xf32>, vector<16xf32>
// CHECK-COUNT-8: vector.fma %[[IN]]
// CHECK-NOT: vector.fma %[[IN]]
// CHECK: vector.load %{{.*}} : memref<1x4x4x16xf32>, vector<16xf32>
