// RUN: ade-opt %s --ade-fuse-elementwise-ops --split-input-file | FileCheck %s --check-prefixes=CHECK,BLOCKS
// RUN: ade-opt %s --ade-fuse-elementwise-ops=into-sums=1 --split-input-file | FileCheck %s --check-prefixes=CHECK,SUMS

// relu(h + b) feeding a product stays its own op (fused, it would be
// recomputed for each of the product's 16 rows); the transpose of W is
// fused (a change of indexing, no work); an elementwise consumer takes its
// elementwise producer as usual.

#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

func.func @layer(%w: tensor<8x16xf32>, %h: tensor<8x4xf32>, %bias: tensor<8xf32>) -> tensor<16x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x4xf32>
  %act = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %bias : tensor<8x4xf32>, tensor<8xf32>) outs(%e0 : tensor<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e1 = tensor.empty() : tensor<16x8xf32>
  %wt = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<8x16xf32>) outs(%e1 : tensor<16x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<16x8xf32>
  %e2 = tensor.empty() : tensor<16x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x4xf32>) -> tensor<16x4xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%wt, %act : tensor<16x8xf32>, tensor<8x4xf32>) outs(%init : tensor<16x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x4xf32>
  %e3 = tensor.empty() : tensor<16x4xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<16x4xf32>) outs(%e3 : tensor<16x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  } -> tensor<16x4xf32>
  %e4 = tensor.empty() : tensor<16x4xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%n : tensor<16x4xf32>) outs(%e4 : tensor<16x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  } -> tensor<16x4xf32>
  return %q : tensor<16x4xf32>
}

// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[W:.*]]: tensor<8x16xf32>, %[[H:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[ACT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[H]], %[[B]]
// CHECK: arith.maximumf
// CHECK: %[[P:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[W]], %[[ACT]] : tensor<8x16xf32>, tensor<8x4xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<16x4xf32>)
// CHECK: arith.negf
// CHECK-NEXT: math.exp
// CHECK-NOT: linalg.generic

// -----

// A sum over the tile of a product (a parameter's gradient) reads each
// product once: with into-sums the product is computed inside the sum, not
// stored first. The block kernels keep it apart.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

func.func @tile_sum(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x4xf32>
  %prod = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e0 : tensor<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    linalg.yield %m : f32
  } -> tensor<8x4xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%prod : tensor<8x4xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %o, %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %sum : tensor<8xf32>
}

// CHECK-LABEL: func.func @tile_sum
// CHECK-SAME: (%[[A:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<8x4xf32>)
// BLOCKS: %[[PROD:.*]] = linalg.generic
// BLOCKS-SAME: ins(%[[A]], %[[B]]
// BLOCKS: linalg.generic
// BLOCKS-SAME: ins(%[[PROD]] : tensor<8x4xf32>)
// SUMS: linalg.generic
// SUMS-SAME: iterator_types = ["parallel", "reduction"]
// SUMS-SAME: ins(%[[A]], %[[B]] : tensor<8x4xf32>, tensor<8x4xf32>)
// SUMS-NEXT: ^bb0
// SUMS-NEXT: arith.mulf
// SUMS-NEXT: arith.addf
// SUMS-NOT: linalg.generic
