//===- BenchUtil.h - Shared helpers of the benchmarks -----------*- C++ -*-===//

#ifndef ADE_BENCH_BENCHUTIL_H
#define ADE_BENCH_BENCHUTIL_H

#include "ade/abi.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ade_bench {

/// "100,1000" -> {100, 1000}.
inline std::vector<int64_t> parseList(const std::string &s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    out.push_back(std::stoll(item));
  return out;
}

/// The median wall time of `repeats` calls of f, after a pause and warm-up
/// calls. The pause lets the other side's OpenMP workers go to sleep: ours
/// (LLVM's libomp) spin 200 ms after a parallel region (KMP_BLOCKTIME) and
/// LibTorch's (libgomp) spin too, which on 2 cores slows whichever side
/// runs next.
template <typename F> double medianSeconds(int repeats, F &&f) {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i)
    f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/// A model library compiled in f32 (its first model), loaded from `path`;
/// exits 66 when it cannot be loaded and 65 when it is another library.
inline const ade_library_info &loadLibrary(const char *path) {
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    std::exit(66);
  }
  auto library = reinterpret_cast<const ade_library_info *(*)()>(
      dlsym(handle, "ade_library"));
  const ade_library_info *lib = library ? library() : nullptr;
  if (!lib || lib->num_models < 1 || lib->models[0].dtype != ADE_F32) {
    std::fprintf(stderr, "%s is not a model library in f32\n", path);
    std::exit(65);
  }
  return *lib;
}

/// The library's sampler called `name`, or null.
inline const ade_sampler_info *findSampler(const ade_library_info &lib,
                                           const std::string &name) {
  for (int32_t i = 0; i < lib.num_samplers; ++i)
    if (name == lib.samplers[i].name)
      return &lib.samplers[i];
  return nullptr;
}

/// examples/moons.ade compiled in f32 (the entries benchmark's workload),
/// as loadLibrary.
inline const ade_library_info &loadMoons(const char *path) {
  const ade_library_info &lib = loadLibrary(path);
  if (!findSampler(lib, "Langevin5")) {
    std::fprintf(stderr, "%s is not examples/moons.ade compiled in f32\n",
                 path);
    std::exit(65);
  }
  return lib;
}

} // namespace ade_bench

#endif // ADE_BENCH_BENCHUTIL_H
