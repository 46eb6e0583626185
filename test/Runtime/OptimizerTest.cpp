//===- OptimizerTest.cpp - Adam, learning-rate decay, averages ------------===//
//
// aderun's optimizer arithmetic against a textbook Adam written out here
// (Kingma and Ba's algorithm 1, with the reference code's clip), and the
// decay and averaging schedules at points worked by hand.
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/Optimizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

/// Textbook Adam, one parameter at a time: m and v the biased moments,
/// the step lr m_hat / (sqrt(v_hat) + 1e-8); with `clip`, g is first
/// clipped as the ADE reference code's CustomizedAdamOptimizer does, to
/// +-(3 sqrt(v / (1 - beta2^t)) + 0.1) with v not yet updated at step t.
struct ReferenceAdam {
  double m = 0, v = 0;
  int steps = 0;

  double step(double param, double g, double lr, double beta1, double beta2,
              bool clip) {
    ++steps;
    if (clip) {
      double bound = 3 * std::sqrt(v / (1 - std::pow(beta2, steps))) + 0.1;
      g = std::clamp(g, -bound, bound);
    }
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    double mHat = m / (1 - std::pow(beta1, steps));
    double vHat = v / (1 - std::pow(beta2, steps));
    return param - lr * mHat / (std::sqrt(vHat) + 1e-8);
  }
};

void expectMatchesReference(bool clip) {
  // Three parameters, ten steps of changing gradients, one of them an
  // outlier (x 50) that the clip bounds.
  const double lr = 0.01, beta1 = 0.8, beta2 = 0.99;
  std::vector<double> params = {0.5, -1.0, 2.0};
  std::vector<double> reference = params;
  ade::Adam adam;
  adam.resize(params.size());
  std::vector<ReferenceAdam> textbook(params.size());
  for (int t = 0; t < 10; ++t) {
    std::vector<double> grad = {std::sin(1.0 + t), 0.3 * t - 1,
                                t == 6 ? 50.0 : 0.2};
    adam.step(params, grad, lr, beta1, beta2, clip);
    for (size_t i = 0; i < params.size(); ++i)
      reference[i] =
          textbook[i].step(reference[i], grad[i], lr, beta1, beta2, clip);
    for (size_t i = 0; i < params.size(); ++i)
      EXPECT_NEAR(params[i], reference[i], 1e-12)
          << "parameter " << i << " after step " << t + 1;
  }
  EXPECT_EQ(adam.steps, 10);
}

} // namespace

TEST(Optimizer, AdamIsTextbookAdam) { expectMatchesReference(false); }

TEST(Optimizer, ClippedAdamBoundsGradientsByThePreviousSecondMoment) {
  expectMatchesReference(true);
  // The first gradient is clipped to 0.1 (v = 0), the second to 0.312;
  // the outlier enters the second moment clipped to 0.345, so it does not
  // shrink the steps after it: v = 1.39e-4 against 10 unclipped.
  for (bool clip : {false, true}) {
    std::vector<double> p = {0};
    ade::Adam adam;
    adam.resize(1);
    for (double g : {0.1, 0.1, 100.0})
      adam.step(p, {g}, 1.0, 0.9, 0.999, clip);
    if (clip)
      EXPECT_NEAR(adam.v[0], 1.39e-4, 1e-6);
    else
      EXPECT_GT(adam.v[0], 10.0);
  }
}

TEST(Optimizer, LearningRateDecays) {
  EXPECT_EQ(ade::learningRateDecay("none", 700, 1000), 1);
  EXPECT_DOUBLE_EQ(ade::learningRateDecay("linear", 0, 1000), 1);
  EXPECT_DOUBLE_EQ(ade::learningRateDecay("linear", 250, 1000), 0.75);
  EXPECT_DOUBLE_EQ(ade::learningRateDecay("cosine", 0, 1000), 1);
  EXPECT_NEAR(ade::learningRateDecay("cosine", 500, 1000), 0.5, 1e-15);
  EXPECT_NEAR(ade::learningRateDecay("cosine", 250, 1000),
              0.5 + 0.25 * std::sqrt(2.0), 1e-15);
  // At and past the end (a resumed run with fewer iterations): 0.
  EXPECT_NEAR(ade::learningRateDecay("cosine", 1000, 1000), 0, 1e-15);
  EXPECT_EQ(ade::learningRateDecay("linear", 1500, 1000), 0);
}

TEST(Optimizer, AverageWarmsUpToItsDecay) {
  EXPECT_DOUBLE_EQ(ade::averageDecay(0.999, 0), 0.1);
  EXPECT_DOUBLE_EQ(ade::averageDecay(0.999, 10), 11.0 / 20);
  EXPECT_DOUBLE_EQ(ade::averageDecay(0.999, 100000), 0.999);
  EXPECT_DOUBLE_EQ(ade::averageDecay(0.5, 5), 0.4);
  EXPECT_DOUBLE_EQ(ade::averageDecay(0.5, 20), 0.5);
}
