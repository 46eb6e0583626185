// RUN: ade-opt %s | ade-opt | FileCheck %s
// RUN: ade-opt %s --mlir-print-op-generic | ade-opt | FileCheck %s

// Every ade operation round-trips through its custom assembly format.

ade.parameter @"M/W" : tensor<3x2xf32> of "M" at 0
ade.parameter @"M/b" : tensor<3xf32> of "M" at 6
// CHECK: ade.parameter @"M/W" : tensor<3x2xf32> of "M" at 0

func.func @f(%x: tensor<2xf32>, %m: tensor<2x3xf32>, %c: tensor<2xi1>,
             %img: tensor<1x6x6xf32>, %k: tensor<4x1x3x3xf32>,
             %kb: tensor<4xf32>) -> tensor<f32> {
  // CHECK-LABEL: func.func @f
  // CHECK: %[[W:.*]] = ade.param @"M/W" : tensor<3x2xf32>
  %w = ade.param @"M/W" : tensor<3x2xf32>
  // CHECK: ade.matmul %[[W]], %{{.*}} : tensor<3x2xf32>, tensor<2xf32> -> tensor<3xf32>
  %h = ade.matmul %w, %x : tensor<3x2xf32>, tensor<2xf32> -> tensor<3xf32>
  %b = ade.param @"M/b" : tensor<3xf32>
  // CHECK: ade.add %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %a = ade.add %h, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %u0 = ade.neg %a : tensor<3xf32>
  %u1 = ade.exp %u0 : tensor<3xf32>
  %u2 = ade.log %u1 : tensor<3xf32>
  %u3 = ade.log1p %u2 : tensor<3xf32>
  %u4 = ade.expm1 %u3 : tensor<3xf32>
  %u5 = ade.tanh %u4 : tensor<3xf32>
  %u6 = ade.sigmoid %u5 : tensor<3xf32>
  %u7 = ade.softplus %u6 : tensor<3xf32>
  %u8 = ade.relu %u7 : tensor<3xf32>
  %u9 = ade.elu %u8 : tensor<3xf32>
  %u10 = ade.swish %u9 : tensor<3xf32>
  %u11 = ade.sin %u10 : tensor<3xf32>
  %u12 = ade.cos %u11 : tensor<3xf32>
  %u13 = ade.sqrt %u12 : tensor<3xf32>
  %u14 = ade.abs %u13 : tensor<3xf32>
  %u15 = ade.square %u14 : tensor<3xf32>
  %u16 = ade.stop_gradient %u15 : tensor<3xf32>
  // CHECK: ade.leaky_relu %{{.*}} alpha 2.000000e-01 : tensor<3xf32>
  %u17 = ade.leaky_relu %u16 alpha 0.2 : tensor<3xf32>
  // CHECK: ade.sub %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %s = ade.sub %m, %u17 : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %p = ade.mul %s, %s : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %q = ade.div %p, %s : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %r = ade.pow %q, %s : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %mn = ade.minimum %r, %q : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %mx = ade.maximum %mn, %q : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: ade.cmp gt, %{{.*}}, %{{.*}} : tensor<2xf32>, tensor<2xf32> -> tensor<2xi1>
  %g = ade.cmp gt, %x, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xi1>
  %and = ade.and %g, %c : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
  %or = ade.or %and, %c : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
  %not = ade.not %or : tensor<2xi1>
  %sel = ade.select %not, %x, %x : tensor<2xi1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %cl = ade.clip %sel, %x, %x : tensor<2xf32>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %d = ade.cast %cl : tensor<2xf32> -> tensor<2xf64>
  %bf = ade.cast %c : tensor<2xi1> -> tensor<2xf32>
  // CHECK: ade.reduce sum %{{.*}} axis 0 : tensor<2x3xf32> -> tensor<3xf32>
  %red = ade.reduce sum %mx axis 0 : tensor<2x3xf32> -> tensor<3xf32>
  %all = ade.reduce logsumexp %mx axis -1 : tensor<2x3xf32> -> tensor<f32>
  // CHECK: ade.slice %{{.*}} starts [0, 1] stops [1, 3] squeeze [true, false] : tensor<2x3xf32> -> tensor<2xf32>
  %sl = ade.slice %mx starts [0, 1] stops [1, 3] squeeze [true, false] : tensor<2x3xf32> -> tensor<2xf32>
  %rs = ade.reshape %mx : tensor<2x3xf32> -> tensor<6xf32>
  %tr = ade.transpose %mx : tensor<2x3xf32> -> tensor<3x2xf32>
  %cc = ade.concat %sl, %bf axis 0 : tensor<2xf32>, tensor<2xf32> -> tensor<4xf32>
  %st = ade.stack %all, %all : tensor<f32>, tensor<f32> -> tensor<2xf32>
  // CHECK: ade.conv2d %{{.*}}, %{{.*}} bias %{{.*}} stride 1 padding 1
  %cv = ade.conv2d %img, %k bias %kb stride 1 padding 1 : tensor<1x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32> -> tensor<4x6x6xf32>
  %cv2 = ade.conv2d %img, %k stride 2 padding 0 : tensor<1x6x6xf32>, tensor<4x1x3x3xf32> -> tensor<4x2x2xf32>
  // CHECK: ade.pool2d avg %{{.*}} window 2 stride 2 : tensor<4x6x6xf32> -> tensor<4x3x3xf32>
  %pl = ade.pool2d avg %cv window 2 stride 2 : tensor<4x6x6xf32> -> tensor<4x3x3xf32>
  // CHECK: ade.derivative grad @energy(%{{.*}}) : (tensor<2xf32>) -> tensor<2xf32>
  %gr = ade.derivative grad @energy(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %tv = ade.derivative hessian_trace @energy(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> tensor<f32>
  // CHECK: ade.call @energy(%{{.*}}) : (tensor<2xf32>) -> tensor<f32>
  %ec = ade.call @energy(%gr) : (tensor<2xf32>) -> tensor<f32>
  %e = func.call @energy(%gr) : (tensor<2xf32>) -> tensor<f32>
  return %e : tensor<f32>
}

func.func @energy(%x: tensor<2xf32>) -> tensor<f32> {
  %s = ade.reduce norm %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

ade.parameter @"S/q.0.b" : tensor<3xf32> of "S" at 0
ade.parameter @"S/q.1.b" : tensor<3xf32> of "S" at 3
func.func private @S.q.0.forward(%x: tensor<3xf32>) -> tensor<3xf32> {
  %b = ade.param @"S/q.0.b" : tensor<3xf32>
  %y = ade.add %x, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<3xf32>) -> tensor<3xf32> {
  // CHECK: ade.call @S.q.0.forward(%{{.*}}) params("S/q.0." -> "S/q.1.") : (tensor<3xf32>) -> tensor<3xf32>
  %y = ade.call @S.q.0.forward(%x) params("S/q.0." -> "S/q.1.") : (tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// CHECK-LABEL: func.func @sample
func.func @sample(%mean: tensor<f32>, %std: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: ade.draw normal(%{{.*}}, %{{.*}}) "z" : tensor<f32>, tensor<2xf32> -> tensor<2xf32>
  %z = ade.draw normal(%mean, %std) "z" : tensor<f32>, tensor<2xf32> -> tensor<2xf32>
  // CHECK: ade.draw uniform
  %u = ade.draw uniform(%mean, %mean) "u" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %s = ade.add %z, %u : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %c = ade.reduce sum %s axis -1 : tensor<2xf32> -> tensor<f32>
  %b = arith.constant dense<true> : tensor<i1>
  // CHECK: ade.report "spread" %{{.*}} : tensor<f32>
  ade.report "spread" %c : tensor<f32>
  // CHECK: ade.report "accepted" %{{.*}} : tensor<i1>
  ade.report "accepted" %b : tensor<i1>
  return %s : tensor<2xf32>
}

// CHECK-LABEL: func.func @matrices
func.func @matrices(%a: tensor<3x3xf32>) -> tensor<f32> {
  // CHECK: ade.logabsdet %{{.*}} : tensor<3x3xf32> -> tensor<f32>
  %l = ade.logabsdet %a : tensor<3x3xf32> -> tensor<f32>
  // CHECK: ade.inverse %{{.*}} : tensor<3x3xf32>
  %i = ade.inverse %a : tensor<3x3xf32>
  %m = ade.logabsdet %i : tensor<3x3xf32> -> tensor<f32>
  %s = ade.add %l, %m : tensor<f32>, tensor<f32> -> tensor<f32>
  return %s : tensor<f32>
}
