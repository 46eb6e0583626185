//===- Library.h - Compiling and loading model libraries in tests -*- C++ -*-===//

#ifndef ADE_TEST_RUNTIME_LIBRARY_H
#define ADE_TEST_RUNTIME_LIBRARY_H

#include "ade/abi.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ade_test {

/// A loaded model library.
struct Library {
  void *handle = nullptr;
  const ade_library_info *info = nullptr;
  ~Library() {
    if (handle)
      dlclose(handle);
  }
  const ade_model_info *model(const std::string &name) const {
    for (int32_t i = 0; i < info->num_models; ++i)
      if (name == info->models[i].name)
        return &info->models[i];
    return nullptr;
  }
  const ade_sampler_info *sampler(const std::string &name) const {
    for (int32_t i = 0; i < info->num_samplers; ++i)
      if (name == info->samplers[i].name)
        return &info->samplers[i];
    return nullptr;
  }
};

/// A directory for the compiled libraries, removed at exit: load() unlinks
/// each library once it is mapped, so the directory is empty by then.
inline std::string tempDir() {
  // A plain array: the exit handler runs after static strings are gone.
  static char pattern[] = "/tmp/ade-model-test-XXXXXX";
  static const char *dir = [] {
    if (!mkdtemp(pattern))
      return "/tmp";
    std::atexit([] { rmdir(pattern); });
    return static_cast<const char *>(pattern);
  }();
  return dir;
}

/// Compiles <source dir>/<source>.ade (once per precision and tile size)
/// and loads it.
inline std::shared_ptr<Library> load(const std::string &source,
                              const std::string &precision, int tile = 32) {
  static std::map<std::string, std::shared_ptr<Library>> cache;
  std::string stem = source.substr(source.rfind('/') + 1);
  std::string key = stem + "." + precision + "." + std::to_string(tile);
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  std::string so = tempDir() + "/" + key + ".so";
  std::string command = std::string(ADE_ADEC) + " " + ADE_SOURCE_DIR + "/" +
                        source + ".ade --precision=" +
                        precision + " --tile-size=" + std::to_string(tile) +
                        " -o " + so;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  auto lib = std::make_shared<Library>();
  lib->handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(lib->handle, nullptr) << dlerror();
  std::remove(so.c_str());
  if (!lib->handle)
    return nullptr;
  auto version = reinterpret_cast<uint32_t (*)()>(
      dlsym(lib->handle, "ade_abi_version"));
  auto library = reinterpret_cast<const ade_library_info *(*)()>(
      dlsym(lib->handle, "ade_library"));
  EXPECT_NE(version, nullptr);
  EXPECT_NE(library, nullptr);
  EXPECT_EQ(version(), ADE_ABI_VERSION);
  lib->info = library();
  cache[key] = lib;
  return lib;
}

/// A typed copy of `v` for the library (f32 or f64).
struct Typed {
  std::vector<float> f32;
  std::vector<double> f64;
  bool isF64;
  Typed(const std::vector<double> &v, bool isF64)
      : f32(v.begin(), v.end()), f64(v), isF64(isF64) {}
  explicit Typed(size_t n, bool isF64) : f32(n), f64(n), isF64(isF64) {}
  void *data() {
    return isF64 ? static_cast<void *>(f64.data())
                 : static_cast<void *>(f32.data());
  }
  std::vector<double> values() const {
    return isF64 ? f64 : std::vector<double>(f32.begin(), f32.end());
  }
};

/// max |got - want| / max(max |want|, floor).
inline double relativeError(const std::vector<double> &got,
                     const std::vector<double> &want, double floor = 1e-8) {
  double worst = 0, scale = floor;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::fabs(got[i] - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return worst / scale;
}

inline std::vector<double> toVector(const torch::Tensor &t) {
  torch::Tensor c = t.contiguous().to(torch::kFloat64);
  return std::vector<double>(c.data_ptr<double>(),
                             c.data_ptr<double>() + c.numel());
}

} // namespace ade_test

#endif // ADE_TEST_RUNTIME_LIBRARY_H
