//===- SamplerTest.cpp - Compiled samplers: densities and gradients -------===//
//
// The sample and sample_vjp entries of compiled samplers: log q against
// closed forms (affine Gaussians, uniforms) and against brute-force
// Jacobians (finite differences of the sample entry in its noise, f64),
// sample_vjp against finite differences, and the moons sampler and the
// gradients of the ADE objective against LibTorch autograd.
//
//===----------------------------------------------------------------------===//

#include "Library.h"
#include "MoonsReference.h"

#include <algorithm>
#include <random>

namespace {
using namespace ade_test;
using ade_reference::moonsEnergy;
using ade_reference::moonsSampler;

/// Random values for a parameter buffer, scaled like a Glorot init.
std::vector<double> randomParams(const ade_param_info *params, int32_t count,
                                 int64_t size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(size + 1);
  for (int32_t i = 0; i < count; ++i) {
    const ade_param_info &p = params[i];
    double fanIn = p.rank >= 2 ? double(p.size) / double(p.shape[0]) : 4.0;
    std::uniform_real_distribution<double> u(-1.0 / std::sqrt(fanIn),
                                             1.0 / std::sqrt(fanIn));
    for (int64_t k = 0; k < p.size; ++k)
      v[p.offset + k] = u(rng);
  }
  v.resize(size);
  return v;
}

/// Noise as the sampler expects it: standard normal or uniform on [0, 1).
std::vector<double> randomNoise(const ade_sampler_info &s, int64_t batch,
                                unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> noise(batch * s.noise_size);
  for (int64_t b = 0; b < batch; ++b)
    for (int32_t d = 0; d < s.num_draws; ++d)
      for (int64_t k = 0; k < s.draws[d].size; ++k)
        noise[b * s.noise_size + s.draws[d].offset + k] =
            s.draws[d].noise == ADE_NOISE_UNIFORM ? uniform(rng) : normal(rng);
  return noise;
}

/// A sampler of a compiled library with its model and parameters.
struct Rig {
  std::shared_ptr<Library> lib;
  const ade_sampler_info *s = nullptr;
  const ade_model_info *m = nullptr;
  std::vector<double> modelParams, samplerParams;
  bool f64 = true;

  Rig(const std::string &source, const std::string &sampler,
      const std::string &precision, unsigned seed = 1, int tile = 32) {
    lib = load(source, precision, tile);
    if (!lib || !lib->info)
      return;
    s = lib->sampler(sampler);
    if (!s)
      return;
    m = &lib->info->models[s->model];
    f64 = precision == "f64";
    modelParams = randomParams(m->params, m->num_params, m->params_size, seed);
    samplerParams =
        randomParams(s->params, s->num_params, s->params_size, seed + 1);
  }
  int64_t dim() const { return m->data_size; }
  double param(const std::string &name, int64_t k) const {
    for (int32_t i = 0; i < s->num_params; ++i)
      if (name == s->params[i].name)
        return samplerParams[s->params[i].offset + k];
    ADD_FAILURE() << "no sampler parameter " << name;
    return 0;
  }
};

/// A sample's outputs, and the model's f at it (what sample_vjp weights
/// besides them).
struct Sample {
  std::vector<double> x, v, logq, kinetic, f;
  std::vector<double> stats; // batch x num_stats
};

/// Output buffers of a sample, as sample and sample_vjp fill them.
struct SampleBuffers {
  Typed x, v, logq, kin, stats, f;
  SampleBuffers(const Rig &t, int64_t batch)
      : x(batch * t.dim(), t.f64), v(batch * t.dim(), t.f64),
        logq(batch, t.f64), kin(batch, t.f64),
        stats(batch * t.s->num_stats, t.f64), f(batch, t.f64) {}
  Sample values(const Rig &t) const {
    return {x.values(),
            t.s->returns_momentum ? v.values() : std::vector<double>{},
            logq.values(),
            kin.values(),
            f.values(),
            stats.values()};
  }
};

/// x0: the initial states, for samplers that take one.
Sample sample(const Rig &t, const std::vector<double> &modelParams,
              const std::vector<double> &samplerParams,
              const std::vector<double> &noise, int64_t batch,
              int32_t threads = 1, const std::vector<double> &x0 = {}) {
  Typed mp(modelParams, t.f64), sp(samplerParams, t.f64), n(noise, t.f64),
      start(x0, t.f64);
  SampleBuffers out(t, batch);
  EXPECT_EQ(t.s->sample(mp.data(), sp.data(), n.data(),
                        x0.empty() ? nullptr : start.data(), out.x.data(),
                        out.v.data(), out.logq.data(), out.kin.data(),
                        out.stats.data(), batch, threads),
            ADE_OK);
  EXPECT_EQ(t.m->energy(mp.data(), out.x.data(), out.f.data(), batch, threads),
            ADE_OK);
  return out.values(t);
}

Sample sample(const Rig &t, const std::vector<double> &noise, int64_t batch,
              int32_t threads = 1) {
  return sample(t, t.modelParams, t.samplerParams, noise, batch, threads);
}

/// Cotangents of a sample's outputs and of f at it.
struct Cotangents {
  std::vector<double> x, v, logq, kinetic, f;
  double dot(const Sample &s) const {
    double total = 0;
    for (size_t i = 0; i < x.size(); ++i)
      total += x[i] * s.x[i];
    for (size_t i = 0; i < s.v.size(); ++i)
      total += v[i] * s.v[i];
    for (size_t i = 0; i < logq.size(); ++i)
      total += logq[i] * s.logq[i] + kinetic[i] * s.kinetic[i] + f[i] * s.f[i];
    return total;
  }
};

Cotangents randomCotangents(const Rig &t, int64_t batch, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  auto draw = [&](int64_t n) {
    std::vector<double> v(n);
    for (double &e : v)
      e = u(rng);
    return v;
  };
  return {draw(batch * t.dim()), draw(batch * t.dim()), draw(batch),
          draw(batch), draw(batch)};
}

/// What sample_vjp returns: the gradients in the model's and the sampler's
/// parameters, and the sample's values.
struct SampleVjp {
  std::vector<double> model, sampler;
  Sample values;
};

/// The inputs of sample_vjp and sampler_vjp, in the library's precision.
struct VjpInputs {
  Typed mp, sp, n, start, gx, gv, gl, gk, gf;
  VjpInputs(const Rig &t, const std::vector<double> &noise, const Cotangents &c,
            const std::vector<double> &x0)
      : mp(t.modelParams, t.f64), sp(t.samplerParams, t.f64), n(noise, t.f64),
        start(x0, t.f64), gx(c.x, t.f64), gv(c.v, t.f64), gl(c.logq, t.f64),
        gk(c.kinetic, t.f64), gf(c.f, t.f64), hasX0(!x0.empty()) {}
  void *x0() { return hasX0 ? start.data() : nullptr; }
  bool hasX0;
};

SampleVjp sampleVjp(const Rig &t, const std::vector<double> &noise,
                    const Cotangents &c, int64_t batch, int32_t threads = 1,
                    const std::vector<double> &x0 = {}) {
  VjpInputs in(t, noise, c, x0);
  Typed gm(t.m->params_size + 1, t.f64), gs(t.s->params_size + 1, t.f64);
  SampleBuffers out(t, batch);
  EXPECT_EQ(t.s->sample_vjp(in.mp.data(), in.sp.data(), in.n.data(), in.x0(),
                            in.gx.data(), in.gv.data(), in.gl.data(),
                            in.gk.data(), in.gf.data(), out.x.data(),
                            out.v.data(), out.logq.data(), out.kin.data(),
                            out.stats.data(), out.f.data(), gm.data(),
                            gs.data(), batch, threads),
            ADE_OK);
  std::vector<double> model = gm.values(), sampler = gs.values();
  model.resize(t.m->params_size);
  sampler.resize(t.s->params_size);
  return {model, sampler, out.values(t)};
}

/// sampler_vjp: the gradient in the sampler's parameters alone.
std::vector<double> samplerVjp(const Rig &t, const std::vector<double> &noise,
                               const Cotangents &c, int64_t batch) {
  VjpInputs in(t, noise, c, {});
  Typed gs(t.s->params_size + 1, t.f64);
  EXPECT_EQ(t.s->sampler_vjp(in.mp.data(), in.sp.data(), in.n.data(), in.x0(),
                             in.gx.data(), in.gv.data(), in.gl.data(),
                             in.gk.data(), in.gf.data(), gs.data(), batch, 1),
            ADE_OK);
  std::vector<double> sampler = gs.values();
  sampler.resize(t.s->params_size);
  return sampler;
}

double logNormal(double x, double mean, double std) {
  double z = (x - mean) / std;
  return -0.5 * z * z - std::log(std) - 0.5 * std::log(2 * M_PI);
}

const char *kSamplers = "test/Runtime/Inputs/samplers";

TEST(Samplers, AffineGaussianHasItsClosedFormDensity) {
  Rig t(kSamplers, "Affine", "f64");
  ASSERT_TRUE(t.s);
  const int64_t batch = 37;
  std::vector<double> noise = randomNoise(*t.s, batch, 3);
  Sample out = sample(t, noise, batch);
  for (int64_t b = 0; b < batch; ++b) {
    double want = 0;
    for (int64_t i = 0; i < 2; ++i) {
      // x = 2 (z e^k + 1) - 0.5 with z ~ N(m, e^s).
      double m = t.param("m", i), s = std::exp(t.param("s", i)),
             k = std::exp(t.param("k", i));
      double mean = 2 * (m * k + 1) - 0.5, std = 2 * s * k;
      double x = 2 * ((m + s * noise[b * 2 + i]) * k + 1) - 0.5;
      EXPECT_NEAR(out.x[b * 2 + i], x, 1e-12);
      want += logNormal(x, mean, std);
    }
    EXPECT_NEAR(out.logq[b], want, 1e-12) << "particle " << b;
    EXPECT_EQ(out.kinetic[b], 0.0);
  }
}

TEST(Samplers, UniformDrawHasItsClosedFormDensity) {
  Rig t(kSamplers, "Box", "f64");
  ASSERT_TRUE(t.s);
  ASSERT_EQ(t.s->draws[0].noise, ADE_NOISE_UNIFORM);
  const int64_t batch = 9;
  std::vector<double> noise = randomNoise(*t.s, batch, 4);
  Sample out = sample(t, noise, batch);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < 2; ++i)
      EXPECT_NEAR(out.x[b * 2 + i],
                  t.param("lo", i) + 3 * noise[b * 2 + i] + 1, 1e-12);
    EXPECT_NEAR(out.logq[b], -2 * std::log(3.0), 1e-12);
  }
}

/// log q against sum log p(noise) - log|det d(output)/d(noise)| with the
/// Jacobian from central differences of the sample entry (f64).
void expectBruteForceDensity(const std::string &source, const std::string &name,
                             const std::vector<double> &samplerParams = {},
                             std::vector<double> noise = {}, int tile = 32) {
  Rig t(source, name, "f64", 7, tile);
  ASSERT_TRUE(t.s) << name;
  if (!samplerParams.empty())
    t.samplerParams = samplerParams;
  int64_t n = t.s->noise_size;
  int64_t outputs = t.dim() * (t.s->returns_momentum ? 2 : 1);
  ASSERT_EQ(outputs, n) << name << ": the output must be the whole state";
  const int64_t batch = noise.empty() ? 3 : int64_t(noise.size()) / n;
  if (noise.empty())
    noise = randomNoise(*t.s, batch, 11);
  Sample base = sample(t, noise, batch);
  // All perturbed noise vectors of all particles in one call.
  std::vector<double> probes;
  const double h = 1e-5;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < n; ++j)
      for (double sign : {1.0, -1.0}) {
        std::vector<double> e(noise.begin() + b * n, noise.begin() + (b + 1) * n);
        e[j] += sign * h;
        probes.insert(probes.end(), e.begin(), e.end());
      }
  Sample moved = sample(t, probes, probes.size() / n);
  auto output = [&](const Sample &s, int64_t p, int64_t k) {
    return k < t.dim() ? s.x[p * t.dim() + k] : s.v[p * t.dim() + k - t.dim()];
  };
  for (int64_t b = 0; b < batch; ++b) {
    torch::Tensor jac = torch::zeros({n, n}, torch::kFloat64);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < n; ++k) {
        int64_t plus = (b * n + j) * 2, minus = plus + 1;
        jac[k][j] = (output(moved, plus, k) - output(moved, minus, k)) / (2 * h);
      }
    double logDet = std::get<1>(torch::slogdet(jac)).item<double>();
    double logNoise = 0;
    for (int64_t j = 0; j < n; ++j)
      logNoise += logNormal(noise[b * n + j], 0, 1);
    EXPECT_NEAR(base.logq[b], logNoise - logDet, 1e-9)
        << name << " particle " << b;
  }
}

TEST(Samplers, PlanarFlowLogDetMatchesBruteForce) {
  expectBruteForceDensity(kSamplers, "Planar");
  expectBruteForceDensity(kSamplers, "PaddedPlanar");
}
TEST(Samplers, CouplingFlowLogDetMatchesBruteForce) {
  expectBruteForceDensity(kSamplers, "Coupling");
  expectBruteForceDensity(kSamplers, "RealNVPFlow");
}
TEST(Samplers, GeneralizedLeapfrogLogDetMatchesBruteForce) {
  expectBruteForceDensity(kSamplers, "Generalized");
}
TEST(Samplers, DenseFallbackLogDetMatchesBruteForce) {
  expectBruteForceDensity(kSamplers, "Dense");
}
// Tiles of 16 particles (one register block, so writes at offset 0): the
// log q was 0.18 off with these parameters, as one-shot bufferization took
// the write of one Jacobian row for a write of the whole zero-filled
// matrix (found by the GPU check, whose kernels were right).
TEST(Samplers, DenseFallbackLogDetAtOneRegisterBlock) {
  expectBruteForceDensity(kSamplers, "Dense",
                          {0.0613801479, -0.275016665, -0.106908232,
                           -0.0560615957, -0.214958757, -0.355218947,
                           0.0635545254, 0.364678681, 0.395401835, -0.269195318,
                           -0.495988399, -0.0394191146},
                          {-0.971030116, 0.378498673, 1.33462071}, /*tile=*/16);
}
// Linear's log-determinant is computed once per call and read by every
// tile (ade-hoist-uniform-work): right in each of 5 tiles of 16, and the
// same on 1 and 2 threads.
TEST(Samplers, HoistedLogDetMatchesBruteForce) {
  expectBruteForceDensity(kSamplers, "Linear");
  std::vector<double> noise(12 * 3);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (double &v : noise)
    v = normal(rng);
  expectBruteForceDensity(kSamplers, "Linear", {}, noise, /*tile=*/16);
  Rig t(kSamplers, "Linear", "f64", 7, 16);
  ASSERT_TRUE(t.s);
  std::vector<double> many = randomNoise(*t.s, 100, 13);
  Sample one = sample(t, many, 100, 1), two = sample(t, many, 100, 2);
  EXPECT_EQ(one.logq, two.logq);
  EXPECT_EQ(one.x, two.x);
}
TEST(Samplers, ExampleGeneralizedHmcMatchesBruteForce) {
  expectBruteForceDensity("examples/generalized_hmc", "GeneralizedHMC");
}

// Leapfrog from a fresh momentum preserves volume, with its force and
// momentum norm-clipped too: the derived log-det is exactly 0 (no Jacobian
// is computed), and brute force agrees.
TEST(Samplers, LeapfrogIsVolumePreserving) {
  for (const char *name : {"Leapfrog", "Clipped"}) {
    expectBruteForceDensity(kSamplers, name);
    Rig t(kSamplers, name, "f64");
    ASSERT_TRUE(t.s);
    std::vector<double> noise = randomNoise(*t.s, 5, 12);
    Sample out = sample(t, noise, 5);
    for (int64_t b = 0; b < 5; ++b) {
      double logNoise = 0;
      for (int64_t j = 0; j < 4; ++j)
        logNoise += logNormal(noise[b * 4 + j], 0, 1);
      EXPECT_NEAR(out.logq[b], logNoise, 1e-13) << name;
    }
  }
}

/// Runs a sampler from x0 with its step sizes `eps` set.
Sample sampleFrom(Rig &t, double eps, double x0,
                  const std::vector<double> &noise, int64_t batch) {
  for (int32_t i = 0; i < t.s->num_params; ++i)
    if (std::string(t.s->params[i].name) == "eps")
      std::fill_n(t.samplerParams.begin() + t.s->params[i].offset,
                  t.s->params[i].size, eps);
  Typed mp(t.modelParams, t.f64), sp(t.samplerParams, t.f64), n(noise, t.f64),
      start(std::vector<double>(batch * t.dim(), x0), t.f64);
  Typed x(batch * t.dim(), t.f64), v(batch * t.dim(), t.f64),
      logq(batch, t.f64), kin(batch, t.f64),
      stats(batch * t.s->num_stats, t.f64);
  EXPECT_EQ(t.s->sample(mp.data(), sp.data(), n.data(), start.data(), x.data(),
                        v.data(), logq.data(), kin.data(), stats.data(), batch,
                        1),
            ADE_OK);
  return {x.values(), {}, logq.values(), kin.values(), {}, stats.values()};
}

// On N(0, I) with step size 1.5, 20 Langevin steps from (2, 2) settle at
// the variance 1 / (1 - 1.5^2 / 4) = 2.29 without the Metropolis test and
// at the target's 1 with it; log q adds the momenta's draws only and the
// kinetic energy counts no uniform draw.
TEST(Samplers, MetropolisHmcSamplesItsTarget) {
  const int64_t batch = 20000;
  // The clipped leapfrog is volume preserving and reversible (clipping is
  // odd), so its Metropolis-adjusted chain is exact too.
  for (auto [name, variance] :
       {std::pair("Metropolis", 1.0), std::pair("MetropolisClipped", 1.0),
        std::pair("Unadjusted", 1 / (1 - 0.5625))}) {
    Rig t(kSamplers, name, "f64");
    ASSERT_TRUE(t.s) << name;
    std::vector<double> noise = randomNoise(*t.s, batch, 41);
    Sample out = sampleFrom(t, 1.5, 2.0, noise, batch);
    for (int64_t k = 0; k < 2; ++k) {
      double sum = 0, squares = 0;
      for (int64_t b = 0; b < batch; ++b) {
        sum += out.x[b * 2 + k];
        squares += out.x[b * 2 + k] * out.x[b * 2 + k];
      }
      double mean = sum / batch, var = squares / batch - mean * mean;
      // Standard errors: 0.007 (0.011) for the mean, 0.01 (0.03) for the
      // variance.
      EXPECT_NEAR(mean, 0.0, 0.045) << name << " dimension " << k;
      EXPECT_NEAR(var, variance, 0.05 * variance) << name << " dimension " << k;
    }
  }
  // Step size 0: every proposal is accepted and moves nothing, so the
  // kinetic energy is that of the drawn momenta.
  Rig t(kSamplers, "Metropolis", "f64");
  ASSERT_TRUE(t.s);
  std::vector<double> noise = randomNoise(*t.s, 4, 43);
  Sample out = sampleFrom(t, 0.0, 0.5, noise, 4);
  for (int64_t b = 0; b < 4; ++b) {
    double logNoise = 0, kinetic = 0;
    for (int32_t d = 0; d < t.s->num_draws; ++d) {
      if (t.s->draws[d].noise != ADE_NOISE_NORMAL)
        continue;
      for (int64_t k = 0; k < t.s->draws[d].size; ++k) {
        double e = noise[b * t.s->noise_size + t.s->draws[d].offset + k];
        logNoise += logNormal(e, 0, 1);
        kinetic += 0.5 * e * e;
      }
    }
    EXPECT_EQ(out.x[b * 2], 0.5);
    EXPECT_NEAR(out.logq[b], logNoise, 1e-12);
    EXPECT_NEAR(out.kinetic[b], kinetic, 1e-12);
  }
}

// metropolis_clipped's kept step takes the proposal's values
// (ade-reuse-branches) where the rerun it replaces evaluated the gradients
// again at the kept point: samples, densities, statistics and every
// gradient agree, over particles that accepted and that rejected.
TEST(Samplers, MetropolisKeptStepMatchesItsRerun) {
  Rig kept(kSamplers, "NetMetropolis", "f64");
  Rig rerun(kSamplers, "NetMetropolisRerun", "f64");
  ASSERT_TRUE(kept.s && rerun.s);
  ASSERT_EQ(kept.s->noise_size, rerun.s->noise_size);
  ASSERT_EQ(kept.s->num_stats, 1);
  for (Rig *t : {&kept, &rerun})
    for (int64_t k = 0; k < 6; ++k)
      t->samplerParams[t->s->params[0].offset + k] = 2.0 + 0.4 * k;
  const int64_t batch = 64;
  std::vector<double> noise = randomNoise(*kept.s, batch, 47);
  std::vector<double> x0(batch * 2);
  std::mt19937_64 rng(48);
  std::normal_distribution<double> normal;
  for (double &x : x0)
    x = 1.5 * normal(rng);
  Cotangents c = randomCotangents(kept, batch, 49);
  SampleVjp a = sampleVjp(kept, noise, c, batch, 1, x0);
  SampleVjp b = sampleVjp(rerun, noise, c, batch, 1, x0);
  auto expectClose = [](const std::vector<double> &x,
                        const std::vector<double> &y, const char *what) {
    ASSERT_EQ(x.size(), y.size()) << what;
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(x[i], y[i], 1e-11 * (1 + std::abs(y[i])))
          << what << " [" << i << "]";
  };
  expectClose(a.values.x, b.values.x, "x");
  expectClose(a.values.logq, b.values.logq, "log q");
  expectClose(a.values.kinetic, b.values.kinetic, "kinetic");
  expectClose(a.values.stats, b.values.stats, "acceptance");
  expectClose(a.model, b.model, "model gradient");
  expectClose(a.sampler, b.sampler, "sampler gradient");
  double acceptance = 0;
  for (double rate : a.values.stats)
    acceptance += rate / batch;
  EXPECT_GT(acceptance, 0.2);
  EXPECT_LT(acceptance, 0.8);
}

// metropolis_hmc reports `acceptance`: per particle, the fraction of its
// 20 Metropolis tests that accepted, replayed here from the same noise on
// N(0, I) (grad f(x) = -x); unreported samplers have no statistics.
TEST(Samplers, MetropolisHmcReportsItsAcceptance) {
  Rig t(kSamplers, "Metropolis", "f64");
  ASSERT_TRUE(t.s);
  ASSERT_EQ(t.s->num_stats, 1);
  EXPECT_STREQ(t.s->stat_names[0], "acceptance");
  const int64_t batch = 200, steps = 20;
  const double eps = 1.5, x0 = 2.0;
  std::vector<double> noise = randomNoise(*t.s, batch, 44);
  Sample out = sampleFrom(t, eps, x0, noise, batch);
  ASSERT_EQ(out.stats.size(), size_t(batch));
  double mean = 0;
  for (int64_t b = 0; b < batch; ++b) {
    double x[2] = {x0, x0};
    int accepted = 0;
    for (int64_t s = 0; s < steps; ++s) {
      const double *e = &noise[b * t.s->noise_size + s * 3]; // v (2), u (1)
      double x1[2], v1[2], energy = 0;
      for (int k = 0; k < 2; ++k) {
        double v = e[k] - 0.5 * eps * x[k];
        x1[k] = x[k] + eps * v;
        v1[k] = v - 0.5 * eps * x1[k];
        energy += 0.5 * (x1[k] * x1[k] - x[k] * x[k]) +
                  0.5 * (v1[k] * v1[k] - e[k] * e[k]);
      }
      if (e[2] < std::exp(std::min(-energy, 0.0))) {
        ++accepted;
        x[0] = x1[0];
        x[1] = x1[1];
      }
    }
    EXPECT_NEAR(out.stats[b], accepted / double(steps), 1e-12)
        << "particle " << b;
    EXPECT_NEAR(out.x[b * 2], x[0], 1e-9) << "particle " << b;
    mean += out.stats[b] / batch;
  }
  EXPECT_GT(mean, 0.2);
  EXPECT_LT(mean, 0.95);
  // sample_vjp returns the same sample and statistics.
  SampleVjp vjp = sampleVjp(t, noise, randomCotangents(t, batch, 45), batch, 1,
                            std::vector<double>(batch * t.dim(), x0));
  EXPECT_EQ(vjp.values.stats, out.stats);
  EXPECT_EQ(vjp.values.x, out.x);
  Rig unadjusted(kSamplers, "Unadjusted", "f64");
  ASSERT_TRUE(unadjusted.s);
  EXPECT_EQ(unadjusted.s->num_stats, 0);
}

/// sample_vjp and sampler_vjp against central differences of sum c . outputs
/// over up to 24 random coordinates of each parameter buffer (f64). ReLU
/// energies make the samples piecewise smooth: a coordinate whose stencil
/// straddles a kink (forward and backward differences disagree) says nothing
/// about the derivative and is skipped, but most coordinates must be checked.
void expectVjpMatchesFiniteDifferences(const std::string &source,
                                       const std::string &name) {
  Rig t(source, name, "f64", 21);
  ASSERT_TRUE(t.s) << name;
  const int64_t batch = 3;
  std::vector<double> noise = randomNoise(*t.s, batch, 23);
  Cotangents c = randomCotangents(t, batch, 29);
  auto [gm, gs, values] = sampleVjp(t, noise, c, batch);
  Sample sampled = sample(t, noise, batch);
  double center = c.dot(sampled);
  // The values come from the same code as sample's (and energy's).
  for (auto [got, want, what] :
       {std::tuple(values.x, sampled.x, "x"),
        std::tuple(values.v, sampled.v, "v"),
        std::tuple(values.logq, sampled.logq, "log q"),
        std::tuple(values.kinetic, sampled.kinetic, "kinetic"),
        std::tuple(values.f, sampled.f, "f")}) {
    EXPECT_EQ(got.size(), want.size()) << name << ": " << what;
    EXPECT_LE(relativeError(got, want, 1.0), 1e-12) << name << ": " << what;
  }
  std::mt19937_64 rng(31);
  auto check = [&](std::vector<double> params, bool model,
                   const std::vector<double> &got) {
    std::vector<int64_t> coords(params.size());
    for (size_t i = 0; i < coords.size(); ++i)
      coords[i] = i;
    std::shuffle(coords.begin(), coords.end(), rng);
    coords.resize(std::min<size_t>(coords.size(), 24));
    std::vector<double> fd, mine;
    for (int64_t i : coords) {
      double h = 1e-5 * std::max(1.0, std::fabs(params[i]));
      double value[2];
      for (int side = 0; side < 2; ++side) {
        std::vector<double> p = params;
        p[i] += side == 0 ? h : -h;
        Sample s = model ? sample(t, p, t.samplerParams, noise, batch)
                         : sample(t, t.modelParams, p, noise, batch);
        value[side] = c.dot(s);
      }
      double forward = (value[0] - center) / h;
      double backward = (center - value[1]) / h;
      double central = (value[0] - value[1]) / (2 * h);
      if (std::fabs(forward - backward) > 1e-3 * std::max(1.0, std::fabs(central)))
        continue;
      fd.push_back(central);
      mine.push_back(got[i]);
    }
    EXPECT_GE(fd.size() * 6, coords.size() * 5)
        << name << ": too many kinks to check";
    EXPECT_LE(relativeError(mine, fd, 1e-3), 1e-6)
        << name << (model ? " model" : " sampler") << " parameters";
  };
  check(t.modelParams, true, gm);
  check(t.samplerParams, false, gs);
  // sampler_vjp is the same reverse pass without the model's side.
  std::vector<double> samplerOnly = samplerVjp(t, noise, c, batch);
  check(t.samplerParams, false, samplerOnly);
  EXPECT_LE(relativeError(samplerOnly, gs, 1e-3), 1e-12) << name;
}

TEST(Samplers, SampleVjpMatchesFiniteDifferences) {
  for (const char *name :
       {"Affine", "Box", "Planar", "PaddedPlanar", "Leapfrog", "Clipped",
        "Generalized", "Dense", "Linear"})
    expectVjpMatchesFiniteDifferences(kSamplers, name);
}

// Jacobians wide enough for whole vectors in the row updates of LU and
// Gauss-Jordan (8 f64 or 16 f32 per vector, then 2 one by one): each
// particle's own (Dense18) and one for all (Linear18, hoisted). Densities
// against brute force, their gradients against finite differences, f32
// against f64.
TEST(Samplers, WideLogDetsMatchBruteForce) {
  for (const char *name : {"Dense18", "Linear18"}) {
    expectBruteForceDensity(kSamplers, name);
    expectVjpMatchesFiniteDifferences(kSamplers, name);
    Rig wide(kSamplers, name, "f64", 7, 16),
        narrow(kSamplers, name, "f32", 7, 16);
    ASSERT_TRUE(wide.s && narrow.s) << name;
    std::vector<double> noise = randomNoise(*wide.s, 40, 17);
    Sample exact = sample(wide, noise, 40), single = sample(narrow, noise, 40);
    EXPECT_LE(relativeError(single.logq, exact.logq, 1.0), 1e-5) << name;
    EXPECT_LE(relativeError(single.x, exact.x, 1.0), 1e-5) << name;
    // f32's Gauss-Jordan (16 columns a vector, then 2) runs in the VJP.
    Cotangents c = randomCotangents(wide, 40, 19);
    auto [gm64, gs64, values64] = sampleVjp(wide, noise, c, 40);
    auto [gm32, gs32, values32] = sampleVjp(narrow, noise, c, 40);
    EXPECT_LE(relativeError(gs32, gs64, 1.0), 1e-4) << name;
  }
}

TEST(Samplers, ExampleSampleVjpsMatchFiniteDifferences) {
  expectVjpMatchesFiniteDifferences("examples/moons", "Langevin5");
  expectVjpMatchesFiniteDifferences("examples/gaussian", "Langevin3");
  expectVjpMatchesFiniteDifferences("examples/gaussian_full", "Langevin3");
  expectVjpMatchesFiniteDifferences("examples/generalized_hmc",
                                    "GeneralizedHMC");
  // Metropolis tests: a perturbation that flips one is a kink, skipped.
  expectVjpMatchesFiniteDifferences("examples/table2/table2", "ADE");
}

TEST(Samplers, EntriesArePureAndCheckArguments) {
  Rig t("examples/moons", "Langevin5", "f32");
  ASSERT_TRUE(t.s);
  const int64_t batch = 77;
  std::vector<double> noise = randomNoise(*t.s, batch, 41);
  Sample one = sample(t, noise, batch, 1);
  Sample two = sample(t, noise, batch, 2);
  EXPECT_EQ(one.x, two.x);
  EXPECT_EQ(one.logq, two.logq);
  EXPECT_EQ(one.kinetic, two.kinetic);
  Typed mp(t.modelParams, false), sp(t.samplerParams, false), n(noise, false);
  Typed x(batch * 2, false), q(batch, false), k(batch, false);
  EXPECT_EQ(t.s->sample(mp.data(), sp.data(), nullptr, nullptr, x.data(),
                        nullptr, q.data(), k.data(), nullptr, batch, 0),
            ADE_ERROR_NULL_POINTER);
  EXPECT_EQ(t.s->sample(mp.data(), sp.data(), n.data(), nullptr, x.data(),
                        nullptr, q.data(), k.data(), nullptr, 0, 0),
            ADE_ERROR_BAD_BATCH);
  // sample_vjp writes f beside the sample: its buffer is required.
  Typed gx(batch * 2, false), w(batch, false), gm(t.m->params_size, false),
      gs(t.s->params_size, false);
  EXPECT_EQ(t.s->sample_vjp(mp.data(), sp.data(), n.data(), nullptr, gx.data(),
                            nullptr, w.data(), w.data(), w.data(), x.data(),
                            nullptr, q.data(), k.data(), nullptr, nullptr,
                            gm.data(), gs.data(), batch, 1),
            ADE_ERROR_NULL_POINTER);
}

//===----------------------------------------------------------------------===//
// The moons sampler and the ADE objective against LibTorch autograd
//===----------------------------------------------------------------------===//

void expectMoonsMatchesLibTorch(const std::string &precision) {
  Rig t("examples/moons", "Langevin5", precision, 51);
  ASSERT_TRUE(t.s);
  const int64_t batch = 64;
  double tolerance = t.f64 ? 1e-10 : 1e-5;
  std::vector<double> noise = randomNoise(*t.s, batch, 53);
  // The values the library sees.
  auto seen = [&](const std::vector<double> &v) {
    Typed typed(v, t.f64);
    return torch::tensor(typed.values(), torch::kFloat64);
  };
  torch::Tensor pm = seen(t.modelParams).requires_grad_();
  torch::Tensor ps = seen(t.samplerParams).requires_grad_();
  torch::Tensor n = seen(noise).view({batch, t.s->noise_size});
  auto [x, logq, kinetic] = moonsSampler(*t.m, *t.s, pm, ps, n);
  Sample out = sample(t, noise, batch, 2);
  EXPECT_LE(relativeError(out.x, toVector(x.detach())), tolerance) << "x";
  EXPECT_LE(relativeError(out.logq, toVector(logq.detach())), tolerance)
      << "log q";
  EXPECT_LE(relativeError(out.kinetic, toVector(kinetic.detach())), tolerance)
      << "kinetic";

  // The sampler's side of the ADE objective, mean over the batch of
  // f(x_T) - kinetic - log q, and its full gradient (paper eq. 21):
  // through the samples into both parameter sets.
  torch::Tensor xt = x;
  torch::Tensor objective =
      (moonsEnergy(*t.m, pm, xt) - kinetic - logq).mean();
  auto grads = torch::autograd::grad({objective}, {pm, ps});
  // The library, in one call: sample_vjp weighting f(x_T) by 1/B and
  // kinetic and log q by -1/B (f's direct term and the path through x_T
  // come from the same reverse pass).
  Cotangents c;
  c.x.assign(batch * 2, 0.0);
  c.f.assign(batch, 1.0 / batch);
  c.logq.assign(batch, -1.0 / batch);
  c.kinetic.assign(batch, -1.0 / batch);
  auto [gm, gs, values] = sampleVjp(t, noise, c, batch, 2);
  EXPECT_LE(relativeError(gm, toVector(grads[0])), tolerance)
      << "model gradient";
  EXPECT_LE(relativeError(gs, toVector(grads[1])), tolerance)
      << "sampler gradient";

  // The same split the old way: the cotangent grad f(x_T) / B on x and
  // energy_vjp at the samples for the direct term.
  Typed xTyped(out.x, t.f64), mp(t.modelParams, t.f64), f(batch, t.f64),
      gx(batch * 2, t.f64);
  ASSERT_EQ(t.m->grad_energy(mp.data(), xTyped.data(), f.data(), gx.data(),
                             batch, 2),
            ADE_OK);
  c.x.clear();
  for (double g : gx.values())
    c.x.push_back(g / batch);
  c.f.assign(batch, 0.0);
  auto [pathModel, pathSampler, pathValues] = sampleVjp(t, noise, c, batch, 2);
  Typed w(std::vector<double>(batch, 1.0 / batch), t.f64),
      direct(t.m->params_size + 1, t.f64);
  ASSERT_EQ(t.m->energy_vjp(mp.data(), xTyped.data(), w.data(), direct.data(),
                            batch, 2),
            ADE_OK);
  std::vector<double> modelGrad = direct.values();
  modelGrad.resize(t.m->params_size);
  for (size_t i = 0; i < modelGrad.size(); ++i)
    modelGrad[i] += pathModel[i];
  EXPECT_LE(relativeError(modelGrad, gm), tolerance) << "split model gradient";
  EXPECT_LE(relativeError(pathSampler, gs), tolerance)
      << "split sampler gradient";
}

TEST(Samplers, MoonsSamplerAndObjectiveMatchLibTorchF32) {
  expectMoonsMatchesLibTorch("f32");
}
TEST(Samplers, MoonsSamplerAndObjectiveMatchLibTorchF64) {
  expectMoonsMatchesLibTorch("f64");
}

} // namespace
