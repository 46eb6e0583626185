//===- train_loop_bench.cpp - aderun's training loop written in LibTorch --===//
//
// ade-train-loop-bench MODEL.so [--iters 200] [--batch 100] [--threads 1]
//
// The loop a user would write in LibTorch instead of `aderun train` with
// estimator ade, kappa 1, lambda 0, 5 sampler steps per model step and
// plain Adam 1e-3 for both, for examples/moons.ade (Langevin5, fresh moons
// batches) or examples/mnist_mlp.ade (MnistMLP and Langevin10; uniform
// random pixels): per iteration a fresh data batch, one model step that
// ascends
//   l = mean f(data) - mean [f(x_T) - log q(x_T)]
// with the gradient through the sampler (paper eq. 21, second order), then
// 5 sampler steps that descend it, each on fresh noise. The energies and
// samplers are independent LibTorch implementations
// (test/Runtime/MoonsReference.h, bench/MnistReference.h).
//
// Before timing, the model and sampler gradients of one iteration are
// checked against the compiled entries (energy_vjp and sample_vjp, as
// aderun combines them) on the same data and noise. Prints
//   agreement <max relative error>
//   seconds_per_iteration <median over blocks of 10 iterations>
//
//===----------------------------------------------------------------------===//

#include "BenchUtil.h"
#include "MnistReference.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace {

using torch::Tensor;

/// An example the loop trains: its energy f(p, x), its sampler
/// (x_T, log q)(p, q, noise) and a fresh data batch of n points.
struct Workload {
  std::function<Tensor(const Tensor &, const Tensor &)> energy;
  std::function<std::pair<Tensor, Tensor>(const Tensor &, const Tensor &,
                                          const Tensor &)>
      sampler;
  std::function<Tensor(int64_t)> data;
};

/// The workload of sampler `s`: Langevin5 (moons) or Langevin10 (784-d).
Workload workloadOf(const ade_model_info &m, const ade_sampler_info &s) {
  std::string name = s.name;
  if (name == "Langevin5")
    return {[&m](const Tensor &p, const Tensor &x) {
              return ade_reference::moonsEnergy(m, p, x);
            },
            [&m, &s](const Tensor &p, const Tensor &q, const Tensor &noise) {
              auto [x, logq, kinetic] =
                  ade_reference::moonsSampler(m, s, p, q, noise);
              return std::pair(x, logq);
            },
            ade_reference::moonsData};
  return {[&m](const Tensor &p, const Tensor &x) {
            return ade_reference::mnistEnergy(m, p, x);
          },
          [&m, &s](const Tensor &p, const Tensor &q, const Tensor &noise) {
            return ade_reference::mnistSampler(m, s, p, q, noise);
          },
          [&m](int64_t n) {
            return torch::rand({n, m.data_size});
          }};
}

/// l for leaf tensors p (the model's parameters) and q (the sampler's).
Tensor loss(const Workload &w, const Tensor &p, const Tensor &q,
            const Tensor &data, const Tensor &noise) {
  auto [x, logq] = w.sampler(p, q, noise);
  return w.energy(p, data).mean() - (w.energy(p, x) - logq).mean();
}

double maxRelativeError(const std::vector<float> &got, const Tensor &want) {
  Tensor w = want.detach().contiguous();
  const float *wp = w.data_ptr<float>();
  double err = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    err = std::max(err, std::abs(double(got[i]) - wp[i]));
    scale = std::max(scale, std::abs(double(wp[i])));
  }
  return err / std::max(scale, 1e-30);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s MODEL.so [--iters N] [--batch B] "
                 "[--threads T]\n",
                 argv[0]);
    return 2;
  }
  int64_t iters = 200, batch = 100;
  int threads = 1;
  for (int i = 2; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "option %s needs a value\n", flag.c_str());
      return 2;
    }
    if (flag == "--iters")
      iters = std::stoll(argv[i + 1]);
    else if (flag == "--batch")
      batch = std::stoll(argv[i + 1]);
    else if (flag == "--threads")
      threads = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  const ade_library_info &lib = ade_bench::loadLibrary(argv[1]);
  // The sampler a LibTorch loop exists for (moons.ade's first is another).
  const ade_sampler_info *found = ade_bench::findSampler(lib, "Langevin5");
  if (!found)
    found = ade_bench::findSampler(lib, "Langevin10");
  if (!found) {
    std::fprintf(stderr,
                 "no LibTorch loop for %s (examples/moons.ade or "
                 "examples/mnist_mlp.ade)\n",
                 argv[1]);
    return 65;
  }
  const ade_sampler_info &s = *found;
  const ade_model_info &m = lib.models[s.model];
  const Workload w = workloadOf(m, s);
  const int64_t d = m.data_size;
  torch::set_num_threads(threads);
  torch::manual_seed(1);

  // Glorot-like weights, the flow near the identity, step sizes 0.01: the
  // scale of aderun's initialization (the timing does not depend on it).
  Tensor pm = 0.1 * torch::randn({m.params_size});
  Tensor ps = 0.01 * torch::randn({s.params_size});
  ade_reference::paramView(s.params, s.num_params, ps, "eps").fill_(0.01f);

  // One iteration's gradients against the compiled entries, combined as
  // aderun combines them: the model's from energy_vjp at the data minus
  // sample_vjp's, the sampler's from sample_vjp alone.
  {
    Tensor data = w.data(batch), noise = torch::randn({batch, s.noise_size});
    Tensor p = pm.clone().requires_grad_(), q = ps.clone().requires_grad_();
    auto grads = torch::autograd::grad({loss(w, p, q, data, noise)}, {p, q});
    std::vector<float> pmv(pm.data_ptr<float>(),
                           pm.data_ptr<float>() + m.params_size),
        psv(ps.data_ptr<float>(), ps.data_ptr<float>() + s.params_size),
        w(batch, 1.0f / batch), minus(batch, -1.0f / batch),
        zeroX(batch * d, 0.0f), zeroKinetic(batch, 0.0f),
        dataGrad(m.params_size), objModel(m.params_size),
        objSampler(s.params_size), x(batch * d), logq(batch), kinetic(batch),
        f(batch);
    int32_t status =
        m.energy_vjp(pmv.data(), data.data_ptr<float>(), w.data(),
                     dataGrad.data(), batch, threads) |
        s.sample_vjp(pmv.data(), psv.data(), noise.data_ptr<float>(), nullptr,
                     zeroX.data(), nullptr, minus.data(), zeroKinetic.data(),
                     w.data(), x.data(), nullptr, logq.data(), kinetic.data(),
                     nullptr, f.data(), objModel.data(), objSampler.data(),
                     batch, threads);
    if (status != ADE_OK) {
      std::fprintf(stderr, "an entry failed with status %d\n", status);
      return 1;
    }
    std::vector<float> modelGrad(m.params_size), samplerGrad(s.params_size);
    for (int64_t i = 0; i < m.params_size; ++i)
      modelGrad[i] = dataGrad[i] - objModel[i];
    for (int64_t i = 0; i < s.params_size; ++i)
      samplerGrad[i] = -objSampler[i];
    std::printf("agreement %.2e\n",
                std::max(maxRelativeError(modelGrad, grads[0]),
                         maxRelativeError(samplerGrad, grads[1])));
  }

  Tensor p = pm.clone().requires_grad_(), q = ps.clone().requires_grad_();
  torch::optim::Adam modelAdam({p}, torch::optim::AdamOptions(1e-3));
  torch::optim::Adam samplerAdam({q}, torch::optim::AdamOptions(1e-3));
  auto iteration = [&] {
    Tensor l = loss(w, p, q.detach(), w.data(batch),
                    torch::randn({batch, s.noise_size}));
    p.mutable_grad() = -torch::autograd::grad({l}, {p})[0]; // ascend l
    modelAdam.step();
    for (int k = 0; k < 5; ++k) {
      // Only the sampler's term of l depends on q.
      Tensor pd = p.detach(), qk = q.detach().requires_grad_();
      auto [x, logq] = w.sampler(pd, qk, torch::randn({batch, s.noise_size}));
      Tensor objective = (w.energy(pd, x) - logq).mean();
      q.mutable_grad() = -torch::autograd::grad({objective}, {qk})[0];
      samplerAdam.step();
    }
  };
  const int64_t block = 10;
  std::vector<double> perIteration;
  iteration(); // warm-up
  for (int64_t done = 0; done < iters; done += block) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < block; ++i)
      iteration();
    perIteration.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count() /
        block);
  }
  std::sort(perIteration.begin(), perIteration.end());
  std::printf("seconds_per_iteration %.6f\n",
              perIteration[perIteration.size() / 2]);
  return 0;
}
