// RUN: ade-opt %s --ade-build-entries --split-input-file | FileCheck %s

// A bufferized tile function (4 particles of 2-d data) gets a batched entry:
// full tiles in parallel through a step function, then a padded tile.

func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  return
}

// The step: one full tile, transposed to feature-major.
// CHECK-LABEL: func.func private @ade_M_energy.step
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [4, 2] [1, 1] : memref<?x2xf32> to memref<4x2xf32, strided<[2, 1], offset: ?>>
// CHECK: linalg.transpose
// CHECK: call @M.energy.tile
// CHECK: linalg.copy

// Tile t of the batch: a full one through the step; the last, padded with
// copies of its first particle, through the same step from 0 of the padded
// copies, its results copied out. The padded tile is one more tile of the
// parallel loop.
// CHECK-LABEL: func.func private @ade_M_energy.tile
// CHECK-SAME: (%[[PS:arg[0-9]+]]: memref<5xf32>, %[[X:arg[0-9]+]]: memref<?x2xf32>, %[[F:arg[0-9]+]]: memref<?xf32>, %[[I:arg[0-9]+]]: index, %[[FULL:arg[0-9]+]]: index, %[[REM:arg[0-9]+]]: index)
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[START:.*]] = arith.muli %[[I]], %[[C4]]
// CHECK: %[[ISFULL:.*]] = arith.cmpi ult, %[[I]], %[[FULL]]
// CHECK: scf.if %[[ISFULL]]
// CHECK: func.call @ade_M_energy.step(%[[PS]], %[[X]], %[[F]], %[[START]])
// CHECK: } else {
// CHECK: %[[PAD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x2xf32>
// CHECK: %[[FIRST:.*]] = memref.subview %[[X]][%[[START]], 0] [1, 2] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[FIRST]] : {{.*}}) outs(%[[PAD]] : memref<4x2xf32>)
// CHECK: %[[REST:.*]] = memref.subview %[[X]][%[[START]], 0] [%[[REM]], 2] [1, 1]
// CHECK: %[[HEAD:.*]] = memref.subview %[[PAD]][0, 0] [%[[REM]], 2] [1, 1]
// CHECK: linalg.copy ins(%[[REST]] : {{.*}}) outs(%[[HEAD]] : {{.*}})
// CHECK: %[[PADX:.*]] = memref.cast %[[PAD]] : memref<4x2xf32> to memref<?x2xf32>
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
// CHECK: %[[PADF:.*]] = memref.cast %[[OUT]] : memref<4xf32> to memref<?xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: func.call @ade_M_energy.step(%[[PS]], %[[PADX]], %[[PADF]], %[[ZERO]])
// CHECK: %[[DONE:.*]] = memref.subview %[[OUT]][0] [%[[REM]]] [1]
// CHECK: %[[DST:.*]] = memref.subview %[[F]][%[[START]]] [%[[REM]]] [1]
// CHECK: linalg.copy ins(%[[DONE]] : {{.*}}) outs(%[[DST]] : {{.*}})

// CHECK-LABEL: func.func @ade_M_energy
// CHECK-SAME: (%[[P:arg[0-9]+]]: memref<?xf32>, %[[X:arg[0-9]+]]: memref<?x2xf32>, %[[F:arg[0-9]+]]: memref<?xf32>, %[[T:arg[0-9]+]]: i32)
// CHECK-SAME: ade.entry = {{{.*}}kind = "energy"{{.*}}}
// CHECK: %[[B:.*]] = memref.dim %[[X]]
// CHECK: %[[PS:.*]] = memref.cast %[[P]] : memref<?xf32> to memref<5xf32>
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[FULL:.*]] = arith.divui %[[B]], %[[C4]]
// CHECK: %[[REM:.*]] = arith.remui %[[B]], %[[C4]]
// CHECK: %[[HASREST:.*]] = arith.cmpi ugt, %[[REM]]
// CHECK: %[[EXTRA:.*]] = arith.select %[[HASREST]]
// CHECK: %[[TILES:.*]] = arith.addi %[[FULL]], %[[EXTRA]]
// CHECK: scf.forall (%[[I:.*]]) in (%[[TILES]])
// CHECK: func.call @ade_M_energy.tile(%[[PS]], %[[X]], %[[F]], %[[I]], %[[FULL]], %[[REM]])
// CHECK-NOT: ade_M_energy.step

// -----

// With parameter gradients, each thread sums a run of tiles (the padded
// one too) into its own row of a partial-sum buffer (rows of whole cache
// lines, viewed as gradient buffers); the rows are added in order. One
// chunk (one thread or one tile) sums straight into the gradients, outside
// any parallel region. The cotangent input w is padded with zeros.

func.func @M.energy_vjp.tile(%p: memref<5xf32>, %x: memref<2x4xf32>, %w: memref<4xf32>, %g: memref<5xf32>)
    attributes {ade.tile = {cotangents = array<i64: 1>, grad_owners = array<i64: 0>, grads = true, inputs = 2 : i64, kind = "energy_vjp", outputs = 0 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  return
}
// The tile function adds its gradients into the sum it is passed
// (ade-accumulate-gradients).
// CHECK-LABEL: func.func private @ade_M_energy_vjp.step
// CHECK-SAME: %[[ACC:arg[0-9]+]]: memref<5xf32>, %arg{{[0-9]+}}: index)
// CHECK: call @M.energy_vjp.tile(%{{.*}}, %{{.*}}, %{{.*}}, %[[ACC]])
// CHECK-NEXT: return

// The padded tile zero-pads the cotangent input w.
// CHECK-LABEL: func.func private @ade_M_energy_vjp.tile
// CHECK: } else {
// CHECK: %[[WPAD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.0
// CHECK-NEXT: linalg.fill ins(%[[ZERO]] : f32) outs(%[[WPAD]] : memref<4xf32>)

// A chunk's tiles add into the sums it is given, zeroed first.
// CHECK-LABEL: func.func private @ade_M_energy_vjp.sum
// CHECK-SAME: memref<?xf32>, %[[SUM:arg[0-9]+]]: memref<5xf32>, %arg{{[0-9]+}}: index
// CHECK: linalg.fill {{.*}} outs(%[[SUM]] : memref<5xf32>)
// CHECK: scf.for
// CHECK: func.call @ade_M_energy_vjp.tile({{.*}}, %[[SUM]], %{{.*}}, %{{.*}}, %{{.*}})

// CHECK-LABEL: func.func @ade_M_energy_vjp
// CHECK-SAME: %[[W:arg[0-9]+]]: memref<?xf32>, %[[G:arg[0-9]+]]: memref<?xf32>, %[[T:arg[0-9]+]]: i32
// CHECK: %[[MAX:.*]] = call @omp_get_max_threads()
// CHECK: %[[CHUNKS:.*]] = arith.maxui
// CHECK: %[[GS:.*]] = memref.cast %[[G]] : memref<?xf32> to memref<5xf32>
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[CHUNKS]], %[[C1:.*]] : index
// CHECK: scf.if %[[ONE]] {
// CHECK-NEXT: func.call @ade_M_energy_vjp.sum({{.*}}, %[[GS]], %[[C0:.*]], %[[C1]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NEXT: } else {
// 5 floats: rows of one 64-byte line.
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[BYTES:.*]] = arith.muli %[[CHUNKS]], %[[C64]] : index
// CHECK: %[[PARTIALS:.*]] = memref.alloc(%[[BYTES]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK: scf.forall (%[[C:.*]]) in (%[[CHUNKS]])
// CHECK: %[[AT:.*]] = arith.muli %[[C]], %{{.*}} : index
// CHECK: %[[ROW:.*]] = memref.view %[[PARTIALS]][%[[AT]]][] : memref<?xi8> to memref<5xf32>
// CHECK: func.call @ade_M_energy_vjp.sum({{.*}}, %[[ROW]], %[[C]], %[[CHUNKS]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: linalg.fill {{.*}} outs(%[[GS]] : memref<5xf32>)
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %[[CHUNKS]]
// CHECK: %[[RAT:.*]] = arith.muli %[[R]], %{{.*}} : index
// CHECK: memref.view %[[PARTIALS]][%[[RAT]]][] : memref<?xi8> to memref<5xf32>
// CHECK: return

// -----

// A tile function with both gradients and batched outputs takes the sums
// before the outputs: (params, inputs, sums, outputs).

func.func private @S.sample_vjp.tile(%p: memref<3xf32>, %z: memref<2x4xf32>, %g: memref<3xf32>, %x: memref<2x4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64: 0>, grads = true, inputs = 1 : i64, kind = "sample_vjp", outputs = 1 : i64, owner = "S", owners = ["S"], size = 4 : i64}} {
  return
}
// CHECK-LABEL: func.func private @ade_S_sample_vjp.step
// CHECK-SAME: %[[SUM:arg[0-9]+]]: memref<3xf32>, %arg{{[0-9]+}}: index)
// CHECK: linalg.transpose
// CHECK: %[[X:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x4xf32>
// CHECK-NEXT: call @S.sample_vjp.tile(%{{.*}}, %{{.*}}, %[[SUM]], %[[X]])
// CHECK: linalg.transpose ins(%[[X]] : memref<2x4xf32>)
// CHECK-LABEL: func.func @ade_S_sample_vjp
// CHECK-SAME: (%{{.*}}: memref<?xf32>, %{{.*}}: memref<?x2xf32>, %{{.*}}: memref<?x2xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: i32)

// -----

// Tile functions of two sizes for one entry (a large model's; the small
// one named by its size): the entry runs the smaller tiles where their
// busiest thread gets more than a ninth fewer particles,
// ceil(ceil(B / T) / threads) * T, and the larger ones otherwise. Each
// size has its own helpers.

func.func @L.energy.tile(%p: memref<5xf32>, %x: memref<2x8xf32>, %out: memref<8xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "L", owners = ["L"], size = 8 : i64}} {
  return
}
func.func @L.energy.tile4(%p: memref<5xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "L", owners = ["L"], size = 4 : i64}} {
  return
}
// CHECK-LABEL: func.func private @ade_L_energy.step
// CHECK: call @L.energy.tile(
// CHECK-LABEL: func.func private @ade_L_energy.tile(
// CHECK-LABEL: func.func private @ade_L_energy.4.step
// CHECK: call @L.energy.tile4(
// CHECK-LABEL: func.func private @ade_L_energy.4.tile(
// CHECK-LABEL: func.func @ade_L_energy
// CHECK-SAME: %[[T:arg[0-9]+]]: i32)
// CHECK: %[[B:.*]] = memref.dim
// CHECK: %[[REQ:.*]] = arith.index_cast %[[T]] : i32 to index
// CHECK: %[[MAX:.*]] = call @omp_get_max_threads()
// CHECK: %[[AVAIL:.*]] = arith.index_cast %[[MAX]]
// CHECK: %[[POS:.*]] = arith.cmpi sgt, %[[REQ]]
// CHECK: %[[THREADS:.*]] = arith.select %[[POS]], %[[REQ]], %[[AVAIL]]
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[TILES8:.*]] = arith.ceildivui %[[B]], %[[C8]]
// CHECK: %[[PER8:.*]] = arith.ceildivui %[[TILES8]], %[[THREADS]]
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[LARGE:.*]] = arith.muli %[[PER8]], %[[C64]]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[TILES4:.*]] = arith.ceildivui %[[B]], %[[C4]]
// CHECK: %[[PER4:.*]] = arith.ceildivui %[[TILES4]], %[[THREADS]]
// CHECK: %[[C36:.*]] = arith.constant 36 : index
// CHECK: %[[SMALL:.*]] = arith.muli %[[PER4]], %[[C36]]
// CHECK: %[[KEEP:.*]] = arith.cmpi ule, %[[LARGE]], %[[SMALL]]
// CHECK: scf.if %[[KEEP]] {
// CHECK: scf.forall
// CHECK: func.call @ade_L_energy.tile(
// CHECK: } else {
// CHECK: scf.forall
// CHECK: func.call @ade_L_energy.4.tile(

// -----

// Gradients with tile functions of two sizes: each size sums its chunks
// with its own helpers, in its branch of the choice.

func.func @L.energy_vjp.tile(%p: memref<5xf32>, %x: memref<2x8xf32>, %w: memref<8xf32>, %g: memref<5xf32>)
    attributes {ade.tile = {cotangents = array<i64: 1>, grad_owners = array<i64: 0>, grads = true, inputs = 2 : i64, kind = "energy_vjp", outputs = 0 : i64, owner = "L", owners = ["L"], size = 8 : i64}} {
  return
}
func.func @L.energy_vjp.tile4(%p: memref<5xf32>, %x: memref<2x4xf32>, %w: memref<4xf32>, %g: memref<5xf32>)
    attributes {ade.tile = {cotangents = array<i64: 1>, grad_owners = array<i64: 0>, grads = true, inputs = 2 : i64, kind = "energy_vjp", outputs = 0 : i64, owner = "L", owners = ["L"], size = 4 : i64}} {
  return
}
// CHECK-LABEL: func.func private @ade_L_energy_vjp.sum(
// CHECK: call @ade_L_energy_vjp.tile(
// CHECK-LABEL: func.func private @ade_L_energy_vjp.4.sum(
// CHECK: call @ade_L_energy_vjp.4.tile(
// CHECK-LABEL: func.func @ade_L_energy_vjp
// CHECK: %[[KEEP:.*]] = arith.cmpi ule
// CHECK: scf.if %[[KEEP]] {
// CHECK: func.call @ade_L_energy_vjp.sum(
// CHECK: scf.forall
// CHECK: func.call @ade_L_energy_vjp.sum(
// CHECK: } else {
// CHECK: func.call @ade_L_energy_vjp.4.sum(
// CHECK: scf.forall
// CHECK: func.call @ade_L_energy_vjp.4.sum(

// -----

// A tile that takes values hoisted out of it (ade-hoist-uniform-work): the
// entry's arguments are the parameters alone; it computes the hoisted
// value once, before the parallel loop, and every tile reads it.

func.func @S.energy.tile(%p: memref<4xf32>, %d: memref<2x2xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, hoisted = 1 : i64, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "S", owners = ["S"], size = 4 : i64, uniform = @S.energy.tile.uniform}} {
  return
}
func.func private @S.energy.tile.uniform(%p: memref<4xf32>, %d: memref<2x2xf32>) {
  return
}
// CHECK-LABEL: func.func private @ade_S_energy.step
// CHECK-SAME: (%[[P:.*]]: memref<4xf32>, %[[D:.*]]: memref<2x2xf32>, %{{.*}}: memref<?x2xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: index)
// CHECK: call @S.energy.tile(%[[P]], %[[D]],
// CHECK-LABEL: func.func @ade_S_energy
// CHECK-SAME: (%[[FLAT:arg[0-9]+]]: memref<?xf32>, %[[X:arg[0-9]+]]: memref<?x2xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: i32)
// CHECK: %[[PS:.*]] = memref.cast %[[FLAT]] : memref<?xf32> to memref<4xf32>
// CHECK: %[[HOISTED:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x2xf32>
// CHECK: call @S.energy.tile.uniform(%[[PS]], %[[HOISTED]])
// CHECK: scf.forall
// CHECK: func.call @ade_S_energy.tile(%[[PS]], %[[HOISTED]], %[[X]],
