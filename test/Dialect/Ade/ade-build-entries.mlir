// RUN: ade-opt %s --ade-build-entries | FileCheck %s

// A bufferized tile function (4 particles of 2-d data) gets a batched entry:
// full tiles in parallel through a step function, then a zero-padded tile.

func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {kind = "energy", owner = "M", size = 4 : i64}} {
  return
}

// CHECK-LABEL: func.func private @M.energy.tile
// CHECK-LABEL: func.func @ade_M_energy
// CHECK-SAME: (%[[P:arg[0-9]+]]: memref<?xf32>, %[[X:arg[0-9]+]]: memref<?x2xf32>, %[[F:arg[0-9]+]]: memref<?xf32>, %[[T:arg[0-9]+]]: i32)
// CHECK-SAME: ade.entry = {kind = "energy", owner = "M", size = 4 : i64}
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[B:.*]] = memref.dim %[[X]]
// CHECK: %[[FULL:.*]] = arith.divui %[[B]], %[[C4]]
// CHECK: %[[REM:.*]] = arith.remui %[[B]], %[[C4]]
// CHECK: %[[PS:.*]] = memref.cast %[[P]] : memref<?xf32> to memref<5xf32>
// CHECK: scf.forall (%[[I:.*]]) in (%[[FULL]])
// CHECK: %[[START:.*]] = arith.muli %[[I]], %[[C4]]
// CHECK: func.call @ade_M_energy.step(%[[PS]], %[[X]], %[[F]], %[[START]])
// CHECK: scf.if
// CHECK: %[[PAD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x2xf32>
// CHECK: linalg.fill
// CHECK: linalg.copy
// CHECK: linalg.transpose ins(%[[PAD]] : memref<4x2xf32>) outs(%{{.*}} : memref<2x4xf32>) permutation = [1, 0]
// CHECK: call @M.energy.tile
// CHECK: memref.subview %{{.*}}[0] [%[[REM]]] [1]
// CHECK: linalg.copy

// The step: one full tile, transposed to feature-major into a buffer
// (promote-buffers-to-stack or ade-thread-workspaces place it later).
// CHECK-LABEL: func.func private @ade_M_energy.step
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [4, 2] [1, 1] : memref<?x2xf32> to memref<4x2xf32, strided<[2, 1], offset: ?>>
// CHECK: linalg.transpose
// CHECK: call @M.energy.tile
// CHECK: linalg.copy
