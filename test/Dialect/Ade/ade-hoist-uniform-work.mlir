// RUN: ade-opt %s --ade-hoist-uniform-work --split-input-file | FileCheck %s
// RUN: ade-opt %s --ade-hoist-uniform-work=min-iterations=8 --split-input-file | FileCheck %s --check-prefix=SMALL

// A loop on the parameters alone (an LU's shape) moves into a function the
// entry calls once per call; the tile takes its result after the
// parameters. Cheap uniform values (an element of the parameters) stay.

func.func @S.sample.tile(%p: tensor<4xf32>, %x: tensor<2x16xf32>) -> tensor<2x16xf32>
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "sample", outputs = 1 : i64, owner = "S", owners = ["S"], size = 16 : i64}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = tensor.expand_shape %p [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
  %cheap = tensor.extract %p[%c0] : tensor<4xf32>
  %d = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %m) -> (tensor<2x2xf32>) {
    %v = tensor.extract %a[%i, %i] : tensor<2x2xf32>
    %w = arith.mulf %v, %v : f32
    %b = tensor.insert %w into %a[%i, %i] : tensor<2x2xf32>
    scf.yield %b : tensor<2x2xf32>
  }
  %e = tensor.empty() : tensor<2x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, t) -> (i, t)>, affine_map<(i, t) -> (i, i)>, affine_map<(i, t) -> (i, t)>], iterator_types = ["parallel", "parallel"]} ins(%x, %d : tensor<2x16xf32>, tensor<2x2xf32>) outs(%e : tensor<2x16xf32>) {
  ^bb0(%xv: f32, %dv: f32, %o: f32):
    %s = arith.mulf %xv, %dv : f32
    %t = arith.addf %s, %cheap : f32
    linalg.yield %t : f32
  } -> tensor<2x16xf32>
  return %r : tensor<2x16xf32>
}

// Both functions read their hoisted and parameter buffers only: the loop
// works on a copy of the parameters (bufferization.writable = false).
// CHECK-LABEL: func.func @S.sample.tile
// CHECK-SAME: (%[[P:.*]]: tensor<4xf32>, %[[D:.*]]: tensor<2x2xf32> {bufferization.writable = false}, %[[X:.*]]: tensor<2x16xf32>)
// CHECK-SAME: hoisted = 1 : i64
// CHECK-SAME: uniform = @S.sample.tile.uniform
// CHECK-NOT: scf.for
// CHECK: %[[CHEAP:.*]] = tensor.extract %[[P]]
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[D]] : tensor<2x16xf32>, tensor<2x2xf32>)
// CHECK: arith.addf %{{.*}}, %[[CHEAP]]
// CHECK-LABEL: func.func private @S.sample.tile.uniform
// CHECK-SAME: (%[[Q:.*]]: tensor<4xf32> {bufferization.writable = false}) -> tensor<2x2xf32>
// CHECK: %[[M:.*]] = tensor.expand_shape %[[Q]]
// CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[M]])
// CHECK-NOT: tensor.extract %[[Q]]
// CHECK: return %[[R]]

// -----

// A product of parameters is hoisted from min-iterations up (2 x 2 x 2 = 8
// iterations here); the cheap reshape of its result, the tile's other
// work and the parameter-gradient sums it writes stay.

func.func @S.sample_vjp.tile(%p: tensor<4xf32>, %x: tensor<2x16xf32>, %g: memref<4xf32>) -> tensor<2x16xf32>
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64: 0>, grads = true, inputs = 1 : i64, kind = "sample_vjp", outputs = 1 : i64, owner = "S", owners = ["S"], size = 16 : i64}} {
  %m = tensor.expand_shape %p [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%m, %m : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%mm, %x : tensor<2x2xf32>, tensor<2x16xf32>) outs(%x : tensor<2x16xf32>) -> tensor<2x16xf32>
  %flat = tensor.collapse_shape %mm [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  %s = bufferization.to_tensor %g restrict writable : memref<4xf32> to tensor<4xf32>
  %sum = arith.addf %s, %flat : tensor<4xf32>
  bufferization.materialize_in_destination %sum in writable %g : (tensor<4xf32>, memref<4xf32>) -> ()
  return %y : tensor<2x16xf32>
}

// CHECK-LABEL: func.func @S.sample_vjp.tile
// CHECK-SAME: (%{{.*}}: tensor<4xf32>, %{{.*}}: tensor<2x16xf32>, %{{.*}}: memref<4xf32>)
// CHECK-NOT: hoisted
// CHECK: linalg.matmul
// CHECK: linalg.matmul
// CHECK-NOT: func.func private

// SMALL-LABEL: func.func @S.sample_vjp.tile
// SMALL-SAME: (%[[P:.*]]: tensor<4xf32>, %[[MM:.*]]: tensor<2x2xf32> {bufferization.writable = false}, %[[X:.*]]: tensor<2x16xf32>, %[[G:.*]]: memref<4xf32>)
// SMALL-SAME: hoisted = 1 : i64
// SMALL-NOT: linalg.fill
// SMALL: %[[Y:.*]] = linalg.matmul ins(%[[MM]], %[[X]] :
// SMALL: %[[FLAT:.*]] = tensor.collapse_shape %[[MM]]
// SMALL: bufferization.to_tensor %[[G]]
// SMALL: arith.addf %{{.*}}, %[[FLAT]]
// SMALL: bufferization.materialize_in_destination
// SMALL: return %[[Y]]
// SMALL-LABEL: func.func private @S.sample_vjp.tile.uniform
// SMALL: linalg.fill
// SMALL: %[[R:.*]] = linalg.matmul
// SMALL-NEXT: return %[[R]] : tensor<2x2xf32>

// -----

// A scalar (an LU's sum of log pivots) travels as a 0-d tensor.

func.func @S.logq.tile(%p: tensor<4xf32>, %x: tensor<16xf32>) -> tensor<16xf32>
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "sample", outputs = 1 : i64, owner = "S", owners = ["S"], size = 16 : i64}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %zero) -> (f32) {
    %v = tensor.extract %p[%i] : tensor<4xf32>
    %s = arith.addf %a, %v : f32
    scf.yield %s : f32
  }
  %e = tensor.empty() : tensor<16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(t) -> (t)>, affine_map<(t) -> (t)>], iterator_types = ["parallel"]} ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%xv: f32, %o: f32):
    %t = arith.subf %xv, %sum : f32
    linalg.yield %t : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// CHECK-LABEL: func.func @S.logq.tile
// CHECK-SAME: (%{{.*}}: tensor<4xf32>, %[[S:.*]]: tensor<f32> {bufferization.writable = false}, %{{.*}}: tensor<16xf32>)
// CHECK: %[[SUM:.*]] = tensor.extract %[[S]][] : tensor<f32>
// CHECK: arith.subf %{{.*}}, %[[SUM]]
// CHECK-LABEL: func.func private @S.logq.tile.uniform
// CHECK-SAME: -> tensor<f32>
// CHECK: %[[R:.*]] = scf.for
// CHECK: %[[T:.*]] = tensor.from_elements %[[R]] : tensor<f32>
// CHECK: return %[[T]]

// -----

// Two loops joined by reshapes: only the value the tile's other ops need is
// hoisted (the first loop's result feeds the second only). A loop that
// reads the particles (through its region) is not uniform and stays.

func.func @S.chain.tile(%p: tensor<4xf32>, %x: tensor<2x16xf32>) -> tensor<2x16xf32>
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "sample", outputs = 1 : i64, owner = "S", owners = ["S"], size = 16 : i64}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = tensor.expand_shape %p [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
  %d = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %m) -> (tensor<2x2xf32>) {
    %v = tensor.extract %a[%i, %i] : tensor<2x2xf32>
    %w = arith.mulf %v, %v : f32
    %b = tensor.insert %w into %a[%i, %i] : tensor<2x2xf32>
    scf.yield %b : tensor<2x2xf32>
  }
  %flat = tensor.collapse_shape %d [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  %m2 = tensor.expand_shape %flat [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
  %d2 = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %m2) -> (tensor<2x2xf32>) {
    %v = tensor.extract %a[%i, %i] : tensor<2x2xf32>
    %w = arith.addf %v, %v : f32
    %b = tensor.insert %w into %a[%i, %i] : tensor<2x2xf32>
    scf.yield %b : tensor<2x2xf32>
  }
  %batched = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %m) -> (tensor<2x2xf32>) {
    %v = tensor.extract %x[%i, %i] : tensor<2x16xf32>
    %b = tensor.insert %v into %a[%i, %i] : tensor<2x2xf32>
    scf.yield %b : tensor<2x2xf32>
  }
  %e = tensor.empty() : tensor<2x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, t) -> (i, t)>, affine_map<(i, t) -> (i, i)>, affine_map<(i, t) -> (i, i)>, affine_map<(i, t) -> (i, t)>], iterator_types = ["parallel", "parallel"]} ins(%x, %d2, %batched : tensor<2x16xf32>, tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x16xf32>) {
  ^bb0(%xv: f32, %dv: f32, %bv: f32, %o: f32):
    %s = arith.mulf %xv, %dv : f32
    %t = arith.addf %s, %bv : f32
    linalg.yield %t : f32
  } -> tensor<2x16xf32>
  return %r : tensor<2x16xf32>
}

// CHECK-LABEL: func.func @S.chain.tile
// CHECK-SAME: (%[[P:.*]]: tensor<4xf32>, %[[D2:.*]]: tensor<2x2xf32> {bufferization.writable = false}, %[[X:.*]]: tensor<2x16xf32>)
// CHECK-SAME: hoisted = 1 : i64
// CHECK: %[[B:.*]] = scf.for
// CHECK: tensor.extract %[[X]]
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[D2]], %[[B]] :
// CHECK-LABEL: func.func private @S.chain.tile.uniform
// CHECK: scf.for
// CHECK: tensor.collapse_shape
// CHECK: tensor.expand_shape
// CHECK: %[[R:.*]] = scf.for
// CHECK-NOT: scf.for
// CHECK: return %[[R]] : tensor<2x2xf32>

// -----

// Functions without a tile attribute are left alone.

func.func @helper(%p: tensor<4xf32>) -> tensor<2x2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.expand_shape %p [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
  %d = scf.for %i = %c0 to %c1 step %c1 iter_args(%a = %m) -> (tensor<2x2xf32>) {
    scf.yield %a : tensor<2x2xf32>
  }
  return %d : tensor<2x2xf32>
}

// CHECK-LABEL: func.func @helper
// CHECK: scf.for
// CHECK-NOT: uniform
