// RUN: ade-opt %s --pass-pipeline='builtin.module(gpu.module(ade-extern-dynamic-shared-memory))' | FileCheck %s

// The dynamic shared memory that convert-gpu-to-nvvm defines (internal,
// zero-sized, no initializer) becomes an external declaration of unknown
// size. Shared globals with a size or an initializer, and zero-sized ones
// in other address spaces, keep their linkage.
gpu.module @kernels {
  // CHECK: llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  // CHECK: llvm.mlir.global internal @sized() {addr_space = 3 : i32} : !llvm.array<16 x i8>
  llvm.mlir.global internal @sized() {addr_space = 3 : i32} : !llvm.array<16 x i8>
  // CHECK: llvm.mlir.global internal @initialized(dense<> : tensor<0xi8>) {addr_space = 3 : i32} : !llvm.array<0 x i8>
  llvm.mlir.global internal @initialized(dense<> : tensor<0xi8>) {addr_space = 3 : i32} : !llvm.array<0 x i8>
  // CHECK: llvm.mlir.global internal @global() {addr_space = 1 : i32} : !llvm.array<0 x i8>
  llvm.mlir.global internal @global() {addr_space = 1 : i32} : !llvm.array<0 x i8>
}
