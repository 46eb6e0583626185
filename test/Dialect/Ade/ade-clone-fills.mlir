// RUN: ade-opt %s --ade-clone-fills | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// One fill of zeros, the destination of two products and of an op in a
// loop: the second and third uses get fills of their own, placed before
// the op of the function's block that holds them.
// CHECK-LABEL: func.func @products
func.func @products(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %n: index)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  // CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E:.*]] : tensor<4x4xf32>)
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  // CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x4xf32>, tensor<4x4xf32>) outs(%[[F]] : tensor<4x4xf32>)
  %p = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  // CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<4x4xf32>)
  // CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x4xf32>, tensor<4x4xf32>) outs(%[[F1]] : tensor<4x4xf32>)
  %q = linalg.matmul ins(%b, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  // CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<4x4xf32>)
  // CHECK-NEXT: scf.for
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x4xf32>, tensor<4x4xf32>) outs(%[[F2]] : tensor<4x4xf32>)
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (tensor<4x4xf32>) {
    %s = linalg.matmul ins(%acc, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
    scf.yield %s : tensor<4x4xf32>
  }
  return %p, %q, %r : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// A generic that fills (no inputs, its destination's elements unread) is
// a fill; one that reads its destination is not.
// CHECK-LABEL: func.func @generics
func.func @generics(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  // CHECK: %[[G:.*]] = linalg.generic
  // CHECK: linalg.matmul {{.*}} outs(%[[G]] : tensor<4x4xf32>)
  // CHECK-NEXT: %[[G1:.*]] = linalg.generic
  // CHECK: linalg.matmul {{.*}} outs(%[[G1]] : tensor<4x4xf32>)
  %g = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<4x4xf32>) {
  ^bb0(%out: f32):
    linalg.yield %one : f32
  } -> tensor<4x4xf32>
  %p = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%g : tensor<4x4xf32>) -> tensor<4x4xf32>
  %q = linalg.matmul ins(%b, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%g : tensor<4x4xf32>) -> tensor<4x4xf32>
  // CHECK: %[[H:.*]] = linalg.generic
  // CHECK: linalg.matmul {{.*}} outs(%[[H]] : tensor<4x4xf32>)
  // CHECK-NEXT: linalg.matmul {{.*}} outs(%[[H]] : tensor<4x4xf32>)
  %h = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : tensor<4x4xf32>) {
  ^bb0(%out: f32):
    %twice = arith.addf %out, %out : f32
    linalg.yield %twice : f32
  } -> tensor<4x4xf32>
  %s = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%h : tensor<4x4xf32>) -> tensor<4x4xf32>
  %t = linalg.matmul ins(%b, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%h : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %p, %q, %s, %t : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}
