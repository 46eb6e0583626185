// RUN: ade-opt %s --split-input-file --verify-diagnostics

// Every verifier of the ade dialect rejects malformed operations.

func.func @f(%a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{operand shapes do not broadcast}}
  %0 = ade.add %a, %b : tensor<2x3xf32>, tensor<2xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{result shape must be the broadcast of the operand shapes}}
  %0 = ade.mul %a, %b : tensor<3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%a: tensor<3xf32>, %b: tensor<3xf64>) {
  // expected-error @+1 {{operand and result element types differ}}
  %0 = ade.sub %a, %b : tensor<3xf32>, tensor<3xf64> -> tensor<3xf32>
  return
}

// -----

func.func @f(%a: tensor<3x2xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{inner dimensions differ: 2 and 3}}
  %0 = ade.matmul %a, %b : tensor<3x2xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @f(%a: tensor<2x2x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{operands must have rank 1 or 2}}
  %0 = ade.matmul %a, %b : tensor<2x2x2xf32>, tensor<2xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @f(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = ade.reduce sum %a axis 2 : tensor<4x3xf32> -> tensor<4xf32>
  return
}

// -----

func.func @f(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{result shape must be [3]}}
  %0 = ade.reduce max %a axis 0 : tensor<4x3xf32> -> tensor<4xf32>
  return
}

// -----

func.func @f(%a: tensor<4xf32>) {
  // expected-error @+1 {{slice 2:5 out of range for dimension 0 of size 4}}
  %0 = ade.slice %a starts [2] stops [5] squeeze [false] : tensor<4xf32> -> tensor<3xf32>
  return
}

// -----

func.func @f(%a: tensor<4xf32>) {
  // expected-error @+1 {{a squeezed dimension must select one element}}
  %0 = ade.slice %a starts [0] stops [2] squeeze [true] : tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @f(%a: tensor<4xf32>) {
  // expected-error @+1 {{result type must be 'tensor<2xf32>'}}
  %0 = ade.slice %a starts [0] stops [2] squeeze [false] : tensor<4xf32> -> tensor<3xf32>
  return
}

// -----

func.func @f(%a: tensor<4xf32>) {
  // expected-error @+1 {{reshape must keep the element count and type}}
  %0 = ade.reshape %a : tensor<4xf32> -> tensor<5xf32>
  return
}

// -----

func.func @f(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{transposes a matrix [m, n] to [n, m]}}
  %0 = ade.transpose %a : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x2xf32>) {
  // expected-error @+1 {{inputs differ outside the concatenation axis}}
  %0 = ade.concat %a, %b axis 0 : tensor<2x3xf32>, tensor<2x2xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @f(%a: tensor<f32>) {
  // expected-error @+1 {{result shape must be [2]}}
  %0 = ade.stack %a, %a : tensor<f32>, tensor<f32> -> tensor<3xf32>
  return
}

// -----

func.func @f(%x: tensor<2x6x6xf32>, %k: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{needs an image [c, h, w] and kernels [o, c, kh, kw]}}
  %0 = ade.conv2d %x, %k stride 1 padding 0 : tensor<2x6x6xf32>, tensor<4x1x3x3xf32> -> tensor<4x4x4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x6x6xf32>, %k: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{result shape must be [4, 4, 4]}}
  %0 = ade.conv2d %x, %k stride 1 padding 0 : tensor<1x6x6xf32>, tensor<4x1x3x3xf32> -> tensor<4x6x6xf32>
  return
}

// -----

func.func @f(%x: tensor<1x3x3xf32>) {
  // expected-error @+1 {{needs an image [c, h, w] at least as large as the window}}
  %0 = ade.pool2d max %x window 4 stride 4 : tensor<1x3x3xf32> -> tensor<1x1x1xf32>
  return
}

// -----

func.func @f(%a: tensor<3xf32>) {
  // expected-error @+1 {{reports a scalar}}
  ade.report "r" %a : tensor<3xf32>
  return
}

// -----

func.func @f(%a: tensor<f32>) {
  // expected-error @+1 {{needs a name}}
  ade.report "" %a : tensor<f32>
  return
}

// -----

func.func @f(%a: tensor<3xf32>) {
  // expected-error @+1 {{parameters must broadcast to the result shape}}
  %0 = ade.draw normal(%a, %a) "z" : tensor<3xf32>, tensor<3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{'vjp' takes 2 operands}}
  %0 = ade.derivative vjp @g(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return
}
func.func @g(%a: tensor<2xf32>) -> tensor<f32> {
  %0 = ade.reduce sum %a axis -1 : tensor<2xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{'nowhere' does not name a function}}
  %0 = ade.derivative grad @nowhere(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'M/missing' does not name an ade.parameter}}
  %0 = ade.param @"M/missing" : tensor<2xf32>
  return
}

// -----

ade.parameter @"M/W" : tensor<2xf32> of "M" at 0
func.func @f() {
  // expected-error @+1 {{result type 'tensor<3xf32>' differs from the parameter's type 'tensor<2xf32>'}}
  %0 = ade.param @"M/W" : tensor<3xf32>
  return
}

// -----

// expected-error @+1 {{offset must be non-negative}}
ade.parameter @"M/W" : tensor<2xf32> of "M" at -1

// -----

func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{all non-scalar operands/results must have the same shape and base type}}
  %0 = ade.cast %a : tensor<2xf32> -> tensor<3xf64>
  return
}

// -----

func.func @f(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{takes a square matrix to a scalar of its element type}}
  %0 = ade.logabsdet %a : tensor<2x3xf32> -> tensor<f32>
  return
}

// -----

func.func @f(%a: tensor<3x3xf32>) {
  // expected-error @+1 {{takes a square matrix to a scalar of its element type}}
  %0 = ade.logabsdet %a : tensor<3x3xf32> -> tensor<f64>
  return
}

// -----

func.func @f(%a: tensor<3xf32>) {
  // expected-error @+1 {{takes a square matrix to one of the same type}}
  %0 = ade.inverse %a : tensor<3xf32>
  return
}

// -----

func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{'nowhere' does not name a function}}
  %0 = ade.call @nowhere(%a) : (tensor<2xf32>) -> tensor<f32>
  return
}

// -----

func.func private @g(%a: tensor<2xf32>) -> tensor<f32> {
  %0 = ade.reduce sum %a axis -1 : tensor<2xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{operand or result types differ from the callee's '(tensor<2xf32>) -> tensor<f32>'}}
  %0 = ade.call @g(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func private @declared(%a: tensor<2xf32>) -> tensor<f32>
func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{'declared' has no body: only defined functions are called (and inlined or batched)}}
  %0 = ade.call @declared(%a) : (tensor<2xf32>) -> tensor<f32>
  return
}

// -----

ade.parameter @"S/q.0.b" : tensor<3xf32> of "S" at 0
func.func private @S.q.0.forward(%x: tensor<3xf32>) -> tensor<3xf32> {
  %b = ade.param @"S/q.0.b" : tensor<3xf32>
  %y = ade.add %x, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @f(%x: tensor<3xf32>) {
  // expected-error @+1 {{reads parameter 'S/q.1.b' in place of 'S/q.0.b', but no such parameter is declared}}
  %y = ade.call @S.q.0.forward(%x) params("S/q.0." -> "S/q.1.") : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

ade.parameter @"S/q.0.b" : tensor<3xf32> of "S" at 0
ade.parameter @"S/q.1.b" : tensor<2xf32> of "S" at 3
func.func private @S.q.0.forward(%x: tensor<3xf32>) -> tensor<3xf32> {
  %b = ade.param @"S/q.0.b" : tensor<3xf32>
  %y = ade.add %x, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}
func.func @f(%x: tensor<3xf32>) {
  // expected-error @+1 {{parameter 'S/q.1.b' has type 'tensor<2xf32>', the callee's 'S/q.0.b' 'tensor<3xf32>'}}
  %y = ade.call @S.q.0.forward(%x) params("S/q.0." -> "S/q.1.") : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func private @g(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}
func.func @f(%x: tensor<3xf32>) {
  // expected-error @+1 {{'params' needs both the callee's prefix and the instance's}}
  %y = ade.call @g(%x) {param_prefix = "S/q.0."} : (tensor<3xf32>) -> tensor<3xf32>
  return
}
