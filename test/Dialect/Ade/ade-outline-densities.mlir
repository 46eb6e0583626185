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

// -----

// A sampler's layer that runs more than once per sample (a step's net,
// shared by the steps) stays a function; one that runs once (a flow
// layer) is inlined as before, and so is a function that draws.
ade.parameter @"S/w" : tensor<2x2xf32> of "S" at 0
ade.parameter @"S/u" : tensor<2x2xf32> of "S" at 4
func.func private @S.net.layer(%x: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"S/w" : tensor<2x2xf32>
  %y = ade.matmul %w, %x : tensor<2x2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @S.flow.layer(%x: tensor<2xf32>) -> tensor<2xf32> {
  %u = ade.param @"S/u" : tensor<2x2xf32>
  %y = ade.matmul %u, %x : tensor<2x2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @S.noisy(%x: tensor<2xf32>) -> tensor<2xf32> {
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%x, %one) "z" : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %w = ade.param @"S/w" : tensor<2x2xf32>
  %y = ade.matmul %w, %z : tensor<2x2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @S.step(%x: tensor<2xf32>) -> tensor<2xf32> {
  %n = func.call @S.net.layer(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %d = func.call @S.noisy(%n) : (tensor<2xf32>) -> tensor<2xf32>
  %y = ade.add %x, %d : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @S.sample(%z: tensor<2xf32>) -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "S"} {
  %x0 = func.call @S.flow.layer(%z) : (tensor<2xf32>) -> tensor<2xf32>
  %x1 = func.call @S.step(%x0) : (tensor<2xf32>) -> tensor<2xf32>
  %x2 = func.call @S.step(%x1) : (tensor<2xf32>) -> tensor<2xf32>
  return %x2 : tensor<2xf32>
}
// CHECK-LABEL: func.func private @S.step(
// CHECK: ade.call @S.net.layer(
// CHECK: = call @S.noisy(
// CHECK-LABEL: func.func @S.sample(
// CHECK: = call @S.flow.layer(
// CHECK: = call @S.step(
// CHECK: = call @S.step(
