// RUN: ade-opt %s --ade-build-gpu-kernels --split-input-file --verify-diagnostics | FileCheck %s

// A one-particle tile function (fully dynamic layouts, as bufferized for
// the GPU) becomes a kernel in which thread i < batch views row i of x and
// f in place; its buffers become allocas, and a buffer whose live range
// starts after another's ends reuses it.

memref.global "private" constant @two : memref<2xf32> = dense<[1.0, 2.0]>

func.func @M.energy.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x1xf32, strided<[?, ?], offset: ?>>, %out: memref<1xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  %zero = arith.constant 0.0 : f32
  %c = memref.get_global @two : memref<2xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
  %d = memref.alloc() : memref<4xf32>
  linalg.copy ins(%b : memref<4xf32>) outs(%d : memref<4xf32>)
  %s = memref.subview %d[0] [1] [1] : memref<4xf32> to memref<1xf32, strided<[1]>>
  memref.copy %s, %out : memref<1xf32, strided<[1]>> to memref<1xf32, strided<[?], offset: ?>>
  return
}

// CHECK: module attributes {gpu.container_module}
// CHECK-NEXT: gpu.module @ade_kernels
// CHECK-NEXT: memref.global "private" constant @two
// CHECK-LABEL: gpu.func @ade_M_energy
// CHECK-SAME: (%[[P:.*]]: memref<5xf32>, %[[X:.*]]: memref<1099511627776xf32>, %[[F:.*]]: memref<1099511627776xf32>, %[[B:.*]]: i64) kernel
// CHECK-SAME: ade.entry = "energy", ade.owner = "M", known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[B2:.*]] = memref.alloca() : memref<4xf32>
// CHECK: %[[A:.*]] = memref.alloca() : memref<4xf32>
// CHECK-NOT: memref.alloca
// CHECK: %[[I:.*]] = gpu.global_id x
// CHECK: %[[N:.*]] = arith.index_cast %[[B]] : i64 to index
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[I]], %[[N]]
// CHECK: scf.if %[[IN]]
// CHECK: %[[PV:.*]] = memref.cast %[[P]] : memref<5xf32> to memref<5xf32, strided<[?], offset: ?>>
// CHECK: %[[OFF:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[XV:.*]] = memref.reinterpret_cast %[[X]] to offset: [%[[OFF]]], sizes: [2, 1], strides: [1, 1]
// CHECK: memref.reinterpret_cast %[[F]] to offset: [%{{.*}}], sizes: [1], strides: [1]
// CHECK: memref.get_global @two
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<4xf32>)
// CHECK: linalg.copy ins(%[[A]] : memref<4xf32>) outs(%[[B2]] : memref<4xf32>)
// CHECK: linalg.copy ins(%[[B2]] : memref<4xf32>) outs(%[[A]] : memref<4xf32>)
// CHECK: gpu.return
// The module keeps only the GPU module.
// CHECK-NOT: func.func

// -----

// VJPs (sums over particles) get no kernel (yet).

func.func @M.energy_vjp.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x1xf32, strided<[?, ?], offset: ?>>, %w: memref<1xf32, strided<[?], offset: ?>>, %g: memref<5xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64: 1>, grad_owners = array<i64: 0>, grads = true, inputs = 2 : i64, kind = "energy_vjp", outputs = 0 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  return
}
// CHECK-LABEL: gpu.module @ade_kernels
// CHECK-NOT: gpu.func
// CHECK-NOT: func.func

// -----

// Tiles of several particles are for the CPU.

// expected-error @+1 {{internal: GPU kernels need tile functions of one particle}}
func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  return
}

// -----

// A buffer that a loop passes on (an iter_arg) may be read through the
// loop's result: it keeps its own allocation.

func.func @M.energy.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x1xf32, strided<[?, ?], offset: ?>>, %out: memref<1xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%buf = %a) -> (memref<4xf32>) {
    scf.yield %buf : memref<4xf32>
  }
  %b = memref.alloc() : memref<4xf32>
  linalg.copy ins(%r : memref<4xf32>) outs(%b : memref<4xf32>)
  return
}
// CHECK-LABEL: gpu.func @ade_M_energy
// CHECK: %[[B:.*]] = memref.alloca() : memref<4xf32>
// CHECK: %[[A:.*]] = memref.alloca() : memref<4xf32>
// CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[A]])
// CHECK: linalg.copy ins(%[[R]] : memref<4xf32>) outs(%[[B]] : memref<4xf32>)

// -----

// A loop that carries a fresh buffer to its next iteration cannot use one
// alloca for all of them: no kernel.

// expected-warning @+1 {{no GPU kernel for 'ade_M_energy': a loop carries a buffer from one iteration to the next; this entry runs on the CPU}}
func.func @M.energy.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x1xf32, strided<[?, ?], offset: ?>>, %out: memref<1xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%buf = %a) -> (memref<4xf32>) {
    %n = memref.alloc() : memref<4xf32>
    linalg.copy ins(%buf : memref<4xf32>) outs(%n : memref<4xf32>)
    scf.yield %n : memref<4xf32>
  }
  return
}
// CHECK-LABEL: gpu.module @ade_kernels
// CHECK-NOT: gpu.func
