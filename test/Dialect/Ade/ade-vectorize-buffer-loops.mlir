// RUN: ade-opt %s --split-input-file --ade-vectorize-buffer-loops --canonicalize | FileCheck %s

// A copy of 40 floats: two rows of 16, then one row of the remaining 8.
func.func @copy(%a: memref<40xf32>, %b: memref<40xf32, strided<[1], offset: ?>>) {
  linalg.copy ins(%a : memref<40xf32>) outs(%b : memref<40xf32, strided<[1], offset: ?>>)
  return
}
// CHECK-LABEL: func.func @copy
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C32]] step %[[C16]]
// CHECK: %[[ROW:.*]] = vector.transfer_read {{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK: vector.transfer_write %[[ROW]], {{.*}} : vector<16xf32>, memref<16xf32, {{.*}}>
// CHECK: memref.subview %{{.*}}[32] [8] [1]
// CHECK: %[[REST:.*]] = vector.transfer_read {{.*}} : memref<8xf32, {{.*}}>, vector<8xf32>
// CHECK: vector.transfer_write %[[REST]]
// CHECK-NOT: linalg.copy

// -----

// A parameter gradient added up (acc += g), in f64: rows of 8 along the
// contiguous dimension, one loop over the other.
func.func @accumulate(%g: memref<3x16xf64>, %acc: memref<3x16xf64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%g : memref<3x16xf64>) outs(%acc : memref<3x16xf64>) {
  ^bb0(%in: f64, %out: f64):
    %s = arith.addf %in, %out : f64
    linalg.yield %s : f64
  }
  return
}
// CHECK-LABEL: func.func @accumulate
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[G:.*]] = vector.transfer_read {{.*}} vector<1x8xf64>
// CHECK: %[[A:.*]] = vector.transfer_read {{.*}} vector<1x8xf64>
// CHECK: %[[S:.*]] = arith.addf %[[G]], %[[A]] : vector<1x8xf64>
// CHECK: vector.transfer_write %[[S]]
// CHECK-NOT: linalg.generic

// -----

// A fill shorter than a row: one row of its length per outer index.
func.func @fill(%b: memref<4x5xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%b : memref<4x5xf32>)
  return
}
// CHECK-LABEL: func.func @fill
// CHECK: scf.for
// CHECK: vector.transfer_write %{{.*}} : vector<1x5xf32>, memref<1x5xf32, {{.*}}>
// CHECK-NOT: linalg.fill

// -----

// A copy of a dynamic number of rows of 20 (the padded last tile's):
// a loop over the rows, each one row of 16 and one of 4.
func.func @rows(%a: memref<?x20xf32>, %b: memref<?x20xf32>) {
  linalg.copy ins(%a : memref<?x20xf32>) outs(%b : memref<?x20xf32>)
  return
}
// CHECK-LABEL: func.func @rows
// CHECK: scf.for
// CHECK: vector.transfer_write %{{.*}} : vector<1x16xf32>, memref<1x16xf32, {{.*}}>
// CHECK: scf.for
// CHECK: vector.transfer_write %{{.*}} : vector<1x4xf32>, memref<1x4xf32, {{.*}}>
// CHECK-NOT: linalg.copy

// -----

// Left to loops: a transpose not of whole 16 x 16 blocks (its innermost
// loop strides through memory), a copy of dynamic length, a copy of every other element, and booleans
// (vectors of i1 are packed in bits).
func.func @left(%a: memref<3x40xf32>, %t: memref<40x3xf32>, %d: memref<?xf32>, %e: memref<?xf32>,
                %s: memref<8xf32, strided<[2]>>, %c: memref<8xf32>, %p: memref<32xi1>, %q: memref<32xi1>) {
  linalg.transpose ins(%a : memref<3x40xf32>) outs(%t : memref<40x3xf32>) permutation = [1, 0]
  linalg.copy ins(%d : memref<?xf32>) outs(%e : memref<?xf32>)
  linalg.copy ins(%s : memref<8xf32, strided<[2]>>) outs(%c : memref<8xf32>)
  linalg.copy ins(%p : memref<32xi1>) outs(%q : memref<32xi1>)
  return
}
// CHECK-LABEL: func.func @left
// CHECK-NOT: vector.
// CHECK: linalg.transpose
// CHECK: linalg.copy
// CHECK: linalg.copy
// CHECK: linalg.copy

// -----

// A tile's particles transposed to feature-major (a strided view of the
// entry's particle-major input, 32 particles of 48 features): 16 x 16
// blocks, each read whole and transposed (ade-lower-vectors shuffles it).
func.func @particles(%x: memref<32x48xf32, strided<[48, 1], offset: ?>>, %t: memref<48x32xf32>) {
  linalg.transpose ins(%x : memref<32x48xf32, strided<[48, 1], offset: ?>>) outs(%t : memref<48x32xf32>) permutation = [1, 0]
  return
}
// CHECK-LABEL: func.func @particles
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %[[C16]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %[[C16]]
// CHECK: %[[IN:.*]] = memref.subview %{{.*}}[%[[J]], %[[I]]] [16, 16] [1, 1]
// CHECK: %[[OUT:.*]] = memref.subview %{{.*}}[%[[I]], %[[J]]] [16, 16] [1, 1]
// CHECK: %[[B:.*]] = vector.transfer_read %[[IN]]{{.*}}permutation_map = #{{.*}}} : memref<16x16xf32, strided<[48, 1], offset: ?>>, vector<16x16xf32>
// CHECK: vector.transfer_write %[[B]], %[[OUT]]{{.*}} : vector<16x16xf32>, memref<16x16xf32, strided<[32, 1], offset: ?>>
// CHECK-NOT: linalg.transpose
