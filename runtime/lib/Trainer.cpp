//===- Trainer.cpp - The ADE training loop and run directories ------------===//
//
// One iteration (ade-math.md §4): a model step that ascends
//   l = mean f(data) - mean [f(x) - lambda K - lambda_v |v|^2/2 - kappa log q]
// (K: the kinetic energy of the momenta the sampler dropped, v: a returned
// momentum)
// on a fresh sampler batch, then `samplerSteps` sampler steps that descend
// it, each with fresh noise. The `ade` (and `nf`, the same with a flow-only
// sampler) estimator differentiates the sampler batch in the model's
// parameters too (paper eq. 21, through sample_vjp); `ade-detached` treats
// the samples as constants. The estimators with a fixed sampler (§5):
// `cd` runs the sampler from the data batch, `pcd` from persistent chains,
// both with detached gradients and no sampler steps; `sm` minimizes the
// score-matching loss, while the sampler steps still train the sampler
// toward the model (for samples and evaluation).
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/Trainer.h"

#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/DataFiles.h"
#include "ade/runtime/Datasets.h"
#include "ade/runtime/Error.h"
#include "ade/runtime/GpuEntries.h"
#include "ade/runtime/Metrics.h"
#include "ade/runtime/ModelLibrary.h"
#include "ade/runtime/Optimizer.h"
#include "ade/runtime/Plot.h"
#include "ade/runtime/Random.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string_view>
#include <type_traits>

namespace ade {

using nlohmann::json;

//===----------------------------------------------------------------------===//
// Configuration
//===----------------------------------------------------------------------===//

namespace {

/// Every setting with its JSON key, so that reading and writing agree.
template <typename Visitor> void visitConfig(TrainConfig &c, Visitor &&v) {
  v("library", c.library);
  v("model", c.model);
  v("sampler", c.sampler);
  v("data", c.data);
  v("estimator", c.estimator);
  v("dequantize", c.dequantize);
  v("data_noise", c.dataNoise);
  v("iterations", c.iterations);
  v("batch", c.batch);
  v("sampler_steps", c.samplerSteps);
  v("seed", c.seed);
  v("threads", c.threads);
  v("device", c.device);
  v("host_noise", c.hostNoise);
  v("lr", c.learningRate);
  v("sampler_lr", c.samplerLearningRate);
  v("beta1", c.beta1);
  v("beta2", c.beta2);
  v("sampler_beta1", c.samplerBeta1);
  v("sampler_beta2", c.samplerBeta2);
  v("adam_clip", c.adamClip);
  v("lr_decay", c.lrDecay);
  v("ema", c.ema);
  v("entropy_weight", c.entropyWeight);
  v("kinetic_weight", c.kineticWeight);
  v("momentum_weight", c.momentumWeight);
  v("energy_penalty", c.energyPenalty);
  v("eval_every", c.evalEvery);
  v("eval_samples", c.evalSamples);
  v("log_every", c.logEvery);
  v("max_recoveries", c.maxRecoveries);
  v("out", c.out);
}

} // namespace

std::string configToJson(const TrainConfig &config) {
  json j = json::object();
  TrainConfig copy = config;
  visitConfig(copy, [&](const char *key, auto &value) { j[key] = value; });
  return j.dump(2) + "\n";
}

namespace {
/// A JSON value read into an integer setting of type T must be an integer
/// T holds: nlohmann converts 20.5 to 20, 1e20 to an undefined value and
/// -5 to 2^64 - 5 for unsigned settings, all silently.
template <typename T>
void checkInteger(const json &v, const std::string &origin, const char *key) {
  if (!v.is_number_integer())
    throw Error(origin + ": '" + key + "' must be an integer");
  bool fits = v.is_number_unsigned() || v.get<int64_t>() >= 0
                  ? v.get<uint64_t>() <=
                        static_cast<uint64_t>(std::numeric_limits<T>::max())
                  : std::is_signed_v<T> &&
                        v.get<int64_t>() >=
                            static_cast<int64_t>(std::numeric_limits<T>::min());
  if (!fits)
    throw Error(origin + ": '" + key + "' is out of range (" +
                std::to_string(std::numeric_limits<T>::min()) + " to " +
                std::to_string(std::numeric_limits<T>::max()) + ")");
}
} // namespace

TrainConfig configFromJson(const std::string &text, const std::string &origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception &e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object())
    throw Error(origin + ": expected a JSON object");
  TrainConfig c;
  std::vector<std::string> known;
  visitConfig(c, [&](const char *key, auto &value) {
    known.push_back(key);
    if (!j.contains(key))
      return;
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
      checkInteger<T>(j.at(key), origin, key);
    try {
      j.at(key).get_to(value);
    } catch (const json::exception &) {
      throw Error(origin + ": '" + key + "' has the wrong type");
    }
  });
  for (auto &[key, value] : j.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw Error(origin + ": unknown setting '" + key + "'");
  return c;
}

namespace {
bool isEstimator(const std::string &e) {
  return e == "ade" || e == "ade-detached" || e == "nf" || e == "cd" ||
         e == "pcd" || e == "sm";
}
} // namespace

void validateConfig(const TrainConfig &c) {
  auto positive = [](const char *name, int64_t v) {
    if (v <= 0)
      throw Error(std::string("--") + name + " must be positive (got " +
                  std::to_string(v) + ")");
  };
  positive("iters", c.iterations);
  positive("batch", c.batch);
  positive("eval-every", c.evalEvery);
  positive("log-every", c.logEvery);
  if (c.evalSamples < 2)
    throw Error("--eval-samples must be at least 2");
  if (c.samplerSteps < 0)
    throw Error("--sampler-steps must not be negative");
  if (!isEstimator(c.estimator))
    throw Error("unknown estimator '" + c.estimator +
                "' (one of: ade, ade-detached, nf, cd, pcd, sm)");
  if (!(c.learningRate > 0 && std::isfinite(c.learningRate)) ||
      !(c.samplerLearningRate > 0 && std::isfinite(c.samplerLearningRate)))
    throw Error("learning rates must be positive and finite");
  if (c.threads < 0 || c.threads > kMaxThreads)
    throw Error("--threads must be in [0, " + std::to_string(kMaxThreads) +
                "] (0: all cores; got " + std::to_string(c.threads) + ")");
  if (!(c.ema >= 0 && c.ema < 1))
    throw Error("--ema must be in [0, 1) (0: no averaging)");
  if (!(c.dataNoise >= 0 && std::isfinite(c.dataNoise)))
    throw Error("--data-noise must be a finite sigma >= 0 (0: no noise)");
  if (c.device != "cpu" && c.device != "cuda")
    throw Error("unknown device '" + c.device + "' (one of: cpu, cuda)");
  if (c.lrDecay != "none" && c.lrDecay != "linear" && c.lrDecay != "cosine")
    throw Error("unknown learning-rate decay '" + c.lrDecay +
                "' (one of: none, linear, cosine)");
  for (double beta : {c.beta1, c.beta2, c.samplerBeta1, c.samplerBeta2})
    if (!(beta >= 0 && beta < 1))
      throw Error("Adam's betas must be in [0, 1)");
  if (c.data.empty())
    throw Error("no data: give --data NAME (one of the built-in sets) or "
                "--data FILE (CSV, NPY or IDX)");
  if (c.maxRecoveries < 0)
    throw Error("--max-recoveries must not be negative");
  if (!std::isfinite(c.entropyWeight) || !std::isfinite(c.kineticWeight) ||
      !std::isfinite(c.momentumWeight))
    throw Error("--entropy-weight, --kinetic-weight and --momentum-weight "
                "must be finite");
  if (!(c.energyPenalty >= 0 && std::isfinite(c.energyPenalty)))
    throw Error("--energy-penalty must be finite and not negative");
  if (c.energyPenalty > 0 && c.estimator == "sm")
    throw Error("--energy-penalty applies to the estimators with samples in "
                "the model step, not to sm");
  // Buffers of batch x dimension values are allocated per step.
  if (c.batch > (int64_t(1) << 24) || c.evalSamples > kMaxEvalSamples)
    throw Error("--batch (at most 2^24) or --eval-samples (at most 2^20) is "
                "too large");
}

//===----------------------------------------------------------------------===//
// Pieces of a run
//===----------------------------------------------------------------------===//

namespace {

/// RNG streams of a run: drawing more from one never shifts another.
enum Stream : uint64_t {
  ParamStream = 0,
  DataStream = 1,
  NoiseStream = 2,
  EvalStream = 3,
  ReferenceStream = 4,
  // `aderun eval` and the final evaluation: independent of training's.
  FinalEvalStream = 5,
  FinalReferenceStream = 6,
  // `aderun eval --data`: independent draws from a large pool.
  PoolStream = 7,
  // `aderun eval --start`/`--chain`: the data that start the chains.
  StartStream = 8
};

/// Where the Debian package dataset-fashion-mnist puts the training images.
constexpr const char *kFashionMnist =
    "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

/// Batches of training data: a built-in generator, or rows of a file drawn
/// uniformly with replacement (`fashion-mnist` names the Debian package's).
class DataSource {
public:
  /// `dimension` 0 takes the data's own.
  DataSource(const std::string &spec, int64_t dimension, bool dequantize,
             double noise = 0)
      : spec(spec), dequantize(dequantize), noise(noise) {
    if (isDataset(spec)) {
      if (dequantize)
        throw Error("--dequantize is for pixel data (levels k/255 in [0, 1], "
                    "as IDX files hold), not for data set '" +
                    spec + "'");
      if (dimension != 0 && dimension != kDatasetDimension)
        throw Error("data set '" + spec +
                    "' is 2-D but the model's data have " +
                    std::to_string(dimension) + " values");
      return;
    }
    std::string path = spec == "fashion-mnist" ? kFashionMnist : spec;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      if (spec == "fashion-mnist")
        throw Error("Fashion-MNIST is not installed (" + path +
                    "): install the Debian package dataset-fashion-mnist");
      if (spec.find_first_of("/.") != std::string::npos)
        throw Error("data file '" + spec + "' does not exist");
      // Not a file either: the data set error lists the names.
      Rng unused(0);
      sampleDataset(spec, 1, unused);
    }
    file = std::make_unique<Matrix>(readDataFile(path));
    if (file->rows == 0)
      throw Error("data file '" + path + "' has no rows");
    if (dimension != 0 && file->cols != dimension)
      throw Error("data file '" + path + "' has " + std::to_string(file->cols) +
                  (file->cols == 1 ? " column" : " columns") +
                  " but the model's data have " + std::to_string(dimension) +
                  " values");
    if (dequantize)
      checkPixelLevels(path);
  }

  int64_t dimension() const { return file ? file->cols : kDatasetDimension; }
  bool generated() const { return !file; }
  /// A file's rows (null for a generator), and how trainingBatch changes
  /// them.
  const Matrix *rows() const { return file.get(); }
  bool dequantizes() const { return dequantize; }
  double addedNoise() const { return noise; }

  std::vector<double> draw(int64_t n, Rng &rng) const {
    if (!file)
      return sampleDataset(spec, n, rng);
    int64_t d = file->cols;
    std::vector<double> out(n * d);
    for (int64_t i = 0; i < n; ++i) {
      uint64_t row = rng.below(file->rows);
      std::copy_n(&file->values[row * d], d, &out[i * d]);
    }
    // Pixel levels k / 255 become (k + u) / 256, u ~ U[0, 1): a density
    // on [0, 1) instead of point masses.
    if (dequantize)
      for (double &x : out)
        x = (std::round(x * 255) + rng.uniform()) / 256;
    return out;
  }

  /// A training batch: `draw`, then N(0, noise^2) added to every value.
  std::vector<double> trainingBatch(int64_t n, Rng &rng) const {
    std::vector<double> out = draw(n, rng);
    if (noise > 0)
      for (double &x : out)
        x += noise * rng.normal();
    return out;
  }

private:
  /// --dequantize spreads pixel levels k/255 over their bins: other values
  /// would silently move to the nearest level. Levels written with a few
  /// decimals (0.996078 is 253.9999 levels) are within a hundredth of one.
  void checkPixelLevels(const std::string &path) const {
    for (size_t i = 0; i < file->values.size(); ++i) {
      double x = file->values[i], level = std::round(x * 255);
      if (x >= 0 && x <= 1 && std::abs(x * 255 - level) <= 1e-2)
        continue;
      char value[32];
      std::snprintf(value, sizeof value, "%.9g", x);
      throw Error("--dequantize is for pixel data (levels k/255 in [0, 1], as "
                  "IDX files hold), but '" +
                  path + "' has " + value + " at row " +
                  std::to_string(i / file->cols + 1) + ", column " +
                  std::to_string(i % file->cols + 1));
    }
  }

  std::string spec;
  bool dequantize;
  double noise;
  std::unique_ptr<Matrix> file;
};

/// The betas of the model's or the sampler's Adam.
std::pair<double, double> adamBetas(const TrainConfig &c, bool samplerSide) {
  return samplerSide ? std::pair(c.samplerBeta1, c.samplerBeta2)
                     : std::pair(c.beta1, c.beta2);
}

/// A step of the model's or the sampler's Adam (with its betas).
void stepAdam(Adam &adam, std::vector<double> &params,
              const std::vector<double> &grad, double lr, const TrainConfig &c,
              bool samplerSide) {
  auto [beta1, beta2] = adamBetas(c, samplerSide);
  adam.step(params, grad, lr, beta1, beta2, c.adamClip);
}

/// One logged row of the training history.
struct LogRow {
  int64_t iteration;
  double objective, dataEnergy, sampleEnergy, logQ, mmd;
  double seconds;
  double modelGradNorm, samplerGradNorm; // means of |gradient| per step
  /// |eps| over the sampler's step sizes (NaN without any): mean, min, max.
  double stepMean, stepMin, stepMax;
  /// Batch means of the sampler's reported statistics (ade_sampler_info's
  /// stat_names), averaged over the iterations of the row.
  std::vector<double> stats;
};

/// Everything that changes during training (the checkpoint).
struct RunState {
  int64_t iteration = 0;
  std::vector<double> modelParams, samplerParams;
  Adam modelAdam, samplerAdam;
  std::vector<double> chains; // pcd's persistent particles
  /// --ema's averages of modelParams and samplerParams (empty when off).
  std::vector<double> modelEma, samplerEma;
  /// Sums of the quantities logged, since the last log row.
  struct {
    double objective = 0, dataEnergy = 0, sampleEnergy = 0, logQ = 0,
           modelGradNorm = 0, samplerGradNorm = 0;
    int64_t count = 0;
    std::vector<double> stats; // empty until the first iteration adds
  } sums;
  RngState data, noise, eval;
  std::vector<LogRow> history;
  double learningRateScale = 1; // halved at each recovery
  int32_t recoveries = 0;
};

bool allFinite(const std::vector<double> &v) {
  return std::all_of(v.begin(), v.end(),
                     [](double x) { return std::isfinite(x); });
}

double mean(const std::vector<double> &v) {
  double s = 0;
  for (double x : v)
    s += x;
  return v.empty() ? 0 : s / double(v.size());
}

//===----------------------------------------------------------------------===//
// Checkpoints: "ADECKPT2", a JSON header's length (8 bytes, little endian),
// the header, the vectors it lists (`sizes`: model parameters, sampler
// parameters, Adam's moments, pcd's chains, --ema's averages of the model's
// and the sampler's parameters) as raw little-endian doubles, then the
// checksum of all that (8 bytes; see checkpointChecksum). "ADECKPT1" files,
// written before the checksum, are read without it.
//===----------------------------------------------------------------------===//

constexpr char kCheckpointMagic[8] = {'A', 'D', 'E', 'C', 'K', 'P', 'T', '2'};
constexpr char kUncheckedCheckpointMagic[8] = {'A', 'D', 'E', 'C',
                                               'K', 'P', 'T', '1'};

/// FNV-1a over little-endian 64-bit words (the last one zero-padded), with
/// the high half folded into the low one after each multiplication (which
/// alone carries changes upwards only: two flipped sign bits cancelled).
/// Each step is a bijection of the hash, so any change within one word
/// changes the result; changes in several words almost always do.
uint64_t checkpointChecksum(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, std::min<size_t>(8, bytes.size() - i));
    hash = (hash ^ word) * 0x100000001b3ULL;
    hash ^= hash >> 32;
  }
  return hash;
}

json rngJson(const RngState &s) { return json{{"words", s.words}}; }

RngState rngFromJson(const json &j) {
  RngState s;
  s.words = j.at("words").get<std::array<uint64_t, 4>>();
  return s;
}

/// Where each named parameter sits in a flat buffer, for readers of a
/// checkpoint without the model library.
json layoutJson(const ade_param_info *params, int32_t count) {
  json layout = json::array();
  for (int32_t i = 0; i < count; ++i)
    layout.push_back(
        {{"name", params[i].name},
         {"offset", params[i].offset},
         {"shape", std::vector<int64_t>(params[i].shape,
                                        params[i].shape + params[i].rank)}});
  return layout;
}

void writeCheckpoint(const std::string &path, const RunState &s,
                     const ade_model_info &model,
                     const ade_sampler_info &sampler) {
  std::vector<const std::vector<double> *> vectors = {
      &s.modelParams, &s.samplerParams, &s.modelAdam.m,
      &s.modelAdam.v, &s.samplerAdam.m, &s.samplerAdam.v,
      &s.chains,      &s.modelEma,      &s.samplerEma};
  json history = json::array();
  for (const LogRow &r : s.history) {
    json row = {r.iteration,    r.objective,     r.dataEnergy,
                r.sampleEnergy, r.logQ,          r.mmd,
                r.seconds,      r.modelGradNorm, r.samplerGradNorm,
                r.stepMean,     r.stepMin,       r.stepMax};
    for (double v : r.stats)
      row.push_back(v);
    history.push_back(row);
  }
  json header = {
      {"model", model.name},
      {"sampler", sampler.name},
      {"model_params", layoutJson(model.params, model.num_params)},
      {"sampler_params", layoutJson(sampler.params, sampler.num_params)},
      {"iteration", s.iteration},
      {"model_adam_steps", s.modelAdam.steps},
      {"sampler_adam_steps", s.samplerAdam.steps},
      {"rng_data", rngJson(s.data)},
      {"rng_noise", rngJson(s.noise)},
      {"rng_eval", rngJson(s.eval)},
      {"lr_scale", s.learningRateScale},
      {"recoveries", s.recoveries},
      {"sums",
       {s.sums.objective, s.sums.dataEnergy, s.sums.sampleEnergy, s.sums.logQ,
        s.sums.modelGradNorm, s.sums.samplerGradNorm, s.sums.count}},
      {"stat_sums", s.sums.stats},
      {"sizes", json::array()},
      {"history", history}};
  for (auto *v : vectors)
    header["sizes"].push_back(v->size());
  // NaN does not survive JSON: histories store it as null.
  std::string text = header.dump();
  std::string bytes(kCheckpointMagic, 8);
  uint64_t length = text.size();
  bytes.append(reinterpret_cast<const char *>(&length), 8);
  bytes += text;
  for (auto *v : vectors)
    bytes.append(reinterpret_cast<const char *>(v->data()),
                 v->size() * sizeof(double));
  uint64_t checksum = checkpointChecksum(bytes);
  bytes.append(reinterpret_cast<const char *>(&checksum), 8);
  writeFileAtomically(path, bytes);
}

double jsonNumber(const json &j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN()
                     : j.get<double>();
}

/// A checkpoint's header and vectors, checked for structure.
struct CheckpointContents {
  json header;
  std::vector<std::vector<double>> vectors;
};

CheckpointContents readCheckpointFile(const std::string &path) {
  // One read of the whole file (a character iterator took 0.2 s for the
  // 784-d example's 20 MB).
  std::error_code size_error;
  uintmax_t size = std::filesystem::file_size(path, size_error);
  if (size_error)
    throw Error("cannot read checkpoint '" + path +
                "': " + size_error.message());
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size_t(size), '\0');
  if (!in || !in.read(bytes.data(), std::streamsize(bytes.size())))
    throw Error("cannot read checkpoint '" + path +
                "': " + std::strerror(errno));
  auto corrupt = [&](std::string why) {
    // JSON parse errors quote the damaged bytes.
    for (char &c : why)
      if (static_cast<unsigned char>(c) < 0x20 ||
          static_cast<unsigned char>(c) >= 0x7f)
        c = '?';
    return Error("checkpoint '" + path + "' is corrupt (" + why +
                 "); restore a good copy, or train the run again without "
                 "--resume");
  };
  bool checked =
      bytes.size() >= 8 && std::memcmp(bytes.data(), kCheckpointMagic, 8) == 0;
  if (!checked && (bytes.size() < 8 ||
                   std::memcmp(bytes.data(), kUncheckedCheckpointMagic, 8)))
    throw corrupt("not an ADE checkpoint");
  if (bytes.size() < (checked ? 24u : 16u))
    throw corrupt("truncated header");
  // Checked after the structure, which names what a truncation cut.
  uint64_t stored = 0;
  if (checked) {
    std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
    bytes.resize(bytes.size() - 8);
  }
  uint64_t length;
  std::memcpy(&length, bytes.data() + 8, 8);
  if (length > bytes.size() - 16)
    throw corrupt("truncated header");
  CheckpointContents c;
  size_t offset = 16 + length;
  try {
    c.header = json::parse(bytes.substr(16, length));
    for (int64_t size : c.header.at("sizes").get<std::vector<int64_t>>()) {
      if (size < 0 || uint64_t(size) > (bytes.size() - offset) / sizeof(double))
        throw corrupt("truncated data");
      std::vector<double> &v = c.vectors.emplace_back(size);
      if (size > 0)
        std::memcpy(v.data(), bytes.data() + offset, size * sizeof(double));
      offset += size * sizeof(double);
    }
  } catch (const json::exception &e) {
    throw corrupt(e.what());
  }
  if (offset != bytes.size())
    throw corrupt("trailing bytes");
  if (checked && checkpointChecksum(bytes) != stored)
    throw corrupt("its checksum does not match: the file was changed after "
                  "it was written");
  return c;
}

/// Training never saves non-finite parameters (it recovers first).
void checkFiniteParameters(const std::string &path,
                           const std::vector<double> &values) {
  if (!std::all_of(values.begin(), values.end(),
                   [](double v) { return std::isfinite(v); }))
    throw Error("checkpoint '" + path +
                "' holds parameters that are NaN or infinite: it is "
                "damaged; restore a good copy, or train the run again "
                "without --resume");
}

Error mismatch(const std::string &path) {
  return Error("checkpoint '" + path +
               "' does not match the model library (its parameters "
               "differ): was the model recompiled after a change?");
}

RunState readCheckpoint(const std::string &path, const ade_model_info &model,
                        const ade_sampler_info &sampler, int64_t chainsSize) {
  CheckpointContents c = readCheckpointFile(path);
  if (c.vectors.size() == 7) // written before --ema: no averages
    c.vectors.resize(9);
  std::string modelName = c.header.value("model", ""),
              samplerName = c.header.value("sampler", "");
  if (modelName != model.name || samplerName != sampler.name)
    throw Error("checkpoint '" + path + "' is of model '" + modelName +
                "' with sampler '" + samplerName + "', not '" + model.name +
                "' with '" + sampler.name + "'");
  if (c.header.value("model_params", json()) !=
          layoutJson(model.params, model.num_params) ||
      c.header.value("sampler_params", json()) !=
          layoutJson(sampler.params, sampler.num_params))
    throw mismatch(path);
  int64_t modelSize = model.params_size, samplerSize = sampler.params_size;
  std::vector<int64_t> expected = {modelSize, samplerSize, modelSize,
                                   modelSize, samplerSize, samplerSize};
  std::vector<int64_t> sizes;
  for (const std::vector<double> &v : c.vectors)
    sizes.push_back(int64_t(v.size()));
  if (sizes.size() != 9 ||
      !std::equal(expected.begin(), expected.end(), sizes.begin()) ||
      (sizes[7] != 0 && sizes[7] != modelSize) ||
      (sizes[8] != 0 && sizes[8] != samplerSize))
    throw mismatch(path);
  if (sizes[6] != chainsSize)
    throw Error("checkpoint '" + path + "' holds " + std::to_string(sizes[6]) +
                " values of persistent chains, "
                "this run needs " +
                std::to_string(chainsSize) +
                " (were --estimator or --batch changed?)");
  // The model's and the sampler's parameters and their averages.
  for (size_t i : {0, 1, 7, 8})
    checkFiniteParameters(path, c.vectors[i]);
  RunState s;
  try {
    const json &h = c.header;
    s.iteration = h.at("iteration").get<int64_t>();
    s.modelAdam.steps = h.at("model_adam_steps").get<int64_t>();
    s.samplerAdam.steps = h.at("sampler_adam_steps").get<int64_t>();
    s.data = rngFromJson(h.at("rng_data"));
    s.noise = rngFromJson(h.at("rng_noise"));
    s.eval = rngFromJson(h.at("rng_eval"));
    s.learningRateScale = h.at("lr_scale").get<double>();
    s.recoveries = h.at("recoveries").get<int32_t>();
    const json &sums = h.at("sums");
    s.sums.objective = jsonNumber(sums.at(0));
    s.sums.dataEnergy = jsonNumber(sums.at(1));
    s.sums.sampleEnergy = jsonNumber(sums.at(2));
    s.sums.logQ = jsonNumber(sums.at(3));
    s.sums.modelGradNorm = jsonNumber(sums.at(4));
    s.sums.samplerGradNorm = jsonNumber(sums.at(5));
    s.sums.count = sums.at(6).get<int64_t>();
    // Checkpoints from before the reported statistics have none.
    if (h.contains("stat_sums"))
      for (const json &v : h.at("stat_sums"))
        s.sums.stats.push_back(jsonNumber(v));
    // Rows of checkpoints from before the step-size statistics have 9.
    auto field = [](const json &r, size_t i) {
      return i < r.size() ? jsonNumber(r.at(i))
                          : std::numeric_limits<double>::quiet_NaN();
    };
    for (const json &r : h.at("history")) {
      s.history.push_back({r.at(0).get<int64_t>(), field(r, 1), field(r, 2),
                           field(r, 3), field(r, 4), field(r, 5), field(r, 6),
                           field(r, 7), field(r, 8), field(r, 9), field(r, 10),
                           field(r, 11)});
      for (int32_t i = 0; i < sampler.num_stats; ++i)
        s.history.back().stats.push_back(field(r, 12 + i));
    }
  } catch (const json::exception &e) {
    throw Error(
        "checkpoint '" + path + "' is corrupt (" + e.what() +
        "); restore a good copy, or train the run again without --resume");
  }
  std::vector<std::vector<double> *> vectors = {
      &s.modelParams, &s.samplerParams, &s.modelAdam.m,
      &s.modelAdam.v, &s.samplerAdam.m, &s.samplerAdam.v,
      &s.chains,      &s.modelEma,      &s.samplerEma};
  for (size_t i = 0; i < vectors.size(); ++i)
    *vectors[i] = std::move(c.vectors[i]);
  return s;
}

std::string joinPath(const std::string &dir, const std::string &name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

void makeDirectory(const std::string &dir) {
  std::string partial;
  std::stringstream parts(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/')
    partial = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty())
      continue;
    partial += part + "/";
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      throw Error("cannot create directory '" + partial +
                  "': " + std::strerror(errno));
  }
}

std::string readText(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw Error("cannot read '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

//===----------------------------------------------------------------------===//
// The model and sampler of a run, with the entries the estimators call
//===----------------------------------------------------------------------===//

/// A sampler batch and what the gradients need of it.
struct SamplerBatch {
  int64_t size = 0;
  /// Drawn in the entries' element type: converting 5 million normals per
  /// iteration (784-d) cost 3% of it.
  TypedBuffer noise{ADE_F64, 0};
  /// The noise is on the GPU instead (Session::Resident::noise).
  bool noiseOnDevice = false;
  /// Where x0 is on the GPU, when it is there (the training batch,
  /// Session::Resident::data, or pcd's chains): x0 itself is then empty.
  cuda::DevicePtr x0OnDevice = 0;
  std::vector<double> x0, x, v, logQ, kinetic;
  std::vector<double> stats; // size * num_stats, particle-major
  std::vector<double> f; // f at x
};

class Session {
public:
  explicit Session(const TrainConfig &c)
      : config(c), library(c.library), model(library.model(c.model)),
        sampler(library.sampler(c.sampler, model)),
        data(c.data, model.data_size, c.dequantize, c.dataNoise) {
    if (c.device == "cuda") {
      // A run resumed elsewhere keeps its device: say how to leave it.
      try {
        gpu = std::make_unique<GpuEntries>(library.info());
      } catch (const Error &e) {
        throw Error(std::string(e.what()) + " (--device cpu runs on the CPU)");
      }
    }
  }

  int64_t dimension() const { return model.data_size; }
  bool isDouble() const { return model.dtype == ADE_F64; }

  /// J's cotangents on the GPU for batches of `rows` particles (all but a
  /// returned momentum's are constant): zeros (of x), -kappa / n (of
  /// log q), -lambda / n (of K) and 1 / n (of f), followed by -1 / n: from
  /// `energy`, the weights of mean f(data) - mean f(samples) too.
  struct Cotangents {
    int64_t rows = 0;
    cuda::DevicePtr zeros, logQ, kinetic, energy;
  };

  /// Where the entries leave the batch's values on the GPU, to be fetched
  /// in one copy (DeviceParameters::fetchValues).
  struct BatchValues {
    cuda::DevicePtr logQ, kinetic, sampleEnergy, dataEnergy, stats;
  };

  /// Standard normal or uniform noise per the sampler's draws.
  TypedBuffer noise(int64_t n, Rng &rng) const {
    TypedBuffer out(model.dtype, n * sampler.noise_size);
    if (isDouble())
      fillNoise(static_cast<double *>(out.data()), n, rng);
    else
      fillNoise(static_cast<float *>(out.data()), n, rng);
    return out;
  }

  /// Uniform draws are [0, 1) in either type (Rng's float fill never
  /// rounds up to 1).
  template <typename T> void fillNoise(T *out, int64_t n, Rng &rng) const {
    for (int64_t b = 0; b < n; ++b)
      for (int32_t d = 0; d < sampler.num_draws; ++d) {
        const ade_draw_info &draw = sampler.draws[d];
        T *p = &out[b * sampler.noise_size + draw.offset];
        if (draw.noise == ADE_NOISE_UNIFORM)
          rng.fillUniform(p, draw.size);
        else
          rng.fillNormal(p, draw.size);
      }
  }

  /// The inputs of n particles: their noise, and x0 (the data batch) for
  /// samplers that take one. Enough for objectiveVjp, which runs the
  /// sampler itself.
  SamplerBatch draw(int64_t n, Rng &rng, const std::vector<double> &x0) const {
    SamplerBatch out;
    out.size = n;
    out.noise = noise(n, rng);
    out.x0 = x0;
    return out;
  }

  /// Draws and runs n particles, with f at the samples when `withEnergy`.
  SamplerBatch sample(const RunState &s, int64_t n, Rng &rng,
                      const std::vector<double> &x0,
                      bool withEnergy = false) const {
    return sample(s, draw(n, rng, x0), withEnergy);
  }

  /// Runs a drawn batch.
  SamplerBatch sample(const RunState &s, SamplerBatch out,
                      bool withEnergy = false) const {
    int64_t n = out.size;
    const std::vector<double> &x0 = out.x0;
    int32_t t = model.dtype;
    int64_t d = model.data_size;
    // While resident, the samples and the batch's values stay on the GPU
    // (Resident::samples, Resident::values).
    size_t rows = resident ? 0 : size_t(n);
    TypedBuffer pm = parameters(s.modelParams),
                ps = parameters(s.samplerParams),
                x0b(t,
                    sampler.takes_initial_state && !out.x0OnDevice ? n * d : 0),
                x(t, rows * d), v(t, n * d), lq(t, rows), k(t, rows),
                st(t, rows * sampler.num_stats);
    if (x0b.size())
      x0b.assign(x0);
    if (!onGpu(sampler.name, "sample",
               {modelParams(pm),
                samplerParams(ps),
                noiseArgument(out),
                initialStateArgument(out, x0b),
                samplesOutput(x),
                {returnedMomentum(v), true},
                valuesOutput(&lq, &BatchValues::logQ),
                valuesOutput(&k, &BatchValues::kinetic),
                valuesOutput(stats(st), &BatchValues::stats)},
               n))
      checkStatus(sampler.sample(pm.data(), ps.data(), out.noise.data(),
                                 x0b.data(), x.data(), v.data(), lq.data(),
                                 k.data(), st.data(), n, config.threads),
                  "sample");
    st.valuesInto(out.stats);
    x.valuesInto(out.x);
    v.valuesInto(out.v);
    lq.valuesInto(out.logQ);
    k.valuesInto(out.kinetic);
    if (withEnergy)
      out.f = resident ? energy(s.modelParams, {}, n, resident->samples,
                                &BatchValues::sampleEnergy)
                       : energy(s.modelParams, out.x);
    return out;
  }

  /// f at the rows of `x`, or (resident) at n rows of the GPU's `onDevice`,
  /// there left in Resident::values' `into` (and returned empty).
  std::vector<double>
  energy(const std::vector<double> &params, const std::vector<double> &x,
         int64_t n = -1, cuda::DevicePtr onDevice = 0,
         cuda::DevicePtr BatchValues::*into = nullptr) const {
    if (!onDevice)
      n = int64_t(x.size()) / model.data_size;
    int32_t t = model.dtype;
    bool fOnDevice = into && resident;
    TypedBuffer pm = parameters(params), xb(t, x.size()),
                fb(t, fOnDevice ? 0 : n);
    xb.assign(x);
    GpuEntries::Arg f =
        fOnDevice ? valuesOutput(&fb, into) : GpuEntries::Arg{&fb, true};
    if (!onGpu(model.name, "energy",
               {modelParams(pm), rowsArgument(xb, onDevice), f}, n))
      checkStatus(
          model.energy(pm.data(), xb.data(), fb.data(), n, config.threads),
          "energy");
    return fb.values();
  }

  /// sum_b w[b] grad_theta f(x[b]) (resident: in resident->modelGrad), x
  /// the rows of `x` or (resident) the GPU's `onDevice`, and w there too
  /// where `wOnDevice` holds w's values.
  std::vector<double> energyVjp(const RunState &s, const std::vector<double> &x,
                                const std::vector<double> &w,
                                cuda::DevicePtr onDevice = 0,
                                cuda::DevicePtr wOnDevice = 0) const {
    if (model.params_size == 0)
      return {}; // nothing to differentiate
    int32_t t = model.dtype;
    TypedBuffer pm = parameters(s.modelParams), xb(t, x.size()),
                wb(t, wOnDevice ? 0 : w.size()),
                g = gradient(s.modelParams.size());
    xb.assign(x);
    if (!wOnDevice)
      wb.assign(w);
    int64_t n = int64_t(w.size());
    if (!onGpu(model.name, "energy_vjp",
               {modelParams(pm), rowsArgument(xb, onDevice),
                rowsArgument(wb, wOnDevice),
                gradientOutput(g, &Resident::modelGrad)},
               n))
      checkStatus(model.energy_vjp(pm.data(), xb.data(), wb.data(), g.data(), n,
                                   config.threads),
                  "energy_vjp");
    return g.values();
  }

  /// The gradient in the model's parameters (`samplerSide` false) or in the
  /// sampler's of J = mean [f(x) - lambda K - lambda_v |v|^2/2 -
  /// kappa log q], K the kinetic energy of the dropped momenta, v a returned
  /// momentum: one sample_vjp (or sampler_vjp, half the work) call, which
  /// runs the sampler and f itself. Only a returned momentum's cotangent
  /// needs the batch run (b.v) beforehand. The model side also fills in the
  /// batch's values (sample_vjp returns them). Resident: the gradient is in
  /// resident->samplerGrad or ->sampledModelGrad.
  std::vector<double> objectiveVjp(const RunState &s, SamplerBatch &b,
                                   bool samplerSide) const {
    if (samplerSide && sampler.params_size == 0)
      return {}; // nothing to differentiate
    int64_t n = b.size, d = model.data_size;
    int32_t t = model.dtype;
    TypedBuffer pm = parameters(s.modelParams),
                ps = parameters(s.samplerParams), x0b(t, b.x0.size()),
                gs = gradient(s.samplerParams.size());
    x0b.assign(b.x0);
    // J's cotangents: constant but for a returned momentum's; those of a
    // resident batch are on the GPU already.
    const Cotangents *constant = resident && resident->cotangents.rows == n
                                     ? &resident->cotangents
                                     : nullptr;
    double inv = 1.0 / double(n);
    size_t rows = constant ? 0 : size_t(n);
    TypedBuffer bx(t, rows * d), bq(t, rows), bk(t, rows), bf(t, rows),
        bv(t, sampler.returns_momentum ? n * d : rows * d);
    if (!constant) {
      bx.assign(std::vector<double>(n * d, 0.0));
      bq.assign(std::vector<double>(n, -config.entropyWeight * inv));
      bk.assign(std::vector<double>(n, -config.kineticWeight * inv));
      bf.assign(std::vector<double>(n, inv));
    }
    std::vector<double> cv(bv.size(), 0.0);
    if (sampler.returns_momentum)
      for (int64_t i = 0; i < n * d; ++i)
        cv[i] = -config.momentumWeight * b.v[i] * inv;
    bv.assign(cv);
    auto cotangent = [&](TypedBuffer &host, cuda::DevicePtr Cotangents::*on) {
      return constant ? GpuEntries::Arg{nullptr, false, constant->*on}
                      : GpuEntries::Arg{&host};
    };
    // The kernels' arguments: the inputs of both VJPs, then their outputs.
    std::vector<GpuEntries::Arg> args = {modelParams(pm),
                                         samplerParams(ps),
                                         noiseArgument(b),
                                         initialStateArgument(b, x0b),
                                         cotangent(bx, &Cotangents::zeros),
                                         {returnedMomentum(bv)},
                                         cotangent(bq, &Cotangents::logQ),
                                         cotangent(bk, &Cotangents::kinetic),
                                         cotangent(bf, &Cotangents::energy)};
    if (samplerSide) {
      args.push_back(gradientOutput(gs, &Resident::samplerGrad));
      if (!onGpu(sampler.name, "sampler_vjp", args, n))
        checkStatus(sampler.sampler_vjp(pm.data(), ps.data(), b.noise.data(),
                                        x0b.data(), bx.data(), bv.data(),
                                        bq.data(), bk.data(), bf.data(),
                                        gs.data(), n, config.threads),
                    "sampler_vjp");
      return gs.values();
    }
    size_t outRows = resident ? 0 : size_t(n);
    TypedBuffer x(t, outRows * d), v(t, n * d), lq(t, outRows), k(t, outRows),
        st(t, outRows * sampler.num_stats), f(t, outRows),
        gm = gradient(s.modelParams.size());
    GpuEntries::Arg none{nullptr};
    args.insert(
        args.end(),
        {samplesOutput(x),
         {returnedMomentum(v), true},
         valuesOutput(&lq, &BatchValues::logQ),
         valuesOutput(&k, &BatchValues::kinetic),
         valuesOutput(stats(st), &BatchValues::stats),
         valuesOutput(&f, &BatchValues::sampleEnergy),
         model.params_size ? gradientOutput(gm, &Resident::sampledModelGrad)
                           : none,
         sampler.params_size ? gradientOutput(gs, &Resident::samplerGrad)
                             : none});
    if (!onGpu(sampler.name, "sample_vjp", args, n))
      checkStatus(sampler.sample_vjp(
                      pm.data(), ps.data(), b.noise.data(), x0b.data(),
                      bx.data(), bv.data(), bq.data(), bk.data(), bf.data(),
                      x.data(), v.data(), lq.data(), k.data(), st.data(),
                      f.data(), gm.data(), gs.data(), n, config.threads),
                  "sample_vjp");
    x.valuesInto(b.x);
    v.valuesInto(b.v);
    lq.valuesInto(b.logQ);
    k.valuesInto(b.kinetic);
    st.valuesInto(b.stats);
    f.valuesInto(b.f);
    return gm.values();
  }

  /// A standard-normal probe per particle when the model's score matching
  /// takes one (Hutchinson), else nothing.
  std::vector<double> probe(int64_t n, Rng &rng) const {
    std::vector<double> e;
    if (model.score_matching_probe) {
      e.resize(n * model.data_size);
      rng.fillNormal(e.data(), e.size());
    }
    return e;
  }

  /// The score-matching loss per particle, and sum_b w[b] of its gradient
  /// in the model's parameters (resident: in resident->modelGrad), at the
  /// rows of `x` or (resident) the GPU's `onDevice`.
  std::pair<std::vector<double>, std::vector<double>>
  scoreMatching(const RunState &s, const std::vector<double> &x,
                const std::vector<double> &probe, const std::vector<double> &w,
                cuda::DevicePtr onDevice = 0) const {
    int64_t n = int64_t(w.size());
    int32_t t = model.dtype;
    TypedBuffer pm = parameters(s.modelParams), xb(t, x.size()),
                eb(t, probe.size()), wb(t, n), loss(t, n),
                g = gradient(s.modelParams.size());
    xb.assign(x);
    eb.assign(probe);
    wb.assign(w);
    TypedBuffer *probeArg = model.score_matching_probe ? &eb : nullptr;
    if (!onGpu(model.name, "score_matching",
               {modelParams(pm),
                rowsArgument(xb, onDevice),
                {probeArg},
                {&loss, true}},
               n))
      checkStatus(model.score_matching(pm.data(), xb.data(), eb.data(),
                                       loss.data(), n, config.threads),
                  "score_matching");
    if (model.params_size > 0 &&
        !onGpu(model.name, "score_matching_vjp",
               {modelParams(pm),
                rowsArgument(xb, onDevice),
                {probeArg},
                {&wb},
                gradientOutput(g, &Resident::modelGrad)},
               n))
      checkStatus(model.score_matching_vjp(pm.data(), xb.data(), eb.data(),
                                           wb.data(), g.data(), n,
                                           config.threads),
                  "score_matching_vjp");
    return {loss.values(), g.values()};
  }

  /// mean [f(x) - lambda K - lambda_v |v|^2 / 2 - kappa log q] of a batch.
  double samplerObjective(const SamplerBatch &b) const {
    double sum = 0;
    int64_t n = int64_t(b.logQ.size()), d = model.data_size;
    for (int64_t i = 0; i < n; ++i) {
      double returned = 0;
      if (sampler.returns_momentum)
        for (int64_t j = 0; j < d; ++j)
          returned += 0.5 * b.v[i * d + j] * b.v[i * d + j];
      sum += b.f[i] - config.kineticWeight * b.kinetic[i] -
             config.momentumWeight * returned -
             config.entropyWeight * b.logQ[i];
    }
    return sum / double(n);
  }

  /// Device buffers of the parameters (in the entries' element type) and
  /// of the gradients the entries write, while train() keeps them on the
  /// GPU (DeviceParameters).
  struct Resident {
    cuda::DevicePtr modelParams, samplerParams;
    cuda::DevicePtr modelGrad;        // energy_vjp, score_matching_vjp
    cuda::DevicePtr sampledModelGrad; // sample_vjp's model side
    cuda::DevicePtr samplerGrad;      // sampler_vjp, sample_vjp's sampler side
    cuda::DevicePtr noise;            // of the batch run with noiseOnDevice
    /// Rows of particles in the entries' type: the training batch, sent
    /// or drawn there once per iteration, and right after it the samples,
    /// which stay on the GPU (energy_vjp reads both in one call).
    cuda::DevicePtr data, samples;
    Cotangents cotangents;
    BatchValues values;
  };
  /// Set while the entries take their parameters from the GPU and leave
  /// their gradients there: every entry then has a kernel.
  const Resident *resident = nullptr;

  /// The entries train() calls for the run's estimator that have no GPU
  /// kernel ("Owner.entry"); VJPs of a side without parameters are not
  /// called.
  std::vector<std::string> entriesOnCpu() const {
    bool scoreMatching = config.estimator == "sm";
    bool throughSampler = config.estimator == "ade" || config.estimator == "nf";
    bool samplerSteps = config.estimator != "cd" && config.estimator != "pcd" &&
                        config.samplerSteps > 0;
    bool modelGrads = model.params_size > 0;
    std::vector<std::pair<const char *, const char *>> called = {
        {model.name, "energy"}};
    if (scoreMatching) {
      called.push_back({model.name, "score_matching"});
      if (modelGrads)
        called.push_back({model.name, "score_matching_vjp"});
    } else if (modelGrads) {
      called.push_back({model.name, "energy_vjp"});
    }
    if (!throughSampler || sampler.returns_momentum)
      called.push_back({sampler.name, "sample"});
    if (throughSampler)
      called.push_back({sampler.name, "sample_vjp"});
    if (samplerSteps && sampler.params_size > 0)
      called.push_back({sampler.name, "sampler_vjp"});
    std::vector<std::string> missing;
    for (auto [owner, entry] : called)
      if (!gpu || !gpu->hasKernel(owner, entry))
        missing.push_back(std::string(owner) + "." + entry);
    return missing;
  }

  /// Runs an entry on the GPU; false (the caller runs it on the CPU) when
  /// there is none or it has no kernel.
  bool onGpu(const char *owner, const char *entry,
             const std::vector<GpuEntries::Arg> &args, int64_t n) const {
    if (!gpu)
      return false;
    if (gpu->run(owner, entry, args, n))
      return true;
    if (resident)
      throw Error(std::string("internal: ") + owner + "." + entry +
                  " has no GPU kernel but the parameters are on the GPU");
    return false;
  }

  /// The entries' copy of a parameter vector; empty while the parameters
  /// are on the GPU.
  TypedBuffer parameters(const std::vector<double> &values) const {
    TypedBuffer out(model.dtype, resident ? 0 : values.size());
    if (!resident)
      out.assign(values);
    return out;
  }
  TypedBuffer gradient(size_t size) const {
    return TypedBuffer(model.dtype, resident ? 0 : size);
  }
  GpuEntries::Arg modelParams(TypedBuffer &host) const {
    return resident ? GpuEntries::Arg{nullptr, false, resident->modelParams}
                    : GpuEntries::Arg{&host};
  }
  GpuEntries::Arg samplerParams(TypedBuffer &host) const {
    return resident ? GpuEntries::Arg{nullptr, false, resident->samplerParams}
                    : GpuEntries::Arg{&host};
  }
  GpuEntries::Arg noiseArgument(SamplerBatch &b) const {
    return b.noiseOnDevice ? GpuEntries::Arg{nullptr, false, resident->noise}
                           : GpuEntries::Arg{&b.noise};
  }
  GpuEntries::Arg gradientOutput(TypedBuffer &host,
                                 cuda::DevicePtr Resident::*buffer) const {
    return resident ? GpuEntries::Arg{nullptr, true, resident->*buffer}
                    : GpuEntries::Arg{&host, true};
  }

  /// Rows of particles: on the host (`host`), or the GPU's `onDevice`.
  static GpuEntries::Arg rowsArgument(TypedBuffer &host,
                                      cuda::DevicePtr onDevice) {
    return onDevice ? GpuEntries::Arg{nullptr, false, onDevice}
                    : GpuEntries::Arg{&host};
  }
  /// An output of the batch's values: `host`, or Resident::values' `on`
  /// while resident; none where the entry has no such output.
  GpuEntries::Arg valuesOutput(TypedBuffer *host,
                               cuda::DevicePtr BatchValues::*on) const {
    if (!host)
      return {nullptr};
    return resident ? GpuEntries::Arg{nullptr, true, resident->values.*on}
                    : GpuEntries::Arg{host, true};
  }
  /// The samples an entry writes: Resident::samples while resident.
  GpuEntries::Arg samplesOutput(TypedBuffer &host) const {
    return resident ? GpuEntries::Arg{nullptr, true, resident->samples}
                    : GpuEntries::Arg{&host, true};
  }
  GpuEntries::Arg initialStateArgument(const SamplerBatch &b,
                                       TypedBuffer &host) const {
    if (b.x0OnDevice && sampler.takes_initial_state)
      return {nullptr, false, b.x0OnDevice};
    return {initialState(host)};
  }

  /// The kernels' arguments for the sampler's optional buffers: null
  /// where the library's entries ignore them.
  TypedBuffer *initialState(TypedBuffer &b) const {
    return sampler.takes_initial_state ? &b : nullptr;
  }
  TypedBuffer *returnedMomentum(TypedBuffer &b) const {
    return sampler.returns_momentum ? &b : nullptr;
  }
  TypedBuffer *stats(TypedBuffer &b) const {
    return sampler.num_stats ? &b : nullptr;
  }

  const TrainConfig &config;
  ModelLibrary library;
  const ade_model_info &model;
  const ade_sampler_info &sampler;
  DataSource data;
  /// --device cuda: the entries' kernels (null: the CPU entries).
  std::unique_ptr<GpuEntries> gpu;
};

/// pcd keeps one persistent particle per batch row.
int64_t chainsSize(const TrainConfig &c, const ade_model_info &model) {
  return c.estimator == "pcd" ? c.batch * model.data_size : 0;
}

/// The parameters and Adam's moments of a run on the GPU (--device cuda,
/// where every entry has a kernel): f64 masters and moments as on the host,
/// the entries' copies, the gradients the entries write, and --ema's
/// averages, and pcd's chains. The runtime kernels update them in place; the
/// host's RunState is brought up to date (download) before it is
/// checkpointed, evaluated or logged, and sent back (upload) after a
/// restore.
class DeviceParameters {
public:
  /// `batch` particles per entry call.
  DeviceParameters(GpuEntries &gpu, const ade_model_info &model,
                   const ade_sampler_info &sampler, int64_t batch,
                   const TrainConfig &c)
      : gpu(gpu), dtype(model.dtype),
        model(makeSide(size_t(model.params_size))),
        sampler(makeSide(size_t(sampler.params_size))),
        sampledModelGrad(buffer(entryBytes(model.params_size))),
        hyperBytes(((1 + size_t(c.samplerSteps)) * kAdamValues + 4) *
                   sizeof(double)),
        valuesBytes(entryBytes(size_t(batch * (4 + sampler.num_stats)))),
        hyper(buffer(hyperBytes + valuesBytes)),
        rows(buffer(entryBytes(size_t(2 * batch * model.data_size)))),
        cotangents(buffer(entryBytes(size_t(batch * (model.data_size + 4))))),
        chains(buffer(entryBytes(size_t(chainsSize(c, model))))), batch(batch),
        numStats(sampler.num_stats),
        batchValues(size_t(batch * model.data_size)) {
    // The noise kernel's layout: the key (set per iteration), the values per
    // particle, then each value's kind (0 normal, 1 uniform).
    noiseLayout.assign(3 + sampler.noise_size, 0);
    noiseLayout[2] = int32_t(sampler.noise_size);
    for (int32_t d = 0; d < sampler.num_draws; ++d)
      for (int64_t k = 0; k < sampler.draws[d].size; ++k)
        noiseLayout[3 + sampler.draws[d].offset + k] =
            sampler.draws[d].noise == ADE_NOISE_UNIFORM;
    layout = buffer(noiseLayout.size() * sizeof(int32_t));
    gpu.gpu().upload(layout->get(), noiseLayout.data(),
                     noiseLayout.size() * sizeof(int32_t));
    resident.modelParams = this->model.entry->get();
    resident.samplerParams = this->sampler.entry->get();
    resident.modelGrad = this->model.grad->get();
    resident.sampledModelGrad = sampledModelGrad->get();
    resident.samplerGrad = this->sampler.grad->get();
    resident.data = rows->get();
    resident.samples = rows->get() + entryBytes(batchValues);
    // The constant cotangents, one after another.
    double inv = 1.0 / double(batch);
    std::vector<double> constants(batchValues, 0.0);
    Session::Cotangents &ct = resident.cotangents;
    ct.rows = batch;
    ct.zeros = cotangents->get();
    size_t at = batchValues;
    cuda::DevicePtr negativeEnergy;
    for (auto [on, value] : {std::pair{&ct.logQ, -c.entropyWeight * inv},
                             {&ct.kinetic, -c.kineticWeight * inv},
                             {&ct.energy, inv},
                             {&negativeEnergy, -inv}}) {
      *on = cotangents->get() + entryBytes(at);
      constants.resize(at + size_t(batch), value);
      at += size_t(batch);
    }
    TypedBuffer values(dtype, constants.size());
    values.assign(constants);
    gpu.gpu().upload(cotangents->get(), values.data(), values.bytes());
    // The batch's values, one after another (fetchValues).
    Session::BatchValues &v = resident.values;
    at = 0;
    for (cuda::DevicePtr *on :
         {&v.logQ, &v.kinetic, &v.sampleEnergy, &v.dataEnergy, &v.stats}) {
      *on = hyper->get() + hyperBytes + entryBytes(at);
      at += size_t(batch);
    }
  }

  /// Fetches the batch's values the entries left on the GPU
  /// (Session::BatchValues) in one copy: log q, K, f and the statistics of
  /// the samples `q`, and f at the data batch.
  void fetchValues(SamplerBatch &q, std::vector<double> &dataF) {
    TypedBuffer all(dtype, valuesBytes / entryBytes(1));
    gpu.gpu().download(all.data(), hyper->get() + hyperBytes, all.bytes());
    unpackValues(all, q, dataF);
  }

  /// fetchValues and stepResults in one copy: after the iteration's last
  /// step, when the steps did not need the values.
  std::vector<std::pair<double, bool>>
  fetchValuesAndStepResults(SamplerBatch &q, std::vector<double> &dataF) {
    std::vector<char> bytes(hyperBytes + valuesBytes);
    gpu.gpu().download(bytes.data(), hyper->get(), bytes.size());
    TypedBuffer all(dtype, valuesBytes / entryBytes(1));
    std::memcpy(all.data(), bytes.data() + hyperBytes, valuesBytes);
    unpackValues(all, q, dataF);
    std::vector<double> steps(hyperBytes / sizeof(double));
    std::memcpy(steps.data(), bytes.data(), hyperBytes);
    return unpackSteps(steps);
  }

  void unpackValues(const TypedBuffer &all, SamplerBatch &q,
                    std::vector<double> &dataF) const {
    size_t n = size_t(batch);
    std::vector<double> v = all.values();
    auto part = [&](size_t from, size_t count) {
      return std::vector<double>(v.begin() + from * n,
                                 v.begin() + (from + count) * n);
    };
    q.logQ = part(0, 1);
    q.kinetic = part(1, 1);
    q.f = part(2, 1);
    dataF = part(3, 1);
    q.stats = part(4, size_t(numStats));
  }

  /// Keeps `source`'s rows on the GPU, from which drawData draws the
  /// training batches there; false (batches are sent) where it has none
  /// (a generator), they do not fit in 32-bit counts or the library has no
  /// such kernel (an older adec's).
  bool keepData(const DataSource &source, int64_t batchesPerIteration) {
    const Matrix *file = source.rows();
    if (!file || !gpu.hasKernel("ade.runtime", "rows") ||
        file->rows > INT32_MAX || batch * batchesPerIteration > INT32_MAX)
      return false;
    TypedBuffer values(dtype, file->values.size());
    values.assign(file->values);
    dataSet = buffer(values.bytes());
    gpu.gpu().upload(dataSet->get(), values.data(), values.bytes());
    // ade_runtime_rows' parameters per batch of an iteration: its first
    // particle's number differs.
    double noise = source.addedNoise();
    uint64_t noiseBits;
    std::memcpy(&noiseBits, &noise, sizeof noiseBits);
    std::vector<int32_t> params;
    for (int64_t k = 0; k < batchesPerIteration; ++k) {
      std::array<int32_t, kRowsParams> batchParams = {
          int32_t(file->cols),          int32_t(file->rows),
          int32_t(k * batch),           source.dequantizes() ? 1 : 0,
          int32_t(uint32_t(noiseBits)), int32_t(uint32_t(noiseBits >> 32))};
      params.insert(params.end(), batchParams.begin(), batchParams.end());
    }
    dataParams = buffer(params.size() * sizeof(int32_t));
    gpu.gpu().upload(dataParams->get(), params.data(),
                     params.size() * sizeof(int32_t));
    return true;
  }

  /// Draws the iteration's training batch `k` on the GPU (keepData), keyed
  /// by drawNoise's key, into Session::Resident::data.
  void drawData(int64_t k) {
    gpu.runRuntimeKernel(
        "rows",
        {rows->get(), dataSet->get(), layout->get(),
         dataParams->get() + size_t(k) * kRowsParams * sizeof(int32_t)},
        int64_t(batchValues));
  }

  /// Sends a training batch (`batch` rows) to Session::Resident::data.
  void uploadData(const std::vector<double> &x) {
    if (x.size() != batchValues)
      throw Error("internal: a training batch of " + std::to_string(x.size()) +
                  " values where the GPU's buffer has " +
                  std::to_string(batchValues));
    TypedBuffer values(dtype, x.size());
    values.assign(x);
    gpu.gpu().upload(rows->get(), values.data(), values.bytes());
  }

  const Session::Resident &buffers() const { return resident; }

  void upload(const RunState &s) {
    upload(model, s.modelParams, s.modelAdam, s.modelEma);
    upload(sampler, s.samplerParams, s.samplerAdam, s.samplerEma);
    TypedBuffer values(dtype, s.chains.size());
    values.assign(s.chains);
    gpu.gpu().upload(chains->get(), values.data(), values.bytes());
  }

  void download(RunState &s) {
    download(model, s.modelParams, s.modelAdam, s.modelEma);
    download(sampler, s.samplerParams, s.samplerAdam, s.samplerEma);
    TypedBuffer values(dtype, s.chains.size());
    gpu.gpu().download(values.data(), chains->get(), values.bytes());
    s.chains = values.values();
  }

  /// pcd's chains, which start the sampler (x0) on the GPU.
  cuda::DevicePtr chainsOnDevice() const { return chains->get(); }

  /// Moves pcd's chains to the samples the entries left in
  /// Session::Resident::samples, within the GPU.
  void advanceChains() {
    gpu.gpu().copy(chains->get(), resident.samples, chains->bytes());
  }

  /// The sampler's parameters alone (its step sizes are logged).
  void downloadSamplerParameters(RunState &s) {
    copyOut(s.samplerParams, *sampler.master);
  }

  /// Plans an iteration's Adam steps, the model's and then `samplerSteps`
  /// of the sampler's (Adam::step's, counted in `s`), and its parameter
  /// averages (for iteration s.iteration + 1), and sends their
  /// hyperparameters in one copy: the steps then only launch kernels, and
  /// stepResults() fetches what they found in one copy.
  void planIteration(RunState &s, const TrainConfig &c, double decay,
                     bool subtractSampled, int64_t samplerSteps) {
    plannedSteps = 1 + samplerSteps;
    plannedSubtract = subtractSampled;
    std::vector<double> values;
    for (int64_t slot = 0; slot < plannedSteps; ++slot) {
      bool samplerSide = slot > 0;
      Adam &adam = samplerSide ? s.samplerAdam : s.modelAdam;
      double lr = (samplerSide ? c.samplerLearningRate : c.learningRate) *
                  s.learningRateScale * decay;
      double steps = double(++adam.steps);
      auto [beta1, beta2] = adamBetas(c, samplerSide);
      double c2 = 1 - std::pow(beta2, steps);
      // The layout of ade_runtime_adam's hyper (RuntimeKernels.cpp).
      values.insert(values.end(),
                    {lr, beta1, beta2, 1 - std::pow(beta1, steps), c2,
                     c.adamClip ? c2 : 0.0, // 0: no clip
                     -1.0,                  // Adam descends
                     !samplerSide && subtractSampled ? 1.0 : 0.0, 0.0,
                     0.0}); // the two sums
    }
    // ade_runtime_ema's: each side's decay, and whether to start from the
    // parameters.
    double averageWeight = averageDecay(c.ema, s.iteration + 1);
    values.insert(values.end(), {averageWeight, model.averaging ? 0.0 : 1.0,
                                 averageWeight, sampler.averaging ? 0.0 : 1.0});
    gpu.gpu().upload(hyper->get(), values.data(),
                     values.size() * sizeof(double));
  }

  /// The planned Adam step `slot`: 0 the model's (descending -(modelGrad -
  /// sampledModelGrad) when planned with `subtractSampled`, else
  /// -modelGrad), 1, 2, ... the sampler's (descending -samplerGrad). It is
  /// taken before its gradient is known to be finite: a non-finite one
  /// restores the last checkpoint, which is uploaded again.
  void adamStep(int64_t slot) {
    Side &side = slot > 0 ? sampler : model;
    if (side.size == 0)
      return;
    cuda::DevicePtr values = hyperSlot(slot);
    cuda::DevicePtr other = slot == 0 && plannedSubtract
                                ? sampledModelGrad->get()
                                : side.grad->get();
    gpu.runRuntimeKernel("adam",
                         {side.master->get(), side.m->get(), side.v->get(),
                          side.entry->get(), side.grad->get(), other, values},
                         int64_t(side.size));
  }

  /// Each planned step's gradient norm, and whether the gradient and the
  /// new parameters are finite (true for a step not taken).
  std::vector<std::pair<double, bool>> stepResults() {
    std::vector<double> values(size_t(plannedSteps) * kAdamValues);
    gpu.gpu().download(values.data(), hyper->get(),
                       values.size() * sizeof(double));
    return unpackSteps(values);
  }

  std::vector<std::pair<double, bool>>
  unpackSteps(const std::vector<double> &values) const {
    std::vector<std::pair<double, bool>> results;
    for (int64_t slot = 0; slot < plannedSteps; ++slot) {
      const double *sums = &values[size_t(slot) * kAdamValues + 8];
      results.push_back({std::sqrt(sums[0]), sums[1] == 0});
    }
    return results;
  }

  /// Draws the noise of `batches` batches of n particles on the GPU
  /// (aderun's noise kernel, with `key`, which drawData uses too);
  /// useNoise(i) points Session::Resident::noise at batch i's.
  void drawNoise(int64_t n, int64_t batches, uint64_t key) {
    const uint32_t words[2] = {uint32_t(key), uint32_t(key >> 32)};
    gpu.gpu().upload(layout->get(), words, sizeof(words));
    noisePerBatch = size_t(n) * size_t(noiseLayout[2]);
    int64_t count = batches * int64_t(noisePerBatch);
    if (count == 0)
      return;
    if (!noise || noise->bytes() < entryBytes(size_t(count))) {
      noise.reset(); // the old one first: device memory may be short
      noise = buffer(entryBytes(size_t(count)));
    }
    gpu.runRuntimeKernel("noise", {noise->get(), layout->get()}, count);
  }
  void useNoise(int64_t batch) {
    resident.noise = noise->get() + entryBytes(size_t(batch) * noisePerBatch);
  }

  /// updateAverages on the GPU, with planIteration's values.
  void average(RunState &s, const TrainConfig &c) {
    if (c.ema == 0) {
      s.modelEma.clear();
      s.samplerEma.clear();
      model.averaging = sampler.averaging = false;
      return;
    }
    cuda::DevicePtr sideValues = hyperSlot(plannedSteps);
    for (Side *side : {&model, &sampler}) {
      side->averaging = true;
      if (side->size > 0)
        gpu.runRuntimeKernel(
            "ema", {side->average->get(), side->master->get(), sideValues},
            int64_t(side->size));
      sideValues += 2 * sizeof(double);
    }
  }

private:
  struct Side {
    size_t size;
    std::unique_ptr<cuda::Buffer> master, m, v, average; // f64
    std::unique_ptr<cuda::Buffer> entry, grad;           // the entries' type
    bool averaging = false;
  };

  /// ade_runtime_adam's values of a planned step, then ade_runtime_ema's.
  static constexpr size_t kAdamValues = 10;
  /// ade_runtime_rows' parameters of a batch.
  static constexpr size_t kRowsParams = 6;
  cuda::DevicePtr hyperSlot(int64_t slot) const {
    return hyper->get() + size_t(slot) * kAdamValues * sizeof(double);
  }

  size_t entryBytes(size_t count) const {
    return count * (dtype == ADE_F64 ? sizeof(double) : sizeof(float));
  }
  std::unique_ptr<cuda::Buffer> buffer(size_t bytes) {
    return std::make_unique<cuda::Buffer>(gpu.gpu(), bytes);
  }
  Side makeSide(size_t size) {
    Side side{size};
    side.master = buffer(size * sizeof(double));
    side.m = buffer(size * sizeof(double));
    side.v = buffer(size * sizeof(double));
    side.average = buffer(size * sizeof(double));
    side.entry = buffer(entryBytes(size));
    side.grad = buffer(entryBytes(size));
    return side;
  }

  void copyIn(cuda::Buffer &to, const std::vector<double> &values) {
    gpu.gpu().upload(to.get(), values.data(), values.size() * sizeof(double));
  }
  void copyOut(std::vector<double> &values, cuda::Buffer &from) {
    gpu.gpu().download(values.data(), from.get(),
                       values.size() * sizeof(double));
  }

  void upload(Side &side, const std::vector<double> &params, const Adam &adam,
              const std::vector<double> &average) {
    copyIn(*side.master, params);
    copyIn(*side.m, adam.m);
    copyIn(*side.v, adam.v);
    TypedBuffer entry(dtype, params.size());
    entry.assign(params);
    gpu.gpu().upload(side.entry->get(), entry.data(), entry.bytes());
    side.averaging = average.size() == params.size();
    if (side.averaging)
      copyIn(*side.average, average);
  }

  void download(Side &side, std::vector<double> &params, Adam &adam,
                std::vector<double> &average) {
    copyOut(params, *side.master);
    copyOut(adam.m, *side.m);
    copyOut(adam.v, *side.v);
    if (side.averaging) {
      average.resize(side.size);
      copyOut(average, *side.average);
    }
  }

  GpuEntries &gpu;
  int32_t dtype;
  Side model, sampler;
  std::unique_ptr<cuda::Buffer> sampledModelGrad;
  /// `hyper`: the iteration's Adam and average hyperparameters and the
  /// steps' sums (f64), then the batch's values (Session::BatchValues),
  /// which fetchValuesAndStepResults fetches in one copy.
  size_t hyperBytes, valuesBytes;
  std::unique_ptr<cuda::Buffer> hyper;
  std::vector<int32_t> noiseLayout;
  std::unique_ptr<cuda::Buffer> layout, noise;
  int64_t plannedSteps = 0;
  bool plannedSubtract = false;
  size_t noisePerBatch = 0;
  /// Session::Resident's data and samples, its cotangents, pcd's chains;
  /// keepData's data set and ade_runtime_rows' parameters.
  std::unique_ptr<cuda::Buffer> rows, cotangents, chains, dataSet, dataParams;
  int64_t batch;
  int32_t numStats;
  size_t batchValues;
  Session::Resident resident{};
};

/// The parameters to evaluate, sample and plot: --ema's averages when the
/// run keeps them.
RunState averaged(RunState s) {
  if (!s.modelEma.empty())
    s.modelParams = s.modelEma;
  if (!s.samplerEma.empty())
    s.samplerParams = s.samplerEma;
  return s;
}

/// Folds the current parameters into --ema's averages (started at the
/// current parameters when missing).
void updateAverages(RunState &s, const TrainConfig &c) {
  if (c.ema == 0) { // averaging turned off (on a resume): plain parameters
    s.modelEma.clear();
    s.samplerEma.clear();
    return;
  }
  double decay = averageDecay(c.ema, s.iteration);
  auto fold = [decay](std::vector<double> &avg, const std::vector<double> &v) {
    if (avg.size() != v.size()) {
      avg = v;
      return;
    }
    for (size_t i = 0; i < v.size(); ++i)
      avg[i] = decay * avg[i] + (1 - decay) * v[i];
  };
  fold(s.modelEma, s.modelParams);
  fold(s.samplerEma, s.samplerParams);
}

/// `count` samples, started from fresh data points when the sampler takes
/// a start.
std::vector<double> drawSamples(const Session &session, const RunState &s,
                                int64_t count, Rng &rng) {
  std::vector<double> x0;
  if (session.sampler.takes_initial_state)
    x0 = session.data.draw(count, rng);
  return session.sample(s, count, rng, x0).x;
}

/// The MMD kernel's bandwidth for a run's reference set, or an error that
/// names the data: a set of one distinct point has none.
double referenceBandwidth(const TrainConfig &config,
                          const std::vector<double> &reference,
                          int64_t dimension) {
  try {
    return medianPositiveSquaredDistance(
        reference.data(), int64_t(reference.size()) / dimension, dimension);
  } catch (const Error &e) {
    throw Error("--data " + config.data + ": " + e.what() +
                "; the evaluation (MMD) needs data of at least two distinct "
                "points");
  }
}

/// MMD^2 between `count` draws of the sampler and a reference set whose
/// median squared distance is `median`.
double samplerMmd(const Session &session, const RunState &s, int64_t count,
                  const std::vector<double> &reference, double median,
                  Rng &rng) {
  std::vector<double> x = drawSamples(session, s, count, rng);
  int64_t d = session.dimension();
  return mmd2Unbiased(x.data(), count, reference.data(),
                      int64_t(reference.size()) / d, d, median);
}

std::string formatLog(const LogRow &r) {
  char line[320];
  std::snprintf(line, sizeof line,
                "%lld,%.3f,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g",
                static_cast<long long>(r.iteration), r.seconds, r.objective,
                r.dataEnergy, r.sampleEnergy, r.logQ, r.modelGradNorm,
                r.samplerGradNorm, r.stepMean, r.stepMin, r.stepMax, r.mmd);
  std::string text = line;
  for (double v : r.stats) {
    std::snprintf(line, sizeof line, ",%.9g", v);
    text += line;
  }
  return text + "\n";
}

/// metrics.csv: the training history, one column per reported statistic
/// after the fixed ones.
void writeLog(const std::string &path, const std::vector<LogRow> &history,
              const ade_sampler_info &sampler) {
  std::string text = "iteration,seconds,objective,mean_f_data,mean_f_samples,"
                     "mean_log_q,model_grad_norm,sampler_grad_norm,"
                     "step_size_mean,step_size_min,step_size_max,mmd2";
  for (int32_t i = 0; i < sampler.num_stats; ++i)
    text += std::string(",") + sampler.stat_names[i];
  text += "\n";
  for (const LogRow &r : history)
    text += formatLog(r);
  writeFileAtomically(path, text);
}

/// "1h02m", "4m05s", "12s".
std::string formatDuration(double seconds) {
  long total = std::lround(std::max(seconds, 0.0));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600,
                  total / 60 % 60);
  else if (total >= 60)
    std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
  else
    std::snprintf(text, sizeof text, "%lds", total);
  return text;
}

/// "[########............]  40%  iter 800/2000  33.1 it/s  ETA 36s  last
/// MMD^2 x 1e3 2.31".
std::string progressBar(int64_t iteration, int64_t iterations, double perSecond,
                        double mmd) {
  constexpr int width = 24;
  double done = std::clamp(double(iteration) / double(iterations), 0.0, 1.0);
  int filled = int(done * width);
  std::string bar =
      "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
  char line[200];
  std::snprintf(
      line, sizeof line, "%s %3d%%  iter %lld/%lld  %.1f it/s  ETA %s",
      bar.c_str(), int(done * 100), static_cast<long long>(iteration),
      static_cast<long long>(iterations), perSecond,
      formatDuration(double(iterations - iteration) / perSecond).c_str());
  std::string text = line;
  if (std::isfinite(mmd)) {
    std::snprintf(line, sizeof line, "  last MMD^2 x 1e3 %.3f", mmd * 1e3);
    text += line;
  }
  return text;
}

/// Height and width of a model's data drawn as a grayscale image:
/// (H, W), (1, H, W), or a flattened square of at least 8 x 8 (784 values:
/// 28 x 28); (0, 0) when it is none of these.
std::pair<int64_t, int64_t> imageShape(const ade_model_info &model) {
  const int64_t *shape = model.data_shape;
  if (model.data_rank == 2)
    return {shape[0], shape[1]};
  if (model.data_rank == 3 && shape[0] == 1)
    return {shape[1], shape[2]};
  int64_t side = std::llround(std::sqrt(double(model.data_size)));
  if (model.data_rank == 1 && side >= 8 && side * side == model.data_size)
    return {side, side};
  return {0, 0};
}

/// Sets the row's mean, min and max of |eps| over the sampler's parameters
/// named `eps` (or `<component>.eps`): its step sizes; NaN when it has none.
void recordStepSizes(LogRow &row, const ade_sampler_info &sampler,
                     const std::vector<double> &params) {
  double sum = 0, lo = INFINITY, hi = 0;
  int64_t count = 0;
  for (int32_t i = 0; i < sampler.num_params; ++i) {
    std::string_view name = sampler.params[i].name;
    if (name != "eps" &&
        (name.size() < 4 || name.substr(name.size() - 4) != ".eps"))
      continue;
    for (int64_t k = 0; k < sampler.params[i].size; ++k) {
      double e = std::fabs(params[sampler.params[i].offset + k]);
      sum += e;
      lo = std::min(lo, e);
      hi = std::max(hi, e);
      ++count;
    }
  }
  if (count == 0)
    lo = hi = NAN;
  row.stepMean = count ? sum / double(count) : NAN;
  row.stepMin = lo;
  row.stepMax = hi;
}

double norm(const std::vector<double> &v) {
  double sum = 0;
  for (double x : v)
    sum += x * x;
  return std::sqrt(sum);
}

} // namespace

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

namespace {

/// Whether the sampler's samples depend on the model's parameters: a small
/// batch drawn with the initial parameters, then again on the same noise
/// with every model parameter moved. A flow alone (what the `nf` estimator
/// trains) gives the same samples bit for bit.
bool samplerReadsModel(const Session &session, const TrainConfig &config) {
  constexpr int64_t kProbe = 8;
  const ade_model_info &model = session.model;
  const ade_sampler_info &sampler = session.sampler;
  Rng init(config.seed, ParamStream);
  RunState s;
  s.modelParams = initialParameters(model.params, model.num_params,
                                    model.params_size, init);
  s.samplerParams = initialParameters(sampler.params, sampler.num_params,
                                      sampler.params_size, init);
  Rng dataRng(config.seed, DataStream);
  std::vector<double> x0 = sampler.takes_initial_state
                               ? session.data.draw(kProbe, dataRng)
                               : std::vector<double>();
  Rng first(config.seed, NoiseStream), second(config.seed, NoiseStream);
  std::vector<double> before = session.sample(s, kProbe, first, x0).x;
  for (double &p : s.modelParams)
    p = 0.5 + 1.5 * p;
  std::vector<double> after = session.sample(s, kProbe, second, x0).x;
  // Bit patterns: a NaN sample is the same NaN when the model is not read.
  return after.size() != before.size() ||
         std::memcmp(after.data(), before.data(),
                     before.size() * sizeof(double)) != 0;
}

} // namespace

std::vector<Evaluation> train(const TrainConfig &config, bool resume,
                              const ProgressFn &progress,
                              const std::function<bool()> &stopRequested) {
  validateConfig(config);
  Session session(config);
  const ade_model_info &model = session.model;
  const ade_sampler_info &sampler = session.sampler;
  bool fixedSampler = config.estimator == "cd" || config.estimator == "pcd";
  if (fixedSampler && !sampler.takes_initial_state)
    throw Error(
        "estimator '" + config.estimator + "' runs the sampler from " +
        (config.estimator == "cd" ? "the data batch" : "persistent chains") +
        ", but sampler '" + sampler.name +
        "' draws its own start: write one that takes it, "
        "`fn sample(x0: real[...]) -> ...`");
  if (config.estimator == "nf" && samplerReadsModel(session, config))
    throw Error("estimator 'nf' trains a flow alone, but sampler '" +
                std::string(sampler.name) +
                "' uses the model (its samples change with the model's "
                "parameters): give a sampler without grad(f) or f, or use "
                "--estimator ade");
  if (session.gpu) {
    std::string line =
        "running the entries on the GPU: " + session.gpu->description();
    std::string cpuOnly;
    for (const std::string &entry : session.entriesOnCpu())
      cpuOnly += (cpuOnly.empty() ? "" : ", ") + entry;
    if (!cpuOnly.empty())
      line += "; on the CPU (no GPU kernel): " + cpuOnly +
              "; the parameters are copied to the GPU per call";
    else
      line += std::string("; the parameters and Adam's moments stay on the "
                          "GPU") +
              (config.hostNoise ? " (the noise is drawn on the host: "
                                  "--host-noise)"
                                : ", and the noise is drawn there");
    progress(Message::Status, line);
  }
  // The evaluation reference set is drawn once per run, before anything is
  // written: data the evaluation cannot score leave no run directory.
  Rng referenceRng(config.seed, ReferenceStream);
  std::vector<double> reference =
      session.data.draw(config.evalSamples, referenceRng);
  double median = referenceBandwidth(config, reference, session.dimension());

  makeDirectory(config.out);
  std::string checkpointPath = joinPath(config.out, "checkpoint.bin");

  RunState s;
  struct stat st;
  if (!resume && stat(checkpointPath.c_str(), &st) == 0)
    throw Error("'" + config.out +
                "' already holds a run (checkpoint.bin): "
                "continue it with --resume, or train into another --out");
  if (resume) {
    s = readCheckpoint(checkpointPath, model, sampler,
                       chainsSize(config, model));
    progress(Message::Status,
             "resuming from iteration " + std::to_string(s.iteration));
    if (s.iteration >= config.iterations)
      progress(Message::Warning,
               "warning: the checkpoint is at iteration " +
                   std::to_string(s.iteration) + ", not before --iters " +
                   std::to_string(config.iterations) +
                   ": nothing to train; the final evaluation and the "
                   "outputs are made again from it");
  } else {
    Rng init(config.seed, ParamStream);
    s.modelParams = initialParameters(model.params, model.num_params,
                                      model.params_size, init);
    s.samplerParams = initialParameters(sampler.params, sampler.num_params,
                                        sampler.params_size, init);
    s.modelAdam.resize(s.modelParams.size());
    s.samplerAdam.resize(s.samplerParams.size());
    Rng dataRng(config.seed, DataStream);
    if (config.estimator == "pcd")
      s.chains = session.data.trainingBatch(config.batch, dataRng);
    s.data = dataRng.state();
    s.noise = Rng(config.seed, NoiseStream).state();
    s.eval = Rng(config.seed, EvalStream).state();
  }
  writeFileAtomically(joinPath(config.out, "config.json"),
                      configToJson(config));

  RunState good = s; // the last checkpointed state
  auto checkpoint = [&] {
    writeCheckpoint(checkpointPath, s, model, sampler);
    writeLog(joinPath(config.out, "metrics.csv"), s.history, sampler);
    good = s;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!resume) {
    // The untrained sampler's MMD: the baseline the curves start from.
    Rng evalRng = Rng::fromState(s.eval);
    double mmd = samplerMmd(session, averaged(s), config.evalSamples, reference,
                            median, evalRng);
    s.eval = evalRng.state();
    s.history.push_back({0, nan, nan, nan, nan, mmd, 0, nan, nan});
    recordStepSizes(s.history.back(), sampler, s.samplerParams);
    s.history.back().stats.assign(sampler.num_stats, nan);
    char line[96];
    std::snprintf(line, sizeof line,
                  "iter %6d/%lld  (untrained)  MMD^2 x 1e3 %.3f", 0,
                  static_cast<long long>(config.iterations), mmd * 1e3);
    progress(Message::Progress, line);
    checkpoint();
  }

  // --device cuda where every entry has a kernel: the parameters and
  // Adam's moments stay on the GPU.
  std::unique_ptr<DeviceParameters> device;
  if (session.gpu && session.entriesOnCpu().empty()) {
    device = std::make_unique<DeviceParameters>(*session.gpu, model, sampler,
                                                config.batch, config);
    device->upload(s);
  }
  // A data file's rows go to the GPU once, and the training batches are
  // drawn there (with the noise's key), unless --host-noise.
  int64_t batchesPerIteration = 1 + (fixedSampler ? 0 : config.samplerSteps);
  bool dataOnDevice = device && !config.hostNoise &&
                      device->keepData(session.data, batchesPerIteration);
  if (dataOnDevice)
    progress(Message::Status,
             "the training batches are drawn on the GPU from the data's " +
                 std::to_string(session.data.rows()->rows) + " rows there");

  Rng dataRng = Rng::fromState(s.data), noiseRng = Rng::fromState(s.noise),
      evalRng = Rng::fromState(s.eval);
  const int64_t B = config.batch;
  // The noise of an iteration's batches is drawn on the GPU at once (keyed
  // by the noise stream's next word) when the parameters are there, unless
  // --host-noise.
  bool noiseOnDevice = device && !config.hostNoise && sampler.noise_size > 0;
  int64_t noiseBatch = 0; // the iteration's batches drawn so far
  // A training batch of n particles from x0, or from `x0OnDevice` (the
  // training batch or pcd's chains on the GPU).
  auto drawBatch = [&](int64_t n, const std::vector<double> &x0,
                       cuda::DevicePtr x0OnDevice) {
    SamplerBatch batch;
    if (!noiseOnDevice) {
      batch = session.draw(n, noiseRng, x0);
    } else {
      batch.size = n;
      batch.x0 = x0;
      batch.noiseOnDevice = true;
      device->useNoise(noiseBatch++);
    }
    if (x0OnDevice) {
      batch.x0.clear();
      batch.x0OnDevice = x0OnDevice;
    }
    return batch;
  };
  auto start = std::chrono::steady_clock::now();
  auto lastTick = start;
  double secondsBefore = s.history.empty() ? 0 : s.history.back().seconds;
  int64_t iterationBefore = s.iteration;
  double lastMmd = nan;
  // The host-device copies of the training steps (evaluations, logs and
  // checkpoints left out), reported per iteration at the end.
  cuda::Device::Copies stepCopies;
  int64_t iterationsCopied = 0;
  for (const LogRow &r : s.history)
    if (std::isfinite(r.mmd))
      lastMmd = r.mmd;

  while (s.iteration < config.iterations) {
    if (stopRequested()) {
      // The state after the last full iteration, partial log sums included:
      // the resumed run continues exactly.
      s.data = dataRng.state();
      s.noise = noiseRng.state();
      s.eval = evalRng.state();
      if (device)
        device->download(s);
      checkpoint();
      throw Interrupted("interrupted: checkpoint of iteration " +
                        std::to_string(s.iteration) + " written to '" +
                        checkpointPath + "'; continue with --resume");
    }
    cuda::Device::Copies copiesBefore =
        session.gpu ? session.gpu->gpu().copies() : cuda::Device::Copies{};
    bool throughSampler = config.estimator == "ade" || config.estimator == "nf";
    int64_t samplerSteps = fixedSampler ? 0 : config.samplerSteps;
    double decay =
        learningRateDecay(config.lrDecay, s.iteration, config.iterations);
    if (device)
      device->planIteration(s, config, decay, throughSampler, samplerSteps);
    if (noiseOnDevice || dataOnDevice) {
      device->drawNoise(B, batchesPerIteration, noiseRng.next());
      noiseBatch = 0;
    }
    // The training batch: on the host, or drawn on the GPU.
    std::vector<double> batch;
    if (dataOnDevice) {
      device->drawData(0);
    } else {
      batch = session.data.trainingBatch(B, dataRng);
      if (device)
        device->uploadData(batch);
    }
    bool pcd = config.estimator == "pcd";
    bool x0IsData = sampler.takes_initial_state && !pcd;
    // On the GPU, pcd's chains stay there between iterations.
    cuda::DevicePtr x0OnDevice = !device    ? 0
                                 : pcd      ? device->chainsOnDevice()
                                 : x0IsData ? device->buffers().data
                                            : 0;
    std::vector<double> x0 = x0OnDevice ? std::vector<double>()
                             : pcd      ? s.chains
                             : x0IsData ? batch
                                        : std::vector<double>();
    // The steps' entries take the parameters from the GPU and leave the
    // gradients there (the vectors they return are empty).
    session.resident = device ? &device->buffers() : nullptr;
    // The model step's gradient through the sampler (eq. 21), with the
    // batch's values from the same call; a returned momentum's cotangent
    // needs the batch run first.
    SamplerBatch q;
    std::vector<double> sampledGrad;
    if (throughSampler && !sampler.returns_momentum) {
      q = drawBatch(B, x0, x0OnDevice);
      sampledGrad = session.objectiveVjp(s, q, /*samplerSide=*/false);
    } else {
      q = session.sample(s, drawBatch(B, x0, x0OnDevice), /*withEnergy=*/true);
      if (throughSampler)
        sampledGrad = session.objectiveVjp(s, q, /*samplerSide=*/false);
    }
    if (pcd && device)
      device->advanceChains();
    else if (pcd)
      s.chains = q.x;
    std::vector<double> dataF =
        device ? session.energy(s.modelParams, {}, B, device->buffers().data,
                                &Session::BatchValues::dataEnergy)
               : session.energy(s.modelParams, batch);
    // On the GPU, the batch's values are fetched with the steps' results at
    // the end of the iteration (one wait for the GPU per iteration), unless
    // the model step's weights need them (--energy-penalty) or score
    // matching's loss comes back before the step anyway.
    double alpha = config.energyPenalty;
    bool valuesLater = device && alpha == 0 && config.estimator != "sm";
    if (device && !valuesLater)
      device->fetchValues(q, dataF);
    // The model step ascends `objective` (less --energy-penalty's term,
    // which is not logged), whose gradient is modelGrad.
    double objective = 0;
    std::vector<double> modelGrad;
    if (config.estimator == "sm") {
      auto [loss, grad] =
          session.scoreMatching(s, batch, session.probe(B, noiseRng),
                                std::vector<double>(B, -1.0 / double(B)),
                                device ? device->buffers().data : 0);
      objective = -mean(loss);
      modelGrad = std::move(grad);
    } else {
      if (!valuesLater)
        objective = mean(dataF) - session.samplerObjective(q);
      // The gradient of mean f(data) - mean f(samples) - the penalty, as
      // weights of grad f at data and samples (held constant).
      // On the GPU, the samples follow the batch already.
      std::vector<double> points, w(2 * B);
      if (!device) {
        points = batch;
        points.insert(points.end(), q.x.begin(), q.x.end());
      }
      for (int64_t i = 0; !valuesLater && i < B; ++i) {
        w[i] = (1 - 2 * alpha * dataF[i]) / double(B);
        w[B + i] = (-1 - 2 * alpha * q.f[i]) / double(B);
      }
      if (throughSampler) {
        // J's f(samples) term, directly and along the path of the samples
        // (eq. 21), comes from the sampler's vjp instead.
        for (int64_t i = 0; i < B; ++i)
          w[B + i] += 1.0 / double(B);
        if (alpha == 0) {
          points.resize(device ? 0 : B * model.data_size);
          w.resize(B);
        }
      }
      // Without the penalty, the weights are J's constant cotangents of f.
      cuda::DevicePtr data = device ? device->buffers().data : 0;
      modelGrad = session.energyVjp(
          s, points, w, data,
          device && alpha == 0 ? device->buffers().cotangents.energy : 0);
      if (throughSampler)
        for (size_t i = 0; i < modelGrad.size(); ++i)
          modelGrad[i] -= sampledGrad[i];
    }
    // What became NaN or infinite first, for the messages below.
    std::string nonFinite;
    if (!std::isfinite(objective))
      nonFinite = "the objective";
    else if (!allFinite(modelGrad))
      nonFinite = "the model's gradient";
    bool finite = nonFinite.empty();
    double modelNorm = norm(modelGrad), samplerNorm = 0;
    if (finite && device) {
      device->adamStep(0); // checked with the sampler's steps below
    } else if (finite) {
      for (double &g : modelGrad)
        g = -g; // Adam descends
      stepAdam(s.modelAdam, s.modelParams, modelGrad,
               config.learningRate * s.learningRateScale * decay, config,
               /*samplerSide=*/false);
      finite = allFinite(s.modelParams);
      if (!finite)
        nonFinite = "the model's parameters";
    }
    // Sampler steps: descend l, i.e. ascend J.
    for (int64_t k = 0; finite && k < samplerSteps; ++k) {
      bool xkIsData = sampler.takes_initial_state;
      std::vector<double> xk;
      if (xkIsData && dataOnDevice) {
        device->drawData(k + 1);
      } else if (xkIsData) {
        xk = session.data.trainingBatch(B, dataRng);
        if (device)
          device->uploadData(xk);
      }
      // The sampler runs inside sampler_vjp; a returned momentum's
      // cotangent needs its value first.
      cuda::DevicePtr xkOnDevice =
          device && xkIsData ? device->buffers().data : 0;
      SamplerBatch qk = sampler.returns_momentum
                            ? session.sample(s, drawBatch(B, xk, xkOnDevice))
                            : drawBatch(B, xk, xkOnDevice);
      std::vector<double> grad =
          session.objectiveVjp(s, qk, /*samplerSide=*/true);
      if (device) {
        device->adamStep(k + 1);
        continue;
      }
      for (double &g : grad)
        g = -g;
      finite = allFinite(grad);
      samplerNorm += norm(grad) / double(samplerSteps);
      if (finite) {
        stepAdam(s.samplerAdam, s.samplerParams, grad,
                 config.samplerLearningRate * s.learningRateScale * decay,
                 config, /*samplerSide=*/true);
        finite = allFinite(s.samplerParams);
      }
      if (!finite)
        nonFinite = std::string(allFinite(grad) ? "the sampler's parameters"
                                                : "the sampler's gradient") +
                    " (sampler step " + std::to_string(k + 1) + ")";
    }
    session.resident = nullptr;
    if (device && finite) {
      // The GPU's steps, in the order they were taken.
      std::vector<std::pair<double, bool>> steps =
          valuesLater ? device->fetchValuesAndStepResults(q, dataF)
                      : device->stepResults();
      if (valuesLater) {
        objective = mean(dataF) - session.samplerObjective(q);
        if (!std::isfinite(objective)) {
          finite = false;
          nonFinite = "the objective";
        }
      }
      modelNorm = steps[0].first;
      if (finite && !steps[0].second) {
        finite = false;
        nonFinite = "the model's gradient or parameters";
      }
      for (int64_t k = 0; finite && k < samplerSteps; ++k) {
        samplerNorm += steps[k + 1].first / double(samplerSteps);
        if (!steps[k + 1].second) {
          finite = false;
          nonFinite = "the sampler's gradient or parameters (sampler step " +
                      std::to_string(k + 1) + ")";
        }
      }
    }
    if (!finite) {
      if (s.recoveries >= config.maxRecoveries)
        throw Error("training diverged (NaN/Inf in " + nonFinite +
                    ") at iteration " + std::to_string(s.iteration + 1) +
                    " after " + std::to_string(s.recoveries) +
                    " recoveries; the last good checkpoint (iteration " +
                    std::to_string(good.iteration) + ") is in '" +
                    checkpointPath + "': resume with lower --lr/--sampler-lr");
      int64_t at = s.iteration + 1;
      int32_t recoveries = s.recoveries + 1;
      double scale = s.learningRateScale / 2;
      s = good;
      s.recoveries = recoveries;
      s.learningRateScale = scale;
      // Fresh (and reproducible) streams after the restore: the same draws
      // would diverge again.
      dataRng = Rng(config.seed, DataStream + (uint64_t(recoveries) << 32));
      noiseRng = Rng(config.seed, NoiseStream + (uint64_t(recoveries) << 32));
      evalRng = Rng::fromState(s.eval);
      if (device)
        device->upload(s);
      progress(Message::Warning,
               "warning: NaN/Inf in " + nonFinite + " at iteration " +
                   std::to_string(at) +
                   "; restored the checkpoint of iteration " +
                   std::to_string(s.iteration) +
                   " and halved the learning rates (recovery " +
                   std::to_string(recoveries) + " of " +
                   std::to_string(config.maxRecoveries) + ")");
      continue;
    }
    ++s.iteration;
    if (device)
      device->average(s, config);
    else
      updateAverages(s, config);
    if (session.gpu) {
      const cuda::Device::Copies &now = session.gpu->gpu().copies();
      stepCopies.uploads += now.uploads - copiesBefore.uploads;
      stepCopies.downloads += now.downloads - copiesBefore.downloads;
      stepCopies.uploadedBytes +=
          now.uploadedBytes - copiesBefore.uploadedBytes;
      stepCopies.downloadedBytes +=
          now.downloadedBytes - copiesBefore.downloadedBytes;
      stepCopies.waits += now.waits - copiesBefore.waits;
      ++iterationsCopied;
    }
    s.sums.objective += objective;
    s.sums.dataEnergy += mean(dataF);
    s.sums.sampleEnergy += mean(q.f);
    s.sums.logQ += mean(q.logQ);
    s.sums.modelGradNorm += modelNorm;
    s.sums.samplerGradNorm += samplerNorm;
    ++s.sums.count;
    s.sums.stats.resize(sampler.num_stats, 0.0);
    for (int32_t i = 0; i < sampler.num_stats; ++i) {
      double sum = 0;
      for (int64_t b = 0; b < q.size; ++b)
        sum += q.stats[b * sampler.num_stats + i];
      s.sums.stats[i] += sum / double(q.size);
    }

    bool evaluate =
        s.iteration % config.evalEvery == 0 || s.iteration == config.iterations;
    auto now = std::chrono::steady_clock::now();
    if (now - lastTick >= std::chrono::milliseconds(250)) {
      // A live line for terminals: wall-clock paced, never logged.
      lastTick = now;
      double elapsed = std::chrono::duration<double>(now - start).count();
      double perSecond =
          double(s.iteration - iterationBefore) / std::max(elapsed, 1e-9);
      progress(Message::Tick,
               progressBar(s.iteration, config.iterations, perSecond, lastMmd));
    }
    if (s.iteration % config.logEvery == 0 || evaluate) {
      double seconds =
          secondsBefore + std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count();
      double n = double(s.sums.count);
      LogRow row{s.iteration,
                 s.sums.objective / n,
                 s.sums.dataEnergy / n,
                 s.sums.sampleEnergy / n,
                 s.sums.logQ / n,
                 nan,
                 seconds,
                 s.sums.modelGradNorm / n,
                 s.sums.samplerGradNorm / n};
      if (device && !evaluate)
        device->downloadSamplerParameters(s);
      else if (device)
        device->download(s); // evaluated and checkpointed below
      recordStepSizes(row, sampler, s.samplerParams);
      for (double sum : s.sums.stats)
        row.stats.push_back(sum / n);
      if (evaluate) {
        row.mmd = samplerMmd(session, averaged(s), config.evalSamples,
                             reference, median, evalRng);
        lastMmd = row.mmd;
      }
      s.history.push_back(row);
      s.sums = {};
      // Speed over this session's iterations, and the time left at it.
      double elapsed = seconds - secondsBefore;
      double perSecond =
          double(s.iteration - iterationBefore) / std::max(elapsed, 1e-9);
      double left = double(config.iterations - s.iteration) / perSecond;
      char line[256];
      std::snprintf(line, sizeof line,
                    "iter %6lld/%lld  objective %9.4g  f(data) %9.4g  "
                    "f(samples) %9.4g  log q %9.4g  %5.1f it/s  ETA %s",
                    static_cast<long long>(s.iteration),
                    static_cast<long long>(config.iterations), row.objective,
                    row.dataEnergy, row.sampleEnergy, row.logQ, perSecond,
                    formatDuration(left).c_str());
      std::string text = line;
      if (std::isfinite(row.stepMean)) {
        std::snprintf(line, sizeof line, "  eps %.3g [%.3g, %.3g]",
                      row.stepMean, row.stepMin, row.stepMax);
        text += line;
      }
      for (size_t i = 0; i < row.stats.size(); ++i) {
        std::snprintf(line, sizeof line, "  %s %.3g", sampler.stat_names[i],
                      row.stats[i]);
        text += line;
      }
      if (evaluate) {
        std::snprintf(line, sizeof line, "  MMD^2 x 1e3 %.3f", row.mmd * 1e3);
        text += line;
      }
      progress(Message::Progress, text);
    }
    if (evaluate) {
      s.data = dataRng.state();
      s.noise = noiseRng.state();
      s.eval = evalRng.state();
      checkpoint();
    }
  }
  if (std::string timed = session.gpu ? session.gpu->formsTimed() : "";
      !timed.empty())
    progress(Message::Status, "GPU kernel forms, timed at first use: " + timed);
  if (iterationsCopied > 0) {
    double n = double(iterationsCopied);
    char line[224];
    std::snprintf(
        line, sizeof line,
        "host-device copies per training iteration: %.4g uploads "
        "(%.4g bytes), %.4g downloads (%.4g bytes); waits for the GPU: "
        "%.4g",
        double(stepCopies.uploads) / n, double(stepCopies.uploadedBytes) / n,
        double(stepCopies.downloads) / n,
        double(stepCopies.downloadedBytes) / n, double(stepCopies.waits) / n);
    progress(Message::Status, line);
  }
  std::vector<Evaluation> evaluations;
  for (const LogRow &r : s.history)
    if (std::isfinite(r.mmd))
      evaluations.push_back({r.iteration, r.mmd});
  return evaluations;
}

//===----------------------------------------------------------------------===//
// Using a run
//===----------------------------------------------------------------------===//

namespace {
bool isDirectory(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// A run directory or a checkpoint file in one: the checkpoint file.
std::string checkpointFileOf(const std::string &path) {
  return isDirectory(path) ? joinPath(path, "checkpoint.bin") : path;
}

/// A run directory or a checkpoint file in one: the run directory (a path
/// that is neither stays as it is, for the errors to name).
std::string runDirectoryOf(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode))
    return path;
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash + 1);
}
} // namespace

std::vector<double> checkpointModelParameters(const std::string &path,
                                              const ade_model_info &model) {
  std::string file = checkpointFileOf(path);
  CheckpointContents c = readCheckpointFile(file);
  std::string name = c.header.value("model", "");
  if (name != model.name)
    throw Error("checkpoint '" + file + "' holds model '" + name + "', not '" +
                model.name + "'");
  if (c.header.value("model_params", json()) !=
          layoutJson(model.params, model.num_params) ||
      c.vectors.empty() || int64_t(c.vectors[0].size()) != model.params_size)
    throw mismatch(file);
  // --ema's average when the run keeps one (checkpoints before --ema have
  // 7 vectors).
  const std::vector<double> &params =
      c.vectors.size() < 9 || c.vectors[7].empty() ? c.vectors[0]
                                                   : c.vectors[7];
  checkFiniteParameters(file, params);
  return params;
}

TrainConfig loadRunConfig(const std::string &runDir) {
  std::string path = joinPath(runDir, "config.json");
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw Error("'" + runDir +
                "' is not a run directory (no config.json); "
                "train one with `aderun train MODEL.so --data NAME --out " +
                runDir + "`");
  std::string text = readText(path);
  // Runs written before these settings existed trained without them;
  // today's defaults would switch them on when such a run is resumed.
  json settings = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (settings.is_object()) {
    for (const auto &[key, value] :
         {std::pair<const char *, json>{"adam_clip", false},
          {"lr_decay", "none"},
          {"ema", 0.0}})
      if (!settings.contains(key))
        settings[key] = value;
    // One pair of betas served both optimizers.
    for (const char *beta : {"beta1", "beta2"})
      if (!settings.contains(std::string("sampler_") + beta) &&
          settings.contains(beta))
        settings[std::string("sampler_") + beta] = settings[beta];
    text = settings.dump();
  }
  TrainConfig c = configFromJson(text, path);
  c.out = runDir;
  return c;
}

namespace {

/// A run's session and trained state.
struct TrainedRun {
  TrainConfig config;
  std::unique_ptr<Session> session;
  RunState state;

  /// `path`: a run directory, or a checkpoint file in one. `sampler`:
  /// another sampler of the run's model to draw with, at its initial
  /// parameters (empty: the run's own, trained). `device`: where the
  /// entries run (cpu or cuda), whatever the run was trained on.
  explicit TrainedRun(const std::string &path, const std::string &sampler = "",
                      const std::string &device = "cpu")
      : config([&] {
          TrainConfig c = loadRunConfig(runDirectoryOf(path));
          c.device = device;
          return c;
        }()),
        session(std::make_unique<Session>(config)),
        state(averaged(readCheckpoint(checkpointFileOf(path), session->model,
                                      session->sampler,
                                      chainsSize(config, session->model)))) {
    if (sampler.empty() || sampler == config.sampler)
      return;
    config.sampler = sampler;
    session = std::make_unique<Session>(config);
    // The parameters a fresh run of this seed would start from: the
    // model's are drawn first.
    Rng init(config.seed, ParamStream);
    initialParameters(session->model.params, session->model.num_params,
                      session->model.params_size, init);
    state.samplerParams =
        initialParameters(session->sampler.params, session->sampler.num_params,
                          session->sampler.params_size, init);
  }

  std::vector<double> draw(int64_t count, Rng &rng) const {
    return drawSamples(*session, state, count, rng);
  }

  /// `count` samples as `start` says (noise from `rng`, the data's moments
  /// from `dataRng`).
  std::vector<double> drawChains(int64_t count, Rng &rng, Rng &dataRng,
                                 const ChainStart &start) const {
    if (start.steps < 1)
      throw Error("--chain must be positive (got " +
                  std::to_string(start.steps) + ")");
    if (!start.fromNoise && start.steps == 1)
      return draw(count, rng);
    if (!session->sampler.takes_initial_state)
      throw Error("--start noise and --chain need a sampler that takes a "
                  "start (`fn sample(x0: real[...])`); '" +
                  std::string(session->sampler.name) + "' draws its own");
    std::vector<double> x = session->data.draw(count, dataRng);
    if (start.fromNoise) {
      int64_t d = session->dimension();
      for (int64_t j = 0; j < d; ++j) {
        double mean = 0, square = 0;
        for (int64_t i = 0; i < count; ++i) {
          mean += x[i * d + j];
          square += x[i * d + j] * x[i * d + j];
        }
        mean /= double(count);
        double sd =
            std::sqrt(std::max(square / double(count) - mean * mean, 0.0));
        for (int64_t i = 0; i < count; ++i)
          x[i * d + j] = mean + 2 * sd * rng.normal();
      }
    }
    for (int64_t k = 0; k < start.steps; ++k)
      x = session->sample(state, count, rng, x).x;
    return x;
  }
};

} // namespace

namespace {

void writeSamples(const TrainedRun &run, int64_t count, uint64_t seed,
                  const std::vector<std::string> &outputs,
                  const ChainStart &start) {
  Rng rng(seed, EvalStream), startRng(seed, StartStream);
  Matrix m;
  m.rows = count;
  m.cols = run.session->dimension();
  // Samples are held as doubles until written: at most 16 GiB.
  if (count > (int64_t(1) << 31) / m.cols)
    throw Error("-n " + std::to_string(count) + " is too many samples of " +
                std::to_string(m.cols) + " values (at most 2^31 values)");
  m.values = run.drawChains(count, rng, startRng, start);
  bool f32 = !run.session->isDouble();
  for (const std::string &output : outputs) {
    if (isNpyName(output))
      writeNpy(output, m, f32);
    else
      writeCsv(output, m, f32);
  }
}

std::vector<double> evaluate(const TrainedRun &run, int64_t count, int64_t reps,
                             uint64_t seed, const ChainStart &start) {
  Rng rng(seed, FinalEvalStream), dataRng(seed, FinalReferenceStream);
  Rng startRng(seed, StartStream);
  std::vector<double> values;
  int64_t d = run.session->dimension();
  for (int64_t r = 0; r < reps; ++r) {
    std::vector<double> reference = run.session->data.draw(count, dataRng);
    std::vector<double> x = run.drawChains(count, rng, startRng, start);
    values.push_back(mmd2Unbiased(x.data(), count, reference.data(), count, d));
  }
  return values;
}

} // namespace

void writeRunSamples(const std::string &runDir, int64_t count, uint64_t seed,
                     const std::vector<std::string> &outputs,
                     const ChainStart &start) {
  if (count <= 0)
    throw Error("-n must be positive");
  writeSamples(TrainedRun(runDir, start.sampler, start.device), count, seed,
               outputs, start);
}

std::vector<double> evaluateRun(const std::string &runDir, int64_t count,
                                int64_t reps, uint64_t seed,
                                const ChainStart &start) {
  if (count < 2 || reps <= 0)
    throw Error("--samples must be at least 2 and --reps positive");
  return evaluate(TrainedRun(runDir, start.sampler, start.device), count, reps,
                  seed, start);
}

NoiseFloor evaluateData(const std::string &data, int64_t count, int64_t reps,
                        int64_t evaluations, uint64_t seed) {
  if (count < 2 || reps <= 0 || evaluations < 0)
    throw Error("--samples must be at least 2, --reps positive and "
                "--evaluations not negative");
  DataSource source(data, 0, false);
  int64_t d = source.dimension();
  NoiseFloor floor;
  Rng rng(seed, FinalEvalStream), referenceRng(seed, FinalReferenceStream);
  // Generators that stratify (evenly spaced angles, equal classes) give a
  // fresh draw less spread than independent points: a sampler's points
  // are independent, so it is scored against a random subset of a larger
  // pool as well.
  Rng poolRng(seed, PoolStream);
  const int64_t poolSize = kIndependentPoolFactor * count;
  for (int64_t r = 0; r < reps; ++r) {
    std::vector<double> reference = source.draw(count, referenceRng);
    std::vector<double> x = source.draw(count, rng);
    floor.final.push_back(
        mmd2Unbiased(x.data(), count, reference.data(), count, d));
    if (!source.generated())
      continue; // a file's rows are drawn independently already
    std::vector<double> pool = source.draw(poolSize, poolRng);
    for (int64_t i = 0; i < count; ++i) {
      int64_t j = i + int64_t(poolRng.below(uint64_t(poolSize - i)));
      std::swap_ranges(pool.begin() + i * d, pool.begin() + (i + 1) * d,
                       pool.begin() + j * d);
    }
    floor.independent.push_back(
        mmd2Unbiased(pool.data(), count, reference.data(), count, d));
  }
  Rng trainingReferenceRng(seed, ReferenceStream), evalRng(seed, EvalStream);
  std::vector<double> reference = source.draw(count, trainingReferenceRng);
  double median = medianPositiveSquaredDistance(reference.data(), count, d);
  for (int64_t e = 0; e < evaluations; ++e) {
    std::vector<double> x = source.draw(count, evalRng);
    floor.evaluations.push_back(
        mmd2Unbiased(x.data(), count, reference.data(), count, d, median));
  }
  return floor;
}

namespace {

/// The data set's name (a file's base name).
std::string dataName(const TrainConfig &config) {
  return config.data.substr(config.data.rfind('/') + 1);
}

/// A 2-D run's two panels, titled as given: data with samples over them,
/// and the learned density over the data's extent.
std::vector<SamplesPanel> samplePanels(const TrainedRun &run,
                                       const std::string &samplesTitle,
                                       const std::string &densityTitle) {
  const Session &session = *run.session;
  Rng rng(run.config.seed, EvalStream);
  const int64_t n = 1000;
  SamplesPanel panel;
  panel.title = samplesTitle;
  panel.data = session.data.draw(n, rng);
  panel.samples = run.draw(n, rng);
  // The density over the data's extent, with a margin.
  double lo[2] = {1e300, 1e300}, hi[2] = {-1e300, -1e300};
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k) {
      lo[k] = std::min(lo[k], panel.data[2 * i + k]);
      hi[k] = std::max(hi[k], panel.data[2 * i + k]);
    }
  for (int k = 0; k < 2; ++k) {
    double margin = 0.1 * (hi[k] - lo[k]) + 1e-9;
    lo[k] -= margin;
    hi[k] += margin;
  }
  GridField grid;
  grid.nx = grid.ny = 160;
  grid.bounds = {lo[0], hi[0], lo[1], hi[1]};
  std::vector<double> points;
  for (int j = 0; j < grid.ny; ++j)
    for (int i = 0; i < grid.nx; ++i) {
      points.push_back(lo[0] + (hi[0] - lo[0]) * i / (grid.nx - 1));
      points.push_back(lo[1] + (hi[1] - lo[1]) * j / (grid.ny - 1));
    }
  SamplesPanel density;
  density.title = densityTitle;
  density.data = panel.data;
  density.logDensity = grid;
  density.logDensity->values = session.energy(run.state.modelParams, points);
  panel.bounds = density.bounds = grid.bounds;
  return {panel, density};
}

std::vector<std::string> plot(const TrainedRun &run) {
  std::vector<std::string> written;
  const Session &session = *run.session;
  std::string title = std::string(session.model.name) + " / " +
                      session.sampler.name + " on " + dataName(run.config);
  if (session.dimension() == 2) {
    SamplesFigure figure;
    figure.title = title;
    figure.panels = samplePanels(run,
                                 "data and samples, iteration " +
                                     std::to_string(run.state.iteration),
                                 "learned density exp f");
    std::string path = joinPath(run.config.out, "samples.png");
    writeSamplesFigure(path, figure);
    written.push_back(path);
  } else if (auto [height, width] = imageShape(session.model); height > 0) {
    Rng rng(run.config.seed, EvalStream);
    const int64_t n = 64;
    ImageGridFigure figure;
    figure.title = title;
    figure.panels = {
        {"data", int(width), int(height), session.data.draw(n, rng)},
        {"samples, iteration " + std::to_string(run.state.iteration),
         int(width), int(height), run.draw(n, rng)}};
    figure.scale = width <= 16 ? 4 : 2;
    std::string path = joinPath(run.config.out, "samples.png");
    writeImageGridFigure(path, figure);
    written.push_back(path);
  }
  CurvesFigure curves;
  curves.title = title;
  Curve objective{"objective", {}, {}}, dataF{"mean f(data)", {}, {}},
      sampleF{"mean f(samples)", {}, {}}, mmd{"MMD^2 x 1e3", {}, {}},
      stepMean{"mean", {}, {}}, stepMin{"min", {}, {}}, stepMax{"max", {}, {}};
  std::vector<Curve> stats;
  for (int32_t i = 0; i < session.sampler.num_stats; ++i)
    stats.push_back({session.sampler.stat_names[i], {}, {}});
  for (const LogRow &r : run.state.history) {
    double it = double(r.iteration);
    objective.x.push_back(it);
    objective.y.push_back(r.objective);
    dataF.x.push_back(it);
    dataF.y.push_back(r.dataEnergy);
    sampleF.x.push_back(it);
    sampleF.y.push_back(r.sampleEnergy);
    if (std::isfinite(r.mmd)) {
      mmd.x.push_back(it);
      mmd.y.push_back(r.mmd * 1e3);
    }
    if (std::isfinite(r.stepMean)) {
      for (auto [curve, value] :
           {std::pair(&stepMean, r.stepMean), std::pair(&stepMin, r.stepMin),
            std::pair(&stepMax, r.stepMax)}) {
        curve->x.push_back(it);
        curve->y.push_back(value);
      }
    }
    for (size_t i = 0; i < r.stats.size() && i < stats.size(); ++i)
      if (std::isfinite(r.stats[i])) {
        stats[i].x.push_back(it);
        stats[i].y.push_back(r.stats[i]);
      }
  }
  curves.panels = {
      {"ADE objective", "objective", false, {objective}},
      {"log-density", "f", false, {dataF, sampleF}},
      {"MMD^2 x 1e3 (to fresh data)", "MMD^2 x 1e3", false, {mmd}}};
  if (!stepMean.x.empty())
    curves.panels.push_back({"sampler step sizes |eps|",
                             "|eps|",
                             true,
                             {stepMean, stepMin, stepMax}});
  if (!stats.empty()) {
    std::string names;
    for (const Curve &c : stats)
      names += (names.empty() ? "" : ", ") + c.name;
    curves.panels.push_back(
        {"reported by the sampler: " + names, "batch mean", false, stats});
  }
  std::string path = joinPath(run.config.out, "curves.png");
  writeCurvesFigure(path, curves);
  written.push_back(path);
  return written;
}

} // namespace

std::vector<std::string> plotRun(const std::string &runDir) {
  return plot(TrainedRun(runDir));
}

FinishedRun finishRun(const std::string &runDir, int64_t count, int64_t reps,
                      uint64_t seed, const std::vector<std::string> &samples,
                      const std::string &device) {
  if (count < 2 || reps <= 0)
    throw Error("the final evaluation needs at least 2 samples and a draw");
  ChainStart start;
  start.device = device;
  TrainedRun run(runDir, "", device);
  FinishedRun finished;
  writeSamples(run, count, seed, samples, start);
  // The figures as plotRun draws them: with the CPU's entries.
  finished.figures = device == "cpu" ? plot(run) : plotRun(runDir);
  finished.mmd = evaluate(run, count, reps, seed, start);
  return finished;
}

void plotRuns(const std::vector<std::string> &runDirs, const std::string &path,
              const std::string &title) {
  SamplesFigure figure;
  figure.title = title;
  figure.panelSize = 280;
  for (const std::string &runDir : runDirs) {
    TrainedRun run(runDir);
    if (run.session->dimension() != 2)
      throw Error("'" + runDir + "' is not a 2-D run: plot it alone");
    std::string name = dataName(run.config) + " (" + run.config.estimator + ")";
    for (SamplesPanel &panel :
         samplePanels(run, name + ": samples", name + ": density"))
      figure.panels.push_back(std::move(panel));
  }
  writeSamplesFigure(path, figure);
}

} // namespace ade
