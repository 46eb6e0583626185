// RUN: ade-opt %s --canonicalize | FileCheck %s

// Folds of the ade dialect: algebraic identities and no-op shape changes.

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identities(%x: tensor<3xf32>) -> tensor<3xf32> {
  %zero = arith.constant dense<0.0> : tensor<3xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %a = ade.add %x, %zero : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %b = ade.mul %one, %a : tensor<f32>, tensor<3xf32> -> tensor<3xf32>
  %c = ade.sub %b, %zero : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %d = ade.div %c, %one : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
  %e = ade.neg %d : tensor<3xf32>
  %f = ade.neg %e : tensor<3xf32>
  %g = ade.slice %f starts [0] stops [3] squeeze [false] : tensor<3xf32> -> tensor<3xf32>
  %h = ade.reshape %g : tensor<3xf32> -> tensor<3xf32>
  return %h : tensor<3xf32>
}

// Broadcasting identities that change the type are kept.
// CHECK-LABEL: func.func @broadcast_kept
// CHECK: ade.add
func.func @broadcast_kept(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  %a = ade.add %x, %zero : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %a : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @reshapes
// CHECK-NEXT: %[[R:.*]] = ade.reshape %{{.*}} : tensor<6xf32> -> tensor<3x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshapes(%x: tensor<6xf32>) -> tensor<3x2xf32> {
  %a = ade.reshape %x : tensor<6xf32> -> tensor<2x3xf32>
  %b = ade.reshape %a : tensor<2x3xf32> -> tensor<3x2xf32>
  return %b : tensor<3x2xf32>
}

// A nonzero constant is not an identity.
// CHECK-LABEL: func.func @not_identity
// CHECK: ade.add
func.func @not_identity(%x: tensor<3xf32>) -> tensor<3xf32> {
  %two = arith.constant dense<2.0> : tensor<3xf32>
  %a = ade.add %x, %two : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %a : tensor<3xf32>
}
