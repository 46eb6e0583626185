// RUN: ade-opt %s --ade-accumulate-gradients --split-input-file | FileCheck %s
// RUN: ade-opt %s --ade-accumulate-gradients=min-size=100 --split-input-file | FileCheck %s --check-prefix=SMALL

// A weight gradient computed by a matmul into a zero fill, concatenated
// with a bias gradient (an argument here): the tile function takes the sum
// and returns it increased: the matmul starts from its slice, the bias is
// added by an elementwise generic.

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
// CHECK-SAME: %[[A:arg1]]: tensor<2x4xf32>, %[[B:arg2]]: tensor<4x3xf32>, %[[BIAS:arg3]]: tensor<2xf32>, %[[SUM:arg4]]: tensor<8xf32>) -> tensor<8xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[HEAD:.*]] = tensor.extract_slice %[[SUM]][6] [2] [1]
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<2xf32>) outs(%[[HEAD]] : tensor<2xf32>)
// CHECK: %[[SUM1:.*]] = tensor.insert_slice %[[ADD]] into %[[SUM]][6] [2] [1]
// CHECK: %[[S:.*]] = tensor.extract_slice %[[SUM1]][0] [6] [1]
// CHECK: %[[INIT:.*]] = tensor.expand_shape %[[S]] {{\[}}[0, 1]] output_shape [2, 3]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[MM]]
// CHECK: %[[SUM2:.*]] = tensor.insert_slice %[[FLAT]] into %[[SUM1]][0] [6] [1]
// CHECK-NEXT: return %[[SUM2]] : tensor<8xf32>

// Below min-size, the whole gradient is added at the end.
// SMALL-LABEL: func.func @M.energy_vjp.tile
// SMALL-SAME: %[[SUM:arg4]]: tensor<8xf32>) -> tensor<8xf32>
// SMALL: linalg.matmul {{.*}} outs(%{{.*}} : tensor<2x3xf32>)
// SMALL: %[[ALL:.*]] = tensor.concat
// SMALL: %[[S:.*]] = tensor.extract_slice %[[SUM]][0] [8] [1]
// SMALL: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[ALL]] : tensor<8xf32>) outs(%[[S]] : tensor<8xf32>)
// SMALL: %[[NEW:.*]] = tensor.insert_slice %[[ADD]] into %[[SUM]][0] [8] [1]
// SMALL: return %[[NEW]]

// -----

// A concatenation of a callee's results: a variant of the callee takes the
// whole sum and adds each result at its offset (a reduction into a zero
// fill starts from its slice too), and is inlined; neither the callee nor
// the variant remains.

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
// CHECK-NOT: func.func private @grads
// CHECK-LABEL: func.func @M.energy_vjp.tile
// CHECK-SAME: (%{{.*}}: tensor<5xf32>, %[[X:arg1]]: tensor<4xf32>, %[[W:arg2]]: tensor<5xf32>) -> tensor<5xf32>
// CHECK-NOT: call
// CHECK: %[[HEAD:.*]] = tensor.extract_slice %[[W]][0] [4] [1]
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4xf32>) outs(%[[HEAD]] : tensor<4xf32>)
// CHECK: arith.addf
// CHECK: %[[W1:.*]] = tensor.insert_slice %[[ADD]] into %[[W]][0] [4] [1]
// CHECK: %[[TAIL:.*]] = tensor.extract_slice %[[W1]][4] [1] [1]
// CHECK: %[[RED:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[X]] : tensor<4xf32>) outs(%[[TAIL]] : tensor<1xf32>)
// CHECK: %[[W2:.*]] = tensor.insert_slice %[[RED]] into %[[W1]][4] [1] [1]
// CHECK: return %[[W2]] : tensor<5xf32>
// CHECK-NOT: func.func

// -----

// A sum of two gradients adds the first into the sum, then the second; a
// zero gradient leaves its sum as it is. The outputs come first.

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
// CHECK-SAME: %[[A:arg1]]: tensor<2xf32>, %[[B:arg2]]: tensor<2xf32>, %[[S0:arg3]]: tensor<2xf32>, %[[S1:arg4]]: tensor<3xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<3xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<2xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: %[[Q:.*]] = tensor.insert_slice %[[P]] into %[[S0]]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: %[[T:.*]] = tensor.insert_slice %[[R]] into %[[Q]]
// CHECK: return %[[A]], %[[T]], %[[S1]]
