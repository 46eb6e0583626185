// RUN: ade-opt %s --ade-name-constant-globals | FileCheck %s

// Bufferization's constant globals, sorted by type and value and renamed
// in that order, whatever order and counters bufferization gave them; their
// uses follow. Other globals keep their names.

module {
  memref.global "private" constant @__constant_2xf32_0 : memref<2xf32> = dense<[1.000000e+00, 0.000000e+00]> {alignment = 64 : i64}
  memref.global "private" @state : memref<2xf32> = dense<0.000000e+00>
  memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<[0.000000e+00, 1.000000e+00]> {alignment = 64 : i64}
  memref.global "private" constant @__constant_xf32 : memref<f32> = dense<0.000000e+00> {alignment = 64 : i64}
  func.func @f() -> (memref<2xf32>, memref<2xf32>, memref<f32>, memref<2xf32>) {
    %a = memref.get_global @__constant_2xf32_0 : memref<2xf32>
    %b = memref.get_global @__constant_2xf32 : memref<2xf32>
    %c = memref.get_global @__constant_xf32 : memref<f32>
    %s = memref.get_global @state : memref<2xf32>
    return %a, %b, %c, %s : memref<2xf32>, memref<2xf32>, memref<f32>, memref<2xf32>
  }
}

// CHECK: memref.global "private" constant @__constant_0 : memref<2xf32> = dense<[0.000000e+00, 1.000000e+00]>
// CHECK-NEXT: memref.global "private" constant @__constant_1 : memref<2xf32> = dense<[1.000000e+00, 0.000000e+00]>
// CHECK-NEXT: memref.global "private" constant @__constant_2 : memref<f32> = dense<0.000000e+00>
// CHECK: memref.global "private" @state
// CHECK-LABEL: func.func @f
// CHECK-NEXT: %[[A:.*]] = memref.get_global @__constant_1 : memref<2xf32>
// CHECK-NEXT: %[[B:.*]] = memref.get_global @__constant_0 : memref<2xf32>
// CHECK-NEXT: %[[C:.*]] = memref.get_global @__constant_2 : memref<f32>
// CHECK-NEXT: %[[S:.*]] = memref.get_global @state : memref<2xf32>
