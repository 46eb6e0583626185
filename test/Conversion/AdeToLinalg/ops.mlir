// RUN: ade-opt %s --convert-ade-to-linalg=tile-size=4 --split-input-file | FileCheck %s

// The lowering of every operation not covered by convert-ade-to-linalg.mlir:
// each becomes a linalg.generic over the tile (batch last) whose body is
// the scalar formula, in order.

func.func @f(%x: tensor<3xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "U", owners = ["U"]}} {
  %u0 = ade.neg %x : tensor<3xf32>
  %u1 = ade.exp %u0 : tensor<3xf32>
  %u2 = ade.log %u1 : tensor<3xf32>
  %u3 = ade.log1p %u2 : tensor<3xf32>
  %u4 = ade.expm1 %u3 : tensor<3xf32>
  %u5 = ade.tanh %u4 : tensor<3xf32>
  %u6 = ade.sigmoid %u5 : tensor<3xf32>
  %u7 = ade.softplus %u6 : tensor<3xf32>
  %u8 = ade.relu %u7 : tensor<3xf32>
  %u9 = ade.elu %u8 : tensor<3xf32>
  %u10 = ade.swish %u9 : tensor<3xf32>
  %u11 = ade.sin %u10 : tensor<3xf32>
  %u12 = ade.cos %u11 : tensor<3xf32>
  %u13 = ade.sqrt %u12 : tensor<3xf32>
  %u14 = ade.abs %u13 : tensor<3xf32>
  %u15 = ade.square %u14 : tensor<3xf32>
  %u16 = ade.stop_gradient %u15 : tensor<3xf32>
  %u17 = ade.leaky_relu %u16 alpha 0.25 : tensor<3xf32>
  %s = ade.reduce sum %u17 axis -1 : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-LABEL: func.func @U.energy.tile
// CHECK-SAME: tensor<3x4xf32>
// CHECK: arith.negf
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.exp
// CHECK: math.log %
// CHECK: math.log1p
// CHECK: math.expm1
// CHECK: math.tanh
// sigmoid: 1 / (1 + exp(-x))
// CHECK: %[[ONE:.*]] = arith.constant 1.0
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[IN:.*]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NEG]]
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[ONE]], %[[E]]
// CHECK-NEXT: arith.divf %[[ONE]], %[[D]]
// softplus, stable: max(x, 0) + log1p(exp(-|x|))
// CHECK: %[[ZERO:.*]] = arith.constant 0.0
// CHECK-NEXT: %[[POS:.*]] = arith.maximumf %[[X:.*]], %[[ZERO]]
// CHECK-NEXT: %[[ABS:.*]] = math.absf %[[X]]
// CHECK-NEXT: %[[NABS:.*]] = arith.negf %[[ABS]]
// CHECK-NEXT: %[[EXP:.*]] = math.exp %[[NABS]]
// CHECK-NEXT: %[[LOG:.*]] = math.log1p %[[EXP]]
// CHECK-NEXT: arith.addf %[[POS]], %[[LOG]]
// relu
// CHECK: arith.maximumf
// elu: x > 0 ? x : expm1(x)
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[EX:.*]], %{{.*}}
// CHECK-NEXT: %[[EM:.*]] = math.expm1 %[[EX]]
// CHECK-NEXT: arith.select %[[GT]], %[[EX]], %[[EM]]
// swish: x * sigmoid(x)
// CHECK: arith.divf
// CHECK-NEXT: arith.mulf
// CHECK: math.sin
// CHECK: math.cos
// CHECK: math.sqrt
// CHECK: math.absf
// square
// CHECK: %{{.*}} = arith.mulf %[[SQ:.*]], %[[SQ]] : f32
// stop_gradient is the identity; leaky_relu: x > 0 ? x : alpha * x
// CHECK: %[[LGT:.*]] = arith.cmpf ogt, %[[LX:.*]], %{{.*}}
// CHECK-NEXT: %[[ALPHA:.*]] = arith.constant 2.5{{0*}}e-01
// CHECK-NEXT: %[[SCALED:.*]] = arith.mulf %[[LX]], %[[ALPHA]]
// CHECK-NEXT: arith.select %[[LGT]], %[[LX]], %[[SCALED]]
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK-NOT: linalg.generic
// CHECK: return

// -----

// Binary ops broadcast uniform operands (the constant row) without a batch
// dimension; booleans are stored as i8 (0 or 1); casts convert elementwise.
func.func @f(%x: tensor<2x3xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "B", owners = ["B"]}} {
  %y = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %s = ade.sub %x, %y : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %q = ade.div %s, %x : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %p = ade.pow %q, %s : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %mn = ade.minimum %p, %q : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %mx = ade.maximum %mn, %y : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %lt = ade.cmp lt, %mx, %x : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xi1>
  %ne = ade.cmp ne, %mx, %q : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xi1>
  %and = ade.and %lt, %ne : tensor<2x3xi1>, tensor<2x3xi1> -> tensor<2x3xi1>
  %or = ade.or %and, %lt : tensor<2x3xi1>, tensor<2x3xi1> -> tensor<2x3xi1>
  %not = ade.not %or : tensor<2x3xi1>
  %bf = ade.cast %not : tensor<2x3xi1> -> tensor<2x3xf32>
  %cl = ade.clip %bf, %x, %y : tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %d = ade.cast %cl : tensor<2x3xf32> -> tensor<2x3xf64>
  %e = ade.cast %d : tensor<2x3xf64> -> tensor<2x3xf32>
  %r = ade.reduce sum %e axis -1 : tensor<2x3xf32> -> tensor<f32>
  return %r : tensor<f32>
}
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @B.energy.tile
// CHECK-SAME: %[[X:arg1]]: tensor<2x3x4xf32>
// CHECK: %[[Y:.*]] = arith.constant dense<[1.0{{.*}}, 2.0{{.*}}, 3.0{{.*}}]> : tensor<3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]]{{.*}} ins(%[[X]], %[[Y]] : tensor<2x3x4xf32>, tensor<3xf32>)
// CHECK: arith.subf
// CHECK: arith.divf
// CHECK: math.powf
// CHECK: arith.minimumf
// CHECK: ins(%{{.*}}, %[[Y]] : tensor<2x3x4xf32>, tensor<3xf32>)
// CHECK: arith.maximumf
// CHECK: outs(%{{.*}} : tensor<2x3x4xi8>)
// CHECK: %[[LT:.*]] = arith.cmpf olt
// CHECK-NEXT: arith.extui %[[LT]] : i1 to i8
// CHECK: arith.cmpf une
// CHECK: arith.andi %{{.*}}, %{{.*}} : i8
// CHECK: arith.ori %{{.*}}, %{{.*}} : i8
// CHECK: %[[TRUE:.*]] = arith.constant 1 : i8
// CHECK-NEXT: arith.xori %{{.*}}, %[[TRUE]] : i8
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// clip(x, lo, hi) = min(max(x, lo), hi)
// CHECK: %[[LO:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: arith.minimumf %[[LO]], %{{.*}} : f32
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: return %{{.*}} : tensor<4xf32>

// -----

// Reductions along an axis keep the batch; shape ops move whole tiles.
func.func @f(%x: tensor<2x3xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "S", owners = ["S"]}} {
  %mean = ade.reduce mean %x axis 0 : tensor<2x3xf32> -> tensor<3xf32>
  %max = ade.reduce max %x axis 1 : tensor<2x3xf32> -> tensor<2xf32>
  %min = ade.reduce min %x axis -1 : tensor<2x3xf32> -> tensor<f32>
  %norm = ade.reduce norm %mean axis -1 : tensor<3xf32> -> tensor<f32>
  %tr = ade.transpose %x : tensor<2x3xf32> -> tensor<3x2xf32>
  %cc = ade.concat %max, %max axis 0 : tensor<2xf32>, tensor<2xf32> -> tensor<4xf32>
  %st = ade.stack %min, %norm : tensor<f32>, tensor<f32> -> tensor<2xf32>
  %img = ade.reshape %tr : tensor<3x2xf32> -> tensor<1x3x2xf32>
  %pl = ade.pool2d avg %img window 2 stride 1 : tensor<1x3x2xf32> -> tensor<1x2x1xf32>
  %a = ade.reduce sum %cc axis -1 : tensor<4xf32> -> tensor<f32>
  %b = ade.reduce sum %st axis -1 : tensor<2xf32> -> tensor<f32>
  %c = ade.reduce sum %pl axis -1 : tensor<1x2x1xf32> -> tensor<f32>
  %ab = ade.add %a, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  %r = ade.add %ab, %c : tensor<f32>, tensor<f32> -> tensor<f32>
  return %r : tensor<f32>
}
// CHECK-LABEL: func.func @S.energy.tile
// CHECK-SAME: %[[X:arg1]]: tensor<2x3x4xf32>
// mean over axis 0: a sum, then a scale by 1/2
// CHECK: iterator_types = ["reduction", "parallel", "parallel"]{{.*}}ins(%[[X]]
// CHECK: %[[HALF:.*]] = arith.constant 5.0{{0*}}e-01 : f32
// CHECK-NEXT: arith.mulf %in, %[[HALF]] : f32
// max over axis 1 starts from -inf
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.maximumf %out, %in
// min over all axes starts from +inf
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: arith.minimumf %out, %in
// norm: sqrt of a sum of squares
// CHECK: %[[SQ:.*]] = arith.mulf %in, %in
// CHECK-NEXT: arith.addf %out, %[[SQ]]
// CHECK: math.sqrt
// CHECK: linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<3x2x4xf32>) permutation = [1, 0, 2]
// CHECK: tensor.concat dim(0) %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
// stack: scalars become rows, then a concatenation
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: tensor.concat dim(0) %{{.*}}, %{{.*}} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
// average pooling: a windowed sum, then a scale by 1/4
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME: tensor<1x3x2x4xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x2x1x4xf32>)
// CHECK: arith.constant 2.5{{0*}}e-01
// CHECK: return %{{.*}} : tensor<4xf32>

// -----

// Gradient kernels: outputs batched, parameter gradients summed over the
// tile into the flat buffer of their owner. Outer products that only feed
// the sum become contractions over the batch (no per-particle matrix).

ade.parameter @"G/W" : tensor<3x2xf32> of "G" at 0
ade.parameter @"G/K" : tensor<2x1x3x3xf32> of "G" at 6
func.func @f(%x: tensor<2xf32>, %w: tensor<f32> {ade.cotangent}) -> (tensor<3x2xf32> {ade.param_grad = @"G/W"}, tensor<3xf32>) attributes {ade.kernel = {kind = "energy_vjp", owner = "G", owners = ["G"], grads}} {
  %u = ade.broadcast %w : tensor<f32> -> tensor<3xf32>
  %o = ade.outer %u, %x : tensor<3xf32>, tensor<2xf32> -> tensor<3x2xf32>
  %o2 = ade.outer %u, %x : tensor<3xf32>, tensor<2xf32> -> tensor<3x2xf32>
  %s = ade.add %o, %o2 : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<3x2xf32>
  %e = ade.embed %x starts [1] stops [3] squeeze [false] : tensor<2xf32> -> tensor<3xf32>
  return %s, %e : tensor<3x2xf32>, tensor<3xf32>
}
// CHECK-LABEL: func.func @G.energy_vjp.tile
// CHECK-SAME: (%[[P:.*]]: tensor<24xf32>, %[[X:.*]]: tensor<2x4xf32>, %[[W:.*]]: tensor<4xf32>) -> (tensor<3x4xf32>, tensor<24xf32>)
// CHECK-SAME: cotangents = array<i64: 1>, grad_owners = array<i64: 0>, grads = true, inputs = 2 : i64, kind = "energy_vjp", outputs = 1 : i64
// The broadcast of w is an identity generic with a broadcasting map.
// CHECK: %[[U:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<4xf32>) outs(%{{.*}} : tensor<3x4xf32>)
// ade.embed: zeros with the slice inserted.
// CHECK: %[[E:.*]] = tensor.insert_slice %[[X]] into %{{.*}}[1, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<3x4xf32>
// CHECK-NOT: tensor<3x2x4xf32>
// sum_t u[i, t] x[j, t] = u x^T, a named matmul.
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<4x2xf32>) permutation = [1, 0]
// CHECK: %[[O1:.*]] = linalg.matmul ins(%[[U]], %[[XT]] : tensor<3x4xf32>, tensor<4x2xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: %[[O2:.*]] = linalg.matmul
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[O1]], %[[O2]] : tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[S]] {{\[\[}}0, 1]] : tensor<3x2xf32> into tensor<6xf32>
// The flat gradient: the gradients in offset order, zeros for K's.
// CHECK: %[[KZ:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<18xf32>)
// CHECK: %[[G:.*]] = tensor.concat dim(0) %[[FLAT]], %[[KZ]] : (tensor<6xf32>, tensor<18xf32>) -> tensor<24xf32>
// CHECK: return %[[E]], %[[G]]

// -----

// The gradient of a transposed parameter (L in transpose(L) @ x): the
// transpose of a sum of outer products is summed over the tile as matrix
// products, then transposed once.

ade.parameter @"T/L" : tensor<2x3xf32> of "T" at 0
func.func @f(%x: tensor<2xf32>, %u: tensor<3xf32> {ade.cotangent}) -> (tensor<2x3xf32> {ade.param_grad = @"T/L"}) attributes {ade.kernel = {kind = "energy_vjp", owner = "T", owners = ["T"], grads}} {
  %o = ade.outer %u, %x : tensor<3xf32>, tensor<2xf32> -> tensor<3x2xf32>
  %o2 = ade.outer %u, %x : tensor<3xf32>, tensor<2xf32> -> tensor<3x2xf32>
  %s = ade.add %o, %o2 : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<3x2xf32>
  %t = ade.transpose %s : tensor<3x2xf32> -> tensor<2x3xf32>
  return %t : tensor<2x3xf32>
}
// CHECK-LABEL: func.func @T.energy_vjp.tile
// CHECK: %[[O1:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x2xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: %[[O2:.*]] = linalg.matmul
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[O1]], %[[O2]] : tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[S]] : tensor<3x2xf32>) outs(%{{.*}} : tensor<2x3xf32>) permutation = [1, 0]
// CHECK-NOT: iterator_types = [{{.*}}"reduction"
// CHECK: tensor.collapse_shape %[[T]]

// -----

// An outer product with one factor the same for every particle (a column
// e_i of a dense Jacobian) is summed as that factor times the tile sum of
// the other: one sum per element of the batched factor, no per-particle
// matrix.

ade.parameter @"E/A" : tensor<3x2xf32> of "E" at 0
func.func @f(%x: tensor<2xf32>) -> (tensor<3x2xf32> {ade.param_grad = @"E/A"}) attributes {ade.kernel = {kind = "energy_vjp", owner = "E", owners = ["E"], grads}} {
  %e = arith.constant dense<[0.0, 1.0, 0.0]> : tensor<3xf32>
  %o = ade.outer %e, %x : tensor<3xf32>, tensor<2xf32> -> tensor<3x2xf32>
  return %o : tensor<3x2xf32>
}
// CHECK-LABEL: func.func @E.energy_vjp.tile
// CHECK-SAME: (%[[P:.*]]: tensor<6xf32>, %[[X:.*]]: tensor<2x4xf32>)
// CHECK-NOT: tensor<3x2x4xf32>
// CHECK: %[[SX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: %[[O:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[SX]] : tensor<3xf32>, tensor<2xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK: tensor.collapse_shape %[[O]]

// -----

// The adjoints of convolution and pooling.
ade.parameter @"I/K" : tensor<2x1x2x2xf32> of "I" at 0
func.func @f(%x: tensor<1x3x3xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "I", owners = ["I"]}} {
  %k = ade.param @"I/K" : tensor<2x1x2x2xf32>
  %u = ade.conv2d %x, %k stride 1 padding 0 : tensor<1x3x3xf32>, tensor<2x1x2x2xf32> -> tensor<2x2x2xf32>
  %gx = ade.conv2d_input_grad %u, %k stride 1 padding 0 : tensor<2x2x2xf32>, tensor<2x1x2x2xf32> -> tensor<1x3x3xf32>
  %gk = ade.conv2d_filter_grad %gx, %u stride 1 padding 0 : tensor<1x3x3xf32>, tensor<2x2x2xf32> -> tensor<2x1x2x2xf32>
  %v = ade.slice %u starts [0] stops [1] squeeze [false] : tensor<2x2x2xf32> -> tensor<1x2x2xf32>
  %p = ade.pool2d_grad max %gx, %v window 2 stride 1 : tensor<1x3x3xf32>, tensor<1x2x2xf32> -> tensor<1x3x3xf32>
  %a = ade.reduce sum %gk axis -1 : tensor<2x1x2x2xf32> -> tensor<f32>
  %b = ade.reduce sum %p axis -1 : tensor<1x3x3xf32> -> tensor<f32>
  %s = ade.add %a, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  return %s : tensor<f32>
}
// CHECK-LABEL: func.func @I.energy.tile
// The image adjoint: per kernel offset, a contraction over output channels
// added into the image at that offset.
// CHECK: %[[U:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2x2x4xf32>)
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<1x3x3x4xf32>
// CHECK: %[[V00:.*]] = linalg.generic {{.*}} ins(%[[U]], %{{.*}} : tensor<2x2x2x4xf32>, tensor<2x1x2x2xf32>) outs(%{{.*}} : tensor<1x2x2x4xf32>)
// CHECK: %[[W00:.*]] = tensor.extract_slice %[[ACC]][0, 0, 0, 0] [1, 2, 2, 4] [1, 1, 1, 1]
// CHECK: %[[S00:.*]] = linalg.generic {{.*}} ins(%[[W00]], %[[V00]]
// CHECK: %[[ACC1:.*]] = tensor.insert_slice %[[S00]] into %[[ACC]][0, 0, 0, 0]
// CHECK: tensor.extract_slice %[[ACC1]][0, 0, 1, 0]
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 0, 0]
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 1, 0]
// CHECK: %[[GX:.*]] = tensor.insert_slice %{{.*}}[0, 1, 1, 0] [1, 2, 2, 4] [1, 1, 1, 1] : tensor<1x2x2x4xf32> into tensor<1x3x3x4xf32>
// The kernel adjoint: a correlation of the image with the cotangent.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[GX]], %[[U]] : tensor<1x3x3x4xf32>, tensor<2x2x2x4xf32>) outs(%{{.*}} : tensor<2x1x2x2x4xf32>)
// Max pooling's adjoint recomputes the window maxima, then routes each
// window's cotangent to the elements equal to its maximum.
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[GX]], %{{.*}} : tensor<1x3x3x4xf32>, tensor<2x2xf32>)
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[Y]], %{{.*}} : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>)
// CHECK: arith.cmpf oeq
// CHECK: arith.select

// -----

// Dense linear algebra runs per particle (a loop over the tile) in scalar
// loops: Gauss-Jordan with partial pivoting for the inverse, LU with
// partial pivoting for log|det| (the sum of log|pivot|).
func.func @f(%x: tensor<3x3xf32>) -> tensor<f32> attributes {ade.kernel = {kind = "energy", owner = "L", owners = ["L"]}} {
  %i = ade.inverse %x : tensor<3x3xf32>
  %l = ade.logabsdet %i : tensor<3x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @L.energy.tile
// CHECK: %[[INV:.*]] = scf.for %[[P:arg[0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:arg[0-9]+]] = %{{.*}}) -> (tensor<3x3x4xf32>)
// CHECK: %[[M:.*]] = tensor.extract_slice %{{.*}}[0, 0, %[[P]]] [3, 3, 1] [1, 1, 1] : tensor<3x3x4xf32> to tensor<3x3xf32>
// CHECK: %[[EYE:.*]] = arith.constant dense<{{\[\[}}1.0{{.*}}> : tensor<3x3xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[M]], %{{.*}} = %[[EYE]])
// The pivot: the row with the largest |m[p, k]|.
// CHECK: math.absf
// CHECK: arith.cmpf ogt
// CHECK: arith.divf
// CHECK: tensor.insert_slice %{{.*}} into %[[ACC]][0, 0, %[[P]]] [3, 3, 1]
// CHECK: scf.for %[[Q:arg[0-9]+]] = {{.*}} -> (tensor<4xf32>)
// CHECK: tensor.extract_slice %[[INV]][0, 0, %[[Q]]]
// CHECK: %[[PIVOT:.*]] = tensor.extract %{{.*}}[%[[K:.*]], %[[K]]] : tensor<3x3xf32>
// CHECK-NEXT: %[[ABS:.*]] = math.absf %[[PIVOT]]
// CHECK-NEXT: %[[LOG:.*]] = math.log %[[ABS]]
// CHECK-NEXT: arith.addf %{{.*}}, %[[LOG]]
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[Q]]] : tensor<4xf32>
