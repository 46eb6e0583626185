//===- Metrics.h - How close samples are to data ----------------*- C++ -*-===//
//
// The evaluation of the ADE paper's Table 2 (design/ade-math.md section 6):
// the unbiased estimate of the squared maximum mean discrepancy between
// samples X and reference data Y, with a Gaussian kernel whose bandwidth
// comes from Y alone, computed in float64.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_METRICS_H
#define ADE_RUNTIME_METRICS_H

#include <cstdint>

namespace ade {

/// The median of the strictly positive squared distances |y_i - y_j|^2,
/// i < j, between the m rows of the row-major m x d matrix `y`; the mean of
/// the two middle values when their number is even, like numpy.median (the
/// full symmetric matrix has the same median). Throws ade::Error when no
/// two rows differ.
double medianPositiveSquaredDistance(const double *y, int64_t m, int64_t d);

/// MMD^2 between the rows of x (n x d) and y (m x d) with the kernel
/// k(a, b) = exp(-|a - b|^2 / (2 * 0.1 * med)), med being
/// medianPositiveSquaredDistance(y):
///
///   sum_{i != j} k(x_i, x_j) / (n (n - 1)) + sum_{i != j} k(y_i, y_j) /
///   (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / (n m).
///
/// Unbiased, so it can be negative. Needs n, m >= 2; throws ade::Error
/// otherwise.
double mmd2Unbiased(const double *x, int64_t n, const double *y, int64_t m,
                    int64_t d);

/// The same with a given `med`, so that repeated evaluations against one
/// reference set compute its median once.
double mmd2Unbiased(const double *x, int64_t n, const double *y, int64_t m,
                    int64_t d, double medianSquaredDistance);

} // namespace ade

#endif // ADE_RUNTIME_METRICS_H
