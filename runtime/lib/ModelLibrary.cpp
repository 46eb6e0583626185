//===- ModelLibrary.cpp - A loaded model.so and typed calls into it -------===//

#include "ade/runtime/ModelLibrary.h"

#include "ade/runtime/CpuFeatures.h"

#include "ade/runtime/Error.h"
#include "ade/runtime/Random.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

namespace ade {

namespace {
/// Why the 64-bit ELF file at `path` (of `size` bytes) cannot be mapped
/// whole, or "" (also for files that are not 64-bit ELF: dlopen explains
/// those). dlopen maps a truncated library's segments past the end of the
/// file, and the first touch of them is a SIGBUS, not an error.
std::string truncatedElf(const std::string &path, uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header;
  if (!in.read(reinterpret_cast<char *>(&header), sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64)
    return "";
  auto past = [&](uint64_t offset, uint64_t bytes) {
    return offset > size || bytes > size - offset;
  };
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      past(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf64_Phdr)) ||
      past(header.e_shoff, uint64_t(header.e_shnum) * header.e_shentsize))
    return "its ELF headers lie past the end of the file";
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  if (!in.read(
          reinterpret_cast<char *>(segments.data()),
          static_cast<std::streamsize>(segments.size() * sizeof(Elf64_Phdr))))
    return "its ELF program headers cannot be read";
  for (const Elf64_Phdr &segment : segments)
    if (segment.p_type == PT_LOAD && past(segment.p_offset, segment.p_filesz))
      return "a segment ends " +
             std::to_string(segment.p_offset + segment.p_filesz - size) +
             " bytes past the end of the file";
  return "";
}
} // namespace

ModelLibrary::ModelLibrary(const std::string &path, CpuCheck cpuCheck)
    : libraryPath(path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw Error("model library '" + path + "' does not exist");
  if (S_ISDIR(st.st_mode))
    throw Error("model library '" + path + "' is a directory");
  if (std::string problem = truncatedElf(path, uint64_t(st.st_size));
      !problem.empty())
    throw Error("'" + path + "' is truncated or damaged (" + problem +
                "): compile it again with adec");
  // dlopen searches the library path for names without a slash.
  std::string openPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  handle = dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw Error("cannot load '" + path + "': " + dlerror());
  auto version =
      reinterpret_cast<uint32_t (*)()>(dlsym(handle, "ade_abi_version"));
  auto libraryFn = reinterpret_cast<const ade_library_info *(*)()>(
      dlsym(handle, "ade_library"));
  if (!version || !libraryFn) {
    dlclose(handle);
    throw Error("'" + path +
                "' is not an ADE model library (compile one with adec "
                "model.ade -o model.so)");
  }
  if (uint32_t v = version(); v != ADE_ABI_VERSION) {
    dlclose(handle);
    throw Error("'" + path + "' was compiled for ABI version " +
                std::to_string(v) + ", this aderun needs version " +
                std::to_string(ADE_ABI_VERSION) +
                ": recompile it with this release's adec");
  }
  library = libraryFn();
  std::string problem = metadataProblem();
  if (!problem.empty()) {
    dlclose(handle);
    handle = nullptr;
    throw Error("'" + path + "' has inconsistent metadata (" + problem +
                "): it was not written by adec, or is damaged");
  }
  std::vector<std::string> missing = missingCpuFeatures();
  if (cpuCheck == CpuCheck::Refuse && !missing.empty()) {
    std::string names;
    for (const std::string &name : missing)
      names += (names.empty() ? "" : ", ") + name;
    std::string cpu = library->target_cpu;
    dlclose(handle);
    handle = nullptr;
    throw Error("'" + path + "' was compiled for " + cpu + " and may use " +
                names + ", which this CPU lacks (its code would stop at an " +
                "illegal instruction): compile it on this machine (adec " +
                "--cpu native, the default), or for a CPU that both " +
                "machines include (adec --cpu x86-64-v2, x86-64-v3, ...)");
  }
}

std::vector<std::string> ModelLibrary::missingCpuFeatures() const {
  return ade::missingCpuFeatures(library->cpu_features, hostHasCpuFeature);
}

std::string ModelLibrary::metadataProblem() const {
  if (!library || !library->target_cpu || !library->cpu_features ||
      library->num_models < 0 || library->num_samplers < 0 ||
      (library->num_models > 0 && !library->models) ||
      (library->num_samplers > 0 && !library->samplers))
    return "no library description";
  auto paramsProblem = [](const ade_param_info *params, int32_t count,
                          int64_t size) -> std::string {
    if (count < 0 || (count > 0 && !params))
      return "bad parameter list";
    for (int32_t i = 0; i < count; ++i) {
      const ade_param_info &p = params[i];
      if (!p.name || !p.init_text || p.offset < 0 || p.size < 0 ||
          p.offset + p.size > size || (p.rank > 0 && !p.shape))
        return "bad parameter " + std::to_string(i);
      for (int32_t d = 0; d < p.rank; ++d)
        if (p.shape[d] <= 0)
          return std::string("parameter '") + p.name + "' has an empty shape";
    }
    return "";
  };
  for (int32_t i = 0; i < library->num_models; ++i) {
    const ade_model_info &m = library->models[i];
    if (!m.name || m.data_size <= 0 || !m.energy || !m.grad_energy ||
        !m.energy_vjp || !m.score_matching || !m.score_matching_vjp)
      return "bad model " + std::to_string(i);
    if (std::string p = paramsProblem(m.params, m.num_params, m.params_size);
        !p.empty())
      return p;
  }
  for (int32_t i = 0; i < library->num_samplers; ++i) {
    const ade_sampler_info &s = library->samplers[i];
    if (!s.name || s.model < 0 || s.model >= library->num_models || !s.sample ||
        !s.sample_vjp || !s.sampler_vjp || s.num_draws < 0 ||
        (s.num_draws > 0 && !s.draws) || s.num_stats < 0 ||
        (s.num_stats > 0 && !s.stat_names))
      return "bad sampler " + std::to_string(i);
    for (int32_t k = 0; k < s.num_stats; ++k)
      if (!s.stat_names[k])
        return "bad sampler " + std::to_string(i);
    for (int32_t d = 0; d < s.num_draws; ++d)
      if (s.draws[d].offset < 0 || s.draws[d].size < 0 ||
          s.draws[d].offset + s.draws[d].size > s.noise_size)
        return std::string("sampler '") + s.name +
               "' has a draw outside "
               "its noise";
    if (std::string p = paramsProblem(s.params, s.num_params, s.params_size);
        !p.empty())
      return p;
  }
  if (const ade_cuda_info *cuda = library->cuda) {
    if (!cuda->arch || !cuda->ptx || cuda->num_kernels < 0 ||
        (cuda->num_kernels > 0 && !cuda->kernels))
      return "bad GPU code";
    for (int32_t k = 0; k < cuda->num_kernels; ++k) {
      const ade_cuda_kernel &kernel = cuda->kernels[k];
      if (!kernel.entry || !kernel.owner || !kernel.name ||
          kernel.num_buffers <= 0 || kernel.block_size <= 0 ||
          kernel.particles_per_block <= 0 || kernel.shared_bytes < 0)
        return "bad GPU kernel " + std::to_string(k);
    }
  }
  return "";
}

ModelLibrary::~ModelLibrary() {
  if (handle)
    dlclose(handle);
}

const ade_model_info &ModelLibrary::model(const std::string &name) const {
  std::string names;
  for (int32_t i = 0; i < library->num_models; ++i) {
    const ade_model_info &m = library->models[i];
    if (name == m.name || (name.empty() && library->num_models == 1))
      return m;
    names += std::string(names.empty() ? "" : ", ") + m.name;
  }
  if (library->num_models == 0)
    throw Error("'" + libraryPath + "' defines no model");
  if (name.empty())
    throw Error("'" + libraryPath + "' defines several models (" + names +
                "): choose one with --model");
  throw Error("'" + libraryPath + "' has no model '" + name +
              "'; it has: " + names);
}

const ade_sampler_info &
ModelLibrary::sampler(const std::string &name,
                      const ade_model_info &model) const {
  std::string names;
  for (int32_t i = 0; i < library->num_samplers; ++i) {
    const ade_sampler_info &s = library->samplers[i];
    if (&library->models[s.model] != &model)
      continue;
    if (name.empty() || name == s.name)
      return s;
    names += std::string(names.empty() ? "" : ", ") + s.name;
  }
  if (names.empty())
    throw Error("'" + libraryPath + "' has no sampler for model '" +
                model.name + "': write one (`sampler S for " + model.name +
                " { ... }`)");
  throw Error("'" + libraryPath + "' has no sampler '" + name +
              "' for model '" + model.name + "'; it has: " + names);
}

namespace {

/// Rows x cols with orthonormal rows or columns (whichever are fewer), by
/// Gram-Schmidt on a Gaussian matrix, times `gain`.
void orthogonal(double *out, int64_t rows, int64_t cols, double gain,
                Rng &rng) {
  bool byRows = rows <= cols;
  int64_t count = byRows ? rows : cols, length = byRows ? cols : rows;
  std::vector<double> v(count * length);
  for (double &x : v)
    x = rng.normal();
  for (int64_t i = 0; i < count; ++i) {
    double *vi = &v[i * length];
    for (int64_t j = 0; j < i; ++j) {
      const double *vj = &v[j * length];
      double dot = 0;
      for (int64_t k = 0; k < length; ++k)
        dot += vi[k] * vj[k];
      for (int64_t k = 0; k < length; ++k)
        vi[k] -= dot * vj[k];
    }
    double norm = 0;
    for (int64_t k = 0; k < length; ++k)
      norm += vi[k] * vi[k];
    norm = std::sqrt(norm);
    for (int64_t k = 0; k < length; ++k)
      vi[k] /= norm;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[r * cols + c] =
          gain * (byRows ? v[r * length + c] : v[c * length + r]);
}

} // namespace

std::vector<double> initialParameters(const ade_param_info *params,
                                      int32_t count, int64_t size, Rng &rng) {
  std::vector<double> values(size);
  for (int32_t i = 0; i < count; ++i) {
    const ade_param_info &p = params[i];
    double *out = values.data() + p.offset;
    double fanSum = double(p.fan_in + p.fan_out);
    switch (p.init) {
    case ADE_INIT_CONSTANT:
      std::fill(out, out + p.size, p.init_a);
      break;
    case ADE_INIT_NORMAL:
      for (int64_t k = 0; k < p.size; ++k)
        out[k] = p.init_a + p.init_b * rng.normal();
      break;
    case ADE_INIT_UNIFORM:
      for (int64_t k = 0; k < p.size; ++k)
        out[k] = p.init_a + (p.init_b - p.init_a) * rng.uniform();
      break;
    case ADE_INIT_GLOROT_UNIFORM: {
      double limit = p.init_a * std::sqrt(6.0 / fanSum);
      for (int64_t k = 0; k < p.size; ++k)
        out[k] = limit * (2 * rng.uniform() - 1);
      break;
    }
    case ADE_INIT_GLOROT_NORMAL: {
      double std = p.init_a * std::sqrt(2.0 / fanSum);
      for (int64_t k = 0; k < p.size; ++k)
        out[k] = std * rng.normal();
      break;
    }
    case ADE_INIT_ORTHOGONAL: {
      int64_t rows = p.rank > 0 ? p.shape[0] : 1;
      orthogonal(out, rows, p.size / rows, p.init_a, rng);
      break;
    }
    default:
      throw Error(std::string("parameter '") + p.name +
                  "' has an initializer this aderun does not know (" +
                  p.init_text + ")");
    }
  }
  return values;
}

TypedBuffer::TypedBuffer(int32_t dtype, size_t size)
    : isDouble(dtype == ADE_F64), count(size) {
  if (isDouble)
    doubles.resize(size);
  else
    floats.resize(size);
}

void TypedBuffer::assign(const double *values, size_t n) {
  if (n != count)
    throw Error("internal: buffer of " + std::to_string(count) +
                " values assigned " + std::to_string(n));
  if (isDouble)
    std::copy(values, values + n, doubles.begin());
  else
    for (size_t i = 0; i < n; ++i)
      floats[i] = static_cast<float>(values[i]);
}

void *TypedBuffer::data() {
  return isDouble ? static_cast<void *>(doubles.data())
                  : static_cast<void *>(floats.data());
}

const void *TypedBuffer::data() const {
  return isDouble ? static_cast<const void *>(doubles.data())
                  : static_cast<const void *>(floats.data());
}

std::vector<double> TypedBuffer::values() const {
  std::vector<double> out;
  valuesInto(out);
  return out;
}

void TypedBuffer::valuesInto(std::vector<double> &out) const {
  out.resize(count);
  if (isDouble)
    std::copy(doubles.begin(), doubles.end(), out.begin());
  else
    std::copy(floats.begin(), floats.end(), out.begin());
}

void checkStatus(int32_t status, const char *entry) {
  if (status == ADE_OK)
    return;
  throw Error(std::string("the model library's ") + entry + " entry failed (" +
              (status == ADE_ERROR_NULL_POINTER ? "a required buffer is NULL"
               : status == ADE_ERROR_BAD_BATCH
                   ? "bad batch size"
                   : "status " + std::to_string(status)) +
              ")");
}

} // namespace ade
