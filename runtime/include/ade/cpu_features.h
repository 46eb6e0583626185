/*===- cpu_features.h - Instruction-set extensions a library records -----===*\
|*                                                                            *|
|* The x86 extensions that adec records in a library's cpu_features (those   *|
|* of its target CPU among these) and that loaders check before running it: *|
|* code generated for one of them dies of an illegal instruction on a CPU   *|
|* without it. The names are LLVM's target features and the compilers'      *|
|* __builtin_cpu_supports names alike. Shared by adec and the runtime: the  *|
|* list changes only with ADE_ABI_VERSION.                                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ADE_CPU_FEATURES_H
#define ADE_CPU_FEATURES_H

/* X(name) for each checked extension, oldest first: those LLVM may use in
   a library's code (scalar bit manipulation, SSE4.2, AVX, AVX2, FMA,
   AVX-512's vector instructions). Integer dot products, half and bfloat16
   arithmetic and AMX never appear in its float kernels, so libraries do not
   require them. AVX10.2, which libgcc's __builtin_cpu_supports (Debian 12)
   cannot test, adec does not use. */
#define ADE_X86_CPU_FEATURES(X)                                                \
  X("popcnt")                                                                  \
  X("sse4.2")                                                                  \
  X("avx")                                                                     \
  X("avx2")                                                                    \
  X("fma")                                                                     \
  X("f16c")                                                                    \
  X("bmi")                                                                     \
  X("bmi2")                                                                    \
  X("lzcnt")                                                                   \
  X("movbe")                                                                   \
  X("avx512f")                                                                 \
  X("avx512cd")                                                                \
  X("avx512bw")                                                                \
  X("avx512dq")                                                                \
  X("avx512vl")                                                                \
  X("avx512vbmi")                                                              \
  X("avx512vbmi2")

#endif /* ADE_CPU_FEATURES_H */
