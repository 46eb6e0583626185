//===- Passes.td - ADE conversions -------------------------*- tablegen -*-===//

#ifndef ADE_CONVERSION_PASSES_TD
#define ADE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAdeToLinalg : Pass<"convert-ade-to-linalg", "mlir::ModuleOp"> {
  let summary = "Batch every model's log-density into a tile function on "
                "linalg/tensor";
  let description = [{
    For every function marked `ade.log_density = "M"` (calls already
    inlined), creates `@M.energy.tile(%params: tensor<NxE>,
    %x: tensor<S x T x E>) -> tensor<T x E>`: the same computation for a tile
    of T particles. Values become feature-major with the batch dimension
    LAST, so a layer `W @ x` is one `linalg.matmul` of W [m, n] by the tile
    X [n, T] (the layout measured fastest in design/codegen-recipe.md).
    Values that do not depend on the particle (parameters, constants and
    everything computed only from them) stay un-batched and broadcast where
    they meet batched ones. `ade.param` becomes a slice of `%params` at the
    parameter's offset.

    Before (per particle):
    ```mlir
    %w = ade.param @"M/W" : tensor<3x2xf32>
    %h = ade.matmul %w, %x : tensor<3x2xf32>, tensor<2xf32> -> tensor<3xf32>
    %r = ade.relu %h : tensor<3xf32>
    ```
    After (T = 32):
    ```mlir
    %w = tensor.expand_shape (tensor.extract_slice %params[0] [6] [1]) ...
    %h = linalg.matmul ins(%w, %x : tensor<3x2xf32>, tensor<2x32xf32>) ...
    %r = linalg.generic {iterator_types = ["parallel", "parallel"]} ...
    ```
    An `ade.call` becomes a call of the callee's tile function
    `@g.tile(params of the owners g reads, inputs [S.., T]) -> (outputs
    [R.., T], parameter-gradient sums)` (`ade.tile_callee = {owners,
    size}`), built once per callee; the sums it returns add into the
    kernel's own.

    A kernel whose owners have ade::kLargeModelParams parameters or more
    gets tile functions of two sizes with a small-batch-tile-size:
    `@M.energy.tile` of large-tile-size particles and `@M.energy.tile32`
    (the size in the name), each calling callee tiles of its own size
    (ade-build-entries picks one per call).

    Afterwards the module holds only the tile functions (the per-particle
    functions and parameter declarations are erased). Draws and derivatives
    are not lowered yet: they are reported as errors at their `.ade`
    location.
  }];
  let options = [
    Option<"tileSize", "tile-size", "int64_t", /*default=*/"16",
           "Particles per tile (the batch dimension of tile functions)">,
    Option<"mediumTileSize", "medium-tile-size", "int64_t", /*default=*/"0",
           "Particles per tile of the kernels whose owners have at least "
           "ade::kMediumModelParams parameters (fewer than "
           "ade::kLargeModelParams), and of the functions they call (0: "
           "tile-size)">,
    Option<"largeTileSize", "large-tile-size", "int64_t", /*default=*/"0",
           "Particles per tile of the kernels whose owners have at least "
           "ade::kLargeModelParams parameters, and of the functions they "
           "call (0: tile-size)">,
    Option<"smallBatchTileSize", "small-batch-tile-size", "int64_t",
           /*default=*/"0",
           "Particles per tile of a second tile function of each kernel "
           "with large-tile-size, named by its size, for batches that fill "
           "too few large tiles (0: none)">,
    Option<"rowVectorBits", "row-vector-bits", "int64_t", /*default=*/"0",
           "Bits of the vectors that update the rows of a matrix in the "
           "loops of ade.log_abs_det and ade.inverse (0: one element at a "
           "time, as the GPU kernels do)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // ADE_CONVERSION_PASSES_TD
