// RUN: ade-opt %s --ade-build-gpu-tile-kernels --split-input-file --verify-diagnostics | FileCheck %s
// RUN: ade-opt %s --ade-build-gpu-tile-kernels=max-shared-bytes=64 --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=SMALL
// RUN: ade-opt %s --ade-build-gpu-tile-kernels=exclude=ade_M_energy --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=EXCLUDE

// A tile function of 4 particles becomes a kernel of one block per tile:
// block b copies rows 4b..4b+3 of x into a staging buffer [2, 4] in shared
// memory (zeros past the batch), runs the body, and copies f's staging
// buffer back for the particles inside the batch. Buffers whose live
// ranges do not overlap share bytes: %d reuses %a's.

func.func @M.energy.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x4xf32, strided<[?, ?], offset: ?>>, %out: memref<4xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<2x4xf32>
  linalg.copy ins(%x : memref<2x4xf32, strided<[?, ?], offset: ?>>) outs(%a : memref<2x4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.reduce ins(%a : memref<2x4xf32>) outs(%b : memref<4xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %d = memref.alloc() : memref<4xf32>
  linalg.copy ins(%b : memref<4xf32>) outs(%d : memref<4xf32>)
  memref.copy %d, %out : memref<4xf32> to memref<4xf32, strided<[?], offset: ?>>
  return
}

// CHECK-LABEL: gpu.func @ade_M_energy
// CHECK-SAME: (%[[P:.*]]: memref<5xf32>, %[[X:.*]]: memref<1099511627776xf32>, %[[F:.*]]: memref<1099511627776xf32>, %[[N:.*]]: i64) kernel
// CHECK-SAME: ade.entry = "energy", ade.owner = "M", ade.shared_bytes = 96 : i64, ade.tile_size = 4 : i64, known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[SM:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[V0:.*]] = memref.view %[[SM]][%c0{{.*}}][] {{.*}} to memref<2x4xf32, #gpu.address_space<workgroup>>
// CHECK: %[[XS:.*]] = memref.memory_space_cast %[[V0]] {{.*}} to memref<2x4xf32>
// CHECK: memref.view %[[SM]][%c32{{.*}}][] {{.*}} to memref<4xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[SM]][%c48{{.*}}][] {{.*}} to memref<2x4xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[SM]][%c80{{.*}}][] {{.*}} to memref<4xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[SM]][%c48{{.*}}][] {{.*}} to memref<4xf32, #gpu.address_space<workgroup>>
// CHECK: %[[BLK:.*]] = gpu.block_id x
// CHECK: %[[FIRST:.*]] = arith.muli %[[BLK]], %c4
// CHECK: %[[BATCH:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: %[[LEFT:.*]] = arith.subi %[[BATCH]], %[[FIRST]]
// CHECK: %[[VALID:.*]] = arith.minsi %{{.*}}, %[[LEFT]]
// Copy in: element (s, t) of the tile is element s of row first + t.
// CHECK: scf.parallel (%[[S:.*]], %[[T:.*]]) = ({{.*}}) to (%c2{{.*}}, %c4{{.*}})
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[T]]
// CHECK: %[[AT:.*]] = arith.muli %[[ROW]], %c2
// CHECK: %[[EL:.*]] = arith.addi %[[AT]], %{{.*}}
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[T]], %[[VALID]]
// CHECK: scf.if %[[IN]] -> (f32)
// CHECK: memref.load %[[X]][%[[EL]]]
// CHECK: } else {
// CHECK: arith.constant 0.0
// CHECK: memref.store %{{.*}}, %[[XS]][%[[S]], %[[T]]]
// The body, then the copy out of f for particles inside the batch.
// CHECK: linalg.copy
// CHECK: linalg.reduce
// CHECK: linalg.copy
// CHECK: memref.copy
// CHECK: scf.parallel (%[[T2:.*]]) =
// CHECK: scf.if
// CHECK: memref.load
// CHECK: memref.store %{{.*}}, %[[F]]
// CHECK: gpu.return

// A kernel whose buffers exceed max-shared-bytes is not built (and its
// entry is listed for other forms to build), nor is an excluded one.
// SMALL-LABEL: gpu.module @ade_kernels attributes {ade.unbuilt = ["ade_M_energy"]}
// SMALL-NOT: gpu.func
// SMALL: // -----
// EXCLUDE-LABEL: gpu.module @ade_kernels
// EXCLUDE-NOT: gpu.func
// EXCLUDE: // -----

// -----

// Products and sums contract into FMAs in kernels.

func.func @M.energy.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x4xf32, strided<[?, ?], offset: ?>>, %out: memref<4xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%out : memref<4xf32, strided<[?], offset: ?>>) {
  ^bb0(%o: f32):
    %m = arith.mulf %o, %o : f32
    %s = arith.addf %m, %o : f32
    linalg.yield %s : f32
  }
  return
}
// CHECK-LABEL: gpu.func @ade_M_energy
// CHECK: arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<contract> : f32

// -----

// A block kernel needs a tile of several particles.

// expected-error @+1 {{internal: block kernels need tiles of several particles}}
func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x1xf32>, %out: memref<1xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  return
}
