//===- MnistReference.h - The 784-d MLP example in LibTorch -----*- C++ -*-===//
//
// Independent LibTorch implementations of examples/mnist_mlp.ade's MnistMLP
// energy and Langevin10 sampler (with its log-density), for the
// training-loop benchmark, which checks them against the compiled entries
// before timing them.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_BENCH_MNISTREFERENCE_H
#define ADE_BENCH_MNISTREFERENCE_H

#include "MoonsReference.h"

namespace ade_reference {

/// MnistMLP: f(x) = -MLP(x)[0] (swish, 784-512-512-1), for a batch of x.
inline torch::Tensor mnistEnergy(const ade_model_info &m,
                                 const torch::Tensor &p,
                                 const torch::Tensor &x) {
  return mlpEnergy(m, p, x, 3,
                   [](const torch::Tensor &h) { return torch::silu(h); });
}

/// Langevin10 of examples/mnist_mlp.ade: z * exp(log_scale) + shift on
/// N(0, I), then 10 leapfrog steps from fresh momenta with scalar step
/// sizes. Returns (x, log q); with `createGraph` the result can be
/// differentiated again (through grad f).
inline std::pair<torch::Tensor, torch::Tensor>
mnistSampler(const ade_model_info &m, const ade_sampler_info &s,
             const torch::Tensor &pm, const torch::Tensor &ps,
             const torch::Tensor &noise, bool createGraph = true) {
  auto sp = [&](const std::string &name) {
    return paramView(s.params, s.num_params, ps, name);
  };
  const int64_t d = m.data_size;
  torch::Tensor z = noise.slice(1, 0, d), logScale = sp("q0.log_scale");
  torch::Tensor x = z * torch::exp(logScale) + sp("q0.shift");
  torch::Tensor logq = logStandardNormal(z) - logScale.sum();
  langevinSteps([&](const torch::Tensor &y) { return mnistEnergy(m, pm, y); },
                sp("eps"), noise, d, d, createGraph, x, logq);
  return {x, logq};
}

} // namespace ade_reference

#endif // ADE_BENCH_MNISTREFERENCE_H
