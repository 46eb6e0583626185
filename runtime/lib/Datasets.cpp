//===- Datasets.cpp - The built-in 2-D data sets --------------------------===//
//
// One function per data set, each following its recipe in
// design/datasets.md. The reference's float32 casts are not reproduced:
// they change values by about 1e-7, far below every noise scale.
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/Datasets.h"

#include "ade/runtime/Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace ade {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// Fills rows [0, n) of `out` (n x 2).
using Generator = void (*)(int64_t n, Rng &rng, double *out);

void swapRows(double *out, int64_t i, int64_t j) {
  std::swap(out[2 * i], out[2 * j]);
  std::swap(out[2 * i + 1], out[2 * j + 1]);
}

/// Moves a uniformly random `keep` of the `total` rows of `rows`, in random
/// order, to the front (a partial Fisher-Yates shuffle).
void shuffleFront(double *rows, int64_t total, int64_t keep, Rng &rng) {
  for (int64_t i = 0; i < keep; ++i)
    swapRows(rows, i, i + int64_t(rng.below(uint64_t(total - i))));
}

/// For the sets drawn in equal groups: `draw` fills `groups * perGroup`
/// rows, of which a random `n` are returned (see sampleDataset).
template <typename DrawGroups>
void sampleBalanced(int64_t n, int64_t groups, Rng &rng, double *out,
                    DrawGroups draw) {
  int64_t perGroup = (n + groups - 1) / groups;
  std::vector<double> rows(size_t(2 * groups * perGroup));
  draw(perGroup, rows.data());
  shuffleFront(rows.data(), groups * perGroup, n, rng);
  std::copy_n(rows.begin(), 2 * n, out);
}

/// `count` angles from 0 to pi inclusive, like numpy.linspace(0, pi, count).
double moonAngle(int64_t k, int64_t count) {
  return count > 1 ? kPi * double(k) / double(count - 1) : 0.0;
}

// scikit-learn make_swiss_roll(noise=1), coordinates 0 and 2, divided by 5.
void swissroll(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double t = 1.5 * kPi * (1.0 + 2.0 * rng.uniform());
    double noiseX = rng.normal();
    double noiseY = rng.normal();
    out[2 * i] = (t * std::cos(t) + noiseX) / 5.0;
    out[2 * i + 1] = (t * std::sin(t) + noiseY) / 5.0;
  }
}

// scikit-learn make_circles(factor=0.5, noise=0.08), times 3. The angles
// are evenly spaced on each circle, not random.
void circles(int64_t n, Rng &rng, double *out) {
  int64_t outer = n / 2;
  int64_t inner = n - outer;
  for (int64_t k = 0; k < outer; ++k) {
    double angle = 2.0 * kPi * double(k) / double(outer);
    out[2 * k] = std::cos(angle);
    out[2 * k + 1] = std::sin(angle);
  }
  for (int64_t k = 0; k < inner; ++k) {
    double angle = 2.0 * kPi * double(k) / double(inner);
    out[2 * (outer + k)] = 0.5 * std::cos(angle);
    out[2 * (outer + k) + 1] = 0.5 * std::sin(angle);
  }
  shuffleFront(out, n, n, rng);
  for (int64_t i = 0; i < 2 * n; ++i)
    out[i] = 3.0 * (out[i] + 0.08 * rng.normal());
}

// scikit-learn make_moons(noise=0.1), times 2, shifted by (-1, -0.2).
void moons(int64_t n, Rng &rng, double *out) {
  int64_t outer = n / 2;
  int64_t inner = n - outer;
  for (int64_t k = 0; k < outer; ++k) {
    double angle = moonAngle(k, outer);
    out[2 * k] = std::cos(angle);
    out[2 * k + 1] = std::sin(angle);
  }
  for (int64_t k = 0; k < inner; ++k) {
    double angle = moonAngle(k, inner);
    out[2 * (outer + k)] = 1.0 - std::cos(angle);
    out[2 * (outer + k) + 1] = 0.5 - std::sin(angle);
  }
  shuffleFront(out, n, n, rng);
  for (int64_t i = 0; i < n; ++i) {
    out[2 * i] = 2.0 * (out[2 * i] + 0.1 * rng.normal()) - 1.0;
    out[2 * i + 1] = 2.0 * (out[2 * i + 1] + 0.1 * rng.normal()) - 0.2;
  }
}

void eightGaussians(int64_t n, Rng &rng, double *out) {
  const double r = 1.0 / std::sqrt(2.0);
  // The reference's order of the centres, which its randint indexes.
  const double centres[8][2] = {{1, 0}, {-1, 0}, {0, 1},  {0, -1},
                                {r, r}, {r, -r}, {-r, r}, {-r, -r}};
  for (int64_t i = 0; i < n; ++i) {
    double x = 0.5 * rng.normal();
    double y = 0.5 * rng.normal();
    const double *centre = centres[rng.below(8)];
    // 1.414, not sqrt(2), as in the reference.
    out[2 * i] = (x + 4.0 * centre[0]) / 1.414;
    out[2 * i + 1] = (y + 4.0 * centre[1]) / 1.414;
  }
}

// Five arms; a point's angle grows with its radial coordinate.
void pinwheel(int64_t n, Rng &rng, double *out) {
  sampleBalanced(n, 5, rng, out, [&](int64_t perClass, double *rows) {
    for (int64_t i = 0; i < 5 * perClass; ++i) {
      int64_t label = i / perClass;
      double radial = 0.3 * rng.normal() + 1.0;
      double tangential = 0.1 * rng.normal();
      double angle = 2.0 * kPi * double(label) / 5.0 + 0.25 * std::exp(radial);
      double c = std::cos(angle), s = std::sin(angle);
      rows[2 * i] = 2.0 * (radial * c + tangential * s);
      rows[2 * i + 1] = 2.0 * (-radial * s + tangential * c);
    }
  });
}

// One arm and its point reflection (jitter included), then noise.
void twoSpirals(int64_t n, Rng &rng, double *out) {
  sampleBalanced(n, 2, rng, out, [&](int64_t pairs, double *rows) {
    for (int64_t i = 0; i < pairs; ++i) {
      double t = std::sqrt(rng.uniform()) * 3.0 * kPi;
      double x = -t * std::cos(t) + 0.5 * rng.uniform();
      double y = t * std::sin(t) + 0.5 * rng.uniform();
      rows[2 * i] = x / 3.0;
      rows[2 * i + 1] = y / 3.0;
      rows[2 * (pairs + i)] = -x / 3.0;
      rows[2 * (pairs + i) + 1] = -y / 3.0;
    }
    for (int64_t i = 0; i < 4 * pairs; ++i)
      rows[i] += 0.1 * rng.normal();
  });
}

// Uniform on the dark squares of a 4 x 4 board of side 8.
void checkerboard(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double x = 4.0 * rng.uniform() - 2.0;
    double y = rng.uniform() - 2.0 * double(rng.below(2));
    // Python's floor(x) % 2, which is 0 or 1 for negative x too.
    y += double(int64_t(std::floor(x)) & 1);
    out[2 * i] = 2.0 * x;
    out[2 * i + 1] = 2.0 * y;
  }
}

// Noiseless: the diagonal segment y = x.
void line(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double x = 5.0 * rng.uniform() - 2.5;
    out[2 * i] = x;
    out[2 * i + 1] = x;
  }
}

// Noiseless, and sin despite the name.
void cosCurve(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double x = 5.0 * rng.uniform() - 2.5;
    out[2 * i] = x;
    out[2 * i + 1] = 2.5 * std::sin(x);
  }
}

void banana(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double x = 2.0 * rng.normal();
    out[2 * i] = x;
    out[2 * i + 1] = rng.normal() + 0.2 * (x * x - 4.0);
  }
}

// Given x, y is N(0, min(exp(-x), 10)).
void funnel(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double x = 2.0 * rng.normal();
    double variance = std::min(std::exp(-x), 10.0);
    out[2 * i] = x;
    out[2 * i + 1] = rng.normal() * std::sqrt(variance);
  }
}

/// The reference's rings_sample with sigma 0.2: a ring chosen with weight
/// proportional to its radius, radial noise, and x = rho sin(phi),
/// y = rho cos(phi) (sin first, as in the reference).
void rings(int64_t n, Rng &rng, double *out, const std::vector<double> &radii) {
  double total = 0.0;
  for (double radius : radii)
    total += radius;
  for (int64_t i = 0; i < n; ++i) {
    double phi = 2.0 * kPi * rng.uniform();
    double noise = 0.2 * rng.normal();
    // numpy.random.choice: the first ring whose cumulative weight exceeds u.
    double u = rng.uniform() * total;
    size_t ring = 0;
    double cumulative = radii[0];
    while (ring + 1 < radii.size() && cumulative <= u)
      cumulative += radii[++ring];
    double rho = radii[ring] + noise;
    out[2 * i] = rho * std::sin(phi);
    out[2 * i + 1] = rho * std::cos(phi);
  }
}

void ring(int64_t n, Rng &rng, double *out) { rings(n, rng, out, {5.0}); }

void multiring(int64_t n, Rng &rng, double *out) {
  rings(n, rng, out, {1.0, 3.0, 5.0});
}

void cosine(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    double x = 8.0 * rng.uniform() - 4.0;
    out[2 * i] = x;
    out[2 * i + 1] = 3.0 * std::cos(2.0 * x) + rng.normal();
  }
}

void uniformSquare(int64_t n, Rng &rng, double *out) {
  for (int64_t i = 0; i < 2 * n; ++i)
    out[i] = 2.0 * (rng.uniform() - 0.5) * 3.0;
}

// Three arms of length pi starting at angles 0, 2pi/3, 4pi/3, wider
// towards their tips.
void spiral(int64_t n, Rng &rng, double *out) {
  sampleBalanced(n, 3, rng, out, [&](int64_t perBranch, double *rows) {
    for (int64_t i = 0; i < 3 * perBranch; ++i) {
      double start = 2.0 * kPi * double(i / perBranch) / 3.0;
      double a = rng.uniform();
      double angle = kPi * a + start;
      double radius = 1.5 * kPi * a;
      double spread = 0.5 * a + 0.1;
      rows[2 * i] = radius * std::cos(angle) + spread * rng.normal();
      rows[2 * i + 1] = radius * std::sin(angle) + spread * rng.normal();
    }
  });
}

struct Dataset {
  const char *name;
  Generator generate;
};

constexpr Dataset kDatasets[] = {
    {"swissroll", swissroll},
    {"circles", circles},
    {"moons", moons},
    {"8gaussians", eightGaussians},
    {"pinwheel", pinwheel},
    {"2spirals", twoSpirals},
    {"checkerboard", checkerboard},
    {"line", line},
    {"cos", cosCurve},
    {"Banana", banana},
    {"Funnel", funnel},
    {"Ring", ring},
    {"Multiring", multiring},
    {"Cosine", cosine},
    {"Uniform", uniformSquare},
    {"Spiral", spiral},
};

const Dataset *findDataset(const std::string &name) {
  for (const Dataset &dataset : kDatasets)
    if (name == dataset.name)
      return &dataset;
  return nullptr;
}

std::string lowerCase(std::string text) {
  for (char &c : text)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// Levenshtein distance, ignoring case (a wrong capital is the most likely
/// mistake, since `cos` and `Cosine` differ only by it and a suffix).
size_t editDistance(const std::string &a, const std::string &b) {
  std::string x = lowerCase(a), y = lowerCase(b);
  std::vector<size_t> previous(y.size() + 1), current(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j)
    previous[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= y.size(); ++j)
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (x[i - 1] != y[j - 1])});
    std::swap(previous, current);
  }
  return previous[y.size()];
}

[[noreturn]] void unknownDataset(const std::string &name) {
  // Suggest every name at the smallest distance, if it is a plausible typo
  // (at most two edits, and fewer than the name has characters).
  size_t best = 2;
  std::vector<std::string> closest;
  for (const Dataset &dataset : kDatasets) {
    size_t distance = editDistance(name, dataset.name);
    if (distance >= name.size() || distance > best)
      continue;
    if (distance < best)
      closest.clear();
    best = distance;
    closest.push_back(dataset.name);
  }
  std::string message = "unknown data set '" + name + "'";
  for (size_t i = 0; i < closest.size(); ++i)
    message += (i == 0 ? "; did you mean '" : "' or '") + closest[i];
  if (!closest.empty())
    message += "'?";
  message += closest.empty() ? "; the built-in data sets are"
                             : " The built-in data sets are";
  for (const Dataset &dataset : kDatasets)
    message += std::string(&dataset == kDatasets ? " " : ", ") + dataset.name;
  throw Error(message);
}

} // namespace

const std::vector<std::string> &datasetNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const Dataset &dataset : kDatasets)
      result.push_back(dataset.name);
    return result;
  }();
  return names;
}

bool isDataset(const std::string &name) { return findDataset(name) != nullptr; }

std::vector<double> sampleDataset(const std::string &name, int64_t n,
                                  Rng &rng) {
  const Dataset *dataset = findDataset(name);
  if (!dataset)
    unknownDataset(name);
  if (n < 0)
    throw Error("cannot draw " + std::to_string(n) + " points of data set '" +
                name + "': the number of points must not be negative");
  std::vector<double> points(size_t(kDatasetDimension * n));
  dataset->generate(n, rng, points.data());
  return points;
}

} // namespace ade
