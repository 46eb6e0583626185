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
