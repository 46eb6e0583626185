// RUN: ade-opt %s --pass-pipeline='builtin.module(func.func(ade-stack-buffers{max-alloc-size=1024 budget=1536}))' --split-input-file | FileCheck %s

// Buffers are promoted in program order while they fit the budget: the
// first two (512 + 800 bytes) fit, the third (400 more) would exceed it,
// the fourth (1200 bytes) is larger than max-alloc-size, and the last
// (200 bytes) still fits the 224 bytes left.

// CHECK-LABEL: func.func @budget
// CHECK: memref.alloca() {{.*}} : memref<128xf32>
// CHECK: memref.alloca() {{.*}} : memref<100xf64>
// CHECK: memref.alloc() {{.*}} : memref<100xf32>
// CHECK: memref.alloc() {{.*}} : memref<300xf32>
// CHECK: memref.alloca() {{.*}} : memref<50xf32>
func.func @budget(%v: f32) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<128xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<100xf64>
  %c = memref.alloc() {alignment = 64 : i64} : memref<100xf32>
  %d = memref.alloc() {alignment = 64 : i64} : memref<300xf32>
  %e = memref.alloc() {alignment = 64 : i64} : memref<50xf32>
  linalg.fill ins(%v : f32) outs(%a : memref<128xf32>)
  linalg.fill ins(%v : f32) outs(%c : memref<100xf32>)
  linalg.fill ins(%v : f32) outs(%d : memref<300xf32>)
  linalg.fill ins(%v : f32) outs(%e : memref<50xf32>)
  return
}

// -----

// Each function has its own budget; dynamic buffers stay on the heap.

// CHECK-LABEL: func.func @other
// CHECK: memref.alloca() {{.*}} : memref<200xf32>
// CHECK: memref.alloc(%{{.*}}) {{.*}} : memref<?xf32>
func.func @other(%n: index, %v: f32) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<200xf32>
  %b = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf32>
  linalg.fill ins(%v : f32) outs(%a : memref<200xf32>)
  linalg.fill ins(%v : f32) outs(%b : memref<?xf32>)
  return
}
