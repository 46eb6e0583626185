// RUN: ade-opt %s --ade-merge-functions --split-input-file | FileCheck %s

// Two forward halves that store the same residuals are one function; so
// are their callers once the calls agree. A function that differs in a
// constant, in its attributes or that is public stays.
ade.parameter @"M/w" : tensor<2xf32> of "M" at 0
func.func private @f.forward_01_0_params(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) attributes {ade.forward_of = @f} {
  %w = ade.param @"M/w" : tensor<2xf32>
  %y = ade.mul %x, %w : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %t = ade.tanh %y : tensor<2xf32>
  return %t, %y : tensor<2xf32>, tensor<2xf32>
}
func.func private @f.forward_01_1_params(%a: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) attributes {ade.forward_of = @f} {
  %w = ade.param @"M/w" : tensor<2xf32>
  %b = ade.mul %a, %w : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %c = ade.tanh %b : tensor<2xf32>
  return %c, %b : tensor<2xf32>, tensor<2xf32>
}
// Same ops, operands swapped: not the same function.
func.func private @f.swapped(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) attributes {ade.forward_of = @f} {
  %w = ade.param @"M/w" : tensor<2xf32>
  %y = ade.mul %w, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %t = ade.tanh %x : tensor<2xf32>
  return %t, %y : tensor<2xf32>, tensor<2xf32>
}
func.func private @f.other_attribute(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) attributes {ade.forward_of = @g} {
  %w = ade.param @"M/w" : tensor<2xf32>
  %y = ade.mul %x, %w : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %t = ade.tanh %y : tensor<2xf32>
  return %t, %y : tensor<2xf32>, tensor<2xf32>
}
func.func private @step0(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r:2 = ade.call @f.forward_01_0_params(%x) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0 : tensor<2xf32>
}
func.func private @step1(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r:2 = ade.call @f.forward_01_1_params(%x) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0 : tensor<2xf32>
}
func.func @kernel(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = ade.call @step0(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %b = ade.call @step1(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %c:2 = ade.call @f.swapped(%x) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  %d:2 = ade.call @f.other_attribute(%x) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %a, %b, %c#0, %d#0 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
func.func @kernel_copy(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = ade.call @step0(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %b = ade.call @step1(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %c:2 = ade.call @f.swapped(%x) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  %d:2 = ade.call @f.other_attribute(%x) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %a, %b, %c#0, %d#0 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
// CHECK: func.func private @f.forward_01_0_params(
// CHECK-NOT: @f.forward_01_1_params
// CHECK: func.func private @f.swapped(
// CHECK: func.func private @f.other_attribute(
// CHECK: func.func private @step0(
// CHECK-NEXT: ade.call @f.forward_01_0_params(
// CHECK-NOT: @step1
// CHECK-LABEL: func.func @kernel(
// CHECK-NEXT: ade.call @step0(
// CHECK-NEXT: ade.call @step0(
// CHECK-NEXT: ade.call @f.swapped(
// CHECK-NEXT: ade.call @f.other_attribute(
// CHECK: func.func @kernel_copy(

// -----

// A call of a shared function for another instance reads other parameters:
// its caller is not the same function as the first instance's.
ade.parameter @"S/q.0.b" : tensor<2xf32> of "S" at 0
ade.parameter @"S/q.1.b" : tensor<2xf32> of "S" at 2
func.func private @S.q.0.forward(%x: tensor<2xf32>) -> tensor<2xf32> {
  %b = ade.param @"S/q.0.b" : tensor<2xf32>
  %y = ade.add %x, %b : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @layer0(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = ade.call @S.q.0.forward(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func private @layer1(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = ade.call @S.q.0.forward(%x) params("S/q.0." -> "S/q.1.") : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @both(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = ade.call @layer0(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %z = ade.call @layer1(%y) : (tensor<2xf32>) -> tensor<2xf32>
  return %z : tensor<2xf32>
}
// CHECK-LABEL: func.func @both(
// CHECK-NEXT: ade.call @layer0(
// CHECK-NEXT: ade.call @layer1(
