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
