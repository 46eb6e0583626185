// RUN: ade-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(ade-reuse-branches,canonicalize))' | FileCheck %s

// An op on a choice whose branch ops exist becomes a choice between them.

// CHECK-LABEL: func.func @existing_branches
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[X0:.*]]: tensor<2xf32>, %[[X1:.*]]: tensor<2xf32>)
// CHECK: %[[Y0:.*]] = ade.tanh %[[X0]]
// CHECK: %[[Y1:.*]] = ade.tanh %[[X1]]
// CHECK: %[[Y:.*]] = ade.select %[[C]], %[[Y1]], %[[Y0]]
// CHECK-NOT: ade.tanh
// CHECK: ade.add %[[Y]], %[[Y0]]
func.func @existing_branches(%c: tensor<i1>, %x0: tensor<2xf32>, %x1: tensor<2xf32>) -> tensor<2xf32> {
  %y0 = ade.tanh %x0 : tensor<2xf32>
  %y1 = ade.tanh %x1 : tensor<2xf32>
  %x = ade.select %c, %x1, %x0 : tensor<i1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %y = ade.tanh %x : tensor<2xf32>
  %s = ade.add %y, %y0 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}

// -----

// A kept increment: x + select(c, d, 0) is the proposal x + d or x itself
// (x + 0 folds), so the product on it is one of the two computed.

// CHECK-LABEL: func.func @kept_increment
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[X:.*]]: tensor<2xf32>, %[[D:.*]]: tensor<2xf32>, %[[W:.*]]: tensor<4x2xf32>)
// CHECK: %[[X1:.*]] = ade.add %[[X]], %[[D]]
// CHECK: %[[H1:.*]] = ade.matmul %[[W]], %[[X1]]
// CHECK: %[[H0:.*]] = ade.matmul %[[W]], %[[X]]
// CHECK: %[[H:.*]] = ade.select %[[C]], %[[H1]], %[[H0]]
// CHECK-NOT: ade.matmul
// CHECK: ade.add %[[H]], %[[H1]]
func.func @kept_increment(%c: tensor<i1>, %x: tensor<2xf32>, %d: tensor<2xf32>, %w: tensor<4x2xf32>) -> tensor<4xf32> {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %x1 = ade.add %x, %d : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %h1 = ade.matmul %w, %x1 : tensor<4x2xf32>, tensor<2xf32> -> tensor<4xf32>
  %h0 = ade.matmul %w, %x : tensor<4x2xf32>, tensor<2xf32> -> tensor<4xf32>
  %inc = ade.select %c, %d, %zero : tensor<i1>, tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %xk = ade.add %x, %inc : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %hk = ade.matmul %w, %xk : tensor<4x2xf32>, tensor<2xf32> -> tensor<4xf32>
  %s = ade.add %hk, %h1 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %t = ade.add %s, %h0 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %t : tensor<4xf32>
}

// -----

// With one branch computed, a cheap op gets the other computed; a product
// stays as it is.

// CHECK-LABEL: func.func @one_branch
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[X0:.*]]: tensor<2xf32>, %[[X1:.*]]: tensor<2xf32>, %[[W:.*]]: tensor<4x2xf32>)
// CHECK: %[[N1:.*]] = ade.reduce norm %[[X1]]
// CHECK: %[[X:.*]] = ade.select %[[C]], %[[X1]], %[[X0]]
// CHECK: %[[N0:.*]] = ade.reduce norm %[[X0]]
// CHECK: ade.select %[[C]], %[[N1]], %[[N0]]
// CHECK: ade.matmul %[[W]], %[[X]]
func.func @one_branch(%c: tensor<i1>, %x0: tensor<2xf32>, %x1: tensor<2xf32>, %w: tensor<4x2xf32>) -> (tensor<f32>, tensor<4xf32>) {
  %n1 = ade.reduce norm %x1 axis -1 : tensor<2xf32> -> tensor<f32>
  %h1 = ade.matmul %w, %x1 : tensor<4x2xf32>, tensor<2xf32> -> tensor<4xf32>
  %x = ade.select %c, %x1, %x0 : tensor<i1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %n = ade.reduce norm %x axis -1 : tensor<2xf32> -> tensor<f32>
  %h = ade.matmul %w, %x : tensor<4x2xf32>, tensor<2xf32> -> tensor<4xf32>
  %s = ade.add %n, %n1 : tensor<f32>, tensor<f32> -> tensor<f32>
  %t = ade.add %h, %h1 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %s, %t : tensor<f32>, tensor<4xf32>
}

// -----

// Elementwise conditions (ReLU masks) are no choices between branches.

// CHECK-LABEL: func.func @vector_condition
// CHECK: %[[X:.*]] = ade.select
// CHECK: ade.tanh %[[X]]
func.func @vector_condition(%c: tensor<2xi1>, %x0: tensor<2xf32>, %x1: tensor<2xf32>) -> tensor<2xf32> {
  %y0 = ade.tanh %x0 : tensor<2xf32>
  %y1 = ade.tanh %x1 : tensor<2xf32>
  %x = ade.select %c, %x1, %x0 : tensor<2xi1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %y = ade.tanh %x : tensor<2xf32>
  %s = ade.add %y, %y0 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %t = ade.add %s, %y1 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %t : tensor<2xf32>
}

// -----

// A mask computed on a choice has the branches' masks; a choice nested in
// a choice on the same test collapses.

// CHECK-LABEL: func.func @masks_and_nesting
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[H0:.*]]: tensor<4xf32>, %[[H1:.*]]: tensor<4xf32>, %[[U:.*]]: tensor<4xf32>)
// CHECK: %[[M0:.*]] = ade.cmp gt, %[[H0]]
// CHECK: %[[R0:.*]] = ade.select %[[M0]], %[[U]]
// CHECK: %[[M1:.*]] = ade.cmp gt, %[[H1]]
// CHECK: %[[R1:.*]] = ade.select %[[M1]], %[[U]]
// CHECK: %[[N:.*]] = ade.select %[[C]], %[[R1]], %[[H0]]
// CHECK-NOT: ade.cmp
// CHECK: ade.add %[[N]], %[[R0]]
func.func @masks_and_nesting(%c: tensor<i1>, %h0: tensor<4xf32>, %h1: tensor<4xf32>, %u: tensor<4xf32>) -> tensor<4xf32> {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %m0 = ade.cmp gt, %h0, %zero : tensor<4xf32>, tensor<f32> -> tensor<4xi1>
  %r0 = ade.select %m0, %u, %zero : tensor<4xi1>, tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %m1 = ade.cmp gt, %h1, %zero : tensor<4xf32>, tensor<f32> -> tensor<4xi1>
  %r1 = ade.select %m1, %u, %zero : tensor<4xi1>, tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %h = ade.select %c, %h1, %h0 : tensor<i1>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %m = ade.cmp gt, %h, %zero : tensor<4xf32>, tensor<f32> -> tensor<4xi1>
  %r = ade.select %m, %u, %zero : tensor<4xi1>, tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %n = ade.select %c, %r, %h0 : tensor<i1>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %s = ade.add %n, %r0 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %t = ade.add %s, %r1 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %t : tensor<4xf32>
}

// -----

// Consecutive tests: a choice on the second test between the first's
// choice and a new point finds the op on the first's choice already
// rewritten.

// CHECK-LABEL: func.func @consecutive_tests
// CHECK-SAME: (%[[C1:.*]]: tensor<i1>, %[[C2:.*]]: tensor<i1>, %[[X0:.*]]: tensor<2xf32>, %[[X1:.*]]: tensor<2xf32>, %[[X2:.*]]: tensor<2xf32>)
// CHECK: %[[Y0:.*]] = ade.tanh %[[X0]]
// CHECK: %[[Y1:.*]] = ade.tanh %[[X1]]
// CHECK: %[[Y2:.*]] = ade.tanh %[[X2]]
// CHECK: %[[YA:.*]] = ade.select %[[C1]], %[[Y1]], %[[Y0]]
// CHECK: %[[YB:.*]] = ade.select %[[C2]], %[[Y2]], %[[YA]]
// CHECK-NOT: ade.tanh
// CHECK: return %[[YB]]
func.func @consecutive_tests(%c1: tensor<i1>, %c2: tensor<i1>, %x0: tensor<2xf32>, %x1: tensor<2xf32>, %x2: tensor<2xf32>) -> tensor<2xf32> {
  %y0 = ade.tanh %x0 : tensor<2xf32>
  %y1 = ade.tanh %x1 : tensor<2xf32>
  %y2 = ade.tanh %x2 : tensor<2xf32>
  %a = ade.select %c1, %x1, %x0 : tensor<i1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %ya = ade.tanh %a : tensor<2xf32>
  %b = ade.select %c2, %x2, %a : tensor<i1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %yb = ade.tanh %b : tensor<2xf32>
  return %yb : tensor<2xf32>
}
