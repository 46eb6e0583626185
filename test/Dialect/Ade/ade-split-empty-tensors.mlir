// RUN: ade-opt %s --pass-pipeline="builtin.module(func.func(ade-split-empty-tensors{uses-per-tensor=2}))" | FileCheck %s

// Every two consecutive uses of a tensor.empty, in program order, share
// one; the third use's is placed before the op of the function's block
// that holds it (a loop), so that it dominates the use inside.

// CHECK-LABEL: func.func @f
func.func @f(%x: f32, %y: f32, %z: f32, %n: index) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // CHECK: %[[E:.*]] = tensor.empty() : tensor<16xf32>
  %e = tensor.empty() : tensor<16xf32>
  // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<16xf32>)
  %a = linalg.fill ins(%x : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<16xf32>)
  %b = linalg.fill ins(%y : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  // CHECK: %[[E2:.*]] = tensor.empty() : tensor<16xf32>
  // CHECK-NEXT: scf.for
  %c = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (tensor<16xf32>) {
    // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<16xf32>)
    %f = linalg.fill ins(%z : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
    scf.yield %f : tensor<16xf32>
  }
  return %a, %b, %c : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
}
