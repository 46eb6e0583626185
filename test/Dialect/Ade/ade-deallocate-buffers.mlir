// RUN: ade-opt %s --pass-pipeline='builtin.module(func.func(ade-deallocate-buffers))' --split-input-file | FileCheck %s

// A heap buffer is deallocated at the end of its function.
// CHECK-LABEL: func.func @heap
// CHECK: %[[A:.*]] = memref.alloc() {{.*}} : memref<300xf32>
// CHECK: linalg.fill {{.*}} outs(%[[A]] : memref<300xf32>)
// CHECK: bufferization.dealloc (%[[A]] : memref<300xf32>) if (%true)
// CHECK-NEXT: return
func.func @heap(%v: f32) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<300xf32>
  linalg.fill ins(%v : f32) outs(%a : memref<300xf32>)
  return
}

// -----

// A function without heap buffers is left as it is: not even canonicalized.
// CHECK-LABEL: func.func @stack
// CHECK-NEXT: memref.alloca
// CHECK-NEXT: arith.constant 1 : index
// CHECK-NEXT: arith.constant 2 : index
// CHECK-NEXT: arith.addi
// CHECK-NOT: dealloc
func.func @stack(%v: f32) -> index {
  %a = memref.alloca() : memref<300xf32>
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %s = arith.addi %c1, %c2 : index
  linalg.fill ins(%v : f32) outs(%a : memref<300xf32>)
  return %s : index
}
