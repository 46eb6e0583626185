//===- ModelLibrary.h - A loaded model.so and typed calls into it -*- C++
//-*-===//
//
// The runtime keeps every parameter, data point and noise value in double
// and converts at the boundary when the library was compiled in f32: the
// conversions are linear in the buffers and negligible next to the
// entries, and the trainer's arithmetic (Adam, metrics) stays in f64.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_MODELLIBRARY_H
#define ADE_RUNTIME_MODELLIBRARY_H

#include "ade/abi.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ade {

class Rng;

/// A model.so opened with dlopen and checked against ADE_ABI_VERSION.
class ModelLibrary {
public:
  /// Whether to refuse a library whose code needs an instruction-set
  /// extension this CPU lacks (its entries would stop at an illegal
  /// instruction): describing one runs none of its code.
  enum class CpuCheck { Refuse, Allow };

  /// Throws ade::Error when the file is missing, is not a shared library,
  /// is not an ADE model library, has another ABI version or (unless
  /// allowed) is compiled for extensions this CPU lacks.
  explicit ModelLibrary(const std::string &path,
                        CpuCheck cpuCheck = CpuCheck::Refuse);
  ~ModelLibrary();
  ModelLibrary(const ModelLibrary &) = delete;
  ModelLibrary &operator=(const ModelLibrary &) = delete;

  const std::string &path() const { return libraryPath; }
  const ade_library_info &info() const { return *library; }
  /// The extensions of the library's cpu_features this CPU lacks.
  std::vector<std::string> missingCpuFeatures() const;

  /// The model called `name`; with an empty name, the only model (an error
  /// when there are several). Errors list the names there are.
  const ade_model_info &model(const std::string &name) const;
  /// The sampler called `name` for `model`; with an empty name, the first
  /// sampler of the model. Throws when there is none.
  const ade_sampler_info &sampler(const std::string &name,
                                  const ade_model_info &model) const;

private:
  /// What is wrong with the metadata, or "" (checked once, on load, so the
  /// runtime can trust offsets and sizes).
  std::string metadataProblem() const;

  std::string libraryPath;
  void *handle = nullptr;
  const ade_library_info *library = nullptr;
};

/// Fresh parameters drawn as the metadata's initializers say.
std::vector<double> initialParameters(const ade_param_info *params,
                                      int32_t count, int64_t size, Rng &rng);

/// A buffer in the library's element type, filled from and read back to
/// double.
class TypedBuffer {
public:
  TypedBuffer(int32_t dtype, size_t size);
  void assign(const double *values, size_t count);
  void assign(const std::vector<double> &values) {
    assign(values.data(), values.size());
  }
  void *data();
  const void *data() const;
  size_t size() const { return count; }
  size_t bytes() const { return count * (isDouble ? 8 : 4); }
  std::vector<double> values() const;
  void valuesInto(std::vector<double> &out) const;

private:
  bool isDouble;
  size_t count;
  std::vector<float> floats;
  std::vector<double> doubles;
};

/// Turns an entry's status into an ade::Error naming the entry.
void checkStatus(int32_t status, const char *entry);

} // namespace ade

#endif // ADE_RUNTIME_MODELLIBRARY_H
