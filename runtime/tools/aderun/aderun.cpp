//===- aderun.cpp - Train, sample, evaluate and plot compiled ADE models --===//
//
// aderun train MODEL.so --data NAME|FILE [--out DIR] [settings...]
// aderun sample DIR -n N --out FILE.csv|FILE.npy
// aderun eval DIR [--samples N] [--reps K]
// aderun plot DIR
// aderun info MODEL.so
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/Datasets.h"
#include "ade/runtime/Error.h"
#include "ade/runtime/ModelLibrary.h"
#include "ade/runtime/Trainer.h"

#include "CLI/CLI.hpp"
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

using namespace ade;

namespace {

enum ExitCode { ExitOk = 0, ExitError = 1, ExitUsage = 2, ExitInternal = 70 };

const char *kExitCodes = R"(Exit codes:
  0   success
  1   the run failed (bad data, a model library or checkpoint that does not
      fit, training that diverged past its recoveries); see the message
  2   command-line misuse
  70  internal error (a bug: please report it))";

std::string absolutePath(const std::string &path) {
  if (path.empty() || path[0] == '/')
    return path;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return path;
  return std::string(cwd) + "/" + path;
}

/// Settings from a TOML file (keys as in config.json); flags given on the
/// command line override them.
void applyTomlConfig(const std::string &path, TrainConfig &c,
                     const CLI::App &cmd) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error &e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column
       << ": " << e.description();
    throw Error(os.str());
  }
  // Through JSON, so that the key set and types are checked in one place.
  nlohmann::json j = nlohmann::json::object();
  for (auto &[key, node] : table) {
    std::string k(key.str());
    if (auto v = node.value<int64_t>(); v && node.is_integer())
      j[k] = *v;
    else if (auto d = node.value<double>(); d && node.is_floating_point())
      j[k] = *d;
    else if (auto b = node.value<bool>(); b && node.is_boolean())
      j[k] = *b;
    else if (auto s = node.value<std::string>())
      j[k] = *s;
    else
      throw Error(path + ": '" + k + "' must be a number, boolean or string");
  }
  TrainConfig fromFile = configFromJson(j.dump(), path);
  // Keep what the command line set explicitly.
  auto given = [&](const char *flag) { return cmd.count(flag) > 0; };
  TrainConfig merged = fromFile;
  merged.library = c.library;
  auto keep = [&](const char *flag, const char *key, auto member) {
    if (given(flag) || !j.contains(key))
      merged.*member = c.*member;
  };
  keep("--model", "model", &TrainConfig::model);
  keep("--sampler", "sampler", &TrainConfig::sampler);
  keep("--data", "data", &TrainConfig::data);
  keep("--estimator", "estimator", &TrainConfig::estimator);
  keep("--iters", "iterations", &TrainConfig::iterations);
  keep("--batch", "batch", &TrainConfig::batch);
  keep("--sampler-steps", "sampler_steps", &TrainConfig::samplerSteps);
  keep("--seed", "seed", &TrainConfig::seed);
  keep("--threads", "threads", &TrainConfig::threads);
  keep("--lr", "lr", &TrainConfig::learningRate);
  keep("--sampler-lr", "sampler_lr", &TrainConfig::samplerLearningRate);
  keep("--beta1", "beta1", &TrainConfig::beta1);
  keep("--beta2", "beta2", &TrainConfig::beta2);
  keep("--adam-clip", "adam_clip", &TrainConfig::adamClip);
  keep("--entropy-weight", "entropy_weight", &TrainConfig::entropyWeight);
  keep("--kinetic-weight", "kinetic_weight", &TrainConfig::kineticWeight);
  keep("--eval-every", "eval_every", &TrainConfig::evalEvery);
  keep("--eval-samples", "eval_samples", &TrainConfig::evalSamples);
  keep("--log-every", "log_every", &TrainConfig::logEvery);
  keep("--max-recoveries", "max_recoveries", &TrainConfig::maxRecoveries);
  keep("--out", "out", &TrainConfig::out);
  c = merged;
}

/// Mean and sample standard deviation.
std::pair<double, double> meanAndSd(const std::vector<double> &values) {
  double m = 0, var = 0;
  for (double v : values)
    m += v / double(values.size());
  for (double v : values)
    var +=
        values.size() > 1 ? (v - m) * (v - m) / double(values.size() - 1) : 0;
  return {m, std::sqrt(var)};
}

void printInfo(const std::string &path) {
  ModelLibrary lib(path);
  const ade_library_info &info = lib.info();
  std::printf("library   %s\ncompiled  by %s from %s\nABI       %u\n",
              lib.path().c_str(), info.compiler, info.source, info.abi_version);
  for (int32_t i = 0; i < info.num_models; ++i) {
    const ade_model_info &m = info.models[i];
    std::printf("\nmodel %s  (%s, data of %lld values, %lld parameters, "
                "tiles of %d)\n",
                m.name, m.dtype == ADE_F64 ? "f64" : "f32",
                static_cast<long long>(m.data_size),
                static_cast<long long>(m.params_size), m.tile_size);
    if (*m.doc)
      std::printf("  %s\n", m.doc);
    std::printf("  entries: energy grad_energy energy_vjp score_matching%s "
                "score_matching_vjp\n",
                m.score_matching_probe ? " (Hutchinson probe)" : "");
    for (int32_t p = 0; p < m.num_params; ++p)
      std::printf("  param %-28s %8lld  %s\n", m.params[p].name,
                  static_cast<long long>(m.params[p].size),
                  m.params[p].init_text);
  }
  for (int32_t i = 0; i < info.num_samplers; ++i) {
    const ade_sampler_info &s = info.samplers[i];
    std::printf("\nsampler %s for %s  (%lld parameters, %lld noise values "
                "per particle%s%s)\n",
                s.name, info.models[s.model].name,
                static_cast<long long>(s.params_size),
                static_cast<long long>(s.noise_size),
                s.takes_initial_state ? ", starts from a data batch" : "",
                s.returns_momentum ? ", returns its momentum" : "");
    if (*s.doc)
      std::printf("  %s\n", s.doc);
    for (int32_t d = 0; d < s.num_draws; ++d)
      std::printf("  draw  %-10s %lld %s values\n", s.draws[d].name,
                  static_cast<long long>(s.draws[d].size),
                  s.draws[d].noise == ADE_NOISE_UNIFORM ? "uniform" : "normal");
    for (int32_t p = 0; p < s.num_params; ++p)
      std::printf("  param %-28s %8lld  %s\n", s.params[p].name,
                  static_cast<long long>(s.params[p].size),
                  s.params[p].init_text);
  }
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"aderun: train, sample, evaluate and plot models compiled "
               "by adec (Adversarial Dynamics Embedding)"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.set_version_flag("--version", "aderun " ADE_VERSION);

  // train
  TrainConfig config;
  std::string configFile;
  bool resume = false;
  CLI::App *trainCmd = app.add_subcommand(
      "train", "Train a model and its sampler by ADE; writes a run "
               "directory (config.json, checkpoint.bin, log.csv, "
               "samples.csv, samples.png, curves.png, metrics.json)");
  trainCmd->add_option("library", config.library, "The model.so from adec")
      ->required();
  trainCmd->add_option("--config", configFile,
                       "Settings from a TOML file (keys as in config.json); "
                       "flags override it");
  trainCmd->add_option(
      "--data", config.data, "A built-in data set (" + [] {
        std::string all;
        for (const std::string &n : datasetNames())
          all += (all.empty() ? "" : ", ") + n;
        return all;
      }() + ") or a CSV/NPY/IDX file");
  trainCmd->add_option("--model", config.model,
                       "The model (default: the library's only model)");
  trainCmd->add_option("--sampler", config.sampler,
                       "The sampler (default: the model's first)");
  trainCmd
      ->add_option("--estimator", config.estimator,
                   "ade (full gradients through the sampler, paper eq. "
                   "21) or ade-detached (the reference code's)")
      ->capture_default_str();
  trainCmd->add_option("--iters", config.iterations, "Iterations")
      ->capture_default_str();
  trainCmd->add_option("--batch", config.batch, "Batch size")
      ->capture_default_str();
  trainCmd
      ->add_option("--sampler-steps", config.samplerSteps,
                   "Sampler updates per model update")
      ->capture_default_str();
  trainCmd->add_option("--seed", config.seed, "Random seed")
      ->capture_default_str();
  trainCmd
      ->add_option("--threads", config.threads,
                   "Threads for the compiled entries (0: all cores)")
      ->capture_default_str();
  trainCmd->add_option("--lr", config.learningRate, "Model learning rate")
      ->capture_default_str();
  trainCmd
      ->add_option("--sampler-lr", config.samplerLearningRate,
                   "Sampler learning rate")
      ->capture_default_str();
  trainCmd->add_option("--beta1", config.beta1, "Adam beta1")
      ->capture_default_str();
  trainCmd->add_option("--beta2", config.beta2, "Adam beta2")
      ->capture_default_str();
  trainCmd->add_flag("--adam-clip", config.adamClip,
                     "Clip gradients to +-(3 sqrt(v) + 0.1) as the "
                     "reference code does");
  trainCmd
      ->add_option("--entropy-weight", config.entropyWeight,
                   "kappa: weight of the sampler's entropy")
      ->capture_default_str();
  trainCmd
      ->add_option("--kinetic-weight", config.kineticWeight,
                   "lambda: weight of the momenta's kinetic energy")
      ->capture_default_str();
  trainCmd
      ->add_option("--eval-every", config.evalEvery,
                   "Iterations between MMD evaluations and checkpoints")
      ->capture_default_str();
  trainCmd
      ->add_option("--eval-samples", config.evalSamples,
                   "Samples and reference points per MMD evaluation")
      ->capture_default_str();
  trainCmd
      ->add_option("--log-every", config.logEvery,
                   "Iterations per progress line")
      ->capture_default_str();
  trainCmd
      ->add_option("--max-recoveries", config.maxRecoveries,
                   "Restores from the last checkpoint after NaN/Inf "
                   "before giving up")
      ->capture_default_str();
  trainCmd->add_option("--out", config.out, "The run directory")
      ->capture_default_str();
  trainCmd->add_flag("--resume", resume,
                     "Continue the run in --out from its checkpoint");

  // sample
  std::string runDir, output;
  int64_t count = 1000, reps = 5;
  uint64_t seed = 1;
  CLI::App *sampleCmd =
      app.add_subcommand("sample", "Draw samples from a trained run's sampler");
  sampleCmd->add_option("run", runDir, "The run directory")->required();
  sampleCmd->add_option("-n", count, "How many")->capture_default_str();
  sampleCmd
      ->add_option("--out", output,
                   "FILE.csv (header row, one sample per row) or "
                   "FILE.npy (shape (n, d))")
      ->required();
  sampleCmd->add_option("--seed", seed, "Noise seed")->capture_default_str();

  // eval
  CLI::App *evalCmd = app.add_subcommand(
      "eval", "MMD^2 between fresh samples and fresh data (mean +- sd)");
  evalCmd->add_option("run", runDir, "The run directory")->required();
  evalCmd->add_option("--samples", count, "Samples and data points per rep")
      ->capture_default_str();
  evalCmd->add_option("--reps", reps, "Repetitions")->capture_default_str();
  evalCmd->add_option("--seed", seed, "Seed")->capture_default_str();
  std::string metric = "mmd";
  evalCmd->add_option("--metric", metric, "The metric (mmd)")
      ->check(CLI::IsMember({"mmd"}))
      ->capture_default_str();

  // plot
  CLI::App *plotCmd = app.add_subcommand(
      "plot", "Write samples.png and curves.png into a run directory");
  plotCmd->add_option("run", runDir, "The run directory")->required();

  // info
  std::string libraryPath;
  CLI::App *infoCmd = app.add_subcommand(
      "info", "Models, samplers, entries and parameters of a model.so");
  infoCmd->add_option("library", libraryPath, "The model.so")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? ExitOk : ExitUsage;
  }

  try {
    if (*trainCmd) {
      if (!configFile.empty())
        applyTomlConfig(configFile, config, *trainCmd);
      config.library = absolutePath(config.library);
      validateConfig(config);
      std::cout << "aderun train: resolved configuration\n"
                << configToJson(config) << std::flush;
      train(config, resume,
            [](const std::string &line) { std::cout << line << std::endl; });
      std::string samples = config.out + "/samples.csv";
      writeRunSamples(config.out, config.evalSamples, config.seed, samples);
      std::vector<std::string> files = plotRun(config.out);
      std::vector<double> mmd =
          evaluateRun(config.out, config.evalSamples, 5, config.seed);
      auto [m, sd] = meanAndSd(mmd);
      nlohmann::json metrics = {{"mmd2", m},
                                {"mmd2_sd", sd},
                                {"mmd2_reps", mmd},
                                {"eval_samples", config.evalSamples},
                                {"iterations", config.iterations}};
      writeFileAtomically(config.out + "/metrics.json", metrics.dump(2) + "\n");
      std::printf("final MMD^2 x 1e3 = %.3f +- %.3f (5 fresh draws of %lld)\n",
                  m * 1e3, sd * 1e3,
                  static_cast<long long>(config.evalSamples));
      std::printf("wrote %s", samples.c_str());
      for (const std::string &f : files)
        std::printf(", %s", f.c_str());
      std::printf(", %s/metrics.json\n", config.out.c_str());
    } else if (*sampleCmd) {
      writeRunSamples(runDir, count, seed, output);
      std::printf("wrote %lld samples to %s\n", static_cast<long long>(count),
                  output.c_str());
    } else if (*evalCmd) {
      std::vector<double> mmd = evaluateRun(runDir, count, reps, seed);
      auto [m, sd] = meanAndSd(mmd);
      std::printf("MMD^2 x 1e3 = %.3f +- %.3f (%lld reps of %lld samples)\n",
                  m * 1e3, sd * 1e3, static_cast<long long>(reps),
                  static_cast<long long>(count));
    } else if (*plotCmd) {
      for (const std::string &f : plotRun(runDir))
        std::printf("wrote %s\n", f.c_str());
    } else if (*infoCmd) {
      printInfo(libraryPath);
    }
  } catch (const Error &e) {
    std::cerr << "aderun: error: " << e.what() << "\n";
    return ExitError;
  } catch (const std::exception &e) {
    std::cerr << "aderun: internal error: " << e.what() << "\n";
    return ExitInternal;
  }
  return ExitOk;
}
