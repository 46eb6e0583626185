// RUN: ade-opt %s --pass-pipeline="builtin.module(convert-ade-to-linalg{tile-size=4},func.func(canonicalize))" | FileCheck %s

// Tile sums of parameter gradients pushed through slices and products
// with a factor the same for every particle. A dense Jacobian's gradient
// is a sum of outer products of the columns of its cotangent w U (w per
// particle, U = J^-T the same for all) with the basis vectors e_i: summed
// as U times the sum of w, then sliced, with no per-particle matrix left
// once the unused per-particle values are erased.

ade.parameter @"J/U" : tensor<3x3xf32> of "J" at 0
func.func @f(%x: tensor<2xf32>, %w: tensor<f32> {ade.cotangent}) -> (tensor<3x3xf32> {ade.param_grad = @"J/U"}) attributes {ade.kernel = {kind = "energy_vjp", owner = "J", owners = ["J"], grads}} {
  %u = ade.param @"J/U" : tensor<3x3xf32>
  %c = ade.mul %w, %u : tensor<f32>, tensor<3x3xf32> -> tensor<3x3xf32>
  %r0 = ade.slice %c starts [0] stops [1] squeeze [true] : tensor<3x3xf32> -> tensor<3xf32>
  %r1 = ade.slice %c starts [1] stops [2] squeeze [true] : tensor<3x3xf32> -> tensor<3xf32>
  %e0 = arith.constant dense<[1.0, 0.0, 0.0]> : tensor<3xf32>
  %e1 = arith.constant dense<[0.0, 1.0, 0.0]> : tensor<3xf32>
  %o0 = ade.outer %r0, %e0 : tensor<3xf32>, tensor<3xf32> -> tensor<3x3xf32>
  %o1 = ade.outer %r1, %e1 : tensor<3xf32>, tensor<3xf32> -> tensor<3x3xf32>
  %s = ade.add %o0, %o1 : tensor<3x3xf32>, tensor<3x3xf32> -> tensor<3x3xf32>
  return %s : tensor<3x3xf32>
}
// CHECK-LABEL: func.func @J.energy_vjp.tile
// CHECK-SAME: (%[[P:.*]]: tensor<9xf32>, %[[X:.*]]: tensor<2x4xf32>, %[[W:.*]]: tensor<4xf32>)
// CHECK-NOT: tensor<3x3x4xf32>
// CHECK-NOT: tensor<3x4xf32>
// CHECK: %[[U:.*]] = tensor.expand_shape %[[P]]
// CHECK: %[[SW:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[W]] : tensor<4xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[SC:.*]] = linalg.generic {{.*}} ins(%[[SW]], %[[U]] : tensor<f32>, tensor<3x3xf32>) outs(%{{.*}} : tensor<3x3xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK: tensor.extract_slice %[[SC]][0, 0] [1, 3] [1, 1] : tensor<3x3xf32> to tensor<3xf32>
// CHECK: tensor.extract_slice %[[SC]][1, 0] [1, 3] [1, 1] : tensor<3x3xf32> to tensor<3xf32>
// CHECK-NOT: tensor<3x3x4xf32>
// CHECK: return
