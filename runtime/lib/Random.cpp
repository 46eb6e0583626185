//===- Random.cpp - Deterministic random numbers for aderun ---------------===//

#include "ade/runtime/Random.h"

#include <cassert>
#include <cmath>

namespace ade {

namespace {

uint64_t rotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// The splitmix64 output function: a bijection of 64-bit words that spreads
/// every input bit over the whole output.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ull;

} // namespace

Rng::Rng(uint64_t seed, uint64_t stream) {
  // For a fixed stream the start is a bijection of the seed and vice versa,
  // so two different pairs collide only by a 2^-64 accident. The state words
  // are consecutive splitmix64 outputs, as xoshiro's authors recommend.
  uint64_t counter = mix64(seed ^ mix64(stream + kGoldenGamma));
  for (uint64_t &word : words) {
    counter += kGoldenGamma;
    word = mix64(counter);
  }
  // xoshiro's only bad state; splitmix64 would have to output four zeros.
  if (words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0)
    words[0] = kGoldenGamma;
}

Rng Rng::fromState(const RngState &state) {
  Rng rng;
  rng.words = state.words;
  rng.hasSpareNormal = state.hasSpareNormal;
  rng.spareNormal = state.spareNormal;
  return rng;
}

RngState Rng::state() const { return {words, hasSpareNormal, spareNormal}; }

uint64_t Rng::next() {
  uint64_t result = rotateLeft(words[1] * 5, 7) * 9;
  uint64_t shifted = words[1] << 17;
  words[2] ^= words[0];
  words[3] ^= words[1];
  words[1] ^= words[2];
  words[0] ^= words[3];
  words[2] ^= shifted;
  words[3] = rotateLeft(words[3], 45);
  return result;
}

double Rng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  if (hasSpareNormal) {
    hasSpareNormal = false;
    return spareNormal;
  }
  // A uniform point of the unit disc (minus its centre) gives two
  // independent normals u * f and v * f with f = sqrt(-2 log s / s).
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double factor = std::sqrt(-2.0 * std::log(s) / s);
  spareNormal = v * factor;
  hasSpareNormal = true;
  return u * factor;
}

uint64_t Rng::below(uint64_t n) {
  assert(n > 0 && "below(n) needs a positive n");
  // Lemire's multiply-and-reject: the high word of x * n is uniform on
  // [0, n) once the low words that would favour small results (those below
  // 2^64 mod n) are rejected.
  unsigned __int128 product = (unsigned __int128)next() * n;
  uint64_t low = uint64_t(product);
  if (low < n) {
    uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      product = (unsigned __int128)next() * n;
      low = uint64_t(product);
    }
  }
  return uint64_t(product >> 64);
}

void Rng::fillUniform(double *out, size_t count) {
  for (size_t i = 0; i < count; ++i)
    out[i] = uniform();
}

void Rng::fillUniform(float *out, size_t count) {
  // Rounding a 53-bit uniform to float could give exactly 1.0f.
  for (size_t i = 0; i < count; ++i)
    out[i] = float(next() >> 40) * 0x1.0p-24f;
}

void Rng::fillNormal(double *out, size_t count) {
  for (size_t i = 0; i < count; ++i)
    out[i] = normal();
}

void Rng::fillNormal(float *out, size_t count) {
  for (size_t i = 0; i < count; ++i)
    out[i] = float(normal());
}

} // namespace ade
