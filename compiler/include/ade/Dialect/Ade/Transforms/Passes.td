//===- Passes.td - Passes of the ade dialect ---------------*- tablegen -*-===//

#ifndef ADE_DIALECT_ADE_TRANSFORMS_PASSES_TD
#define ADE_DIALECT_ADE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AdeOutlineDensities : Pass<"ade-outline-densities", "mlir::ModuleOp"> {
  let summary = "Keeps large log-densities as functions that samplers call";
  let description = [{
    Marks every log-density (`ade.log_density`) with a matrix product or
    convolution, or of at least `min-ops` ops (calls counted with their
    callees), `ade.outline` and turns each
    `func.call` of it into `ade.call`, which the inliner leaves alone. A
    sampler's steps then call f, and `ade-autodiff` makes each `grad` of
    it a call of one value-and-gradient function, instead of carrying a
    copy of f's code per step: compile time stays flat in the number of
    steps. Small densities are inlined as before (a call would cost more
    than it saves). So is a sampler's own layer (a function with a matrix
    product or convolution and no draws, reports, derivatives or calls)
    that runs more than once per sample, as the nets of a generalized
    leapfrog step shared by the steps.

    Instances of one component method that a sampler calls (the layers of
    a flow: the same code on their own parameters) share one function:
    each call becomes an `ade.call` of the first instance that reads its
    own instance's parameters (`params(prefix -> instance)`). Their code,
    reverse sweeps and log-determinants are then compiled once. Instances
    are compared with their calls inlined and their parameters named
    relative to their common prefix; the parameters of each must lie at
    one offset from the first's in an owner's buffer. Groups that save the
    most code are taken first, and a group's functions call no other
    group's.

    ```mlir
    %y = func.call @Moons.f(%x) : (tensor<2xf32>) -> tensor<f32>
    %z1 = func.call @ADE.q0.layer.1.forward(%z0)
        : (tensor<2xf32>) -> tensor<2xf32>
    // becomes
    %y = ade.call @Moons.f(%x) : (tensor<2xf32>) -> tensor<f32>
    %z1 = ade.call @ADE.q0.layer.0.forward(%z0)
        params("ADE/q0.layer.0." -> "ADE/q0.layer.1.")
        : (tensor<2xf32>) -> tensor<2xf32>
    ```
  }];
  let options = [
    Option<"minOps", "min-ops", "int64_t", /*default=*/"64",
           "Smallest log-density (in ops) kept outlined">,
    Option<"minInstanceOps", "min-instance-ops", "int64_t", /*default=*/"8",
           "Smallest component instance (in ops, calls inlined) that shares "
           "one function with the others">
  ];
}

def AdeInlineCalls : Pass<"ade-inline-calls", "mlir::ModuleOp"> {
  let summary = "Inlines every ade.call";
  let description = [{
    Replaces each `ade.call` with its callee's body, recursively: for the
    GPU kernels, which run one particle per thread with the whole
    per-particle body inline.

    ```mlir
    %y = ade.call @Moons.f(%x) : (tensor<2xf32>) -> tensor<f32>
    // becomes Moons.f's body on %x
    ```
  }];
}

def AdeAutodiff : Pass<"ade-autodiff", "mlir::ModuleOp"> {
  let summary = "Expands ade.derivative by reverse-mode differentiation";
  let description = [{
    Replaces every `ade.derivative` with a copy of the differentiated
    function's body (`func.call` inlined first; `ade.call` inlined in the
    copy) followed by reverse
    sweeps built from the ops' derivative rules (DifferentiableOpInterface):
    `grad` and `vjp` take one sweep, `jvp` two (the transpose of a vjp),
    `hvp` a sweep over the gradient's own code, `hessian_trace` one
    Hessian-vector product per dimension (or one with a probe e:
    Hutchinson), `jacobian` one sweep per output element. Functions are
    expanded callee-first, so derivatives of derivatives work to any order.
    An active op without a rule is an error at its location. The `grad` of
    a function kept outlined (`ade.outline`) is instead a call of its
    value-and-gradient function `@f.value_and_grad` (built once), whose
    value also replaces a call of f at the same point in the same block.

    ```mlir
    %g = ade.derivative grad @f(%x) : (tensor<2xf32>) -> tensor<2xf32>
    // becomes f's body on %x, then its reverse sweep seeded with 1
    ```
  }];
  let options = [
    Option<"denseLimit", "dense-limit", "unsigned", /*default=*/"64",
           "Largest dimension for exact Hessian traces and dense Jacobians">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AdeDensity : Pass<"ade-density", "mlir::ModuleOp"> {
  let summary = "Derives the log-density of every sampler's output";
  let description = [{
    On each sample function (`ade.sample`; calls inlined but `ade.call`,
    derivatives
    expanded), turns draws into reads of a noise input and appends two
    results: log q of the returned state (with the momenta the sampler
    drew and dropped, conditional on its arguments) and the kinetic energy
    1/2 |v|^2 of those dropped variables. Draws add their log-densities;
    each update of state that dies there subtracts log|det| of its
    Jacobian, derived by structure (shear, elementwise scale or affine,
    elementwise bijection, rank one, permutation) or from a dense Jacobian
    (`ade.logabsdet`) up to `dense-limit` dimensions. An update by a call
    of a shared function (`ade.call`, as a flow's layer) takes its log|det|
    from `<callee>.log_det<i>`, which returns the callee's result and its
    log|det| as an update of argument i, derived once by the same rules
    for every call of it. The function gets `ade.noise`: the layout of its
    noise input (name, offset, size and distribution of every draw).

    ```mlir
    func.func @S.sample() -> tensor<2xf32> attributes {ade.sample = "S"}
    // becomes
    func.func @S.sample(%noise: tensor<4xf32>)
        -> (tensor<2xf32>, tensor<f32>, tensor<f32>)
        attributes {ade.sample = "S", ade.noise = [...]}
    ```
  }];
  let options = [
    Option<"denseLimit", "dense-limit", "unsigned", /*default=*/"64",
           "Largest dimension of an update with a dense Jacobian">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AdeReuseBranches : Pass<"ade-reuse-branches", "mlir::func::FuncOp"> {
  let summary = "Computes ops on a Metropolis choice by choosing between "
                "results already computed";
  let description = [{
    A Metropolis step reruns its proposal with each increment kept or
    zeroed by the test (`std.dynamics.kept_leapfrog`), so that the density
    pass sees shears; both branches of that rerun are computed already.
    Walking each block in order, an op whose operands are choices on one
    scalar condition c (`ade.select` with a rank-0 condition, or results of
    this rewrite) becomes `select(c, op(accepted...), op(rejected...))`
    when the branch ops exist earlier in the block or fold (x + 0 = x); a
    cheap op (not a product, convolution or decomposition) also when only
    one exists, so that a chain of them reaches the next pair. Nested
    choices on c collapse. Comparisons on choices stay, their branches
    recorded. Run canonicalize and cse after it: the rerun's ops die.

    ```mlir
    %y0 = ade.tanh %x0 : tensor<2xf32>
    %y1 = ade.tanh %x1 : tensor<2xf32>
    %x = ade.select %c, %x1, %x0 : tensor<i1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
    %y = ade.tanh %x : tensor<2xf32>
    // %y becomes
    %y = ade.select %c, %y1, %y0 : tensor<i1>, tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
    ```
  }];
}

def AdeBuildKernels : Pass<"ade-build-kernels", "mlir::ModuleOp"> {
  let summary = "Builds the per-particle kernels of the model.so entries";
  let description = [{
    For every log-density `f` of a model M (calls inlined, derivatives
    expanded), creates the kernels that convert-ade-to-linalg batches:

    - `@M.energy(x) -> f`
    - `@M.grad_energy(x) -> (f, grad_x f)`
    - `@M.energy_vjp(x, w {ade.cotangent}) -> (w df/dtheta per parameter)`,
      results tagged `ade.param_grad = @"M/name"` (summed over the batch
      by the entry)
    - `@M.score_matching(x[, e]) -> tr(d^2f/dx^2) + 1/2 |grad_x f|^2`: the
      exact trace up to `dense-limit` dimensions, above it the Hutchinson
      estimate e^T (d^2f/dx^2) e with a probe input e
    - `@M.score_matching_vjp(x[, e], w {ade.cotangent})`: w times the
      gradient of that loss per parameter (third order in f)

    For every sample function (`ade.sample`, density derived) S, the
    sample function itself is the kernel `@S.sample`, and
    `@S.sample_vjp(noise, [x0], cotangents of every result and of the
    model's f at the sample)` returns the gradients in the parameters of
    the model and of the sampler (f is evaluated inside, so the ADE
    objective's gradient is one kernel); `@S.sampler_vjp`, with the same
    inputs, returns the sampler's gradients alone.

    Each carries `ade.kernel = {kind, owner, owners}` (`owners`: whose
    parameter buffers it reads, in entry order), and `wrt` when only some
    owners' parameters are differentiated.

    Where f is kept outlined (`ade.outline`), `energy`, `grad_energy` (a
    call of `@f.value_and_grad`), `energy_vjp` and the f at a sample call
    it instead of copying its body. Reverse mode through a call adds
    `@f.forward_<masks>` (f's results and the residuals its sweep reads)
    and `@f.backward_<masks>` (the sweep, with `ade.param_grad` results),
    named by which results carry cotangents, which arguments need them and
    which parameters are differentiated; the kernel gets a read of every
    parameter a call reads, and the call merges into its forward call.
  }];
  let options = [
    Option<"denseLimit", "dense-limit", "unsigned", /*default=*/"64",
           "Largest dimension of an exact Hessian trace in score matching">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AdeMergeFunctions : Pass<"ade-merge-functions", "mlir::ModuleOp"> {
  let summary = "Merges private functions with the same signature and body";
  let description = [{
    Reverse mode through a call names its forward and backward halves by
    which cotangents flow and which parameters are differentiated, but
    different masks often give the same function: the forward half of a
    sweep for the data and that of a sweep for the parameters store the
    same residuals. Each private function whose type, attributes and body
    (locations aside) equal an earlier one's is erased and its uses call
    the earlier one, so that its code is lowered and compiled once.
    Merging callees can make their callers equal: the pass repeats until
    nothing merges.

    ```mlir
    func.func private @f.forward_01_0_params(%x: tensor<2xf32>) -> ...
    func.func private @f.forward_01_1_params(%x: tensor<2xf32>) -> ...
    %r:3 = ade.call @f.forward_01_1_params(%x) : ...
    // the second is erased:
    %r:3 = ade.call @f.forward_01_0_params(%x) : ...
    ```
  }];
}

def AdeAccumulateGradients
    : Pass<"ade-accumulate-gradients", "mlir::ModuleOp"> {
  let summary = "Makes tile functions add their parameter gradients into "
                "sum buffers they are passed";
  let description = [{
    A tile function with parameter gradients (`ade.tile` with non-empty
    `grad_owners`, on tensors) takes one more argument per gradient, the
    flat running sum as a buffer, and adds the tile's gradient into it
    instead of returning it. The addition moves down into the ops that
    compute the gradient where it can, so that no tile-sized gradient is
    stored and then added: a matmul or a reduction into a zero fill starts
    from its slice of the sum instead, a concatenation or reshape passes
    its operands' offsets on, `a + b` adds a and then b, and a call's
    results are added by a variant of the callee (`<callee>.acc`, one per
    callee) that takes the sum buffer too. Elsewhere an elementwise
    addition into the slice remains.

    Each increment reads its slice with `bufferization.to_tensor restrict
    writable` and writes it back with `bufferization.materialize_in_destination`,
    so that one-shot bufferization updates the sum in place while the
    slices stay unrelated tensors: a chain of tensor versions of one sum,
    one per parameter, made its analysis superlinear in their number
    (table2: 2.3 s to 21.6 s). Increments of one slice each read and write
    it at one point of the program, in program order.

    ```mlir
    %g = linalg.matmul ins(%a, %b : ...) outs(%zero : tensor<4x3xf32>)
    %flat = tensor.collapse_shape %g [[0, 1]] : tensor<4x3xf32> into tensor<12xf32>
    %all = tensor.concat dim(0) %flat, %bias : (tensor<12xf32>, tensor<3xf32>) -> tensor<15xf32>
    return %all : tensor<15xf32>
    // becomes, with %sum: memref<15xf32> the new last argument,
    %v = memref.subview %sum[0] [12] [1] : memref<15xf32> to memref<12xf32, strided<[1]>>
    %s = bufferization.to_tensor %v restrict writable : memref<12xf32, strided<[1]>> to tensor<12xf32>
    %init = tensor.expand_shape %s [[0, 1]] output_shape [4, 3] : tensor<12xf32> into tensor<4x3xf32>
    %g = linalg.matmul ins(%a, %b : ...) outs(%init : tensor<4x3xf32>)
    %flat = tensor.collapse_shape %g [[0, 1]] : tensor<4x3xf32> into tensor<12xf32>
    bufferization.materialize_in_destination %flat in writable %v : (tensor<12xf32>, memref<12xf32, strided<[1]>>) -> ()
    ...  // the bias added into %sum[12..15], then
    return
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AdeHoistUniformWork
    : Pass<"ade-hoist-uniform-work", "mlir::ModuleOp"> {
  let summary = "Moves a tile function's costly parameter-only work into a "
                "function run once per call";
  let description = [{
    A tile function computes its uniform values (those that depend on the
    parameters alone) once per tile, although every tile of a call gets
    the same: a flow's log-determinant of a weight matrix, by an LU per
    tile, and in its gradient the matrix's inverse. At d = 50 that made a
    Gaussian sampler's gradient 2.4 ms at batch 100 (7 tiles), and it grows
    with the batch. Here each tile function (`ade.tile`, on tensors) loses
    the results of its costly uniform ops (loops, and contractions of at
    least `min-iterations` iterations) that its other ops use to a new
    private function `<tile>.uniform`, which computes them from the
    parameters (scalars as 0-d tensors); the tile takes them as arguments
    after its parameters,
    and its `ade.tile` attribute counts them (`hoisted`) and names the
    function (`uniform`). ade-build-entries calls that function once per
    call and passes its results to every tile.

    ```mlir
    func.func @s.tile(%p: tensor<4xf32>, %x: tensor<2x16xf32>) -> tensor<16xf32>
        attributes {ade.tile = {owners = ["S"], ...}} {
      %d = scf.for ... iter_args(%a = %m) -> (tensor<2x2xf32>) { ... }  // %m from %p
      %r = linalg.generic ins(%x, %d ...) ...
    // becomes
    func.func @s.tile(%p: tensor<4xf32>, %d: tensor<2x2xf32>, %x: tensor<2x16xf32>) ...
        attributes {ade.tile = {hoisted = 1, owners = ["S"], uniform = @s.tile.uniform, ...}} {
      %r = linalg.generic ins(%x, %d ...) ...
    func.func private @s.tile.uniform(%p: tensor<4xf32>) -> tensor<2x2xf32> {
      %d = scf.for ...
    ```
  }];
  let options = [Option<"minIterations", "min-iterations", "int64_t",
                        /*default=*/"4096",
                        "Iterations of a contraction worth hoisting">];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tensor::TensorDialect"];
}

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

    which runs an `scf.forall` over the tiles of the batch: the B / T full
    ones (each, in a step function, transposes its particle-major slice of
    x into a feature-major tile buffer and calls the tile function) and,
    as one more iteration, the B mod T remaining particles, copied into a
    padded tile that the same step function runs (its transposes are
    compiled once). With parameter gradients, each of the threads' runs of
    tiles adds into a sum of its own, and the runs' sums are added in
    order. `%threads` is kept for ade-set-entry-threads.

    An entry with tile functions of several sizes (a large model's, from
    convert-ade-to-linalg's small-batch-tile-size; the smaller named by
    their size) runs the batch in one of them, chosen per call: a smaller
    tile where it leaves the busiest thread more than a ninth fewer
    particles, ceil(ceil(B / T) / threads) * T with the padding, than the
    next larger one (batch 64 on 2 threads: two tiles of 32 rather than
    one of 64), else the larger, which reads its weights once for more
    particles.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def AdeBuildGPUKernels : Pass<"ade-build-gpu-kernels", "mlir::ModuleOp"> {
  let summary = "Wraps one-particle tile functions into GPU kernels";
  let description = [{
    For every bufferized tile function of one particle (from
    `convert-ade-to-linalg{tile-size=1}` and bufferization with fully
    dynamic layouts) of an entry other than a VJP (those sum over
    particles), creates in `gpu.module @<module-name>` the kernel

    ```mlir
    gpu.func @ade_M_energy(%params: memref<NxE>, %x: memref<1099511627776xE>,
                           %f: memref<1099511627776xE>, %batch: i64) kernel
    ```

    with the tile function's body inlined: thread `gpu.global_id x` < batch
    computes its particle on views of its rows of the particle-major
    buffers, with private buffers as allocas. The module then holds only
    the GPU module (and its copies of the constants the kernels read):
    the CPU entries are built from a separate copy of the module.
    Buffers of one type with disjoint live ranges share an allocation; an
    entry whose buffers still exceed `max-private-bytes` per thread gets no
    kernel (a warning says so).
  }];
  let options = [
    Option<"moduleName", "module-name", "std::string",
           /*default=*/"\"ade_kernels\"", "Name of the gpu.module">,
    Option<"blockSize", "block-size", "unsigned", /*default=*/"128",
           "Threads per block (recorded as the kernels' known block size)">,
    Option<"maxPrivateBytes", "max-private-bytes", "unsigned",
           /*default=*/"65536",
           "Largest local memory per thread; entries needing more get no "
           "kernel (a warning) and run on the CPU">,
    ListOption<"exclude", "exclude", "std::string",
               "Kernels built in another form (one block per tile)">,
    Option<"afterBlocks", "after-blocks", "bool", /*default=*/"false",
           "Block kernels were tried first (said in the warnings)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def AdeBuildGPUTileKernels
    : Pass<"ade-build-gpu-tile-kernels", "mlir::ModuleOp"> {
  let summary = "Wraps tile functions into GPU kernels of one block per tile";
  let description = [{
    For every bufferized tile function of T > 1 particles (fully dynamic
    layouts), creates in `gpu.module @<module-name>` a kernel with the
    signature of `ade-build-gpu-kernels`, run with one thread block per
    tile: block b owns particles [b T, b T + T) of the batch. Its threads share the
    tile's buffers in dynamic shared memory: the tile function's
    intermediates, placed by their live ranges so that buffers that are
    never live together share bytes, and a staging buffer of [S..., T] per
    batched argument. The block copies the tile's rows of the batched
    arguments it reads into their staging buffers (zeros past the batch),
    runs the tile body on them, and copies the staging buffers it wrote
    back to the rows of particles inside the batch. The tile body's linalg
    ops are left for `ade-map-loops-to-threads` to spread over the threads.

    ```mlir
    gpu.func @ade_M_energy(%params: memref<NxE>, %x: memref<1099511627776xE>,
                           %f: memref<1099511627776xE>, %batch: i64) kernel
        attributes {ade.tile_size = 32 : i64, ade.shared_bytes = 49408 : i64}
    ```

    A VJP's kernel (with `vjps`) sums parameter gradients over the batch:
    it takes the gradient buffers and a scratch buffer after the batched
    ones, its blocks loop over the tiles (block b takes tiles b, b + grid,
    ...) and each tile adds its gradients into the block's sums in the
    scratch buffer (16 bytes of header, then `ade.scratch_bytes` per block,
    which also hold the buffers that do not fit in shared memory, largest
    first). Its tile function takes the sums, after its inputs and before
    its outputs, and adds into them (`ade-accumulate-gradients`).
    Thread 0 of each block counts it done with an atomic between fences;
    the last block adds every block's sums, in block order, into the
    gradient buffers and resets the count. Copies in pad the tile past the
    batch with zeros for cotangents and with the tile's first particle
    otherwise, as the CPU entries pad their last tile: the padding
    contributes nothing and stays finite.

    Kernels whose shared buffers exceed `max-shared-bytes` are not built,
    nor are those whose tile body allocates a buffer that a loop carries to
    its next iteration: no warning, their entries are listed in the GPU
    module's `ade.unbuilt` for another kernel form to build. With
    `name-suffix`, kernels are named `ade_<owner>_<entry><suffix>` (one
    kernel per tile size of an entry).
  }];
  let options = [
    Option<"moduleName", "module-name", "std::string",
           /*default=*/"\"ade_kernels\"", "Name of the gpu.module">,
    Option<"blockSize", "block-size", "unsigned", /*default=*/"128",
           "Threads per block">,
    Option<"maxSharedBytes", "max-shared-bytes", "unsigned",
           /*default=*/"232448",
           "Largest dynamic shared memory of a block (sm_90: 227 KiB)">,
    ListOption<"exclude", "exclude", "std::string",
               "Entries already built in another form (ade_<owner>_<entry>)">,
    Option<"nameSuffix", "name-suffix", "std::string", /*default=*/"",
           "Appended to the kernels' names (several tile sizes of an entry)">,
    Option<"withVJPs", "vjps", "bool", /*default=*/"true",
           "Build the VJPs' kernels too">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def AdeFuseElementwiseOps : Pass<"ade-fuse-elementwise-ops"> {
  let summary = "Fuses elementwise producers where it adds no work";
  let description = [{
    Like `linalg-fuse-elementwise-ops` (a producer with one use fused into
    its consumer), but a producer that computes (say `relu(h + b)`) is not
    fused into a consumer with reduction loops (the next layer's product),
    where it would be recomputed for every output row: the block kernels
    compute it once into shared memory. Producers that only move data
    (transposes, broadcasts) are fused everywhere: their copies would take
    shared memory.

    With `into-sums` (the CPU pipeline), a producer is also fused into a
    reduction that reads each of its values once (a sum over the tile of a
    product), and reshapes are folded by expansion as
    `linalg-fuse-elementwise-ops` does; a product whose operand was fused
    would recompute it per output row and lose its register blocks.
  }];
  let options = [
    Option<"intoSums", "into-sums", "bool", /*default=*/"false",
           "Also fuse into reductions that read each fused value once, and "
           "fold reshapes by expansion">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AdeNarrowMasks : Pass<"ade-narrow-masks"> {
  let summary = "Keeps values that are only compared later as i1 masks";
  let description = [{
    A ReLU network's tile keeps each pre-activation for the derivative,
    which only asks whether it is positive. Where a `linalg.generic` reads a
    value that another op reads too, and uses it only to compare it with
    one constant, the comparison is made once, next to the value's
    definition, into an i1 tensor that the generic reads instead: a kept
    i1 takes a quarter of a kept f32's memory (a GPU block's shared memory
    limits how many blocks share a multiprocessor). Runs after
    `ade-fuse-elementwise-ops`, which would fuse the comparison back.

    ```mlir
    %h = linalg.generic ... ins(%z) { max(%in, 0.0) }
    %d = linalg.generic ... ins(%z, %g) {
      %p = arith.cmpf ogt, %in, %cst : f32
      %s = arith.select %p, %g_in, %cst : f32 ... }
    // becomes
    %m = linalg.generic ... ins(%z) outs(%e : tensor<128x64xi1>) {
      %p = arith.cmpf ogt, %in, %cst : f32 ... }
    %h = linalg.generic ... ins(%z) { max(%in, 0.0) }
    %d = linalg.generic ... ins(%m, %g) {
      %s = arith.select %in, %g_in, %cst : f32 ... }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AdeCloneFills : Pass<"ade-clone-fills"> {
  let summary = "Gives every destination a fill of its own";
  let description = [{
    Runs just before one-shot bufferization. CSE leaves one fill of zeros
    per shape, the initial value of every product of that shape; one-shot
    bufferization then keeps that fill's buffer for the whole function and
    copies it into each product's accumulator (in a GPU block kernel, one
    more tile-sized buffer in shared memory, and a copy per product). Each
    use of a fill after the first gets a copy of the fill, placed before
    the op of the fill's block that holds the use, so that each product
    fills its accumulator in place.

    ```mlir
    %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<128x64xf32>) -> ...
    %a = linalg.matmul ins(%w, %x ...) outs(%z : tensor<128x64xf32>) -> ...
    %b = linalg.matmul ins(%v, %y ...) outs(%z : tensor<128x64xf32>) -> ...
    // becomes
    %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<128x64xf32>) -> ...
    %a = linalg.matmul ins(%w, %x ...) outs(%z : tensor<128x64xf32>) -> ...
    %z1 = linalg.fill ins(%c0 : f32) outs(%e : tensor<128x64xf32>) -> ...
    %b = linalg.matmul ins(%v, %y ...) outs(%z1 : tensor<128x64xf32>) -> ...
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def AdeEmulateGPUKernels : Pass<"ade-emulate-gpu-kernels", "mlir::ModuleOp"> {
  let summary = "Turns GPU kernels into host functions for the emulator";
  let description = [{
    Moves every kernel of every `gpu.module` (lowered to `cf`, with bare
    static memref arguments) and the module's globals into the host module,
    where the runtime's GPU emulator (`ADE_CUDA_EMULATOR=1`) runs them: the
    kernel becomes

    ```mlir
    func.func @ade_M_energy(%params: !llvm.ptr, %thread: !llvm.ptr)
    ```

    that reads its arguments as `cuLaunchKernel` passes them (`params[i]`
    points at argument i), its block and thread ids, the block and grid
    sizes and its block's shared memory from an `ade_emulated_thread`
    (runtime/include/ade/abi.h), and calls that struct's `barrier`, with
    the struct, for each `gpu.barrier`: the emulator runs a block's threads
    as fibers and switches to the others there. Shared memory becomes host
    memory. The emulator runs every kernel the GPU runs, so that CPU-only
    machines test the kernels' use of threads, barriers and shared memory.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def AdeExternDynamicSharedMemory
    : Pass<"ade-extern-dynamic-shared-memory", "mlir::gpu::GPUModuleOp"> {
  let summary = "Declares the kernels' dynamic shared memory external";
  let description = [{
    Runs after `convert-gpu-to-nvvm`, which defines the dynamic shared
    memory as an internal zero-sized global. LLVM's alias analysis takes a
    defined object for its size and so calls any two accesses to it through
    different addresses disjoint (LICM then kept a matrix in registers
    across a loop that swapped its rows in memory). Declared external, as
    CUDA declares `extern __shared__ char s[];`, its size is unknown:

    ```mlir
    llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    // becomes
    llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    ```

    and the PTX declares `.extern .shared .align 16 .b8 __dynamic_shmem__0[];`.
    Shared globals with a size or an initializer are left alone.
  }];
}

def AdeMapLoopsToThreads
    : Pass<"ade-map-loops-to-threads", "mlir::gpu::GPUModuleOp"> {
  let summary = "Spreads a block kernel's parallel loops over its threads";
  let description = [{
    In every kernel with an `ade.tile_size` (from
    `ade-build-gpu-tile-kernels`, after `convert-linalg-to-parallel-loops`),
    each outermost `scf.parallel` becomes a loop of the block's threads
    over its flattened iteration space (thread t runs iterations t,
    t + blockDim, ...; the last index varies fastest, so a warp reads
    consecutive particles), with a `gpu.barrier` before and after it.
    Writes outside parallel loops are done by thread 0 alone, between
    barriers. A kernel that writes memory outside parallel loops in an op
    with results (a sequential loop carrying values) is erased and its
    entry added to the GPU module's `ade.unbuilt`: another kernel form
    builds it. A reduction loop in a parallel loop's body keeps the element
    it accumulates in a register (loop-carried) instead of reloading and
    storing it at every step. A thread runs 4 consecutive iterations of the
    last dimension (and 4 of the one before in a product); values of 4
    consecutive elements of an aligned row (shared memory, or a kernel
    argument: the runtime passes 16-byte aligned buffers) load as one
    16-byte vector: the thread's particles, the rows of a transposed
    product's weights, and, with the fused reduction loop unrolled by 4, a
    product's weights along the reduction.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def AdeTileAndVectorize : Pass<"ade-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Register-tiles and vectorizes tile functions";
  let description = [{
    On tile functions (tensors, before bufferization), per
    design/codegen-recipe.md: each layer `act(W @ X + b)` - a linalg.matmul
    [m, T] and the elementwise generic that consumes it - is tiled into
    MR x NR blocks with the matmul and its zero fill fused into the block
    and the contraction tiled by 1 (each step an outer product of a column
    of W and a row of X). Where X [k, T] exceeds `panel-bytes`, the
    contraction first runs in chunks of rows of X that fit it (the largest
    divisor of k that does), each chunk one pass over the blocks, so that
    every block reads its rows of X from L1; the fill and the activation
    are then ops of their own. Every other linalg op is tiled to NR along the
    batch dimension and 1 elsewhere. Then all linalg ops are vectorized and
    loop-invariant subsets (the accumulators) hoisted out of loops, so an
    MR x NR block lives in registers across the contraction. A block
    narrower than `nr` (a tile of fewer particles; a parameter gradient,
    whose columns are a parameter dimension, blocked by `nr` where it
    divides it and by at most 16 otherwise) gets more rows: up to mr x nr
    values, counting at least 16 columns. A 2-D f32 transpose of whole
    16 x 16 blocks (a layer's input, for its weight gradient) is tiled into
    those blocks, which ade-lower-vectors shuffles in registers. A
    window step (a convolution's or pooling's: its input read at `y + i`)
    gets up to min(mr, 8) output channels per input read, and its window
    loops of up to 7 steps are unrolled,
    each once its accumulators are hoisted out, with its multiply-adds as
    FMAs: the accumulators stay in registers across the whole window and
    the input channels.
  }];
  let options = [
    Option<"mrPreferred", "mr", "int64_t", /*default=*/"4",
           "Rows of a register block of nr columns (a divisor of the layer "
           "width is used)">,
    Option<"nrPreferred", "nr", "int64_t", /*default=*/"16",
           "Particles of a register block (a divisor of the tile size)">,
    Option<"panelBytes", "panel-bytes", "int64_t", /*default=*/"16384",
           "Most bytes of a layer's input (its rows of the contraction, all "
           "the tile's particles) that one pass over the layer's blocks "
           "reads: longer contractions are split into chunks that stay in "
           "L1 (0: never split)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def AdeLowerVectors : Pass<"ade-lower-vectors"> {
  let summary = "Lowers vector contractions, transfers and shuffles";
  let description = [{
    After bufferization, in four separate greedy stages (one set with all
    of them does not terminate): 2-D vectors carried by loops, elementwise
    ops on them and reads broadcasting a bias along the batch split into
    rows; vector.contract to outer products (FMA of a broadcast scalar and
    a row), to one FMA along the batch when the reduction has extent 1, or
    to one reassociable vector.reduction when it sums into one element,
    transfer permutations and multi-reductions; transfers to 1-D
    loads/stores; transposes and shape casts to shuffles.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def AdeApproximateMath : Pass<"ade-approximate-math"> {
  let summary = "Replaces f32 exp, log and tanh by vector polynomials";
  let description = [{
    LLVM has no vector exp, log or tanh for the CPU: an `llvm.intr.tanh` on
    vector<16xf32> becomes 16 calls of tanhf. This pass rewrites the f32
    `math.exp`, `math.expm1`, `math.log`, `math.log1p`, `math.log2` and
    `math.tanh` (scalars and vectors) into MLIR's polynomial and rational
    approximations (Cephes and Eigen), which stay in vector registers and
    are accurate to a few units in the last place wherever the result is a
    normal float; results below FLT_MIN flush to 0 and log's subnormal
    arguments count as FLT_MIN. f64 keeps libm: the approximations are
    f32-only. sin and cos are left alone: their f32 range reduction loses
    accuracy for large arguments.

    ```mlir
    %y = math.tanh %x : vector<16xf32>
    // becomes a clamp, two polynomials in x^2 (math.fma) and a division
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def AdeMathToLibm : Pass<"ade-math-to-libm", "mlir::ModuleOp"> {
  let summary = "Calls libm for expm1 and log1p";
  let description = [{
    MLIR's LLVM lowering computes `math.expm1` as exp(x) - 1 and
    `math.log1p` as log(1 + x): near 0 both lose all precision (in f64,
    log1p(1e-10) came out 8e-8 off, softplus(-30) 1e-3 off). This pass
    turns the ones left after `ade-approximate-math` (f64) into calls of
    libm's expm1 and log1p, one per vector lane, and leaves every other op
    to the LLVM lowering.

    ```mlir
    %y = math.log1p %x : f64
    // becomes
    %y = call @log1p(%x) : (f64) -> f64
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::vector::VectorDialect"];
}

def AdeLowerMemRefCopies : Pass<"ade-lower-memref-copies"> {
  let summary = "Rewrites memref.copy as linalg.copy";
  let description = [{
    Bufferization copies strided views with memref.copy, whose LLVM
    lowering calls `memrefCopy` from MLIR's runtime support library; a
    model.so must not depend on it. linalg.copy lowers to plain loops.

    ```mlir
    memref.copy %a, %b : memref<2xf32, strided<[1], offset: ?>> to memref<2xf32>
    // becomes
    linalg.copy ins(%a : ...) outs(%b : memref<2xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def AdeVectorizeBufferLoops
    : Pass<"ade-vectorize-buffer-loops", "mlir::func::FuncOp"> {
  let summary = "Vectorizes the copies, fills and elementwise ops on buffers";
  let description = [{
    The linalg ops left on buffers after bufferization and
    `ade-build-entries` (copies of results into a kernel's flat gradient,
    fills, parameter gradients added up across tiles, broadcasts) would
    lower to scalar loops. Each copy, fill or elementwise op whose
    innermost loop has a static length and runs along contiguous memory is
    split into
    whole rows of one vector register (16 f32 or 8 f64) and a remainder,
    tiled to one row per step and vectorized. LLVM's loop vectorizer, which
    did this before, took two fifths of LLVM's optimization time (moons:
    0.13 of 0.29 s on one core). A 2-D f32 transpose of whole 16 x 16
    blocks (a tile's particles to feature-major and back) is tiled into
    those blocks, each read whole and transposed.

    ```mlir
    linalg.copy ins(%a : memref<40xf32>) outs(%b : memref<40xf32>)
    // becomes, with %ai and %bi the rows' subviews of %a and %b at %i
    scf.for %i = %c0 to %c32 step %c16 {
      %v = vector.transfer_read %ai[%c0], ... : memref<16xf32, ...>, vector<16xf32>
      vector.transfer_write %v, %bi[%c0] : vector<16xf32>, memref<16xf32, ...>
    }
    // and one row of 8 at 32
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def AdeCountFlops : Pass<"ade-count-flops", "mlir::ModuleOp"> {
  let summary = "Records the floating-point operations per particle of each "
                "tile function";
  let description = [{
    Counts the floating-point operations of each tile function (`ade.tile`,
    linalg on tensors), following its calls, and adds the count per
    particle (the tile's count divided by its size, rounded) to its
    `ade.tile` attribute as `flops`: what the model.so's metadata reports,
    so that speed can be given as a fraction of the machine's peak. An add,
    subtract, multiply, divide, remainder, minimum, maximum, comparison or
    elementary function (exp, tanh, sqrt, ...) counts one, a fused
    multiply-add two, negation, absolute value and copysign none. A linalg
    op counts its
    body's operations times its iterations; a loop, its iterations (trip
    counts evaluated from constants and enclosing induction variables); an
    `scf.if`, its costlier branch. Work hoisted into the `uniform` function
    (once per call) is not the tile's. A tile the pass cannot count (a
    dynamic shape or trip count) gets no `flops`.

    ```mlir
    func.func @m.energy.tile(%w: tensor<8x4xf32>, %x: tensor<4x16xf32>) -> tensor<8x16xf32>
        attributes {ade.tile = {size = 16 : i64, ...}} {
      %0 = linalg.matmul ins(%w, %x : ...) outs(...) -> tensor<8x16xf32>
    // gets
        attributes {ade.tile = {flops = 64 : i64, size = 16 : i64, ...}}
    ```
  }];
}

def AdeNameConstantGlobals
    : Pass<"ade-name-constant-globals", "mlir::ModuleOp"> {
  let summary = "Orders and names bufferization's constant globals by value";
  let description = [{
    One-shot bufferization names the `memref.global` of each tensor
    constant `__constant_<shape>` plus a counter, in an order that changes
    from run to run. This pass sorts those globals by type and value and
    renames them `__constant_<k>` in that order (uses follow), so that a
    compile's output depends on its input alone.

    ```mlir
    memref.global "private" constant @__constant_2xf32_0 : memref<2xf32> = dense<[1.0, 0.0]>
    memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<[0.0, 1.0]>
    // becomes
    memref.global "private" constant @__constant_0 : memref<2xf32> = dense<[0.0, 1.0]>
    memref.global "private" constant @__constant_1 : memref<2xf32> = dense<[1.0, 0.0]>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def AdeSplitEmptyTensors
    : Pass<"ade-split-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "Shares each tensor.empty among a few uses only";
  let description = [{
    Runs just before one-shot bufferization. CSE leaves one `tensor.empty`
    per shape in a function, the destination of every op of that shape: in
    a sampler of 100 unrolled steps, one had 905 uses. One-shot analysis
    puts all of them in one alias set and checks each in-place write
    against every other use, which made bufferization quadratic in the
    number of steps (2.9 s of a 7.6 s compile at 100 steps; 0.4 s after
    this pass). In program order, every `uses-per-tensor` consecutive uses
    get a `tensor.empty` of their own, placed before the first of them:
    writes within a group still reuse one buffer where their values do not
    overlap (one per use would be 17% more buffers at 100 steps; groups of
    16, 1.5%).

    ```mlir
    // uses-per-tensor=1
    %e = tensor.empty() : tensor<16xf32>
    %a = linalg.fill ins(%x : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
    %b = linalg.fill ins(%y : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
    // becomes
    %e = tensor.empty() : tensor<16xf32>
    %a = linalg.fill ins(%x : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
    %e1 = tensor.empty() : tensor<16xf32>
    %b = linalg.fill ins(%y : f32) outs(%e1 : tensor<16xf32>) -> tensor<16xf32>
    ```
  }];
  let options = [Option<"usesPerTensor", "uses-per-tensor", "unsigned", "16",
                        "Consecutive uses that share one tensor.empty">];
}

def AdeStackBuffers : Pass<"ade-stack-buffers", "mlir::func::FuncOp"> {
  let summary = "Promotes small buffers to the stack within a per-function "
                "budget";
  let description = [{
    Runs upstream promote-buffers-to-stack on the function, promoting each
    static `memref.alloc` of at most `max-alloc-size` bytes, in program
    order, while the promoted bytes stay within `budget`: tile functions
    run on OpenMP worker threads (4 MiB stacks by default), and a third-
    order kernel has hundreds of tile-sized intermediates. The others stay
    heap buffers for ade-thread-workspaces.

    ```mlir
    // budget=1024: the first fits, the second would exceed the budget.
    %a = memref.alloc() : memref<128xf32>   // becomes memref.alloca
    %b = memref.alloc() : memref<200xf32>   // stays memref.alloc
    ```
  }];
  let options = [
    Option<"maxAllocSize", "max-alloc-size", "unsigned", /*default=*/"262144",
           "Largest buffer promoted, in bytes">,
    Option<"budget", "budget", "unsigned", /*default=*/"1048576",
           "Bytes of stack the promoted buffers of one function may take">
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def AdeDeallocateBuffers
    : Pass<"ade-deallocate-buffers", "mlir::func::FuncOp"> {
  let summary = "Buffer deallocation for the functions that still allocate";
  let description = [{
    Runs the per-function part of upstream's buffer-deallocation-pipeline
    (expand-realloc without deallocations, ownership-based-buffer-
    deallocation, buffer-deallocation-simplification, with
    canonicalizations between) on a function only when it has a
    `memref.alloc` left: after ade-stack-buffers most functions have none
    (moons: 8 of 72), and the pipeline then only spends compile time.
    bufferization-lower-deallocations follows at module level.

    ```mlir
    // Left alone: nothing is allocated on the heap.
    func.func private @f.tile(%x: memref<2x16xf32>, %y: memref<16xf32>) {
      %t = memref.alloca() : memref<128x16xf32>
      ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def AdeThreadWorkspaces : Pass<"ade-thread-workspaces", "mlir::ModuleOp"> {
  let summary = "Takes heap buffers from per-thread workspaces cached "
                "across calls";
  let description = [{
    After buffer deallocation, every `memref.alloc` outside loops (those
    too large for promote-buffers-to-stack, and dynamic ones such as the
    per-thread partial gradients of an entry) becomes a `memref.view` into
    a workspace, and its `memref.dealloc` disappears: entries allocate
    nothing per call. A workspace comes from `llvm.call
    @ade.thread_workspace(slot, bytes)`, which returns a buffer cached in
    the thread-local `slot` (grown when too small, freed when the thread
    exits); adec's LLVM IR stage defines it. Static buffers of a function
    share one workspace taken at its start; each dynamic buffer has its
    own, taken where it is allocated. Slots are per call depth (0 for
    functions calling nothing), so a caller and its callees never share
    one.

    ```mlir
    %a = memref.alloc() {alignment = 64 : i64} : memref<16x26x26x32xf32>
    ...
    memref.dealloc %a : memref<16x26x26x32xf32>
    // becomes
    %ws = ... llvm.call @ade.thread_workspace(%slot, %bytes) ...
    %a = memref.view %ws[%c0][] : memref<1384448xi8> to memref<16x26x26x32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect"];
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
