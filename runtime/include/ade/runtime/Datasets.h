//===- Datasets.h - The built-in 2-D data sets ------------------*- C++ -*-===//
//
// The 2-D toy distributions of the ADE paper's Table 2 (plus 8gaussians and
// checkerboard), as the public reference code generates them; the recipes
// are in design/datasets.md. Training draws a fresh batch on every step, so
// each call is an independent draw from the generator. The distributions
// match the reference; the values do not (it uses numpy's generators).
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_DATASETS_H
#define ADE_RUNTIME_DATASETS_H

#include "ade/runtime/Random.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ade {

/// Every built-in data set has points of this many coordinates.
constexpr int64_t kDatasetDimension = 2;

/// The names `sampleDataset` accepts, lower-case family first, in the order
/// of design/datasets.md. Names are case-sensitive: `Cosine` and `cos` are
/// different data sets.
const std::vector<std::string> &datasetNames();

bool isDataset(const std::string &name);

/// Draws exactly `n` points of data set `name`, row-major (n x 2).
///
/// Where the reference returns fewer rows (pinwheel: 5 * (n / 5);
/// 2spirals: 2 * (n / 2)) or rows grouped by branch (Spiral, whose last
/// branch it truncates), this draws the next multiple of 5, 2 or 3 rows the
/// reference way, with every class or branch equally often, and returns a
/// uniformly random n of them in random order. Each row then has the
/// reference's distribution, an equal mixture of the branches; a 2spirals
/// batch still holds most points together with their reflections, as in the
/// reference. circles and moons keep the reference's evenly spaced angles
/// and shuffle; the other sets draw points independently.
///
/// Throws ade::Error for an unknown name (listing the valid ones and
/// suggesting a close match) or a negative n.
std::vector<double> sampleDataset(const std::string &name, int64_t n, Rng &rng);

} // namespace ade

#endif // ADE_RUNTIME_DATASETS_H
