// RUN: ade-opt %s --ade-outline-densities --split-input-file | FileCheck %s
// RUN: ade-opt %s --ade-outline-densities=min-ops=3 --split-input-file | FileCheck %s --check-prefix=SMALL

// A log-density with a layer product stays a function: its calls become
// ade.call, which the inliner leaves alone.
ade.parameter @"M/w" : tensor<3x2xf32> of "M" at 0
func.func private @M.layer(%x: tensor<2xf32>) -> tensor<3xf32> {
  %w = ade.param @"M/w" : tensor<3x2xf32>
  %y = ade.matmul %w, %x : tensor<3x2xf32>, tensor<2xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M"} {
  %y = func.call @M.layer(%x) : (tensor<2xf32>) -> tensor<3xf32>
  %s = ade.reduce sum %y axis -1 : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @S.sample(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.model = "M", ade.sample = "S"} {
  %f = func.call @M.f(%x) : (tensor<2xf32>) -> tensor<f32>
  return %f : tensor<f32>
}
// CHECK-LABEL: func.func private @M.layer(
// CHECK-LABEL: func.func @M.f(
// CHECK-SAME: ade.log_density = "M", ade.outline
// CHECK: = call @M.layer
// CHECK-LABEL: func.func @S.sample(
// CHECK-SAME: %[[X:.*]]: tensor<2xf32>)
// CHECK-NEXT: %[[F:.*]] = ade.call @M.f(%[[X]]) : (tensor<2xf32>) -> tensor<f32>
// CHECK-NEXT: return %[[F]]

// -----

// A small log-density is inlined as before, unless it has `min-ops` ops.
func.func @N.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "N"} {
  %xx = ade.mul %x, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %xx axis -1 : tensor<2xf32> -> tensor<f32>
  %n = ade.neg %s : tensor<f32>
  return %n : tensor<f32>
}
func.func @T.sample(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.model = "N", ade.sample = "T"} {
  %f = func.call @N.f(%x) : (tensor<2xf32>) -> tensor<f32>
  return %f : tensor<f32>
}
// CHECK-LABEL: func.func @N.f(
// CHECK-NOT: ade.outline
// CHECK-LABEL: func.func @T.sample(
// CHECK: = call @N.f
// SMALL-LABEL: func.func @N.f(
// SMALL-SAME: ade.outline
// SMALL-LABEL: func.func @T.sample(
// SMALL: ade.call @N.f
