//===- ade-gpu-check.cpp - GPU kernels against the CPU entries ------------===//
//
// ade-gpu-check MODEL.so [--reference MODEL_F64.so]
//               [--check-batches 1,7,100,10000]
//               [--bench-batches 100,10000,1000000] [--tolerance 1e-4]
//               [--entries Moons.energy_vjp,...] [--seed 20261128]
//
// Runs every GPU kernel of a library compiled with `adec --target all` on
// random inputs and parameters drawn by the metadata's initializers, and
// compares each output with the CPU entry (max |gpu - cpu| / max(1, |cpu|)
// per output). f32 rounding differs between the GPU's and the CPU's math
// functions and grows through long samplers; with the f64 build of the same
// source as a reference, a kernel also passes when its error against f64 is
// at most twice the f32 CPU entry's. Failing that, at batches of 100 or
// more, it passes when the two are apart on one or two particles alone, run
// one at a time (a ReLU whose input is within rounding of zero goes either
// way in f32, and the gradients after it jump). Checks aderun's own kernels
// (Adam, the averages, the noise) against the same operations on the host. Then
// times each kernel against the CPU entry on all cores. Prints Markdown tables;
// exits 1 on a mismatch, 2 on bad usage, 3 when there is no GPU or GPU code.
// With ADE_CUDA_EMULATOR=1 the kernels run on the runtime's GPU emulator
// (libraries compiled with --cuda-emulator), at batches 1, 7, 100 and 300 and
// without timing unless told otherwise.
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/Cuda.h"
#include "ade/runtime/Error.h"
#include "ade/runtime/ModelLibrary.h"
#include "ade/runtime/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ade::TypedBuffer;
using ade::cuda::DevicePtr;

struct Options {
  std::string library;
  std::string reference; // the same source compiled with --precision f64
  std::vector<int64_t> checkBatches{1, 7, 100, 10000};
  std::vector<int64_t> benchBatches{100, 10000, 1000000};
  bool checkBatchesGiven = false, benchBatchesGiven = false;
  double tolerance = 1e-4;
  std::vector<std::string> entries; // owner.entry; empty: all
  uint64_t seed = 20261128;         // of the random inputs
};

/// "none" is the empty list.
std::vector<int64_t> parseList(const std::string &text) {
  std::vector<int64_t> values;
  if (text == "none")
    return values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    values.push_back(std::stoll(item));
  for (int64_t v : values)
    if (v <= 0)
      throw ade::Error("batch sizes must be positive: " + text);
  return values;
}

/// One buffer of an entry: its values per particle (0: a flat parameter
/// buffer of `flat` values), whether the entry writes it, and how inputs
/// are drawn.
struct Slot {
  std::string name;
  int64_t perParticle = 0;
  int64_t flat = 0;
  bool output = false;
  std::function<void(TypedBuffer &, ade::Rng &)> fill;
};

/// An entry with a GPU kernel: its buffers in kernel order and a call of
/// the CPU entry on host buffers in that order.
struct Case {
  std::string owner, entry;
  int32_t dtype = ADE_F32;
  const ade_cuda_kernel *kernel = nullptr;
  std::vector<Slot> slots;
  std::function<int32_t(std::vector<TypedBuffer> &, int64_t)> cpu;
};

size_t elementBytes(int32_t dtype) {
  return dtype == ADE_F64 ? sizeof(double) : sizeof(float);
}

Slot params(const std::string &name, const ade_param_info *p, int32_t count,
            int64_t size) {
  Slot s{name, 0, size, false, nullptr};
  s.fill = [p, count, size](TypedBuffer &b, ade::Rng &rng) {
    b.assign(ade::initialParameters(p, count, size, rng));
  };
  return s;
}

Slot normal(const std::string &name, int64_t perParticle) {
  return {name, perParticle, 0, false, [](TypedBuffer &b, ade::Rng &rng) {
            std::vector<double> v(b.size());
            rng.fillNormal(v.data(), v.size());
            b.assign(v);
          }};
}

Slot output(const std::string &name, int64_t perParticle) {
  return {name, perParticle, 0, true, nullptr};
}

/// A parameter gradient: flat, summed over the batch.
Slot gradOutput(const std::string &name, int64_t size) {
  return {name, 0, size, true, nullptr};
}

/// The sampler's noise: standard normal or uniform per draw.
Slot noise(const ade_sampler_info &s) {
  return {"noise", s.noise_size, 0, false, [&s](TypedBuffer &b, ade::Rng &rng) {
            std::vector<double> v(b.size());
            int64_t n = s.noise_size, batch = int64_t(v.size()) / n;
            for (int64_t p = 0; p < batch; ++p)
              for (int32_t d = 0; d < s.num_draws; ++d) {
                double *at = v.data() + p * n + s.draws[d].offset;
                if (s.draws[d].noise == ADE_NOISE_UNIFORM) {
                  // Below 1 in f32 too (rounding may reach it).
                  rng.fillUniform(at, s.draws[d].size);
                  for (double *u = at; u < at + s.draws[d].size; ++u)
                    *u = std::min(*u, double(std::nextafter(1.0f, 0.0f)));
                } else
                  rng.fillNormal(at, s.draws[d].size);
              }
            b.assign(v);
          }};
}

/// An entry's kernels to test, one per tile size.
using KernelLookup = std::function<std::vector<const ade_cuda_kernel *>(
    const std::string &owner, const std::string &entry)>;

/// The cases of sampler `s`'s sample_vjp and sampler_vjp: random
/// cotangents; buffers the library's entries ignore are left out, as in
/// the kernels' arguments.
void addSamplerVJPs(const ade_sampler_info &s, const ade_model_info &m,
                    const KernelLookup &kernelOf, std::vector<Case> &all) {
  int64_t d = m.data_size;
  bool x0 = s.takes_initial_state, v = s.returns_momentum;
  bool stats = s.num_stats > 0, modelGrads = m.params_size > 0,
       samplerGrads = s.params_size > 0;
  std::vector<Slot> inputs{
      params("model params", m.params, m.num_params, m.params_size),
      params("sampler params", s.params, s.num_params, s.params_size),
      noise(s)};
  if (x0)
    inputs.push_back(normal("x0", d));
  inputs.push_back(normal("grad_x", d));
  if (v)
    inputs.push_back(normal("grad_v", d));
  for (const char *name : {"grad_log_q", "grad_kinetic", "grad_f"})
    inputs.push_back(normal(name, 1));
  // Pointers in the CPU signature's order, null where a slot is absent.
  auto pointers = [=](std::vector<TypedBuffer> &b, bool values) {
    std::vector<void *> p;
    size_t at = 0;
    auto next = [&](bool present) {
      return present ? b[at++].data() : nullptr;
    };
    for (bool present : {true, true, true, x0, true, v, true, true, true})
      p.push_back(next(present));
    if (values)
      for (bool present : {true, v, true, true, stats, true})
        p.push_back(next(present));
    if (values)
      p.push_back(next(modelGrads));
    p.push_back(next(samplerGrads));
    return p;
  };

  Case full{s.name, "sample_vjp", s.dtype, nullptr, inputs, nullptr};
  full.slots.push_back(output("x", d));
  if (v)
    full.slots.push_back(output("v", d));
  full.slots.push_back(output("log_q", 1));
  full.slots.push_back(output("kinetic", 1));
  if (stats)
    full.slots.push_back(output("stats", s.num_stats));
  full.slots.push_back(output("f", 1));
  if (modelGrads)
    full.slots.push_back(gradOutput("grad_model_params", m.params_size));
  if (samplerGrads)
    full.slots.push_back(gradOutput("grad_sampler_params", s.params_size));
  full.cpu = [&s, pointers](std::vector<TypedBuffer> &b, int64_t n) {
    std::vector<void *> p = pointers(b, true);
    return s.sample_vjp(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
                        p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
                        n, 0);
  };
  for (const ade_cuda_kernel *k : kernelOf(s.name, "sample_vjp")) {
    full.kernel = k;
    all.push_back(full);
  }
  if (!samplerGrads)
    return;
  Case own{s.name, "sampler_vjp", s.dtype, nullptr, inputs, nullptr};
  own.slots.push_back(gradOutput("grad_sampler_params", s.params_size));
  own.cpu = [&s, pointers](std::vector<TypedBuffer> &b, int64_t n) {
    std::vector<void *> p = pointers(b, false);
    return s.sampler_vjp(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
                         p[9], n, 0);
  };
  for (const ade_cuda_kernel *k : kernelOf(s.name, "sampler_vjp")) {
    own.kernel = k;
    all.push_back(own);
  }
}

/// The entries of `lib` that `kernelOf` gives kernels, a case per kernel
/// (one per tile size; of the library under test: a reference library's
/// cases carry the tested kernels).
std::vector<Case> cases(const ade::ModelLibrary &lib,
                        const KernelLookup &kernelOf) {
  std::vector<Case> all;
  const ade_library_info &info = lib.info();
  for (int32_t i = 0; i < info.num_models; ++i) {
    const ade_model_info &m = info.models[i];
    Slot p = params("params", m.params, m.num_params, m.params_size);
    int64_t d = m.data_size;
    auto add =
        [&](const char *entry, std::vector<Slot> slots,
            std::function<int32_t(std::vector<TypedBuffer> &, int64_t)> cpu) {
          for (const ade_cuda_kernel *k : kernelOf(m.name, entry))
            all.push_back({m.name, entry, m.dtype, k, slots, cpu});
        };
    add("energy", {p, normal("x", d), output("f", 1)},
        [&m](std::vector<TypedBuffer> &b, int64_t n) {
          return m.energy(b[0].data(), b[1].data(), b[2].data(), n, 0);
        });
    add("grad_energy", {p, normal("x", d), output("f", 1), output("grad", d)},
        [&m](std::vector<TypedBuffer> &b, int64_t n) {
          return m.grad_energy(b[0].data(), b[1].data(), b[2].data(),
                               b[3].data(), n, 0);
        });
    if (m.score_matching_probe)
      add("score_matching",
          {p, normal("x", d), normal("probe", d), output("loss", 1)},
          [&m](std::vector<TypedBuffer> &b, int64_t n) {
            return m.score_matching(b[0].data(), b[1].data(), b[2].data(),
                                    b[3].data(), n, 0);
          });
    else
      add("score_matching", {p, normal("x", d), output("loss", 1)},
          [&m](std::vector<TypedBuffer> &b, int64_t n) {
            return m.score_matching(b[0].data(), b[1].data(), nullptr,
                                    b[2].data(), n, 0);
          });
    if (m.params_size == 0)
      continue; // no parameter gradients
    Slot grads = gradOutput("grad_params", m.params_size);
    add("energy_vjp", {p, normal("x", d), normal("w", 1), grads},
        [&m](std::vector<TypedBuffer> &b, int64_t n) {
          return m.energy_vjp(b[0].data(), b[1].data(), b[2].data(),
                              b[3].data(), n, 0);
        });
    if (m.score_matching_probe)
      add("score_matching_vjp",
          {p, normal("x", d), normal("probe", d), normal("w", 1), grads},
          [&m](std::vector<TypedBuffer> &b, int64_t n) {
            return m.score_matching_vjp(b[0].data(), b[1].data(), b[2].data(),
                                        b[3].data(), b[4].data(), n, 0);
          });
    else
      add("score_matching_vjp", {p, normal("x", d), normal("w", 1), grads},
          [&m](std::vector<TypedBuffer> &b, int64_t n) {
            return m.score_matching_vjp(b[0].data(), b[1].data(), nullptr,
                                        b[2].data(), b[3].data(), n, 0);
          });
  }
  for (int32_t i = 0; i < info.num_samplers; ++i) {
    const ade_sampler_info &s = info.samplers[i];
    const ade_model_info &m = info.models[s.model];
    std::vector<const ade_cuda_kernel *> kernels = kernelOf(s.name, "sample");
    if (kernels.empty())
      continue;
    int64_t d = m.data_size;
    Case c{s.name, "sample", s.dtype, nullptr, {}, nullptr};
    c.slots.push_back(
        params("model params", m.params, m.num_params, m.params_size));
    c.slots.push_back(
        params("sampler params", s.params, s.num_params, s.params_size));
    c.slots.push_back(noise(s));
    if (s.takes_initial_state)
      c.slots.push_back(normal("x0", d));
    c.slots.push_back(output("x", d));
    if (s.returns_momentum)
      c.slots.push_back(output("v", d));
    c.slots.push_back(output("log_q", 1));
    c.slots.push_back(output("kinetic", 1));
    if (s.num_stats)
      c.slots.push_back(output("stats", s.num_stats));
    bool x0 = s.takes_initial_state, v = s.returns_momentum;
    c.cpu = [&s, x0, v](std::vector<TypedBuffer> &b, int64_t n) {
      size_t at = 3;
      void *initial = x0 ? b[at++].data() : nullptr;
      void *x = b[at++].data();
      void *momentum = v ? b[at++].data() : nullptr;
      void *logq = b[at++].data();
      void *kinetic = b[at++].data();
      void *stats = s.num_stats ? b[at].data() : nullptr;
      return s.sample(b[0].data(), b[1].data(), b[2].data(), initial, x,
                      momentum, logq, kinetic, stats, n, 0);
    };
    for (const ade_cuda_kernel *k : kernels) {
      c.kernel = k;
      all.push_back(c);
    }
    addSamplerVJPs(s, m, kernelOf, all);
  }
  return all;
}

/// Host and device buffers of one case at one batch size.
struct Run {
  std::vector<TypedBuffer> host;
  std::vector<std::unique_ptr<ade::cuda::Buffer>> device;
  std::vector<DevicePtr> pointers;

  Run(ade::cuda::Device &gpu, const Case &c, int64_t batch, ade::Rng &rng) {
    for (const Slot &s : c.slots) {
      size_t count =
          s.perParticle ? size_t(batch * s.perParticle) : size_t(s.flat);
      host.emplace_back(c.dtype, count);
      if (s.fill)
        s.fill(host.back(), rng);
    }
    upload(gpu, c.dtype);
  }

  /// Buffers for one particle of `c`, filled by load().
  Run(ade::cuda::Device &gpu, const Case &c) {
    for (const Slot &s : c.slots)
      host.emplace_back(c.dtype,
                        s.perParticle ? size_t(s.perParticle) : size_t(s.flat));
    upload(gpu, c.dtype);
  }

  /// Particle `p` of the inputs `whole` (each buffer's values): its rows of
  /// the per-particle buffers, here and on the device (the flat ones,
  /// parameters, are loaded once: `flatToo` on the first call).
  void load(ade::cuda::Device &gpu, const Case &c,
            const std::vector<std::vector<double>> &whole, int64_t p,
            bool flatToo) {
    for (size_t i = 0; i < c.slots.size(); ++i) {
      const Slot &s = c.slots[i];
      if (s.output || (!s.perParticle && !flatToo))
        continue;
      size_t from = s.perParticle ? size_t(p * s.perParticle) : 0;
      host[i].assign(whole[i].data() + from, host[i].size());
      gpu.upload(pointers[i], host[i].data(),
                 host[i].size() * elementBytes(c.dtype));
    }
  }

  /// The outputs the kernel wrote (the inputs' buffers empty).
  std::vector<TypedBuffer> download(ade::cuda::Device &gpu, const Case &c) {
    std::vector<TypedBuffer> out;
    for (size_t i = 0; i < c.slots.size(); ++i) {
      out.emplace_back(c.dtype, c.slots[i].output ? host[i].size() : 0);
      if (c.slots[i].output)
        gpu.download(out.back().data(), pointers[i],
                     out.back().size() * elementBytes(c.dtype));
    }
    return out;
  }

private:
  void upload(ade::cuda::Device &gpu, int32_t dtype) {
    for (TypedBuffer &b : host) {
      device.push_back(std::make_unique<ade::cuda::Buffer>(
          gpu, b.size() * elementBytes(dtype)));
      gpu.upload(device.back()->get(), b.data(),
                 b.size() * elementBytes(dtype));
      pointers.push_back(device.back()->get());
    }
  }
};

/// max |got - want| / max(1, |want|) over each output of `c` (0 for the
/// inputs; NaN counts as infinite).
std::vector<double> slotErrors(const Case &c,
                               const std::vector<TypedBuffer> &got,
                               const std::vector<TypedBuffer> &want) {
  std::vector<double> errors(c.slots.size(), 0.0);
  for (size_t i = 0; i < c.slots.size(); ++i) {
    if (!c.slots[i].output)
      continue;
    std::vector<double> g = got[i].values(), w = want[i].values();
    for (size_t k = 0; k < w.size(); ++k) {
      double e = std::abs(g[k] - w[k]) / std::max(1.0, std::abs(w[k]));
      if (!(e <= errors[i]))
        errors[i] = std::isnan(e) ? INFINITY : e;
    }
  }
  return errors;
}

/// The largest of `errors` and the output it is in.
std::pair<double, std::string> worstOf(const Case &c,
                                       const std::vector<double> &errors) {
  double worst = 0;
  std::string name = "-";
  for (size_t i = 0; i < errors.size(); ++i)
    if (c.slots[i].output && errors[i] > worst) {
      worst = errors[i];
      name = c.slots[i].name;
    }
  return {worst, name};
}

/// Where the kernel and the CPU entry differ by more than `tolerance` on
/// a few particles alone, and agree on the rest.
struct Isolation {
  std::vector<int64_t> particles; // those apart
  bool restAgree = false;
};

/// Finds the particles of `r` whose outputs differ between the kernel
/// (`gpuOut`) and the CPU entry by more than `tolerance`, giving up past
/// `maxParticles` or at a non-finite kernel output: from the batch's rows,
/// or, for an entry that sums over the particles (a VJP's parameter
/// gradients), by running each particle alone on both. Then checks that
/// without them (their rows, or their shares of the sums) the outputs
/// agree. In f32, a ReLU whose input is within rounding of zero may go
/// either way and make one particle's gradients jump (moons' energy_vjp at
/// batch 10 000 on the emulator, --seed 79: its summed gradients 2e-2
/// apart, for one particle): a rounding difference stays with its
/// particle, where a wrong kernel is usually wrong on many.
Isolation isolate(ade::cuda::Device &gpu, ade::cuda::Kernels &kernels,
                  const Case &c, const Run &r,
                  const std::vector<TypedBuffer> &gpuOut, int64_t batch,
                  double tolerance, int64_t maxParticles) {
  Isolation result;
  auto apartBy = [&](double error) {
    return !(error <= tolerance); // NaN included
  };
  std::vector<bool> apart(batch, false);
  auto markApart = [&](int64_t p) {
    if (!apart[p]) {
      apart[p] = true;
      result.particles.push_back(p);
    }
    return int64_t(result.particles.size()) <= maxParticles;
  };
  bool sums = false;
  for (size_t i = 0; i < c.slots.size(); ++i) {
    const Slot &s = c.slots[i];
    if (!s.output)
      continue;
    sums = sums || !s.perParticle;
    if (!s.perParticle)
      continue;
    std::vector<double> g = gpuOut[i].values(), w = r.host[i].values();
    for (size_t k = 0; k < w.size(); ++k) {
      if (!std::isfinite(g[k]) && std::isfinite(w[k]))
        return result;
      double e = std::abs(g[k] - w[k]) / std::max(1.0, std::abs(w[k]));
      if (apartBy(e) && !markApart(int64_t(k / s.perParticle)))
        return result;
    }
  }
  // Per summed output: the kernel's minus the CPU's shares of the
  // particles apart.
  std::vector<std::vector<double>> shares(c.slots.size());
  if (sums) {
    std::vector<std::vector<double>> inputs;
    for (size_t i = 0; i < c.slots.size(); ++i) {
      inputs.push_back(c.slots[i].output ? std::vector<double>()
                                         : r.host[i].values());
      if (c.slots[i].output && !c.slots[i].perParticle)
        shares[i].assign(r.host[i].size(), 0.0);
    }
    Run one(gpu, c);
    for (int64_t p = 0; p < batch; ++p) {
      one.load(gpu, c, inputs, p, /*flatToo=*/p == 0);
      ade::checkStatus(c.cpu(one.host, 1), c.kernel->name);
      kernels.launch(*c.kernel, one.pointers, 1);
      gpu.synchronize();
      std::vector<TypedBuffer> gpuOne = one.download(gpu, c);
      std::vector<double> errors = slotErrors(c, gpuOne, one.host);
      if (!apartBy(*std::max_element(errors.begin(), errors.end())))
        continue;
      for (size_t i = 0; i < c.slots.size(); ++i) {
        if (!c.slots[i].output)
          continue;
        std::vector<double> g = gpuOne[i].values();
        if (!std::all_of(g.begin(), g.end(),
                         [](double v) { return std::isfinite(v); }))
          return result;
      }
      if (!markApart(p))
        return result;
      for (size_t i = 0; i < c.slots.size(); ++i)
        if (!shares[i].empty()) {
          std::vector<double> g = gpuOne[i].values(), w = one.host[i].values();
          for (size_t k = 0; k < g.size(); ++k)
            shares[i][k] += g[k] - w[k];
        }
    }
  }
  for (size_t i = 0; i < c.slots.size(); ++i) {
    const Slot &s = c.slots[i];
    if (!s.output)
      continue;
    std::vector<double> g = gpuOut[i].values(), w = r.host[i].values();
    for (size_t k = 0; k < w.size(); ++k) {
      if (s.perParticle && apart[k / s.perParticle])
        continue;
      double rest = g[k] - w[k] - (s.perParticle ? 0 : shares[i][k]);
      if (!(std::abs(rest) <= tolerance * std::max(1.0, std::abs(w[k]))))
        return result;
    }
  }
  result.restAgree = true;
  return result;
}

/// "owner.entry", as the report and --entries name a case.
std::string nameOf(const Case &c) { return c.owner + "." + c.entry; }

/// "thread" (one thread per particle) or "T/block" (a tile of T particles
/// per block).
std::string formOf(const ade_cuda_kernel &kernel) {
  if (kernel.shared_bytes == 0)
    return "thread";
  return std::to_string(kernel.particles_per_block) + "/block";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Median milliseconds of `fn` over enough repetitions to fill ~0.2 s.
double timeMs(const std::function<double()> &once) {
  std::vector<double> samples{once()};
  int reps = std::clamp(int(200 / std::max(samples[0], 1e-3)), 3, 200);
  for (int r = 0; r < reps; ++r)
    samples.push_back(once());
  return median(samples);
}

/// The stream of `c`'s inputs at `batch`: the same for each of the entry's
/// forms, whatever else is checked (FNV-1a of the entry's name).
ade::Rng inputsOf(uint64_t seed, const Case &c, int64_t batch) {
  uint64_t hash = 14695981039346656037ull;
  for (char ch : c.owner + "." + c.entry + "@" + std::to_string(batch))
    hash = (hash ^ uint8_t(ch)) * 1099511628211ull;
  return ade::Rng(seed, hash);
}

/// Max |got - want| / max(1, |want|) (NaN: infinite).
double maxError(const std::vector<double> &got,
                const std::vector<double> &want) {
  double worst = 0;
  for (size_t k = 0; k < want.size(); ++k) {
    double e = std::abs(got[k] - want[k]) / std::max(1.0, std::abs(want[k]));
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
  }
  return worst;
}

/// Whether the forms of each entry of `all` (its kernels of other tile
/// sizes, adjacent cases) write bitwise the same outputs as its first on
/// the same inputs, at each of `batches`: the runtime picks a form by
/// timing them (ade::cuda::Kernels::pick), which must not change results.
bool checkFormsAgree(ade::cuda::Device &gpu, ade::cuda::Kernels &kernels,
                     const std::vector<Case> &all,
                     const std::vector<int64_t> &batches, ade::Rng &rng) {
  bool header = false, ok = true;
  for (size_t first = 0, next; first < all.size(); first = next) {
    const Case &c = all[first];
    for (next = first + 1; next < all.size() && all[next].owner == c.owner &&
                           all[next].entry == c.entry;
         ++next)
      ;
    // A VJP's forms sum in different orders; the runtime chooses one by
    // the batch alone.
    if (next - first < 2 || c.kernel->scratch_bytes_per_block > 0)
      continue;
    if (!header)
      std::printf("\n## Forms\n\nThe runtime times an entry's forms at the "
                  "first call for a batch size and keeps the fastest: they "
                  "must write the same bits (a VJP's forms, which sum the "
                  "batch in different orders, are chosen by the batch "
                  "alone).\n\n| entry | forms | batch | "
                  "outputs |\n|---|---|---|---|\n");
    header = true;
    std::string forms;
    for (size_t k = first; k < next; ++k)
      forms += (k == first ? "" : ", ") + formOf(*all[k].kernel);
    for (int64_t batch : batches) {
      Run r(gpu, c, batch, rng);
      kernels.launch(*c.kernel, r.pointers, batch);
      gpu.synchronize();
      std::vector<TypedBuffer> want = r.download(gpu, c);
      std::string verdict = "identical";
      for (size_t k = first + 1; k < next; ++k) {
        kernels.launch(*all[k].kernel, r.pointers, batch);
        gpu.synchronize();
        std::vector<TypedBuffer> got = r.download(gpu, c);
        for (size_t i = 0; i < c.slots.size(); ++i)
          if (c.slots[i].output &&
              std::memcmp(got[i].data(), want[i].data(),
                          want[i].size() * elementBytes(c.dtype)) != 0) {
            char text[96];
            std::snprintf(text, sizeof text, "DIFFER (%s: %s, by %.2e)",
                          formOf(*all[k].kernel).c_str(),
                          c.slots[i].name.c_str(),
                          maxError(got[i].values(), want[i].values()));
            verdict = text;
            ok = false;
            break;
          }
      }
      std::printf("| %s.%s | %s | %lld | %s |\n", c.owner.c_str(),
                  c.entry.c_str(), forms.c_str(), (long long)batch,
                  verdict.c_str());
    }
  }
  return ok;
}

/// Device buffers of host values, and back.
struct DeviceVector {
  DeviceVector(ade::cuda::Device &gpu, const TypedBuffer &values)
      : gpu(gpu),
        dtype(values.bytes() == values.size() * 8 ? ADE_F64 : ADE_F32),
        buffer(gpu, values.bytes()) {
    gpu.upload(buffer.get(), values.data(), values.bytes());
  }
  std::vector<double> values(size_t count) {
    TypedBuffer out(dtype, count);
    gpu.download(out.data(), buffer.get(), out.bytes());
    return out.values();
  }
  ade::cuda::Device &gpu;
  int32_t dtype;
  ade::cuda::Buffer buffer;
};

TypedBuffer randomBuffer(int32_t dtype, size_t count, double scale,
                         ade::Rng &rng) {
  std::vector<double> v(count);
  for (double &x : v)
    x = scale * rng.normal();
  TypedBuffer out(dtype, count);
  out.assign(v);
  return out;
}

/// aderun's own kernels (owner "ade.runtime") against the same operations
/// on the host: Adam (aderun's, with the clip, on f64 masters and moments;
/// the gradient's squared norm and the non-finite count), the moving
/// average and the noise (ade::philoxNoise). Prints a table; false on a
/// mismatch.
bool checkRuntimeKernels(ade::cuda::Device &gpu, ade::cuda::Kernels &kernels,
                         int32_t dtype, ade::Rng &rng) {
  std::printf("\n## aderun's own kernels against the host\n\n| kernel | "
              "case | values | error | |\n|---|---|---|---|---|\n");
  bool ok = true, f32 = dtype != ADE_F64;
  auto report = [&](const char *kernel, const char *what, int64_t n,
                    double error, double tolerance) {
    bool pass = error <= tolerance;
    ok = ok && pass;
    std::printf("| %s | %s | %lld | %.2e | %s |\n", kernel, what, (long long)n,
                error, pass ? "ok" : "FAIL");
  };
  auto launch = [&](const char *entry, const std::vector<DevicePtr> &buffers,
                    int64_t n) {
    const ade_cuda_kernel *kernel = kernels.find("ade.runtime", entry, n);
    if (!kernel)
      throw ade::Error(std::string("this library has no runtime kernel '") +
                       entry + "': recompile it with this adec");
    kernels.launch(*kernel, buffers, n);
    gpu.synchronize();
  };

  // The noise: normal, uniform and normal values per particle.
  {
    const int64_t perParticle = 3, n = 2000 * perParticle;
    const int32_t kinds[3] = {0, 1, 0};
    uint64_t key = rng.next();
    std::vector<int32_t> layout = {int32_t(uint32_t(key)),
                                   int32_t(uint32_t(key >> 32)),
                                   int32_t(perParticle),
                                   0,
                                   1,
                                   0};
    ade::cuda::Buffer out(gpu, size_t(n) * (f32 ? 4 : 8)),
        layoutBuffer(gpu, layout.size() * sizeof(int32_t));
    gpu.upload(layoutBuffer.get(), layout.data(),
               layout.size() * sizeof(int32_t));
    launch("noise", {out.get(), layoutBuffer.get()}, n);
    TypedBuffer got(dtype, size_t(n));
    gpu.download(got.data(), out.get(), got.bytes());
    TypedBuffer want(dtype, size_t(n));
    std::vector<double> values(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      values[i] =
          ade::philoxNoise(key, uint64_t(i), kinds[i % perParticle] != 0, f32);
    want.assign(values);
    report("noise", "Philox4x32-10, normal and uniform", n,
           maxError(got.values(), want.values()), f32 ? 1e-6 : 1e-13);
  }

  // Training batches drawn from a data set's rows: as they are, and
  // dequantized with noise added.
  for (auto [dequantize, noise] : {std::pair{false, 0.0}, {true, 0.3}}) {
    const int64_t rows = 50, cols = 3, particles = 700, first = 7;
    const int64_t n = particles * cols;
    uint64_t key = rng.next();
    TypedBuffer data = randomBuffer(dtype, rows * cols, 1, rng);
    uint64_t noiseBits;
    std::memcpy(&noiseBits, &noise, sizeof noiseBits);
    std::vector<int32_t> layout = {int32_t(uint32_t(key)),
                                   int32_t(uint32_t(key >> 32))},
                         params = {int32_t(cols),
                                   int32_t(rows),
                                   int32_t(first),
                                   dequantize ? 1 : 0,
                                   int32_t(uint32_t(noiseBits)),
                                   int32_t(uint32_t(noiseBits >> 32))};
    DeviceVector dData(gpu, data);
    ade::cuda::Buffer out(gpu, size_t(n) * (f32 ? 4 : 8)),
        layoutBuffer(gpu, layout.size() * sizeof(int32_t)),
        paramsBuffer(gpu, params.size() * sizeof(int32_t));
    gpu.upload(layoutBuffer.get(), layout.data(),
               layout.size() * sizeof(int32_t));
    gpu.upload(paramsBuffer.get(), params.data(),
               params.size() * sizeof(int32_t));
    launch(
        "rows",
        {out.get(), dData.buffer.get(), layoutBuffer.get(), paramsBuffer.get()},
        n);
    TypedBuffer got(dtype, size_t(n)), want(dtype, size_t(n));
    gpu.download(got.data(), out.get(), got.bytes());
    std::vector<double> values(static_cast<size_t>(n)),
        dataValues = data.values();
    for (int64_t i = 0; i < n; ++i)
      values[i] = ade::philoxDataValue(key, dataValues.data(), rows, cols,
                                       first, uint64_t(i), dequantize, noise);
    want.assign(values);
    report("rows",
           dequantize ? "a data set's rows, dequantized, noise added"
                      : "a data set's rows",
           n, maxError(got.values(), want.values()), f32 ? 1e-6 : 1e-13);
  }

  // Adam, with the clip and a subtracted gradient, over several blocks.
  {
    const int64_t n = 10000;
    const double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, steps = 5;
    double hyperValues[10] = {lr,
                              beta1,
                              beta2,
                              1 - std::pow(beta1, steps),
                              1 - std::pow(beta2, steps),
                              1 - std::pow(beta2, steps - 1),
                              -1.0,
                              1.0,
                              0.0,
                              0.0};
    TypedBuffer master = randomBuffer(ADE_F64, n, 1, rng),
                m = randomBuffer(ADE_F64, n, 0.1, rng),
                v = randomBuffer(ADE_F64, n, 0.01, rng),
                a = randomBuffer(dtype, n, 1, rng),
                b = randomBuffer(dtype, n, 1, rng), params(dtype, n);
    std::vector<double> mv = master.values(), mm = m.values(), vv = v.values(),
                        av = a.values(), bv = b.values();
    for (double &x : vv)
      x = std::abs(x);
    v.assign(vv);
    DeviceVector dMaster(gpu, master), dM(gpu, m), dV(gpu, v),
        dParams(gpu, params), dA(gpu, a), dB(gpu, b);
    ade::cuda::Buffer hyper(gpu, sizeof(hyperValues));
    gpu.upload(hyper.get(), hyperValues, sizeof(hyperValues));
    launch("adam",
           {dMaster.buffer.get(), dM.buffer.get(), dV.buffer.get(),
            dParams.buffer.get(), dA.buffer.get(), dB.buffer.get(),
            hyper.get()},
           n);
    double squares = 0;
    std::vector<double> entry(n);
    for (int64_t i = 0; i < n; ++i) {
      double g = -(av[i] - bv[i]);
      squares += g * g;
      double bound = 3 * std::sqrt(vv[i] / hyperValues[5]) + 0.1;
      g = std::clamp(g, -bound, bound);
      mm[i] = beta1 * mm[i] + (1 - beta1) * g;
      vv[i] = beta2 * vv[i] + (1 - beta2) * g * g;
      mv[i] -= lr * (mm[i] / hyperValues[3]) /
               (std::sqrt(vv[i] / hyperValues[4]) + 1e-8);
      entry[i] = f32 ? double(float(mv[i])) : mv[i];
    }
    double sums[2];
    gpu.download(sums, hyper.get() + 8 * sizeof(double), sizeof(sums));
    double error = std::max(
        {maxError(dMaster.values(n), mv), maxError(dM.values(n), mm),
         maxError(dV.values(n), vv), maxError(dParams.values(n), entry),
         std::abs(sums[0] - squares) / squares, sums[1]});
    report("adam", "clipped, a - b, 3 blocks", n, error, 1e-12);
  }

  // Adam counts non-finite gradients (a NaN, an infinity).
  {
    const int64_t n = 100;
    double hyperValues[10] = {1e-3, 0.9, 0.999, 0.1, 0.001, 0, -1, 0, 0, 0};
    std::vector<double> gradient(n, 0.5);
    gradient[3] = NAN;
    gradient[50] = INFINITY;
    TypedBuffer a(dtype, n), zeros(ADE_F64, n), params(dtype, n);
    a.assign(gradient);
    DeviceVector dMaster(gpu, zeros), dM(gpu, zeros), dV(gpu, zeros),
        dParams(gpu, params), dA(gpu, a);
    ade::cuda::Buffer hyper(gpu, sizeof(hyperValues));
    gpu.upload(hyper.get(), hyperValues, sizeof(hyperValues));
    launch("adam",
           {dMaster.buffer.get(), dM.buffer.get(), dV.buffer.get(),
            dParams.buffer.get(), dA.buffer.get(), dA.buffer.get(),
            hyper.get()},
           n);
    double sums[2];
    gpu.download(sums, hyper.get() + 8 * sizeof(double), sizeof(sums));
    report("adam", "non-finite count (2)", n, std::abs(sums[1] - 2), 0);
  }

  // The moving average, then its start.
  {
    const int64_t n = 5000;
    TypedBuffer average = randomBuffer(ADE_F64, n, 1, rng),
                master = randomBuffer(ADE_F64, n, 1, rng);
    std::vector<double> want = average.values(), mv = master.values();
    for (int64_t i = 0; i < n; ++i)
      want[i] = 0.9 * want[i] + (1 - 0.9) * mv[i];
    DeviceVector dAverage(gpu, average), dMaster(gpu, master);
    ade::cuda::Buffer hyper(gpu, 2 * sizeof(double));
    double decay[2] = {0.9, 0};
    gpu.upload(hyper.get(), decay, sizeof(decay));
    launch("ema", {dAverage.buffer.get(), dMaster.buffer.get(), hyper.get()},
           n);
    double error = maxError(dAverage.values(n), want);
    decay[1] = 1;
    gpu.upload(hyper.get(), decay, sizeof(decay));
    launch("ema", {dAverage.buffer.get(), dMaster.buffer.get(), hyper.get()},
           n);
    report("ema", "decay 0.9, then the start", n,
           std::max(error, maxError(dAverage.values(n), mv)), 1e-15);
  }
  return ok;
}

int run(Options opts) {
  ade::ModelLibrary lib(opts.library);
  ade::cuda::Device gpu;
  if (gpu.emulated()) {
    // A block's threads are fibers on one core: small batches only (300:
    // more tiles than the emulator's 8 multiprocessors run at once).
    if (!opts.checkBatchesGiven)
      opts.checkBatches = {1, 7, 100, 300};
    if (!opts.benchBatchesGiven)
      opts.benchBatches = {};
  }
  ade::cuda::Kernels kernels(gpu, lib.info());
  KernelLookup tested = [&](const std::string &owner,
                            const std::string &entry) {
    return kernels.forms(owner, entry);
  };
  std::vector<Case> all = cases(lib, tested);
  // With a reference library, each case's f64 twin (same order).
  std::unique_ptr<ade::ModelLibrary> refLib;
  std::vector<Case> refs;
  if (!opts.reference.empty()) {
    refLib = std::make_unique<ade::ModelLibrary>(opts.reference);
    refs = cases(*refLib, tested);
    bool same = refs.size() == all.size();
    for (size_t i = 0; same && i < refs.size(); ++i)
      same = refs[i].owner == all[i].owner && refs[i].entry == all[i].entry &&
             refs[i].dtype == ADE_F64 &&
             refs[i].slots.size() == all[i].slots.size();
    if (!same)
      throw ade::Error("'" + opts.reference +
                       "' is not the f64 build of the same source (adec "
                       "--precision f64)");
  }
  if (!opts.entries.empty()) {
    auto named = [&](const Case &c) {
      return std::find(opts.entries.begin(), opts.entries.end(), nameOf(c)) !=
             opts.entries.end();
    };
    for (const std::string &name : opts.entries)
      if (std::none_of(all.begin(), all.end(),
                       [&](const Case &c) { return nameOf(c) == name; })) {
        std::fprintf(stderr,
                     "ade-gpu-check: error: --entries: no GPU kernel of "
                     "'%s' (owner.entry, as in the report)\n",
                     name.c_str());
        return 2;
      }
    std::vector<Case> kept, keptRefs;
    for (size_t i = 0; i < all.size(); ++i)
      if (named(all[i])) {
        kept.push_back(all[i]);
        if (!refs.empty())
          keptRefs.push_back(refs[i]);
      }
    all = std::move(kept);
    refs = std::move(keptRefs);
  }
  std::printf("# GPU kernels of %s\n\nDevice: %s (%d SMs). PTX for %s, %d "
              "kernels%s.\n\n",
              opts.library.c_str(), gpu.name().c_str(), gpu.multiprocessors(),
              lib.info().cuda->arch, lib.info().cuda->num_kernels,
              gpu.emulated()        ? ""
              : kernels.fromCubin() ? "; the cubin loaded"
              : lib.info().cuda->cubin
                  ? "; the driver compiled the PTX (the cubin is for "
                    "another architecture)"
                  : "; the driver compiled the PTX (no cubin)");

  std::printf(
      "## Agreement with the CPU entries\n\nError: max |a - b| / max(1, |b|) "
      "over the outputs. A kernel passes when |gpu - cpu| <= %g%s, or, "
      "at batches of 100 or more, when they are apart on one or two "
      "particles alone, run one at a time, and agree on the others (\"ok "
      "(1 particle apart: #17)\", the particle named: a ReLU "
      "whose input is within rounding of zero goes either way in f32, and "
      "the gradients after it jump). Form: "
      "particles per block (\"thread\": one thread per particle) and the "
      "block's shared memory.\n\n| entry | form | registers | local bytes | "
      "batch | worst output | gpu vs cpu |%s |\n"
      "|---|---|---|---|---|---|---|%s---|\n",
      opts.tolerance,
      refs.empty()
          ? ""
          : ", or when each output's error against the f64 CPU entry is at "
            "most twice the f32 CPU entry's",
      refs.empty() ? "" : " gpu vs f64 | cpu vs f64 |",
      refs.empty() ? "" : "---|---|");
  bool ok = true;
  // The checks' inputs come from a stream per entry and batch (inputsOf);
  // the other tables draw from this one.
  ade::Rng rng(opts.seed);
  int isolatedPasses = 0;
  // More particles apart than this is not rounding at a ReLU (about one in
  // a few thousand particles is). Batches 1 and 7 take no excuse.
  constexpr int64_t kMaxParticlesApart = 2, kMinBatchToIsolate = 100;
  for (const Case &c : all) {
    int registers = 0, local = 0;
    kernels.resources(*c.kernel, registers, local);
    std::string form = formOf(*c.kernel);
    if (c.kernel->shared_bytes != 0)
      form += ", " + std::to_string(c.kernel->shared_bytes / 1024) + " KiB";
    for (int64_t batch : opts.checkBatches) {
      ade::Rng inputs = inputsOf(opts.seed, c, batch);
      Run r(gpu, c, batch, inputs);
      ade::checkStatus(c.cpu(r.host, batch), c.kernel->name);
      kernels.launch(*c.kernel, r.pointers, batch);
      gpu.synchronize();
      std::vector<TypedBuffer> gpuOut = r.download(gpu, c);
      std::vector<double> versusCpu = slotErrors(c, gpuOut, r.host);
      auto [worst, worstName] = worstOf(c, versusCpu);
      // Each output passes on its own: within the tolerance of the CPU, or
      // (with the f64 build) as accurate as the CPU against f64.
      bool pass = true;
      std::string versusReference;
      if (refs.empty()) {
        pass = worst <= opts.tolerance;
      } else {
        const Case &ref = refs[&c - all.data()];
        std::vector<TypedBuffer> exact;
        for (size_t i = 0; i < c.slots.size(); ++i) {
          exact.emplace_back(ADE_F64, r.host[i].size());
          if (!c.slots[i].output)
            exact.back().assign(r.host[i].values());
        }
        ade::checkStatus(ref.cpu(exact, batch), c.kernel->name);
        std::vector<double> gpuErrors = slotErrors(c, gpuOut, exact),
                            cpuErrors = slotErrors(c, r.host, exact);
        for (size_t i = 0; i < c.slots.size(); ++i)
          pass =
              pass && (!c.slots[i].output || versusCpu[i] <= opts.tolerance ||
                       (std::isfinite(cpuErrors[i]) &&
                        gpuErrors[i] <= 2 * cpuErrors[i]));
        char cells[64];
        std::snprintf(cells, sizeof cells, " %.2e | %.2e |",
                      worstOf(c, gpuErrors).first, worstOf(c, cpuErrors).first);
        versusReference = cells;
      }
      // Else, at a batch of 100 or more, apart on one or two particles
      // alone (rounding at a ReLU; at the smallest batches that is rare,
      // and a kernel wrong on one particle fails there).
      Isolation isolation;
      if (!pass && batch >= kMinBatchToIsolate) {
        isolation = isolate(gpu, kernels, c, r, gpuOut, batch, opts.tolerance,
                            kMaxParticlesApart);
        pass = isolation.restAgree;
      }
      std::string status = !pass ? "FAIL" : "ok";
      if (pass && isolation.restAgree) {
        size_t n = isolation.particles.size();
        status += " (" + std::to_string(n) +
                  (n == 1 ? " particle apart:" : " particles apart:");
        for (int64_t p : isolation.particles)
          status += " #" + std::to_string(p) +
                    (p == isolation.particles.back() ? ")" : ",");
      }
      ok = ok && pass;
      isolatedPasses += isolation.restAgree;
      std::printf("| %s | %s | %d | %d | %lld | %s | %.2e |%s %s |\n",
                  nameOf(c).c_str(), form.c_str(), registers, local,
                  (long long)batch, worstName.c_str(), worst,
                  versusReference.c_str(), status.c_str());
    }
  }
  if (isolatedPasses > 0)
    std::printf("\n%d check%s passed with the kernel and the CPU entry apart "
                "on one or two particles alone: run one at a time, the other "
                "particles agree.\n",
                isolatedPasses, isolatedPasses == 1 ? "" : "s");

  ok = checkFormsAgree(gpu, kernels, all, opts.checkBatches, rng) && ok;
  if (lib.info().num_models > 0)
    ok = checkRuntimeKernels(gpu, kernels, lib.info().models[0].dtype, rng) &&
         ok;

  if (!opts.benchBatches.empty())
    std::printf(
        "\n## Speed (median; GPU: kernel time by CUDA events; CPU: the "
        "entry on all cores; *: the form the runtime picks for the batch)\n\n"
        "| entry | form | batch | GPU ms | GPU "
        "particles/s | CPU ms | GPU/CPU |\n|---|---|---|---|---|---|---|\n");
  for (const Case &c : all)
    for (int64_t batch : opts.benchBatches) {
      Run r(gpu, c, batch, rng);
      ade::cuda::Timer timer(gpu);
      double gpuMs = timeMs([&] {
        timer.start();
        kernels.launch(*c.kernel, r.pointers, batch);
        return timer.stopMilliseconds();
      });
      double cpuMs = timeMs([&] {
        auto start = std::chrono::steady_clock::now();
        ade::checkStatus(c.cpu(r.host, batch), c.kernel->name);
        return std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - start)
            .count();
      });
      // The form the runtime picks for this batch (timing the forms as it
      // does) is starred.
      bool picked =
          kernels.pick(c.owner, c.entry, r.pointers, batch) == c.kernel;
      std::printf("| %s.%s | %s%s | %lld | %.4f | %.3g | %.3f | %.1fx |\n",
                  c.owner.c_str(), c.entry.c_str(), formOf(*c.kernel).c_str(),
                  picked ? " *" : "", (long long)batch, gpuMs,
                  batch / (gpuMs * 1e-3), cpuMs, cpuMs / gpuMs);
    }
  std::printf("\n%s\n", ok ? "All GPU kernels agree with the CPU entries."
                           : "MISMATCH: some GPU kernels disagree with the "
                             "CPU entries.");
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc)
          throw ade::Error(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--check-batches") {
        opts.checkBatches = parseList(value());
        opts.checkBatchesGiven = true;
      } else if (arg == "--bench-batches") {
        opts.benchBatches = parseList(value());
        opts.benchBatchesGiven = true;
      } else if (arg == "--reference")
        opts.reference = value();
      else if (arg == "--tolerance")
        opts.tolerance = std::stod(value());
      else if (arg == "--seed")
        opts.seed = std::stoull(value());
      else if (arg == "--entries") {
        std::stringstream in(value());
        for (std::string name; std::getline(in, name, ',');)
          opts.entries.push_back(name);
      } else if (arg == "-h" || arg == "--help") {
        std::printf("usage: ade-gpu-check MODEL.so [--reference "
                    "MODEL_F64.so] [--check-batches LIST] [--bench-batches "
                    "LIST|none] [--tolerance T] [--entries "
                    "OWNER.ENTRY,...] [--seed N]\n");
        return 0;
      } else if (!arg.empty() && arg[0] != '-' && opts.library.empty())
        opts.library = arg;
      else
        throw ade::Error("unknown argument '" + arg + "'");
    }
    if (opts.library.empty())
      throw ade::Error("usage: ade-gpu-check MODEL.so [options]");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ade-gpu-check: error: %s\n", e.what());
    return 2;
  }
  try {
    return run(opts);
  } catch (const ade::Error &e) {
    std::fprintf(stderr, "ade-gpu-check: error: %s\n", e.what());
    return 3;
  }
}
