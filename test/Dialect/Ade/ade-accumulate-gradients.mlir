// RUN: ade-opt %s --ade-accumulate-gradients --split-input-file | FileCheck %s
// RUN: ade-opt %s --split-input-file --pass-pipeline='builtin.module(ade-accumulate-gradients,one-shot-bufferize{bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map},func.func(canonicalize))' | FileCheck %s --check-prefix=BUF

// A weight gradient computed by a matmul into a zero fill, concatenated
// with a bias gradient (an argument here): the tile function takes the sum
// buffer and adds into it: the matmul starts from its slice, read as a
// tensor and materialized back, and the bias is added by an elementwise
// generic.

func.func @M.energy_vjp.tile(%p: tensor<8xf32>, %a: tensor<2x4xf32>, %b: tensor<4x3xf32>, %bias: tensor<2xf32>) -> tensor<8xf32>
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64: 0>, grads = true, inputs = 1 : i64, kind = "energy_vjp", outputs = 0 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x4xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x3xf32>) -> tensor<2x3xf32>
  %flat = tensor.collapse_shape %mm [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
  %all = tensor.concat dim(0) %flat, %bias : (tensor<6xf32>, tensor<2xf32>) -> tensor<8xf32>
  return %all : tensor<8xf32>
}
// CHECK-LABEL: func.func @M.energy_vjp.tile
// CHECK-SAME: %[[A:arg1]]: tensor<2x4xf32>, %[[B:arg2]]: tensor<4x3xf32>, %[[BIAS:arg3]]: tensor<2xf32>, %[[SUM:arg4]]: memref<8xf32>) attributes
// CHECK-NOT: linalg.fill
// CHECK: %[[HEADV:.*]] = memref.subview %[[SUM]][6] [2] [1]
// CHECK: %[[HEAD:.*]] = bufferization.to_tensor %[[HEADV]] restrict writable
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<2xf32>) outs(%[[HEAD]] : tensor<2xf32>)
// CHECK: bufferization.materialize_in_destination %[[ADD]] in writable %[[HEADV]]
// CHECK: %[[V:.*]] = memref.subview %[[SUM]][0] [6] [1]
// CHECK: %[[S:.*]] = bufferization.to_tensor %[[V]] restrict writable
// CHECK: %[[INIT:.*]] = tensor.expand_shape %[[S]] {{\[}}[0, 1]] output_shape [2, 3]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[MM]]
// CHECK: bufferization.materialize_in_destination %[[FLAT]] in writable %[[V]]
// CHECK-NEXT: return{{$}}

// Bufferized, the products and additions write into the sum in place.
// BUF-LABEL: func.func @M.energy_vjp.tile
// BUF-SAME: %[[BIAS:arg3]]: memref<2xf32>, %[[SUM:arg4]]: memref<8xf32>)
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF: %[[HEAD:.*]] = memref.subview %[[SUM]][6] [2] [1]
// BUF: linalg.generic {{.*}} ins(%[[BIAS]] : memref<2xf32>) outs(%[[HEAD]] : {{.*}})
// BUF: %[[V:.*]] = memref.subview %[[SUM]][0] [6] [1]
// BUF: %[[W:.*]] = memref.expand_shape %[[V]]
// BUF: linalg.matmul {{.*}} outs(%[[W]] : memref<2x3xf32>)
// BUF-NEXT: return

// -----

// A concatenation of a callee's results: a variant of the callee takes the
// sum buffer and adds each result at its offset (a reduction into a zero
// fill starts from its slice too); the callee no longer called is erased.

func.func private @grads(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<1xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1xf32>) -> tensor<1xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4xf32>) outs(%fill : tensor<1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<1xf32>
  return %x, %s : tensor<4xf32>, tensor<1xf32>
}

func.func @M.energy_vjp.tile(%p: tensor<5xf32>, %x: tensor<4xf32>) -> tensor<5xf32>
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64: 0>, grads = true, inputs = 1 : i64, kind = "energy_vjp", outputs = 0 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  %g:2 = call @grads(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<1xf32>)
  %c = tensor.concat dim(0) %g#0, %g#1 : (tensor<4xf32>, tensor<1xf32>) -> tensor<5xf32>
  return %c : tensor<5xf32>
}
// CHECK-NOT: func.func private @grads(
// CHECK-LABEL: func.func private @grads.acc
// CHECK-SAME: (%[[X:arg0]]: tensor<4xf32>, %[[W:arg1]]: memref<5xf32>) {
// CHECK: %[[HEADV:.*]] = memref.subview %[[W]][0] [4] [1]
// CHECK: %[[HEAD:.*]] = bufferization.to_tensor %[[HEADV]]
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4xf32>) outs(%[[HEAD]] : tensor<4xf32>)
// CHECK: bufferization.materialize_in_destination %[[ADD]] in writable %[[HEADV]]
// CHECK: %[[TAILV:.*]] = memref.subview %[[W]][4] [1] [1]
// CHECK: %[[TAIL:.*]] = bufferization.to_tensor %[[TAILV]]
// CHECK: %[[RED:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[X]] : tensor<4xf32>) outs(%[[TAIL]] : tensor<1xf32>)
// CHECK: bufferization.materialize_in_destination %[[RED]] in writable %[[TAILV]]
// CHECK-NEXT: return{{$}}
// CHECK-LABEL: func.func @M.energy_vjp.tile
// CHECK-SAME: (%{{.*}}: tensor<5xf32>, %[[X:arg1]]: tensor<4xf32>, %[[W:arg2]]: memref<5xf32>) attributes
// CHECK-NEXT: call @grads.acc(%[[X]], %[[W]]) : (tensor<4xf32>, memref<5xf32>) -> ()
// CHECK-NEXT: return{{$}}
// CHECK-NOT: func.func

// -----

// A sum of two gradients adds both into the sum, each on its own; a zero
// gradient leaves its sum as it is. The outputs stay results.

func.func @S.sample_vjp.tile(%p: tensor<2xf32>, %a: tensor<2xf32>, %b: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<3xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64: 0, 1>, grads = true, inputs = 2 : i64, kind = "sample_vjp", outputs = 1 : i64, owner = "S", owners = ["S", "M"], size = 2 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a, %b : tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<2xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<2xf32>
  %e3 = tensor.empty() : tensor<3xf32>
  %none = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3xf32>) -> tensor<3xf32>
  return %a, %sum, %none : tensor<2xf32>, tensor<2xf32>, tensor<3xf32>
}
// CHECK-LABEL: func.func @S.sample_vjp.tile
// CHECK-SAME: %[[A:arg1]]: tensor<2xf32>, %[[B:arg2]]: tensor<2xf32>, %[[S0:arg3]]: memref<2xf32>, %[[S1:arg4]]: memref<3xf32>) -> tensor<2xf32>
// CHECK-NOT: %[[S1]]
// CHECK: %[[V:.*]] = memref.subview %[[S0]][0] [2] [1]
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[V]]
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<2xf32>) outs(%[[T]] : tensor<2xf32>)
// CHECK: bufferization.materialize_in_destination %[[P]] in writable %[[V]]
// CHECK: %[[V2:.*]] = memref.subview %[[S0]][0] [2] [1]
// CHECK: %[[T2:.*]] = bufferization.to_tensor %[[V2]]
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<2xf32>) outs(%[[T2]] : tensor<2xf32>)
// CHECK: bufferization.materialize_in_destination %[[Q]] in writable %[[V2]]
// CHECK-NOT: %[[S1]]
// CHECK: return %[[A]] : tensor<2xf32>

// Bufferized, both additions update the sum in place, one after the other.
// BUF-LABEL: func.func @S.sample_vjp.tile
// BUF-SAME: %[[A:arg1]]: memref<2xf32>, %[[B:arg2]]: memref<2xf32>, %[[S0:arg3]]: memref<2xf32>
// BUF-NEXT: linalg.generic {{.*}} ins(%[[B]] : memref<2xf32>) outs(%[[S0]] : memref<2xf32>)
// BUF: linalg.generic {{.*}} ins(%[[A]] : memref<2xf32>) outs(%[[S0]] : memref<2xf32>)
// BUF: return %[[A]]

// -----

// A callee's result that is both a tile output and a gradient: the variant
// takes over the call, the output comes from the variant's call, and its
// gradient is added by an elementwise generic; the callee runs once.

func.func private @twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<1xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1xf32>) -> tensor<1xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4xf32>) outs(%fill : tensor<1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<1xf32>
  return %x, %s : tensor<4xf32>, tensor<1xf32>
}

func.func @S.sample_vjp.tile(%p: tensor<5xf32>, %x: tensor<4xf32>) -> (tensor<4xf32>, tensor<5xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64: 0>, grads = true, inputs = 1 : i64, kind = "sample_vjp", outputs = 1 : i64, owner = "S", owners = ["S"], size = 4 : i64}} {
  %g:2 = call @twice(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<1xf32>)
  %c = tensor.concat dim(0) %g#0, %g#1 : (tensor<4xf32>, tensor<1xf32>) -> tensor<5xf32>
  return %g#0, %c : tensor<4xf32>, tensor<5xf32>
}
// CHECK-NOT: func.func private @twice(
// CHECK-LABEL: func.func private @twice.acc
// CHECK-SAME: -> tensor<4xf32>
// CHECK-LABEL: func.func @S.sample_vjp.tile
// CHECK-SAME: %[[W:arg2]]: memref<5xf32>) -> tensor<4xf32>
// CHECK: %[[OUT:.*]] = call @twice.acc(%{{.*}}, %[[W]])
// CHECK-NOT: call
// CHECK: %[[HEAD:.*]] = memref.subview %[[W]][0] [4] [1]
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[HEAD]]
// CHECK: linalg.generic {{.*}} ins(%[[OUT]] : tensor<4xf32>) outs(%[[T]] : tensor<4xf32>)
// CHECK: return %[[OUT]] : tensor<4xf32>
