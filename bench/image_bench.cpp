//===- image_bench.cpp - 784-d entries (MLP and conv net) vs LibTorch -----===//
//
// ade-image-bench MNIST.so [--batch 64,1024] [--threads 1] [--repeats 7]
//                 [--header]
//
// The image workloads of ../shared/design/performance.md: the entries of
// examples/mnist_mlp.ade compiled in f32 against LibTorch autograd
// computing the same quantities (bench/MnistReference.h), same parameters,
// points, noise and thread count, after checking that both agree:
//   MnistMLP (784-512-512-1, swish) and MnistConv (conv 3x3 16, pool,
//   conv 3x3 32, pool, dense): grad_energy (f and grad_x f) and
//   energy_vjp (the mean over the batch of grad_params f), and MnistConv's
//   energy;
//   Langevin10 (a diagonal Gaussian, then 10 leapfrog steps of MnistMLP):
//   sample (x_T and log q) and the sampler objective gradient, the
//   gradient of mean f(x_T) - log q in the sampler's parameters
//   (sampler_vjp; LibTorch differentiates through grad f with
//   create_graph), and the same gradient in both parameter sets
//   (sample_vjp, a model step's);
//   a training iteration's gradients: MnistMLP's energy_vjp, Langevin10's
//   objective gradient and 5 of its sampler objective gradients (sums of
//   the medians).
// Prints Markdown table rows (--header prints the header first).
//
//===----------------------------------------------------------------------===//

#include "EntryBench.h"
#include "MnistReference.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace {

using ade_bench::check;
using ade_bench::medianSeconds;
using ade_bench::relativeError;
using ade_reference::paramView;
using torch::Tensor;

const ade_model_info *findModel(const ade_library_info &lib,
                                const std::string &name) {
  for (int32_t i = 0; i < lib.num_models; ++i)
    if (name == lib.models[i].name)
      return &lib.models[i];
  return nullptr;
}

/// MnistConv: f(x) = -dense(pool(swish(conv2(pool(swish(conv1(x))))))).
Tensor convEnergy(const ade_model_info &m, const Tensor &p, const Tensor &x) {
  auto param = [&](const char *name) {
    return paramView(m.params, m.num_params, p, name);
  };
  auto swish = [](const Tensor &h) { return torch::silu(h); };
  Tensor h = torch::conv2d(x.view({x.size(0), 1, 28, 28}), param("conv1.W"),
                           param("conv1.b"));
  h = torch::avg_pool2d(swish(h), 2);
  h = torch::conv2d(h, param("conv2.W"), param("conv2.b"));
  h = torch::avg_pool2d(swish(h), 2).flatten(1);
  return -torch::linear(h, param("head.W"), param("head.b")).select(1, 0);
}

/// Parameters drawn uniformly from [-scale, scale].
std::vector<float> uniformParams(int64_t size, float scale, std::mt19937 &rng) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> out(size);
  for (float &p : out)
    p = u(rng);
  return out;
}

} // namespace

int main(int argc, char **argv) {
  ade_bench::EntryOptions options = ade_bench::parseEntryOptions(
      argc, argv, "MNIST.so", {{64, 1024}, 1, 7, false});
  int threads = options.threads, repeats = options.repeats;
  const ade_library_info &lib = ade_bench::loadLibrary(argv[1]);
  const ade_model_info *mlp = findModel(lib, "MnistMLP");
  const ade_model_info *conv = findModel(lib, "MnistConv");
  const ade_sampler_info *langevin = ade_bench::findSampler(lib, "Langevin10");
  if (!mlp || !conv || !langevin) {
    std::fprintf(stderr, "%s is not examples/mnist_mlp.ade compiled in f32\n",
                 argv[1]);
    return 65;
  }
  double peak = ade_bench::sgemmGflops(threads); // at `threads` threads

  // Weights of the order of Glorot's for these widths, so that the
  // activations and the Langevin steps stay of order one.
  std::mt19937 rng(1);
  std::vector<float> pmlp = uniformParams(mlp->params_size, 0.05f, rng),
                     pconv = uniformParams(conv->params_size, 0.2f, rng),
                     psampler = uniformParams(langevin->params_size, 0.1f, rng);
  Tensor pm = torch::from_blob(pmlp.data(), {mlp->params_size});
  Tensor pc = torch::from_blob(pconv.data(), {conv->params_size});
  Tensor ps = torch::from_blob(psampler.data(), {langevin->params_size});
  paramView(langevin->params, langevin->num_params, ps, "eps").fill_(0.01f);

  if (options.header)
    ade_bench::printEntryHeader();
  auto row = [&](const char *entry, int64_t batch, double ours, double theirs,
                 double err, double flops = 0) {
    ade_bench::printEntryRow(entry, batch, threads, ours, theirs, err, flops,
                             peak);
  };
  // FLOPs: the compiler's counts per particle (ade_model_flops).
  using ade_bench::callFlops;

  const int64_t d = mlp->data_size;
  for (int64_t batch : options.batches) {
    Tensor x = torch::rand({batch, d});
    const float *xp = x.data_ptr<float>();
    std::vector<float> f(batch), gx(batch * d), w(batch, 1.0f / batch);

    // grad_energy and energy_vjp of both models; MnistConv's energy.
    // MnistMLP's energy_vjp (median seconds, ours and LibTorch's, and the
    // error) goes into the training iteration's row.
    double mlpVjpOurs = 0, mlpVjpTheirs = 0, mlpVjpErr = 0;
    struct Model {
      const char *grad, *vjp;
      const ade_model_info &info;
      std::vector<float> &params;
      Tensor flat;
      Tensor (*energy)(const ade_model_info &, const Tensor &, const Tensor &);
    };
    for (const Model &model :
         {Model{"MnistMLP grad_energy", "MnistMLP energy_vjp", *mlp, pmlp, pm,
                ade_reference::mnistEnergy},
          Model{"MnistConv grad_energy", "MnistConv energy_vjp", *conv, pconv,
                pc, convEnergy}}) {
      const ade_model_info &m = model.info;
      if (&m == conv) {
        auto ours = [&] {
          check(m.energy(model.params.data(), xp, f.data(), batch, threads),
                "energy");
        };
        auto theirs = [&] {
          torch::NoGradGuard noGrad;
          return model.energy(m, model.flat, x);
        };
        ours();
        Tensor fr = theirs();
        row("MnistConv energy", batch, medianSeconds(repeats, ours),
            medianSeconds(repeats, theirs), relativeError({{f.data(), fr}}),
            callFlops(m.flops.energy, batch));
      }
      auto ourGrad = [&] {
        check(m.grad_energy(model.params.data(), xp, f.data(), gx.data(), batch,
                            threads),
              "grad_energy");
      };
      auto theirGrad = [&] {
        Tensor xr = x.detach().requires_grad_();
        Tensor fr = model.energy(m, model.flat, xr);
        return std::pair(fr, torch::autograd::grad({fr.sum()}, {xr})[0]);
      };
      ourGrad();
      auto [fr, gr] = theirGrad();
      row(model.grad, batch, medianSeconds(repeats, ourGrad),
          medianSeconds(repeats, theirGrad),
          relativeError({{f.data(), fr}, {gx.data(), gr}}),
          callFlops(m.flops.grad_energy, batch));

      std::vector<float> gp(m.params_size);
      auto ourVjp = [&] {
        check(m.energy_vjp(model.params.data(), xp, w.data(), gp.data(), batch,
                           threads),
              "energy_vjp");
      };
      auto theirVjp = [&] {
        Tensor p = model.flat.detach().requires_grad_();
        return torch::autograd::grad({model.energy(m, p, x).mean()}, {p})[0];
      };
      ourVjp();
      Tensor gpr = theirVjp();
      double vjpOurs = medianSeconds(repeats, ourVjp),
             vjpTheirs = medianSeconds(repeats, theirVjp),
             vjpErr = relativeError({{gp.data(), gpr}});
      row(model.vjp, batch, vjpOurs, vjpTheirs, vjpErr,
          callFlops(m.flops.energy_vjp, batch));
      if (&m == mlp) {
        mlpVjpOurs = vjpOurs;
        mlpVjpTheirs = vjpTheirs;
        mlpVjpErr = vjpErr;
      }
    }

    // Langevin10: sample, and the objective's gradient in its parameters.
    const ade_sampler_info &s = *langevin;
    Tensor noise = torch::randn({batch, s.noise_size});
    const float *np = noise.data_ptr<float>();
    std::vector<float> xs(batch * d), logq(batch), kinetic(batch),
        gs(s.params_size), zeroX(batch * d, 0.0f), zero(batch, 0.0f),
        minus(batch, -1.0f / batch);
    auto ourSample = [&] {
      check(s.sample(pmlp.data(), psampler.data(), np, nullptr, xs.data(),
                     nullptr, logq.data(), kinetic.data(), nullptr, batch,
                     threads),
            "sample");
    };
    auto theirSample = [&] { // autograd for grad f inside the steps
      return ade_reference::mnistSampler(*mlp, s, pm, ps, noise,
                                         /*createGraph=*/false);
    };
    ourSample();
    auto [xr, qr] = theirSample();
    row("Langevin10 sample", batch, medianSeconds(repeats, ourSample),
        medianSeconds(repeats, theirSample),
        relativeError({{xs.data(), xr}, {logq.data(), qr}}),
        callFlops(s.flops.sample, batch));

    auto ourObjective = [&] {
      check(s.sampler_vjp(pmlp.data(), psampler.data(), np, nullptr,
                          zeroX.data(), nullptr, minus.data(), zero.data(),
                          w.data(), gs.data(), batch, threads),
            "sampler_vjp");
    };
    auto theirObjective = [&] {
      Tensor q = ps.detach().requires_grad_();
      auto [xt, lq] = ade_reference::mnistSampler(*mlp, s, pm, q, noise);
      Tensor objective = (ade_reference::mnistEnergy(*mlp, pm, xt) - lq).mean();
      return torch::autograd::grad({objective}, {q})[0];
    };
    ourObjective();
    Tensor gsr = theirObjective();
    double samplerErr = relativeError({{gs.data(), gsr}});
    double samplerOurs = medianSeconds(repeats, ourObjective),
           samplerTheirs = medianSeconds(repeats, theirObjective);
    row("Langevin10 sampler objective gradient", batch, samplerOurs,
        samplerTheirs, samplerErr, callFlops(s.flops.sampler_vjp, batch));

    // The objective's gradient in both parameter sets (a model step's
    // sample_vjp, second order in f through the 10 steps).
    std::vector<float> gm(mlp->params_size);
    auto ourFull = [&] {
      check(s.sample_vjp(pmlp.data(), psampler.data(), np, nullptr,
                         zeroX.data(), nullptr, minus.data(), zero.data(),
                         w.data(), xs.data(), nullptr, logq.data(),
                         kinetic.data(), nullptr, f.data(), gm.data(),
                         gs.data(), batch, threads),
            "sample_vjp");
    };
    auto theirFull = [&] {
      Tensor p = pm.detach().requires_grad_(), q = ps.detach().requires_grad_();
      auto [xt, lq] = ade_reference::mnistSampler(*mlp, s, p, q, noise);
      Tensor objective = (ade_reference::mnistEnergy(*mlp, p, xt) - lq).mean();
      return torch::autograd::grad({objective}, {p, q});
    };
    ourFull();
    auto grads = theirFull();
    double fullErr =
        relativeError({{gm.data(), grads[0]}, {gs.data(), grads[1]}});
    double fullOurs = medianSeconds(repeats, ourFull),
           fullTheirs = medianSeconds(repeats, theirFull);
    row("Langevin10 objective gradient", batch, fullOurs, fullTheirs, fullErr,
        callFlops(s.flops.sample_vjp, batch));

    // A training iteration's gradients, from the medians above: the model
    // step (energy_vjp on a data batch and the objective gradient) and 5
    // sampler steps, as on moons (results/bench-entries.md).
    constexpr int kSamplerSteps = 5;
    row("training iteration (1 model + 5 sampler steps)", batch,
        mlpVjpOurs + fullOurs + kSamplerSteps * samplerOurs,
        mlpVjpTheirs + fullTheirs + kSamplerSteps * samplerTheirs,
        std::max({mlpVjpErr, fullErr, samplerErr}),
        callFlops(mlp->flops.energy_vjp, batch) +
            callFlops(s.flops.sample_vjp, batch) +
            kSamplerSteps * callFlops(s.flops.sampler_vjp, batch));
  }
  return 0;
}
