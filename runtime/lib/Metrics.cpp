//===- Metrics.cpp - How close samples are to data ------------------------===//

#include "ade/runtime/Metrics.h"

#include "ade/runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace ade {

namespace {

/// The reference code's bandwidth factor: k = exp(-dist^2 / (2 * 0.1 * med)).
constexpr double kBandwidthFactor = 0.1;

/// |a - b|^2 in eight interleaved partial sums, which the compiler keeps
/// in one vector register (a single running sum is a chain of dependent
/// scalar additions: 784-d evaluations spent a third of their time here).
double squaredDistance(const double *a, const double *b, int64_t d) {
  constexpr int64_t kLanes = 8;
  double partial[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= d; k += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) {
      double diff = a[k + l] - b[k + l];
      partial[l] += diff * diff;
    }
  double sum = 0.0;
  for (; k < d; ++k) {
    double diff = a[k] - b[k];
    sum += diff * diff;
  }
  for (double p : partial)
    sum += p;
  return sum;
}

// Rows are summed separately and then added, which keeps the rounding
// error of a million terms near that of a thousand.

/// sum_{i != j} exp(scale * |a_i - a_j|^2), using the symmetry.
double sumOffDiagonal(const double *a, int64_t n, int64_t d, double scale) {
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double row = 0.0;
    for (int64_t j = i + 1; j < n; ++j)
      row += std::exp(scale * squaredDistance(a + i * d, a + j * d, d));
    total += row;
  }
  return 2.0 * total;
}

/// sum_{i, j} exp(scale * |a_i - b_j|^2).
double sumCross(const double *a, int64_t n, const double *b, int64_t m,
                int64_t d, double scale) {
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double row = 0.0;
    for (int64_t j = 0; j < m; ++j)
      row += std::exp(scale * squaredDistance(a + i * d, b + j * d, d));
    total += row;
  }
  return total;
}

void requireTwoRows(int64_t rows, const char *which) {
  if (rows < 2)
    throw Error(std::string("MMD needs at least 2 ") + which + ", got " +
                std::to_string(rows));
}

} // namespace

double medianPositiveSquaredDistance(const double *y, int64_t m, int64_t d) {
  std::vector<double> distances;
  distances.reserve(size_t(m > 1 ? m * (m - 1) / 2 : 0));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = i + 1; j < m; ++j) {
      double distance = squaredDistance(y + i * d, y + j * d, d);
      if (distance > 0.0)
        distances.push_back(distance);
    }
  if (distances.empty())
    throw Error("cannot choose the MMD kernel bandwidth: no two of the " +
                std::to_string(m) + " reference points differ");
  auto middle = distances.begin() + distances.size() / 2;
  std::nth_element(distances.begin(), middle, distances.end());
  if (distances.size() % 2 == 1)
    return *middle;
  // nth_element leaves the smaller half before `middle`.
  return 0.5 * (*middle + *std::max_element(distances.begin(), middle));
}

double mmd2Unbiased(const double *x, int64_t n, const double *y, int64_t m,
                    int64_t d) {
  requireTwoRows(n, "samples");
  requireTwoRows(m, "reference points");
  return mmd2Unbiased(x, n, y, m, d, medianPositiveSquaredDistance(y, m, d));
}

double mmd2Unbiased(const double *x, int64_t n, const double *y, int64_t m,
                    int64_t d, double medianSquaredDistance) {
  requireTwoRows(n, "samples");
  requireTwoRows(m, "reference points");
  if (!(medianSquaredDistance > 0.0) || !std::isfinite(medianSquaredDistance))
    throw Error("the MMD kernel bandwidth must be positive and finite, got " +
                std::to_string(medianSquaredDistance));
  double scale = -1.0 / (2.0 * kBandwidthFactor * medianSquaredDistance);
  double xx = sumOffDiagonal(x, n, d, scale) / (double(n) * double(n - 1));
  double yy = sumOffDiagonal(y, m, d, scale) / (double(m) * double(m - 1));
  double xy = sumCross(x, n, y, m, d, scale) / (double(n) * double(m));
  return xx + yy - 2.0 * xy;
}

} // namespace ade
