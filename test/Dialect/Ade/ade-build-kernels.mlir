// RUN: ade-opt %s --ade-build-kernels --canonicalize --split-input-file --verify-diagnostics | FileCheck %s

// A log-density gets three kernels: f, f with its gradient in x, and the
// w-weighted parameter gradient (one result per parameter read).

ade.parameter @"M/W" : tensor<3x2xf32> of "M" at 0
ade.parameter @"M/b" : tensor<3xf32> of "M" at 6
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M"} {
  %w = ade.param @"M/W" : tensor<3x2xf32>
  %h = ade.matmul %w, %x : tensor<3x2xf32>, tensor<2xf32> -> tensor<3xf32>
  %b = ade.param @"M/b" : tensor<3xf32>
  %a = ade.add %h, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %t = ade.tanh %a : tensor<3xf32>
  %s = ade.reduce sum %t axis -1 : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-LABEL: func.func @M.energy(
// CHECK-SAME: tensor<2xf32>) -> tensor<f32>
// CHECK-SAME: ade.kernel = {kind = "energy", owner = "M", owners = ["M"]}
// CHECK: ade.tanh
// CHECK: return

// CHECK-LABEL: func.func @M.grad_energy
// CHECK-SAME: (%{{.*}}: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>)
// CHECK-SAME: kind = "grad_energy"
// CHECK: %[[W:.*]] = ade.param @"M/W"
// CHECK: %[[T:.*]] = ade.tanh
// CHECK: %[[S:.*]] = ade.reduce sum %[[T]]
// tanh' = 1 - t^2 (the seed 1 folded away), then W^T u as u @ W.
// CHECK: %[[T2:.*]] = ade.mul %[[T]], %[[T]]
// CHECK: %[[D:.*]] = ade.sub %{{.*}}, %[[T2]]
// CHECK: %[[G:.*]] = ade.matmul %[[D]], %[[W]] : tensor<3xf32>, tensor<3x2xf32> -> tensor<2xf32>
// CHECK: return %[[S]], %[[G]] : tensor<f32>, tensor<2xf32>

// CHECK-LABEL: func.func @M.energy_vjp
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>, %{{.*}}: tensor<f32> {ade.cotangent})
// CHECK-SAME: -> (tensor<3x2xf32> {ade.param_grad = @"M/W"}, tensor<3xf32> {ade.param_grad = @"M/b"})
// CHECK-SAME: grads
// CHECK-SAME: kind = "energy_vjp"
// The weight gradient is an outer product of the pre-activation cotangent
// and x; the bias gradient is that cotangent.
// CHECK: %[[WB:.*]] = ade.broadcast %{{.*}} : tensor<1xf32> -> tensor<3xf32>
// CHECK: %[[DA:.*]] = ade.mul %[[WB]], %{{.*}} : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
// CHECK: %[[DW:.*]] = ade.outer %[[DA]], %[[X]] : tensor<3xf32>, tensor<2xf32> -> tensor<3x2xf32>
// CHECK: return %[[DW]], %[[DA]]

// -----

// expected-error @+1 {{a log-density must take one data point (a float tensor) and return a scalar of its element type}}
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> attributes {ade.log_density = "Vector"} {
  return %x : tensor<2xf32>
}

// -----

// A sampler whose density ade-density derived: the sample function is its
// own kernel; sample_vjp takes the noise and a cotangent for every output
// (x, log q, kinetic) and returns the gradient of every parameter read.
// Here x = z * exp(k) with log q = log N(z) - sum k, so
// d/dk = c_x * z * exp(k) - c_logq.
ade.parameter @"S/k" : tensor<2xf32> of "S" at 0
func.func @S.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "S"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %k = ade.param @"S/k" : tensor<2xf32>
  %e = ade.exp %k : tensor<2xf32>
  %x = ade.mul %noise, %e : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %sq = ade.square %noise : tensor<2xf32>
  %n = ade.reduce sum %sq axis -1 : tensor<2xf32> -> tensor<f32>
  %sk = ade.reduce sum %k axis -1 : tensor<2xf32> -> tensor<f32>
  %logq = ade.sub %n, %sk : tensor<f32>, tensor<f32> -> tensor<f32>
  return %x, %logq, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @S.sample(
// CHECK-SAME: ade.kernel = {kind = "sample", noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], owner = "S", owners = ["M", "S"]}
// CHECK-LABEL: func.func @S.sample_vjp(
// CHECK-SAME: %[[NOISE:.*]]: tensor<2xf32>, %[[CX:.*]]: tensor<2xf32> {ade.cotangent}, %[[CQ:.*]]: tensor<f32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent})
// CHECK-SAME: -> (tensor<2xf32> {ade.param_grad = @"S/k"})
// CHECK-SAME: ade.kernel = {grads, kind = "sample_vjp", noise = [{{.*}}], owner = "S", owners = ["M", "S"]}
// CHECK: %[[E:.*]] = ade.exp
// CHECK: %[[NEG:.*]] = ade.neg %[[CQ]]
// CHECK: %[[B:.*]] = ade.broadcast %{{.*}} : tensor<1xf32> -> tensor<2xf32>
// CHECK: %[[CZ:.*]] = ade.mul %[[CX]], %[[NOISE]]
// CHECK: %[[DE:.*]] = ade.mul %[[CZ]], %[[E]]
// CHECK: %[[G:.*]] = ade.add %[[B]], %[[DE]]
// CHECK: return %[[G]]

// -----

// expected-error @+1 {{internal: a sampler's density must be derived (ade-density) before its kernels}}
func.func @R.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "R"} {
  %x = arith.constant dense<0.0> : tensor<2xf32>
  return %x : tensor<2xf32>
}
