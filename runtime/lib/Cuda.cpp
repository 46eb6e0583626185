//===- Cuda.cpp - GPU kernels of a model.so through the CUDA driver -------===//

#include "ade/runtime/Cuda.h"

#include "ade/runtime/Error.h"

#include "CudaDriver.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ade::cuda {

namespace {

// Values of cuda.h's enums.
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6;
constexpr int kMultiprocessorCount = 16, kMaxSharedPerBlockOptin = 97,
              kMaxThreadsPerMultiprocessor = 39;
constexpr int kFuncLocalSizeBytes = 3, kFuncNumRegs = 4;
constexpr int kFuncMaxDynamicSharedSizeBytes = 8;
/// Dynamic shared memory a launch gets without asking for more.
constexpr int kDefaultSharedBytes = 48 * 1024;

template <typename Fn> void resolve(void *library, const char *name, Fn &fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn)
    throw Error(std::string("the CUDA driver (libcuda.so.1) lacks ") + name +
                ": update the NVIDIA driver");
}

} // namespace

bool emulatorRequested() {
  const char *value = std::getenv("ADE_CUDA_EMULATOR");
  return value && std::string(value) == "1";
}

Device::Device() : driver(std::make_unique<DriverApi>()) {
  DriverApi &d = *driver;
  if (emulatorRequested()) {
    emulator = true;
    installEmulator(d);
    return;
  }
  d.library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!d.library)
    throw Error("no CUDA driver (libcuda.so.1) on this machine: the GPU "
                "kernels need an NVIDIA GPU and its driver");
  resolve(d.library, "cuInit", d.init);
  resolve(d.library, "cuDeviceGet", d.deviceGet);
  resolve(d.library, "cuDeviceGetName", d.deviceGetName);
  resolve(d.library, "cuDeviceGetAttribute", d.deviceGetAttribute);
  resolve(d.library, "cuDevicePrimaryCtxRetain", d.primaryCtxRetain);
  resolve(d.library, "cuDevicePrimaryCtxRelease_v2", d.primaryCtxRelease);
  resolve(d.library, "cuCtxSetCurrent", d.ctxSetCurrent);
  resolve(d.library, "cuCtxSynchronize", d.ctxSynchronize);
  resolve(d.library, "cuGetErrorString", d.getErrorString);
  resolve(d.library, "cuMemAlloc_v2", d.memAlloc);
  resolve(d.library, "cuMemFree_v2", d.memFree);
  resolve(d.library, "cuMemcpyHtoD_v2", d.memcpyHtoD);
  resolve(d.library, "cuMemcpyDtoH_v2", d.memcpyDtoH);
  resolve(d.library, "cuMemcpyDtoD_v2", d.memcpyDtoD);
  resolve(d.library, "cuMemcpyHtoDAsync_v2", d.memcpyHtoDAsync);
  resolve(d.library, "cuMemAllocHost_v2", d.memAllocHost);
  resolve(d.library, "cuMemFreeHost", d.memFreeHost);
  resolve(d.library, "cuModuleLoadDataEx", d.moduleLoadDataEx);
  resolve(d.library, "cuModuleUnload", d.moduleUnload);
  resolve(d.library, "cuModuleGetFunction", d.moduleGetFunction);
  resolve(d.library, "cuFuncGetAttribute", d.funcGetAttribute);
  resolve(d.library, "cuFuncSetAttribute", d.funcSetAttribute);
  resolve(d.library, "cuLaunchKernel", d.launchKernel);
  resolve(d.library, "cuEventCreate", d.eventCreate);
  resolve(d.library, "cuEventDestroy_v2", d.eventDestroy);
  resolve(d.library, "cuEventRecord", d.eventRecord);
  resolve(d.library, "cuEventSynchronize", d.eventSynchronize);
  resolve(d.library, "cuEventElapsedTime", d.eventElapsedTime);
  check(d.init(0), "cuInit");
  int device = 0;
  check(d.deviceGet(&device, 0), "cuDeviceGet");
  check(d.primaryCtxRetain(&context, 0), "cuDevicePrimaryCtxRetain");
  if (int result = d.ctxSetCurrent(context); result != 0) {
    d.primaryCtxRelease(0); // the destructor does not run
    check(result, "cuCtxSetCurrent");
  }
}

Device::~Device() {
  if (staging) {
    driver->ctxSynchronize(); // no copy from it still pending
    driver->memFreeHost(staging);
  }
  if (context)
    driver->primaryCtxRelease(0);
  // libcuda stays loaded: unloading a driver with live state is unsafe.
}

void Device::check(int result, const char *call) const {
  if (result == 0)
    return;
  const char *message = nullptr;
  if (driver->getErrorString)
    driver->getErrorString(result, &message);
  throw Error(std::string(call) + " failed: " +
              (message ? message : "CUDA error " + std::to_string(result)));
}

std::string Device::name() const {
  char name[256] = {};
  check(driver->deviceGetName(name, sizeof(name), 0), "cuDeviceGetName");
  return name;
}

int Device::maxSharedBytesPerBlock() const {
  int bytes = 0;
  check(driver->deviceGetAttribute(&bytes, kMaxSharedPerBlockOptin, 0),
        "cuDeviceGetAttribute");
  return bytes;
}

int Device::maxThreadsPerMultiprocessor() const {
  int threads = 0;
  check(driver->deviceGetAttribute(&threads, kMaxThreadsPerMultiprocessor, 0),
        "cuDeviceGetAttribute");
  return threads;
}

int Device::multiprocessors() const {
  int count = 0;
  check(driver->deviceGetAttribute(&count, kMultiprocessorCount, 0),
        "cuDeviceGetAttribute");
  return count;
}

DevicePtr Device::allocate(size_t bytes) {
  DevicePtr ptr = 0;
  check(driver->memAlloc(&ptr, bytes ? bytes : 1), "cuMemAlloc");
  return ptr;
}

void Device::free(DevicePtr ptr) {
  if (ptr)
    driver->memFree(ptr);
}

void Device::upload(DevicePtr to, const void *from, size_t bytes) {
  if (!bytes)
    return;
  ++copied.uploads;
  copied.uploadedBytes += int64_t(bytes);
  if (!sendStaged(to, from, bytes)) {
    check(driver->memcpyHtoD(to, from, bytes), "cuMemcpyHtoD");
    ++copied.waits;
  }
}

bool Device::sendStaged(DevicePtr to, const void *from, size_t bytes) {
  size_t padded =
      (bytes + kStagingAlignment - 1) / kStagingAlignment * kStagingAlignment;
  if (padded > kMaxStagingBytes)
    return false;
  if (stagingUsed + padded > stagingCapacity) {
    // The staging memory is free again once the GPU has caught up.
    synchronize();
    if (padded > stagingCapacity) {
      if (staging)
        driver->memFreeHost(staging);
      stagingCapacity =
          std::min(kMaxStagingBytes,
                   std::max({padded, 2 * stagingCapacity, kMinStagingBytes}));
      if (driver->memAllocHost(&staging, stagingCapacity) != 0) {
        staging = nullptr;
        stagingCapacity = 0;
        return false;
      }
    }
  }
  char *stage = static_cast<char *>(staging) + stagingUsed;
  std::memcpy(stage, from, bytes);
  check(driver->memcpyHtoDAsync(to, stage, bytes, nullptr),
        "cuMemcpyHtoDAsync");
  stagingUsed += padded;
  return true;
}

void Device::download(void *to, DevicePtr from, size_t bytes) {
  if (!bytes)
    return;
  check(driver->memcpyDtoH(to, from, bytes), "cuMemcpyDtoH");
  stagingUsed = 0;
  ++copied.downloads;
  ++copied.waits;
  copied.downloadedBytes += int64_t(bytes);
}

void Device::copy(DevicePtr to, DevicePtr from, size_t bytes) {
  if (bytes)
    check(driver->memcpyDtoD(to, from, bytes), "cuMemcpyDtoD");
}

void Device::synchronize() {
  check(driver->ctxSynchronize(), "cuCtxSynchronize");
  stagingUsed = 0;
  ++copied.waits;
}

Buffer::Buffer(Device &device, size_t bytes)
    : device(device), ptr(device.allocate(bytes)), size(bytes) {}

Buffer::~Buffer() { device.free(ptr); }

Kernels::Kernels(Device &device, const ade_library_info &library)
    : device(device), info([&]() -> const ade_cuda_info & {
        if (!library.cuda)
          throw Error("this model library has no GPU kernels: compile it "
                      "with adec --target all");
        return *library.cuda;
      }()) {
  std::string log(16384, '\0');
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize};
  void *values[] = {log.data(),
                    reinterpret_cast<void *>(uintptr_t(log.size()))};
  // The cubin where it is for this GPU's architecture, else the PTX.
  int result = 1;
  if (info.cubin && info.cubin_size > 0 && !device.emulated())
    result =
        device.api().moduleLoadDataEx(&module, info.cubin, 0, nullptr, nullptr);
  loadedCubin = result == 0;
  if (!loadedCubin)
    result =
        device.api().moduleLoadDataEx(&module, info.ptx, 2, options, values);
  if (result != 0) {
    log.resize(log.find('\0') == std::string::npos ? log.size()
                                                   : log.find('\0'));
    try {
      device.check(result, "loading the GPU kernels (cuModuleLoadDataEx)");
    } catch (const Error &e) {
      throw Error(std::string(e.what()) + " for " + info.arch +
                  (log.empty() ? "" : ":\n" + log));
    }
  }
  functions.assign(info.num_kernels, nullptr);
  if (device.emulated()) {
    for (int32_t k = 0; k < info.num_kernels; ++k)
      if (!(functions[k] =
                reinterpret_cast<void *>(info.kernels[k].emulated))) {
        device.api().moduleUnload(module);
        throw Error("this model library's GPU kernels cannot run on the "
                    "emulator (ADE_CUDA_EMULATOR=1): compile it with adec "
                    "--target all --cuda-emulator");
      }
  }
  for (int32_t k = 0; k < info.num_kernels && !device.emulated(); ++k)
    if (int result = device.api().moduleGetFunction(&functions[k], module,
                                                    info.kernels[k].name);
        result != 0) {
      device.api().moduleUnload(module); // the destructor does not run
      device.check(result, "cuModuleGetFunction");
    }
  const char *tuning = std::getenv("ADE_CUDA_TUNE");
  tune = !tuning || std::string(tuning) != "0";
  // Kernels compiled for more shared memory than this GPU gives a block
  // are left out (their entries run in another form or on the CPU).
  maxSharedBytes = device.maxSharedBytesPerBlock();
  multiprocessors = device.multiprocessors();
  maxThreadsPerMultiprocessor = device.maxThreadsPerMultiprocessor();
  for (int32_t k = 0; k < info.num_kernels; ++k)
    if (info.kernels[k].shared_bytes > kDefaultSharedBytes &&
        info.kernels[k].shared_bytes <= maxSharedBytes)
      if (int result = device.api().funcSetAttribute(
              functions[k], kFuncMaxDynamicSharedSizeBytes,
              info.kernels[k].shared_bytes);
          result != 0) {
        device.api().moduleUnload(module);
        device.check(result, "cuFuncSetAttribute (shared memory of a block)");
      }
}

Kernels::~Kernels() {
  if (module)
    device.api().moduleUnload(module);
}

std::vector<const ade_cuda_kernel *>
Kernels::forms(const std::string &owner, const std::string &entry) const {
  std::vector<const ade_cuda_kernel *> found;
  for (int32_t k = 0; k < info.num_kernels; ++k)
    if (owner == info.kernels[k].owner && entry == info.kernels[k].entry &&
        info.kernels[k].shared_bytes <= maxSharedBytes)
      found.push_back(&info.kernels[k]);
  return found;
}

const ade_cuda_kernel *Kernels::find(const std::string &owner,
                                     const std::string &entry,
                                     int64_t batch) const {
  return chooseKernel(info, owner, entry, batch, multiprocessors,
                      maxSharedBytes);
}

/// The smallest power of two at least `batch`: pick() times the forms
/// once per class.
static int64_t batchClass(int64_t batch) {
  int64_t c = 1;
  while (c < batch)
    c *= 2;
  return c;
}

const ade_cuda_kernel *Kernels::pick(const std::string &owner,
                                     const std::string &entry,
                                     const std::vector<DevicePtr> &buffers,
                                     int64_t batch) {
  std::vector<const ade_cuda_kernel *> candidates = forms(owner, entry);
  // A VJP's forms sum the batch's gradients in different orders: the batch
  // alone chooses, so that a run's results do not hang on a timing.
  bool sumsBatch =
      !candidates.empty() && candidates.front()->scratch_bytes_per_block > 0;
  if (!tune || candidates.size() < 2 || sumsBatch)
    return find(owner, entry, batch);
  int64_t cls = batchClass(batch);
  for (const Timing &t : timed)
    if (t.owner == owner && t.entry == entry && batchClass(t.batch) == cls)
      return t.fastest;
  // The best of a few launches: the first after the warm-up can be slow
  // (clocks rising); a slow kernel is timed once.
  constexpr int kMaxRepeats = 3;
  constexpr double kEnoughMilliseconds = 20;
  Timing timing{owner, entry, batch, {}, nullptr};
  Timer timer(device);
  double best = INFINITY;
  for (const ade_cuda_kernel *kernel : candidates) {
    launch(*kernel, buffers, batch);
    double fastest = INFINITY, total = 0;
    for (int r = 0; r < kMaxRepeats && total < kEnoughMilliseconds; ++r) {
      timer.start();
      launch(*kernel, buffers, batch);
      double ms = timer.stopMilliseconds();
      fastest = std::min(fastest, ms);
      total += ms;
    }
    timing.forms.push_back({kernel, fastest});
    if (fastest < best) {
      best = fastest;
      timing.fastest = kernel;
    }
  }
  if (!timing.fastest) // no timing came back
    timing.fastest = find(owner, entry, batch);
  timed.push_back(timing);
  return timing.fastest;
}

const ade_cuda_kernel *chooseKernel(const ade_cuda_info &info,
                                    const std::string &owner,
                                    const std::string &entry, int64_t batch,
                                    int multiprocessors,
                                    int64_t maxSharedBytes) {
  const ade_cuda_kernel *largestFilling = nullptr, *smallest = nullptr;
  for (int32_t k = 0; k < info.num_kernels; ++k) {
    const ade_cuda_kernel &kernel = info.kernels[k];
    if (owner != kernel.owner || entry != kernel.entry ||
        kernel.shared_bytes > maxSharedBytes)
      continue;
    int64_t tile = kernel.particles_per_block;
    if (!smallest || tile < smallest->particles_per_block)
      smallest = &kernel;
    bool fills = (batch + tile - 1) / tile >= multiprocessors;
    if (fills &&
        (!largestFilling || tile > largestFilling->particles_per_block))
      largestFilling = &kernel;
  }
  return largestFilling ? largestFilling : smallest;
}

int misalignedBuffer(const std::vector<DevicePtr> &buffers) {
  for (size_t i = 0; i < buffers.size(); ++i)
    if (buffers[i] % 16 != 0)
      return int(i);
  return -1;
}

void *Kernels::function(const ade_cuda_kernel &kernel) const {
  ptrdiff_t k = &kernel - info.kernels;
  if (k < 0 || k >= info.num_kernels)
    throw Error("internal: a kernel of another library");
  return functions[k];
}

void Kernels::launch(const ade_cuda_kernel &kernel,
                     const std::vector<DevicePtr> &buffers, int64_t batch,
                     void *stream) {
  if (buffers.size() != size_t(kernel.num_buffers))
    throw Error(std::string("kernel ") + kernel.name + " takes " +
                std::to_string(kernel.num_buffers) + " buffers, not " +
                std::to_string(buffers.size()));
  if (batch <= 0)
    throw Error("a batch of " + std::to_string(batch) + " particles");
  if (int i = misalignedBuffer(buffers); i >= 0)
    throw Error(std::string("kernel ") + kernel.name + ": buffer " +
                std::to_string(i) +
                " does not start at a multiple of 16 bytes (the kernels read "
                "it as 16-byte vectors; pass a buffer of its own, as "
                "cuMemAlloc returns)");
  std::vector<void *> args;
  for (const DevicePtr &b : buffers)
    args.push_back(const_cast<DevicePtr *>(&b));
  int64_t blocks =
      (batch + kernel.particles_per_block - 1) / kernel.particles_per_block;
  DevicePtr scratchPtr = 0;
  if (kernel.scratch_bytes_per_block > 0) {
    // The blocks loop over the tiles: as many as run at once, as shared
    // memory and threads per multiprocessor allow (registers permitting).
    int64_t perMultiprocessor = std::max<int64_t>(
        1, std::min<int64_t>(maxSharedBytes / std::max(kernel.shared_bytes, 1),
                             maxThreadsPerMultiprocessor /
                                 std::max(kernel.block_size, 1)));
    int64_t resident = int64_t(multiprocessors) * perMultiprocessor;
    blocks = std::min(blocks, resident);
    size_t bytes = size_t(16 + blocks * kernel.scratch_bytes_per_block);
    if (!scratch || scratch->bytes() < bytes) {
      scratch.reset(); // the old one first: device memory may be short
      scratch = std::make_unique<Buffer>(device, bytes);
      const int32_t done[4] = {0, 0, 0, 0}; // the count of blocks done
      device.upload(scratch->get(), done, sizeof(done));
    }
    scratchPtr = scratch->get();
    args.push_back(&scratchPtr);
  }
  args.push_back(&batch);
  if (blocks > INT32_MAX)
    throw Error("a batch of " + std::to_string(batch) +
                " particles is too large for one launch");
  device.check(device.api().launchKernel(function(kernel), unsigned(blocks), 1,
                                         1, unsigned(kernel.block_size), 1, 1,
                                         unsigned(kernel.shared_bytes), stream,
                                         args.data(), nullptr),
               "cuLaunchKernel");
}

void Kernels::resources(const ade_cuda_kernel &kernel, int &registers,
                        int &localBytes) const {
  device.check(
      device.api().funcGetAttribute(&registers, kFuncNumRegs, function(kernel)),
      "cuFuncGetAttribute");
  device.check(device.api().funcGetAttribute(&localBytes, kFuncLocalSizeBytes,
                                             function(kernel)),
               "cuFuncGetAttribute");
}

Timer::Timer(Device &device) : device(device) {
  device.check(device.api().eventCreate(&begin, 0), "cuEventCreate");
  device.check(device.api().eventCreate(&end, 0), "cuEventCreate");
}

Timer::~Timer() {
  device.api().eventDestroy(begin);
  device.api().eventDestroy(end);
}

void Timer::start() {
  device.check(device.api().eventRecord(begin, nullptr), "cuEventRecord");
}

double Timer::stopMilliseconds() {
  device.check(device.api().eventRecord(end, nullptr), "cuEventRecord");
  device.check(device.api().eventSynchronize(end), "cuEventSynchronize");
  float ms = 0;
  device.check(device.api().eventElapsedTime(&ms, begin, end),
               "cuEventElapsedTime");
  return ms;
}

} // namespace ade::cuda
