// RUN: ade-opt %s --ade-build-gpu-tile-kernels --split-input-file --verify-diagnostics | FileCheck %s
// RUN: ade-opt %s --ade-build-gpu-tile-kernels=max-shared-bytes=64 --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=SMALL
// RUN: ade-opt %s --ade-build-gpu-tile-kernels=exclude=ade_M_energy --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=EXCLUDE
// RUN: ade-opt %s --ade-build-gpu-tile-kernels=max-shared-bytes=96 --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=SPILL

// A tile function of 4 particles becomes a kernel of one block per tile:
// block b copies rows 4b..4b+3 of x into a staging buffer [2, 4] in shared
// memory (past the batch, copies of its first particle, as the CPU entries
// pad their last tile), runs the body, and copies f's staging
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
// CHECK: %[[BATCH:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: %[[FIRST:.*]] = arith.muli %[[BLK]], %c4
// CHECK: %[[LEFT:.*]] = arith.subi %[[BATCH]], %[[FIRST]]
// CHECK: %[[VALID:.*]] = arith.minsi %{{.*}}, %[[LEFT]]
// Copy in: element (s, t) of the tile is element s of row first + t, or
// of row first past the batch (x is no cotangent).
// CHECK: scf.parallel (%[[S:.*]], %[[T:.*]]) = ({{.*}}) to (%c2{{.*}}, %c4{{.*}})
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[T]], %[[VALID]]
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[T]]
// CHECK: %[[PICK:.*]] = arith.select %[[IN]], %[[ROW]], %[[FIRST]]
// CHECK: %[[AT:.*]] = arith.muli %[[PICK]], %c2
// CHECK: %[[EL:.*]] = arith.addi %[[AT]], %{{.*}}
// CHECK: %[[V:.*]] = memref.load %[[X]][%[[EL]]]
// CHECK: memref.store %[[V]], %[[XS]][%[[S]], %[[T]]]
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

// A VJP (parameter gradients summed over the batch) takes a scratch buffer
// after its buffers, and its blocks loop over the tiles: block b takes
// tiles b, b + grid, ... and each tile adds its gradients into the block's
// sums, in its part of the scratch buffer (16 + b * 32 bytes: the sum and
// the tile's intermediate %t). Thread 0 counts the block done (an atomic
// between fences); the last block adds the blocks' sums, in block order,
// into the gradients and resets the count. The tile function takes its
// sums before its outputs (ade-accumulate-gradients), the kernel after.

#xt = affine_map<(s, t) -> (s, t)>
#wt = affine_map<(s, t) -> (t)>
#gs = affine_map<(s, t) -> (s)>
#t = affine_map<(t) -> (t)>
func.func @M.energy_vjp.tile(%p: memref<3xf32, strided<[?], offset: ?>>, %x: memref<3x4xf32, strided<[?, ?], offset: ?>>, %w: memref<4xf32, strided<[?], offset: ?>>, %g: memref<3xf32>, %y: memref<4xf32, strided<[?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64: 1>, grad_owners = array<i64: 0>, grads = true, inputs = 2 : i64, kind = "energy_vjp", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  linalg.generic {indexing_maps = [#xt, #wt, #gs], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<3x4xf32, strided<[?, ?], offset: ?>>, memref<4xf32, strided<[?], offset: ?>>) outs(%g : memref<3xf32>) {
    ^bb0(%xi: f32, %wi: f32, %acc: f32):
      %m = arith.mulf %xi, %wi : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
  }
  %t = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#t, #t], iterator_types = ["parallel"]}
      ins(%w : memref<4xf32, strided<[?], offset: ?>>) outs(%t : memref<4xf32>) {
    ^bb0(%wi: f32, %o: f32):
      %d = arith.addf %wi, %wi : f32
      linalg.yield %d : f32
  }
  linalg.generic {indexing_maps = [#t, #t], iterator_types = ["parallel"]}
      ins(%t : memref<4xf32>) outs(%y : memref<4xf32, strided<[?], offset: ?>>) {
    ^bb0(%ti: f32, %o: f32):
      %d = arith.mulf %ti, %ti : f32
      linalg.yield %d : f32
  }
  return
}
// CHECK-LABEL: gpu.func @ade_M_energy_vjp
// CHECK-SAME: (%{{.*}}: memref<3xf32>, %{{.*}}: memref<1099511627776xf32>, %{{.*}}: memref<1099511627776xf32>, %[[Y:.*]]: memref<1099511627776xf32>, %[[G:.*]]: memref<3xf32>, %[[SCRATCH:.*]]: memref<1099511627776xi8>, %[[N:.*]]: i64) kernel
// CHECK-SAME: ade.scratch_bytes = 16 : i64, ade.shared_bytes = 112 : i64
// CHECK: %[[BLK:.*]] = gpu.block_id x
// CHECK: %[[PART:.*]] = arith.muli %[[BLK]], %c16
// CHECK: %[[BASE:.*]] = arith.addi %[[PART]], %c16
// CHECK: %[[AT:.*]] = arith.addi %[[BASE]], %c0
// CHECK: %[[SUM:.*]] = memref.view %[[SCRATCH]][%[[AT]]][] : memref<1099511627776xi8> to memref<3xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[SUM]] : memref<3xf32>)
// CHECK: %[[TILES:.*]] = arith.ceildivsi
// CHECK: %[[GRID:.*]] = gpu.grid_dim x
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[TILES]] step %[[GRID]] {
// CHECK: arith.muli %[[T]], %c4
// The cotangent w is padded with zeros.
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: memref.load %arg2
// CHECK: } else {
// CHECK: arith.constant 0.0
// The tile adds into the block's sum.
// CHECK: %[[TILE_SUM:.*]] = memref.cast %[[SUM]] : memref<3xf32> to memref<3xf32>
// CHECK: linalg.generic {{.*}} outs(%[[TILE_SUM]] : memref<3xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}}
// The output goes to the kernel's output argument.
// CHECK: memref.store %{{.*}}, %[[Y]][%{{.*}}] : memref<1099511627776xf32>
// CHECK: }
// CHECK: %[[FLAG:.*]] = memref.view %{{.*}}[%c96{{.*}}][] {{.*}} to memref<1xi32, #gpu.address_space<workgroup>>
// CHECK: %[[COUNT:.*]] = memref.view %[[SCRATCH]][%c0{{.*}}][] : memref<1099511627776xi8> to memref<1xi32>
// CHECK: %[[THREAD:.*]] = gpu.thread_id x
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[THREAD]], %c0
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: llvm.fence acq_rel
// CHECK: %[[DONE:.*]] = memref.atomic_rmw addi %{{.*}}, %[[COUNT]][%{{.*}}] : (i32, memref<1xi32>) -> i32
// CHECK-NEXT: llvm.fence acq_rel
// CHECK: memref.store %{{.*}}, %[[FLAG]]
// CHECK: gpu.barrier
// CHECK: %[[LAST:.*]] = memref.load %[[FLAG]]
// CHECK: %[[IS_LAST:.*]] = arith.cmpi ne, %[[LAST]]
// CHECK: scf.if %[[IS_LAST]] {
// CHECK: %[[ROWS:.*]] = memref.view %[[SCRATCH]][%c16{{.*}}][%[[GRID2:.*]]] : memref<1099511627776xi8> to memref<?x4xf32>
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %[[GRID2]] step %{{.*}} iter_args
// CHECK: memref.load %[[ROWS]][%[[B]], %{{.*}}] : memref<?x4xf32>
// CHECK: memref.store %{{.*}}, %[[G]][%[[I]]] : memref<3xf32>
// CHECK: memref.store %{{.*}}, %[[COUNT]]
// CHECK: gpu.return

// Shared memory of 96 bytes (80 for buffers, 16 for the flag) holds the
// staging buffers (80 bytes); the tile's intermediate goes to the block's
// scratch part, after its sum.
// SPILL-LABEL: gpu.func @ade_M_energy_vjp
// SPILL-SAME: ade.scratch_bytes = 32 : i64, ade.shared_bytes = 96 : i64
// SPILL: arith.muli %{{.*}}, %c32
// SPILL-COUNT-2: memref.view %arg5[

// -----

// A block kernel needs a tile of several particles.

// expected-error @+1 {{internal: block kernels need tiles of several particles}}
func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x1xf32>, %out: memref<1xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  return
}
