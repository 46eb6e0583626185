//===- CudaEmulator.cpp - GPU kernels run on the CPU ----------------------===//
//
// The CUDA driver calls of the runtime, served on the host: device memory
// is host memory, and a launch runs the kernel's `emulated` host function
// (adec --cuda-emulator) once per thread of the grid. A block's threads are
// fibers (ucontext) switched at barriers: every thread of the block runs up
// to its next barrier before any goes on, as on the GPU. Memory the GPU
// leaves uninitialized (allocations, shared memory) is filled with NaNs, so
// that a kernel reading what it never wrote fails the comparison with the
// CPU.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace ade::cuda {

namespace {

constexpr int kEmulatorError = 999;
/// Multiprocessors the emulated device reports: few, so that the runtime's
/// choice of tile size changes at batches a test can afford.
constexpr int kMultiprocessors = 8;
constexpr int kMaxSharedBytes = 227 * 1024;
/// Each fiber's stack: one-thread-per-particle kernels keep a particle's
/// buffers on it.
constexpr size_t kStackBytes = 1 << 20;

thread_local std::string lastError;

int fail(std::string message) {
  lastError = std::move(message);
  return kEmulatorError;
}

struct Fiber {
  ucontext_t context;
  ade_emulated_thread thread;
  bool done = false, waiting = false;
};

/// The block being run on this thread.
struct Block {
  ade_emulated_kernel_fn kernel = nullptr;
  void **params = nullptr;
  ucontext_t scheduler;
  std::vector<Fiber> fibers;
  size_t current = 0;
};
thread_local Block *running = nullptr;

void barrier(ade_emulated_thread *thread) {
  Fiber &fiber = running->fibers[size_t(thread->thread_id)];
  fiber.waiting = true;
  swapcontext(&fiber.context, &running->scheduler);
}

void runFiber() {
  Block &block = *running;
  Fiber &fiber = block.fibers[block.current];
  block.kernel(block.params, &fiber.thread);
  fiber.done = true; // returns to uc_link, the scheduler
}

/// Fiber stacks, mapped once per host thread (pages are touched on use).
struct Stacks {
  char *base = nullptr;
  size_t count = 0;
  ~Stacks() {
    if (base)
      munmap(base, count * kStackBytes);
  }
  char *get(size_t threads) {
    if (threads > count) {
      if (base)
        munmap(base, count * kStackBytes);
      void *memory =
          mmap(nullptr, threads * kStackBytes, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      base = memory == MAP_FAILED ? nullptr : static_cast<char *>(memory);
      count = base ? threads : 0;
    }
    return base;
  }
};

int launch(void *function, unsigned gridX, unsigned gridY, unsigned gridZ,
           unsigned blockX, unsigned blockY, unsigned blockZ,
           unsigned sharedBytes, void * /*stream*/, void **params,
           void ** /*extra*/) {
  if (!function)
    return fail("the emulator has no host code for this kernel");
  if (gridY != 1 || gridZ != 1 || blockY != 1 || blockZ != 1)
    return fail("the emulator runs 1-d grids and blocks only");
  thread_local Stacks stacks;
  char *stack = stacks.get(blockX);
  if (!stack)
    return fail("out of memory for the fibers of a block of " +
                std::to_string(blockX) + " threads");
  std::vector<float> shared((sharedBytes + sizeof(float) - 1) / sizeof(float),
                            std::numeric_limits<float>::quiet_NaN());
  Block block;
  block.kernel = reinterpret_cast<ade_emulated_kernel_fn>(function);
  block.params = params;
  block.fibers.resize(blockX);
  Block *outer = running;
  running = &block;
  for (unsigned b = 0; b < gridX; ++b) {
    std::fill(shared.begin(), shared.end(),
              std::numeric_limits<float>::quiet_NaN());
    for (unsigned t = 0; t < blockX; ++t) {
      Fiber &fiber = block.fibers[t];
      fiber = Fiber();
      fiber.thread = {barrier,         int64_t(b),     int64_t(t),
                      int64_t(blockX), int64_t(gridX), shared.data()};
      getcontext(&fiber.context);
      fiber.context.uc_stack.ss_sp = stack + size_t(t) * kStackBytes;
      fiber.context.uc_stack.ss_size = kStackBytes;
      fiber.context.uc_link = &block.scheduler;
      makecontext(&fiber.context, runFiber, 0);
    }
    // Rounds: each thread runs to its next barrier (or its end).
    for (unsigned round = 0;; ++round) {
      for (unsigned t = 0; t < blockX; ++t) {
        Fiber &fiber = block.fibers[t];
        if (fiber.done)
          continue;
        fiber.waiting = false;
        block.current = t;
        swapcontext(&block.scheduler, &fiber.context);
      }
      unsigned done = 0;
      for (const Fiber &fiber : block.fibers)
        done += fiber.done;
      if (done == blockX)
        break;
      if (done > 0) {
        running = outer;
        return fail("block " + std::to_string(b) + ": " + std::to_string(done) +
                    " of its " + std::to_string(blockX) +
                    " threads returned while the others wait at barrier " +
                    std::to_string(round + 1) +
                    " (a barrier not reached by every thread)");
      }
    }
  }
  running = outer;
  return 0;
}

using Clock = std::chrono::steady_clock;

} // namespace

void installEmulator(DriverApi &d) {
  d.library = nullptr;
  d.init = [](unsigned) { return 0; };
  d.deviceGet = [](int *device, int) {
    *device = 0;
    return 0;
  };
  d.deviceGetName = [](char *name, int size, int) {
    std::snprintf(name, size_t(size), "ADE GPU emulator (on the CPU)");
    return 0;
  };
  d.deviceGetAttribute = [](int *value, int attribute, int) {
    constexpr int kMultiprocessorCount = 16, kMaxSharedPerBlockOptin = 97;
    if (attribute == kMultiprocessorCount)
      *value = kMultiprocessors;
    else if (attribute == kMaxSharedPerBlockOptin)
      *value = kMaxSharedBytes;
    else
      return fail("the emulator has no device attribute " +
                  std::to_string(attribute));
    return 0;
  };
  d.primaryCtxRetain = [](void **context, int) {
    static int token;
    *context = &token;
    return 0;
  };
  d.primaryCtxRelease = [](int) { return 0; };
  d.ctxSetCurrent = [](void *) { return 0; };
  d.ctxSynchronize = []() { return 0; };
  d.getErrorString = [](int result, const char **message) {
    *message = result == kEmulatorError ? lastError.c_str() : nullptr;
    return 0;
  };
  d.memAlloc = [](DevicePtr *ptr, size_t bytes) {
    // As on the GPU: memory no kernel wrote is not zero.
    size_t rounded = (bytes + 255) / 256 * 256;
    void *memory = std::aligned_alloc(256, rounded);
    if (!memory)
      return fail("out of host memory for " + std::to_string(bytes) +
                  " bytes of emulated device memory");
    std::memset(memory, 0xff, rounded);
    *ptr = DevicePtr(reinterpret_cast<uintptr_t>(memory));
    return 0;
  };
  d.memFree = [](DevicePtr ptr) {
    std::free(reinterpret_cast<void *>(uintptr_t(ptr)));
    return 0;
  };
  d.memcpyHtoD = [](DevicePtr to, const void *from, size_t bytes) {
    std::memcpy(reinterpret_cast<void *>(uintptr_t(to)), from, bytes);
    return 0;
  };
  d.memcpyDtoH = [](void *to, DevicePtr from, size_t bytes) {
    std::memcpy(to, reinterpret_cast<const void *>(uintptr_t(from)), bytes);
    return 0;
  };
  // Kernels come from the library's emulated functions, not from its PTX.
  d.moduleLoadDataEx = [](void **module, const void *, unsigned, int *,
                          void **) {
    static int token;
    *module = &token;
    return 0;
  };
  d.moduleUnload = [](void *) { return 0; };
  d.moduleGetFunction = [](void **, void *, const char *name) {
    return fail(std::string("internal: the emulator looked up ") + name);
  };
  d.funcGetAttribute = [](int *value, int, void *) {
    *value = 0; // registers and local memory: none to report
    return 0;
  };
  d.funcSetAttribute = [](void *, int, int) { return 0; };
  d.launchKernel = launch;
  d.eventCreate = [](void **event, unsigned) {
    *event = new Clock::time_point();
    return 0;
  };
  d.eventDestroy = [](void *event) {
    delete static_cast<Clock::time_point *>(event);
    return 0;
  };
  d.eventRecord = [](void *event, void *) {
    *static_cast<Clock::time_point *>(event) = Clock::now();
    return 0;
  };
  d.eventSynchronize = [](void *) { return 0; };
  d.eventElapsedTime = [](float *ms, void *begin, void *end) {
    *ms = std::chrono::duration<float, std::milli>(
              *static_cast<Clock::time_point *>(end) -
              *static_cast<Clock::time_point *>(begin))
              .count();
    return 0;
  };
}

} // namespace ade::cuda
