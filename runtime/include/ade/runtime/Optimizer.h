//===- Optimizer.h - Adam, learning-rate decay, averages --------*- C++ -*-===//
//
// The arithmetic of aderun's optimizers (design/ade-math.md section 4): Adam
// with the reference code's optional gradient clip, the decay of the
// learning rates over a run, and the weight of the parameters' running
// average.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_OPTIMIZER_H
#define ADE_RUNTIME_OPTIMIZER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ade {

/// Adam on a flat parameter vector (first and second moments, bias
/// corrected), optionally with the reference code's elementwise clip of
/// each gradient to +-(3 sqrt(v / (1 - beta2^t)) + 0.1): v the second
/// moment before step t's update, so the first step's bound is 0.1.
struct Adam {
  std::vector<double> m, v;
  int64_t steps = 0;

  void resize(size_t n);

  /// params -= lr * adam(grad): descends `grad`.
  void step(std::vector<double> &params, const std::vector<double> &grad,
            double lr, double beta1, double beta2, bool clip);
};

/// The learning-rate factor of `decay` (none, linear or cosine, to 0 at
/// `iterations`) at the step from iteration `t`: a function of t and the
/// run's length alone, so that a resumed run continues it exactly (one
/// resumed with a larger length stretches what is left).
double learningRateDecay(const std::string &decay, int64_t t,
                         int64_t iterations);

/// The weight of the old value in the parameters' exponential moving
/// average at iteration `t`: min(ema, (1 + t) / (10 + t)), so that the
/// first iterations' parameters do not linger in it.
double averageDecay(double ema, int64_t t);

} // namespace ade

#endif // ADE_RUNTIME_OPTIMIZER_H
