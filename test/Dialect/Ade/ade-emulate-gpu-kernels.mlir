// RUN: ade-opt %s --ade-emulate-gpu-kernels --split-input-file --verify-diagnostics | FileCheck %s

// A block kernel as a host function of (params, thread): argument i is read
// through params[i] (a buffer's pointer becomes a static memref), ids and
// the shared memory come from the ade_emulated_thread, a barrier calls its
// callback, and shared memory is plain memory. The kernel's globals move
// with it; the gpu.module and the container attribute go.

// CHECK-LABEL: module {
// CHECK-NOT: gpu.
// CHECK: memref.global "private" constant @table
// CHECK: func.func @scale(%[[PARAMS:.*]]: !llvm.ptr, %[[THREAD:.*]]: !llvm.ptr) attributes {ade.entry = "energy", ade.owner = "M", ade.tile_size = 32 : i64}
// CHECK: %[[SLOT0:.*]] = llvm.getelementptr %[[PARAMS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[ARG0:.*]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[DATA:.*]] = llvm.load %[[ARG0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[X:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<1024xf32>
// CHECK: %[[SLOT1:.*]] = llvm.getelementptr %[[PARAMS]][1]
// CHECK: %[[ARG1:.*]] = llvm.load %[[SLOT1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.load %[[ARG1]] : !llvm.ptr -> i64
// CHECK: llvm.getelementptr %[[THREAD]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64, i64, i64, i64, ptr)>
// CHECK: %[[TID_FIELD:.*]] = llvm.getelementptr %[[THREAD]][0, 2]
// CHECK: %[[TID64:.*]] = llvm.load %[[TID_FIELD]] : !llvm.ptr -> i64
// CHECK: %[[TID:.*]] = arith.index_cast %[[TID64]] : i64 to index
// CHECK: %[[SHARED_FIELD:.*]] = llvm.getelementptr %[[THREAD]][0, 5]
// CHECK: %[[SHARED_PTR:.*]] = llvm.load %[[SHARED_FIELD]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.mlir.constant(256 : index) : i64
// CHECK: %[[SHARED:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?xi8>
// CHECK: %[[VIEW:.*]] = memref.view %[[SHARED]][%{{.*}}][] : memref<?xi8> to memref<32xf32>
// CHECK: memref.store %{{.*}}, %[[VIEW]][%[[TID]]] : memref<32xf32>
// CHECK: %[[BARRIER_FIELD:.*]] = llvm.getelementptr %[[THREAD]][0, 0]
// CHECK: %[[BARRIER:.*]] = llvm.load %[[BARRIER_FIELD]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call %[[BARRIER]](%[[THREAD]]) : !llvm.ptr, (!llvm.ptr) -> ()
// CHECK: memref.store %{{.*}}, %[[X]][%{{.*}}] : memref<1024xf32>
// CHECK: return

module attributes {gpu.container_module} {
  gpu.module @kernels {
    memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
    gpu.func @scale(%x: memref<1024xf32>, %n: i64) kernel attributes {ade.owner = "M", ade.entry = "energy", ade.shared_bytes = 256 : i64, ade.tile_size = 32 : i64} {
      %c0 = arith.constant 0 : index
      %t = gpu.thread_id x
      %b = gpu.block_id x
      %d = gpu.block_dim x
      %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %s = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %g = memref.get_global @table : memref<2xf32>
      %v = memref.load %g[%c0] : memref<2xf32>
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %i = arith.muli %b, %d : index
      %j = arith.addi %i, %t : index
      %w = memref.load %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %w, %x[%j] : memref<1024xf32>
      gpu.return
    }
  }
}

// -----

// A one-thread-per-particle kernel: the global id is block * dim + thread;
// the y and z ids are 0 (grids are 1-d).

// CHECK-LABEL: func.func @per_particle
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[BLOCK:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK-DAG: %[[TID:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK-DAG: %[[DIM:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[BASE:.*]] = arith.muli %[[BLOCK]], %[[DIM]] : index
// CHECK: %[[GLOBAL:.*]] = arith.addi %[[BASE]], %[[TID]] : index
// CHECK: %[[I:.*]] = arith.addi %[[GLOBAL]], %[[C0]] : index
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]]] : memref<64xf32>

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @per_particle(%x: memref<64xf32>, %n: i64) kernel {
      %one = arith.constant 1.0 : f32
      %g = gpu.global_id x
      %y = gpu.thread_id y
      %i = arith.addi %g, %y : index
      memref.store %one, %x[%i] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @shuffle(%x: memref<64xf32>, %n: i64) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %v = memref.load %x[%c0] : memref<64xf32>
      // expected-error @below {{cannot emulate gpu.shuffle on the CPU}}
      %s, %ok = gpu.shuffle xor %v, %c1, %c32 : f32
      memref.store %s, %x[%c0] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
  gpu.module @kernels {
    // expected-error @below {{the host module defines table too}}
    memref.global "private" constant @table : memref<2xf32> = dense<[3.0, 4.0]>
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @below {{cannot emulate a kernel argument of type 'memref<?xf32>'}}
    gpu.func @dynamic(%x: memref<?xf32>, %n: i64) kernel {
      gpu.return
    }
  }
}
