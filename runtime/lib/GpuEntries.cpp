//===- GpuEntries.cpp - A model library's entries run on the GPU ----------===//

#include "ade/runtime/GpuEntries.h"

#include "ade/runtime/Error.h"

#include <cstdio>

namespace ade {

GpuEntries::GpuEntries(const ade_library_info &library)
    : kernels(device, library) {}

std::string GpuEntries::description() const {
  return device.name() + " (" + std::to_string(device.multiprocessors()) +
         " SMs)";
}

bool GpuEntries::run(const std::string &owner, const std::string &entry,
                     const std::vector<Arg> &args, int64_t batch) {
  if (!hasKernel(owner, entry))
    return false;
  std::vector<cuda::DevicePtr> pointers;
  std::vector<std::pair<TypedBuffer *, cuda::DevicePtr>> outputs;
  for (const Arg &arg : args) {
    if (arg.resident) {
      pointers.push_back(arg.resident);
      continue;
    }
    if (!arg.buffer)
      continue;
    size_t at = pointers.size();
    if (buffers.size() <= at)
      buffers.resize(at + 1);
    std::unique_ptr<cuda::Buffer> &buffer = buffers[at];
    if (!buffer || buffer->bytes() < arg.buffer->bytes()) {
      buffer.reset(); // the old one first: device memory may be short
      buffer = std::make_unique<cuda::Buffer>(device, arg.buffer->bytes());
    }
    pointers.push_back(buffer->get());
    if (arg.output)
      outputs.push_back({arg.buffer, buffer->get()});
    else
      device.upload(buffer->get(), arg.buffer->data(), arg.buffer->bytes());
  }
  kernels.launch(*kernels.pick(owner, entry, pointers, batch), pointers, batch);
  for (auto [host, ptr] : outputs)
    device.download(host->data(), ptr, host->bytes());
  return true;
}

std::string GpuEntries::formsTimed() const {
  std::string text;
  for (const cuda::Kernels::Timing &t : kernels.timings()) {
    text += (text.empty() ? "" : "; ") + t.owner + "." + t.entry + " at " +
            std::to_string(t.batch) + ":";
    for (auto [kernel, ms] : t.forms) {
      char cell[64];
      std::snprintf(cell, sizeof cell, "%s %lld/block %.3g ms%s",
                    kernel == t.forms.front().first ? "" : ",",
                    (long long)kernel->particles_per_block, ms,
                    kernel == t.fastest ? " (kept)" : "");
      text += cell;
    }
  }
  return text;
}

void GpuEntries::runRuntimeKernel(const std::string &entry,
                                  const std::vector<cuda::DevicePtr> &buffers,
                                  int64_t count) {
  const ade_cuda_kernel *kernel = kernels.find("ade.runtime", entry, count);
  if (!kernel)
    throw Error("this model library has no runtime kernel '" + entry +
                "': recompile it with this adec (--target all)");
  kernels.launch(*kernel, buffers, count);
}

} // namespace ade
