// RUN: ade-opt %s --ade-inline-calls --split-input-file --verify-diagnostics | FileCheck %s

// Every ade.call becomes its callee's body, calls in the callee included.
func.func private @square(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = ade.mul %x, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @f(%x: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>) {
  %y = ade.call @square(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %s = ade.reduce sum %y axis -1 : tensor<2xf32> -> tensor<f32>
  return %s, %y : tensor<f32>, tensor<2xf32>
}
func.func @kernel(%x: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>) {
  %r:2 = ade.call @f(%x) : (tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>)
  return %r#0, %r#1 : tensor<f32>, tensor<2xf32>
}
// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: %[[X:.*]]: tensor<2xf32>)
// CHECK-NEXT: %[[Y:.*]] = ade.mul %[[X]], %[[X]]
// CHECK-NEXT: %[[S:.*]] = ade.reduce sum %[[Y]]
// CHECK-NEXT: return %[[S]], %[[Y]]

// -----

// A call of a shared function reads its own instance's parameters inline.
ade.parameter @"S/q.0.b" : tensor<2xf32> of "S" at 0
ade.parameter @"S/q.1.b" : tensor<2xf32> of "S" at 2
func.func private @S.q.0.forward(%x: tensor<2xf32>) -> tensor<2xf32> {
  %b = ade.param @"S/q.0.b" : tensor<2xf32>
  %y = ade.add %x, %b : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @kernel(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = ade.call @S.q.0.forward(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %z = ade.call @S.q.0.forward(%y) params("S/q.0." -> "S/q.1.") : (tensor<2xf32>) -> tensor<2xf32>
  return %z : tensor<2xf32>
}
// CHECK-LABEL: func.func @kernel(
// CHECK-NEXT: ade.param @"S/q.0.b"
// CHECK-NEXT: ade.add
// CHECK-NEXT: ade.param @"S/q.1.b"
// CHECK-NEXT: ade.add
