// RUN: ade-opt %s --ade-density --split-input-file --verify-diagnostics | FileCheck %s
// RUN: not ade-opt %s --ade-density=dense-limit=1 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=LIMIT

// A normal draw reads its noise (z = a + b * eps) and adds log N(z; a, b);
// z * exp(k) is a scale with log-det sum k, + 1 a shear with log-det 0.
ade.parameter @"S/k" : tensor<2xf32> of "S" at 0
func.func @S.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "S"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %k = ade.param @"S/k" : tensor<2xf32>
  %e = ade.exp %k : tensor<2xf32>
  %s = ade.mul %z, %e : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %x = ade.add %s, %one : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  return %x : tensor<2xf32>
}
// CHECK-LABEL: func.func @S.sample
// CHECK-SAME: (%[[NOISE:.*]]: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>)
// CHECK-SAME: ade.density = [{loc = {{.*}}, what = "draw 'z' ~ normal: + its log-density (2 values)"}, {loc = {{.*}}, what = "update of 2 values: elementwise scale x * exp(a(rest)), log-det sum a"}, {loc = {{.*}}, what = "update of 2 values: shear x + g(rest), log-det 0"}]
// CHECK-SAME: ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}]
// CHECK: %[[EPS:.*]] = ade.slice %[[NOISE]] starts [0] stops [2]
// CHECK: %[[E:.*]] = ade.reshape %[[EPS]]
// CHECK: %[[BE:.*]] = ade.mul %{{.*}}, %[[E]]
// CHECK: %[[Z:.*]] = ade.add %{{.*}}, %[[BE]]
// log N(z; 0, 1) = -sum log|b| - 1/2 |eps|^2 - n/2 log(2 pi)
// CHECK: ade.square %[[E]]
// CHECK: arith.constant dense<1.83787{{.*}}> : tensor<f32>
// CHECK: %[[LOGN:.*]] = ade.add %{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>
// CHECK: %[[K:.*]] = ade.param @"S/k"
// CHECK: %[[SCALED:.*]] = ade.mul %[[Z]], %{{.*}}
// CHECK: %[[SUMK:.*]] = ade.reduce sum %[[K]]
// CHECK: %[[LOGQ:.*]] = ade.sub %[[LOGN]], %[[SUMK]]
// CHECK: %[[X:.*]] = ade.add %[[SCALED]]
// CHECK: %[[KIN:.*]] = arith.constant dense<0.0{{.*}}> : tensor<f32>
// CHECK: return %[[X]], %[[LOGQ]], %[[KIN]]

// -----

// A rank-one update x + u * g(x) with scalar g: log|1 + grad g . u|, grad g
// by reverse mode. A uniform draw: z = lo + (hi - lo) * eps, log-density
// -sum log(hi - lo).
ade.parameter @"P/u" : tensor<2xf32> of "P" at 0
ade.parameter @"P/w" : tensor<2xf32> of "P" at 2
func.func @P.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "P"} {
  %lo = arith.constant dense<-1.0> : tensor<f32>
  %hi = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw uniform(%lo, %hi) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %u = ade.param @"P/u" : tensor<2xf32>
  %w = ade.param @"P/w" : tensor<2xf32>
  %d = ade.matmul %z, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %t = ade.tanh %d : tensor<f32>
  %ut = ade.mul %u, %t : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %x = ade.add %z, %ut : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %x : tensor<2xf32>
}
// CHECK-LABEL: func.func @P.sample
// CHECK-SAME: what = "draw 'z' ~ uniform: + its log-density (2 values)"
// CHECK-SAME: what = "update of 2 values: rank one x + u * g(x), log-det log|1 + grad g . u|"
// CHECK-SAME: ade.noise = [{distribution = "uniform", name = "z", offset = 0 : i64, size = 2 : i64}]
// CHECK: %[[U:.*]] = ade.param @"P/u"
// CHECK: %[[T:.*]] = ade.tanh
// tanh' = 1 - t^2, times w: grad g; its dot product with u.
// CHECK: ade.mul %[[T]], %[[T]]
// CHECK: %[[DOT:.*]] = ade.reduce sum %{{.*}} axis -1
// CHECK: %[[ONEPLUS:.*]] = ade.add %[[DOT]], %{{.*}}
// CHECK: %[[ABS:.*]] = ade.abs %[[ONEPLUS]]
// CHECK: ade.log %[[ABS]]

// -----

// No structure: the dense Jacobian, one reverse sweep per output row,
// stacked, and an LU log-determinant (ade.logabsdet). The momentum v is
// drawn and never transformed: it stays in the joint, and 1/2 |v|^2 is the
// kinetic energy.
ade.parameter @"D/W" : tensor<2x2xf32> of "D" at 0
func.func @D.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "D"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %v = ade.draw normal(%zero, %one) "v" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %w = ade.param @"D/W" : tensor<2x2xf32>
  %h = ade.matmul %w, %z : tensor<2x2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.sin %h : tensor<2xf32>
  %x = ade.mul %z, %s : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %x : tensor<2xf32>
}
// CHECK-LABEL: func.func @D.sample
// CHECK-SAME: (%{{.*}}: tensor<4xf32>)
// CHECK-SAME: what = "update of 2 values: dense 2 x 2 Jacobian by reverse mode, log-det by LU"
// CHECK-SAME: what = "kept in the joint (2 values, kinetic energy 1/2 |v|^2)"
// CHECK-SAME: ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}, {distribution = "normal", name = "v", offset = 2 : i64, size = 2 : i64}]
// CHECK: %[[J:.*]] = ade.stack %{{.*}}, %{{.*}} : tensor<2xf32>, tensor<2xf32> -> tensor<2x2xf32>
// CHECK: %[[LD:.*]] = ade.logabsdet %[[J]] : tensor<2x2xf32> -> tensor<f32>
// CHECK: ade.sub %{{.*}}, %[[LD]]
// CHECK: ade.square
// CHECK: return

// Above the dense limit, the update is an error with a note on the
// structures the compiler recognizes.
// LIMIT: ade-density.mlir:[[@LINE-16]]:8: error: this update of the sampler's 2-dimensional random state has no structure the compiler recognizes, and a dense Jacobian is limited to 1 dimensions (--dense-limit)
// LIMIT: note: structured updates: x + g(rest) (shear)

// -----

// Two values of z summed into one: not invertible, no density.
func.func @N.sample() -> tensor<f32> attributes {ade.model = "M", ade.sample = "N"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %s = ade.reduce sum %z axis -1 : tensor<2xf32> -> tensor<f32>
  // expected-error@+1 {{the sampler returns a value that is not an invertible function of its random draws (and initial state): its density is undefined; return the state variables themselves}}
  return %s : tensor<f32>
}

// -----

func.func @T.sample() -> (tensor<2xf32>, tensor<2xf32>) attributes {ade.model = "M", ade.sample = "T"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  // expected-error@+1 {{the sampler returns one variable twice}}
  return %z, %z : tensor<2xf32>, tensor<2xf32>
}

// -----

// An affine coupling that writes the conditioning slice z[0:1] at each use:
// the equal slices are one value, so z splits into the partition
// {z[0:1], z[1:2]} (log-det 0), z[1:2] * exp(k z[0:1]) is a scale with
// log-det k z[0:1], and the concatenation is a permutation.
ade.parameter @"C/k" : tensor<1xf32> of "C" at 0
func.func @C.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "C"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %k = ade.param @"C/k" : tensor<1xf32>
  %a = ade.slice %z starts [0] stops [1] squeeze [false] : tensor<2xf32> -> tensor<1xf32>
  %b = ade.slice %z starts [1] stops [2] squeeze [false] : tensor<2xf32> -> tensor<1xf32>
  %ka = ade.mul %k, %a : tensor<1xf32>, tensor<1xf32> -> tensor<1xf32>
  %e = ade.exp %ka : tensor<1xf32>
  %s = ade.mul %b, %e : tensor<1xf32>, tensor<1xf32> -> tensor<1xf32>
  %a2 = ade.slice %z starts [0] stops [1] squeeze [false] : tensor<2xf32> -> tensor<1xf32>
  %x = ade.concat %a2, %s axis 0 : tensor<1xf32>, tensor<1xf32> -> tensor<2xf32>
  return %x : tensor<2xf32>
}
// CHECK-LABEL: func.func @C.sample
// CHECK-SAME: what = "split into 2 slices: a permutation, log-det 0"
// CHECK-SAME: what = "update of 1 values: elementwise scale x * exp(a(rest)), log-det sum a"
// CHECK-SAME: what = "update of 2 values: concatenation, log-det 0"
// CHECK: %[[A:.*]] = ade.slice %{{.*}} starts [0] stops [1]
// CHECK-NOT: ade.slice %{{.*}} starts [0] stops [1]
// CHECK: ade.concat %[[A]], %{{.*}} axis 0

// -----

// An update by a shared function (ade.call): its log-det is derived once,
// by structure, in @<callee>.log_det<argument>, which returns its result
// and log-det and which every call of it takes, each reading its own
// parameters. Each call site explains the callee's steps.
ade.parameter @"F/q.0.u" : tensor<2xf32> of "F" at 0
ade.parameter @"F/q.1.u" : tensor<2xf32> of "F" at 2
func.func private @F.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %u = ade.param @"F/q.0.u" : tensor<2xf32>
  %d = ade.reduce sum %z axis -1 : tensor<2xf32> -> tensor<f32>
  %t = ade.tanh %d : tensor<f32>
  %ut = ade.mul %u, %t : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %x = ade.add %z, %ut : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %x : tensor<2xf32>
}
func.func @F.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "F"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %a = ade.call @F.q.0.forward(%z) : (tensor<2xf32>) -> tensor<2xf32>
  %b = ade.call @F.q.0.forward(%a) params("F/q.0." -> "F/q.1.") : (tensor<2xf32>) -> tensor<2xf32>
  return %b : tensor<2xf32>
}
// CHECK-LABEL: func.func private @F.q.0.forward.log_det0(
// CHECK-SAME: -> (tensor<2xf32>, tensor<f32>)
// CHECK-SAME: ade.density = [{loc = {{.*}}, what = "update of 2 values: rank one x + u * g(x), log-det log|1 + grad g . u|"}]
// CHECK: %[[LOGDET:.*]] = ade.log
// CHECK: %[[LOGQ:.*]] = ade.sub %{{.*}}, %[[LOGDET]]
// CHECK: %[[NEG:.*]] = ade.neg %[[LOGQ]]
// CHECK: return %{{.*}}, %[[NEG]] : tensor<2xf32>, tensor<f32>
// CHECK-LABEL: func.func @F.sample
// CHECK-SAME: what = "update of 2 values: rank one x + u * g(x), log-det log|1 + grad g . u|"}, {loc = {{.*}}, what = "update of 2 values: rank one x + u * g(x), log-det log|1 + grad g . u|"}]
// CHECK: %[[A:.*]]:2 = ade.call @F.q.0.forward.log_det0(%{{.*}}) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>)
// CHECK: ade.sub %{{.*}}, %[[A]]#1
// CHECK: %[[B:.*]]:2 = ade.call @F.q.0.forward.log_det0(%[[A]]#0) params("F/q.0." -> "F/q.1.")
// CHECK: ade.sub %{{.*}}, %[[B]]#1
// CHECK: return %[[B]]#0,

// -----

// A shared function whose result is not an invertible function of the
// state it consumes has no density.
ade.parameter @"G/c" : tensor<2xf32> of "G" at 0
func.func private @G.flat(%z: tensor<2xf32>) -> tensor<2xf32> {
  %c = ade.param @"G/c" : tensor<2xf32>
  // expected-error @+1 {{this function updates the sampler's state but its result is not an invertible function of its argument: the sampler's density is undefined}}
  return %c : tensor<2xf32>
}
func.func @G.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "G"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %x = ade.call @G.flat(%z) : (tensor<2xf32>) -> tensor<2xf32>
  return %x : tensor<2xf32>
}
