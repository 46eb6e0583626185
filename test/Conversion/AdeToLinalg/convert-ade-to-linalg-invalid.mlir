// RUN: ade-opt %s --convert-ade-to-linalg --split-input-file --verify-diagnostics

// What the CPU backend cannot compile yet is reported at the op.

ade.parameter @"D/W" : tensor<2xf64> of "D" at 0
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "D", owners = ["D"]}} {
  // expected-error @+1 {{parameter 'D/W' has element type 'f64' but its model's data has 'f32'}}
  %w = ade.param @"D/W" : tensor<2xf64>
  %c = ade.cast %w : tensor<2xf64> -> tensor<2xf32>
  %s = ade.matmul %c, %x : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

func.func @g(%x: tensor<2xf32>) -> tensor<f32> {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "G", owners = ["G"]}} {
  // expected-error @+1 {{derivatives are not supported by the CPU backend yet}}
  %d = ade.derivative grad @g(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %s = ade.reduce sum %d axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "R", owners = ["R"]}} {
  // expected-error @+1 {{random draws are not supported by the CPU backend yet}}
  %z = ade.draw normal(%x, %x) "z" : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %z axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

func.func @g(%x: tensor<2xf32>) -> tensor<f32> {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "C", owners = ["C"]}} {
  // expected-error @+1 {{internal: func.call must be inlined before batching}}
  %s = func.call @g(%x) : (tensor<2xf32>) -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error @+1 {{a kernel must take per-particle float tensors of one element type and carry ade.kernel = {kind, owner, owners}}}
func.func @f(%x: tensor<2xf32>, %m: tensor<2xi1>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "Mask", owners = ["Mask"]}} {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error @+1 {{a kernel must take per-particle float tensors of one element type and carry ade.kernel = {kind, owner, owners}}}
func.func @f(%x: tensor<2xf32>) -> tensor<f64> attributes {ade.kernel = {kind = "energy", owner = "Mixed", owners = ["Mixed"]}} {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  %d = ade.cast %s : tensor<f32> -> tensor<f64>
  return %d : tensor<f64>
}

// -----

// expected-error @+1 {{a kernel must take per-particle float tensors of one element type and carry ade.kernel = {kind, owner, owners}}}
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy"}} {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
