// RUN: ade-opt %s --ade-lower-memref-copies | FileCheck %s

// Copies of strided views become linalg.copy, which lowers to loops
// instead of a call into MLIR's runtime support library.

func.func @copy(%src: memref<8xf32>, %dst: memref<2x3xf64>, %other: memref<2x3xf64>) -> memref<2xf32> {
  %view = memref.subview %src[2] [2] [3] : memref<8xf32> to memref<2xf32, strided<[3], offset: 2>>
  %buf = memref.alloc() : memref<2xf32>
  memref.copy %view, %buf : memref<2xf32, strided<[3], offset: 2>> to memref<2xf32>
  memref.copy %other, %dst : memref<2x3xf64> to memref<2x3xf64>
  return %buf : memref<2xf32>
}
// CHECK-LABEL: func.func @copy
// CHECK-NOT: memref.copy
// CHECK: %[[VIEW:.*]] = memref.subview
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<2xf32>
// CHECK: linalg.copy ins(%[[VIEW]] : memref<2xf32, strided<[3], offset: 2>>) outs(%[[BUF]] : memref<2xf32>)
// CHECK: linalg.copy ins(%{{.*}} : memref<2x3xf64>) outs(%{{.*}} : memref<2x3xf64>)
// CHECK-NOT: memref.copy
