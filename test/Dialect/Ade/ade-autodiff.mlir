// RUN: ade-opt %s --ade-autodiff --canonicalize --cse --symbol-dce --split-input-file --verify-diagnostics | FileCheck %s

// The derivative rule of every operation: vjp(g)(x, u) = u^T dg/dx for a
// function g applying the operation. Constants fold; u is %[[U]].

func.func private @neg(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.neg %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_neg(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @neg(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_neg
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[R:.*]] = ade.neg %[[U]]

func.func private @exp(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.exp %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_exp(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @exp(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_exp
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.exp %[[X]]
// CHECK: ade.mul %[[U]], %[[Y]]

func.func private @log(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.log %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_log(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @log(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_log
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: ade.div %[[U]], %[[X]]

func.func private @log1p(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.log1p %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_log1p(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @log1p(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_log1p
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[ONE:.*]] = arith.constant dense<1.0{{.*}}> : tensor<f32>
// CHECK: %[[D:.*]] = ade.add %[[X]], %[[ONE]]
// CHECK: ade.div %[[U]], %[[D]]

func.func private @expm1(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.expm1 %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_expm1(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @expm1(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_expm1
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.expm1 %[[X]]
// CHECK: %[[D:.*]] = ade.add %[[Y]], %{{.*}}
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @tanh(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.tanh %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_tanh(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @tanh(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_tanh
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.tanh %[[X]]
// CHECK: %[[Y2:.*]] = ade.mul %[[Y]], %[[Y]]
// CHECK: %[[D:.*]] = ade.sub %{{.*}}, %[[Y2]]
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @sigmoid(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.sigmoid %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_sigmoid(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @sigmoid(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_sigmoid
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.sigmoid %[[X]]
// CHECK: %[[C:.*]] = ade.sub %{{.*}}, %[[Y]]
// CHECK: %[[D:.*]] = ade.mul %[[Y]], %[[C]]
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @softplus(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.softplus %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_softplus(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @softplus(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_softplus
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[S:.*]] = ade.sigmoid %[[X]]
// CHECK: ade.mul %[[U]], %[[S]]

func.func private @relu(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.relu %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_relu(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @relu(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_relu
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Z:.*]] = arith.constant dense<0.0{{.*}}> : tensor<f32>
// CHECK: %[[P:.*]] = ade.cmp gt, %[[X]], %[[Z]]
// CHECK: ade.select %[[P]], %[[U]], %[[Z]]

func.func private @elu(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.elu %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_elu(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @elu(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_elu
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.elu %[[X]]
// CHECK: %[[P:.*]] = ade.cmp gt, %[[X]]
// CHECK: %[[E:.*]] = ade.add %[[Y]]
// CHECK: %[[N:.*]] = ade.mul %[[U]], %[[E]]
// CHECK: ade.select %[[P]], %[[U]], %[[N]]

func.func private @swish(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.swish %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_swish(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @swish(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_swish
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.swish %[[X]]
// CHECK: %[[S:.*]] = ade.sigmoid %[[X]]
// CHECK: %[[C:.*]] = ade.sub %{{.*}}, %[[S]]
// CHECK: %[[T:.*]] = ade.mul %[[Y]], %[[C]]
// CHECK: %[[D:.*]] = ade.add %[[S]], %[[T]]
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @sin(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.sin %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_sin(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @sin(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_sin
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[C:.*]] = ade.cos %[[X]]
// CHECK: ade.mul %[[U]], %[[C]]

func.func private @cos(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.cos %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_cos(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @cos(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_cos
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[S:.*]] = ade.sin %[[X]]
// CHECK: %[[M:.*]] = ade.mul %[[U]], %[[S]]
// CHECK: ade.neg %[[M]]

func.func private @sqrt(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.sqrt %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_sqrt(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @sqrt(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_sqrt
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[H:.*]] = arith.constant dense<5.0{{.*}}e-01> : tensor<f32>
// CHECK: %[[Y:.*]] = ade.sqrt %[[X]]
// CHECK: %[[M:.*]] = ade.mul %[[U]], %[[H]]
// CHECK: ade.div %[[M]], %[[Y]]

func.func private @abs(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.abs %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_abs(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @abs(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_abs
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[N:.*]] = ade.cmp lt, %[[X]]
// CHECK: %[[NU:.*]] = ade.neg %[[U]]
// CHECK: %[[P:.*]] = ade.cmp gt, %[[X]]
// CHECK: %[[S:.*]] = ade.select %[[P]], %[[U]]
// CHECK: ade.select %[[N]], %[[NU]], %[[S]]

func.func private @square(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.square %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_square(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @square(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_square
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[TWO:.*]] = arith.constant dense<2.0{{.*}}> : tensor<f32>
// CHECK: %[[D:.*]] = ade.mul %[[X]], %[[TWO]]
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @stop_gradient(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.stop_gradient %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_stop_gradient(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @stop_gradient(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_stop_gradient
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Z:.*]] = arith.constant dense<0.0{{.*}}> : tensor<3xf32>
// CHECK: return %[[Z]]

// -----

// Binary operations: cotangents of broadcast operands are summed back to
// their shapes.
ade.parameter @"P/a" : tensor<2x3xf32> of "P" at 0
ade.parameter @"P/c" : tensor<2x1xf32> of "P" at 6
ade.parameter @"P/v" : tensor<3xf32> of "P" at 8
func.func private @add(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %a = ade.param @"P/a" : tensor<2x3xf32>
  %y = ade.add %x, %a : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @vjp_add(%x: tensor<3xf32>, %u: tensor<2x3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @add(%x, %u) : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_add
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: %[[G:.*]] = ade.reduce sum %[[U]] axis 0 : tensor<2x3xf32> -> tensor<3xf32>
// CHECK: return %[[G]]

func.func private @sub(%x: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %a = ade.param @"P/a" : tensor<2x3xf32>
  %y = ade.sub %a, %x : tensor<2x3xf32>, tensor<2x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @vjp_sub(%x: tensor<2x1xf32>, %u: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %g = ade.derivative vjp @sub(%x, %u) : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x1xf32>
  return %g : tensor<2x1xf32>
}
// CHECK-LABEL: func.func @vjp_sub
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: %[[S:.*]] = ade.reduce sum %[[U]] axis 1 : tensor<2x3xf32> -> tensor<2xf32>
// CHECK: %[[R:.*]] = ade.reshape %[[S]] : tensor<2xf32> -> tensor<2x1xf32>
// CHECK: ade.neg %[[R]]

func.func private @mul(%x: tensor<3xf32>) -> tensor<3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %y = ade.mul %v, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_mul(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @mul(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_mul
// CHECK-SAME: (%{{.*}}: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[V:.*]] = ade.param @"P/v"
// CHECK: ade.mul %[[U]], %[[V]]

func.func private @div(%x: tensor<3xf32>) -> tensor<3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %y = ade.div %v, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_div(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @div(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// d(v / x) = -(v / x) dx / x
// CHECK-LABEL: func.func @vjp_div
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Y:.*]] = ade.div %{{.*}}, %[[X]]
// CHECK: %[[UY:.*]] = ade.mul %[[U]], %[[Y]]
// CHECK: %[[Q:.*]] = ade.div %[[UY]], %[[X]]
// CHECK: ade.neg %[[Q]]

func.func private @pow_base(%x: tensor<3xf32>) -> tensor<3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %y = ade.pow %x, %v : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_pow_base(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @pow_base(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// d x^v = v x^(v - 1) dx
// CHECK-LABEL: func.func @vjp_pow_base
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[V:.*]] = ade.param @"P/v"
// CHECK: %[[VM1:.*]] = ade.sub %[[V]], %{{.*}}
// CHECK: %[[P:.*]] = ade.pow %[[X]], %[[VM1]]
// CHECK: %[[D:.*]] = ade.mul %[[V]], %[[P]]
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @pow_exponent(%x: tensor<3xf32>) -> tensor<3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %y = ade.pow %v, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_pow_exponent(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @pow_exponent(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// d v^x = v^x log(v) dx
// CHECK-LABEL: func.func @vjp_pow_exponent
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[V:.*]] = ade.param @"P/v"
// CHECK: %[[Y:.*]] = ade.pow %[[V]], %[[X]]
// CHECK: %[[L:.*]] = ade.log %[[V]]
// CHECK: %[[D:.*]] = ade.mul %[[Y]], %[[L]]
// CHECK: ade.mul %[[U]], %[[D]]

func.func private @minmax(%x: tensor<3xf32>) -> tensor<3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %m = ade.minimum %x, %v : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %y = ade.maximum %v, %m : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_minmax(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @minmax(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// The cotangent reaches x where max chose min(x, v) (v >= m fails) and min
// chose x (x <= v).
// CHECK-LABEL: func.func @vjp_minmax
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[V:.*]] = ade.param @"P/v"
// CHECK: %[[M:.*]] = ade.minimum %[[X]], %[[V]]
// CHECK: %[[GE:.*]] = ade.cmp ge, %[[V]], %[[M]]
// CHECK: %[[UM:.*]] = ade.select %[[GE]], %{{.*}}, %[[U]]
// CHECK: %[[LE:.*]] = ade.cmp le, %[[X]], %[[V]]
// CHECK: ade.select %[[LE]], %[[UM]], %{{.*}}

func.func private @select(%x: tensor<3xf32>) -> tensor<3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %c = ade.cmp gt, %x, %v : tensor<3xf32>, tensor<3xf32> -> tensor<3xi1>
  %y = ade.select %c, %v, %x : tensor<3xi1>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_select(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @select(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_select
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[Z:.*]] = arith.constant dense<0.0{{.*}}> : tensor<f32>
// CHECK: %[[C:.*]] = ade.cmp gt, %[[X]]
// CHECK: ade.select %[[C]], %[[Z]], %[[U]]

func.func private @clip(%x: tensor<3xf32>) -> tensor<3xf32> {
  %lo = arith.constant dense<-1.0> : tensor<f32>
  %hi = arith.constant dense<1.0> : tensor<f32>
  %y = ade.clip %x, %lo, %hi : tensor<3xf32>, tensor<f32>, tensor<f32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_clip(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @clip(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_clip
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[BELOW:.*]] = ade.cmp lt, %[[X]]
// CHECK: %[[ABOVE:.*]] = ade.cmp gt, %[[X]]
// CHECK: %[[IN:.*]] = ade.select %[[ABOVE]], %{{.*}}, %[[U]]
// CHECK: ade.select %[[BELOW]], %{{.*}}, %[[IN]]

func.func private @leaky(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = ade.leaky_relu %x alpha 0.25 : tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_leaky(%x: tensor<3xf32>, %u: tensor<3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @leaky(%x, %u) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_leaky
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>, %[[U:[a-z0-9]+]]: tensor<3xf32>)
// CHECK: %[[A:.*]] = arith.constant dense<2.5{{0*}}e-01> : tensor<f32>
// CHECK: %[[P:.*]] = ade.cmp gt, %[[X]]
// CHECK: %[[S:.*]] = ade.mul %[[U]], %[[A]]
// CHECK: ade.select %[[P]], %[[U]], %[[S]]

func.func private @cast(%x: tensor<3xf32>) -> tensor<3xf64> {
  %y = ade.cast %x : tensor<3xf32> -> tensor<3xf64>
  return %y : tensor<3xf64>
}
func.func @vjp_cast(%x: tensor<3xf32>, %u: tensor<3xf64>) -> tensor<3xf32> {
  %g = ade.derivative vjp @cast(%x, %u) : (tensor<3xf32>, tensor<3xf64>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_cast
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<3xf64>
// CHECK: ade.cast %[[U]] : tensor<3xf64> -> tensor<3xf32>

// -----

// Products: matrix-vector in either position, matrix-matrix, dot, outer.
ade.parameter @"P/W" : tensor<2x3xf32> of "P" at 0
ade.parameter @"P/B" : tensor<3x4xf32> of "P" at 6
ade.parameter @"P/v" : tensor<3xf32> of "P" at 18
func.func private @mv(%x: tensor<3xf32>) -> tensor<2xf32> {
  %w = ade.param @"P/W" : tensor<2x3xf32>
  %y = ade.matmul %w, %x : tensor<2x3xf32>, tensor<3xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @vjp_mv(%x: tensor<3xf32>, %u: tensor<2xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @mv(%x, %u) : (tensor<3xf32>, tensor<2xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// W^T u, written u @ W
// CHECK-LABEL: func.func @vjp_mv
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2xf32>
// CHECK: %[[W:.*]] = ade.param @"P/W"
// CHECK: ade.matmul %[[U]], %[[W]] : tensor<2xf32>, tensor<2x3xf32> -> tensor<3xf32>

func.func private @vm(%x: tensor<3xf32>) -> tensor<4xf32> {
  %b = ade.param @"P/B" : tensor<3x4xf32>
  %y = ade.matmul %x, %b : tensor<3xf32>, tensor<3x4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}
func.func @vjp_vm(%x: tensor<3xf32>, %u: tensor<4xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @vm(%x, %u) : (tensor<3xf32>, tensor<4xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_vm
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<4xf32>
// CHECK: %[[B:.*]] = ade.param @"P/B"
// CHECK: ade.matmul %[[B]], %[[U]] : tensor<3x4xf32>, tensor<4xf32> -> tensor<3xf32>

func.func private @mm(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = ade.param @"P/B" : tensor<3x4xf32>
  %y = ade.matmul %x, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func @vjp_mm(%x: tensor<2x3xf32>, %u: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @mm(%x, %u) : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// U B^T
// CHECK-LABEL: func.func @vjp_mm
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x4xf32>
// CHECK: %[[B:.*]] = ade.param @"P/B"
// CHECK: %[[BT:.*]] = ade.transpose %[[B]] : tensor<3x4xf32> -> tensor<4x3xf32>
// CHECK: ade.matmul %[[U]], %[[BT]] : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>

func.func private @mm_right(%x: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %w = ade.param @"P/W" : tensor<2x3xf32>
  %y = ade.matmul %w, %x : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func @vjp_mm_right(%x: tensor<3x4xf32>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {
  %g = ade.derivative vjp @mm_right(%x, %u) : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %g : tensor<3x4xf32>
}
// W^T U
// CHECK-LABEL: func.func @vjp_mm_right
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x4xf32>
// CHECK: %[[W:.*]] = ade.param @"P/W"
// CHECK: %[[WT:.*]] = ade.transpose %[[W]] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK: ade.matmul %[[WT]], %[[U]] : tensor<3x2xf32>, tensor<2x4xf32> -> tensor<3x4xf32>

func.func private @dot(%x: tensor<3xf32>) -> tensor<f32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %y = ade.matmul %x, %v : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  return %y : tensor<f32>
}
func.func @vjp_dot(%x: tensor<3xf32>, %u: tensor<f32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @dot(%x, %u) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_dot
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[V:.*]] = ade.param @"P/v"
// CHECK: ade.mul %[[U]], %[[V]] : tensor<f32>, tensor<3xf32> -> tensor<3xf32>

func.func private @outer(%x: tensor<2xf32>) -> tensor<2x3xf32> {
  %v = ade.param @"P/v" : tensor<3xf32>
  %y = ade.outer %x, %v : tensor<2xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @vjp_outer(%x: tensor<2xf32>, %u: tensor<2x3xf32>) -> tensor<2xf32> {
  %g = ade.derivative vjp @outer(%x, %u) : (tensor<2xf32>, tensor<2x3xf32>) -> tensor<2xf32>
  return %g : tensor<2xf32>
}
// CHECK-LABEL: func.func @vjp_outer
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: %[[V:.*]] = ade.param @"P/v"
// CHECK: ade.matmul %[[U]], %[[V]] : tensor<2x3xf32>, tensor<3xf32> -> tensor<2xf32>

// -----

// Reductions: the cotangent is broadcast back over the reduced axis.
func.func private @sum(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %y = ade.reduce sum %x axis 0 : tensor<2x3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_sum(%x: tensor<2x3xf32>, %u: tensor<3xf32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @sum(%x, %u) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @vjp_sum
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<3xf32>
// CHECK: %[[K:.*]] = ade.reshape %[[U]] : tensor<3xf32> -> tensor<1x3xf32>
// CHECK: %[[B:.*]] = ade.broadcast %[[K]] : tensor<1x3xf32> -> tensor<2x3xf32>
// CHECK: return %[[B]]

func.func private @mean(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %y = ade.reduce mean %x axis 1 : tensor<2x3xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @vjp_mean(%x: tensor<2x3xf32>, %u: tensor<2xf32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @mean(%x, %u) : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @vjp_mean
// CHECK: %[[THIRD:.*]] = arith.constant dense<0.333333{{.*}}> : tensor<f32>
// CHECK: %[[B:.*]] = ade.broadcast %{{.*}} : tensor<2x1xf32> -> tensor<2x3xf32>
// CHECK: ade.mul %[[B]], %[[THIRD]]

func.func private @max(%x: tensor<2x3xf32>) -> tensor<f32> {
  %y = ade.reduce max %x axis -1 : tensor<2x3xf32> -> tensor<f32>
  return %y : tensor<f32>
}
func.func @vjp_max(%x: tensor<2x3xf32>, %u: tensor<f32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @max(%x, %u) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// Elements equal to the maximum share the cotangent.
// CHECK-LABEL: func.func @vjp_max
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x3xf32>, %[[U:[a-z0-9]+]]: tensor<f32>)
// CHECK: %[[Y:.*]] = ade.reduce max %[[X]] axis -1
// CHECK: %[[HIT:.*]] = ade.cmp eq, %[[X]], %{{.*}}
// CHECK: %[[HF:.*]] = ade.cast %[[HIT]] : tensor<2x3xi1> -> tensor<2x3xf32>
// CHECK: %[[N:.*]] = ade.reduce sum %[[HF]] axis -1
// CHECK: %[[UH:.*]] = ade.mul %{{.*}}, %[[HF]]
// CHECK: ade.div %[[UH]], %{{.*}}

func.func private @min(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %y = ade.reduce min %x axis 0 : tensor<2x3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @vjp_min(%x: tensor<2x3xf32>, %u: tensor<3xf32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @min(%x, %u) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @vjp_min
// CHECK: ade.reduce min
// CHECK: ade.cmp eq
// CHECK: ade.reduce sum %{{.*}} axis 0
// CHECK: ade.div

func.func private @logsumexp(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %y = ade.reduce logsumexp %x axis 1 : tensor<2x3xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @vjp_logsumexp(%x: tensor<2x3xf32>, %u: tensor<2xf32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @logsumexp(%x, %u) : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// u * softmax(x) = u * exp(x - y)
// CHECK-LABEL: func.func @vjp_logsumexp
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: %[[Y:.*]] = ade.reduce logsumexp %[[X]] axis 1
// CHECK: %[[YK:.*]] = ade.reshape %[[Y]] : tensor<2xf32> -> tensor<2x1xf32>
// CHECK: %[[YB:.*]] = ade.broadcast %[[YK]]
// CHECK: %[[D:.*]] = ade.sub %[[X]], %[[YB]]
// CHECK: %[[E:.*]] = ade.exp %[[D]]
// CHECK: ade.mul %{{.*}}, %[[E]]

func.func private @norm(%x: tensor<3xf32>) -> tensor<f32> {
  %y = ade.reduce norm %x axis -1 : tensor<3xf32> -> tensor<f32>
  return %y : tensor<f32>
}
func.func @vjp_norm(%x: tensor<3xf32>, %u: tensor<f32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @norm(%x, %u) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// u * x / |x|
// CHECK-LABEL: func.func @vjp_norm
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3xf32>
// CHECK: %[[Y:.*]] = ade.reduce norm %[[X]]
// CHECK: %[[YK:.*]] = ade.reshape %[[Y]] : tensor<f32> -> tensor<1xf32>
// CHECK: %[[YB:.*]] = ade.broadcast %[[YK]]
// CHECK: %[[Q:.*]] = ade.div %[[X]], %[[YB]]
// CHECK: ade.mul %{{.*}}, %[[Q]]

// -----

// Shape operations move the cotangent back.
func.func private @slice(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %y = ade.slice %x starts [1, 0] stops [2, 2] squeeze [true, false] : tensor<2x3xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @vjp_slice(%x: tensor<2x3xf32>, %u: tensor<2xf32>) -> tensor<2x3xf32> {
  %g = ade.derivative vjp @slice(%x, %u) : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @vjp_slice
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2xf32>
// CHECK: ade.embed %[[U]] starts [1, 0] stops [2, 2] squeeze [true, false] : tensor<2xf32> -> tensor<2x3xf32>

func.func private @embed(%x: tensor<2xf32>) -> tensor<2x3xf32> {
  %y = ade.embed %x starts [1, 0] stops [2, 2] squeeze [true, false] : tensor<2xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @vjp_embed(%x: tensor<2xf32>, %u: tensor<2x3xf32>) -> tensor<2xf32> {
  %g = ade.derivative vjp @embed(%x, %u) : (tensor<2xf32>, tensor<2x3xf32>) -> tensor<2xf32>
  return %g : tensor<2xf32>
}
// CHECK-LABEL: func.func @vjp_embed
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: ade.slice %[[U]] starts [1, 0] stops [2, 2] squeeze [true, false]

func.func private @reshape_t(%x: tensor<6xf32>) -> tensor<3x2xf32> {
  %m = ade.reshape %x : tensor<6xf32> -> tensor<2x3xf32>
  %y = ade.transpose %m : tensor<2x3xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
func.func @vjp_reshape_t(%x: tensor<6xf32>, %u: tensor<3x2xf32>) -> tensor<6xf32> {
  %g = ade.derivative vjp @reshape_t(%x, %u) : (tensor<6xf32>, tensor<3x2xf32>) -> tensor<6xf32>
  return %g : tensor<6xf32>
}
// CHECK-LABEL: func.func @vjp_reshape_t
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<3x2xf32>
// CHECK: %[[T:.*]] = ade.transpose %[[U]] : tensor<3x2xf32> -> tensor<2x3xf32>
// CHECK: ade.reshape %[[T]] : tensor<2x3xf32> -> tensor<6xf32>

func.func private @concat(%x: tensor<2x2xf32>) -> tensor<2x5xf32> {
  %c = arith.constant dense<1.0> : tensor<2x3xf32>
  %y = ade.concat %c, %x axis 1 : tensor<2x3xf32>, tensor<2x2xf32> -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}
func.func @vjp_concat(%x: tensor<2x2xf32>, %u: tensor<2x5xf32>) -> tensor<2x2xf32> {
  %g = ade.derivative vjp @concat(%x, %u) : (tensor<2x2xf32>, tensor<2x5xf32>) -> tensor<2x2xf32>
  return %g : tensor<2x2xf32>
}
// CHECK-LABEL: func.func @vjp_concat
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x5xf32>
// CHECK: ade.slice %[[U]] starts [0, 3] stops [2, 5] squeeze [false, false] : tensor<2x5xf32> -> tensor<2x2xf32>

func.func private @stack(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = ade.stack %x, %x : tensor<3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @vjp_stack(%x: tensor<3xf32>, %u: tensor<2x3xf32>) -> tensor<3xf32> {
  %g = ade.derivative vjp @stack(%x, %u) : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<3xf32>
  return %g : tensor<3xf32>
}
// Both rows flow back to x and add up.
// CHECK-LABEL: func.func @vjp_stack
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: %[[R0:.*]] = ade.slice %[[U]] starts [0] stops [1] squeeze [true]
// CHECK: %[[R1:.*]] = ade.slice %[[U]] starts [1] stops [2] squeeze [true]
// CHECK: ade.add %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>

func.func private @broadcast(%x: tensor<1x3xf32>) -> tensor<4x3xf32> {
  %y = ade.broadcast %x : tensor<1x3xf32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
func.func @vjp_broadcast(%x: tensor<1x3xf32>, %u: tensor<4x3xf32>) -> tensor<1x3xf32> {
  %g = ade.derivative vjp @broadcast(%x, %u) : (tensor<1x3xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  return %g : tensor<1x3xf32>
}
// CHECK-LABEL: func.func @vjp_broadcast
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<4x3xf32>
// CHECK: %[[S:.*]] = ade.reduce sum %[[U]] axis 0
// CHECK: ade.reshape %[[S]] : tensor<3xf32> -> tensor<1x3xf32>

// -----

// Images: convolutions and pooling have adjoint operations, which have
// rules of their own (second derivatives).
ade.parameter @"I/K" : tensor<2x1x3x3xf32> of "I" at 0
ade.parameter @"I/b" : tensor<2xf32> of "I" at 18
func.func private @conv(%x: tensor<1x5x5xf32>) -> tensor<2x3x3xf32> {
  %k = ade.param @"I/K" : tensor<2x1x3x3xf32>
  %b = ade.param @"I/b" : tensor<2xf32>
  %y = ade.conv2d %x, %k bias %b stride 1 padding 0 : tensor<1x5x5xf32>, tensor<2x1x3x3xf32>, tensor<2xf32> -> tensor<2x3x3xf32>
  return %y : tensor<2x3x3xf32>
}
func.func @vjp_conv(%x: tensor<1x5x5xf32>, %u: tensor<2x3x3xf32>) -> tensor<1x5x5xf32> {
  %g = ade.derivative vjp @conv(%x, %u) : (tensor<1x5x5xf32>, tensor<2x3x3xf32>) -> tensor<1x5x5xf32>
  return %g : tensor<1x5x5xf32>
}
// CHECK-LABEL: func.func @vjp_conv
// CHECK-SAME: %[[U:[a-z0-9]+]]: tensor<2x3x3xf32>
// CHECK: %[[K:.*]] = ade.param @"I/K"
// CHECK: ade.conv2d_input_grad %[[U]], %[[K]] stride 1 padding 0 : tensor<2x3x3xf32>, tensor<2x1x3x3xf32> -> tensor<1x5x5xf32>

func.func private @input_grad(%u: tensor<2x3x3xf32>) -> tensor<1x5x5xf32> {
  %k = ade.param @"I/K" : tensor<2x1x3x3xf32>
  %y = ade.conv2d_input_grad %u, %k stride 1 padding 0 : tensor<2x3x3xf32>, tensor<2x1x3x3xf32> -> tensor<1x5x5xf32>
  return %y : tensor<1x5x5xf32>
}
func.func @vjp_input_grad(%u: tensor<2x3x3xf32>, %g: tensor<1x5x5xf32>) -> tensor<2x3x3xf32> {
  %d = ade.derivative vjp @input_grad(%u, %g) : (tensor<2x3x3xf32>, tensor<1x5x5xf32>) -> tensor<2x3x3xf32>
  return %d : tensor<2x3x3xf32>
}
// The transpose of the transpose: a convolution.
// CHECK-LABEL: func.func @vjp_input_grad
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<1x5x5xf32>
// CHECK: %[[K:.*]] = ade.param @"I/K"
// CHECK: ade.conv2d %[[G]], %[[K]] stride 1 padding 0

func.func private @filter_grad(%u: tensor<2x3x3xf32>) -> tensor<2x1x3x3xf32> {
  %x = arith.constant dense<1.0> : tensor<1x5x5xf32>
  %y = ade.conv2d_filter_grad %x, %u stride 1 padding 0 : tensor<1x5x5xf32>, tensor<2x3x3xf32> -> tensor<2x1x3x3xf32>
  return %y : tensor<2x1x3x3xf32>
}
func.func @vjp_filter_grad(%u: tensor<2x3x3xf32>, %g: tensor<2x1x3x3xf32>) -> tensor<2x3x3xf32> {
  %d = ade.derivative vjp @filter_grad(%u, %g) : (tensor<2x3x3xf32>, tensor<2x1x3x3xf32>) -> tensor<2x3x3xf32>
  return %d : tensor<2x3x3xf32>
}
// CHECK-LABEL: func.func @vjp_filter_grad
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<2x1x3x3xf32>
// CHECK: ade.conv2d %{{.*}}, %[[G]] stride 1 padding 0 : tensor<1x5x5xf32>, tensor<2x1x3x3xf32> -> tensor<2x3x3xf32>

func.func private @pool(%x: tensor<1x4x4xf32>) -> tensor<1x2x2xf32> {
  %y = ade.pool2d avg %x window 2 stride 2 : tensor<1x4x4xf32> -> tensor<1x2x2xf32>
  return %y : tensor<1x2x2xf32>
}
func.func @vjp_pool(%x: tensor<1x4x4xf32>, %u: tensor<1x2x2xf32>) -> tensor<1x4x4xf32> {
  %g = ade.derivative vjp @pool(%x, %u) : (tensor<1x4x4xf32>, tensor<1x2x2xf32>) -> tensor<1x4x4xf32>
  return %g : tensor<1x4x4xf32>
}
// CHECK-LABEL: func.func @vjp_pool
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<1x4x4xf32>, %[[U:[a-z0-9]+]]: tensor<1x2x2xf32>)
// CHECK: ade.pool2d_grad avg %[[X]], %[[U]] window 2 stride 2

func.func private @pool_grad(%u: tensor<1x2x2xf32>) -> tensor<1x4x4xf32> {
  %x = arith.constant dense<1.0> : tensor<1x4x4xf32>
  %y = ade.pool2d_grad avg %x, %u window 2 stride 2 : tensor<1x4x4xf32>, tensor<1x2x2xf32> -> tensor<1x4x4xf32>
  return %y : tensor<1x4x4xf32>
}
func.func @vjp_pool_grad(%u: tensor<1x2x2xf32>, %g: tensor<1x4x4xf32>) -> tensor<1x2x2xf32> {
  %d = ade.derivative vjp @pool_grad(%u, %g) : (tensor<1x2x2xf32>, tensor<1x4x4xf32>) -> tensor<1x2x2xf32>
  return %d : tensor<1x2x2xf32>
}
// CHECK-LABEL: func.func @vjp_pool_grad
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<1x4x4xf32>
// CHECK: ade.pool2d avg %[[G]] window 2 stride 2

// -----

// The derivative kinds, on f(x) = sum(x^3).
func.func private @cube(%x: tensor<2xf32>) -> tensor<f32> {
  %s = ade.square %x : tensor<2xf32>
  %c = ade.mul %s, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %y = ade.reduce sum %c axis -1 : tensor<2xf32> -> tensor<f32>
  return %y : tensor<f32>
}
func.func private @cubes(%x: tensor<2xf32>) -> tensor<2xf32> {
  %s = ade.square %x : tensor<2xf32>
  %c = ade.mul %s, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %c : tensor<2xf32>
}
func.func @grad(%x: tensor<2xf32>) -> tensor<2xf32> {
  %g = ade.derivative grad @cube(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %g : tensor<2xf32>
}
// 3 x^2 as x^2 * 1 + x * (2 x): no derivative op left.
// CHECK-LABEL: func.func @grad
// CHECK-NOT: ade.derivative
// CHECK: ade.square
// CHECK: return

func.func @hvp(%x: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<2xf32> {
  %h = ade.derivative hvp @cube(%x, %v) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %h : tensor<2xf32>
}
// CHECK-LABEL: func.func @hvp
// CHECK-NOT: ade.derivative
// CHECK: return

func.func @jvp(%x: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<2xf32> {
  %j = ade.derivative jvp @cubes(%x, %v) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %j : tensor<2xf32>
}
// CHECK-LABEL: func.func @jvp
// CHECK-NOT: ade.derivative
// CHECK: return

func.func @trace(%x: tensor<2xf32>) -> tensor<f32> {
  %t = ade.derivative hessian_trace @cube(%x) : (tensor<2xf32>) -> tensor<f32>
  return %t : tensor<f32>
}
// One Hessian-vector product per unit vector, each contracted with it.
// CHECK-LABEL: func.func @trace
// CHECK-DAG: arith.constant dense<[1.0{{.*}}, 0.0{{.*}}]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[0.0{{.*}}, 1.0{{.*}}]> : tensor<2xf32>
// CHECK: %[[T0:.*]] = ade.reduce sum
// CHECK: %[[T1:.*]] = ade.reduce sum
// CHECK: ade.add %[[T0]], %[[T1]] : tensor<f32>, tensor<f32> -> tensor<f32>

func.func @hutchinson(%x: tensor<2xf32>, %e: tensor<2xf32>) -> tensor<f32> {
  %t = ade.derivative hessian_trace @cube(%x, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<f32>
  return %t : tensor<f32>
}
// CHECK-LABEL: func.func @hutchinson
// CHECK-SAME: (%{{.*}}: tensor<2xf32>, %[[E:[a-z0-9]+]]: tensor<2xf32>)
// Hv = 6 x e, then e . Hv.
// CHECK: %[[P:.*]] = ade.mul %{{.*}}, %[[E]] :
// CHECK-NEXT: ade.reduce sum %[[P]] axis -1

func.func @jacobian(%x: tensor<2xf32>) -> tensor<2x2xf32> {
  %j = ade.derivative jacobian @cubes(%x) : (tensor<2xf32>) -> tensor<2x2xf32>
  return %j : tensor<2x2xf32>
}
// CHECK-LABEL: func.func @jacobian
// CHECK: ade.stack %{{.*}}, %{{.*}} : tensor<2xf32>, tensor<2xf32> -> tensor<2x2xf32>

// -----

// Differentiating through a random draw is an error at the draw.
func.func private @noisy(%x: tensor<2xf32>) -> tensor<f32> {
  %one = arith.constant dense<1.0> : tensor<f32>
  // expected-error @+1 {{cannot differentiate 'ade.draw': it has no derivative rule}}
  %z = ade.draw normal(%x, %one) "z" : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %y = ade.reduce sum %z axis -1 : tensor<2xf32> -> tensor<f32>
  return %y : tensor<f32>
}
func.func @grad_noisy(%x: tensor<2xf32>) -> tensor<2xf32> {
  %g = ade.derivative grad @noisy(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %g : tensor<2xf32>
}

// -----

// The gradient of a function kept outlined is a call of its value and
// gradient, built once; a call of the function at the same point takes
// the value from there.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.outline} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %xx = ade.mul %x, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %cxx = ade.mul %c, %xx : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %cxx axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @outlined(%x: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>, tensor<2xf32>) {
  %f = ade.call @M.f(%x) : (tensor<2xf32>) -> tensor<f32>
  %g = ade.derivative grad @M.f(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %h = ade.derivative grad @M.f(%g) : (tensor<2xf32>) -> tensor<2xf32>
  return %f, %g, %h : tensor<f32>, tensor<2xf32>, tensor<2xf32>
}
// CHECK-LABEL: func.func private @M.f.value_and_grad(
// CHECK-SAME: %[[X:.*]]: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>) attributes {ade.gradient_of = @M.f}
// CHECK: %[[C:.*]] = ade.param @"M/c"
// CHECK: %[[XX:.*]] = ade.mul %[[X]], %[[X]]
// CHECK: %[[CXX:.*]] = ade.mul %[[C]], %[[XX]]
// CHECK: %[[S:.*]] = ade.reduce sum %[[CXX]]
// CHECK: %[[CX:.*]] = ade.mul %[[C]], %[[X]]
// CHECK: %[[G:.*]] = ade.add %[[CX]], %[[CX]]
// CHECK: return %[[S]], %[[G]]
// CHECK-LABEL: func.func @outlined(
// CHECK-SAME: %[[Y:.*]]: tensor<2xf32>)
// CHECK-NEXT: %[[VG:.*]]:2 = ade.call @M.f.value_and_grad(%[[Y]])
// CHECK-NEXT: %[[VG2:.*]]:2 = ade.call @M.f.value_and_grad(%[[VG]]#1)
// CHECK-NEXT: return %[[VG]]#0, %[[VG]]#1, %[[VG2]]#1

// -----

// A function called through ade.call is expanded before its body is copied
// into a derivative, wherever it sits in the module: here f's gradient
// copies g, which has a derivative of its own.
func.func private @h(%x: tensor<2xf32>) -> tensor<f32> {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @f(%x: tensor<2xf32>) -> tensor<f32> {
  %y = ade.call @g(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %s = ade.reduce sum %y axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @grad_f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %g = ade.derivative grad @f(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %g : tensor<2xf32>
}
func.func private @g(%x: tensor<2xf32>) -> tensor<2xf32> {
  %d = ade.derivative grad @h(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %y = ade.mul %d, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
// grad of sum(1 * x) is 1.
// CHECK-LABEL: func.func @grad_f(
// CHECK-NOT: ade.derivative
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: return %[[ONE]]
