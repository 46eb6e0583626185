// RUN: ade-opt %s --ade-narrow-masks | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// CHECK-DAG: #[[$ROW:map[0-9]*]] = affine_map<(d0, d1) -> (d0)>

// A pre-activation kept for a ReLU's derivative: compared once, where it
// is computed, into an i1 mask that the derivative reads; two derivatives
// with the same comparison share the mask.
// CHECK-LABEL: func.func @relu
// CHECK-SAME: (%[[Z:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<4xf32>)
func.func @relu(%z: tensor<4x8xf32>, %g: tensor<4x8xf32>, %b: tensor<4xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xi1>
  // CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[Z]] : tensor<4x8xf32>) outs(%[[E]] : tensor<4x8xi1>)
  // CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i1):
  // CHECK-NEXT: %[[C:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK-NEXT: %[[P:.*]] = arith.cmpf ogt, %[[IN]], %[[C]] : f32
  // CHECK-NEXT: linalg.yield %[[P]] : i1
  %e = tensor.empty() : tensor<4x8xf32>
  // CHECK: linalg.generic {{.*}} ins(%[[Z]] : tensor<4x8xf32>)
  // CHECK: arith.maximumf
  %h = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  // CHECK: linalg.generic {{.*}} ins(%[[M]], %[[G]] : tensor<4x8xi1>, tensor<4x8xf32>)
  // CHECK-NEXT: ^bb0(%[[MASK:.*]]: i1, %[[GIN:.*]]: f32, %{{.*}}: f32):
  // CHECK-NEXT: arith.select %[[MASK]], %[[GIN]], %{{.*}} : f32
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf ogt, %in, %zero : f32
    %s = arith.select %p, %gin, %zero : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  // CHECK: linalg.generic {{.*}} ins(%[[M]], %[[G]] : tensor<4x8xi1>, tensor<4x8xf32>)
  // CHECK-NOT: arith.cmpf
  // CHECK: linalg.yield
  %d2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf ogt, %in, %zero : f32
    %s = arith.select %p, %zero, %gin : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %h, %d, %d2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// Left alone: a value read for more than a comparison, one compared with
// a value that is not a constant, one compared two ways, and one that the
// comparison alone reads (it already reads it where it is computed).
// CHECK-LABEL: func.func @kept
// CHECK-NOT: i1>
// CHECK: return
func.func @kept(%z: tensor<4x8xf32>, %g: tensor<4x8xf32>, %y: f32, %w: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf ogt, %in, %zero : f32
    %s = arith.select %p, %in, %gin : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf ogt, %in, %y : f32
    %s = arith.select %p, %gin, %zero : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf ogt, %in, %zero : f32
    %q = arith.cmpf olt, %in, %one : f32
    %r = arith.andi %p, %q : i1
    %s = arith.select %r, %gin, %zero : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf ogt, %in, %zero : f32
    %s = arith.select %p, %gin, %zero : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %a, %b, %c, %d, %z : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// A broadcast operand keeps its indexing map; the mask covers the value.
// CHECK-LABEL: func.func @broadcast
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<4xi1>)
// CHECK: arith.cmpf olt, %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {indexing_maps = [#[[$ROW]], {{.*}} ins(%[[M]], %{{.*}} : tensor<4xi1>, tensor<4x8xf32>)
func.func @broadcast(%b: tensor<4xf32>, %g: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %d = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b, %g : tensor<4xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %gin: f32, %out: f32):
    %p = arith.cmpf olt, %in, %zero : f32
    %s = arith.select %p, %gin, %zero : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %b, %d : tensor<4xf32>, tensor<4x8xf32>
}
