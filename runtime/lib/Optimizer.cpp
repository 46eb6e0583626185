//===- Optimizer.cpp - Adam, learning-rate decay, averages ----------------===//

#include "ade/runtime/Optimizer.h"

#include <algorithm>
#include <cmath>

using namespace ade;

namespace {

// One clone of a loop per vector width, chosen when the library loads.
#if defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define ADE_VECTOR_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]
#else
#define ADE_VECTOR_CLONES
#endif

/// Adam's update of n parameters (see Adam::step), with the bias
/// corrections c1, c2 folded into scalars: one square root and one
/// division per parameter. The clip is the reference code's expression:
/// v before this step's update with this step's correction c2: the first
/// step's |g| is bounded by 0.1 (v = 0), and the bound grows over the
/// first tens of steps (to 1000 in 39 steps of a constant gradient).
/// Vectorized:
/// scalar divisions and square roots were a third of a training run with a
/// 70 000-parameter sampler. No contraction into FMAs, so every clone
/// rounds as the scalar code does: runs and resumes are bit-identical on
/// any machine.
ADE_VECTOR_CLONES
void adamUpdate(double *params, const double *grad, double *m, double *v,
                size_t n, double beta1, double beta2, double lr, double c1,
                double c2, bool clip) {
#pragma STDC FP_CONTRACT OFF
  double stepSize = lr / c1, rootC2 = 1 / std::sqrt(c2),
         clipRootC2 = 3 * rootC2;
  for (size_t i = 0; i < n; ++i) {
    double g = grad[i];
    if (clip) {
      double bound = clipRootC2 * std::sqrt(v[i]) + 0.1;
      g = std::clamp(g, -bound, bound);
    }
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    params[i] -= stepSize * m[i] / (std::sqrt(v[i]) * rootC2 + 1e-8);
  }
}

} // namespace

void Adam::resize(size_t n) {
  m.assign(n, 0);
  v.assign(n, 0);
}

void Adam::step(std::vector<double> &params, const std::vector<double> &grad,
                double lr, double beta1, double beta2, bool clip) {
  ++steps;
  double c1 = 1 - std::pow(beta1, double(steps));
  double c2 = 1 - std::pow(beta2, double(steps));
  adamUpdate(params.data(), grad.data(), m.data(), v.data(), params.size(),
             beta1, beta2, lr, c1, c2, clip);
}

double ade::learningRateDecay(const std::string &decay, int64_t t,
                              int64_t iterations) {
  double progress = std::min(1.0, double(t) / double(iterations));
  if (decay == "linear")
    return 1 - progress;
  if (decay == "cosine")
    return 0.5 * (1 + std::cos(M_PI * progress));
  return 1;
}

double ade::averageDecay(double ema, int64_t t) {
  return std::min(ema, (1 + double(t)) / (10 + double(t)));
}
