// RUN: ade-opt %s --convert-ade-to-linalg="tile-size=4 medium-tile-size=8 large-tile-size=16 small-batch-tile-size=8" --split-input-file | FileCheck %s
// RUN: ade-opt %s --convert-ade-to-linalg="tile-size=4 medium-tile-size=8 large-tile-size=16" --split-input-file | FileCheck %s --check-prefix=ONE

// Tile sizes by the parameters of a kernel's owners: under 10 000 the
// tile size, from 10 000 the medium one, from 100 000 the large one and,
// for batches that fill too few large tiles, the small-batch one too (its
// tile functions named by their size).

ade.parameter @"S/c" : tensor<2xf32> of "S" at 0
func.func @S.f(%x: tensor<2xf32>) -> tensor<f32> {
  %c = ade.param @"S/c" : tensor<2xf32>
  %m = ade.mul %x, %c : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %m axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @e(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "S", owners = ["S"]}} {
  %f = ade.call @S.f(%x) : (tensor<2xf32>) -> tensor<f32>
  return %f : tensor<f32>
}
// CHECK-LABEL: func.func @S.energy.tile(
// CHECK-SAME: size = 4 : i64
// CHECK-LABEL: func.func private @S.f.tile(
// CHECK-SAME: tensor<2x4xf32>
// CHECK-NOT: func.func

// -----

ade.parameter @"M/c" : tensor<10000xf32> of "M" at 0
func.func @e(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "M", owners = ["M"]}} {
  %s = ade.reduce sum %x axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-LABEL: func.func @M.energy.tile(
// CHECK-SAME: tensor<2x8xf32>
// CHECK-SAME: size = 8 : i64
// CHECK-NOT: func.func

// -----

ade.parameter @"L/c" : tensor<100000xf32> of "L" at 0
func.func @L.f(%x: tensor<2xf32>) -> tensor<f32> {
  %c = ade.param @"L/c" : tensor<100000xf32>
  %c2 = ade.slice %c starts [0] stops [2] squeeze [false] : tensor<100000xf32> -> tensor<2xf32>
  %m = ade.mul %x, %c2 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s = ade.reduce sum %m axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @e(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "L", owners = ["L"]}} {
  %f = ade.call @L.f(%x) : (tensor<2xf32>) -> tensor<f32>
  return %f : tensor<f32>
}
// CHECK-LABEL: func.func @L.energy.tile(
// CHECK-SAME: tensor<2x16xf32>
// CHECK-SAME: size = 16 : i64
// CHECK: call @L.f.tile16(
// CHECK-LABEL: func.func private @L.f.tile16(
// CHECK-SAME: tensor<2x16xf32>
// CHECK-LABEL: func.func @L.energy.tile8(
// CHECK-SAME: tensor<2x8xf32>
// CHECK-SAME: size = 8 : i64
// CHECK: call @L.f.tile8(
// CHECK-LABEL: func.func private @L.f.tile8(
// CHECK-SAME: tensor<2x8xf32>

// ONE-LABEL: func.func @L.energy.tile(
// ONE-SAME: size = 16 : i64
// ONE-NOT: func.func @L.energy.tile8
