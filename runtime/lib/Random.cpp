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

/// The ziggurat of exp(-x^2/2) on x >= 0 (Marsaglia and Tsang 2000): 256
/// layers of equal area. Layer i >= 1 is the box [0, x[i]] x [f[i], f[i+1]];
/// layer 0 is the box [0, x[0]] x [0, f[1]], standing for the strip under
/// f up to x[1] = r plus the tail beyond r.
constexpr int kZigguratLayers = 256;
/// The bit of a draw's word that gives its sign (the layer takes bits 0-7).
constexpr uint64_t kZigguratSignBit = 1ull << 8;
constexpr double kZigguratTailStart = 3.6541528853610088;

struct Ziggurat {
  double x[kZigguratLayers + 1];
  double f[kZigguratLayers + 1];
};

const Ziggurat &ziggurat() {
  static const Ziggurat table = [] {
    Ziggurat z;
    double r = kZigguratTailStart;
    double fr = std::exp(-0.5 * r * r);
    double area = r * fr + std::sqrt(M_PI / 2) * std::erfc(r / M_SQRT2);
    z.x[0] = area / fr;
    z.f[0] = 0.0;
    z.x[1] = r;
    z.f[1] = fr;
    for (int i = 1; i < kZigguratLayers - 1; ++i) {
      z.f[i + 1] = z.f[i] + area / z.x[i];
      z.x[i + 1] = std::sqrt(-2.0 * std::log(z.f[i + 1]));
    }
    // r makes the top layer end at f = 1 to double precision.
    z.x[kZigguratLayers] = 0.0;
    z.f[kZigguratLayers] = 1.0;
    return z;
  }();
  return table;
}

/// xoshiro256**'s step.
inline uint64_t nextWord(std::array<uint64_t, 4> &words) {
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

inline double uniformFrom(std::array<uint64_t, 4> &words) {
  return double(nextWord(words) >> 11) * 0x1.0p-53;
}

/// The ziggurat's position in `layer` from one word's high 53 bits. The
/// layer (low 8 bits) and the sign (bit 8) are independent of them: reusing
/// the layer's bits in the position correlates the two (Doornik 2005).
inline double zigguratPosition(uint64_t bits, const Ziggurat &z, int &layer) {
  layer = int(bits & (kZigguratLayers - 1));
  return double(int64_t(bits >> 11)) * 0x1.0p-53 * z.x[layer];
}

/// x negated when bit 8 of `bits` is set, without a branch: the sign is a
/// coin flip that no branch predictor can guess.
inline double withSign(uint64_t bits, double x) {
  uint64_t signBit = (bits & kZigguratSignBit) << 55; // To bit 63.
  return __builtin_bit_cast(double, __builtin_bit_cast(uint64_t, x) ^ signBit);
}

/// The draws outside the fast path (about 1%): the tail or a wedge, and
/// fresh draws after a rejection.
__attribute__((noinline)) double
zigguratNormalSlow(std::array<uint64_t, 4> &words, const Ziggurat &z,
                   uint64_t bits, double x, int layer) {
  for (;;) {
    if (layer == 0) {
      // The tail beyond r (Marsaglia 1964): r + a with a exponential of
      // rate r, accepted with probability exp(-a^2 / 2).
      double a, b;
      do {
        a = -std::log(1.0 - uniformFrom(words)) / kZigguratTailStart;
        b = -std::log(1.0 - uniformFrom(words));
      } while (2.0 * b < a * a);
      return withSign(bits, kZigguratTailStart + a);
    }
    // The wedge between x[layer + 1] and x[layer]: accept below the curve.
    double y = z.f[layer] + uniformFrom(words) * (z.f[layer + 1] - z.f[layer]);
    if (y < std::exp(-0.5 * x * x))
      return withSign(bits, x);
    bits = nextWord(words);
    x = zigguratPosition(bits, z, layer);
    if (x < z.x[layer + 1])
      return withSign(bits, x);
  }
}

/// `count` normals: the ziggurat's fast path inline, with the generator's
/// state in locals that only the rare slow path writes back.
template <typename T>
void fillZigguratNormals(std::array<uint64_t, 4> &words, T *out, size_t count) {
  const Ziggurat &z = ziggurat();
  std::array<uint64_t, 4> state = words;
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits = nextWord(state);
    int layer;
    double x = zigguratPosition(bits, z, layer);
    if (__builtin_expect(x < z.x[layer + 1], 1)) {
      out[i] = T(withSign(bits, x));
      continue;
    }
    words = state;
    out[i] = T(zigguratNormalSlow(words, z, bits, x, layer));
    state = words;
  }
  words = state;
}

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
  return rng;
}

RngState Rng::state() const { return {words}; }

uint64_t Rng::next() { return nextWord(words); }

double Rng::uniform() { return uniformFrom(words); }

double Rng::normal() {
  double value;
  fillZigguratNormals(words, &value, 1);
  return value;
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
  fillZigguratNormals(words, out, count);
}

void Rng::fillNormal(float *out, size_t count) {
  fillZigguratNormals(words, out, count);
}

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
                                   std::array<uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(0xD2511F53u) * counter[0];
    uint64_t p1 = uint64_t(0xCD9E8D57u) * counter[2];
    counter = {uint32_t(p1 >> 32) ^ counter[1] ^ key[0], uint32_t(p1),
               uint32_t(p0 >> 32) ^ counter[3] ^ key[1], uint32_t(p0)};
    key[0] += 0x9E3779B9u;
    key[1] += 0xBB67AE85u;
  }
  return counter;
}

double philoxNoise(uint64_t key, uint64_t index, bool uniform, bool f32,
                   uint32_t stream) {
  std::array<uint32_t, 4> r =
      philox4x32({uint32_t(index), uint32_t(index >> 32), stream, 0},
                 {uint32_t(key), uint32_t(key >> 32)});
  constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
  auto bits53 = [](uint32_t high, uint32_t low) {
    return double((uint64_t(high >> 5) << 26) + (low >> 6));
  };
  double u = bits53(r[0], r[1]) * kTwoToMinus53;
  if (uniform)
    return f32 ? double(r[0] >> 8) * (1.0 / 16777216.0) : u;
  double v = bits53(r[2], r[3]) * kTwoToMinus53;
  return std::sqrt(-2.0 * std::log(1.0 - u)) * std::cos(6.283185307179586 * v);
}

double philoxDataValue(uint64_t key, const double *data, int64_t rows,
                       int64_t cols, uint64_t firstParticle, uint64_t index,
                       bool dequantize, double noise) {
  uint64_t particle = firstParticle + index / uint64_t(cols);
  uint64_t global = particle * uint64_t(cols) + index % uint64_t(cols);
  uint32_t word =
      philox4x32({uint32_t(particle), uint32_t(particle >> 32), 1, 0},
                 {uint32_t(key), uint32_t(key >> 32)})[0];
  uint64_t row = (uint64_t(word) * uint64_t(rows)) >> 32;
  double x = data[row * uint64_t(cols) + index % uint64_t(cols)];
  if (dequantize)
    x = (std::round(x * 255) + philoxNoise(key, global, true, false, 2)) / 256;
  if (noise > 0)
    x += noise * philoxNoise(key, global, false, false, 3);
  return x;
}

} // namespace ade
