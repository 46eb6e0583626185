// RUN: ade-opt %s --pass-pipeline='builtin.module(gpu.module(ade-map-loops-to-threads,canonicalize,cse))' --split-input-file | FileCheck %s

// A product into a shared buffer: each of the 32 threads computes 4 rows x
// 4 consecutive columns (4 x 8 = 32 blocks: no loop, a guard); the 16
// reduction loops run as one with the accumulators in registers, the rows
// of h load as one 16-byte vector shared by the 4 rows, and the results
// store as vectors. The loop runs 4 steps at a time: each of the thread's
// rows of the kernel argument w loads its 4 steps' values as one vector.
// Barriers surround the loop (none at the start).

gpu.module @k {
  gpu.func @product(%w: memref<16x8xf32>, %n: i64) kernel attributes {ade.tile_size = 32 : i64, known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c512 = arith.constant 512 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %hv = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8x32xf32, #gpu.address_space<workgroup>>
    %ov = memref.view %smem[%c512][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x32xf32, #gpu.address_space<workgroup>>
    %h = memref.memory_space_cast %hv : memref<8x32xf32, #gpu.address_space<workgroup>> to memref<8x32xf32>
    %o = memref.memory_space_cast %ov : memref<16x32xf32, #gpu.address_space<workgroup>> to memref<16x32xf32>
    scf.parallel (%m, %t) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %a = memref.load %w[%m, %k] : memref<16x8xf32>
        %b = memref.load %h[%k, %t] : memref<8x32xf32>
        %acc = memref.load %o[%m, %t] : memref<16x32xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        memref.store %s, %o[%m, %t] : memref<16x32xf32>
      }
      scf.reduce
    }
    gpu.return
  }
}

// CHECK-LABEL: gpu.func @product
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[H:.*]] = memref.memory_space_cast %{{.*}} to memref<8x32xf32>
// CHECK: %[[O:.*]] = memref.memory_space_cast %{{.*}} to memref<16x32xf32>
// CHECK-NOT: gpu.barrier
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[TID]], %c32
// CHECK: scf.if %[[IN]] {
// CHECK: %[[COL:.*]] = arith.remui %[[TID]], %c8
// CHECK: %[[ROW:.*]] = arith.divui %[[TID]], %c8
// CHECK: %[[T0:.*]] = arith.muli %[[COL]], %c4
// CHECK: %[[M0:.*]] = arith.muli %[[ROW]], %c4
// CHECK: vector.load %[[O]][%[[M0]], %[[T0]]] {alignment = 16 : i64} : memref<16x32xf32>, vector<4xf32>
// CHECK-COUNT-3: vector.load %[[O]]
// CHECK: %[[R:.*]]:16 = scf.for %[[K:.*]] = %c0 to %c8 step %c4 iter_args(
// CHECK-NOT: memref.load %arg0
// CHECK: %[[W0:.*]] = vector.load %arg0[%[[M0]], %[[K]]] {alignment = 16 : i64} : memref<16x8xf32>, vector<4xf32>
// CHECK-COUNT-3: vector.load %arg0[
// CHECK: vector.extract %[[W0]][0]
// CHECK: vector.load %[[H]][%[[K]], %[[T0]]] {alignment = 16 : i64}
// CHECK: vector.extract %[[W0]][1]
// CHECK: vector.load %[[H]][%{{.*}}, %[[T0]]] {alignment = 16 : i64}
// CHECK: vector.extract %[[W0]][2]
// CHECK: vector.extract %[[W0]][3]
// CHECK-NOT: memref.load
// CHECK: scf.yield
// CHECK: %[[V:.*]] = vector.from_elements %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3
// CHECK: vector.store %[[V]], %[[O]][%[[M0]], %[[T0]]] {alignment = 16 : i64}
// CHECK-COUNT-3: vector.store
// CHECK-NEXT: {{^ +}$}}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: gpu.return

// -----

// A transposed product reads w[k, m..m+3], the thread's 4 rows: one vector
// per step. Loads stay scalar where the loop's steps are not a multiple of
// 4 (6 steps of an aligned 16x8 argument), and where rows of the argument
// do not start at 16 bytes (8 steps of a 16x10 one).

gpu.module @k {
  gpu.func @transposed(%w: memref<8x16xf32>, %v: memref<16x8xf32>, %u: memref<16x10xf32>, %n: i64) kernel attributes {ade.tile_size = 32 : i64, known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c6 = arith.constant 6 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c1024 = arith.constant 1024 : index
    %c2048 = arith.constant 2048 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %hv = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8x32xf32, #gpu.address_space<workgroup>>
    %ov = memref.view %smem[%c1024][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x32xf32, #gpu.address_space<workgroup>>
    %pv = memref.view %smem[%c2048][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x32xf32, #gpu.address_space<workgroup>>
    %h = memref.memory_space_cast %hv : memref<8x32xf32, #gpu.address_space<workgroup>> to memref<8x32xf32>
    %o = memref.memory_space_cast %ov : memref<16x32xf32, #gpu.address_space<workgroup>> to memref<16x32xf32>
    %p = memref.memory_space_cast %pv : memref<16x32xf32, #gpu.address_space<workgroup>> to memref<16x32xf32>
    scf.parallel (%m, %t) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %a = memref.load %w[%k, %m] : memref<8x16xf32>
        %b = memref.load %h[%k, %t] : memref<8x32xf32>
        %acc = memref.load %o[%m, %t] : memref<16x32xf32>
        %s = arith.addf %acc, %a : f32
        %q = arith.mulf %s, %b : f32
        memref.store %q, %o[%m, %t] : memref<16x32xf32>
      }
      scf.reduce
    }
    scf.parallel (%m, %t) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
      scf.for %k = %c0 to %c6 step %c1 {
        %a = memref.load %v[%m, %k] : memref<16x8xf32>
        %acc = memref.load %p[%m, %t] : memref<16x32xf32>
        %s = arith.addf %acc, %a : f32
        memref.store %s, %p[%m, %t] : memref<16x32xf32>
      }
      scf.reduce
    }
    scf.parallel (%m, %t) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %a = memref.load %u[%m, %k] : memref<16x10xf32>
        %acc = memref.load %p[%m, %t] : memref<16x32xf32>
        %s = arith.addf %acc, %a : f32
        memref.store %s, %p[%m, %t] : memref<16x32xf32>
      }
      scf.reduce
    }
    gpu.return
  }
}

// CHECK-LABEL: gpu.func @transposed
// CHECK: %[[ROW:.*]] = arith.divui %{{.*}}, %c8
// CHECK: %[[M0:.*]] = arith.muli %[[ROW]], %c4
// CHECK: scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(
// CHECK-NOT: memref.load %arg0
// CHECK: %[[W:.*]] = vector.load %arg0[%[[K]], %[[M0]]] {alignment = 16 : i64} : memref<8x16xf32>, vector<4xf32>
// CHECK-NOT: memref.load %arg0
// CHECK: scf.yield
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args(
// CHECK-COUNT-4: memref.load %arg1[
// CHECK-NOT: vector.load %arg1
// CHECK: scf.yield
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(
// CHECK-COUNT-4: memref.load %arg2[
// CHECK-NOT: vector.load %arg2
// CHECK: scf.yield

// -----

// With 16 threads, the 16 x 32 product still gives each thread a block of
// 8 rows x 4 columns: 32 accumulators, each step's 4 columns of h loaded
// once for the 8 rows, and 8 rows of w read as vectors.

gpu.module @k {
  gpu.func @wide(%w: memref<16x8xf32>, %n: i64) kernel attributes {ade.tile_size = 32 : i64, known_block_size = array<i32: 16, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c1024 = arith.constant 1024 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %hv = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8x32xf32, #gpu.address_space<workgroup>>
    %ov = memref.view %smem[%c1024][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x32xf32, #gpu.address_space<workgroup>>
    %h = memref.memory_space_cast %hv : memref<8x32xf32, #gpu.address_space<workgroup>> to memref<8x32xf32>
    %o = memref.memory_space_cast %ov : memref<16x32xf32, #gpu.address_space<workgroup>> to memref<16x32xf32>
    scf.parallel (%m, %t) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %a = memref.load %w[%m, %k] : memref<16x8xf32>
        %b = memref.load %h[%k, %t] : memref<8x32xf32>
        %acc = memref.load %o[%m, %t] : memref<16x32xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        memref.store %s, %o[%m, %t] : memref<16x32xf32>
      }
      scf.reduce
    }
    gpu.return
  }
}

// CHECK-LABEL: gpu.func @wide
// CHECK: %[[ROW:.*]] = arith.divui %{{.*}}, %c8
// CHECK: %[[M0:.*]] = arith.muli %[[ROW]], %c8
// CHECK: %{{.*}}:32 = scf.for %[[K:.*]] = %c0 to %c8 step %c4 iter_args(
// CHECK: vector.load %arg0[%[[M0]], %[[K]]] {alignment = 16 : i64}
// CHECK-COUNT-7: vector.load %arg0[
// CHECK-COUNT-4: vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<8x32xf32>, vector<4xf32>
// CHECK-NOT: vector.load %{{.*}} : memref<8x32xf32>
// CHECK: scf.yield

// -----

// A view made inside the loop (aligned, of a kernel argument) is not
// hoisted out of it: its loads stay scalar in the loop.

gpu.module @k {
  gpu.func @inner_view(%w: memref<16x8xf32>, %n: i64) kernel attributes {ade.tile_size = 32 : i64, known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %ov = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x32xf32, #gpu.address_space<workgroup>>
    %o = memref.memory_space_cast %ov : memref<16x32xf32, #gpu.address_space<workgroup>> to memref<16x32xf32>
    scf.parallel (%m, %t) = (%c0, %c0) to (%c16, %c32) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %view = memref.subview %w[0, 0] [16, 8] [1, 1] : memref<16x8xf32> to memref<16x8xf32, strided<[8, 1]>>
        %a = memref.load %view[%m, %k] : memref<16x8xf32, strided<[8, 1]>>
        %acc = memref.load %o[%m, %t] : memref<16x32xf32>
        %s = arith.addf %acc, %a : f32
        memref.store %s, %o[%m, %t] : memref<16x32xf32>
      }
      scf.reduce
    }
    gpu.return
  }
}

// CHECK-LABEL: gpu.func @inner_view
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(
// CHECK-COUNT-4: memref.load %arg0[
// CHECK-NOT: vector.load %arg0
// CHECK: scf.yield

// -----

// More blocks than threads: a loop of the threads over them, strided by
// the block size; without a reduction, one row per block. A write outside
// parallel loops is thread 0's, between barriers.

gpu.module @k {
  gpu.func @elementwise(%x: memref<64x8xf32>, %n: i64) kernel attributes {ade.tile_size = 8 : i64, known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c64 = arith.constant 64 : index
    %one = arith.constant 1.0 : f32
    %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %yv = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<64x8xf32, #gpu.address_space<workgroup>>
    %y = memref.memory_space_cast %yv : memref<64x8xf32, #gpu.address_space<workgroup>> to memref<64x8xf32>
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c8) step (%c1, %c1) {
      %v = memref.load %x[%i, %j] : memref<64x8xf32>
      %e = math.exp %v : f32
      memref.store %e, %y[%i, %j] : memref<64x8xf32>
      scf.reduce
    }
    memref.store %one, %y[%c0, %c0] : memref<64x8xf32>
    gpu.return
  }
}

// CHECK-LABEL: gpu.func @elementwise
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: scf.for %[[I:.*]] = %[[TID]] to %c128 step %c32 {
// CHECK: math.exp
// CHECK-COUNT-3: math.exp
// CHECK: vector.store
// CHECK-NEXT: {{^ +}$}}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %c0
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK-NEXT: memref.store %cst, %{{.*}}[%c0, %c0]
// CHECK-NEXT: {{^ +}$}}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: gpu.return

// -----

// A sequential loop with results that writes memory outside parallel loops
// (a per-particle LU) cannot be spread: the kernel is erased, and its entry
// listed for another kernel form to build. Kernels without a tile are left alone.

gpu.module @k {
  gpu.func @sequential(%x: memref<8xf32>, %n: i64) kernel attributes {ade.entry = "sample", ade.owner = "LU", ade.tile_size = 8 : i64, known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %zero = arith.constant 0.0 : f32
    %r = scf.for %i = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %x[%i] : memref<8xf32>
      memref.store %a, %x[%i] : memref<8xf32>
      scf.yield %v : f32
    }
    gpu.return
  }
  gpu.func @thread(%x: memref<8xf32>, %n: i64) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    memref.store %one, %x[%c0] : memref<8xf32>
    gpu.return
  }
}

// CHECK-LABEL: gpu.module @k attributes {ade.unbuilt = ["ade_LU_sample"]}
// CHECK-NOT: @sequential
// CHECK: gpu.func @thread
// CHECK-NOT: gpu.barrier
// CHECK: memref.store
// CHECK-NEXT: gpu.return
