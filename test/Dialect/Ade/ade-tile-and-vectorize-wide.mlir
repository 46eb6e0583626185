// RUN: ade-opt %s --ade-tile-and-vectorize='mr=8 nr=32' --split-input-file | FileCheck %s

// With AVX-512 blocks of 8 x 32, a parameter gradient whose parameter
// dimension is a multiple of 32 gets blocks of 8 x 32 too: two vector loads
// and 8 broadcasts for 16 FMAs, where blocks of 16 x 16 need one load and 16
// broadcasts.
func.func @P.energy_vjp.tile(%u: tensor<16x32xf32>, %xt: tensor<32x64xf32>) -> tensor<16x64xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "P", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %mm = linalg.matmul ins(%u, %xt : tensor<16x32xf32>, tensor<32x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %mm : tensor<16x64xf32>
}
// CHECK-LABEL: func.func @P.energy_vjp.tile
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>

// -----

// A parameter dimension that 32 does not divide (48 = 16 x 3; MNIST's 784 =
// 16 x 49) keeps whole vectors of 16: blocks of 16 x 16.
func.func @Q.energy_vjp.tile(%u: tensor<16x32xf32>, %xt: tensor<32x48xf32>) -> tensor<16x48xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "Q", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x48xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x48xf32>) -> tensor<16x48xf32>
  %mm = linalg.matmul ins(%u, %xt : tensor<16x32xf32>, tensor<32x48xf32>) outs(%f : tensor<16x48xf32>) -> tensor<16x48xf32>
  return %mm : tensor<16x48xf32>
}
// CHECK-LABEL: func.func @Q.energy_vjp.tile
// CHECK: vector.contract {{.*}} : vector<16x1xf32>, vector<1x16xf32> into vector<16x16xf32>

// -----

// A transpose of whole 16 x 16 blocks (a layer's input, transposed for its
// weight gradient) is tiled into those blocks, each read transposed whole
// (ade-lower-vectors shuffles it in registers), not gathered row by row.
func.func @T.energy_vjp.tile(%x: tensor<64x32xf32>) -> tensor<32x64xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "T", size = 32 : i64}} {
  %e = tensor.empty() : tensor<32x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x32xf32>) outs(%e : tensor<32x64xf32>) permutation = [1, 0]
  return %t : tensor<32x64xf32>
}
// CHECK-LABEL: func.func @T.energy_vjp.tile
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %[[C16]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %[[C16]]
// CHECK: %[[B:.*]] = vector.transfer_read %{{.*}}[%[[J]], %[[I]]]{{.*}}permutation_map = #{{.*}}} : tensor<64x32xf32>, vector<16x16xf32>
// CHECK: vector.transfer_write %[[B]], %{{.*}}[%[[I]], %[[J]]] {{.*}} : vector<16x16xf32>, tensor<32x64xf32>
