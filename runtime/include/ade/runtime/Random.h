//===- Random.h - Deterministic random numbers for aderun -------*- C++ -*-===//
//
// One seed must reproduce a run on any platform and with any standard
// library, so aderun never uses <random>'s distributions (their algorithms
// are implementation-defined). Rng is xoshiro256** seeded through
// splitmix64; every distribution on top of it is spelled out here.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_RANDOM_H
#define ADE_RUNTIME_RANDOM_H

#include <array>
#include <cstddef>
#include <cstdint>

namespace ade {

/// Everything that determines an Rng's future output, for checkpoints: a
/// generator restored with Rng::fromState continues exactly where the saved
/// one stopped.
struct RngState {
  std::array<uint64_t, 4> words;
};

/// xoshiro256** (Blackman and Vigna): period 2^256 - 1, 64-bit outputs.
class Rng {
public:
  /// The generator for `stream` of `seed`. Distinct (seed, stream) pairs give
  /// unrelated sequences, so a run keeps separate streams for data, noise and
  /// evaluation and drawing more from one never shifts another.
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  static Rng fromState(const RngState &state);
  RngState state() const;

  /// The next 64 raw bits.
  uint64_t next();

  /// Uniform on [0, 1), a multiple of 2^-53.
  double uniform();

  /// Standard normal by the ziggurat method with 256 layers: one 64-bit draw
  /// and a multiplication for 99% of values. Apart from IEEE arithmetic and
  /// sqrt (both exact) it calls only std::exp, std::log and std::erfc, so
  /// normal streams agree between platforms whose functions agree.
  double normal();

  /// Uniform integer in [0, n) without modulo bias; n must be positive.
  uint64_t below(uint64_t n);

  /// The same values as that many calls of uniform() / normal(), in order;
  /// the float versions round each double to float, except uniform floats,
  /// which take 24 bits so that they stay below 1.
  void fillUniform(double *out, size_t count);
  void fillUniform(float *out, size_t count);
  void fillNormal(double *out, size_t count);
  void fillNormal(float *out, size_t count);

private:
  Rng() = default;

  std::array<uint64_t, 4> words{};
};

/// Philox4x32-10 (Salmon et al. 2011), counter-based: the generator of the
/// noise drawn on the GPU.
std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
                                   std::array<uint32_t, 2> key);

/// Value `index` of the noise that aderun's GPU kernel draws with `key`
/// (compiler/lib/Target/RuntimeKernels.cpp), the same operations on the
/// host: uniform on [0, 1) (53 bits, or 24 for `f32`) or standard normal
/// (Box-Muller).
/// `stream` 0 is the samplers' noise; aderun's data batches draw from
/// streams 1-3 (philoxDataValue).
double philoxNoise(uint64_t key, uint64_t index, bool uniform, bool f32,
                   uint32_t stream = 0);

/// Value `index` of a training batch that aderun's GPU kernel draws with
/// `key` from the rows of `data` (`rows` x `cols`, row-major), its
/// particles numbered from `firstParticle`: a row uniformly at random
/// per particle (Philox stream 1: the high word of rows times its first
/// word), then, as the host's batches do, pixel levels spread over their
/// bins (`dequantize`: (round(255 x) + u) / 256, stream 2) and
/// N(0, `noise`^2) added (stream 3).
double philoxDataValue(uint64_t key, const double *data, int64_t rows,
                       int64_t cols, uint64_t firstParticle, uint64_t index,
                       bool dequantize, double noise);

} // namespace ade

#endif // ADE_RUNTIME_RANDOM_H
