// RUN: ade-opt %s --convert-ade-to-linalg="tile-size=4 row-vector-bits=512" --split-input-file | FileCheck %s
// RUN: ade-opt %s --convert-ade-to-linalg="tile-size=4" --split-input-file | FileCheck %s --check-prefix=SCALAR

// With row-vector-bits, the row updates of LU and Gauss-Jordan move whole
// vectors (16 f32 or 8 f64 for 512 bits) that end at the last column,
// then the columns before them one by one; each particle's matrix is first
// copied out of the tile, whose rows are strided by it.

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
// The parameter's log|det|. Step K updates rows K+1.. from column K + 1;
// the columns before are never read again, so its vectors may start
// there: ceil((18 - K - 1) / 16) of them, at most the 18 / 16 that fit,
// ending at column 18.
// CHECK: scf.for
// CHECK: %[[FROM:.*]] = arith.addi %[[K:.*]], %c1
// CHECK: %[[N:.*]] = arith.subi %c18{{.*}}, %[[FROM]]
// CHECK: %[[UP:.*]] = arith.addi %[[N]], %c15
// CHECK: %[[Q:.*]] = arith.divui %[[UP]], %c16
// CHECK: %[[V:.*]] = arith.minui %[[Q]], %c1
// CHECK: %[[W:.*]] = arith.muli %[[V]], %c16
// CHECK: %[[START:.*]] = arith.subi %c18{{.*}}, %[[W]]
// Row I loses F times row K.
// CHECK: scf.for %[[J:.*]] = %[[START]] to %c18{{.*}} step %c16 iter_args(%[[M:.*]] = %{{.*}})
// CHECK: %[[F:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK: %[[RI:.*]] = vector.transfer_read %[[M]][%[[I:.*]], %[[J]]], %{{.*}} {in_bounds = [true]} : tensor<18x18xf32>, vector<16xf32>
// CHECK: %[[RK:.*]] = vector.transfer_read %[[M]][%[[K]], %[[J]]], %{{.*}} {in_bounds = [true]} : tensor<18x18xf32>, vector<16xf32>
// CHECK: %[[FK:.*]] = arith.mulf %[[F]], %[[RK]] : vector<16xf32>
// CHECK: %[[NEW:.*]] = arith.subf %[[RI]], %[[FK]] : vector<16xf32>
// CHECK: vector.transfer_write %[[NEW]], %[[M]][%[[I]], %[[J]]] {in_bounds = [true]} : vector<16xf32>, tensor<18x18xf32>
// CHECK: scf.for %{{.*}} = %[[FROM]] to %[[START]] step %c1
// CHECK: tensor.extract
// CHECK: tensor.insert
// Per particle: the matrix copied out of the tile first.
// CHECK: scf.for %[[P:.*]] = %{{.*}} iter_args(%{{.*}}) -> (tensor<18x18x4xf32>)
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %{{.*}}[0, 0, %[[P]]] [18, 18, 1] [1, 1, 1] : tensor<18x18x4xf32> to tensor<18x18xf32>
// CHECK: linalg.copy ins(%[[SLICE]] : tensor<18x18xf32>) outs(%{{.*}} : tensor<18x18xf32>)
// Gauss-Jordan: whole rows, from 18 - 16 as a vector, then the columns
// before one by one.
// CHECK: arith.muli %{{.*}}, %c16
// CHECK-NEXT: %[[GJ:.*]] = arith.subi %c18{{.*}}, %{{.*}} : index
// CHECK: scf.for %{{.*}} = %[[GJ]] to %c18{{.*}} step %c16
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, tensor<18x18xf32>
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %[[GJ]] step %c1

// SCALAR-LABEL: func.func @A.energy.tile
// SCALAR-NOT: vector.
// SCALAR-NOT: linalg.copy
// SCALAR: return

// -----

// f64: 8 columns a vector, one per row of an 8 x 8 matrix.
func.func @f(%x: tensor<8x8xf64>) -> tensor<f64> attributes {ade.kernel = {kind = "energy", owner = "E", owners = ["E"]}} {
  %l = ade.logabsdet %x : tensor<8x8xf64> -> tensor<f64>
  return %l : tensor<f64>
}
// CHECK-LABEL: func.func @E.energy.tile
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
