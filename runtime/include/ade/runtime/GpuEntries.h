//===- GpuEntries.h - A model library's entries run on the GPU -*- C++ -*-===//
//
// `aderun --device cuda`: the entries the trainer calls, run by their GPU
// kernels on host buffers. For now every call copies its inputs to the
// device and its outputs back; parameters and optimizer state stay on the
// host.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_GPUENTRIES_H
#define ADE_RUNTIME_GPUENTRIES_H

#include "ade/runtime/Cuda.h"
#include "ade/runtime/ModelLibrary.h"

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace ade {

class GpuEntries {
public:
  /// Throws ade::Error when there is no GPU (or emulator) or the library
  /// has no GPU kernels.
  explicit GpuEntries(const ade_library_info &library);

  /// One buffer of an entry, in the order of its CPU signature; null where
  /// the kernel takes none (ade_cuda_kernel: the buffers the library's
  /// entry ignores).
  struct Arg {
    TypedBuffer *buffer;
    bool output = false;
  };

  /// Runs `owner`'s `entry` on `batch` particles through its kernel, or
  /// returns false when the entry has none (it runs on the CPU only).
  bool run(const std::string &owner, const std::string &entry,
           std::initializer_list<Arg> args, int64_t batch);

  /// Whether `owner`'s `entry` has a kernel this GPU can run.
  bool hasKernel(const std::string &owner, const std::string &entry) const {
    return !kernels.forms(owner, entry).empty();
  }

  /// "NVIDIA H200 (132 SMs)".
  std::string description() const;

private:
  cuda::Device device;
  cuda::Kernels kernels;
  /// Device buffers by argument position, grown as needed.
  std::vector<std::unique_ptr<cuda::Buffer>> buffers;
};

} // namespace ade

#endif // ADE_RUNTIME_GPUENTRIES_H
