//===- Cuda.h - GPU kernels of a model.so through the CUDA driver -*- C++
//-*-===//
//
// The CUDA driver API is loaded at run time (libcuda.so.1), so the runtime
// builds and runs on machines without a GPU or CUDA; only these classes
// need one, and they say so in an ade::Error when there is none.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_CUDA_H
#define ADE_RUNTIME_CUDA_H

#include "ade/abi.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ade::cuda {

using DevicePtr = unsigned long long;
struct DriverApi;

/// Whether ADE_CUDA_EMULATOR=1 asks for the GPU emulator.
bool emulatorRequested();

/// The driver and the primary context of device 0, made current on the
/// calling thread. With ADE_CUDA_EMULATOR=1, the GPU emulator instead: host
/// memory, and kernels run on the CPU from the host code of libraries
/// compiled with `adec --cuda-emulator`, a block's threads as fibers
/// switched at barriers (slow; for tests on machines without a GPU).
class Device {
public:
  /// Throws ade::Error when libcuda cannot be loaded or there is no GPU.
  Device();
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  std::string name() const;
  int multiprocessors() const;
  int maxThreadsPerMultiprocessor() const;
  /// The most dynamic shared memory a block can be given (opt-in).
  int maxSharedBytesPerBlock() const;
  /// Throws with the failing call and the driver's message.
  void check(int result, const char *call) const;
  const DriverApi &api() const { return *driver; }
  bool emulated() const { return emulator; }

  DevicePtr allocate(size_t bytes);
  void free(DevicePtr ptr);
  /// Sends `bytes` from `from` (which may change or go once this returns)
  /// to `to`, in order with the kernels. Up to 16 MiB go through pinned
  /// staging memory, and the host does not wait for the GPU unless that
  /// memory is full; larger copies (a data set's rows, the parameters at
  /// the start) wait.
  void upload(DevicePtr to, const void *from, size_t bytes);
  /// Waits for the GPU to finish what was launched and sent before.
  void download(void *to, DevicePtr from, size_t bytes);
  /// A copy within the device, in order with the kernels; not one of
  /// copies().
  void copy(DevicePtr to, DevicePtr from, size_t bytes);
  void synchronize();

  /// The copies between host and device so far, and the times the host
  /// waited for the GPU (downloads and synchronizations): each wait leaves
  /// the GPU idle until the host launches again, which is what a training
  /// iteration at a small batch spends its time on.
  struct Copies {
    int64_t uploads = 0, downloads = 0;
    int64_t uploadedBytes = 0, downloadedBytes = 0;
    int64_t waits = 0;
  };
  const Copies &copies() const { return copied; }

private:
  /// Copies `from` into the staging memory and sends it from there; false
  /// where it is too large or there is no pinned memory.
  bool sendStaged(DevicePtr to, const void *from, size_t bytes);

  static constexpr size_t kStagingAlignment = 256;
  static constexpr size_t kMinStagingBytes = size_t(1) << 20;
  static constexpr size_t kMaxStagingBytes = size_t(16) << 20;
  std::unique_ptr<DriverApi> driver;
  Copies copied;
  /// Pinned host memory that uploads copy from, and how much of it copies
  /// not yet known to be done use.
  void *staging = nullptr;
  size_t stagingCapacity = 0, stagingUsed = 0;
  void *context = nullptr;
  bool emulator = false;
};

/// Device memory released with its owner.
class Buffer {
public:
  Buffer(Device &device, size_t bytes);
  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  DevicePtr get() const { return ptr; }
  size_t bytes() const { return size; }

private:
  Device &device;
  DevicePtr ptr = 0;
  size_t size = 0;
};

/// The GPU kernels of a library, loaded from its PTX.
class Kernels {
public:
  /// Throws when the library has no GPU code (compiled without --target
  /// all) or the driver rejects it (the JIT log is in the message).
  Kernels(Device &device, const ade_library_info &library);
  ~Kernels();
  Kernels(const Kernels &) = delete;
  Kernels &operator=(const Kernels &) = delete;

  /// The kernels of `owner`'s `entry` (one per tile size) that this GPU can
  /// run (shared memory), none when that entry runs on the CPU only.
  std::vector<const ade_cuda_kernel *> forms(const std::string &owner,
                                             const std::string &entry) const;
  /// The kernel to run `owner`'s `entry` on `batch` particles with (see
  /// chooseKernel), or null when that entry runs on the CPU only.
  const ade_cuda_kernel *find(const std::string &owner,
                              const std::string &entry, int64_t batch) const;
  /// The kernel to run `owner`'s `entry` on `batch` particles with: where
  /// the entry has several forms (tile sizes), the fastest on this GPU,
  /// timed on `buffers` at the first call for batches of the same
  /// power-of-two class (each form launched once to warm up, then timed;
  /// the forms write the same bits, which ade-gpu-check checks, and an
  /// entry overwrites its outputs, so the extra launches change nothing).
  /// find()'s choice, untimed, with ADE_CUDA_TUNE=0 and for the VJPs (their
  /// forms sum the batch in different orders). Null when the entry runs on
  /// the CPU only.
  const ade_cuda_kernel *pick(const std::string &owner,
                              const std::string &entry,
                              const std::vector<DevicePtr> &buffers,
                              int64_t batch);
  /// A choice pick() timed: each form's milliseconds at the batch timed.
  struct Timing {
    std::string owner, entry;
    int64_t batch = 0;
    std::vector<std::pair<const ade_cuda_kernel *, double>> forms;
    const ade_cuda_kernel *fastest = nullptr;
  };
  const std::vector<Timing> &timings() const { return timed; }

  /// Launches `kernel` on `batch` particles; `buffers` are device pointers
  /// as ade_cuda_kernel describes (a VJP kernel's scratch buffer is this
  /// object's: launches of VJP kernels on different streams must not
  /// overlap). Asynchronous on `stream` (null: the default stream).
  void launch(const ade_cuda_kernel &kernel,
              const std::vector<DevicePtr> &buffers, int64_t batch,
              void *stream = nullptr);
  /// Whether the library's cubin was loaded (else the driver compiled the
  /// PTX).
  bool fromCubin() const { return loadedCubin; }

  /// Registers and local memory per thread of `kernel`, for reports.
  void resources(const ade_cuda_kernel &kernel, int &registers,
                 int &localBytes) const;

private:
  void *function(const ade_cuda_kernel &kernel) const;

  Device &device;
  const ade_cuda_info &info;
  void *module = nullptr;
  std::vector<void *> functions; // per kernel of `info`
  int maxSharedBytes = 0;        // of a block on this GPU
  int multiprocessors = 0;
  int maxThreadsPerMultiprocessor = 0;
  bool loadedCubin = false;
  bool tune = true;                // pick() times the forms
  std::unique_ptr<Buffer> scratch; // the VJP kernels', grown as needed
  std::vector<Timing> timed;       // pick()'s, one per entry and class
};

/// Of `owner`'s `entry` kernels in `info` (one per tile size) that need at
/// most `maxSharedBytes` of shared memory, the one for a batch of `batch`
/// particles on a GPU of `multiprocessors` SMs: the largest tile that still
/// gives every multiprocessor a block (throughput), else the smallest
/// (latency: more blocks for a small batch). Null when there is none.
const ade_cuda_kernel *chooseKernel(const ade_cuda_info &info,
                                    const std::string &owner,
                                    const std::string &entry, int64_t batch,
                                    int multiprocessors,
                                    int64_t maxSharedBytes);

/// The first of `buffers` that does not start at 16 bytes, or -1. The
/// block kernels read weights as 16-byte vectors; cuMemAlloc's buffers
/// start at 256 bytes, a view into one may not.
int misalignedBuffer(const std::vector<DevicePtr> &buffers);

/// Milliseconds between two points on the default stream.
class Timer {
public:
  explicit Timer(Device &device);
  ~Timer();
  void start();
  double stopMilliseconds();

private:
  Device &device;
  void *begin = nullptr, *end = nullptr;
};

} // namespace ade::cuda

#endif // ADE_RUNTIME_CUDA_H
