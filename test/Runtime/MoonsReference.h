//===- MoonsReference.h - The moons example in LibTorch ---------*- C++ -*-===//
//
// Independent LibTorch implementations of examples/moons.ade: the energy
// MLP, the Langevin5 sampler with its log-density, and aderun's moons
// data. The sampler tests check the compiled entries against them; the
// benchmarks time them; ade-reference-port builds the reference code's
// sampler from the planar layer.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_TEST_RUNTIME_MOONSREFERENCE_H
#define ADE_TEST_RUNTIME_MOONSREFERENCE_H

#include "ade/abi.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace ade_reference {

/// The slice of parameter `name` of a flat buffer, as a tensor of its shape.
inline torch::Tensor paramView(const ade_param_info *params, int32_t count,
                               const torch::Tensor &flat,
                               const std::string &name) {
  for (int32_t i = 0; i < count; ++i)
    if (name == params[i].name)
      return flat.slice(0, params[i].offset, params[i].offset + params[i].size)
          .view(std::vector<int64_t>(params[i].shape,
                                     params[i].shape + params[i].rank));
  throw std::runtime_error("no parameter " + name);
}

/// The standard normal log-density of each row of e.
inline torch::Tensor logStandardNormal(const torch::Tensor &e) {
  return (-0.5 * e * e - 0.5 * std::log(2 * M_PI)).sum(1);
}

/// grad_x sum_b energy(x_b); with `createGraph` it can be differentiated
/// again.
template <typename Energy>
torch::Tensor energyGradient(Energy &&energy, torch::Tensor x,
                             bool createGraph) {
  if (!x.requires_grad())
    x = x.detach().requires_grad_();
  torch::Tensor f = energy(x).sum();
  return torch::autograd::grad({f}, {x}, {}, /*retain_graph=*/createGraph,
                               createGraph)[0];
}

/// Leapfrog steps of `energy`'s gradient from fresh momenta: step k draws
/// its momentum from noise columns [first + k d, first + (k + 1) d) and
/// moves with step size eps[k] (one per step). Updates x and log q (plus
/// each momentum's log-density); returns the kinetic energy of the momenta
/// the steps drop. With `createGraph` the result can be differentiated
/// again.
template <typename Energy>
torch::Tensor langevinSteps(Energy &&energy, const torch::Tensor &eps,
                            const torch::Tensor &noise, int64_t first,
                            int64_t d, bool createGraph, torch::Tensor &x,
                            torch::Tensor &logq) {
  auto grad = [&](const torch::Tensor &y) {
    return energyGradient(energy, y, createGraph);
  };
  torch::Tensor kinetic = torch::zeros_like(logq);
  for (int64_t k = 0; k < eps.size(0); ++k) {
    torch::Tensor v = noise.slice(1, first + k * d, first + (k + 1) * d);
    logq = logq + logStandardNormal(v);
    torch::Tensor e = eps[k];
    v = v + 0.5 * e * grad(x);
    x = x + e * v;
    v = v + 0.5 * e * grad(x);
    kinetic = kinetic + 0.5 * (v * v).sum(1);
  }
  return kinetic;
}

/// f(x) = -MLP(x)[0] for a batch of x: the model's `layers` dense layers
/// `net.layer.<i>` with `act` between them (std.nn's MLP).
template <typename Activation>
torch::Tensor mlpEnergy(const ade_model_info &m, const torch::Tensor &p,
                        torch::Tensor h, int layers, Activation &&act) {
  for (int i = 0; i < layers; ++i) {
    std::string layer = "net.layer." + std::to_string(i);
    if (i > 0)
      h = act(h);
    h = torch::addmm(paramView(m.params, m.num_params, p, layer + ".b"), h,
                     paramView(m.params, m.num_params, p, layer + ".W").t());
  }
  return -h.select(1, 0);
}

/// A planar layer x + u_hat tanh(w.x + b) of a batch x (u projected as
/// std.flows.Planar and the ADE reference code do: w.u_hat > -1), its
/// log|det J| subtracted from logq.
inline void planarLayer(const torch::Tensor &u, const torch::Tensor &w,
                        const torch::Tensor &b, torch::Tensor &x,
                        torch::Tensor &logq) {
  torch::Tensor wu = torch::dot(w, u);
  torch::Tensor uHat =
      u + (torch::softplus(wu) - 1 - wu) * w / torch::dot(w, w);
  torch::Tensor t = torch::tanh(torch::matmul(x, w) + b);
  torch::Tensor psi = (1 - t * t).unsqueeze(1) * w;
  logq = logq - torch::log(1 + torch::matmul(psi, uHat));
  x = x + uHat * t.unsqueeze(1);
}

/// A batch of n points of aderun's `moons` (runtime/lib/Datasets.cpp):
/// scikit-learn's make_moons(n, noise=0.1), scaled by 2 and shifted by
/// (-1, -0.2), shuffled.
inline torch::Tensor moonsData(int64_t n) {
  int64_t outer = n / 2, inner = n - outer;
  torch::Tensor a = torch::linspace(0, M_PI, outer),
                b = torch::linspace(0, M_PI, inner);
  torch::Tensor points =
      torch::cat({torch::stack({torch::cos(a), torch::sin(a)}, 1),
                  torch::stack({1 - torch::cos(b), 0.5 - torch::sin(b)}, 1)});
  points = points.index_select(0, torch::randperm(n));
  points = points + 0.1 * torch::randn({n, 2});
  return 2 * points - torch::tensor({1.0f, 0.2f});
}

/// Moons: f(x) = -MLP(x)[0] (ReLU, 2-128-128-128-1), for a batch of x.
inline torch::Tensor moonsEnergy(const ade_model_info &m,
                                 const torch::Tensor &p,
                                 const torch::Tensor &x) {
  return mlpEnergy(m, p, x, 4,
                   [](const torch::Tensor &h) { return torch::relu(h); });
}

/// Langevin5 of examples/moons.ade: 10 planar layers on N(0, I) (u projected
/// as std.flows.Planar does), then 5 leapfrog steps from fresh momenta. Returns
/// (x, log q, kinetic). With `createGraph`, the result can be differentiated
/// again (through grad f).
inline std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
moonsSampler(const ade_model_info &m, const ade_sampler_info &s,
             const torch::Tensor &pm, const torch::Tensor &ps,
             const torch::Tensor &noise, bool createGraph = true) {
  auto sp = [&](const std::string &name) {
    return paramView(s.params, s.num_params, ps, name);
  };
  torch::Tensor z = noise.slice(1, 0, 2);
  torch::Tensor logq = logStandardNormal(z), x = z;
  for (int i = 0; i < 10; ++i) {
    std::string layer = "q0.layer." + std::to_string(i);
    planarLayer(sp(layer + ".u"), sp(layer + ".w"), sp(layer + ".b"), x, logq);
  }
  torch::Tensor kinetic = langevinSteps(
      [&](const torch::Tensor &y) { return moonsEnergy(m, pm, y); }, sp("eps"),
      noise, 2, 2, createGraph, x, logq);
  return {x, logq, kinetic};
}

} // namespace ade_reference

#endif // ADE_TEST_RUNTIME_MOONSREFERENCE_H
