// RUN: ade-opt %s --convert-ade-to-linalg=tile-size=4 --split-input-file | FileCheck %s

// Each log-density becomes a tile function on 4 particles, batch last;
// parameters are slices of the flat buffer, uniform values stay un-batched.

ade.parameter @"M/W" : tensor<3x2xf32> of "M" at 0
ade.parameter @"M/b" : tensor<3xf32> of "M" at 6
func.func @f(%x: tensor<2xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "M", owners = ["M"]}} {
  %w = ade.param @"M/W" : tensor<3x2xf32>
  %h = ade.matmul %w, %x : tensor<3x2xf32>, tensor<2xf32> -> tensor<3xf32>
  %b = ade.param @"M/b" : tensor<3xf32>
  %a = ade.add %h, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %r = ade.relu %a : tensor<3xf32>
  %s = ade.reduce sum %r axis -1 : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-NOT: ade.parameter
// CHECK-LABEL: func.func @M.energy.tile
// CHECK-SAME: (%[[P:arg[0-9]+]]: tensor<9xf32>, %[[X:arg[0-9]+]]: tensor<2x4xf32>) -> tensor<4xf32>
// CHECK-SAME: ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}
// CHECK: %[[WS:.*]] = tensor.extract_slice %[[P]][0] [6] [1]
// CHECK: %[[W:.*]] = tensor.expand_shape %[[WS]] {{\[\[}}0, 1]] output_shape [3, 2]
// CHECK: %[[H:.*]] = linalg.matmul ins(%[[W]], %[[X]] : tensor<3x2xf32>, tensor<2x4xf32>)
// CHECK: %[[B:.*]] = tensor.extract_slice %[[P]][6] [3] [1]
// The bias is read without the batch dimension.
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BMAP:.*]], #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%[[H]], %[[B]] : tensor<3x4xf32>, tensor<3xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// The sum reduces the feature dimension and keeps the batch.
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK: return %{{.*}} : tensor<4xf32>
// CHECK-NOT: func.func @f

// -----

// Broadcasting a batched matrix with a uniform row, comparisons and selects,
// slicing and reshapes.
func.func @f(%x: tensor<2x3xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "N", owners = ["N"]}} {
  %c = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %m = ade.mul %x, %c : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %pos = ade.cmp gt, %m, %zero : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xi1>
  %sel = ade.select %pos, %m, %zero : tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  %row = ade.slice %sel starts [1, 0] stops [2, 2] squeeze [true, false] : tensor<2x3xf32> -> tensor<2xf32>
  %flat = ade.reshape %sel : tensor<2x3xf32> -> tensor<6xf32>
  %all = ade.reduce logsumexp %flat axis -1 : tensor<6xf32> -> tensor<f32>
  %d = ade.matmul %row, %row : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %s = ade.add %all, %d : tensor<f32>, tensor<f32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-LABEL: func.func @N.energy.tile
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<2x3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID:.*]], #[[ROW:.*]], #[[ID]]]
// CHECK-SAME: ins(%[[X]], %{{.*}} : tensor<2x3x4xf32>, tensor<3xf32>)
// CHECK: arith.mulf
// The mask is stored as i8 and tested against 0 where it is used.
// CHECK: %[[GT:.*]] = arith.cmpf ogt
// CHECK-NEXT: arith.extui %[[GT]] : i1 to i8
// CHECK: ^bb0(%[[MASK:[^:]*]]: i8, %[[M:[^:]*]]: f32
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK-NEXT: %[[SET:.*]] = arith.cmpi ne, %[[MASK]], %[[ZERO]] : i8
// CHECK-NEXT: arith.select %[[SET]], %[[M]]
// CHECK: tensor.extract_slice %{{.*}}[1, 0, 0] [1, 2, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<2x4xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// logsumexp: a max, then a sum of exp(x - max), then log + max.
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// The per-particle dot product reduces over the feature dimension.
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: return %{{.*}} : tensor<4xf32>

// -----

// Images: convolution with padding, pooling, a parameter matrix applied from
// the right of a batched vector.
ade.parameter @"I/K" : tensor<2x1x3x3xf32> of "I" at 0
ade.parameter @"I/V" : tensor<8x2xf32> of "I" at 18
func.func @f(%x: tensor<16xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "I", owners = ["I"]}} {
  %img = ade.reshape %x : tensor<16xf32> -> tensor<1x4x4xf32>
  %k = ade.param @"I/K" : tensor<2x1x3x3xf32>
  %c = ade.conv2d %img, %k stride 1 padding 1 : tensor<1x4x4xf32>, tensor<2x1x3x3xf32> -> tensor<2x4x4xf32>
  %p = ade.pool2d max %c window 2 stride 2 : tensor<2x4x4xf32> -> tensor<2x2x2xf32>
  %f = ade.reshape %p : tensor<2x2x2xf32> -> tensor<8xf32>
  %v = ade.param @"I/V" : tensor<8x2xf32>
  %y = ade.matmul %f, %v : tensor<8xf32>, tensor<8x2xf32> -> tensor<2xf32>
  %s = ade.reduce max %y axis -1 : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// The transposed-A map of the matmul below (W [8, 2] read as W^T).
// CHECK: #[[$WT:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-LABEL: func.func @I.energy.tile
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2], [3]] output_shape [1, 4, 4, 4] : tensor<16x4xf32> into tensor<1x4x4x4xf32>
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// The pooling window is a shape-only operand.
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[WIN]] : tensor<2x4x4x4xf32>, tensor<2x2xf32>)
// A batched vector times a parameter matrix: the layer's named matmul,
// reading the matrix in place through a transposed map (no copy).
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#[[$WT]], #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<8x2xf32>, tensor<8x4xf32>)

// -----

// A call becomes a call of the callee's tile function on the whole tile,
// with the parameter buffers of the owners it reads; a parameter gradient
// it returns is summed over the tile already and adds to the kernel's.
ade.parameter @"M/c" : tensor<2xf32> of "M" at 0
ade.parameter @"S/k" : tensor<2xf32> of "S" at 0
func.func private @M.f.backward(%x: tensor<2xf32>, %ct: tensor<f32>) -> (tensor<2xf32>, tensor<2xf32> {ade.param_grad = @"M/c"}) {
  %c = ade.param @"M/c" : tensor<2xf32>
  %b = ade.broadcast %ct : tensor<f32> -> tensor<2xf32>
  %dx = ade.mul %b, %c : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %dc = ade.mul %b, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %dx, %dc : tensor<2xf32>, tensor<2xf32>
}
func.func @S.sample_vjp(%x: tensor<2xf32>, %ct: tensor<f32> {ade.cotangent}) -> (tensor<2xf32>, tensor<2xf32> {ade.param_grad = @"M/c"}, tensor<2xf32> {ade.param_grad = @"S/k"}) attributes {ade.kernel = {grads, kind = "sample_vjp", owner = "S", owners = ["M", "S"]}} {
  %r:2 = ade.call @M.f.backward(%x, %ct) : (tensor<2xf32>, tensor<f32>) -> (tensor<2xf32>, tensor<2xf32>)
  %b = ade.broadcast %ct : tensor<f32> -> tensor<2xf32>
  %d = ade.mul %b, %x : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %dc = ade.add %d, %r#1 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %k = ade.param @"S/k" : tensor<2xf32>
  %dk = ade.mul %b, %k : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %r#0, %dc, %dk : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
// CHECK-LABEL: func.func @S.sample_vjp.tile(
// CHECK-SAME: %[[PM:arg[0-9]+]]: tensor<2xf32>, %[[PS:arg[0-9]+]]: tensor<2xf32>, %[[X:arg[0-9]+]]: tensor<2x4xf32>, %[[CT:arg[0-9]+]]: tensor<4xf32>)
// CHECK: %[[R:.*]]:2 = call @M.f.backward.tile(%[[PM]], %[[X]], %[[CT]]) : (tensor<2xf32>, tensor<2x4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2xf32>)
// The kernel's own part is summed over the tile, then the call's added.
// CHECK: %[[OWN:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%[[OWN]], %[[R]]#1 : tensor<2xf32>, tensor<2xf32>)
// CHECK-LABEL: func.func private @M.f.backward.tile(
// CHECK-SAME: %[[P:arg[0-9]+]]: tensor<2xf32>, %{{.*}}: tensor<2x4xf32>, %{{.*}}: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2xf32>)
// CHECK-SAME: ade.tile_callee = {owners = ["M"], size = 4 : i64}
// CHECK: tensor.extract_slice %[[P]][0] [2] [1]
// CHECK: iterator_types = ["parallel", "reduction"]

// -----

// A function shared by instances (some call renames its parameters) takes
// its owners' buffers at any size and an offset into each: a call passes
// the buffer of its instance's owner and the offset of the instance's
// parameters from the callee's own (here 3, in another owner's buffer).
ade.parameter @"A/q.0.u" : tensor<2xf32> of "A" at 0
ade.parameter @"P/pad" : tensor<3xf32> of "P" at 0
ade.parameter @"P/q.0.u" : tensor<2xf32> of "P" at 3
func.func private @A.q.0.forward(%z: tensor<2xf32>) -> tensor<2xf32> {
  %u = ade.param @"A/q.0.u" : tensor<2xf32>
  %y = ade.add %z, %u : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @P.sample(%z: tensor<2xf32>) -> tensor<2xf32> attributes {ade.kernel = {kind = "sample", owner = "P", owners = ["P"]}} {
  %y = ade.call @A.q.0.forward(%z) params("A/q.0." -> "P/q.0.") : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
// CHECK-LABEL: func.func @P.sample.tile(
// CHECK-SAME: %[[PP:arg[0-9]+]]: tensor<5xf32>, %[[Z:arg[0-9]+]]: tensor<2x4xf32>)
// CHECK-DAG: %[[BUF:.*]] = tensor.cast %[[PP]] : tensor<5xf32> to tensor<?xf32>
// CHECK-DAG: %[[OFF:.*]] = arith.constant 3 : index
// CHECK: call @A.q.0.forward.tile(%[[BUF]], %[[OFF]], %[[Z]]) : (tensor<?xf32>, index, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-LABEL: func.func private @A.q.0.forward.tile(
// CHECK-SAME: %[[B:arg[0-9]+]]: tensor<?xf32>, %[[O:arg[0-9]+]]: index, %{{.*}}: tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-SAME: ade.tile_callee = {owners = ["A"], shifted, size = 4 : i64}
// CHECK: %[[AT:.*]] = arith.addi %[[O]], %{{.*}} : index
// CHECK: tensor.extract_slice %[[B]][%[[AT]]] [2] [1] : tensor<?xf32> to tensor<2xf32>
