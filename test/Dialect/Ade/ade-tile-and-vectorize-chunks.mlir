// RUN: ade-opt %s --ade-tile-and-vectorize --split-input-file | FileCheck %s
// RUN: ade-opt %s --ade-tile-and-vectorize=panel-bytes=0 --split-input-file | FileCheck %s --check-prefix=WHOLE

// A layer whose input [784, 32] (100 KB) does not fit the panel of 16 KB:
// the contraction runs in chunks of 112 rows (112 x 32 floats, 14 KB, the
// largest divisor of 784 within the panel), each chunk a pass of 4 x 16
// blocks that accumulate into the layer's output; the fill and the
// activation are passes of their own.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @M.energy.tile(%w: tensor<8x784xf32>, %b: tensor<8xf32>, %x: tensor<784x32xf32>) -> tensor<8x32xf32>
    attributes {ade.tile = {kind = "energy", owner = "M", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %mm = linalg.matmul ins(%w, %x : tensor<8x784xf32>, tensor<784x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<8x32xf32>, tensor<8xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%m: f32, %bias: f32, %out: f32):
    %s = arith.addf %m, %bias : f32
    %y = arith.maximumf %s, %zero : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
// CHECK-LABEL: func.func @M.energy.tile
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C112:.*]] = arith.constant 112 : index
// CHECK-DAG: %[[C784:.*]] = arith.constant 784 : index
// CHECK: %[[ZEROS:.*]] = scf.for
// CHECK: vector.transfer_write %{{.*}} : vector<1x16xf32>, tensor<8x32xf32>
// CHECK: %[[SUMS:.*]] = scf.for %[[CHUNK:.*]] = %{{.*}} to %[[C784]] step %[[C112]] iter_args(%[[SUMSOFAR:.*]] = %[[ZEROS]]) -> (tensor<8x32xf32>)
// CHECK: scf.for %[[I:.*]] = %{{.*}} step %[[C4]] iter_args(%[[ROWS:.*]] = %[[SUMSOFAR]])
// CHECK: scf.for %[[J:.*]] = %{{.*}} step %[[C16]] iter_args(%[[BLOCKS:.*]] = %[[ROWS]])
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[BLOCKS]][%[[I]], %[[J]]] [4, 16]
// CHECK: %[[ACC:.*]] = vector.transfer_read %[[BLOCK]]{{.*}} : tensor<4x16xf32>, vector<4x16xf32>
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %[[C112]] {{.*}} iter_args({{.*}}, %{{.*}} = %[[ACC]]) -> (tensor<4x16xf32>, vector<4x16xf32>)
// CHECK: %[[ROW:.*]] = affine.apply #{{.*}}()[%[[CHUNK]], %[[K]]]
// CHECK: vector.transfer_read %{{.*}}[%[[I]], %[[ROW]]]{{.*}} : tensor<8x784xf32>, vector<4x1xf32>
// CHECK: vector.contract
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_read %[[SUMS]]
// CHECK: arith.maximumf %{{.*}} : vector<1x16xf32>

// Without chunks: one pass, the fill and the activation in the blocks.
// WHOLE-LABEL: func.func @M.energy.tile
// WHOLE-NOT: step %c112
// WHOLE: scf.for %{{.*}} = %{{.*}} to %c784 step %c1 iter_args
// WHOLE: vector.contract
// WHOLE: arith.maximumf %{{.*}} : vector<4x16xf32>

// -----

// A depth of 787 (a prime) has no divisor near the panel's 128 rows: chunks
// of one row would store the blocks every step, so it stays whole.

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @P.energy.tile(%w: tensor<8x787xf32>, %x: tensor<787x32xf32>) -> tensor<8x32xf32>
    attributes {ade.tile = {kind = "energy", owner = "P", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %mm = linalg.matmul ins(%w, %x : tensor<8x787xf32>, tensor<787x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %mm : tensor<8x32xf32>
}
// CHECK-LABEL: func.func @P.energy.tile
// CHECK: scf.for %{{.*}} step %c4
// CHECK: scf.for %{{.*}} step %c16
// CHECK: scf.for %{{.*}} = %{{.*}} to %c787 step %c1 iter_args
// CHECK: vector.contract
// WHOLE-LABEL: func.func @P.energy.tile
// WHOLE: scf.for %{{.*}} = %{{.*}} to %c787 step %c1 iter_args

// -----

// A sum over the batch (a parameter gradient's shape, [4, 256] summed over
// 256 particles, with a parameter dimension as wide as the tile) is not a
// layer: its contraction stays whole however long.

func.func @G.energy_vjp.tile(%u: tensor<4x256xf32>, %xt: tensor<256x256xf32>) -> tensor<4x256xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "G", size = 256 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x256xf32>) -> tensor<4x256xf32>
  %mm = linalg.matmul ins(%u, %xt : tensor<4x256xf32>, tensor<256x256xf32>) outs(%f : tensor<4x256xf32>) -> tensor<4x256xf32>
  return %mm : tensor<4x256xf32>
}
// CHECK-LABEL: func.func @G.energy_vjp.tile
// CHECK: scf.for {{.*}} to %c256 step %c16 iter_args
// CHECK-NOT: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %c256 step %c1 iter_args
// CHECK: vector.contract
