//===- entries_bench.cpp - Moons gradient and sampler entries vs LibTorch -===//
//
// ade-entries-bench MOONS.so [--batch 100,1000,10000] [--threads 1]
//                   [--repeats 11] [--header]
//
// Times the entries of examples/moons.ade compiled in f32 against LibTorch
// autograd computing the same quantities (test/Runtime/MoonsReference.h),
// same parameters, points, noise and thread count, after checking that both
// agree:
//   grad_energy  f and grad_x f;
//   energy_vjp   the mean over the batch of grad_params f;
//   sample       Langevin5: x_T, log q and kinetic energy (LibTorch needs
//                autograd for the grad f inside the steps);
//   objective    the full ADE gradient (paper eq. 21) of
//                mean f(x_T) - kinetic - log q in both parameter sets:
//                ADE runs sample_vjp alone (it evaluates f at x_T);
//                LibTorch differentiates the sampler with create_graph;
//   sampler objective  the same gradient in the sampler's parameters
//                alone (a sampler step): sampler_vjp against autograd in
//                those parameters only;
//   score matching  the mean of tr(d^2f/dx^2) + 1/2 |grad f|^2 and its
//                gradient in the parameters (third order): ADE runs
//                score_matching and score_matching_vjp, LibTorch takes
//                the exact trace by one backward pass per dimension.
// Prints Markdown table rows (--header prints the header first).
//
//===----------------------------------------------------------------------===//

#include "EntryBench.h"
#include "MoonsReference.h"

#include <algorithm>
#include <random>
#include <vector>

namespace {

using ade_bench::check;
using ade_bench::medianSeconds;
using ade_bench::relativeError;
using ade_reference::moonsEnergy;
using ade_reference::moonsSampler;
using torch::Tensor;

/// Median seconds of a call, ours and LibTorch's.
struct Timing {
  double ours, theirs;
};

} // namespace

int main(int argc, char **argv) {
  ade_bench::EntryOptions options = ade_bench::parseEntryOptions(
      argc, argv, "MOONS.so", {{100, 1000, 10000}, 1, 11, false});
  const std::vector<int64_t> &batches = options.batches;
  int threads = options.threads, repeats = options.repeats;
  const ade_library_info &lib = ade_bench::loadMoons(argv[1]);
  const ade_model_info &m = lib.models[0];
  const ade_sampler_info &s = *ade_bench::findSampler(lib, "Langevin5");
  torch::set_num_threads(threads);

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.2f, 0.2f);
  std::vector<float> pmv(m.params_size), psv(s.params_size);
  for (float &p : pmv)
    p = u(rng);
  for (float &p : psv)
    p = u(rng);
  Tensor pm = torch::from_blob(pmv.data(), {m.params_size});
  Tensor ps = torch::from_blob(psv.data(), {s.params_size});
  ade_reference::paramView(s.params, s.num_params, ps, "eps").fill_(0.1f);

  double peak = ade_bench::sgemmGflops(threads);
  if (options.header)
    ade_bench::printEntryHeader();
  auto row = [&](const char *entry, int64_t batch, double ours, double theirs,
                 double err, double flops = 0) {
    ade_bench::printEntryRow(entry, batch, threads, ours, theirs, err, flops,
                             peak);
  };
  // FLOPs: the compiler's counts per particle (ade_model_flops).
  using ade_bench::callFlops;

  for (int64_t batch : batches) {
    Tensor x = torch::rand({batch, 2}) * 4 - 2;
    Tensor noise = torch::randn({batch, s.noise_size});
    std::vector<float> f(batch), gx(batch * 2), gm(m.params_size + 1),
        gs(s.params_size), xs(batch * 2), logq(batch), kin(batch),
        w(batch, 1.0f / batch), minus(batch, -1.0f / batch);
    const float *xp = x.data_ptr<float>(), *np = noise.data_ptr<float>();

    // grad_energy
    auto ourGrad = [&] {
      check(m.grad_energy(pmv.data(), xp, f.data(), gx.data(), batch, threads),
            "grad_energy");
    };
    auto theirGrad = [&] {
      Tensor xr = x.detach().requires_grad_();
      Tensor fr = moonsEnergy(m, pm, xr);
      Tensor g = torch::autograd::grad({fr.sum()}, {xr})[0];
      return std::pair(fr, g);
    };
    ourGrad();
    auto [fr, gr] = theirGrad();
    row("grad_energy", batch, medianSeconds(repeats, ourGrad),
        medianSeconds(repeats, theirGrad),
        relativeError({{f.data(), fr}, {gx.data(), gr}}),
        callFlops(m.flops.grad_energy, batch));

    // energy_vjp
    auto ourVjp = [&] {
      check(m.energy_vjp(pmv.data(), xp, w.data(), gm.data(), batch, threads),
            "energy_vjp");
    };
    auto theirVjp = [&] {
      Tensor p = pm.detach().requires_grad_();
      return torch::autograd::grad({moonsEnergy(m, p, x).mean()}, {p})[0];
    };
    ourVjp();
    Tensor gmr = theirVjp();
    double vjpErr = relativeError({{gm.data(), gmr}});
    Timing vjp{medianSeconds(repeats, ourVjp),
               medianSeconds(repeats, theirVjp)};
    row("energy_vjp", batch, vjp.ours, vjp.theirs, vjpErr,
        callFlops(m.flops.energy_vjp, batch));

    // sample
    auto ourSample = [&] {
      check(s.sample(pmv.data(), psv.data(), np, nullptr, xs.data(), nullptr,
                     logq.data(), kin.data(), nullptr, batch, threads),
            "sample");
    };
    auto theirSample = [&] {
      return moonsSampler(m, s, pm, ps, noise, /*createGraph=*/false);
    };
    ourSample();
    auto [xr, qr, kr] = theirSample();
    row("sample", batch, medianSeconds(repeats, ourSample),
        medianSeconds(repeats, theirSample),
        relativeError({{xs.data(), xr}, {logq.data(), qr}, {kin.data(), kr}}),
        callFlops(s.flops.sample, batch));

    // The ADE objective's gradient in both parameter sets: one sample_vjp
    // call weighting f(x_T) by 1/B (it runs the sampler and f itself, and
    // returns the sample and f with the gradient).
    std::vector<float> zeroX(batch * 2, 0.0f);
    auto ourObjective = [&] {
      check(s.sample_vjp(pmv.data(), psv.data(), np, nullptr, zeroX.data(),
                         nullptr, minus.data(), minus.data(), w.data(),
                         xs.data(), nullptr, logq.data(), kin.data(), nullptr,
                         f.data(), gm.data(), gs.data(), batch, threads),
            "sample_vjp");
    };
    auto theirObjective = [&] {
      Tensor p = pm.detach().requires_grad_(), q = ps.detach().requires_grad_();
      auto [xt, lq, k] = moonsSampler(m, s, p, q, noise);
      Tensor objective = (moonsEnergy(m, p, xt) - k - lq).mean();
      return torch::autograd::grad({objective}, {p, q});
    };
    ourObjective();
    auto grads = theirObjective();
    double objectiveErr =
        relativeError({{gm.data(), grads[0]}, {gs.data(), grads[1]}});
    Timing objective{medianSeconds(repeats, ourObjective),
                     medianSeconds(repeats, theirObjective)};
    row("objective gradient", batch, objective.ours, objective.theirs,
        objectiveErr, callFlops(s.flops.sample_vjp, batch));

    // The same objective's gradient in the sampler's parameters alone (a
    // sampler step): sampler_vjp; LibTorch differentiates only in them.
    auto ourSamplerObjective = [&] {
      check(s.sampler_vjp(pmv.data(), psv.data(), np, nullptr, zeroX.data(),
                          nullptr, minus.data(), minus.data(), w.data(),
                          gs.data(), batch, threads),
            "sampler_vjp");
    };
    auto theirSamplerObjective = [&] {
      Tensor p = pm.detach(), q = ps.detach().requires_grad_();
      auto [xt, lq, k] = moonsSampler(m, s, p, q, noise);
      Tensor objective = (moonsEnergy(m, p, xt) - k - lq).mean();
      return torch::autograd::grad({objective}, {q})[0];
    };
    ourSamplerObjective();
    Tensor gsr = theirSamplerObjective();
    double samplerErr = relativeError({{gs.data(), gsr}});
    Timing samplerStep{medianSeconds(repeats, ourSamplerObjective),
                       medianSeconds(repeats, theirSamplerObjective)};
    row("sampler objective gradient", batch, samplerStep.ours,
        samplerStep.theirs, samplerErr, callFlops(s.flops.sampler_vjp, batch));

    // A training iteration's gradients, from the medians above: the model
    // step (energy_vjp on a data batch and the objective gradient through
    // the sampler) and 5 sampler steps, the reference practice.
    constexpr int kSamplerSteps = 5;
    row("training iteration (1 model + 5 sampler steps)", batch,
        vjp.ours + objective.ours + kSamplerSteps * samplerStep.ours,
        vjp.theirs + objective.theirs + kSamplerSteps * samplerStep.theirs,
        std::max({vjpErr, objectiveErr, samplerErr}),
        callFlops(m.flops.energy_vjp, batch) +
            callFlops(s.flops.sample_vjp, batch) +
            kSamplerSteps * callFlops(s.flops.sampler_vjp, batch));

    // Score matching: the loss and its parameter gradient.
    auto ourScoreMatching = [&] {
      check(m.score_matching(pmv.data(), xp, nullptr, f.data(), batch,
                             threads),
            "score_matching");
      check(m.score_matching_vjp(pmv.data(), xp, nullptr, w.data(), gm.data(),
                                 batch, threads),
            "score_matching_vjp");
    };
    auto theirScoreMatching = [&] {
      Tensor p = pm.detach().requires_grad_(), xr = x.detach().requires_grad_();
      Tensor g = torch::autograd::grad({moonsEnergy(m, p, xr).sum()}, {xr}, {},
                                       true, true)[0];
      Tensor loss = 0.5 * (g * g).sum(1);
      for (int64_t i = 0; i < 2; ++i)
        loss = loss + torch::autograd::grad({g.select(1, i).sum()}, {xr}, {},
                                            true, true)[0]
                          .select(1, i);
      Tensor gp = torch::autograd::grad({loss.mean()}, {p})[0];
      return std::pair(loss, gp);
    };
    ourScoreMatching();
    auto [lossr, gpr] = theirScoreMatching();
    row("score matching", batch, medianSeconds(repeats, ourScoreMatching),
        medianSeconds(repeats, theirScoreMatching),
        relativeError({{f.data(), lossr}, {gm.data(), gpr}}),
        callFlops(m.flops.score_matching, batch) +
            callFlops(m.flops.score_matching_vjp, batch));
  }
  return 0;
}
