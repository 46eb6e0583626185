//===- CudaEmulator.cpp - GPU kernels run on the CPU ----------------------===//
//
// The CUDA driver calls of the runtime, served on the host: device memory
// is host memory, and a launch runs the kernel's `emulated` host function
// (adec --cuda-emulator) once per thread of the grid. A block's threads are
// fibers switched at barriers: every thread of the block runs up to its
// next barrier before any goes on, as on the GPU (in reverse order with
// ADE_CUDA_EMULATOR_ORDER=reverse, which shows a thread reading what a later
// one writes without a barrier between). Memory the GPU
// leaves uninitialized (allocations, shared memory) is filled with NaNs, so
// that a kernel reading what it never wrote fails the comparison with the
// CPU.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <sys/mman.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

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
/// Multiprocessors the emulated device reports, each running one block of
/// 256 threads at a time: few, so that the runtime's choice of tile size
/// changes, and a VJP's blocks loop over several tiles, at batches a test
/// can afford.
constexpr int kMultiprocessors = 8, kThreadsPerMultiprocessor = 256;
constexpr int kMaxSharedBytes = 227 * 1024;
/// Each fiber's stack: one-thread-per-particle kernels keep a particle's
/// buffers on it.
constexpr size_t kStackBytes = 1 << 20;

thread_local std::string lastError;

int fail(std::string message) {
  lastError = std::move(message);
  return kEmulatorError;
}

#if defined(__x86_64__)
/// A suspended fiber: its stack pointer, with the callee-saved registers
/// and the floating-point control words pushed (ade_emulator_switch).
/// glibc's swapcontext would also save the signal mask, a system call per
/// switch: the emulator switches twice per thread and barrier.
struct Context {
  void *stack = nullptr;
};

extern "C" void ade_emulator_switch(void **save, void *resume);
// Saves the callee-saved registers, MXCSR and the x87 control word on the
// current stack, stores the stack pointer in *save (rdi), and resumes the
// stack `resume` (rsi), which was saved the same way (or made by
// startFiber).
asm(R"(
  .pushsection .text
  .p2align 4
  .globl ade_emulator_switch
  .hidden ade_emulator_switch
  .type ade_emulator_switch, @function
ade_emulator_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size ade_emulator_switch, .-ade_emulator_switch
  .popsection
)");

void switchTo(Context &from, Context &to) {
  ade_emulator_switch(&from.stack, to.stack);
}

/// Makes `context` call `entry` (which must not return), when switched to,
/// on the stack [base, base + bytes).
void startFiber(Context &context, char *base, size_t bytes, void (*entry)()) {
  // From the top: a zero return address for `entry` (at 8 mod 16, where a
  // call leaves the stack pointer), `entry` for the switch to return to,
  // then what ade_emulator_switch pops.
  auto *top = reinterpret_cast<uint64_t *>(
      (reinterpret_cast<uintptr_t>(base + bytes) & ~uintptr_t(15)) - 8);
  *top = 0;
  uint64_t *sp = top;
  *--sp = reinterpret_cast<uint64_t>(entry);
  for (int r = 0; r < 6; ++r)
    *--sp = 0; // rbp, rbx, r12-r15
  // MXCSR 0x1f80 (all exceptions masked, round to nearest) in the low
  // half, the x87 control word 0x037f in the high half.
  *--sp = uint64_t(0x037f) << 32 | 0x1f80;
  context.stack = sp;
}
#else
// Elsewhere, glibc's portable (and slower) contexts.
struct Context {
  ucontext_t context;
};

void switchTo(Context &from, Context &to) {
  swapcontext(&from.context, &to.context);
}

void startFiber(Context &context, char *base, size_t bytes, void (*entry)()) {
  getcontext(&context.context);
  context.context.uc_stack.ss_sp = base;
  context.context.uc_stack.ss_size = bytes;
  context.context.uc_link = nullptr; // entry does not return
  makecontext(&context.context, entry, 0);
}
#endif

struct Fiber {
  Context context;
  ade_emulated_thread thread;
  bool done = false, waiting = false;
};

/// The block being run on this thread.
struct Block {
  ade_emulated_kernel_fn kernel = nullptr;
  void **params = nullptr;
  Context scheduler;
  std::vector<Fiber> fibers;
  size_t current = 0;
};
thread_local Block *running = nullptr;

void barrier(ade_emulated_thread *thread) {
  Fiber &fiber = running->fibers[size_t(thread->thread_id)];
  fiber.waiting = true;
  switchTo(fiber.context, running->scheduler);
}

[[noreturn]] void runFiber() {
  Block &block = *running;
  Fiber &fiber = block.fibers[block.current];
  block.kernel(block.params, &fiber.thread);
  fiber.done = true;
  switchTo(fiber.context, block.scheduler);
  __builtin_unreachable(); // a finished fiber is not resumed
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
  static const bool reversed = [] {
    const char *order = std::getenv("ADE_CUDA_EMULATOR_ORDER");
    return order && std::strcmp(order, "reverse") == 0;
  }();
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
      startFiber(fiber.context, stack + size_t(t) * kStackBytes, kStackBytes,
                 runFiber);
    }
    // Rounds: each thread runs to its next barrier (or its end).
    for (unsigned round = 0;; ++round) {
      for (unsigned i = 0; i < blockX; ++i) {
        unsigned t = reversed ? blockX - 1 - i : i;
        Fiber &fiber = block.fibers[t];
        if (fiber.done)
          continue;
        fiber.waiting = false;
        block.current = t;
        switchTo(block.scheduler, fiber.context);
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
    constexpr int kMultiprocessorCount = 16, kMaxSharedPerBlockOptin = 97,
                  kMaxThreadsPerMultiprocessor = 39;
    if (attribute == kMultiprocessorCount)
      *value = kMultiprocessors;
    else if (attribute == kMaxSharedPerBlockOptin)
      *value = kMaxSharedBytes;
    else if (attribute == kMaxThreadsPerMultiprocessor)
      *value = kThreadsPerMultiprocessor;
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
  // The emulator's kernels run at their launch: a copy in order with them
  // is done at once.
  d.memcpyHtoDAsync = [](DevicePtr to, const void *from, size_t bytes, void *) {
    std::memcpy(reinterpret_cast<void *>(uintptr_t(to)), from, bytes);
    return 0;
  };
  d.memAllocHost = [](void **ptr, size_t bytes) {
    *ptr = std::malloc(bytes);
    return *ptr ? 0 : fail("out of host memory");
  };
  d.memFreeHost = [](void *ptr) {
    std::free(ptr);
    return 0;
  };
  d.memcpyDtoD = [](DevicePtr to, DevicePtr from, size_t bytes) {
    std::memcpy(reinterpret_cast<void *>(uintptr_t(to)),
                reinterpret_cast<const void *>(uintptr_t(from)), bytes);
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
