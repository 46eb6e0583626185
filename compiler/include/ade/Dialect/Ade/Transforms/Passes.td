//===- Passes.td - Passes of the ade dialect ---------------*- tablegen -*-===//

#ifndef ADE_DIALECT_ADE_TRANSFORMS_PASSES_TD
#define ADE_DIALECT_ADE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AdeBuildEntries : Pass<"ade-build-entries", "mlir::ModuleOp"> {
  let summary = "Wraps bufferized tile functions into batched entries";
  let description = [{
    For every bufferized tile function (`ade.tile = {kind = "energy",
    owner = "M", size = T}` with signature `(params: memref<NxE>,
    x: memref<S x T x E>, out: memref<T x E>)`), creates the entry

    ```mlir
    func.func @ade_M_energy(%params: memref<?xE>, %x: memref<?x S x E>,
                            %f: memref<?xE>, %threads: i32)
    ```

    which runs an `scf.forall` over the B / T full tiles (each transposes
    its particle-major slice of x into a feature-major tile on the stack and
    calls the tile function), then one zero-padded tile for the B mod T
    remaining particles. `%threads` is kept for ade-set-entry-threads.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def AdeSetEntryThreads : Pass<"ade-set-entry-threads", "mlir::ModuleOp"> {
  let summary = "Gives every omp.parallel of an entry the entry's thread "
                "count";
  let description = [{
    Runs after convert-scf-to-openmp. In every function built by
    ade-build-entries, each `omp.parallel` gets `num_threads(%n)` with
    `%n = %threads > 0 ? %threads : omp_get_max_threads()`, so callers
    choose the thread count per call without touching global OpenMP state.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::omp::OpenMPDialect"];
}

#endif // ADE_DIALECT_ADE_TRANSFORMS_PASSES_TD
