// RUN: ade-opt %s --ade-tile-and-vectorize --split-input-file | FileCheck %s

// A layer relu(W @ X + b) over a tile of 32 particles becomes 4 x 16
// register blocks: the matmul and its fill fused into the block, the
// contraction a loop of outer products with the accumulator in a vector.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @M.energy.tile(%w: tensor<8x3xf32>, %b: tensor<8xf32>, %x: tensor<3x32xf32>) -> tensor<8x32xf32>
    attributes {ade.tile = {kind = "energy", owner = "M", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %mm = linalg.matmul ins(%w, %x : tensor<8x3xf32>, tensor<3x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<8x32xf32>, tensor<8xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%m: f32, %bias: f32, %out: f32):
    %s = arith.addf %m, %bias : f32
    %y = arith.maximumf %s, %zero : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
// CHECK-LABEL: func.func @M.energy.tile
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %[[C4]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %[[C16]]
// CHECK: %[[ACC:.*]]:2 = scf.for %[[K:.*]] = {{.*}} iter_args({{.*}}, %[[V:.*]] = %{{.*}}) -> (tensor<4x16xf32>, vector<4x16xf32>)
// CHECK: %[[A:.*]] = vector.transfer_read %{{.*}}[%[[I]], %[[K]]]{{.*}} : tensor<8x3xf32>, vector<4x1xf32>
// CHECK: %[[B:.*]] = vector.transfer_read %{{.*}}[%[[K]], %[[J]]]{{.*}} : tensor<3x32xf32>, vector<1x16xf32>
// CHECK: vector.contract {{.*}} %[[A]], %[[B]], %[[V]] : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
// CHECK: arith.addf %{{.*}} : vector<4x16xf32>
// CHECK: arith.maximumf %{{.*}} : vector<4x16xf32>
// CHECK: vector.transfer_write %{{.*}}[%[[I]], %[[J]]]

// -----

// Other ops are vectorized along the batch dimension, 16 particles at a
// time, reductions over features one step at a time.
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1)>
func.func @N.energy.tile(%x: tensor<5x32xf32>) -> tensor<32xf32>
    attributes {ade.tile = {kind = "energy", owner = "N", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32xf32>) -> tensor<32xf32>
  %s = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<5x32xf32>) outs(%f : tensor<32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %t = math.tanh %v : f32
    %a = arith.addf %acc, %t : f32
    linalg.yield %a : f32
  } -> tensor<32xf32>
  return %s : tensor<32xf32>
}
// CHECK-LABEL: func.func @N.energy.tile
// CHECK: math.tanh %{{.*}} : vector<1x16xf32>

// -----

// A sum over the batch (a parameter gradient: the output has no batch
// dimension) keeps its reduction loop whole: one vector reduction of the
// 32 particles per output element.
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @G.energy_vjp.tile(%x: tensor<5x32xf32>) -> tensor<5xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "G", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<5xf32>) -> tensor<5xf32>
  %s = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<5x32xf32>) outs(%f : tensor<5xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  } -> tensor<5xf32>
  return %s : tensor<5xf32>
}
// CHECK-LABEL: func.func @G.energy_vjp.tile
// CHECK: vector.transfer_read %{{.*}} {in_bounds = [true, true]} : tensor<5x32xf32>, vector<1x32xf32>
// CHECK-NOT: scf.for
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [1] : vector<1x32xf32> to vector<1xf32>
// CHECK-NOT: scf.for
// CHECK: return

// -----

// A parameter gradient sum_t U[i, t] X[j, t] is a matmul whose columns are
// a parameter dimension (6), not the batch: blocked 4 x 6, the batch the
// contraction.
func.func @P.energy_vjp.tile(%u: tensor<8x32xf32>, %xt: tensor<32x6xf32>) -> tensor<8x6xf32>
    attributes {ade.tile = {kind = "energy_vjp", owner = "P", size = 32 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x6xf32>) -> tensor<8x6xf32>
  %mm = linalg.matmul ins(%u, %xt : tensor<8x32xf32>, tensor<32x6xf32>) outs(%f : tensor<8x6xf32>) -> tensor<8x6xf32>
  return %mm : tensor<8x6xf32>
}
// CHECK-LABEL: func.func @P.energy_vjp.tile
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %[[C4]]
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %[[C32]] step
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x6xf32> into vector<4x6xf32>
// CHECK: vector.transfer_write {{.*}} : vector<4x6xf32>, tensor<4x6xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[I]], 0] [4, 6]

// -----

// Elementwise ops on uniform values (here parameter gradients that calls
// returned, summed over the tile already) run vectors of 16 along their
// last dimension: the tile's own batch dimension is not there.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @S.sample_vjp.tile(%a: tensor<8x32xf32>, %b: tensor<8x32xf32>) -> tensor<8x32xf32>
    attributes {ade.tile = {kind = "sample_vjp", owner = "S", size = 4 : i64}} {
  %e = tensor.empty() : tensor<8x32xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<8x32xf32>, tensor<8x32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %z = arith.addf %x, %y : f32
    linalg.yield %z : f32
  } -> tensor<8x32xf32>
  return %s : tensor<8x32xf32>
}
// CHECK-LABEL: func.func @S.sample_vjp.tile
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<1x16xf32>

// -----

// A 3x3 convolution (two output channels of a 4x4 image): its input is
// read at y + i, not a projected permutation. Tiled to one output pixel of
// a block of output channels (both here: rows of a register block, which
// share the input's read) and one window offset per step, the unit loops
// are dropped and the step is a block of FMAs along the batch (scalar
// loops otherwise). The window's loops are unrolled: nine steps, the
// accumulators carried from one to the next in registers.
#image = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d1 + d5, d2 + d6, d3)>
#kernel = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d5, d6)>
#pixel = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
func.func @C.energy.tile(%x: tensor<1x4x4x16xf32>, %k: tensor<2x1x3x3xf32>) -> tensor<2x2x2x16xf32>
    attributes {ade.tile = {kind = "energy", owner = "C", size = 16 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2x2x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x2x16xf32>) -> tensor<2x2x2x16xf32>
  %c = linalg.generic {indexing_maps = [#image, #kernel, #pixel],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %k : tensor<1x4x4x16xf32>, tensor<2x1x3x3xf32>) outs(%f : tensor<2x2x2x16xf32>) {
  ^bb0(%in: f32, %w: f32, %out: f32):
    %m = arith.mulf %in, %w : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<2x2x2x16xf32>
  return %c : tensor<2x2x2x16xf32>
}
// CHECK-LABEL: func.func @C.energy.tile
// CHECK-NOT: linalg.generic
// CHECK: %[[IN:.*]] = vector.transfer_read %{{.*}} : tensor<1x4x4x16xf32>, vector<2x16xf32>
// CHECK: %[[W:.*]] = vector.transfer_read %{{.*}} : tensor<2x1x3x3xf32>, vector<2x16xf32>
// CHECK: %[[ACC:.*]] = vector.transfer_read %{{.*}} : tensor<2x2x2x16xf32>, vector<2x16xf32>
// CHECK: %[[S0:.*]] = vector.fma %[[IN]], %[[W]], %[[ACC]] : vector<2x16xf32>
// CHECK-NOT: scf.for
// CHECK: vector.fma %{{.*}}, %{{.*}}, %[[S0]] : vector<2x16xf32>
// CHECK-COUNT-7: vector.fma
// CHECK-NOT: vector.fma
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK-NOT: ade.window

// -----

// A window of nine steps stays a loop (kMaxUnrolledWindow is 7), with its
// accumulators carried in registers through it.
#image9 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d1 + d5, d2 + d6, d3)>
#kernel9 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d5, d6)>
#pixel9 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
func.func @W.energy.tile(%x: tensor<1x2x12x16xf32>, %k: tensor<2x1x1x9xf32>, %acc: tensor<2x2x4x16xf32>) -> tensor<2x2x4x16xf32>
    attributes {ade.tile = {kind = "energy", owner = "W", size = 16 : i64}} {
  %c = linalg.generic {indexing_maps = [#image9, #kernel9, #pixel9],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %k : tensor<1x2x12x16xf32>, tensor<2x1x1x9xf32>) outs(%acc : tensor<2x2x4x16xf32>) {
  ^bb0(%in: f32, %w: f32, %out: f32):
    %m = arith.mulf %in, %w : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<2x2x4x16xf32>
  return %c : tensor<2x2x4x16xf32>
}
// CHECK-LABEL: func.func @W.energy.tile
// CHECK: scf.for {{.*}} to %c9 {{.*}} -> (tensor<2x16xf32>, vector<2x16xf32>)
// CHECK: vector.fma
// CHECK-NOT: ade.window

// -----

// The same convolution's input gradient for a cotangent that does not
// depend on the particle reads the kernel at a fixed window offset (here
// (0, 1)): the read becomes a slice there (folded into the vector read),
// and the sum over output channels a vector reduction.
#fixed = affine_map<(d0, d1, d2, d3) -> (d3, d0, 0, 1)>
#rows = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @D.energy.tile(%k: tensor<2x1x3x3xf32>) -> tensor<1x2x2xf32>
    attributes {ade.tile = {kind = "energy", owner = "D", size = 16 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %g = linalg.generic {indexing_maps = [#fixed, #rows],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%k : tensor<2x1x3x3xf32>) outs(%f : tensor<1x2x2xf32>) {
  ^bb0(%w: f32, %out: f32):
    %a = arith.addf %out, %w : f32
    linalg.yield %a : f32
  } -> tensor<1x2x2xf32>
  return %g : tensor<1x2x2xf32>
}
// CHECK-LABEL: func.func @D.energy.tile
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NOT: linalg.generic
// CHECK: %[[W:.*]] = vector.transfer_read %{{[a-z0-9_]+}}[%[[C0]], %[[C0]], %[[C0]], %[[C1]]]{{.*}} : tensor<2x1x3x3xf32>, vector<2xf32>
// CHECK: vector.multi_reduction <add>, %[[W]], %{{.*}} [0] : vector<2xf32> to f32
// CHECK-NOT: linalg.generic
// CHECK: return

// -----

// A row of a tile written into a zero-filled [3, 16] tile at offset 0 (one
// register block: no loop) keeps the tile's rank, [1, 16]: a vector of
// fewer dimensions made one-shot bufferization take it for a write of the
// whole tile and drop the other rows' zeros.

#id1 = affine_map<(d0) -> (d0)>
func.func @M.sample.tile(%x: tensor<16xf32>) -> tensor<3x16xf32>
    attributes {ade.tile = {kind = "sample", owner = "M", size = 16 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x16xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<3x16xf32>) -> tensor<3x16xf32>
  %er = tensor.empty() : tensor<16xf32>
  %row = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%er : tensor<16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.mulf %v, %v : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %t = tensor.insert_slice %row into %zeros[0, 0] [1, 16] [1, 1] : tensor<16xf32> into tensor<3x16xf32>
  return %t : tensor<3x16xf32>
}
// CHECK-LABEL: func.func @M.sample.tile
// CHECK: %[[SQ:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: %[[ROW:.*]] = vector.shape_cast %[[SQ]] : vector<16xf32> to vector<1x16xf32>
// CHECK: vector.transfer_write %[[ROW]], %{{.*}}[%c0, %c0] {in_bounds = [true, true]} : vector<1x16xf32>, tensor<3x16xf32>

// -----

// Reductions without a batch (sums over parameters) stay one vector up to
// 1024 elements (8 x 16); a larger one (64 x 48) steps through its rows,
// one vector each, with the sum carried in a register.

#all2 = affine_map<(d0, d1) -> (d0, d1)>
#none2 = affine_map<(d0, d1) -> ()>
func.func @R.energy.tile(%w: tensor<64x48xf32>, %v: tensor<8x16xf32>) -> (tensor<f32>, tensor<f32>)
    attributes {ade.tile = {kind = "energy", owner = "R", size = 16 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %s = linalg.generic {indexing_maps = [#all2, #none2], iterator_types = ["reduction", "reduction"]}
      ins(%w : tensor<64x48xf32>) outs(%f : tensor<f32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %t = linalg.generic {indexing_maps = [#all2, #none2], iterator_types = ["reduction", "reduction"]}
      ins(%v : tensor<8x16xf32>) outs(%f : tensor<f32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %s, %t : tensor<f32>, tensor<f32>
}
// CHECK-LABEL: func.func @R.energy.tile
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[C64]] step %[[C1]] iter_args({{.*}}) -> (tensor<f32>, vector<f32>)
// CHECK: vector.transfer_read %{{.*}}[%[[I]], %{{.*}}]{{.*}} : tensor<64x48xf32>, vector<1x48xf32>
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [0, 1] : vector<1x48xf32> to f32
// CHECK: scf.yield
// CHECK-NOT: scf.for
// CHECK: vector.transfer_read %{{.*}} : tensor<8x16xf32>, vector<8x16xf32>
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [0, 1] : vector<8x16xf32> to f32

// -----

// A reduction without a batch along a strided dimension (a parameter's
// rows) above 16 elements steps one element at a time: as a vector it was
// an insertelement per element.

#all3 = affine_map<(d0, d1) -> (d0, d1)>
#col3 = affine_map<(d0, d1) -> (d1)>
func.func @S.energy.tile(%w: tensor<64x4xf32>) -> tensor<4xf32>
    attributes {ade.tile = {kind = "energy", owner = "S", size = 16 : i64}} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [#all3, #col3], iterator_types = ["reduction", "parallel"]}
      ins(%w : tensor<64x4xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.addf %out, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %s : tensor<4xf32>
}
// CHECK-LABEL: func.func @S.energy.tile
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[C64]] step %[[C1]]
// CHECK: scf.for %[[J:[a-z0-9_]+]] =
// CHECK: vector.transfer_read %{{.*}}[%[[I]], %[[J]]]{{.*}} : tensor<64x4xf32>, vector<1x1xf32>
// CHECK-NOT: vector<64x
