//===- GpuEntries.h - A model library's entries run on the GPU -*- C++ -*-===//
//
// `aderun --device cuda`: the entries the trainer calls, run by their GPU
// kernels. An argument is a host buffer, copied in (or out, for an output)
// around the call, or a device buffer the caller keeps (parameters and
// gradients that stay on the GPU); the runtime kernels ("ade.runtime":
// Adam, averages, noise) work on the latter.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_GPUENTRIES_H
#define ADE_RUNTIME_GPUENTRIES_H

#include "ade/runtime/Cuda.h"
#include "ade/runtime/ModelLibrary.h"

#include <memory>
#include <string>
#include <vector>

namespace ade {

class GpuEntries {
public:
  /// Throws ade::Error when there is no GPU (or emulator) or the library
  /// has no GPU kernels.
  explicit GpuEntries(const ade_library_info &library);

  /// One buffer of an entry, in the order of its CPU signature: a host
  /// buffer, or a device buffer (`resident`) that stays where it is; neither
  /// where the kernel takes none (ade_cuda_kernel: the buffers the
  /// library's entry ignores).
  struct Arg {
    TypedBuffer *buffer;
    bool output = false;
    cuda::DevicePtr resident = 0;
  };

  /// Runs `owner`'s `entry` on `batch` particles through its kernel, or
  /// returns false when the entry has none (it runs on the CPU only).
  bool run(const std::string &owner, const std::string &entry,
           const std::vector<Arg> &args, int64_t batch);

  /// Runs the runtime kernel `entry` ("adam", "ema", "noise") on `count`
  /// elements;
  /// throws when the library has none (compiled by an older adec).
  void runRuntimeKernel(const std::string &entry,
                        const std::vector<cuda::DevicePtr> &buffers,
                        int64_t count);

  cuda::Device &gpu() { return device; }

  /// Whether `owner`'s `entry` has a kernel this GPU can run.
  bool hasKernel(const std::string &owner, const std::string &entry) const {
    return !kernels.forms(owner, entry).empty();
  }

  /// The entries whose forms were timed (cuda::Kernels::pick), each
  /// form's milliseconds: "M.grad_energy at 100: 64/block 0.05 ms,
  /// 16/block 0.03 ms (kept); ...", empty when none was.
  std::string formsTimed() const;

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
