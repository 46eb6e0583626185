// RUN: ade-opt %s --ade-thread-workspaces --split-input-file | FileCheck %s

// Static heap buffers become views into the function's workspace, 64-byte
// aligned one after another; their deallocations disappear. The caller
// uses the slots of call depth 1, its callee those of depth 0.

func.func private @tile(%out: memref<4xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<100x4xf32>
  %b = memref.alloc() : memref<3xf64>
  %cst = arith.constant 1.0 : f32
  linalg.fill ins(%cst : f32) outs(%a : memref<100x4xf32>)
  memref.dealloc %a : memref<100x4xf32>
  memref.dealloc %b : memref<3xf64>
  return
}
func.func @entry(%out: memref<4xf32>) {
  %t = memref.alloc() : memref<4xf32>
  call @tile(%t) : (memref<4xf32>) -> ()
  memref.copy %t, %out : memref<4xf32> to memref<4xf32>
  memref.dealloc %t : memref<4xf32>
  return
}
// CHECK-DAG: llvm.mlir.global internal thread_local @ade.thread_workspace.slot0.0() {{.*}} : !llvm.struct<(ptr, i64)>
// CHECK-DAG: llvm.mlir.global internal thread_local @ade.thread_workspace.slot1.0()
// CHECK-DAG: llvm.func @ade.thread_workspace(!llvm.ptr, i64) -> !llvm.ptr
// CHECK-LABEL: func.func private @tile
// 1600 bytes, then 24 at offset 1600, rounded up to 1664.
// CHECK: %[[BYTES:.*]] = llvm.mlir.constant(1664 : i64)
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @ade.thread_workspace.slot0.0
// CHECK: %[[PTR:.*]] = llvm.call @ade.thread_workspace(%[[SLOT]], %[[BYTES]])
// CHECK: %[[WS:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<?xi8>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<?xi8> to memref<100x4xf32>
// CHECK: %[[C1600:.*]] = arith.constant 1600 : index
// CHECK: memref.view %[[WS]][%[[C1600]]][] : memref<?xi8> to memref<3xf64>
// CHECK: linalg.fill {{.*}} outs(%[[A]] : memref<100x4xf32>)
// CHECK-NOT: memref.dealloc
// CHECK-NOT: memref.alloc
// CHECK: return
// CHECK-LABEL: func.func @entry
// CHECK: llvm.mlir.constant(64 : i64)
// CHECK: llvm.mlir.addressof @ade.thread_workspace.slot1.0
// CHECK-NOT: memref.dealloc
// CHECK: return

// -----

// A dynamic buffer gets a workspace of its own (the function's next slot),
// sized where it is allocated. Buffers in loops, and buffers freed through
// another value, are left alone.

func.func @loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %a = memref.alloc() : memref<1000xf32>
    memref.dealloc %a : memref<1000xf32>
  }
  %d = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  return
}
// CHECK-LABEL: func.func @loop
// CHECK-SAME: (%[[N:.*]]: index)
// CHECK: scf.for
// CHECK-NEXT: memref.alloc() : memref<1000xf32>
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[BYTES:.*]] = arith.muli %[[C4]], %[[N]] : index
// CHECK: %[[B64:.*]] = arith.index_cast %[[BYTES]] : index to i64
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @ade.thread_workspace.slot0.1
// CHECK: llvm.call @ade.thread_workspace(%[[SLOT]], %[[B64]])
// CHECK: %[[WS:.*]] = builtin.unrealized_conversion_cast
// CHECK: memref.view %[[WS]][%{{.*}}][%[[N]]] : memref<?xi8> to memref<?xf32>
// CHECK-NOT: memref.dealloc
// CHECK: return

func.func @indirect() {
  %a = memref.alloc() : memref<8xf32>
  %b = memref.cast %a : memref<8xf32> to memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return
}
// CHECK-LABEL: func.func @indirect
// CHECK-NOT: ade.thread_workspace
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: memref.dealloc
