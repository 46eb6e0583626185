// RUN: ade-opt %s --convert-ade-to-linalg --split-input-file --verify-diagnostics

// What the CPU backend cannot compile yet is reported at the op.

ade.parameter @"D/W" : tensor<2xf64> of "D" at 0
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "D"} {
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
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "G"} {
  // expected-error @+1 {{derivatives are not supported by the CPU backend yet}}
  %d = ade.derivative grad @g(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %s = ade.reduce sum %d axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "R"} {
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
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "C"} {
  // expected-error @+1 {{internal: calls must be inlined before batching}}
  %s = func.call @g(%x) : (tensor<2xf32>) -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error @+1 {{a log-density must take one data point (a float tensor) and return a scalar of its element type}}
func.func @f(%x: tensor<2xf32>, %y: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = "Two"} {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// expected-error @+1 {{a log-density must take one data point (a float tensor) and return a scalar of its element type}}
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> attributes {ade.log_density = "Vector"} {
  return %x : tensor<2xf32>
}

// -----

// expected-error @+1 {{a log-density must take one data point (a float tensor) and return a scalar of its element type}}
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.log_density = 3 : i32} {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
