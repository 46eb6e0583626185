//===- ModelLibraryTest.cpp - Compiled model.so against LibTorch ----------===//
//
// Compiles every example and test/Runtime/Inputs/ops.ade (which uses
// every operation) with adec (f32 and f64), loads the libraries
// through the C ABI, and checks the energy entries against independent
// LibTorch implementations of the same models, built here from the
// libraries' metadata: random parameters and points, several batch sizes
// (odd ones catch tiling bugs) and thread counts. Also checks purity
// (bit-identical results across calls, batch splits and thread counts),
// argument checking and the metadata itself.
//
//===----------------------------------------------------------------------===//

#include "Library.h"

#include <torch/torch.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {
using namespace ade_test;

/// Parameters and data in the model's element type, kept also as f64
/// tensors for the reference.
struct Inputs {
  std::vector<float> params32, x32;
  std::vector<double> params64, x64;
  bool isF64 = false;
  const void *params() const {
    return isF64 ? static_cast<const void *>(params64.data())
                 : static_cast<const void *>(params32.data());
  }
  const void *x() const {
    return isF64 ? static_cast<const void *>(x64.data())
                 : static_cast<const void *>(x32.data());
  }
  /// The values the library sees, in f64.
  torch::Tensor paramsTensor() const {
    std::vector<double> v = isF64 ? params64
                                  : std::vector<double>(params32.begin(),
                                                        params32.end());
    return torch::tensor(v, torch::kFloat64);
  }
  torch::Tensor xTensor(int64_t batch, int64_t dim) const {
    std::vector<double> v =
        isF64 ? x64 : std::vector<double>(x32.begin(), x32.end());
    return torch::tensor(v, torch::kFloat64).view({batch, dim});
  }
};

Inputs randomInputs(const ade_model_info &model, int64_t batch,
                    unsigned seed) {
  std::mt19937_64 rng(seed);
  Inputs in;
  in.isF64 = model.dtype == ADE_F64;
  std::vector<double> params(model.params_size + 1);
  for (int32_t i = 0; i < model.num_params; ++i) {
    const ade_param_info &p = model.params[i];
    // Scaled like a Glorot init so activations stay O(1).
    double fanIn = p.rank >= 2 ? double(p.size) / double(p.shape[0]) : 4.0;
    std::uniform_real_distribution<double> u(-1.0 / std::sqrt(fanIn),
                                             1.0 / std::sqrt(fanIn));
    for (int64_t k = 0; k < p.size; ++k)
      params[p.offset + k] = u(rng);
  }
  std::uniform_real_distribution<double> ux(-2.0, 2.0);
  std::vector<double> x(batch * model.data_size);
  for (double &v : x)
    v = ux(rng);
  in.params64 = params;
  in.x64 = x;
  in.params32.assign(params.begin(), params.end());
  in.x32.assign(x.begin(), x.end());
  return in;
}

/// Parameter `name` of `model` as an f64 tensor of its shape.
torch::Tensor param(const ade_model_info &model, const torch::Tensor &flat,
                    const std::string &name) {
  for (int32_t i = 0; i < model.num_params; ++i) {
    const ade_param_info &p = model.params[i];
    if (name != p.name)
      continue;
    std::vector<int64_t> shape(p.shape, p.shape + p.rank);
    return flat.slice(0, p.offset, p.offset + p.size).view(shape);
  }
  ADD_FAILURE() << "no parameter " << name << " in " << model.name;
  return torch::zeros({1}, torch::kFloat64);
}

torch::Tensor swish(const torch::Tensor &x) { return x * torch::sigmoid(x); }

torch::Tensor mlp(const ade_model_info &m, const torch::Tensor &p,
                  torch::Tensor h, int layers,
                  torch::Tensor (*act)(const torch::Tensor &)) {
  for (int i = 0; i < layers; ++i) {
    std::string prefix = "net.layer." + std::to_string(i);
    if (i > 0)
      h = act(h);
    h = torch::matmul(h, param(m, p, prefix + ".W").t()) +
        param(m, p, prefix + ".b");
  }
  return h;
}

torch::Tensor relu(const torch::Tensor &x) { return torch::relu(x); }

/// test/Runtime/Inputs/ops.ade, model Elementwise.
torch::Tensor elementwise(const ade_model_info &m, const torch::Tensor &p,
                          const torch::Tensor &x) {
  using namespace torch;
  Tensor a = exp(0.1 * x) + log(1 + x * x) + log1p(abs(x)) + expm1(0.2 * x);
  Tensor b = tanh(x) + sigmoid(x) + softplus(3 * x) + torch::relu(x) + elu(x) +
             swish(x) + sin(x) + cos(x) + sqrt(1 + x.pow(2));
  Tensor c = leaky_relu(x, 0.3) + minimum(x, torch::full_like(x, 0.5)) +
             maximum(x, torch::full_like(x, -0.5)) + clamp(x, -1, 1) +
             pow(abs(x) + 1, param(m, p, "s"));
  Tensor cond = logical_or(logical_or(logical_and(x > 0, x < 1), x == 2),
                           logical_not(x >= -1));
  Tensor d = where(cond, x, -x) +
             where(logical_and(x <= 0.5, x != 0.25), torch::ones_like(x),
                   torch::full_like(x, 2.0));
  return (a * b - c / (1 + d * d)).sum(1);
}

/// test/Runtime/Inputs/ops.ade, model Reductions (x [B, 2, 3]).
torch::Tensor reductions(const ade_model_info &m, const torch::Tensor &p,
                         const torch::Tensor &flat) {
  using namespace torch;
  Tensor x = flat.view({flat.size(0), 2, 3});
  Tensor all = flat;
  Tensor w = param(m, p, "w"), W = param(m, p, "W");
  return all.sum(1) + all.mean(1) + std::get<0>(all.max(1)) +
         std::get<0>(x.min(1)).select(1, 1) + logsumexp(x, 2).select(1, 0) +
         all.norm(2, 1) + (x.select(1, 0) * x.select(1, 1)).sum(1) +
         matmul(x, w).sum(1) + x.mean(1).select(1, 2) +
         std::get<0>(x.max(2)).select(1, 1) + std::get<0>(all.min(1)) +
         x.select(1, 0).norm(2, 1) + (W * W).sum() * flat.select(1, 0) +
         std::get<0>(W.max(0)).sum() * flat.select(1, 4);
}

/// test/Runtime/Inputs/ops.ade, model Shapes (x [B, 6]).
torch::Tensor shapes(const ade_model_info &m, const torch::Tensor &p,
                     const torch::Tensor &x) {
  using namespace torch;
  Tensor M = param(m, p, "M");
  Tensor mat = x.view({x.size(0), 2, 3});
  Tensor t = mat.transpose(1, 2);
  Tensor c = cat({x.slice(1, 0, 2), x.slice(1, 4, 6)}, 1);
  Tensor s = stack({x.select(1, 0), 2 * x.select(1, 1), x.sum(1)}, 1);
  Tensor q = x.slice(1, 1, 5);
  Tensor n = cat({mat, mat}, 2);
  Tensor row = mat.select(1, 0).slice(1, 0, 2);
  return (t * M).sum({1, 2}) + c.sum(1) * s.select(1, 2) + (q * q).sum(1) +
         matmul(row, M.t()).sum(1) + n.flatten(1).slice(1, 2, 4).sum(1) +
         x.select(1, 5) + mat.select(1, 1).sum(1) * s.sum(1);
}

/// test/Runtime/Inputs/ops.ade, model Images (x [B, 2, 6, 6]).
torch::Tensor images(const ade_model_info &m, const torch::Tensor &p,
                     const torch::Tensor &flat) {
  using namespace torch;
  Tensor x = flat.view({flat.size(0), 2, 6, 6});
  Tensor K = param(m, p, "K");
  Tensor c = conv2d(x, K, param(m, p, "B"), 1, 1);
  Tensor pooled = max_pool2d(c, 2);
  Tensor a = avg_pool2d(c, 3, 3);
  Tensor s = conv2d(x, K, {}, 2);
  return pooled.sum({1, 2, 3}) + (a * s).sum({1, 2, 3});
}

/// The independent reference of each model: f(x) for x [B, d].
torch::Tensor reference(const ade_model_info &m, const torch::Tensor &p,
                        const torch::Tensor &x) {
  std::string name = m.name;
  if (name == "Elementwise")
    return elementwise(m, p, x);
  if (name == "Reductions")
    return reductions(m, p, x);
  if (name == "Shapes")
    return shapes(m, p, x);
  if (name == "Images")
    return images(m, p, x);
  if (name == "SecondOrder") {
    // f(x) = |grad g(x)|^2, g(x) = MLP(x) + 0.1 sum x^3, by autograd.
    torch::Tensor xx = x.requires_grad() ? x : x.detach().requires_grad_();
    torch::Tensor gsum =
        (mlp(m, p, xx, 2, relu).select(1, 0) + 0.1 * (xx * xx * xx).sum(1))
            .sum();
    torch::Tensor g = torch::autograd::grad({gsum}, {xx}, {},
                                            /*retain_graph=*/true,
                                            /*create_graph=*/true)[0];
    return (g * g).sum(1);
  }
  if (name == "StopGradient")
    return (x * x).sum(1) + (x.detach() * x).sum(1);
  if (name == "Wide")
    return param(m, p, "c") * x.pow(2).mean(1) + std::get<0>(x.max(1));
  if (name == "Moons")
    return -mlp(m, p, x, 4, relu).select(1, 0);
  if (name == "MnistMLP")
    return -mlp(m, p, x, 3, swish).select(1, 0);
  if (name == "Gaussian") {
    torch::Tensor mu = param(m, p, "mu");
    torch::Tensor s = torch::exp(param(m, p, "log_sigma"));
    return -(0.5 * ((x - mu) / s).pow(2) + torch::log(s)).sum(1) -
           0.5 * double(m.data_size) * std::log(2 * M_PI);
  }
  if (name == "MnistConv") {
    torch::Tensor img = x.view({x.size(0), 1, 28, 28});
    torch::Tensor h = torch::conv2d(img, param(m, p, "conv1.W"),
                                    param(m, p, "conv1.b"));
    h = torch::avg_pool2d(swish(h), 2);
    h = torch::conv2d(h, param(m, p, "conv2.W"), param(m, p, "conv2.b"));
    h = torch::avg_pool2d(swish(h), 2).flatten(1);
    return -(torch::matmul(h, param(m, p, "head.W").t()) +
             param(m, p, "head.b"))
                .select(1, 0);
  }
  ADD_FAILURE() << "no reference for model " << name;
  return torch::zeros({x.size(0)}, torch::kFloat64);
}

/// Runs the energy entry; returns f as f64.
std::vector<double> energy(const ade_model_info &m, const Inputs &in,
                           int64_t batch, int32_t threads,
                           int64_t first = 0) {
  std::vector<float> f32(batch);
  std::vector<double> f64(batch);
  const char *x = static_cast<const char *>(in.x()) +
                  first * m.data_size * (in.isF64 ? 8 : 4);
  void *out = in.isF64 ? static_cast<void *>(f64.data())
                       : static_cast<void *>(f32.data());
  EXPECT_EQ(m.energy(in.params(), x, out, batch, threads), ADE_OK);
  if (!in.isF64)
    f64.assign(f32.begin(), f32.end());
  return f64;
}

struct Case {
  const char *source;
  const char *model;
  /// The largest batch tested (after 1, 7 and 100).
  int64_t largestBatch;
};

const Case kCases[] = {
    {"examples/moons", "Moons", 10000},
    {"examples/gaussian", "Gaussian", 10000},
    {"examples/generalized_hmc", "Moons", 10000},
    {"examples/mnist_mlp", "MnistMLP", 257},
    {"examples/mnist_mlp", "MnistConv", 257},
    {"test/Runtime/Inputs/ops", "Elementwise", 10000},
    {"test/Runtime/Inputs/ops", "Reductions", 10000},
    {"test/Runtime/Inputs/ops", "Shapes", 10000},
    {"test/Runtime/Inputs/ops", "Images", 257},
    {"test/Runtime/Inputs/ops", "Wide", 131},
    {"test/Runtime/Inputs/ops", "StopGradient", 100},
    {"test/Runtime/Inputs/ops", "SecondOrder", 257},
};

/// "moons_Moons": the source's base name and the model.
std::string caseName(const Case &c) {
  std::string source = c.source;
  return source.substr(source.rfind('/') + 1) + "_" + c.model;
}

/// Compares the energy entry with the LibTorch reference for each batch
/// size, on 1 and 2 threads: max |error| / max |f| within the tolerance
/// (1e-5 in f32, 1e-12 in f64).
void expectMatchesReference(const ade_model_info *m, bool f64,
                            const std::vector<int64_t> &batches,
                            const std::string &what) {
  ASSERT_EQ(m->dtype, f64 ? ADE_F64 : ADE_F32);
  double tolerance = f64 ? 1e-12 : 1e-5;
  for (int64_t batch : batches) {
    Inputs in = randomInputs(*m, batch, 1000 + batch);
    std::vector<double> want = [&] {
      torch::Tensor r = reference(*m, in.paramsTensor(),
                                  in.xTensor(batch, m->data_size));
      return std::vector<double>(r.data_ptr<double>(),
                                 r.data_ptr<double>() + batch);
    }();
    double scale = 0;
    for (double w : want)
      scale = std::max(scale, std::fabs(w));
    for (int32_t threads : {1, 2}) {
      std::vector<double> got = energy(*m, in, batch, threads);
      double worst = 0;
      for (int64_t b = 0; b < batch; ++b)
        worst = std::max(worst, std::fabs(got[b] - want[b]));
      EXPECT_LE(worst / std::max(scale, 1e-30), tolerance)
          << what << " batch " << batch << " threads " << threads
          << ": max error " << worst << " for values up to " << scale;
    }
  }
}

class ModelLibrary
    : public ::testing::TestWithParam<std::tuple<Case, const char *>> {
protected:
  /// The case's model, compiled in the case's precision (the library
  /// stays loaded for the rest of the test); null after a failure.
  const ade_model_info *model() {
    auto [c, precision] = GetParam();
    lib = load(c.source, precision);
    if (!lib || !lib->info)
      return nullptr;
    const ade_model_info *m = lib->model(c.model);
    EXPECT_NE(m, nullptr) << "no model " << c.model;
    return m;
  }

  std::shared_ptr<Library> lib;
};

TEST_P(ModelLibrary, EnergyMatchesLibTorch) {
  auto [c, precision] = GetParam();
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  std::vector<int64_t> batches{1, 7, 100, c.largestBatch};
  expectMatchesReference(m, std::string(precision) == "f64", batches,
                         std::string(c.source) + "/" + c.model + " " +
                             precision);
}

// Tiles of 7 particles: every batch size leaves a different remainder.
TEST(ModelLibraryTiles, OddTileSizeMatchesLibTorch) {
  std::shared_ptr<Library> lib = load("examples/moons", "f32", 7);
  ASSERT_TRUE(lib && lib->info);
  const ade_model_info *m = lib->model("Moons");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->tile_size, 7);
  expectMatchesReference(m, false, {1, 6, 7, 8, 100, 1001}, "moons tile 7");
}

/// grad_energy: f and the gradient in x, as f64.
std::pair<std::vector<double>, std::vector<double>>
gradEnergy(const ade_model_info &m, const Inputs &in, int64_t batch,
           int32_t threads) {
  Typed f(batch, in.isF64), g(batch * m.data_size, in.isF64);
  EXPECT_EQ(m.grad_energy(in.params(), in.x(), f.data(), g.data(), batch,
                          threads),
            ADE_OK);
  return {f.values(), g.values()};
}

/// energy_vjp: sum_b w[b] df(x[b])/dparams, as f64.
std::vector<double> energyVjp(const ade_model_info &m, const Inputs &in,
                              const std::vector<double> &w, int64_t batch,
                              int32_t threads) {
  Typed wt(w, in.isF64), grad(m.params_size + 1, in.isF64);
  EXPECT_EQ(m.energy_vjp(in.params(), in.x(), wt.data(), grad.data(), batch,
                         threads),
            ADE_OK);
  std::vector<double> v = grad.values();
  v.resize(m.params_size);
  return v;
}

std::vector<double> randomWeights(int64_t batch, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> w(batch);
  for (double &v : w)
    v = u(rng);
  return w;
}

// grad_energy and energy_vjp against LibTorch autograd on the reference
// implementations (f64 reference; f32 libraries within 1e-4). A model of
// 100 000 parameters or more (MnistMLP) runs batch 64 in one tile of 64 on
// 1 thread and in two tiles of one register block (32 with AVX-512) on 2,
// their gradients summed in parallel (ade-build-entries).
TEST_P(ModelLibrary, GradientsMatchAutograd) {
  auto [c, precision] = GetParam();
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  bool f64 = std::string(precision) == "f64";
  double tolerance = f64 ? 1e-10 : 1e-4;
  for (int64_t batch : {int64_t(1), int64_t(7), int64_t(64), int64_t(100)}) {
    Inputs in = randomInputs(*m, batch, 2000 + batch);
    torch::Tensor x = in.xTensor(batch, m->data_size).requires_grad_();
    torch::Tensor p = in.paramsTensor().requires_grad_();
    torch::Tensor f = reference(*m, p, x);
    std::vector<double> w = randomWeights(batch, 17 + batch);
    torch::Tensor wt = torch::tensor(w, torch::kFloat64);
    auto grads = torch::autograd::grad({f}, {x, p}, {wt.view_as(f)},
                                       /*retain_graph=*/c10::nullopt,
                                       /*create_graph=*/false,
                                       /*allow_unused=*/true);
    torch::Tensor gp = grads[1].defined() ? grads[1] : torch::zeros_like(p);
    // d(sum_b w_b f_b)/dx_b = w_b grad f_b: divide the weights back out
    // by asking for the plain gradient separately.
    torch::Tensor gx = torch::autograd::grad(
        {reference(*m, p, x).sum()}, {x})[0];
    for (int32_t threads : {1, 2}) {
      auto [fv, gv] = gradEnergy(*m, in, batch, threads);
      EXPECT_LE(relativeError(fv, toVector(f.detach())), tolerance)
          << c.model << " " << precision << " f, batch " << batch;
      EXPECT_LE(relativeError(gv, toVector(gx)), tolerance)
          << c.model << " " << precision << " grad_x, batch " << batch
          << ", threads " << threads;
      EXPECT_LE(relativeError(energyVjp(*m, in, w, batch, threads),
                              toVector(gp)),
                tolerance)
          << c.model << " " << precision << " energy_vjp, batch " << batch
          << ", threads " << threads;
    }
  }
}

/// A standard-normal probe per particle when the model's score matching
/// takes one (Hutchinson), else nothing.
std::vector<double> randomProbe(const ade_model_info &m, int64_t batch,
                                unsigned seed) {
  if (!m.score_matching_probe)
    return {};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n;
  std::vector<double> e(batch * m.data_size);
  for (double &v : e)
    v = n(rng);
  return e;
}

/// score_matching: the per-particle loss, as f64.
std::vector<double> scoreMatching(const ade_model_info &m, const Inputs &in,
                                  const std::vector<double> &probe,
                                  int64_t batch, int32_t threads) {
  Typed e(probe, in.isF64), loss(batch, in.isF64);
  EXPECT_EQ(m.score_matching(in.params(), in.x(),
                             probe.empty() ? nullptr : e.data(), loss.data(),
                             batch, threads),
            ADE_OK);
  return loss.values();
}

/// score_matching_vjp: sum_b w[b] d(loss[b])/dparams, as f64.
std::vector<double> scoreMatchingVjp(const ade_model_info &m,
                                     const Inputs &in,
                                     const std::vector<double> &probe,
                                     const std::vector<double> &w,
                                     int64_t batch, int32_t threads) {
  Typed e(probe, in.isF64), wt(w, in.isF64),
      grad(m.params_size + 1, in.isF64);
  EXPECT_EQ(m.score_matching_vjp(in.params(), in.x(),
                                 probe.empty() ? nullptr : e.data(), wt.data(),
                                 grad.data(), batch, threads),
            ADE_OK);
  std::vector<double> v = grad.values();
  v.resize(m.params_size);
  return v;
}

/// tr(d^2f/dx^2) + 1/2 |grad f|^2 of the reference by autograd (with
/// create_graph, so it can be differentiated again); with a probe e, the
/// quadratic form e^T (d^2f/dx^2) e in place of the trace.
torch::Tensor referenceScoreMatching(const ade_model_info &m,
                                     const torch::Tensor &p,
                                     const torch::Tensor &x,
                                     const torch::Tensor &probe) {
  auto gradient = [&](const torch::Tensor &y) {
    torch::Tensor g = torch::autograd::grad({y}, {x}, {},
                                            /*retain_graph=*/true,
                                            /*create_graph=*/true,
                                            /*allow_unused=*/true)[0];
    return g.defined() ? g : torch::zeros_like(x);
  };
  torch::Tensor g = gradient(reference(m, p, x).sum());
  torch::Tensor trace;
  if (probe.defined()) {
    trace = (gradient((g * probe).sum()) * probe).sum(1);
  } else {
    trace = torch::zeros({x.size(0)}, torch::kFloat64);
    for (int64_t i = 0; i < m.data_size; ++i)
      trace = trace + gradient(g.select(1, i).sum()).select(1, i);
  }
  return trace + 0.5 * (g * g).sum(1);
}

// score_matching and score_matching_vjp (third order) against LibTorch
// autograd on the reference implementations.
TEST_P(ModelLibrary, ScoreMatchingMatchesAutograd) {
  auto [c, precision] = GetParam();
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->score_matching_probe, m->data_size > 64 ? 1 : 0);
  bool f64 = std::string(precision) == "f64";
  double tolerance = f64 ? 1e-10 : 1e-4;
  for (int64_t batch : {int64_t(1), int64_t(7)}) {
    Inputs in = randomInputs(*m, batch, 3000 + batch);
    std::vector<double> probe = randomProbe(*m, batch, 4000 + batch);
    torch::Tensor x = in.xTensor(batch, m->data_size).requires_grad_();
    torch::Tensor p = in.paramsTensor().requires_grad_();
    torch::Tensor e =
        probe.empty()
            ? torch::Tensor()
            : torch::tensor(probe, torch::kFloat64).view({batch, -1});
    torch::Tensor loss = referenceScoreMatching(*m, p, x, e);
    std::vector<double> w = randomWeights(batch, 23 + batch);
    torch::Tensor gp = torch::autograd::grad(
        {loss}, {p}, {torch::tensor(w, torch::kFloat64).view_as(loss)},
        /*retain_graph=*/true, /*create_graph=*/false,
        /*allow_unused=*/true)[0];
    if (!gp.defined())
      gp = torch::zeros_like(p);
    for (int32_t threads : {1, 2}) {
      EXPECT_LE(relativeError(scoreMatching(*m, in, probe, batch, threads),
                              toVector(loss.detach())),
                tolerance)
          << c.model << " " << precision << " score_matching, batch "
          << batch << ", threads " << threads;
      EXPECT_LE(relativeError(
                    scoreMatchingVjp(*m, in, probe, w, batch, threads),
                    toVector(gp)),
                tolerance)
          << c.model << " " << precision << " score_matching_vjp, batch "
          << batch << ", threads " << threads;
    }
  }
}

// Gaussian N(mu, sigma^2): tr = -sum 1/sigma^2, grad = -(x - mu)/sigma^2.
TEST(ScoreMatching, GaussianHasItsClosedForm) {
  std::shared_ptr<Library> lib = load("examples/gaussian", "f64");
  ASSERT_TRUE(lib && lib->info);
  const ade_model_info *m = lib->model("Gaussian");
  ASSERT_NE(m, nullptr);
  const int64_t batch = 5;
  Inputs in = randomInputs(*m, batch, 77);
  std::vector<double> got = scoreMatching(*m, in, {}, batch, 1);
  const int64_t d = m->data_size;
  auto offset = [&](const std::string &name) {
    for (int32_t i = 0; i < m->num_params; ++i)
      if (name == m->params[i].name)
        return m->params[i].offset;
    ADD_FAILURE() << "no parameter " << name;
    return int64_t(0);
  };
  const int64_t mu0 = offset("mu"), logSigma0 = offset("log_sigma");
  for (int64_t b = 0; b < batch; ++b) {
    double want = 0;
    for (int64_t i = 0; i < d; ++i) {
      double mu = in.params64[mu0 + i];
      double var = std::exp(2 * in.params64[logSigma0 + i]);
      double score = -(in.x64[b * d + i] - mu) / var;
      want += -1 / var + 0.5 * score * score;
    }
    EXPECT_NEAR(got[b], want, 1e-12 * std::max(1.0, std::fabs(want)));
  }
}

// The same gradients against central finite differences of the library's
// own energy entry, in f64 (up to 48 random coordinates each): errors
// relative to the largest difference quotient, or 1e-3 when all are
// smaller (below that, rounding in f itself dominates the quotients).
// Instantiated in f64 only, without StopGradient (whose gradient is, by
// design, not what finite differences see).
class FiniteDifferences : public ModelLibrary {};

TEST_P(FiniteDifferences, GradientsMatch) {
  const Case &c = std::get<0>(GetParam());
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  const int64_t batch = 3;
  Inputs in = randomInputs(*m, batch, 31);
  std::mt19937_64 rng(5);
  auto coordinates = [&](int64_t n) {
    std::vector<int64_t> all(n);
    for (int64_t i = 0; i < n; ++i)
      all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(std::min<int64_t>(n, 48));
    return all;
  };
  auto energyAt = [&](const std::vector<double> &params,
                      const std::vector<double> &x, int64_t n) {
    Inputs probe = in;
    probe.params64 = params;
    probe.x64 = x;
    return energy(*m, probe, n, 1);
  };

  // grad_x: all perturbed points of all particles in one call.
  auto [f, g] = gradEnergy(*m, in, batch, 1);
  std::vector<int64_t> xs = coordinates(m->data_size);
  std::vector<double> points;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i : xs)
      for (double sign : {1.0, -1.0}) {
        std::vector<double> row(in.x64.begin() + b * m->data_size,
                                in.x64.begin() + (b + 1) * m->data_size);
        double h = 1e-5 * std::max(1.0, std::fabs(row[i]));
        row[i] += sign * h;
        points.insert(points.end(), row.begin(), row.end());
      }
  std::vector<double> values =
      energyAt(in.params64, points, points.size() / m->data_size);
  std::vector<double> fd, got;
  size_t next = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i : xs) {
      double xi = in.x64[b * m->data_size + i];
      double h = 1e-5 * std::max(1.0, std::fabs(xi));
      fd.push_back((values[next] - values[next + 1]) / (2 * h));
      next += 2;
      got.push_back(g[b * m->data_size + i]);
    }
  EXPECT_LE(relativeError(got, fd, 1e-3), 1e-6) << c.model << " grad_x";

  // energy_vjp: one perturbed parameter buffer per coordinate.
  if (m->params_size == 0)
    return;
  std::vector<double> w = randomWeights(batch, 3);
  std::vector<double> vjp = energyVjp(*m, in, w, batch, 1);
  fd.clear();
  got.clear();
  for (int64_t i : coordinates(m->params_size)) {
    double h = 1e-5 * std::max(1.0, std::fabs(in.params64[i]));
    double sum[2] = {0, 0};
    for (int side = 0; side < 2; ++side) {
      std::vector<double> params = in.params64;
      params[i] += side == 0 ? h : -h;
      std::vector<double> fv = energyAt(params, in.x64, batch);
      for (int64_t b = 0; b < batch; ++b)
        sum[side] += w[b] * fv[b];
    }
    fd.push_back((sum[0] - sum[1]) / (2 * h));
    got.push_back(vjp[i]);
  }
  EXPECT_LE(relativeError(got, fd, 1e-3), 1e-6) << c.model << " energy_vjp";
}

// score_matching against central differences of grad_energy along the
// unit vectors (the trace) or the probe (its quadratic form), and
// score_matching_vjp against central differences of score_matching in up
// to 48 random parameters, in f64.
TEST_P(FiniteDifferences, ScoreMatchingMatches) {
  const Case &c = std::get<0>(GetParam());
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  const int64_t batch = 3, d = m->data_size;
  const double h = 1e-6;
  Inputs in = randomInputs(*m, batch, 41);
  std::vector<double> probe = randomProbe(*m, batch, 43);
  int64_t directions = probe.empty() ? d : 1;
  auto direction = [&](int64_t b, int64_t k, int64_t i) {
    return probe.empty() ? double(i == k) : probe[b * d + i];
  };
  Inputs shifted = in;
  shifted.x64.clear();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t k = 0; k < directions; ++k)
      for (double sign : {1.0, -1.0})
        for (int64_t i = 0; i < d; ++i)
          shifted.x64.push_back(in.x64[b * d + i] +
                                sign * h * direction(b, k, i));
  auto [f, g] = gradEnergy(*m, in, batch, 1);
  auto [fs, gs] = gradEnergy(*m, shifted, batch * directions * 2, 1);
  // A particle whose stencil straddles a kink (ReLU, max) shows as
  // one-sided differences that disagree: it is skipped.
  std::vector<double> want, got;
  std::vector<double> loss = scoreMatching(*m, in, probe, batch, 1);
  for (int64_t b = 0; b < batch; ++b) {
    double forward = 0, backward = 0;
    for (int64_t k = 0; k < directions; ++k) {
      const double *plus = &gs[(b * directions + k) * 2 * d];
      const double *minus = plus + d;
      for (int64_t i = 0; i < d; ++i) {
        forward += (plus[i] - g[b * d + i]) / h * direction(b, k, i);
        backward += (g[b * d + i] - minus[i]) / h * direction(b, k, i);
      }
    }
    if (std::fabs(forward - backward) >
        1e-4 * std::max(1.0, std::fabs(forward)))
      continue;
    double value = (forward + backward) / 2;
    for (int64_t i = 0; i < d; ++i)
      value += 0.5 * g[b * d + i] * g[b * d + i];
    want.push_back(value);
    got.push_back(loss[b]);
  }
  EXPECT_GE(want.size(), 2u) << c.model << ": too many kinks";
  EXPECT_LE(relativeError(got, want, 1e-3), 1e-6)
      << c.model << " score_matching";

  if (m->params_size == 0)
    return;
  std::vector<double> w = randomWeights(batch, 5);
  std::vector<double> vjp = scoreMatchingVjp(*m, in, probe, w, batch, 1);
  std::mt19937_64 rng(7);
  std::vector<int64_t> coordinates(m->params_size);
  for (int64_t i = 0; i < m->params_size; ++i)
    coordinates[i] = i;
  std::shuffle(coordinates.begin(), coordinates.end(), rng);
  coordinates.resize(std::min<int64_t>(m->params_size, 48));
  std::vector<double> fd;
  got.clear();
  for (int64_t i : coordinates) {
    double step = h * std::max(1.0, std::fabs(in.params64[i]));
    double sum[2] = {0, 0};
    for (int side = 0; side < 2; ++side) {
      Inputs moved = in;
      moved.params64[i] += side == 0 ? step : -step;
      std::vector<double> movedLoss =
          scoreMatching(*m, moved, probe, batch, 1);
      for (int64_t b = 0; b < batch; ++b)
        sum[side] += w[b] * movedLoss[b];
    }
    fd.push_back((sum[0] - sum[1]) / (2 * step));
    got.push_back(vjp[i]);
  }
  EXPECT_LE(relativeError(got, fd, 1e-3), 1e-6)
      << c.model << " score_matching_vjp";
}

TEST_P(ModelLibrary, EntriesArePure) {
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  const int64_t batch = 203;
  Inputs in = randomInputs(*m, batch, 7);
  std::vector<double> once = energy(*m, in, batch, 1);
  EXPECT_EQ(energy(*m, in, batch, 1), once) << "repeated call";
  EXPECT_EQ(energy(*m, in, batch, 2), once) << "two threads";
  // Two calls on a split of the batch give the same values.
  std::vector<double> head = energy(*m, in, 37, 2);
  std::vector<double> tail = energy(*m, in, batch - 37, 1, 37);
  head.insert(head.end(), tail.begin(), tail.end());
  EXPECT_EQ(head, once) << "batch split 37 + 166";
}

TEST_P(ModelLibrary, RejectsBadArguments) {
  const ade_model_info *m = model();
  ASSERT_NE(m, nullptr);
  Inputs in = randomInputs(*m, 4, 3);
  std::vector<double> out(4);
  EXPECT_EQ(m->energy(in.params(), nullptr, out.data(), 4, 0),
            ADE_ERROR_NULL_POINTER);
  EXPECT_EQ(m->energy(in.params(), in.x(), nullptr, 4, 0),
            ADE_ERROR_NULL_POINTER);
  // A model without parameters may be given no parameter buffer.
  EXPECT_EQ(m->energy(nullptr, in.x(), out.data(), 4, 0),
            m->params_size > 0 ? ADE_ERROR_NULL_POINTER : ADE_OK);
  EXPECT_EQ(m->energy(in.params(), in.x(), out.data(), 0, 0),
            ADE_ERROR_BAD_BATCH);
  EXPECT_EQ(m->energy(in.params(), in.x(), out.data(), -5, 0),
            ADE_ERROR_BAD_BATCH);
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ModelLibrary,
    ::testing::Combine(::testing::ValuesIn(kCases),
                       ::testing::Values("f32", "f64")),
    [](const auto &info) {
      return caseName(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
    });

std::vector<Case> differentiableCases() {
  std::vector<Case> cases;
  for (const Case &c : kCases)
    if (std::string(c.model) != "StopGradient")
      cases.push_back(c);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, FiniteDifferences,
    ::testing::Combine(::testing::ValuesIn(differentiableCases()),
                       ::testing::Values("f64")),
    [](const auto &info) { return caseName(std::get<0>(info.param)); });

TEST(ModelLibraryMetadata, DescribesMoons) {
  std::shared_ptr<Library> lib = load("examples/moons", "f32");
  ASSERT_TRUE(lib && lib->info);
  const ade_library_info &info = *lib->info;
  EXPECT_EQ(info.abi_version, ADE_ABI_VERSION);
  ASSERT_EQ(info.num_models, 1);
  const ade_model_info &m = info.models[0];
  EXPECT_STREQ(m.name, "Moons");
  EXPECT_EQ(m.data_rank, 1);
  EXPECT_EQ(m.data_shape[0], 2);
  EXPECT_EQ(m.num_params, 8);
  EXPECT_EQ(m.params_size, 2 * 128 + 128 + 2 * (128 * 128 + 128) + 128 + 1);
  EXPECT_STREQ(m.params[0].name, "net.layer.0.W");
  EXPECT_EQ(m.params[0].rank, 2);
  EXPECT_EQ(m.params[0].shape[0], 128);
  EXPECT_EQ(m.params[0].shape[1], 2);
  EXPECT_EQ(m.params[0].init, ADE_INIT_GLOROT_UNIFORM);
  EXPECT_EQ(m.params[0].fan_in, 2);
  EXPECT_EQ(m.params[0].fan_out, 128);
  EXPECT_EQ(m.params[1].offset, 256);
  EXPECT_EQ(m.params[7].offset, m.params_size - 1);
  EXPECT_NE(std::string(m.doc).find("MLP 2-128-128-128-1"), std::string::npos);
  ASSERT_EQ(info.num_samplers, 2);
  // The reference code's sampler: z, then a momentum and a uniform draw for
  // the Metropolis test per step.
  const ade_sampler_info &reference = info.samplers[0];
  EXPECT_STREQ(reference.name, "ADE");
  EXPECT_EQ(reference.params_size, 10 * 5 + 10);
  EXPECT_EQ(reference.noise_size, 2 + 5 * (2 + 1));
  ASSERT_EQ(reference.num_draws, 11);
  EXPECT_STREQ(reference.draws[2].name, "u");
  EXPECT_EQ(reference.draws[2].noise, ADE_NOISE_UNIFORM);
  const ade_sampler_info &s = info.samplers[1];
  EXPECT_STREQ(s.name, "Langevin5");
  EXPECT_EQ(s.model, 0);
  EXPECT_EQ(s.num_params, 31);
  EXPECT_EQ(s.params_size, 10 * 5 + 10);
  EXPECT_STREQ(s.params[30].name, "eps");
  EXPECT_EQ(s.params[30].init, ADE_INIT_CONSTANT);
  EXPECT_DOUBLE_EQ(s.params[30].init_a, 0.01);
  EXPECT_EQ(s.takes_initial_state, 0);
  EXPECT_EQ(s.returns_momentum, 0);
  // z, then a momentum per step.
  EXPECT_EQ(s.noise_size, 2 + 5 * 2);
  ASSERT_EQ(s.num_draws, 6);
  EXPECT_STREQ(s.draws[0].name, "z");
  EXPECT_STREQ(s.draws[5].name, "v");
  EXPECT_EQ(s.draws[5].offset, 10);
  EXPECT_EQ(s.draws[5].size, 2);
  EXPECT_EQ(s.draws[5].noise, ADE_NOISE_NORMAL);
  EXPECT_NE(s.sample, nullptr);
  EXPECT_NE(s.sample_vjp, nullptr);
  EXPECT_NE(s.sampler_vjp, nullptr);
  EXPECT_NE(m.grad_energy, nullptr);
  EXPECT_NE(m.energy_vjp, nullptr);
  EXPECT_EQ(m.score_matching_probe, 0);
  EXPECT_NE(m.score_matching, nullptr);
  EXPECT_NE(m.score_matching_vjp, nullptr);
}

// The f32 exp, log and tanh of compiled code are polynomial approximations
// (ade-approximate-math), not libm: each function, and the activations
// built from them, within a few units in the last place of the exact value
// over its range.
struct FunctionRange {
  const char *model;
  double (*exact)(double);
  double low, high;
  /// Points spread uniformly in log|x| instead of in x.
  bool logarithmic;
  double maxUlps;
};

double sigmoidExact(double x) { return 1 / (1 + std::exp(-x)); }
double softplusExact(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}
double swishExact(double x) { return x * sigmoidExact(x); }

/// |got - want| in units of the spacing of floats at want.
double ulpError(float got, double want) {
  float rounded = float(std::fabs(want));
  float spacing = std::nextafter(rounded, INFINITY) - rounded;
  return std::fabs(double(got) - want) / spacing;
}

TEST(Approximations, F32FunctionsAreWithinFewUlps) {
  std::shared_ptr<Library> lib = load("test/Runtime/Inputs/functions", "f32");
  ASSERT_TRUE(lib && lib->info);
  // Bounds: the worst case measured on x86-64 with a margin. Measured: exp
  // 0.97, expm1 2.3, log 0.81, log1p 1.6, tanh 3.9, sigmoid 2.1, softplus
  // 1.9, swish 2.5 ulps.
  auto exp = [](double x) { return std::exp(x); };
  auto expm1 = [](double x) { return std::expm1(x); };
  auto log = [](double x) { return std::log(x); };
  auto log1p = [](double x) { return std::log1p(x); };
  auto tanh = [](double x) { return std::tanh(x); };
  const FunctionRange ranges[] = {
      {"Exp", exp, -87, 88, false, 2},
      {"Expm1", expm1, -20, 20, false, 4},
      {"Expm1", expm1, 1e-6, 1, true, 4},
      {"Log", log, 1e-37, 1e37, true, 2},
      {"Log", log, 0.5, 2, false, 2},
      {"Log1p", log1p, -0.999, 1e6, false, 3},
      {"Log1p", log1p, 1e-6, 1, true, 3},
      {"Tanh", tanh, -10, 10, false, 6},
      {"Tanh", tanh, 1e-6, 1, true, 6},
      {"Sigmoid", sigmoidExact, -30, 30, false, 4},
      {"Softplus", softplusExact, -30, 30, false, 4},
      {"Swish", swishExact, -30, 30, false, 4},
  };
  const int64_t count = 20000;
  for (const FunctionRange &r : ranges) {
    const ade_model_info *m = lib->model(r.model);
    ASSERT_NE(m, nullptr) << r.model;
    std::vector<float> x(count), f(count);
    for (int64_t i = 0; i < count; ++i) {
      double t = (i + 0.5) / count;
      x[i] = r.logarithmic
                 ? float(std::exp(std::log(r.low) +
                                  t * (std::log(r.high) - std::log(r.low))))
                 : float(r.low + t * (r.high - r.low));
    }
    float unused = 0;
    ASSERT_EQ(m->energy(&unused, x.data(), f.data(), count, 1), ADE_OK);
    double worst = 0;
    float worstAt = 0;
    for (int64_t i = 0; i < count; ++i) {
      double error = ulpError(f[i], r.exact(double(x[i])));
      ASSERT_FALSE(std::isnan(error))
          << r.model << "(" << x[i] << ") = " << f[i];
      if (error > worst)
        worst = error, worstAt = x[i];
    }
    EXPECT_LE(worst, r.maxUlps) << r.model << " on [" << r.low << ", " << r.high
                                << "]: " << worst << " ulps at x = " << worstAt;
  }
}

// IEEE special values survive the approximations; results below FLT_MIN
// flush to 0 and subnormal arguments of log count as FLT_MIN.
TEST(Approximations, F32SpecialValues) {
  std::shared_ptr<Library> lib = load("test/Runtime/Inputs/functions", "f32");
  ASSERT_TRUE(lib && lib->info);
  struct Value {
    const char *model;
    float x, want;
  };
  const float inf = INFINITY, nan = NAN;
  const Value values[] = {
      {"Exp", inf, inf},    {"Exp", -inf, 0},
      {"Exp", nan, nan},    {"Exp", 89, inf},
      {"Exp", -88, 0},      {"Expm1", -inf, -1},
      {"Expm1", inf, inf},  {"Log", 0, -inf},
      {"Log", -1, nan},     {"Log", inf, inf},
      {"Log", nan, nan},    {"Log", 1e-40f, std::log(FLT_MIN)},
      {"Log1p", -1, -inf},  {"Log1p", -2, nan},
      {"Tanh", inf, 1},     {"Tanh", -inf, -1},
      {"Tanh", nan, nan},   {"Tanh", 1e-30f, 1e-30f},
      {"Sigmoid", -inf, 0}, {"Softplus", inf, inf},
  };
  for (const Value &v : values) {
    const ade_model_info *m = lib->model(v.model);
    ASSERT_NE(m, nullptr) << v.model;
    float unused = 0, got = 0;
    ASSERT_EQ(m->energy(&unused, &v.x, &got, 1, 1), ADE_OK);
    if (std::isnan(v.want))
      EXPECT_TRUE(std::isnan(got)) << v.model << "(" << v.x << ") = " << got;
    else
      EXPECT_FLOAT_EQ(got, v.want) << v.model << "(" << v.x << ")";
  }
}

// In f64, expm1 and log1p are libm's (ade-math-to-libm): MLIR's LLVM
// lowering would compute exp(x) - 1 and log(1 + x), 8e-8 off at 1e-10 and
// 1e-3 off for softplus(-30).
TEST(MathLowering, F64Expm1AndLog1pKeepTheirPrecisionNearZero) {
  std::shared_ptr<Library> lib = load("test/Runtime/Inputs/functions", "f64");
  ASSERT_TRUE(lib && lib->info);
  struct Case {
    const char *model;
    double (*exact)(double);
  };
  const Case cases[] = {{"Expm1", [](double x) { return std::expm1(x); }},
                        {"Log1p", [](double x) { return std::log1p(x); }},
                        {"Softplus", softplusExact}};
  // |x| from 1e-15 to 1 of both signs; softplus also far into its tail.
  std::vector<double> x;
  for (double e = -15; e <= 0; e += 0.25) {
    x.push_back(std::pow(10.0, e));
    x.push_back(-std::pow(10.0, e) / 2);
  }
  for (double t : {-30.0, -100.0, -700.0})
    x.push_back(t);
  for (const Case &c : cases) {
    const ade_model_info *m = lib->model(c.model);
    ASSERT_NE(m, nullptr) << c.model;
    std::vector<double> f(x.size());
    double unused = 0;
    ASSERT_EQ(m->energy(&unused, x.data(), f.data(), x.size(), 1), ADE_OK);
    for (size_t i = 0; i < x.size(); ++i) {
      if (std::string(c.model) != "Softplus" && x[i] < -1)
        continue;
      double want = c.exact(x[i]);
      EXPECT_LE(std::fabs(f[i] - want), 4e-16 * std::fabs(want))
          << c.model << "(" << x[i] << ") = " << f[i] << ", want " << want;
    }
  }
}

} // namespace
