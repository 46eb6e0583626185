//===- CudaDriver.h - The CUDA driver calls of the runtime ------*- C++ -*-===//
//
// Private to runtime/lib: the driver API as function pointers, filled from
// libcuda.so.1 (Cuda.cpp) or by the GPU emulator (CudaEmulator.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_LIB_CUDADRIVER_H
#define ADE_RUNTIME_LIB_CUDADRIVER_H

#include "ade/runtime/Cuda.h"

namespace ade::cuda {

/// The driver entry points the runtime uses (signatures of cuda.h, with
/// handles as void*).
struct DriverApi {
  void *library = nullptr;
  int (*init)(unsigned);
  int (*deviceGet)(int *, int);
  int (*deviceGetName)(char *, int, int);
  int (*deviceGetAttribute)(int *, int, int);
  int (*primaryCtxRetain)(void **, int);
  int (*primaryCtxRelease)(int);
  int (*ctxSetCurrent)(void *);
  int (*ctxSynchronize)();
  int (*getErrorString)(int, const char **);
  int (*memAlloc)(DevicePtr *, size_t);
  int (*memFree)(DevicePtr);
  int (*memcpyHtoD)(DevicePtr, const void *, size_t);
  int (*memcpyDtoH)(void *, DevicePtr, size_t);
  int (*memcpyDtoD)(DevicePtr, DevicePtr, size_t);
  int (*memcpyHtoDAsync)(DevicePtr, const void *, size_t, void *);
  int (*memAllocHost)(void **, size_t);
  int (*memFreeHost)(void *);
  int (*moduleLoadDataEx)(void **, const void *, unsigned, int *, void **);
  int (*moduleUnload)(void *);
  int (*moduleGetFunction)(void **, void *, const char *);
  int (*funcGetAttribute)(int *, int, void *);
  int (*funcSetAttribute)(void *, int, int);
  int (*launchKernel)(void *, unsigned, unsigned, unsigned, unsigned, unsigned,
                      unsigned, unsigned, void *, void **, void **);
  int (*eventCreate)(void **, unsigned);
  int (*eventDestroy)(void *);
  int (*eventRecord)(void *, void *);
  int (*eventSynchronize)(void *);
  int (*eventElapsedTime)(float *, void *, void *);
};

/// Fills `api` with the emulator's driver: host memory, and kernels run as
/// their `emulated` host functions, a block's threads as fibers.
void installEmulator(DriverApi &api);

} // namespace ade::cuda

#endif // ADE_RUNTIME_LIB_CUDADRIVER_H
