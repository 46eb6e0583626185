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

// -----

// Instances of one component method share a function: calls of the others
// read their own parameters through `params`, across samplers too. The
// parameters of an instance must lie at one offset from the first's: @B's
// layer, with its parameters in the other order, keeps its own function.
ade.parameter @"A/q.0.w" : tensor<2xf32> of "A" at 0
ade.parameter @"A/q.0.b" : tensor<f32> of "A" at 2
ade.parameter @"A/q.1.w" : tensor<2xf32> of "A" at 3
ade.parameter @"A/q.1.b" : tensor<f32> of "A" at 5
ade.parameter @"P/pad" : tensor<3xf32> of "P" at 0
ade.parameter @"P/q.0.w" : tensor<2xf32> of "P" at 3
ade.parameter @"P/q.0.b" : tensor<f32> of "P" at 5
ade.parameter @"B/q.0.b" : tensor<f32> of "B" at 0
ade.parameter @"B/q.0.w" : tensor<2xf32> of "B" at 1
func.func private @A.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"A/q.0.w" : tensor<2xf32>
  %b = ade.param @"A/q.0.b" : tensor<f32>
  %d = ade.mul %w, %z : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %d axis -1 : tensor<2xf32> -> tensor<f32>
  %h = ade.add %s, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  %t = ade.tanh %h : tensor<f32>
  %u = ade.mul %w, %t : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %y = ade.add %z, %u : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @A.q.1.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"A/q.1.w" : tensor<2xf32>
  %b = ade.param @"A/q.1.b" : tensor<f32>
  %d = ade.mul %w, %z : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %d axis -1 : tensor<2xf32> -> tensor<f32>
  %h = ade.add %s, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  %t = ade.tanh %h : tensor<f32>
  %u = ade.mul %w, %t : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %y = ade.add %z, %u : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @P.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"P/q.0.w" : tensor<2xf32>
  %b = ade.param @"P/q.0.b" : tensor<f32>
  %d = ade.mul %w, %z : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %d axis -1 : tensor<2xf32> -> tensor<f32>
  %h = ade.add %s, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  %t = ade.tanh %h : tensor<f32>
  %u = ade.mul %w, %t : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %y = ade.add %z, %u : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @B.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"B/q.0.w" : tensor<2xf32>
  %b = ade.param @"B/q.0.b" : tensor<f32>
  %d = ade.mul %w, %z : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %d axis -1 : tensor<2xf32> -> tensor<f32>
  %h = ade.add %s, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  %t = ade.tanh %h : tensor<f32>
  %u = ade.mul %w, %t : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %y = ade.add %z, %u : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @A.sample(%z: tensor<2xf32>) -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "A"} {
  %0 = func.call @A.q.0.forward(%z) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = func.call @A.q.1.forward(%0) : (tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
func.func @P.sample(%z: tensor<2xf32>) -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "P"} {
  %0 = func.call @P.q.0.forward(%z) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = func.call @B.q.0.forward(%0) : (tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
// CHECK-LABEL: func.func @A.sample(
// CHECK-NEXT: %[[Y0:.*]] = ade.call @A.q.0.forward(%{{.*}}) : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: %[[Y1:.*]] = ade.call @A.q.0.forward(%[[Y0]]) params("A/q.0." -> "A/q.1.") : (tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: return %[[Y1]]
// CHECK-LABEL: func.func @P.sample(
// CHECK-NEXT: %[[P0:.*]] = ade.call @A.q.0.forward(%{{.*}}) params("A/q.0." -> "P/q.0.")
// CHECK-NEXT: call @B.q.0.forward(%[[P0]])
// SMALL-LABEL: func.func @P.sample(
// SMALL-NEXT: ade.call @A.q.0.forward(

// -----

// An instance smaller than `min-instance-ops` is inlined as before.
ade.parameter @"A/q.0.w" : tensor<2xf32> of "A" at 0
ade.parameter @"A/q.1.w" : tensor<2xf32> of "A" at 2
func.func private @A.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"A/q.0.w" : tensor<2xf32>
  %y = ade.add %z, %w : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @A.q.1.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %w = ade.param @"A/q.1.w" : tensor<2xf32>
  %y = ade.add %z, %w : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @A.sample(%z: tensor<2xf32>) -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "A"} {
  %0 = func.call @A.q.0.forward(%z) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = func.call @A.q.1.forward(%0) : (tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
// CHECK-LABEL: func.func @A.sample(
// CHECK-NEXT: call @A.q.0.forward
// CHECK-NEXT: call @A.q.1.forward
// SMALL-LABEL: func.func @A.sample(
// SMALL-NEXT: call @A.q.0.forward
// SMALL-NEXT: call @A.q.1.forward
