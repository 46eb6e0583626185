// RUN: ade-opt %s --ade-build-kernels --canonicalize --split-input-file --verify-diagnostics | FileCheck %s
// RUN: ade-opt %s --ade-build-kernels=dense-limit=1 --canonicalize --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=PROBE

// A log-density gets five kernels: f, f with its gradient in x, the
// w-weighted parameter gradient (one result per parameter read), the
// score-matching loss and its w-weighted parameter gradient.

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

// The exact Hessian trace: one Hessian-vector product per unit vector,
// each reduced against its vector, plus 1/2 |grad f|^2.
// CHECK-LABEL: func.func @M.score_matching
// CHECK-SAME: (%{{.*}}: tensor<2xf32>) -> tensor<f32>
// CHECK-SAME: kind = "score_matching"
// CHECK-DAG: %[[HALF:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK-DAG: %[[E1:.*]] = arith.constant dense<[0.000000e+00, 1.000000e+00]>
// CHECK-DAG: %[[E0:.*]] = arith.constant dense<[1.000000e+00, 0.000000e+00]>
// CHECK: %[[G:.*]] = ade.matmul %{{.*}}, %[[W:.*]] : tensor<3xf32>, tensor<3x2xf32> -> tensor<2xf32>
// CHECK: ade.matmul %[[W]], %[[E0]]
// CHECK: %[[Q0:.*]] = ade.mul %{{.*}}, %[[E0]]
// CHECK: %[[H00:.*]] = ade.reduce sum %[[Q0]]
// CHECK: ade.matmul %[[W]], %[[E1]]
// CHECK: %[[Q1:.*]] = ade.mul %{{.*}}, %[[E1]]
// CHECK: %[[H11:.*]] = ade.reduce sum %[[Q1]]
// CHECK: %[[TR:.*]] = ade.add %[[H00]], %[[H11]]
// CHECK: %[[G2:.*]] = ade.mul %[[G]], %[[G]]
// CHECK: %[[N:.*]] = ade.reduce sum %[[G2]]
// CHECK: %[[HN:.*]] = ade.mul %[[N]], %[[HALF]]
// CHECK: %[[L:.*]] = ade.add %[[TR]], %[[HN]]
// CHECK: return %[[L]]

// CHECK-LABEL: func.func @M.score_matching_vjp
// CHECK-SAME: (%{{.*}}: tensor<2xf32>, %{{.*}}: tensor<f32> {ade.cotangent})
// CHECK-SAME: -> (tensor<3x2xf32> {ade.param_grad = @"M/W"}, tensor<3xf32> {ade.param_grad = @"M/b"})
// CHECK-SAME: kind = "score_matching_vjp"

// Above the dense limit, the trace is the Hutchinson estimate e^T H e for a
// probe input e.
// PROBE-LABEL: func.func @M.score_matching
// PROBE-SAME: (%{{.*}}: tensor<2xf32>, %[[E:.*]]: tensor<2xf32>) -> tensor<f32>
// PROBE: %[[G:.*]] = ade.matmul %{{.*}}, %[[W:.*]] : tensor<3xf32>, tensor<3x2xf32> -> tensor<2xf32>
// PROBE: ade.matmul %[[W]], %[[E]]
// PROBE: %[[Q:.*]] = ade.mul %{{.*}}, %[[E]]
// PROBE: %[[QE:.*]] = ade.reduce sum %[[Q]]
// PROBE-NEXT: %[[G2:.*]] = ade.mul %[[G]], %[[G]]
// PROBE-NEXT: %[[N:.*]] = ade.reduce sum %[[G2]]
// PROBE-NEXT: %[[HN:.*]] = ade.mul %[[N]]
// PROBE-NEXT: ade.add %[[QE]], %[[HN]]
// PROBE-LABEL: func.func @M.score_matching_vjp
// PROBE-SAME: (%{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<f32> {ade.cotangent})

// -----

// expected-error @+1 {{a log-density must take one data point (a float tensor) and return a scalar of its element type}}
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> attributes {ade.log_density = "Vector"} {
  return %x : tensor<2xf32>
}

// -----

// A sampler whose density ade-density derived: the sample function is its
// own kernel; sample_vjp takes the noise, a cotangent for every output
// (x, log q, kinetic) and one for the model's f at x, and returns the
// outputs, f at x and the gradient of every parameter read. Here
// x = z * exp(k) with
// log q = log N(z) - sum k and f(x) = sum(c * x), so
// d/dk = (c_x + c_f c) * z * exp(k) - c_logq and d/dc = c_f x.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
ade.parameter @"S/k" : tensor<2xf32> of "S" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M"} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %cx = ade.mul %c, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %cx axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
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
// CHECK-SAME: %[[NOISE:.*]]: tensor<2xf32>, %[[CX:.*]]: tensor<2xf32> {ade.cotangent}, %[[CQ:.*]]: tensor<f32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent}, %[[CF:.*]]: tensor<f32> {ade.cotangent})
// CHECK-SAME: -> (tensor<2xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<2xf32> {ade.param_grad = @"S/k"}, tensor<2xf32> {ade.param_grad = @"M/c"})
// CHECK-SAME: ade.kernel = {grads, kind = "sample_vjp", noise = [{{.*}}], owner = "S", owners = ["M", "S"]}
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00>
// CHECK: %[[E:.*]] = ade.exp
// CHECK: %[[X:.*]] = ade.mul %[[NOISE]], %[[E]]
// CHECK: %[[LOGQ:.*]] = ade.sub
// CHECK: %[[C:.*]] = ade.param @"M/c"
// CHECK: %[[CTIMESX:.*]] = ade.mul %[[C]], %[[X]]
// CHECK: %[[F:.*]] = ade.reduce sum %[[CTIMESX]]
// CHECK: %[[WF:.*]] = ade.broadcast %{{.*}} : tensor<1xf32> -> tensor<2xf32>
// CHECK: %[[DC:.*]] = ade.mul %[[WF]], %[[X]]
// CHECK: %[[FX:.*]] = ade.mul %[[WF]], %[[C]]
// CHECK: %[[DX:.*]] = ade.add %[[CX]], %[[FX]]
// CHECK: %[[NEG:.*]] = ade.neg %[[CQ]]
// CHECK: %[[B:.*]] = ade.broadcast %{{.*}} : tensor<1xf32> -> tensor<2xf32>
// CHECK: %[[DZ:.*]] = ade.mul %[[DX]], %[[NOISE]]
// CHECK: %[[DE:.*]] = ade.mul %[[DZ]], %[[E]]
// CHECK: %[[DK:.*]] = ade.add %[[B]], %[[DE]]
// CHECK: return %[[X]], %[[LOGQ]], %[[ZERO]], %[[F]], %[[DK]], %[[DC]]
// sampler_vjp: the same reverse pass for the sampler's parameters alone.
// CHECK-LABEL: func.func @S.sampler_vjp(
// CHECK-SAME: -> (tensor<2xf32> {ade.param_grad = @"S/k"})
// CHECK-SAME: ade.kernel = {grads, kind = "sampler_vjp", noise = [{{.*}}], owner = "S", owners = ["M", "S"], wrt = ["S"]}
// CHECK-NOT: ade.param @"M/c"
// CHECK: %[[E2:.*]] = ade.exp
// CHECK: %[[X2:.*]] = ade.mul %[[NOISE2:.*]], %[[E2]]
// CHECK: ade.param @"M/c"
// CHECK-NOT: ade.mul %[[WF2:.*]], %[[X2]]
// CHECK: return %{{[^,]*}} :

// -----

// Reports: per name, the mean of its reports (a bool as 1 or 0), stacked
// in the order of first report as sample's last result and named in
// ade.kernel's `stats`; sample_vjp returns them with the other values but
// has neither the reports nor a cotangent for them.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M"} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %cx = ade.mul %c, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %cx axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @P.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "P"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %n = ade.reduce sum %noise axis -1 : tensor<2xf32> -> tensor<f32>
  %pos = ade.cmp gt, %n, %zero : tensor<f32>, tensor<f32> -> tensor<i1>
  ade.report "positive" %pos : tensor<i1>
  ade.report "sum" %n : tensor<f32>
  ade.report "positive" %pos : tensor<i1>
  return %noise, %zero, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @P.sample(
// CHECK-SAME: -> (tensor<2xf32>, tensor<f32>, tensor<f32>, tensor<2xf32>)
// CHECK-SAME: stats = ["positive", "sum"]
// CHECK-NOT: ade.report
// CHECK: %[[HALF:.*]] = arith.constant dense<5.000000e-01>
// CHECK: %[[SUM:.*]] = ade.reduce sum
// CHECK: %[[POS:.*]] = ade.cmp gt, %[[SUM]]
// CHECK: %[[ONE:.*]] = ade.select %[[POS]]
// CHECK: %[[TWO:.*]] = ade.select %[[POS]]
// CHECK: %[[BOTH:.*]] = ade.add %[[ONE]], %[[TWO]]
// CHECK: %[[MEAN:.*]] = ade.mul %[[BOTH]], %[[HALF]]
// CHECK: %[[STATS:.*]] = ade.stack %[[MEAN]], %[[SUM]] : tensor<f32>, tensor<f32> -> tensor<2xf32>
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %[[STATS]]
// CHECK-LABEL: func.func @P.sample_vjp(
// CHECK-SAME: %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent})
// CHECK-SAME: -> (tensor<2xf32>, tensor<f32>, tensor<f32>, tensor<2xf32>, tensor<f32>, tensor<2xf32> {ade.param_grad = @"M/c"})
// CHECK-NOT: ade.report
// CHECK: %[[VSTATS:.*]] = ade.stack
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %[[VSTATS]], %{{.*}}, %{{.*}} :

// -----

// A sampler's model must have a log-density: sample_vjp evaluates f at x.
// expected-error @+1 {{internal: no log-density for model 'N'}}
func.func @T.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "N", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "T"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  return %noise, %zero, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}

// -----

// expected-error @+1 {{internal: a sampler's density must be derived (ade-density) before its kernels}}
func.func @R.sample() -> tensor<2xf32> attributes {ade.model = "M", ade.sample = "R"} {
  %x = arith.constant dense<0.0> : tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

// Reverse mode through a call of an outlined function: a forward call that
// also returns what the sweep reads, and a backward call that takes it and
// returns the cotangents of x and of the parameter the callee reads (the
// caller gets a read of it to collect them). The primal call merges into
// the forward one. A sweep of a few ops is inlined instead (here the one
// for the parameter alone at the noise: c_f * tanh(tanh(z))).
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M", ade.outline} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %t = ade.tanh %x : tensor<2xf32>
  %tt = ade.tanh %t : tensor<2xf32>
  %ct = ade.mul %c, %tt : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %ct axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @U.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "U"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %f = ade.call @M.f(%noise) : (tensor<2xf32>) -> tensor<f32>
  %x = ade.mul %noise, %f : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  return %x, %zero, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func private @M.f.forward_1_1_params(
// CHECK-SAME: %[[X:.*]]: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>, tensor<2xf32>) attributes {ade.forward_of = @M.f}
// CHECK: %[[T:.*]] = ade.tanh %[[X]]
// CHECK: %[[TT:.*]] = ade.tanh %[[T]]
// CHECK: return %{{.*}}, %[[T]], %[[TT]]
// CHECK-LABEL: func.func private @M.f.backward_1_1_params(
// CHECK-SAME: %{{.*}}: tensor<2xf32>, %[[CT:.*]]: tensor<f32>, %[[RT:.*]]: tensor<2xf32>, %[[RTT:.*]]: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32> {ade.param_grad = @"M/c"})
// CHECK-NOT: ade.tanh
// CHECK: %[[B:.*]] = ade.broadcast
// CHECK: %[[DC:.*]] = ade.mul %[[B]], %[[RTT]]
// CHECK: return %{{.*}}, %[[DC]]
// The model's energy and gradient call f; so does energy_vjp, since a
// sampler of M differentiates f in its parameters: both call the same
// halves, which give x's cotangent too.
// CHECK-LABEL: func.func @M.energy(
// CHECK: ade.call @M.f(
// CHECK-LABEL: func.func @M.grad_energy(
// CHECK: ade.call @M.f.value_and_grad(
// CHECK-LABEL: func.func @M.energy_vjp(
// CHECK-SAME: %[[EX:[a-z0-9]+]]: tensor<2xf32>, %[[EW:[a-z0-9]+]]: tensor<f32> {ade.cotangent}
// CHECK: %[[EF:.*]]:3 = ade.call @M.f.forward_1_1_params(%[[EX]])
// CHECK: %[[EB:.*]]:2 = ade.call @M.f.backward_1_1_params(%[[EX]], %[[EW]], %[[EF]]#1, %[[EF]]#2)
// CHECK: return %[[EB]]#1
// In sample_vjp the primal call at the noise merges into its forward call;
// f at the sample is differentiated in x as well.
// CHECK-LABEL: func.func @U.sample_vjp(
// CHECK-SAME: %[[NOISE:[a-z0-9]+]]: tensor<2xf32>
// CHECK-SAME: tensor<2xf32> {ade.param_grad = @"M/c"}
// CHECK-NOT: ade.call @M.f(
// CHECK: %[[FWD:.*]]:3 = ade.call @M.f.forward_1_1_params(%[[NOISE]])
// CHECK: %[[SX:.*]] = ade.mul %[[NOISE]], %[[FWD]]#0
// CHECK: %[[FX:.*]]:3 = ade.call @M.f.forward_1_1_params(%[[SX]])
// CHECK: %[[BX:.*]]:2 = ade.call @M.f.backward_1_1_params(%[[SX]], %{{.*}}, %[[FX]]#1, %[[FX]]#2)
// CHECK: %[[BN:.*]]:2 = ade.call @M.f.backward_1_1_params(%[[NOISE]], %{{.*}}, %[[FWD]]#1, %[[FWD]]#2)
// CHECK: %[[DC:.*]] = ade.add %[[BX]]#1, %[[BN]]#1
// CHECK: return %[[SX]], %{{.*}}, %{{.*}}, %[[FX]]#0, %[[DC]]

// -----

// Where only the sampler's parameters are differentiated (sampler_vjp), f
// at the sample is a value-and-gradient call: the value's cotangent
// reaches x as c_f * grad f, so f gets no forward and backward halves.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
ade.parameter @"S/a" : tensor<2xf32> of "S" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M", ade.outline} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %t = ade.tanh %x : tensor<2xf32>
  %ct = ade.mul %c, %t : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %ct axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @S.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "S"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %a = ade.param @"S/a" : tensor<2xf32>
  %x = ade.mul %noise, %a : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %x, %zero, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @S.sample_vjp(
// CHECK: ade.call @M.f.forward_1_1_params(
// CHECK: ade.call @M.f.backward_1_1_params(
// CHECK-LABEL: func.func @S.sampler_vjp(
// CHECK-SAME: %[[Z:[a-z0-9]+]]: tensor<2xf32>, %[[CX:[a-z0-9]+]]: tensor<2xf32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent}, %[[CF:[a-z0-9]+]]: tensor<f32> {ade.cotangent})
// CHECK-SAME: -> (tensor<2xf32> {ade.param_grad = @"S/a"})
// CHECK-NOT: M.f.forward
// CHECK: %[[VG:.*]]:2 = ade.call @M.f.value_and_grad(%[[X:.*]]) :
// CHECK-NOT: M.f.backward
// CHECK: ade.mul %[[VG]]#1, %{{.*}}
// CHECK: return

// -----

// f at the sample is the value of the value-and-gradient call a step made
// there; in reverse mode that value's cotangent reaches x as c_f * grad f,
// with no sweep, where no parameter of f is differentiated (sampler_vjp).
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
ade.parameter @"V/k" : tensor<2xf32> of "V" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M", ade.outline} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %t = ade.tanh %x : tensor<2xf32>
  %ct = ade.mul %c, %t : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %ct axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func private @M.f.value_and_grad(%x: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>) attributes {ade.gradient_of = @M.f} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %t = ade.tanh %x : tensor<2xf32>
  %ct = ade.mul %c, %t : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %ct axis -1 : tensor<2xf32> -> tensor<f32>
  %tt = ade.mul %t, %t : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %one = arith.constant dense<1.0> : tensor<2xf32>
  %d = ade.sub %one, %tt : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %g = ade.mul %c, %d : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %s, %g : tensor<f32>, tensor<2xf32>
}
func.func @V.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "V"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %k = ade.param @"V/k" : tensor<2xf32>
  %x = ade.mul %noise, %k : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %vg:2 = ade.call @M.f.value_and_grad(%x) : (tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>)
  %logq = ade.reduce sum %vg#1 axis -1 : tensor<2xf32> -> tensor<f32>
  return %x, %logq, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @V.sampler_vjp(
// CHECK-SAME: %[[Z:[a-z0-9]+]]: tensor<2xf32>, %[[CX:[a-z0-9]+]]: tensor<2xf32> {ade.cotangent}, %[[CQ:[a-z0-9]+]]: tensor<f32> {ade.cotangent}, %{{.*}}: tensor<f32> {ade.cotangent}, %[[CF:[a-z0-9]+]]: tensor<f32> {ade.cotangent})
// CHECK-NOT: ade.call @M.f(
// CHECK: %[[X:.*]] = ade.mul %[[Z]]
// CHECK: %[[VG:.*]]:3 = ade.call @M.f.value_and_grad.forward_01_1(%[[X]])
// CHECK-NOT: ade.call @M.f(
// CHECK: %[[FG:.*]] = ade.mul %[[VG]]#1, %[[CF]] : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
// CHECK: %[[DX:.*]] = ade.add %[[CX]], %[[FG]]
// CHECK: %[[HG:.*]] = ade.call @M.f.value_and_grad.backward_01_1(%[[X]], %{{.*}}, %[[VG]]#2)
// CHECK: ade.add %[[DX]], %[[HG]]

// -----

// Reverse mode through calls of a shared function: each forward and
// backward call reads the parameters of its call's instance (`params`), and
// a backward call's parameter cotangent goes to its instance's gradient.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
ade.parameter @"L/q.0.c" : tensor<2xf32> of "L" at 0
ade.parameter @"L/q.1.c" : tensor<2xf32> of "L" at 2
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M"} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %ct = ade.mul %c, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %ct axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func private @L.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %c = ade.param @"L/q.0.c" : tensor<2xf32>
  %m = ade.mul %c, %z : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %t = ade.tanh %m : tensor<2xf32>
  %tt = ade.tanh %t : tensor<2xf32>
  %s = ade.sin %tt : tensor<2xf32>
  %e = ade.exp %s : tensor<2xf32>
  %y = ade.add %z, %e : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @L.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "L"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %a = ade.call @L.q.0.forward(%noise) : (tensor<2xf32>) -> tensor<2xf32>
  %b = ade.call @L.q.0.forward(%a) params("L/q.0." -> "L/q.1.") : (tensor<2xf32>) -> tensor<2xf32>
  return %b, %zero, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @L.sampler_vjp(
// CHECK-SAME: -> (tensor<2xf32> {ade.param_grad = @"L/q.0.c"}, tensor<2xf32> {ade.param_grad = @"L/q.1.c"})
// CHECK: %[[F0:.*]]:4 = ade.call @L.q.0.forward.forward_1_1_params(%{{.*}}) : (tensor<2xf32>)
// CHECK: %[[F1:.*]]:4 = ade.call @L.q.0.forward.forward_1_1_params(%[[F0]]#0) params("L/q.0." -> "L/q.1.")
// CHECK: %[[B1:.*]]:2 = ade.call @L.q.0.forward.backward_1_1_params(%[[F0]]#0, %{{.*}}, %[[F1]]#1, %[[F1]]#2, %[[F1]]#3) params("L/q.0." -> "L/q.1.")
// CHECK: %[[B0:.*]]:2 = ade.call @L.q.0.forward.backward_1_1_params(%{{.*}}, %[[B1]]#0, %[[F0]]#1, %[[F0]]#2, %[[F0]]#3) : (
// CHECK: return %[[B0]]#1, %[[B1]]#1

// -----

// A call's parameter sweep gives the cotangents of its float arguments
// only: a bool argument (a Metropolis test's outcome) gets none.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
ade.parameter @"K/a" : tensor<2xf32> of "K" at 0
func.func @M.f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "M"} {
  %c = ade.param @"M/c" : tensor<2xf32>
  %cx = ade.mul %c, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %cx axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func private @K.step(%x: tensor<2xf32>, %keep: tensor<2xi1>) -> tensor<2xf32> {
  %a = ade.param @"K/a" : tensor<2xf32>
  %ax = ade.mul %a, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %t = ade.tanh %ax : tensor<2xf32>
  %y = ade.select %keep, %t, %x : tensor<2xi1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @K.sample(%noise: tensor<2xf32>) -> (tensor<2xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 2 : i64}], ade.sample = "K"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %keep = ade.cmp gt, %noise, %zero : tensor<2xf32>, tensor<f32> -> tensor<2xi1>
  %x = ade.call @K.step(%noise, %keep) : (tensor<2xf32>, tensor<2xi1>) -> tensor<2xf32>
  return %x, %zero, %zero : tensor<2xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @K.sampler_vjp(
// CHECK-SAME: -> (tensor<2xf32> {ade.param_grad = @"K/a"})
// CHECK: %[[F:.*]]:{{[0-9]+}} = ade.call @K.step.forward_1_10_params(
// CHECK: %[[B:.*]]:2 = ade.call @K.step.backward_1_10_params(
// CHECK-SAME: -> (tensor<2xf32>, tensor<2xf32>)
// CHECK: return %[[B]]#1

// -----

// A large argument's cotangent is a sweep's product of its own: a
// parameter sweep returns it only where it is needed. energy_vjp's sweep
// gives the parameter's cotangent alone; sample_vjp's, x's as well.
ade.parameter @"M/c" : tensor<100xf32> of "M" at 0
func.func @M.f(%x: tensor<100xf32>) -> tensor<f32> attributes {ade.log_density = "M", ade.outline} {
  %c = ade.param @"M/c" : tensor<100xf32>
  %t = ade.tanh %x : tensor<100xf32>
  %ct = ade.mul %c, %t : tensor<100xf32>, tensor<100xf32> -> tensor<100xf32>
  %tct = ade.tanh %ct : tensor<100xf32>
  %ctct = ade.mul %c, %tct : tensor<100xf32>, tensor<100xf32> -> tensor<100xf32>
  %s = ade.reduce sum %ctct axis -1 : tensor<100xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @U.sample(%noise: tensor<100xf32>) -> (tensor<100xf32>, tensor<f32>, tensor<f32>) attributes {ade.model = "M", ade.noise = [{distribution = "normal", name = "z", offset = 0 : i64, size = 100 : i64}], ade.sample = "U"} {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %f = ade.call @M.f(%noise) : (tensor<100xf32>) -> tensor<f32>
  %x = ade.mul %noise, %f : tensor<100xf32>, tensor<f32> -> tensor<100xf32>
  return %x, %zero, %zero : tensor<100xf32>, tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @M.energy_vjp(
// CHECK: ade.call @M.f.forward_1_0_params(
// CHECK: %[[EB:.*]] = ade.call @M.f.backward_1_0_params({{.*}}) : ({{.*}}) -> tensor<100xf32>
// CHECK: return %[[EB]]
// CHECK-LABEL: func.func @U.sample_vjp(
// CHECK: ade.call @M.f.backward_1_1_params({{.*}}) : ({{.*}}) -> (tensor<100xf32>, tensor<100xf32>)
