// RUN: ade-opt %s --ade-lower-vectors | FileCheck %s

// A 4 x 16 outer-product step becomes one broadcast and FMA per row; 2-D
// transfers become rows of 1-D loads and stores.

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @step(%w: memref<4x1xf32>, %x: memref<1x16xf32>, %out: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %a = vector.transfer_read %w[%c0, %c0], %pad {in_bounds = [true, true]} : memref<4x1xf32>, vector<4x1xf32>
  %b = vector.transfer_read %x[%c0, %c0], %pad {in_bounds = [true, true]} : memref<1x16xf32>, vector<1x16xf32>
  %acc = vector.transfer_read %out[%c0, %c0], %pad {in_bounds = [true, true]} : memref<4x16xf32>, vector<4x16xf32>
  %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %acc : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
  vector.transfer_write %r, %out[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  return
}
// CHECK-LABEL: func.func @step
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.transfer_read
// CHECK-COUNT-4: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-COUNT-4: vector.store %{{.*}} : memref<4x16xf32>, vector<16xf32>

// A loop-carried 4 x 16 accumulator is carried as four rows (beside a
// scalar carried as is): no rebuild of the block per step (from single
// elements after canonicalization).
func.func @carried(%w: memref<4x8xf32>, %x: memref<8x16xf32>, %out: memref<4x16xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<4x16xf32>
  %sum:2 = scf.for %k = %c0 to %c8 step %c1 iter_args(%total = %pad, %acc = %zero) -> (f32, vector<4x16xf32>) {
    %a = vector.transfer_read %w[%c0, %k], %pad {in_bounds = [true, true]} : memref<4x8xf32>, vector<4x1xf32>
    %b = vector.transfer_read %x[%k, %c0], %pad {in_bounds = [true, true]} : memref<8x16xf32>, vector<1x16xf32>
    %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %acc : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
    %w0 = memref.load %w[%c0, %k] : memref<4x8xf32>
    %t = arith.addf %total, %w0 : f32
    scf.yield %t, %r : f32, vector<4x16xf32>
  }
  %twice = arith.addf %sum#1, %sum#1 : vector<4x16xf32>
  vector.transfer_write %twice, %out[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  return %sum#0 : f32
}
// CHECK-LABEL: func.func @carried
// CHECK: %[[ROWS:.*]]:5 = scf.for {{.*}} -> (f32, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : f32, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>
// CHECK: %[[T0:.*]] = arith.addf %[[ROWS]]#1, %[[ROWS]]#1 : vector<16xf32>
// CHECK: %[[T3:.*]] = arith.addf %[[ROWS]]#4, %[[ROWS]]#4 : vector<16xf32>
// CHECK: vector.store %[[T0]]
// CHECK-NOT: vector<4x16xf32>
// CHECK: return %[[ROWS]]#0 : f32

// A bias broadcast along the batch (here the second index of a 2-D
// memref): one scalar load and broadcast per row, at consecutive indices.
func.func @bias(%bias: memref<3x8xf32>, %i: index, %j: index, %out: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %b = vector.transfer_read %bias[%i, %j], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0, d1) -> (d1, 0)>} : memref<3x8xf32>, vector<4x16xf32>
  vector.transfer_write %b, %out[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  return
}
// CHECK-LABEL: func.func @bias(
// CHECK-SAME: %[[BIAS:[^:]*]]: memref<3x8xf32>, %[[I:[^:]*]]: index, %[[J:[^:]*]]: index
// CHECK-NOT: vector.shuffle
// CHECK: %[[B0:.*]] = vector.load %[[BIAS]][%[[I]], %[[J]]] : memref<3x8xf32>, vector<f32>
// CHECK: vector.broadcast %[[B0]] : vector<f32> to vector<16xf32>
// CHECK: %[[J1:.*]] = arith.addi %[[J]], %c1 : index
// CHECK: vector.load %[[BIAS]][%[[I]], %[[J1]]]
// CHECK: %[[J3:.*]] = arith.addi %[[J]], %c3 : index
// CHECK: vector.load %[[BIAS]][%[[I]], %[[J3]]]
// CHECK-NOT: vector.shuffle
// CHECK: return

// A row index that may run past the end reads the padding there: not split.
func.func @bias_maybe_out_of_bounds(%bias: memref<3xf32>, %out: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %b = vector.transfer_read %bias[%c0], %pad {in_bounds = [false, true], permutation_map = affine_map<(d0) -> (d0, 0)>} : memref<3xf32>, vector<4x16xf32>
  vector.transfer_write %b, %out[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  return
}
// CHECK-LABEL: func.func @bias_maybe_out_of_bounds
// CHECK-NOT: vector.load %{{.*}} : memref<3xf32>, vector<f32>
// CHECK: return

// One step of a dot product along the batch (w[k] x[k, b], a reduction
// of extent 1 with the batch first): one vector FMA, not sixteen scalar
// ones.
#bk = affine_map<(d0, d1) -> (d0, d1)>
#b_ = affine_map<(d0, d1) -> (d0)>
func.func @batch_dot_step(%w: memref<8xf32>, %x: memref<8x16xf32>, %acc: vector<16xf32>) -> vector<16xf32> {
  %c3 = arith.constant 3 : index
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %a = vector.transfer_read %w[%c3], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0) -> (0, d0)>} : memref<8xf32>, vector<16x1xf32>
  %b = vector.transfer_read %x[%c3, %c0], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0, d1) -> (d1, d0)>} : memref<8x16xf32>, vector<16x1xf32>
  %r = vector.contract {indexing_maps = [#bk, #bk, #b_], iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %acc : vector<16x1xf32>, vector<16x1xf32> into vector<16xf32>
  return %r : vector<16xf32>
}
// CHECK-LABEL: func.func @batch_dot_step
// CHECK-NOT: vector.contract
// CHECK: %[[X:.*]] = vector.load %{{.*}} : memref<8x16xf32>, vector<16xf32>
// CHECK: %[[R:.*]] = vector.fma %{{.*}}, %[[X]], %{{.*}} : vector<16xf32>
// CHECK-NOT: vector.extract
// CHECK: return %[[R]]

// A sum over the batch into one element (a parameter's gradient): a
// product and one reassociable reduction, not a chain of scalar adds.
#k_ = affine_map<(d0, d1) -> (d1)>
#p_ = affine_map<(d0, d1) -> (d0)>
func.func @batch_sum(%m: memref<2x16xf32>, %acc: vector<1xf32>, %gacc: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %pad = arith.constant 0.0 : f32
  %a = vector.transfer_read %m[%c0, %c0], %pad {in_bounds = [true, true]} : memref<2x16xf32>, vector<1x16xf32>
  %c = vector.transfer_read %m[%c1, %c0], %pad {in_bounds = [true]} : memref<2x16xf32>, vector<16xf32>
  %g = arith.mulf %a, %a : vector<1x16xf32>
  %r = vector.contract {indexing_maps = [#bk, #k_, #p_], iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %a, %c, %acc : vector<1x16xf32>, vector<16xf32> into vector<1xf32>
  %s = vector.multi_reduction <add>, %g, %gacc [1] : vector<1x16xf32> to vector<1xf32>
  return %r, %s : vector<1xf32>, vector<1xf32>
}
// CHECK-LABEL: func.func @batch_sum
// CHECK-COUNT-2: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-COUNT-2: vector.reduction <add>, %{{.*}}, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// CHECK-NOT: vector.extract %{{.*}}[{{[0-9]+}}] : f32 from vector<16xf32>
// CHECK: return

// Mixed precision (f16 operands, f32 accumulators): the operands would
// need widening first; left to the general lowerings (which keep them).
func.func @mixed_precision(%w: vector<16x1xf16>, %x: vector<16x1xf16>, %acc: vector<16xf32>, %a: vector<16xf16>, %sacc: f32) -> (vector<16xf32>, f32) {
  %r = vector.contract {indexing_maps = [#bk, #bk, #b_], iterator_types = ["parallel", "reduction"], kind = #vector.kind<add>} %w, %x, %acc : vector<16x1xf16>, vector<16x1xf16> into vector<16xf32>
  %s = vector.contract {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"], kind = #vector.kind<add>} %a, %a, %sacc : vector<16xf16>, vector<16xf16> into f32
  return %r, %s : vector<16xf32>, f32
}
// CHECK-LABEL: func.func @mixed_precision
// CHECK-COUNT-2: vector.contract
// CHECK-NOT: vector.reduction
// CHECK: return

// A transposed read of a 16 x 16 block (a weight gradient's transposed
// input) becomes 16 row loads and the AVX-512 shuffle network: 64
// two-input shuffles of 16 lanes, no lane-by-lane gather.
func.func @transpose_block(%m: memref<16x16xf32>) -> vector<16x16xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %t = vector.transfer_read %m[%c0, %c0], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0, d1) -> (d1, d0)>} : memref<16x16xf32>, vector<16x16xf32>
  return %t : vector<16x16xf32>
}
// CHECK-LABEL: func.func @transpose_block
// CHECK-COUNT-16: vector.load %{{.*}} : memref<16x16xf32>, vector<16xf32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29] : vector<16xf32>, vector<16xf32>
// CHECK-COUNT-63: vector.shuffle %{{.*}}, %{{.*}} [{{.*}}] : vector<16xf32>, vector<16xf32>
// CHECK-NOT: vector.shuffle
// CHECK-NOT: vector.extract %{{.*}}[{{[0-9]+}}] : f32
// CHECK: return
