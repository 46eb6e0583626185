//===- InitializersTest.cpp - Fresh parameters from the metadata ----------===//
//
// initialParameters draws each parameter as its metadata's initializer
// says: the statistics of every kind against their closed forms, with
// bounds of about five standard errors.
//
//===----------------------------------------------------------------------===//

#include "ade/abi.h"
#include "ade/runtime/ModelLibrary.h"
#include "ade/runtime/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

/// Mean and (population) standard deviation of `n` values.
std::pair<double, double> meanAndSd(const double *values, int64_t n) {
  double mean = 0, var = 0;
  for (int64_t i = 0; i < n; ++i)
    mean += values[i] / double(n);
  for (int64_t i = 0; i < n; ++i)
    var += (values[i] - mean) * (values[i] - mean) / double(n);
  return {mean, std::sqrt(var)};
}

ade_param_info param(int32_t init, int64_t offset, const int64_t *shape,
                     double a, double b = 0, int64_t fanIn = 0,
                     int64_t fanOut = 0) {
  ade_param_info p{};
  p.name = "p";
  p.rank = 2;
  p.shape = shape;
  p.offset = offset;
  p.size = shape[0] * shape[1];
  p.init = init;
  p.init_a = a;
  p.init_b = b;
  p.fan_in = fanIn;
  p.fan_out = fanOut;
  p.init_text = "";
  p.doc = "";
  return p;
}

} // namespace

TEST(Initializers, DrawWhatTheMetadataSays) {
  static const int64_t small[] = {1, 5}, large[] = {100, 300},
                       wide[] = {40, 90}, tall[] = {90, 40};
  std::vector<ade_param_info> params;
  int64_t offset = 0;
  auto add = [&](ade_param_info p) {
    params.push_back(p);
    offset += p.size;
    return params.back();
  };
  ade_param_info constant = add(param(ADE_INIT_CONSTANT, offset, small, 0.25));
  ade_param_info normal = add(param(ADE_INIT_NORMAL, offset, large, 1, 2));
  ade_param_info uniform = add(param(ADE_INIT_UNIFORM, offset, large, -1, 3));
  ade_param_info glorotUniform =
      add(param(ADE_INIT_GLOROT_UNIFORM, offset, large, 2, 0, 300, 100));
  ade_param_info glorotNormal =
      add(param(ADE_INIT_GLOROT_NORMAL, offset, large, 1, 0, 300, 100));
  ade_param_info orthogonalWide =
      add(param(ADE_INIT_ORTHOGONAL, offset, wide, 1.5));
  ade_param_info orthogonalTall =
      add(param(ADE_INIT_ORTHOGONAL, offset, tall, 0.5));

  ade::Rng rng(7);
  std::vector<double> values = ade::initialParameters(
      params.data(), int32_t(params.size()), offset, rng);
  ASSERT_EQ(int64_t(values.size()), offset);
  auto stats = [&](const ade_param_info &p) {
    return meanAndSd(values.data() + p.offset, p.size);
  };
  auto range = [&](const ade_param_info &p) {
    auto [lo, hi] = std::minmax_element(values.begin() + p.offset,
                                        values.begin() + p.offset + p.size);
    return std::pair(*lo, *hi);
  };
  const double n = 30000, z = 5;

  for (int64_t i = 0; i < constant.size; ++i)
    EXPECT_EQ(values[constant.offset + i], 0.25);

  // N(1, 2^2).
  auto [normalMean, normalSd] = stats(normal);
  EXPECT_NEAR(normalMean, 1, z * 2 / std::sqrt(n));
  EXPECT_NEAR(normalSd, 2, z * 2 / std::sqrt(2 * n));

  // U[-1, 3): mean 1, sd 4 / sqrt(12), inside its interval.
  auto [uniformMean, uniformSd] = stats(uniform);
  EXPECT_NEAR(uniformMean, 1, z * 4 / std::sqrt(12 * n));
  EXPECT_NEAR(uniformSd, 4 / std::sqrt(12.0), 0.02);
  auto [uniformLo, uniformHi] = range(uniform);
  EXPECT_GE(uniformLo, -1);
  EXPECT_LT(uniformHi, 3);

  // Glorot uniform, gain 2: U(-l, l) with l = 2 sqrt(6 / (300 + 100)).
  double limit = 2 * std::sqrt(6.0 / 400);
  auto [guMean, guSd] = stats(glorotUniform);
  EXPECT_NEAR(guMean, 0, z * limit / std::sqrt(3 * n));
  EXPECT_NEAR(guSd, limit / std::sqrt(3.0), 0.01 * limit);
  auto [guLo, guHi] = range(glorotUniform);
  EXPECT_GE(guLo, -limit);
  EXPECT_LE(guHi, limit);
  EXPECT_GT(guHi, 0.99 * limit);

  // Glorot normal, gain 1: sd sqrt(2 / (300 + 100)).
  double sd = std::sqrt(2.0 / 400);
  auto [gnMean, gnSd] = stats(glorotNormal);
  EXPECT_NEAR(gnMean, 0, z * sd / std::sqrt(n));
  EXPECT_NEAR(gnSd, sd, z * sd / std::sqrt(2 * n));

  // Orthogonal times the gain: the fewer of rows and columns orthonormal.
  for (const ade_param_info &p : {orthogonalWide, orthogonalTall}) {
    int64_t rows = p.shape[0], cols = p.shape[1];
    bool byRows = rows <= cols;
    int64_t count = byRows ? rows : cols, length = byRows ? cols : rows;
    const double *w = values.data() + p.offset;
    auto at = [&](int64_t vector, int64_t k) {
      return byRows ? w[vector * cols + k] : w[k * cols + vector];
    };
    for (int64_t i = 0; i < count; ++i)
      for (int64_t j = 0; j <= i; ++j) {
        double dot = 0;
        for (int64_t k = 0; k < length; ++k)
          dot += at(i, k) * at(j, k);
        EXPECT_NEAR(dot, i == j ? p.init_a * p.init_a : 0, 1e-12)
            << "vectors " << i << " and " << j << " of " << rows << " x "
            << cols;
      }
  }
}

TEST(Initializers, AreReproducibleFromTheSeed) {
  static const int64_t shape[] = {10, 10};
  ade_param_info p = param(ADE_INIT_GLOROT_NORMAL, 0, shape, 1, 0, 10, 10);
  ade::Rng a(3), b(3), c(4);
  std::vector<double> first = ade::initialParameters(&p, 1, p.size, a);
  EXPECT_EQ(first, ade::initialParameters(&p, 1, p.size, b));
  EXPECT_NE(first, ade::initialParameters(&p, 1, p.size, c));
}
