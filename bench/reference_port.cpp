//===- reference_port.cpp - The ADE reference code's moons run in LibTorch ===//
//
// ade-reference-port [--seed 1] [--iters 10000] [--eval-every 100]
//
// An independent port of the ADE reference code's moons experiment
// (lzzcd001/ade-code, experiments/toy_family/run_moons.sh) to check that
// Table 2's faithful ADE column (scripts/table2.py --estimators ade) trains
// as the reference does: the energy E = MLP 2-128-128-128-1 (ReLU,
// Glorot-uniform weights and biases), the sampler 10 planar layers on
// N(0, I) and 5 Metropolis-adjusted leapfrog steps with fresh momenta, the
// force and the momentum norm-clipped to 1 and learned per-step,
// per-dimension step sizes from 0.01. Per iteration, on a fresh moons
// batch of 100: one model step descending mean E(data) - mean E(samples)
// (samples held constant), then 5 sampler steps descending
// mean E(x_T) + mean log q(x_T), each on fresh noise; both with the
// reference code's Adam (lr 1e-3, its elementwise clip), NaN gradients
// zeroed as it does. One thread.
//
// Every --eval-every iterations, MMD^2 x 1e3 of 1000 samples against one
// reference set of 1000 moons points (Gaussian kernel, bandwidth 0.1 times
// the median squared distance, unbiased), as aderun evaluates; at the end
// the mean of 5 fresh evaluations. Prints
//   <iteration> mmd <value> eps_mean <mean step size> acceptance <rate>
//   seed <s> final <mean of 5> min <minimum over evaluations>
//
//===----------------------------------------------------------------------===//

#include "MoonsReference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using torch::Tensor;

constexpr int kLayers = 10, kSteps = 5;
constexpr double kClipNorm = 1.0;

/// Glorot-uniform values of a weight with these fans (TensorFlow's
/// default initializer: a vector's fans are its length, a (1, n) bias's 1
/// and n).
Tensor glorotUniform(int64_t fanIn, int64_t fanOut, at::IntArrayRef shape) {
  double limit = std::sqrt(6.0 / double(fanIn + fanOut));
  return (2 * torch::rand(shape) - 1) * limit;
}

struct Parameters {
  std::vector<Tensor> energy; // W0, b0, ..., W3, b3
  std::vector<Tensor> flow;   // u, w, b of each planar layer
  std::vector<Tensor> eps;    // one (1, 2) step size per step

  Parameters() {
    const int64_t sizes[] = {2, 128, 128, 128, 1};
    for (int l = 0; l < 4; ++l) {
      energy.push_back(
          glorotUniform(sizes[l], sizes[l + 1], {sizes[l], sizes[l + 1]}));
      energy.push_back(glorotUniform(1, sizes[l + 1], {1, sizes[l + 1]}));
    }
    for (int l = 0; l < kLayers; ++l) {
      flow.push_back(glorotUniform(2, 2, {2}));
      flow.push_back(glorotUniform(2, 2, {2}));
      flow.push_back(glorotUniform(1, 1, {1}));
    }
    for (int t = 0; t < kSteps; ++t)
      eps.push_back(torch::full({1, 2}, 0.01f));
    for (std::vector<Tensor> *group : {&energy, &flow, &eps})
      for (Tensor &p : *group)
        p.requires_grad_();
  }

  /// E(x), one value per row.
  Tensor energyOf(const Tensor &x) const {
    Tensor h = x;
    for (int l = 0; l < 4; ++l) {
      h = torch::addmm(energy[2 * l + 1], h, energy[2 * l]);
      if (l < 3)
        h = torch::relu(h);
    }
    return h.squeeze(1);
  }
};

/// v scaled down to norm `kClipNorm` where longer, row by row.
Tensor clipNorm(const Tensor &v) {
  return v * (kClipNorm / torch::clamp_min(v.norm(2, 1, true), kClipNorm));
}

struct Samples {
  Tensor x, logq;
  double acceptance = 0;
};

/// The sampler on base noise z: x_T and, for the sampler's objective, the
/// flow's log q (the leapfrog steps preserve volume and the reference code
/// adds nothing for the momenta). With `createGraph` the result can be
/// differentiated in the parameters, through the gradients of E.
Samples sample(const Parameters &p, const Tensor &z, bool createGraph) {
  Samples out;
  Tensor x = z;
  out.logq = ade_reference::logStandardNormal(z);
  for (int l = 0; l < kLayers; ++l)
    ade_reference::planarLayer(p.flow[3 * l], p.flow[3 * l + 1],
                               p.flow[3 * l + 2], x, out.logq);
  auto energyAndForce = [&](const Tensor &q) {
    Tensor leaf = q.requires_grad() ? q : q.detach().requires_grad_();
    Tensor e = p.energyOf(leaf);
    Tensor g = torch::autograd::grad({e.sum()}, {leaf}, {},
                                     /*retain_graph=*/true, createGraph)[0];
    return std::pair(e, g);
  };
  for (int t = 0; t < kSteps; ++t) {
    Tensor momentum = torch::randn_like(x);
    auto [e0, g0] = energyAndForce(x);
    Tensor h0 = e0 + 0.5 * (momentum * momentum).sum(1);
    Tensor v = momentum - p.eps[t] / 2 * clipNorm(g0);
    Tensor proposal = x + p.eps[t] * clipNorm(v);
    auto [e1, g1] = energyAndForce(proposal);
    v = v - p.eps[t] / 2 * clipNorm(g1);
    Tensor h1 = e1 + 0.5 * (v * v).sum(1);
    Tensor accept = torch::rand({x.size(0)}) < torch::exp(h0 - h1).detach();
    out.acceptance += accept.to(torch::kDouble).mean().item<double>() / kSteps;
    x = torch::where(accept.unsqueeze(1), proposal, x);
    if (!createGraph)
      x = x.detach();
  }
  out.x = x;
  return out;
}

/// The reference code's CustomizedAdamOptimizer: Adam whose gradients are
/// first clipped to +-(3 sqrt(v / (1 - beta2^t)) + 0.1), v before step t's
/// update; NaN gradients count as 0.
class ReferenceAdam {
public:
  explicit ReferenceAdam(std::vector<Tensor> params)
      : params(std::move(params)) {
    for (const Tensor &p : this->params) {
      m.push_back(torch::zeros_like(p));
      v.push_back(torch::zeros_like(p));
    }
  }

  void step(const std::vector<Tensor> &grads) {
    torch::NoGradGuard noGrad;
    ++t;
    double c1 = 1 - std::pow(kBeta1, t), c2 = 1 - std::pow(kBeta2, t);
    for (size_t i = 0; i < params.size(); ++i) {
      Tensor g = torch::nan_to_num(grads[i], 0.0, INFINITY, -INFINITY);
      Tensor bound = 3 * torch::sqrt(v[i] / c2) + 0.1;
      g = torch::max(torch::min(g, bound), -bound);
      m[i].mul_(kBeta1).add_(g, 1 - kBeta1);
      v[i].mul_(kBeta2).addcmul_(g, g, 1 - kBeta2);
      params[i].sub_(kRate * std::sqrt(c2) / c1 * m[i] /
                     (torch::sqrt(v[i]) + 1e-8));
    }
  }

private:
  static constexpr double kRate = 1e-3, kBeta1 = 0.9, kBeta2 = 0.999;
  std::vector<Tensor> params, m, v;
  int t = 0;
};

/// The unbiased MMD^2 estimate between the rows of y and x, in float64.
double mmd2(const Tensor &y, const Tensor &x, double gamma) {
  auto meanOffDiagonal = [&](const Tensor &a) {
    Tensor k = torch::exp(-gamma * torch::cdist(a, a).pow(2));
    int64_t n = a.size(0);
    return (k.sum() - k.diagonal().sum()).item<double>() / double(n * (n - 1));
  };
  double cross =
      torch::exp(-gamma * torch::cdist(y, x).pow(2)).mean().item<double>();
  return meanOffDiagonal(x) + meanOffDiagonal(y) - 2 * cross;
}

} // namespace

int main(int argc, char **argv) {
  int64_t seed = 1, iters = 10000, evalEvery = 100;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    int64_t *value = flag == "--seed"         ? &seed
                     : flag == "--iters"      ? &iters
                     : flag == "--eval-every" ? &evalEvery
                                              : nullptr;
    char *end = nullptr;
    if (value && i + 1 < argc)
      *value = std::strtoll(argv[i + 1], &end, 10);
    if (!value || !end || *end != '\0' || end == argv[i + 1]) {
      std::fprintf(stderr,
                   "usage: %s [--seed N] [--iters N] [--eval-every N]\n",
                   argv[0]);
      return 2;
    }
  }
  if (iters < 1 || evalEvery < 1) {
    std::fprintf(stderr, "--iters and --eval-every must be positive\n");
    return 2;
  }
  torch::set_num_threads(1);
  torch::manual_seed(seed);
  Parameters p;
  std::vector<Tensor> samplerParams = p.flow;
  samplerParams.insert(samplerParams.end(), p.eps.begin(), p.eps.end());
  ReferenceAdam modelAdam(p.energy), samplerAdam(samplerParams);

  Tensor reference = ade_reference::moonsData(1000).to(torch::kDouble);
  Tensor distances = torch::cdist(reference, reference).pow(2).flatten();
  double gamma =
      0.5 / distances.index({distances > 0}).median().item<double>() / 0.1;
  auto evaluate = [&] {
    Samples s = sample(p, torch::randn({1000, 2}), /*createGraph=*/false);
    return 1e3 * mmd2(reference, s.x.to(torch::kDouble), gamma);
  };

  const int64_t batch = 100;
  double best = INFINITY;
  for (int64_t it = 1; it <= iters; ++it) {
    Tensor data = ade_reference::moonsData(batch);
    Samples fake = sample(p, torch::randn({batch, 2}), false);
    Tensor modelLoss = p.energyOf(data).mean() - p.energyOf(fake.x).mean();
    modelAdam.step(torch::autograd::grad({modelLoss}, p.energy));
    double acceptance = 0;
    for (int k = 0; k < 5; ++k) {
      Samples s = sample(p, torch::randn({batch, 2}), true);
      Tensor samplerLoss = p.energyOf(s.x).mean() + s.logq.mean();
      samplerAdam.step(torch::autograd::grad({samplerLoss}, samplerParams, {},
                                             /*retain_graph=*/false,
                                             /*create_graph=*/false,
                                             /*allow_unused=*/true));
      acceptance += s.acceptance / 5;
    }
    if (it % evalEvery == 0) {
      double value = evaluate();
      best = std::min(best, value);
      std::printf("%lld mmd %.3f eps_mean %.3f acceptance %.2f\n",
                  (long long)it, value, torch::cat(p.eps).mean().item<double>(),
                  acceptance);
      std::fflush(stdout);
    }
  }
  double final = 0;
  for (int r = 0; r < 5; ++r)
    final += evaluate() / 5;
  std::printf("seed %lld final %.3f min %.3f\n", (long long)seed, final, best);
  return 0;
}
