//===- DataTest.cpp - Random numbers, data sets, data files and MMD -------===//
//
// The runtime's data side: the RNG against xoshiro256**'s reference output
// and the moments of its distributions, every built-in data set against the
// reference statistics of design/datasets.md, the MMD against a naive
// implementation, and the CSV, NPY and IDX readers and writers, including
// each way a file can be wrong.
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/DataFiles.h"
#include "ade/runtime/Datasets.h"
#include "ade/runtime/Error.h"
#include "ade/runtime/Metrics.h"
#include "ade/runtime/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>
#include <utility>
#include <vector>
#include <zlib.h>

namespace {

using ade::Matrix;
using ade::Rng;

/// Runs `action`, expects an ade::Error and returns its message.
std::string errorOf(const std::function<void()> &action) {
  try {
    action();
  } catch (const ade::Error &error) {
    return error.what();
  }
  ADD_FAILURE() << "no ade::Error was thrown";
  return "";
}

#define EXPECT_ERROR_CONTAINS(action, text)                                    \
  EXPECT_NE(errorOf([&] { action; }).find(text), std::string::npos)            \
      << "message: " << errorOf([&] { action; })

//===----------------------------------------------------------------------===//
// Rng
//===----------------------------------------------------------------------===//

TEST(Rng, MatchesXoshiroReferenceOutput) {
  // The first outputs of the reference xoshiro256starstar.c from state
  // {1, 2, 3, 4}.
  Rng rng = Rng::fromState({{{1, 2, 3, 4}}});
  EXPECT_EQ(rng.next(), 11520u);
  EXPECT_EQ(rng.next(), 0u);
  EXPECT_EQ(rng.next(), 1509978240u);
  EXPECT_EQ(rng.next(), 1215971899390074240u);
}

TEST(Rng, SeedingIsPinned) {
  // Recorded seeds must reproduce runs across versions of aderun: a change
  // of the seeding must be deliberate, and update these values.
  EXPECT_EQ(Rng(1).next(), 14275191303645040111u);
  EXPECT_EQ(Rng(1, 1).next(), 14303268070400243412u);
}

TEST(Rng, SameSeedAndStreamRepeat) {
  Rng a(123, 4), b(123, 4);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(a.next(), b.next());
}

TEST(Rng, StreamsAndSeedsDiffer) {
  std::vector<std::vector<uint64_t>> outputs;
  for (auto [seed, stream] : {std::pair<uint64_t, uint64_t>{0, 0},
                              {0, 1},
                              {1, 0},
                              {1, 1},
                              {2, 0},
                              {0, 2}}) {
    Rng rng(seed, stream);
    std::vector<uint64_t> values(64);
    for (uint64_t &value : values)
      value = rng.next();
    outputs.push_back(values);
  }
  // No two of these generators share even one of their first 64 outputs.
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = i + 1; j < outputs.size(); ++j)
      for (uint64_t value : outputs[i])
        EXPECT_EQ(std::count(outputs[j].begin(), outputs[j].end(), value), 0)
            << "generators " << i << " and " << j;
}

TEST(Rng, StateRestoresMidStream) {
  Rng rng(9);
  for (int i = 0; i < 3; ++i)
    rng.normal();
  Rng copy = Rng::fromState(rng.state());
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(rng.normal(), copy.normal());
    ASSERT_EQ(rng.next(), copy.next());
  }
}

TEST(Rng, FillsMatchSingleDraws) {
  // Enough normals that the ziggurat's slow paths (about 1% of draws: the
  // wedges and the tail) run inside the fills many times.
  Rng a(5), b(5);
  std::vector<double> normals(100000), uniforms(7);
  a.fillNormal(normals.data(), normals.size());
  a.fillUniform(uniforms.data(), uniforms.size());
  for (double value : normals)
    ASSERT_EQ(value, b.normal());
  for (double value : uniforms)
    ASSERT_EQ(value, b.uniform());

  std::vector<float> singles(100000);
  a.fillNormal(singles.data(), singles.size());
  for (float value : singles)
    ASSERT_EQ(value, float(b.normal()));
}

TEST(Rng, UniformMoments) {
  Rng rng(11);
  const int count = 1000000;
  double sum = 0, sumSquares = 0, smallest = 1, largest = 0;
  for (int i = 0; i < count; ++i) {
    double u = rng.uniform();
    sum += u;
    sumSquares += u * u;
    smallest = std::min(smallest, u);
    largest = std::max(largest, u);
  }
  double mean = sum / count;
  // Standard errors: 0.29 / 1000 for the mean, 0.075 / 1000 for E[u^2].
  EXPECT_NEAR(mean, 0.5, 0.0015);
  EXPECT_NEAR(sumSquares / count - mean * mean, 1.0 / 12, 0.0005);
  EXPECT_GE(smallest, 0.0);
  EXPECT_LT(largest, 1.0);

  std::vector<float> singles(100000);
  rng.fillUniform(singles.data(), singles.size());
  for (float value : singles)
    ASSERT_TRUE(value >= 0.0f && value < 1.0f);
}

TEST(Rng, NormalMoments) {
  Rng rng(12);
  const int count = 1000000;
  double moments[5] = {0, 0, 0, 0, 0};
  int outside = 0;
  for (int i = 0; i < count; ++i) {
    double z = rng.normal();
    double power = 1;
    for (double &moment : moments) {
      moment += power;
      power *= z;
    }
    outside += std::abs(z) > 1.959963984540054;
  }
  for (double &moment : moments)
    moment /= count;
  // About 5 standard errors each: sqrt(1/N), sqrt(2/N), sqrt(15/N),
  // sqrt(96/N) for the raw moments 1 to 4, and sqrt(0.0475/N) for the tails.
  EXPECT_NEAR(moments[1], 0.0, 0.005);
  EXPECT_NEAR(moments[2], 1.0, 0.007);
  EXPECT_NEAR(moments[3], 0.0, 0.02);
  EXPECT_NEAR(moments[4], 3.0, 0.05);
  EXPECT_NEAR(double(outside) / count, 0.05, 0.0011);
}

TEST(Rng, NormalHistogramMatchesTheDensity) {
  // Bins of width 0.1 over [-5, 5] plus both tails: the ziggurat's layers
  // (boundaries between 0.2 and 3.65), its wedges and its tail beyond 3.65
  // each cover several bins, so an error in any of them moves some bins by
  // many standard errors.
  Rng rng(14);
  const int64_t count = 4000000;
  const int bins = 100;
  std::vector<int64_t> histogram(bins + 2, 0);
  for (int64_t i = 0; i < count; ++i) {
    double z = rng.normal();
    int bin = z < -5.0   ? 0
              : z >= 5.0 ? bins + 1
                         : std::min(1 + int((z + 5.0) * 10.0), bins);
    ++histogram[bin];
  }
  auto cdf = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  double chiSquare = 0;
  for (int bin = 0; bin < bins + 2; ++bin) {
    double low = bin == 0 ? -INFINITY : -5.0 + 0.1 * (bin - 1);
    double high = bin == 0 ? -5.0 : bin == bins + 1 ? INFINITY : low + 0.1;
    double expected = count * (cdf(high) - cdf(low));
    double deviation = histogram[bin] - expected;
    if (expected > 50)
      EXPECT_LT(std::abs(deviation), 6 * std::sqrt(expected))
          << "bin [" << low << ", " << high << ")";
    chiSquare += deviation * deviation / std::max(expected, 1.0);
  }
  // 101 degrees of freedom: mean 101, sd 14; 200 is 7 sd out.
  EXPECT_LT(chiSquare, 200.0);
  // The tail sampler alone: how often it runs, P(|z| > r) = 2.58e-4, and
  // the mean excess E[|z| - r | |z| > r] = phi(r) / Q(r) - r = 0.2429 (sd
  // 0.24, so 10 000 tail values give a standard error of 0.0024).
  const double r = 3.6541528853610088;
  const int64_t tailDraws = 40000000;
  int64_t tail = 0;
  double excess = 0;
  for (int64_t i = 0; i < tailDraws; ++i) {
    double z = std::abs(rng.normal());
    if (z > r) {
      ++tail;
      excess += z - r;
    }
  }
  EXPECT_NEAR(double(tail) / tailDraws, 2.5803e-4,
              6 * std::sqrt(2.58e-4 / tailDraws));
  double meanExcess = std::exp(-0.5 * r * r) / std::sqrt(2 * M_PI) /
                          (0.5 * std::erfc(r / std::sqrt(2.0))) -
                      r;
  EXPECT_NEAR(excess / tail, meanExcess, 0.012);
}

TEST(Rng, BelowIsUniformAndInRange) {
  Rng rng(13);
  int counts[3] = {0, 0, 0};
  const int count = 300000;
  for (int i = 0; i < count; ++i)
    ++counts[rng.below(3)];
  // Standard error sqrt(N p (1 - p)) = 258.
  for (int c : counts)
    EXPECT_NEAR(c, count / 3, 1300);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(rng.below(1), 0u);
  // A bound just above 2^63 rejects almost half the raw values.
  uint64_t bound = (uint64_t(1) << 63) + 1;
  for (int i = 0; i < 1000; ++i)
    EXPECT_LT(rng.below(bound), bound);
}

//===----------------------------------------------------------------------===//
// Data sets
//===----------------------------------------------------------------------===//

struct Reference {
  const char *name;
  double mean[2], std[2], min[2], max[2];
};

// design/datasets.md, "Reference statistics" (100 000 samples, seed 1).
const Reference kReferences[] = {
    {"2spirals", {0.00, 0.00}, {1.608, 1.586}, {-3.55, -3.12}, {3.62, 3.16}},
    {"Banana", {-0.01, 0.00}, {1.998, 1.503}, {-8.4, -5.0}, {8.5, 14.4}},
    {"circles", {0, 0}, {1.694, 1.694}, {-3.86, -3.81}, {4.02, 3.96}},
    {"cos", {0, 0}, {1.447, 1.932}, {-2.5, -2.5}, {2.5, 2.5}},
    {"Cosine", {-0.01, 0.375}, {2.314, 2.297}, {-4, -7.1}, {4, 6.6}},
    {"Funnel", {0, 0}, {2.004, 1.653}, {-8.3, -11.9}, {8.9, 11.7}},
    {"swissroll", {0.401, 0.043}, {1.343, 1.402}, {-2.57, -2.88}, {3.43, 3.36}},
    {"line", {0, 0}, {1.443, 1.443}, {-2.5, -2.5}, {2.5, 2.5}},
    {"moons", {0.00, 0.30}, {1.744, 1.009}, {-3.74, -1.87}, {3.79, 2.50}},
    {"Multiring", {0, 0}, {2.915, 2.914}, {-5.65, -5.68}, {5.78, 5.73}},
    {"pinwheel", {0, 0}, {1.482, 1.483}, {-4.2, -3.9}, {4.5, 4.3}},
    {"Ring", {0, 0.01}, {3.541, 3.535}, {-5.67, -5.64}, {5.76, 5.73}},
    {"Spiral", {0, 0}, {1.959, 1.958}, {-6.9, -6.3}, {5.0, 5.7}},
    {"Uniform", {0, 0}, {1.735, 1.734}, {-3, -3}, {3, 3}},
    {"8gaussians", {-0.01, 0.00}, {2.029, 2.034}, {-4.35, -4.13}, {4.26, 4.25}},
    {"checkerboard", {0.01, 0.00}, {2.305, 2.310}, {-4, -4}, {4, 4}},
};

constexpr int64_t kDraws = 100000;

/// 100 000 points of `name` from a stream of its own.
std::vector<double> draw(const std::string &name, int64_t n = kDraws) {
  Rng rng(1, std::hash<std::string>()(name) % 1000);
  return ade::sampleDataset(name, n, rng);
}

// Random123's known-answer vectors (kat_vectors, "philox4x32 10").
TEST(Philox, MatchesKnownAnswers) {
  using ade::philox4x32;
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c,
                                     0x9b00dbd8}));
  EXPECT_EQ(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                       {0xffffffff, 0xffffffff}),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6,
                                     0x6d5451fd}));
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                       {0xa4093822, 0x299f31d0}),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420,
                                     0x24126ea1}));
}

// The GPU's noise: uniforms in [0, 1) (f32 ones too, as floats) and
// normals with the moments of N(0, 1), distinct across keys.
TEST(Philox, NoiseHasItsDistributions) {
  using ade::philoxNoise;
  const int n = 200000;
  double sum = 0, square = 0, fourth = 0, uniformSum = 0;
  for (int i = 0; i < n; ++i) {
    double z = philoxNoise(7, uint64_t(i), false, false);
    sum += z;
    square += z * z;
    fourth += z * z * z * z;
    double u = philoxNoise(7, uint64_t(i), true, false);
    float uf = float(philoxNoise(7, uint64_t(i), true, true));
    ASSERT_TRUE(u >= 0 && u < 1) << u;
    ASSERT_TRUE(uf >= 0 && uf < 1) << uf;
    uniformSum += u;
  }
  EXPECT_NEAR(sum / n, 0, 0.01);
  EXPECT_NEAR(square / n, 1, 0.01);
  EXPECT_NEAR(fourth / n, 3, 0.06);
  EXPECT_NEAR(uniformSum / n, 0.5, 0.003);
  EXPECT_NE(philoxNoise(7, 0, false, false), philoxNoise(8, 0, false, false));
  EXPECT_NE(philoxNoise(7, 0, false, false), philoxNoise(7, 1, false, false));
}

TEST(Datasets, NamesAreTheDocumentedSixteen) {
  ASSERT_EQ(ade::datasetNames().size(), std::size(kReferences));
  for (const Reference &reference : kReferences)
    EXPECT_TRUE(ade::isDataset(reference.name)) << reference.name;
  EXPECT_FALSE(ade::isDataset("cosine"));
  EXPECT_FALSE(ade::isDataset("two_moons"));
}

TEST(Datasets, MatchReferenceStatistics) {
  for (const Reference &reference : kReferences) {
    SCOPED_TRACE(reference.name);
    std::vector<double> points = draw(reference.name);
    ASSERT_EQ(points.size(), size_t(2 * kDraws));
    for (int c = 0; c < 2; ++c) {
      SCOPED_TRACE("coordinate " + std::to_string(c));
      double sum = 0, sumSquares = 0;
      double smallest = INFINITY, largest = -INFINITY;
      for (int64_t i = 0; i < kDraws; ++i) {
        double v = points[2 * i + c];
        ASSERT_TRUE(std::isfinite(v));
        sum += v;
        sumSquares += v * v;
        smallest = std::min(smallest, v);
        largest = std::max(largest, v);
      }
      double mean = sum / kDraws;
      double std = std::sqrt(sumSquares / kDraws - mean * mean);
      // Both means carry a standard error of std / sqrt(N) and the table
      // rounds to 0.005: allow 4 standard errors of their difference.
      double meanTolerance =
          0.005 + 4 * std::sqrt(2.0) * reference.std[c] / std::sqrt(kDraws);
      EXPECT_NEAR(mean, reference.mean[c], meanTolerance);
      // A standard deviation's relative standard error is about
      // sqrt((kurtosis - 1) / 4N), under 0.5% even for Funnel's tails.
      EXPECT_NEAR(std, reference.std[c], 0.02 * reference.std[c]);
      // Extremes of 100 000 draws vary, most in the heavy-tailed sets.
      EXPECT_NEAR(smallest, reference.min[c],
                  0.1 + 0.2 * std::abs(reference.min[c]));
      EXPECT_NEAR(largest, reference.max[c],
                  0.1 + 0.2 * std::abs(reference.max[c]));
    }
  }
}

TEST(Datasets, ExactlyNRows) {
  for (const std::string &name : ade::datasetNames())
    for (int64_t n : {0, 1, 2, 3, 4, 7, 101}) {
      Rng rng(3);
      EXPECT_EQ(ade::sampleDataset(name, n, rng).size(), size_t(2 * n))
          << name << " n=" << n;
    }
}

TEST(Datasets, SameStreamSamePoints) {
  for (const std::string &name : ade::datasetNames()) {
    Rng a(8, 2), b(8, 2), c(8, 3);
    std::vector<double> first = ade::sampleDataset(name, 50, a);
    EXPECT_EQ(first, ade::sampleDataset(name, 50, b)) << name;
    EXPECT_NE(first, ade::sampleDataset(name, 50, c)) << name;
  }
}

TEST(Datasets, LineAndCosAreNoiselessCurves) {
  std::vector<double> line = draw("line"), cos = draw("cos");
  for (int64_t i = 0; i < kDraws; ++i) {
    ASSERT_EQ(line[2 * i], line[2 * i + 1]);
    ASSERT_GE(line[2 * i], -2.5);
    ASSERT_LT(line[2 * i], 2.5);
    ASSERT_EQ(cos[2 * i + 1], 2.5 * std::sin(cos[2 * i]));
  }
}

TEST(Datasets, CirclesHaveRadii3And1Point5) {
  std::vector<double> points = draw("circles");
  // The circles are 6 noise standard deviations (0.24) apart.
  const double radii[2] = {1.5, 3.0};
  double sums[2] = {0, 0}, squares[2] = {0, 0};
  int64_t counts[2] = {0, 0};
  for (int64_t i = 0; i < kDraws; ++i) {
    double radius = std::hypot(points[2 * i], points[2 * i + 1]);
    int outer = radius > 2.25;
    sums[outer] += radius - radii[outer];
    squares[outer] += std::pow(radius - radii[outer], 2);
    ++counts[outer];
  }
  // Half the points on each; about 0.1% cross the midpoint.
  EXPECT_NEAR(counts[1], kDraws / 2, 300);
  for (int outer : {0, 1}) {
    double mean = sums[outer] / counts[outer];
    // Isotropic noise pushes the mean radius out by about sigma^2 / 2r;
    // its radial part has the full sigma (standard error 0.0008).
    EXPECT_NEAR(mean, 0.0576 / (2 * radii[outer]), 0.003);
    EXPECT_NEAR(std::sqrt(squares[outer] / counts[outer] - mean * mean), 0.24,
                0.004);
  }
}

TEST(Datasets, CirclesAnglesAreEvenlySpaced) {
  // With the noise removed by symmetry: the mean of the points over a batch
  // is the mean of the noise alone, since evenly spaced angles cancel.
  Rng rng(4);
  std::vector<double> points = ade::sampleDataset("circles", 1000, rng);
  double sum[2] = {0, 0};
  for (int64_t i = 0; i < 1000; ++i)
    for (int c = 0; c < 2; ++c)
      sum[c] += points[2 * i + c];
  // Noise 0.24 over 1000 points: standard error 0.0076.
  EXPECT_NEAR(sum[0] / 1000, 0.0, 0.03);
  EXPECT_NEAR(sum[1] / 1000, 0.0, 0.03);
}

TEST(Datasets, CheckerboardUsesDarkSquaresOnly) {
  std::vector<double> points = draw("checkerboard");
  for (int64_t i = 0; i < kDraws; ++i) {
    double x = points[2 * i], y = points[2 * i + 1];
    ASSERT_TRUE(x >= -4 && x < 4 && y >= -4 && y < 4);
    int64_t square = int64_t(std::floor(x / 2) + std::floor(y / 2));
    ASSERT_EQ(square % 2, 0) << x << ", " << y;
  }
}

TEST(Datasets, UniformFillsTheSquare) {
  std::vector<double> points = draw("Uniform");
  for (double v : points)
    ASSERT_TRUE(v >= -3 && v < 3);
}

TEST(Datasets, RingsAreWeightedByRadius) {
  std::vector<double> ring = draw("Ring"), multiring = draw("Multiring");
  double sum = 0, sumSquares = 0;
  for (int64_t i = 0; i < kDraws; ++i) {
    double radius = std::hypot(ring[2 * i], ring[2 * i + 1]);
    sum += radius;
    sumSquares += radius * radius;
  }
  double mean = sum / kDraws;
  EXPECT_NEAR(mean, 5.0, 0.003);
  EXPECT_NEAR(std::sqrt(sumSquares / kDraws - mean * mean), 0.2, 0.004);

  int64_t counts[3] = {0, 0, 0};
  for (int64_t i = 0; i < kDraws; ++i)
    ++counts[int(std::hypot(multiring[2 * i], multiring[2 * i + 1]) / 2)];
  // Weights 1/9, 3/9, 5/9; standard errors at most 157.
  EXPECT_NEAR(counts[0], kDraws / 9, 800);
  EXPECT_NEAR(counts[1], kDraws * 3 / 9, 800);
  EXPECT_NEAR(counts[2], kDraws * 5 / 9, 800);
}

TEST(Datasets, EightGaussiansAreEquallyLikely) {
  std::vector<double> points = draw("8gaussians");
  int64_t counts[8] = {};
  for (int64_t i = 0; i < kDraws; ++i) {
    double angle = std::atan2(points[2 * i + 1], points[2 * i]);
    ++counts[int64_t(std::lround(angle / (M_PI / 4))) & 7];
  }
  // Standard error 105 per sector; sectors barely overlap (noise 0.35 at
  // distance 2.8 from the sector edges).
  for (int64_t count : counts)
    EXPECT_NEAR(count, kDraws / 8, 600);
}

TEST(Datasets, PinwheelArmsFollowTheirSwirl) {
  // A point is 2 Rot(-a) (F0, F1) with a = 2 pi c / 5 + 0.25 exp(F0), so
  // with R = |p| / 2 ~ F0, angle(p) + 0.25 exp(R) = atan(F1 / F0) - 2 pi c / 5:
  // near a multiple of 2 pi / 5, off by about F1 / F0 (0.1 / 1).
  std::vector<double> points = draw("pinwheel");
  const double sector = 2 * M_PI / 5;
  int64_t counts[5] = {};
  double sum = 0, sumSquares = 0;
  for (int64_t i = 0; i < kDraws; ++i) {
    double x = points[2 * i], y = points[2 * i + 1];
    double angle = std::atan2(y, x) + 0.25 * std::exp(std::hypot(x, y) / 2);
    double arm = std::round(angle / sector);
    double offset = angle - arm * sector;
    ++counts[(int64_t(arm) % 5 + 5) % 5];
    sum += offset;
    sumSquares += offset * offset;
  }
  // R exceeds F0 by about F1^2 / 2, which adds 0.003 on average; the
  // standard error is 0.0004.
  double mean = sum / kDraws;
  EXPECT_NEAR(mean, 0.003, 0.002);
  EXPECT_NEAR(std::sqrt(sumSquares / kDraws - mean * mean), 0.117, 0.01);
  // Standard error 126 per arm.
  for (int64_t count : counts)
    EXPECT_NEAR(count, kDraws / 5, 700);
}

TEST(Datasets, SpiralMatchesExactSecondMoment) {
  // E|p|^2 = E r^2 + 2 E s^2 with r = 1.5 pi a, s = 0.5 a + 0.1, a ~ U(0, 1):
  // 0.75 pi^2 + 2 (1/12 + 1/20 + 1/100). The spread is a 4% part of it,
  // so use a million points (standard error about 0.1%).
  const int64_t n = 1000000;
  std::vector<double> points = draw("Spiral", n);
  double sum = 0;
  for (double v : points)
    sum += v * v;
  double expected = 0.75 * M_PI * M_PI + 2 * (1.0 / 12 + 1.0 / 20 + 1.0 / 100);
  EXPECT_NEAR(sum / n, expected, 0.004 * expected);
}

TEST(Datasets, BalancedSetsAreShuffled) {
  // pinwheel, 2spirals and Spiral are drawn class by class; the rows
  // returned must not be ordered by class. In the first and second halves
  // of a batch, the mean angle of the points must look alike.
  for (const char *name : {"pinwheel", "2spirals", "Spiral"}) {
    std::vector<double> points = draw(name, 10000);
    double halves[2] = {0, 0};
    for (int64_t i = 0; i < 10000; ++i)
      halves[i / 5000] += std::atan2(points[2 * i + 1], points[2 * i]);
    EXPECT_NEAR(halves[0] / 5000, halves[1] / 5000, 0.1) << name;
  }
}

TEST(Datasets, UnknownNamesAreExplained) {
  Rng rng(1);
  std::string message = errorOf([&] { ade::sampleDataset("mons", 10, rng); });
  EXPECT_NE(message.find("unknown data set 'mons'"), std::string::npos);
  EXPECT_NE(message.find("did you mean 'moons'?"), std::string::npos);
  EXPECT_NE(message.find("swissroll, circles"), std::string::npos);
  EXPECT_NE(message.find("Spiral"), std::string::npos);

  EXPECT_ERROR_CONTAINS(ade::sampleDataset("banana", 10, rng),
                        "did you mean 'Banana'?");
  EXPECT_ERROR_CONTAINS(ade::sampleDataset("spirals", 10, rng),
                        "did you mean '2spirals' or 'Spiral'?");
  message = errorOf([&] { ade::sampleDataset("mnist", 10, rng); });
  EXPECT_EQ(message.find("did you mean"), std::string::npos);
  EXPECT_ERROR_CONTAINS(ade::sampleDataset("moons", -1, rng),
                        "must not be negative");
}

//===----------------------------------------------------------------------===//
// MMD
//===----------------------------------------------------------------------===//

/// ade-math section 6 written out with full matrices and a sort.
double naiveMmd(const std::vector<double> &x, const std::vector<double> &y,
                int64_t d) {
  int64_t n = int64_t(x.size()) / d, m = int64_t(y.size()) / d;
  auto distance = [d](const double *a, const double *b) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k)
      s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
  };
  std::vector<double> positive;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      if (distance(&y[i * d], &y[j * d]) > 0)
        positive.push_back(distance(&y[i * d], &y[j * d]));
  std::sort(positive.begin(), positive.end());
  size_t half = positive.size() / 2;
  double median = positive.size() % 2
                      ? positive[half]
                      : (positive[half - 1] + positive[half]) / 2;
  auto kernel = [&](const double *a, const double *b) {
    return std::exp(-distance(a, b) / (2 * 0.1 * median));
  };
  double xx = 0, yy = 0, xy = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j)
        xx += kernel(&x[i * d], &x[j * d]);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      if (i != j)
        yy += kernel(&y[i * d], &y[j * d]);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      xy += kernel(&x[i * d], &y[j * d]);
  return xx / (n * (n - 1.0)) + yy / (m * (m - 1.0)) - 2 * xy / (n * m);
}

std::vector<double> normals(Rng &rng, size_t count, double shift = 0) {
  std::vector<double> values(count);
  rng.fillNormal(values.data(), count);
  for (double &value : values)
    value += shift;
  return values;
}

TEST(Mmd, MatchesNaiveImplementation) {
  Rng rng(21);
  for (auto [n, m, d] : {std::tuple<int64_t, int64_t, int64_t>{7, 9, 3},
                         {2, 2, 1},
                         {10, 6, 2},
                         {5, 12, 4}}) {
    std::vector<double> x = normals(rng, n * d, 0.3), y = normals(rng, m * d);
    // A repeated reference point: its zero distance must not count.
    std::copy_n(y.begin(), d, y.end() - d);
    if (m == 2)
      y = {0.0, 1.5};
    EXPECT_NEAR(ade::mmd2Unbiased(x.data(), n, y.data(), m, d),
                naiveMmd(x, y, d), 1e-12)
        << n << " " << m << " " << d;
  }
}

TEST(Mmd, MatchesWorkedExamples) {
  // By hand: y = {0, 2} has one squared distance, 4, so 2 sigma^2 = 0.8;
  // the x pair gives e^-1.25, the y pair e^-5, the cross terms
  // (1 + e^-5 + 2 e^-1.25) / 4, and MMD^2 = (e^-5 - 1) / 2.
  double x1[] = {0, 1}, y1[] = {0, 2};
  EXPECT_NEAR(ade::mmd2Unbiased(x1, 2, y1, 2, 1), (std::exp(-5.0) - 1) / 2,
              1e-15);
  // In 2-d: y = {(0,0), (1,1)}, 2 sigma^2 = 0.4; x = {(0,0), (1,0), (0,1)}
  // gives (2 e^-2.5 + e^-5) / 3 + e^-5 - (1 + e^-5 + 4 e^-2.5) / 3.
  double x2[] = {0, 0, 1, 0, 0, 1}, y2[] = {0, 0, 1, 1};
  EXPECT_NEAR(ade::mmd2Unbiased(x2, 3, y2, 2, 2),
              std::exp(-5.0) - (1 + 2 * std::exp(-2.5)) / 3, 1e-15);
}

TEST(Mmd, MedianMatchesSortedMedian) {
  Rng rng(22);
  for (int64_t m : {2, 3, 4, 5, 30, 31}) {
    std::vector<double> y = normals(rng, 2 * m);
    std::vector<double> distances;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = i + 1; j < m; ++j)
        distances.push_back(std::pow(y[2 * i] - y[2 * j], 2) +
                            std::pow(y[2 * i + 1] - y[2 * j + 1], 2));
    std::sort(distances.begin(), distances.end());
    size_t half = distances.size() / 2;
    double expected = distances.size() % 2
                          ? distances[half]
                          : (distances[half - 1] + distances[half]) / 2;
    EXPECT_DOUBLE_EQ(ade::medianPositiveSquaredDistance(y.data(), m, 2),
                     expected)
        << "m=" << m;
  }
  // Zero distances are left out: points 0, 0, 0, 1 give {1, 1, 1}.
  double repeated[] = {0, 0, 0, 1};
  EXPECT_EQ(ade::medianPositiveSquaredDistance(repeated, 4, 1), 1.0);
}

TEST(Mmd, SameDistributionIsNearZero) {
  for (const char *name : {"moons", "Banana", "2spirals"}) {
    Rng dataRng(31, 0), sampleRng(31, 1);
    std::vector<double> y = ade::sampleDataset(name, 1000, dataRng);
    std::vector<double> x = ade::sampleDataset(name, 1000, sampleRng);
    // ade-math: the noise of the estimate is about 0.4e-3 to 1.1e-3.
    EXPECT_LT(std::abs(ade::mmd2Unbiased(x.data(), 1000, y.data(), 1000, 2)),
              3e-3)
        << name;
  }
}

TEST(Mmd, DifferentDistributionsArePositive) {
  Rng rng(32);
  std::vector<double> moons = ade::sampleDataset("moons", 1000, rng);
  std::vector<double> circles = ade::sampleDataset("circles", 1000, rng);
  double mmd = ade::mmd2Unbiased(circles.data(), 1000, moons.data(), 1000, 2);
  // About 50 times the estimate's noise (ade-math: 0.4e-3 to 1.1e-3).
  EXPECT_GT(mmd, 0.02);
  double median = ade::medianPositiveSquaredDistance(moons.data(), 1000, 2);
  EXPECT_EQ(mmd, ade::mmd2Unbiased(circles.data(), 1000, moons.data(), 1000, 2,
                                   median));
}

TEST(Mmd, RejectsDegenerateInput) {
  double one[] = {1.0, 2.0};
  double same[] = {1.0, 1.0, 1.0, 1.0};
  EXPECT_ERROR_CONTAINS(ade::mmd2Unbiased(one, 1, same, 2, 2),
                        "at least 2 samples");
  EXPECT_ERROR_CONTAINS(ade::mmd2Unbiased(same, 2, same, 2, 2),
                        "no two of the 2 reference points differ");
  EXPECT_ERROR_CONTAINS(ade::mmd2Unbiased(same, 2, same, 2, 2, 0.0),
                        "must be positive");
}

//===----------------------------------------------------------------------===//
// Data files
//===----------------------------------------------------------------------===//

class DataFiles : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "ade-datatest-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory = pattern;
  }

  void TearDown() override {
    std::string command = "rm -rf '" + directory + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }

  std::string path(const std::string &name) const {
    return directory + "/" + name;
  }

  std::string write(const std::string &name, const std::string &bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }

  std::string directory;
};

// A write that fails part-way (here at the file-size limit, as on a full
// disk) is an error naming the file, and leaves the old file and no
// temporary file behind: checkpoints and outputs are never half-written.
TEST_F(DataFiles, FailedAtomicWriteKeepsTheOldFile) {
  std::string target = write("checkpoint.bin", "old");
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = 1000;
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    ade::writeFileAtomically(target, std::string(5000, 'x'));
  } catch (const ade::Error &e) {
    message = e.what();
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, previous);
  EXPECT_NE(message.find("cannot write '" + target + "': File too large"),
            std::string::npos)
      << message;
  std::ifstream in(target, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory),
                          std::filesystem::directory_iterator()),
            1);
}

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An output at a symbolic link replaces the file the link names, and the
// link stays; a pipe (as /dev/stdout may be) is written to, not replaced
// by a file; a directory is an error.
TEST_F(DataFiles, AtomicWritesFollowLinksAndKeepPipes) {
  std::string target = write("samples.csv", "old");
  ASSERT_EQ(symlink("samples.csv", path("link.csv").c_str()), 0);
  ASSERT_EQ(symlink("link.csv", path("chain.csv").c_str()), 0);
  ade::writeFileAtomically(path("chain.csv"), "new");
  EXPECT_TRUE(std::filesystem::is_symlink(path("chain.csv")));
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.csv")));
  EXPECT_EQ(readAll(target), "new");
  // A link to a file not there yet creates it.
  ASSERT_EQ(symlink("later.csv", path("dangling.csv").c_str()), 0);
  ade::writeFileAtomically(path("dangling.csv"), "created");
  EXPECT_EQ(readAll(path("later.csv")), "created");

  // The reader opens first (without blocking), so that the write does not
  // wait for one, nor a write that replaced the pipe leave a reader hung.
  ASSERT_EQ(mkfifo(path("pipe").c_str(), 0600), 0);
  int reader = open(path("pipe").c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ade::writeFileAtomically(path("pipe"), "through the pipe");
  char received[64];
  ssize_t n = read(reader, received, sizeof received);
  close(reader);
  EXPECT_EQ(std::string(received, size_t(std::max<ssize_t>(n, 0))),
            "through the pipe");
  struct stat st;
  ASSERT_EQ(stat(path("pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));

  EXPECT_ERROR_CONTAINS(ade::writeFileAtomically(directory, "x"),
                        "cannot write '" + directory + "': Is a directory");
}

Matrix randomMatrix(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  Matrix data;
  data.rows = rows;
  data.cols = cols;
  data.values.resize(size_t(rows * cols));
  for (double &value : data.values)
    value = rng.normal() * std::pow(10.0, double(rng.below(9)) - 4);
  return data;
}

std::vector<double> roundedToFloat(std::vector<double> values) {
  for (double &value : values)
    value = float(value);
  return values;
}

/// An NPY file: magic, version, little-endian header length, padded header.
std::string npyBytes(const std::string &dict, const std::string &data,
                     int major = 1) {
  std::string header = dict;
  size_t prefix = major == 1 ? 10 : 12;
  header.append(63 - (prefix + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(major);
  bytes += '\0';
  for (size_t i = 0; i < prefix - 8; ++i)
    bytes += char((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

template <typename T> std::string rawBytes(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

/// An IDX file of unsigned bytes with the given dimensions.
std::string idxBytes(uint32_t magic, const std::vector<uint32_t> &dims,
                     const std::string &data) {
  std::string bytes;
  auto bigEndian = [&bytes](uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes += char((value >> shift) & 0xff);
  };
  bigEndian(magic);
  for (uint32_t dim : dims)
    bigEndian(dim);
  return bytes + data;
}

void gzipFile(const std::string &path, const std::string &bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), unsigned(bytes.size())),
            int(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

TEST_F(DataFiles, CsvRoundTripsDoubles) {
  Matrix data = randomMatrix(50, 3, 1);
  data.columnNames = {"a", "b", "energy__"};
  ade::writeCsv(path("d.csv"), data, /*asFloat32=*/false);
  Matrix read = ade::readDataFile(path("d.csv"));
  EXPECT_EQ(read.rows, 50);
  EXPECT_EQ(read.cols, 3);
  EXPECT_EQ(read.values, data.values);
  EXPECT_EQ(read.columnNames, data.columnNames);
}

TEST_F(DataFiles, CsvRoundTripsFloats) {
  Matrix data = randomMatrix(40, 2, 2);
  ade::writeCsv(path("f.csv"), data, /*asFloat32=*/true);
  Matrix read = ade::readDataFile(path("f.csv"));
  // 9 digits identify a float, not the double it converts to.
  EXPECT_EQ(roundedToFloat(read.values), roundedToFloat(data.values));
  EXPECT_EQ(read.columnNames, (std::vector<std::string>{"x0", "x1"}));
}

TEST_F(DataFiles, CsvHeaderIsDetected) {
  Matrix plain = ade::readDataFile(write("plain.csv", "1,2\n3,4\n"));
  EXPECT_TRUE(plain.columnNames.empty());
  EXPECT_EQ(plain.values, (std::vector<double>{1, 2, 3, 4}));

  Matrix named = ade::readDataFile(
      write("named.csv", "\xEF\xBB\xBF# written by hand\r\n\"x\", y \r\n"
                         "\r\n1.5,-2e3\r\n+3, .25\r\n"));
  EXPECT_EQ(named.columnNames, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(named.rows, 2);
  EXPECT_EQ(named.values, (std::vector<double>{1.5, -2000, 3, 0.25}));

  Matrix single = ade::readDataFile(write("single.csv", "7\n8\n9"));
  EXPECT_EQ(single.rows, 3);
  EXPECT_EQ(single.cols, 1);

  // pandas names its index column with an empty cell.
  Matrix indexed =
      ade::readDataFile(write("indexed.csv", ",x\n0,0.5\n1,0.25\n"));
  EXPECT_EQ(indexed.columnNames, (std::vector<std::string>{"", "x"}));
  EXPECT_EQ(indexed.values, (std::vector<double>{0, 0.5, 1, 0.25}));
}

TEST_F(DataFiles, CsvErrorsSayWhere) {
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("ragged.csv", "a,b\n1,2\n3\n")),
      "has 1 column on line 3 but 2 columns on line 1 (the header)");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("text.csv", "1,2\n3, abc\n")),
      "text.csv:2:4: field 2 is 'abc', which is not a number");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("nan.csv", "1,2\n\n3,nan\n")),
                        "nan.csv:3:3: field 2 is 'nan'; data must be finite");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("inf.csv", "-inf,2\n")),
                        "inf.csv:1:1: field 1 is '-inf'");
  // A first row with a number is data, not a header.
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("first.csv", "1.5,abc\n2,3\n")),
      "first.csv:1:5: field 2 is 'abc', which is not a number (a header row "
      "has no numbers)");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("huge.csv", "x\n1e999\n")),
                        "huge.csv:2:1: field 1 is '1e999', which is out of "
                        "the range of a double");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("hole.csv", "1,,2\n")),
                        "hole.csv:1:3: field 2 is empty");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("header.csv", "x,y\n")),
                        "has a header but no data rows");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("blank.csv", "\n# only\n")),
                        "holds no data");
}

TEST_F(DataFiles, NpyRoundTrips) {
  Matrix data = randomMatrix(33, 4, 3);
  ade::writeNpy(path("d.npy"), data, /*asFloat32=*/false);
  Matrix read = ade::readDataFile(path("d.npy"));
  EXPECT_EQ(read.rows, 33);
  EXPECT_EQ(read.cols, 4);
  EXPECT_EQ(read.values, data.values);

  ade::writeNpy(path("f.npy"), data, /*asFloat32=*/true);
  read = ade::readDataFile(path("f.npy"));
  EXPECT_EQ(read.values, roundedToFloat(data.values));

  // numpy aligns the data at 64 bytes.
  std::ifstream file(path("f.npy"), std::ios::binary | std::ios::ate);
  EXPECT_EQ((int64_t(file.tellg()) - 33 * 4 * 4) % 64, 0);
}

TEST_F(DataFiles, NpyVersionsAndDtypes) {
  std::vector<int32_t> ints = {1, -2, 3, 4, 5, 6};
  Matrix i4 = ade::readDataFile(
      write("i4", npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': "
                           "(3, 2), }",
                           rawBytes(ints), 2)));
  EXPECT_EQ(i4.rows, 3);
  EXPECT_EQ(i4.values, (std::vector<double>{1, -2, 3, 4, 5, 6}));

  std::vector<int64_t> longs = {-7, 1LL << 40};
  Matrix i8 = ade::readDataFile(
      write("i8", npyBytes("{\"descr\":\"<i8\",\"shape\":(2L,),"
                           "\"fortran_order\":False}",
                           rawBytes(longs), 3)));
  EXPECT_EQ(i8.cols, 1);
  EXPECT_EQ(i8.values, (std::vector<double>{-7, double(1LL << 40)}));

  Matrix u1 = ade::readDataFile(
      write("u1", npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': "
                           "(1, 2, 2), }",
                           std::string("\x00\x01\xfe\xff", 4))));
  EXPECT_EQ(u1.rows, 1);
  EXPECT_EQ(u1.cols, 4);
  EXPECT_EQ(u1.values, (std::vector<double>{0, 1, 254, 255}));
}

TEST_F(DataFiles, NpyErrors) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': "
                     "(2, 2), }";
  std::vector<double> values = {1, 2, NAN, 4};
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("nan.npy", npyBytes(dict, rawBytes(values)))),
      "has NaN at [1, 0]; data must be finite");

  std::string whole = npyBytes(dict, rawBytes(std::vector<double>(4, 1.0)));
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("short.npy", whole.substr(0, whole.size() - 3))),
      "is truncated: shape (2, 2) of '<f8' needs 32 bytes of data, the file "
      "has 29");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("header.npy", whole.substr(0, 30))),
      "ends inside the NPY header");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write(
          "fortran.npy",
          npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), "
                   "}",
                   rawBytes(values)))),
      "Fortran (column-major) order");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("magic.npy", "not an array at all")),
      "is not an NPY file");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write(
          "big.npy",
          npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (4,), }",
                   rawBytes(values)))),
      "big-endian");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write(
          "c16.npy",
          npyBytes("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), "
                   "}",
                   rawBytes(values)))),
      "has NPY dtype '<c16'");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write(
          "empty.npy",
          npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), "
                   "}",
                   ""))),
      "holds no data (shape (0, 2))");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(
          write("garbled.npy",
                npyBytes("{'descr': '<f8', 'fortran_order': Maybe}", ""))),
      "malformed NPY header");
}

TEST_F(DataFiles, IdxPlainAndGzipped) {
  std::string pixels = {0, 51, char(255), 102, 1, 2, 3, 4, 5, 6, 7, 8};
  std::string images = idxBytes(0x00000803, {3, 2, 2}, pixels);
  Matrix plain = ade::readDataFile(write("images-idx3-ubyte", images));
  EXPECT_EQ(plain.rows, 3);
  EXPECT_EQ(plain.cols, 4);
  EXPECT_EQ(plain.values[1], 51 / 255.0);
  EXPECT_EQ(plain.values[2], 1.0);
  EXPECT_EQ(plain.values[11], 8 / 255.0);

  gzipFile(path("images-idx3-ubyte.gz"), images);
  Matrix gzipped = ade::readDataFile(path("images-idx3-ubyte.gz"));
  EXPECT_EQ(gzipped.values, plain.values);

  gzipFile(path("labels.gz"), idxBytes(0x00000801, {4}, {9, 0, 3, 7}));
  Matrix labels = ade::readDataFile(path("labels.gz"));
  EXPECT_EQ(labels.cols, 1);
  EXPECT_EQ(labels.values, (std::vector<double>{9, 0, 3, 7}));
}

TEST_F(DataFiles, IdxErrors) {
  std::string images = idxBytes(0x00000803, {3, 2, 2}, std::string(12, 'a'));
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(write("short-ubyte", images.substr(0, 20))),
      "is truncated: IDX shape (3, 2, 2) needs 12 bytes of data, the file "
      "has 4");
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(
          write("float-ubyte", idxBytes(0x00000D03, {1, 1, 1}, "abcd"))),
      "its magic number is 0x00000d03");

  // A gzip stream cut in the middle.
  gzipFile(path("whole.gz"),
           idxBytes(0x00000803, {50, 10, 10}, std::string(5000, 'x')));
  std::ifstream file(path("whole.gz"), std::ios::binary);
  std::string compressed((std::istreambuf_iterator<char>(file)),
                         std::istreambuf_iterator<char>());
  EXPECT_ERROR_CONTAINS(
      ade::readDataFile(
          write("cut.gz", compressed.substr(0, compressed.size() / 2))),
      "is not a valid gzip file");
}

// Decompressing stops once the data outgrow the IDX header's shape: a
// small file may inflate to gigabytes (here 16 MiB from about 16 KiB).
TEST_F(DataFiles, GzippedIdxStopsAtItsDeclaredSize) {
  gzipFile(path("bomb.gz"),
           idxBytes(0x00000803, {3, 2, 2}, std::string(12, 'a')) +
               std::string(16 << 20, 'x'));
  EXPECT_ERROR_CONTAINS(ade::readDataFile(path("bomb.gz")),
                        "is longer than its header says: the IDX header "
                        "declares 28 bytes, the decompressed file has more");
}

TEST_F(DataFiles, UnreadableFiles) {
  EXPECT_ERROR_CONTAINS(ade::readDataFile(write("empty.csv", "")),
                        "data file '" + path("empty.csv") + "' is empty");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(path("missing.csv")),
                        "cannot read data file '" + path("missing.csv") +
                            "': No such file or directory");
  EXPECT_ERROR_CONTAINS(ade::readDataFile(directory), "Is a directory");
  write("secret.csv", "1,2\n");
  chmod(path("secret.csv").c_str(), 0);
  if (geteuid() != 0) { // root reads anything
    EXPECT_ERROR_CONTAINS(ade::readDataFile(path("secret.csv")),
                          "Permission denied");
  }
}

TEST_F(DataFiles, WritersReportFailures) {
  Matrix data = randomMatrix(2, 2, 4);
  EXPECT_ERROR_CONTAINS(ade::writeCsv(path("no/such/dir.csv"), data, false),
                        "no/such/dir.csv");
  EXPECT_ERROR_CONTAINS(ade::writeNpy(path("no/such/dir.npy"), data, false),
                        "no/such/dir.npy");
}

} // namespace
