/*===- abi.h - The C ABI of a compiled ADE model (model.so) --------------===*\
|*                                                                          *|
|* `adec model.ade -o model.so` produces a shared library that exports two *|
|* functions, ade_abi_version() and ade_library(); everything else is      *|
|* reached through the metadata ade_library() returns. Loaders dlopen the  *|
|* library, compare ade_abi_version() with ADE_ABI_VERSION, then read the  *|
|* models and samplers.                                                    *|
|*                                                                          *|
|* Conventions:                                                             *|
|*  - Every buffer is a dense row-major array of the model's element type  *|
|*    (`dtype`: float or double).                                           *|
|*  - Parameters of a model (or sampler) are packed in ONE flat buffer of  *|
|*    `params_size` elements; parameter i occupies                          *|
|*    [params[i].offset, params[i].offset + params[i].size), row-major in  *|
|*    its shape. The library never initializes parameters: `init` tells    *|
|*    the caller how (the runtime draws them with its own seeded RNG).     *|
|*  - Batched entries take the batch size explicitly; data are             *|
|*    (batch, data_shape...) row-major, one particle per row.              *|
|*  - Entries are pure and reentrant: no global state, the same inputs     *|
|*    give bit-identical outputs for any batch split and thread count      *|
|*    (each particle is computed independently, in the same order).        *|
|*  - `threads` <= 0 uses the OpenMP default; > 0 uses that many threads   *|
|*    for this call only.                                                   *|
|*  - Entries return ADE_OK or an ade_status error code; on error nothing  *|
|*    is written.                                                           *|
|*  - Gradient buffers must not overlap the parameters or the inputs:     *|
|*    the gradients are summed in place while those are read.              *|
\*===----------------------------------------------------------------------===*/
#ifndef ADE_ABI_H
#define ADE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct below or an entry signature changes. */
#define ADE_ABI_VERSION 15u

typedef enum ade_dtype { ADE_F32 = 1, ADE_F64 = 2 } ade_dtype;

typedef enum ade_status {
  ADE_OK = 0,
  ADE_ERROR_NULL_POINTER = 1, /* a required buffer is NULL */
  ADE_ERROR_BAD_BATCH = 2,    /* batch <= 0 */
} ade_status;

typedef enum ade_init_kind {
  ADE_INIT_CONSTANT = 0,       /* every element = init_a */
  ADE_INIT_NORMAL = 1,         /* N(init_a, init_b^2) */
  ADE_INIT_UNIFORM = 2,        /* U[init_a, init_b) */
  ADE_INIT_GLOROT_UNIFORM = 3, /* gain init_a, fans fan_in / fan_out */
  ADE_INIT_GLOROT_NORMAL = 4,  /* gain init_a, fans fan_in / fan_out */
  ADE_INIT_ORTHOGONAL = 5,     /* gain init_a, a matrix */
} ade_init_kind;

typedef struct ade_param_info {
  const char *name; /* dotted path from the model/sampler: "net.layer.0.W" */
  int32_t rank;
  const int64_t *shape;
  int64_t offset; /* in elements, in the owner's flat buffer */
  int64_t size;   /* elements */
  int32_t init;   /* ade_init_kind */
  double init_a, init_b;
  int64_t fan_in, fan_out;
  const char *init_text; /* e.g. "glorot_uniform(gain=1, fan_in=2, fan_out=128)" */
  const char *doc;       /* the parameter's doc comment, or "" */
} ade_param_info;

/* f[b] = f(params, x[b]) for 0 <= b < batch: the log-density up to a
   constant (without the base measure). */
typedef int32_t (*ade_energy_fn)(const void *params, const void *x, void *f,
                                 int64_t batch, int32_t threads);

/* f[b] as above and grad_x[b] = the gradient of f in x at x[b] (grad_x has
   the layout of x). */
typedef int32_t (*ade_grad_energy_fn)(const void *params, const void *x,
                                      void *f, void *grad_x, int64_t batch,
                                      int32_t threads);

/* grad_params = sum_b w[b] * (gradient of f(params, x[b]) in params), laid
   out like params (overwritten, not accumulated). With w = 1/B this is the
   data term of the maximum-likelihood gradient. The sum is taken per
   thread, then across threads in a fixed order: results are deterministic
   for a given thread count, and may differ in rounding between thread
   counts or batch sizes. */
typedef int32_t (*ade_energy_vjp_fn)(const void *params, const void *x,
                                     const void *w, void *grad_params,
                                     int64_t batch, int32_t threads);

/* loss[b] = tr(d^2 f/dx^2) + 1/2 |grad_x f|^2 at x[b], the per-particle
   loss of score matching (Hyvarinen): its batch mean is, up to a constant,
   the Fisher divergence from the data. Exact when score_matching_probe is 0
   (probe is ignored and may be NULL); otherwise the trace is the
   Hutchinson estimate e^T (d^2 f/dx^2) e with e = probe[b] (layout of x;
   unbiased for probes with E[e e^T] = I, e.g. standard normal). */
typedef int32_t (*ade_score_matching_fn)(const void *params, const void *x,
                                         const void *probe, void *loss,
                                         int64_t batch, int32_t threads);

/* grad_params = sum_b w[b] * (gradient of loss[b] in params): third order
   in f. Summed like energy_vjp. */
typedef int32_t (*ade_score_matching_vjp_fn)(const void *params,
                                             const void *x, const void *probe,
                                             const void *w, void *grad_params,
                                             int64_t batch, int32_t threads);

/* Floating-point operations per particle of each entry, as the compiler
   counted them on its kernels (ade-count-flops): an add, multiply, divide,
   minimum, maximum, comparison or elementary function (exp, tanh, ...)
   is one, a fused multiply-add two. Work on the parameters alone, done
   once per call, is left out; -1: not counted. Divided into the time of a
   call, they give its achieved FLOP rate. */
typedef struct ade_model_flops {
  int64_t energy, grad_energy, energy_vjp, score_matching, score_matching_vjp;
} ade_model_flops;

typedef struct ade_model_info {
  const char *name;
  const char *doc;
  int32_t dtype; /* ade_dtype */
  int32_t data_rank;
  const int64_t *data_shape;
  int64_t data_size; /* elements per particle */
  int32_t num_params;
  const ade_param_info *params;
  int64_t params_size; /* elements of the flat parameter buffer */
  int32_t tile_size;   /* particles per tile of the compiled kernels (the
                          largest, for models whose entries also have
                          smaller tiles for small batches) */
  ade_energy_fn energy;
  ade_grad_energy_fn grad_energy;
  ade_energy_vjp_fn energy_vjp;
  int32_t score_matching_probe; /* score matching takes a probe (above the
                                   compiler's --dense-limit dimensions) */
  ade_score_matching_fn score_matching;
  ade_score_matching_vjp_fn score_matching_vjp;
  ade_model_flops flops;
} ade_model_info;

typedef enum ade_noise_kind {
  ADE_NOISE_NORMAL = 0,  /* standard normal noise */
  ADE_NOISE_UNIFORM = 1, /* uniform noise on [0, 1) */
} ade_noise_kind;

/* One random draw `name ~ ...` of a sampler: where its noise sits in a
   particle's noise vector. */
typedef struct ade_draw_info {
  const char *name;
  int64_t offset; /* elements into the particle's noise vector */
  int64_t size;
  int32_t noise;  /* ade_noise_kind */
} ade_draw_info;

/* Draws a batch from the sampler, given its noise (batch * noise_size
   values: standard normal or uniform per ade_draw_info, row by row):
   x[b] (data layout), v[b] (the final momentum, layout of x; only when
   returns_momentum, else ignored and may be NULL), log_q[b] = log q of x[b]
   together with the momenta the sampler drew and dropped (conditional on
   x0 when takes_initial_state; x0 is ignored otherwise), kinetic[b] = the
   sum of 1/2 |v|^2 over those dropped momenta, stats[b * num_stats + i] =
   the particle's statistic stat_names[i] (the mean of its `report`s in
   the sampler; only when num_stats > 0, else ignored and may be NULL). */
typedef int32_t (*ade_sample_fn)(const void *model_params,
                                 const void *sampler_params, const void *noise,
                                 const void *x0, void *x, void *v, void *log_q,
                                 void *kinetic, void *stats, int64_t batch,
                                 int32_t threads);

/* The gradients, in the model's and the sampler's parameters, of
   sum_b grad_x[b] . x[b] + grad_v[b] . v[b] + grad_log_q[b] log_q[b] +
   grad_kinetic[b] kinetic[b] + grad_f[b] f(x[b]) for the sample drawn from
   the same noise (reverse mode through the whole sampler: second order in
   f, since the dynamics use its gradient). f(x) is the model's log-density
   at the sample, computed inside: the ADE objective's gradient is one call
   (grad_f = 1/B, grad_log_q = -1/B, grad_x = 0, ...). It also writes what
   sample writes for the same noise (x, v, log_q, kinetic, stats, with
   sample's rules for v and stats) and f[b] = f(x[b]): the value with its
   gradient, as a training step needs both. Gradient buffers are
   overwritten; one of a side without parameters may be NULL. Summed like
   energy_vjp. */
typedef int32_t (*ade_sample_vjp_fn)(
    const void *model_params, const void *sampler_params, const void *noise,
    const void *x0, const void *grad_x, const void *grad_v,
    const void *grad_log_q, const void *grad_kinetic, const void *grad_f,
    void *x, void *v, void *log_q, void *kinetic, void *stats, void *f,
    void *grad_model_params, void *grad_sampler_params, int64_t batch,
    int32_t threads);

/* sample_vjp's grad_sampler_params alone: the same sum, differentiated in
   the sampler's parameters only, without the sample's values. About half
   the work of sample_vjp (the model's parameter gradients are left out of
   the reverse pass): what a sampler's own training steps need. */
typedef int32_t (*ade_sampler_vjp_fn)(
    const void *model_params, const void *sampler_params, const void *noise,
    const void *x0, const void *grad_x, const void *grad_v,
    const void *grad_log_q, const void *grad_kinetic, const void *grad_f,
    void *grad_sampler_params, int64_t batch, int32_t threads);

/* Floating-point operations per particle of each sampler entry, counted
   as ade_model_flops' (the model's gradients inside included). */
typedef struct ade_sampler_flops {
  int64_t sample, sample_vjp, sampler_vjp;
} ade_sampler_flops;

typedef struct ade_sampler_info {
  const char *name;
  const char *doc;
  int32_t model; /* index into ade_library_info.models */
  int32_t dtype;
  int32_t num_params;
  const ade_param_info *params;
  int64_t params_size;
  int32_t takes_initial_state; /* sample(x0) rather than sample() */
  int32_t returns_momentum;    /* sample returns (x, v) */
  int64_t noise_size;          /* noise values per particle */
  int32_t num_draws;
  const ade_draw_info *draws;
  /* The statistics the sampler reports (`report name = value`), e.g. a
     Metropolis test's acceptance: one value per particle each. */
  int32_t num_stats;
  const char *const *stat_names;
  ade_sample_fn sample;
  ade_sample_vjp_fn sample_vjp;
  ade_sampler_vjp_fn sampler_vjp;
  ade_sampler_flops flops;
} ade_sampler_info;

/* A GPU kernel of an entry (`adec --target all`): one thread block per
   `particles_per_block` particles. Launch it (cuLaunchKernel) with grid
   ceil(batch / particles_per_block) x 1 x 1, block block_size x 1 x 1,
   `shared_bytes` of dynamic shared memory (above 48 KiB, after raising the
   function's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), and the
   arguments: the device pointers of the entry's buffers in the order of
   its CPU signature, leaving out those this library's entry ignores (probe
   when score_matching_probe is 0, x0 unless takes_initial_state, v unless
   returns_momentum): `num_buffers` pointers, each at a multiple of 16
   bytes (the kernels read weights as 16-byte vectors; cuMemAlloc's buffers
   are, a view into one may not be), then the batch as int64.
   shared_bytes == 0: one thread per particle (particles_per_block ==
   block_size); otherwise the block's threads share a tile of particles. An
   entry may have several kernels, one per tile size (`adec --cuda-tile-size
   64,16`): any of them computes the entry; ade::cuda::Kernels::pick keeps
   the fastest, timed at first use.
   The owner "ade.runtime" has the training runtime's own kernels ("adam",
   "ema", "noise": parameters, optimizer state and noise kept on the GPU;
   see compiler/lib/Target/RuntimeKernels.cpp for their arguments).
   `emulated` (`adec --cuda-emulator`, else NULL) is the kernel compiled for
   the host, run by the runtime's GPU emulator (ADE_CUDA_EMULATOR=1) once per
   thread of the grid, each thread a fiber: `params` as cuLaunchKernel's
   kernelParams, `thread` its ids and its block's shared memory. */
typedef struct ade_emulated_thread {
  /* Called at each barrier of the kernel: returns when every thread of the
     block has reached it. */
  void (*barrier)(struct ade_emulated_thread *thread);
  int64_t block_id, thread_id, block_dim, grid_dim;
  void *shared; /* the block's dynamic shared memory */
} ade_emulated_thread;
typedef void (*ade_emulated_kernel_fn)(void **params,
                                       ade_emulated_thread *thread);

typedef struct ade_cuda_kernel {
  const char *entry; /* "energy", ..., "sample", "sample_vjp", ... */
  const char *owner; /* the model's or the sampler's name */
  const char *name;  /* the kernel's name in the PTX */
  int32_t num_buffers;
  int32_t block_size;
  int32_t particles_per_block;
  int32_t shared_bytes;
  /* VJPs (parameter gradients summed over the batch): > 0, and the kernel
     takes a scratch buffer after its buffers. Its blocks loop over the
     tiles (launch at most ceil(batch / particles_per_block) blocks, any
     number), and need 16 + blocks * scratch_bytes_per_block bytes of
     scratch, whose first 4 bytes are 0 before the first launch (each launch
     leaves them 0). The gradient buffers are overwritten, as on the CPU. */
  int64_t scratch_bytes_per_block;
  ade_emulated_kernel_fn emulated;
} ade_cuda_kernel;

/* The GPU code of the library: PTX (ISA 8.0: a CUDA 12 driver or newer)
   for `arch`, loaded with cuModuleLoadData; the driver compiles it for the
   device at hand, which needs a compute capability of at least `arch`'s. */
typedef struct ade_cuda_info {
  const char *arch; /* "sm_90" */
  const char *ptx;  /* NUL-terminated */
  int32_t num_kernels;
  const ade_cuda_kernel *kernels;
  /* The PTX compiled for `arch` by ptxas when adec found it (NULL
     otherwise): loaded as is on a GPU of that compute capability, instead
     of the driver compiling the PTX at every first load. */
  const void *cubin;
  int64_t cubin_size;
} ade_cuda_info;

typedef struct ade_library_info {
  uint32_t abi_version;
  const char *compiler; /* "adec 0.1.0" */
  const char *source;   /* the .ade file it was compiled from */
  int32_t num_models;
  const ade_model_info *models;
  int32_t num_samplers;
  const ade_sampler_info *samplers;
  const ade_cuda_info *cuda; /* NULL unless compiled with --target all */
  /* The CPU the code was generated for (LLVM's name, e.g. "znver4"), and
     the instruction-set extensions of ade/cpu_features.h it has, which the
     code may use: comma-separated, e.g. "popcnt,sse4.2,avx,avx2,fma" (""
     off x86). A CPU without one of them dies of an illegal instruction in
     the entries: loaders check first (the runtime's ModelLibrary does). */
  const char *target_cpu;
  const char *cpu_features;
} ade_library_info;

/* The two exported functions. */
uint32_t ade_abi_version(void);
const ade_library_info *ade_library(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ADE_ABI_H */
