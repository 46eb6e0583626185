// RUN: ade-opt %s --convert-ade-to-linalg="tile-size=4 row-vector-bits=512" --split-input-file | FileCheck %s
// RUN: ade-opt %s --convert-ade-to-linalg="tile-size=4" --split-input-file | FileCheck %s --check-prefix=SCALAR

// With row-vector-bits, the row updates of LU and Gauss-Jordan move whole
// vectors (16 f32 or 8 f64 for 512 bits), then the remaining columns one
// by one; each particle's matrix is first copied out of the tile, whose
// rows are strided by it.

ade.parameter @"A/M" : tensor<18x18xf32> of "A" at 0
func.func @f(%x: tensor<18x18xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "A", owners = ["A"]}} {
  %m = ade.param @"A/M" : tensor<18x18xf32>
  %u = ade.logabsdet %m : tensor<18x18xf32> -> tensor<f32>
  %i = ade.inverse %x : tensor<18x18xf32>
  %l = ade.logabsdet %i : tensor<18x18xf32> -> tensor<f32>
  %s = ade.add %u, %l : tensor<f32>, tensor<f32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-LABEL: func.func @A.energy.tile
// The parameter's log|det|: rows k+1.. of the pivot's column, from column
// k + 1: (18 - k - 1) / 16 whole vectors, then the rest.
// CHECK: scf.for
// CHECK: %[[FROM:.*]] = arith.addi %[[K:.*]], %c1
// CHECK: %[[N:.*]] = arith.subi %c18, %[[FROM]]
// CHECK: %[[Q:.*]] = arith.divui %[[N]], %c16
// CHECK: %[[W:.*]] = arith.muli %[[Q]], %c16
// CHECK: %[[END:.*]] = arith.addi %[[FROM]], %[[W]]
// Row I loses F times row K.
// CHECK: scf.for %[[J:.*]] = %[[FROM]] to %[[END]] step %c16 iter_args(%[[M:.*]] = %{{.*}})
// CHECK: %[[F:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK: %[[RI:.*]] = vector.transfer_read %[[M]][%[[I:.*]], %[[J]]], %{{.*}} {in_bounds = [true]} : tensor<18x18xf32>, vector<16xf32>
// CHECK: %[[RK:.*]] = vector.transfer_read %[[M]][%[[K]], %[[J]]], %{{.*}} {in_bounds = [true]} : tensor<18x18xf32>, vector<16xf32>
// CHECK: %[[FK:.*]] = arith.mulf %[[F]], %[[RK]] : vector<16xf32>
// CHECK: %[[NEW:.*]] = arith.subf %[[RI]], %[[FK]] : vector<16xf32>
// CHECK: vector.transfer_write %[[NEW]], %[[M]][%[[I]], %[[J]]] {in_bounds = [true]} : vector<16xf32>, tensor<18x18xf32>
// CHECK: scf.for %{{.*}} = %[[END]] to %c18 step %c1
// CHECK: tensor.extract
// CHECK: tensor.insert
// Per particle: the matrix copied out of the tile first.
// CHECK: scf.for %[[P:.*]] = %{{.*}} iter_args(%{{.*}}) -> (tensor<18x18x4xf32>)
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %{{.*}}[0, 0, %[[P]]] [18, 18, 1] [1, 1, 1] : tensor<18x18x4xf32> to tensor<18x18xf32>
// CHECK: linalg.copy ins(%[[SLICE]] : tensor<18x18xf32>) outs(%{{.*}} : tensor<18x18xf32>)
// Gauss-Jordan: whole rows, 16 columns as a vector, then 2.
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, tensor<18x18xf32>

// SCALAR-LABEL: func.func @A.energy.tile
// SCALAR-NOT: vector.
// SCALAR-NOT: linalg.copy
// SCALAR: return

// -----

// f64: 8 columns a vector. LU updates rows from column k + 1, so an 8 x 8
// matrix has no whole vector there (nor a copy for one), while its
// inverse's rows have one each.
func.func @f(%x: tensor<8x8xf64>) -> tensor<f64> attributes {ade.kernel = {kind = "energy", owner = "E", owners = ["E"]}} {
  %l = ade.logabsdet %x : tensor<8x8xf64> -> tensor<f64>
  %i = ade.inverse %x : tensor<8x8xf64>
  %m = ade.logabsdet %i : tensor<8x8xf64> -> tensor<f64>
  %s = ade.add %l, %m : tensor<f64>, tensor<f64> -> tensor<f64>
  return %s : tensor<f64>
}
// CHECK-LABEL: func.func @E.energy.tile
// CHECK-NOT: vector.
// CHECK-NOT: linalg.copy
// CHECK: -> (tensor<4xf64>)
// CHECK-NOT: vector.
// CHECK: linalg.copy
// CHECK: vector.transfer_read {{.*}} : tensor<8x8xf64>, vector<8xf64>
// CHECK: vector.transfer_write {{.*}} : vector<8xf64>, tensor<8x8xf64>

// -----

// Rows narrower than a vector stay scalar loops.
func.func @f(%x: tensor<3x3xf64>) -> tensor<f64> attributes {ade.kernel = {kind = "energy", owner = "S", owners = ["S"]}} {
  %l = ade.logabsdet %x : tensor<3x3xf64> -> tensor<f64>
  return %l : tensor<f64>
}
// CHECK-LABEL: func.func @S.energy.tile
// CHECK-NOT: vector.
// CHECK-NOT: linalg.copy
// CHECK: return
