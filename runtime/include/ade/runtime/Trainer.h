//===- Trainer.h - The ADE training loop and run directories ---*- C++ -*-===//
//
// A run directory holds everything a run needs to be continued, sampled,
// evaluated and plotted: config.json (the resolved settings), checkpoint.bin
// (parameters, optimizer state, RNG states, chains, iteration and history),
// metrics.csv, and the outputs (samples.csv, samples.npy, samples.png,
// curves.png, metrics.json). Every file is written atomically.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_TRAINER_H
#define ADE_RUNTIME_TRAINER_H

#include "ade/abi.h"
#include "ade/runtime/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ade {

/// Limits of the settings: threads for the compiled entries (OpenMP aborts
/// when it cannot start them), and samples per MMD evaluation (its cost
/// grows with their square).
constexpr int32_t kMaxThreads = 1024;
constexpr int64_t kMaxEvalSamples = int64_t(1) << 20;

struct TrainConfig {
  std::string library;           // the model.so (absolute path once resolved)
  std::string model;             // empty: the library's only model
  std::string sampler;           // empty: the model's first sampler
  std::string data;              // a built-in data set name or a data file
  // ade ade-detached nf cd pcd sm. The default, the reference code's, ends
  // lower than ade on 10 of Table 2's 14 data sets with the settings below
  // (results/table2.md: ADE+ against ADE+F; e.g. Multiring -0.05 vs 81).
  std::string estimator = "ade-detached";
  bool dequantize = false;       // uniform noise on 8-bit pixel levels
  // sigma of Gaussian noise added to every training batch (0: none); the
  // evaluations' reference data stay clean.
  double dataNoise = 0;
  int64_t iterations = 10000;
  int64_t batch = 100;
  int64_t samplerSteps = 5; // sampler updates per model update
  uint64_t seed = 1;
  int32_t threads = 0; // 0: the OpenMP default
  // Where the entries run: cpu, or cuda (their GPU kernels, from a library
  // compiled with adec --target all; entries without one run on the CPU).
  std::string device = "cpu";
  // With device cuda: draw the sampler's noise on the host with the CPU's
  // generator (the same draws as a CPU run) instead of on the GPU.
  bool hostNoise = false;
  double learningRate = 1e-3;
  double samplerLearningRate = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  // The sampler's Adam; the model's betas unless given (config.json).
  double samplerBeta1 = 0.9, samplerBeta2 = 0.999;
  // The defaults of the next three are what measured best with the
  // reference code's sampler (examples/moons.ade's ADE): MMD^2 x 1e3 on
  // moons -0.59 +- 0.11 over 3 seeds when chosen (-0.82 +- 0.21 on
  // 2026-12-01's main); the reference's Adam alone ends at 7.5-90.
  bool adamClip = true; // the reference code's +-(3 sqrt(v) + 0.1) clip
  // Both learning rates times a factor of the iteration t of T: none (1),
  // linear (1 - t/T) or cosine ((1 + cos(pi t/T)) / 2).
  std::string lrDecay = "cosine";
  // Exponential moving average of both parameter vectors (0: off), with
  // decay min(ema, (1 + t) / (10 + t)) at iteration t; evaluation,
  // samples and plots use the averages.
  double ema = 0.999;
  double entropyWeight = 1; // kappa
  // lambda for the momenta a sampler draws and drops. 0 by default: with
  // 1 (the paper's augmented model, exact) the penalty on the dropped
  // momenta of Langevin steps drives the learned step sizes to 0 on moons
  // and the sampler degenerates to its flow (MMD^2 x 1e3 713 vs 4.8 after
  // 2000 iterations); 0 makes Langevin steps mode-seeking, which costs
  // where the flow alone fits (runtime/README.md).
  double kineticWeight = 0;
  double momentumWeight = 1; // lambda for a returned final momentum
  // alpha: the model step also descends alpha (mean f(data)^2 +
  // mean f(samples)^2), the samples held constant: it keeps the energy's
  // scale from running away (0: off, the paper's objective).
  double energyPenalty = 0;
  int64_t evalEvery = 1000;
  int64_t evalSamples = 1000;
  int64_t logEvery = 100;
  int32_t maxRecoveries = 3; // restores from the checkpoint after NaN/Inf
  std::string out = "run";
};

/// The configuration as JSON text, and back (unknown or ill-typed keys are
/// an ade::Error naming them).
std::string configToJson(const TrainConfig &config);
TrainConfig configFromJson(const std::string &text, const std::string &origin);

/// Checks values (positive sizes, known estimator, ...); throws ade::Error.
void validateConfig(const TrainConfig &config);

/// Thrown when SIGINT or SIGTERM stopped training (after a checkpoint).
class Interrupted : public Error {
public:
  using Error::Error;
};

/// An MMD^2 evaluation during training.
struct Evaluation {
  int64_t iteration;
  double mmd2;
};

/// What a line from the trainer is: periodic progress (a logged row), a
/// one-off status, a warning (e.g. a recovery from NaN/Inf), or a tick: a
/// progress bar a few times a second, for terminals (not a log line).
enum class Message { Progress, Status, Warning, Tick };
using ProgressFn = std::function<void(Message, const std::string &)>;

/// Trains from scratch, or from `config.out`'s checkpoint when `resume`;
/// lines go to `progress`; returns every evaluation of the run (iteration
/// 0, the untrained sampler, included). `stopRequested` is polled before
/// each iteration: when it returns true, training checkpoints and throws
/// Interrupted. Throws ade::Error on failure (after the last good
/// checkpoint was written).
std::vector<Evaluation> train(const TrainConfig &config, bool resume,
                              const ProgressFn &progress,
                              const std::function<bool()> &stopRequested);

/// The model parameters of a checkpoint (a run directory or its
/// checkpoint.bin), checked against `model`.
std::vector<double> checkpointModelParameters(const std::string &path,
                                              const ade_model_info &model);

/// The run directory's configuration.
TrainConfig loadRunConfig(const std::string &runDir);

/// How a sampler that takes a start (`fn sample(x0: ...)`, as contrastive
/// divergence's) is run for an evaluation: from fresh data points once, as
/// training evaluates it (how far the model's dynamics move the data), or
/// from broad noise and applied `steps` times in a row, each output the
/// next start: long chains, which show what the model's own samples look
/// like. The noise is normal around the data's mean with twice its
/// standard deviation per coordinate. `sampler`: another sampler of the
/// run's model to draw with, at its initial parameters (empty: the run's
/// own, trained); so models trained otherwise are sampled alike.
struct ChainStart {
  bool fromNoise = false;
  int64_t steps = 1;
  std::string sampler;
  /// Where the entries run: cpu or cuda (as TrainConfig::device).
  std::string device = "cpu";
  // With device cuda: draw the sampler's noise on the host with the CPU's
  // generator (the same draws as a CPU run) instead of on the GPU.
  bool hostNoise = false;
};

/// Draws `count` samples from a run's trained sampler (noise from `seed`;
/// as `start` says) into each of `outputs`, CSV or NPY by extension.
void writeRunSamples(const std::string &runDir, int64_t count, uint64_t seed,
                     const std::vector<std::string> &outputs,
                     const ChainStart &start = {});

/// MMD^2 of `reps` fresh draws of `count` samples against `count` fresh
/// data points each; returns the values.
std::vector<double> evaluateRun(const std::string &runDir, int64_t count,
                                int64_t reps, uint64_t seed,
                                const ChainStart &start = {});

/// The noise floor of the MMD^2 evaluations on `data` (a data set name or
/// file): a perfect sampler's scores, with fresh draws of the data in place
/// of samples. `final` as evaluateRun draws them (`reps` values, fresh
/// reference sets); `evaluations` as training does (one reference set, then
/// `count` fresh points per evaluation), whose minimum is what the
/// reference code reports. `independent` (built-in data sets only) as
/// `final` with a random subset of a 50 times larger draw in place of the
/// fresh one: the score of a perfect sampler, whose points are
/// independent, where the generator stratifies its draws (evenly spaced
/// angles on moons and circles, equal classes on pinwheel and 2spirals).
struct NoiseFloor {
  std::vector<double> final, independent, evaluations;
};
/// The pool of NoiseFloor::independent, in multiples of `count`.
constexpr int64_t kIndependentPoolFactor = 50;
NoiseFloor evaluateData(const std::string &data, int64_t count, int64_t reps,
                        int64_t evaluations, uint64_t seed);

/// Writes samples.png (2-D models) and curves.png into the run directory;
/// returns the files written.
std::vector<std::string> plotRun(const std::string &runDir);

/// What `aderun train` writes after training, from one load of the run
/// (which writeRunSamples, plotRun and evaluateRun each load): `count`
/// samples from the trained sampler into each of `samples` (as
/// writeRunSamples), the figures (as plotRun), and the MMD^2 values of
/// `reps` fresh draws (as evaluateRun); the samples and the evaluation with
/// the entries of `device`.
struct FinishedRun {
  std::vector<std::string> figures;
  std::vector<double> mmd;
};
FinishedRun finishRun(const std::string &runDir, int64_t count, int64_t reps,
                      uint64_t seed, const std::vector<std::string> &samples,
                      const std::string &device);

/// One figure of several 2-D runs, two panels each (data and samples, the
/// learned density), titled by data set and estimator: the paper's
/// Figure 1 for a set of runs.
void plotRuns(const std::vector<std::string> &runDirs, const std::string &path,
              const std::string &title);

} // namespace ade

#endif // ADE_RUNTIME_TRAINER_H
