//===- aderun.cpp - Train, sample, evaluate and plot compiled ADE models --===//
//
// aderun train MODEL.so --data NAME|FILE [--out DIR] [settings...]
// aderun sample DIR -n N --out FILE.csv|FILE.npy
// aderun eval DIR|--data NAME|FILE [--samples N] [--reps K] [--json]
// aderun plot DIR [DIR... --out FIGURE.png]
// aderun info MODEL.so
// aderun energy MODEL.so [--checkpoint C] --input X --output F.csv [--grad]
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/DataFiles.h"
#include "ade/runtime/Datasets.h"
#include "ade/runtime/Error.h"
#include "ade/runtime/ModelLibrary.h"
#include "ade/runtime/Random.h"
#include "ade/runtime/Trainer.h"

#include "CLI/CLI.hpp"
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <new>
#include <sstream>

using namespace ade;

namespace {

enum ExitCode {
  ExitOk = 0,
  ExitError = 1,
  ExitUsage = 2,
  ExitInternal = 70,
  ExitInterrupted = 130
};

const char *kExitCodes = R"(Exit codes:
  0   success
  1   the run failed (bad data, a model library or checkpoint that does not
      fit, training that diverged past its recoveries); see the message
  2   command-line misuse
  70  internal error (a bug: please report it)
  130 training interrupted (SIGINT/SIGTERM) after writing a checkpoint)";

/// Integers as decimal text T holds, rewritten canonically: CLI11 itself
/// clamps out-of-range values, wraps negative ones into unsigned options
/// and reads 010 as octal, all silently.
template <typename T> CLI::Validator decimalInteger(const std::string &what) {
  return CLI::Validator(
      [what](std::string &text) -> std::string {
        T value;
        auto [end, error] =
            std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size())
          return what + ", not '" + text + "'";
        text = std::to_string(value);
        return "";
      },
      "INT");
}
const CLI::Validator kSeed =
    decimalInteger<uint64_t>("a seed is an integer from 0 to 2^64 - 1");
const CLI::Validator kInteger =
    decimalInteger<int64_t>("expected an integer from -2^63 to 2^63 - 1");

std::string absolutePath(const std::string &path) {
  if (path.empty() || path[0] == '/')
    return path;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return path;
  return std::string(cwd) + "/" + path;
}

/// Whether two paths name the same directory, spelt alike or not (`run`,
/// `./run/`).
bool sameDirectory(const std::string &a, const std::string &b) {
  auto normal = [](const std::string &path) {
    std::filesystem::path p =
        std::filesystem::path(absolutePath(path)).lexically_normal();
    return p.has_filename() ? p : p.parent_path();
  };
  return normal(a) == normal(b);
}

/// The settings of a TOML file, as JSON with the keys of config.json.
nlohmann::json tomlSettings(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw Error("cannot read config file '" + path +
                "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw Error("config file '" + path + "' is not a file");
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error &e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column
       << ": " << e.description();
    throw Error(os.str());
  }
  nlohmann::json j = nlohmann::json::object();
  for (auto &[key, node] : table) {
    std::string k(key.str());
    if (k == "library")
      throw Error(path + ": 'library' is given on the command line "
                         "(aderun train MODEL.so), not in the file");
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
  return j;
}

/// Settings given explicitly on the command line replace those of `base`.
void applyGivenFlags(TrainConfig &base, const TrainConfig &flags,
                     const CLI::App &cmd) {
  auto take = [&](const char *flag, auto member) {
    if (cmd.count(flag) > 0)
      base.*member = flags.*member;
  };
  take("--model", &TrainConfig::model);
  take("--sampler", &TrainConfig::sampler);
  take("--data", &TrainConfig::data);
  take("--estimator", &TrainConfig::estimator);
  take("--dequantize", &TrainConfig::dequantize);
  take("--data-noise", &TrainConfig::dataNoise);
  take("--iters", &TrainConfig::iterations);
  take("--batch", &TrainConfig::batch);
  take("--sampler-steps", &TrainConfig::samplerSteps);
  take("--seed", &TrainConfig::seed);
  take("--threads", &TrainConfig::threads);
  take("--device", &TrainConfig::device);
  take("--host-noise", &TrainConfig::hostNoise);
  take("--lr", &TrainConfig::learningRate);
  take("--sampler-lr", &TrainConfig::samplerLearningRate);
  take("--beta1", &TrainConfig::beta1);
  take("--beta2", &TrainConfig::beta2);
  take("--sampler-beta1", &TrainConfig::samplerBeta1);
  take("--sampler-beta2", &TrainConfig::samplerBeta2);
  take("--adam-clip", &TrainConfig::adamClip);
  take("--lr-decay", &TrainConfig::lrDecay);
  take("--ema", &TrainConfig::ema);
  take("--entropy-weight", &TrainConfig::entropyWeight);
  take("--kinetic-weight", &TrainConfig::kineticWeight);
  take("--momentum-weight", &TrainConfig::momentumWeight);
  take("--energy-penalty", &TrainConfig::energyPenalty);
  take("--eval-every", &TrainConfig::evalEvery);
  take("--eval-samples", &TrainConfig::evalSamples);
  take("--log-every", &TrainConfig::logEvery);
  take("--max-recoveries", &TrainConfig::maxRecoveries);
  take("--out", &TrainConfig::out);
}

/// The training settings: defaults, then (when resuming) the run's
/// config.json, then the TOML file, then the flags given. `resumeDir` is
/// the run `--resume DIR` names (empty: the run in --out); a resumed run
/// keeps its model library unless one is given.
TrainConfig resolveConfig(const TrainConfig &flags, const CLI::App &cmd,
                          const std::string &tomlPath, bool resume,
                          const std::string &resumeDir) {
  nlohmann::json settings = nlohmann::json::object();
  nlohmann::json fromToml =
      tomlPath.empty() ? nlohmann::json::object() : tomlSettings(tomlPath);
  std::string library = flags.library;
  std::string out = flags.out;
  if (resume) {
    if (!resumeDir.empty()) {
      out = resumeDir;
    } else if (!cmd.count("--out") && fromToml.contains("out")) {
      if (!fromToml["out"].is_string())
        throw Error(tomlPath + ": 'out' must be a string");
      out = fromToml["out"].get<std::string>();
    }
    TrainConfig run = loadRunConfig(out);
    if (library.empty())
      library = run.library;
    settings = nlohmann::json::parse(configToJson(run));
    settings.erase("library");
  }
  settings.update(fromToml);
  TrainConfig config = configFromJson(
      settings.dump(), tomlPath.empty() ? "config.json" : tomlPath);
  applyGivenFlags(config, flags, cmd);
  // The sampler's betas follow the model's unless set.
  if (!settings.contains("sampler_beta1") && !cmd.count("--sampler-beta1"))
    config.samplerBeta1 = config.beta1;
  if (!settings.contains("sampler_beta2") && !cmd.count("--sampler-beta2"))
    config.samplerBeta2 = config.beta2;
  if (!resumeDir.empty())
    config.out = resumeDir;
  config.library = absolutePath(library);
  // Runs are used from other directories: data files by absolute path.
  struct stat st;
  if (!isDataset(config.data) && stat(config.data.c_str(), &st) == 0)
    config.data = absolutePath(config.data);
  return config;
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

/// `aderun eval`: a run's MMD^2 to fresh data, or with `data` the noise
/// floor (fresh data scored in place of samples).
void evaluate(const std::string &runDir, const std::string &data, int64_t count,
              int64_t reps, int64_t evaluations, uint64_t seed,
              const ChainStart &start, bool json) {
  std::vector<double> mmd, independent, trainingEvaluations;
  if (data.empty()) {
    mmd = evaluateRun(runDir, count, reps, seed, start);
  } else {
    NoiseFloor floor = evaluateData(data, count, reps, evaluations, seed);
    mmd = floor.final;
    independent = floor.independent;
    trainingEvaluations = floor.evaluations;
  }
  auto [m, sd] = meanAndSd(mmd);
  auto [im, isd] = meanAndSd(independent);
  double minimum = trainingEvaluations.empty()
                       ? std::nan("")
                       : *std::min_element(trainingEvaluations.begin(),
                                           trainingEvaluations.end());
  if (json) {
    nlohmann::json out = {{"mmd2", m}, {"mmd2_sd", sd}, {"mmd2_reps", mmd}};
    if (data.empty())
      out["start"] = {{"from", start.fromNoise ? "noise" : "data"},
                      {"chain", start.steps},
                      {"sampler", start.sampler}};
    if (!data.empty()) {
      out["data"] = data;
      out["mmd2_evaluations"] = trainingEvaluations;
      if (!independent.empty()) {
        out["mmd2_independent"] = im;
        out["mmd2_independent_sd"] = isd;
        out["mmd2_independent_reps"] = independent;
      }
      if (!trainingEvaluations.empty())
        out["mmd2_min_over_evaluations"] = minimum;
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::string chains;
  if (!start.sampler.empty())
    chains = " of " + start.sampler;
  if (start.fromNoise || start.steps > 1)
    chains += ", each " + std::to_string(start.steps) +
              (start.steps == 1 ? " run" : " runs in a row") +
              " of the sampler from " + (start.fromNoise ? "noise" : "data");
  std::printf("%sMMD^2 x 1e3 = %.3f +- %.3f (%lld reps of %lld %s%s)\n",
              data.empty() ? "" : "noise floor: ", m * 1e3, sd * 1e3,
              static_cast<long long>(reps), static_cast<long long>(count),
              data.empty() ? "samples" : "fresh data points", chains.c_str());
  if (!independent.empty())
    std::printf("independent points (a random subset of %lld): MMD^2 x 1e3 = "
                "%.3f +- %.3f\n",
                static_cast<long long>(kIndependentPoolFactor * count),
                im * 1e3, isd * 1e3);
  if (!trainingEvaluations.empty())
    std::printf("minimum over %lld evaluations against one reference set "
                "(biased low): %.3f\n",
                static_cast<long long>(trainingEvaluations.size()),
                minimum * 1e3);
}

/// Training output: every line but the ticks to stdout (progress rows
/// only without --quiet) and to the run's train.log; on a terminal, the
/// ticks redraw one progress bar line under them.
class TrainOutput {
public:
  TrainOutput(const std::string &runDir, bool quiet)
      : runDir(runDir), quiet(quiet), terminal(isatty(STDOUT_FILENO)) {}
  ~TrainOutput() { endBar(); } // before an error message, too

  void print(Message kind, const std::string &line) {
    if (kind == Message::Tick) {
      if (terminal && !quiet) {
        std::cout << "\r\033[K" << line << std::flush;
        barShown = true;
      }
      return;
    }
    if (!log.is_open()) // the trainer has made the run directory by now
      log.open(runDir + "/train.log", std::ios::app);
    log << line << '\n' << std::flush;
    if (quiet && kind == Message::Progress)
      return;
    endBar();
    std::cout << line << std::endl;
  }

  /// Clears a pending progress bar.
  void endBar() {
    if (barShown)
      std::cout << "\r\033[K" << std::flush;
    barShown = false;
  }

private:
  std::string runDir;
  bool quiet, terminal, barShown = false;
  std::ofstream log;
};

/// A documentation comment, every line indented by two spaces.
void printDoc(const char *doc) {
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);)
    std::printf("  %s\n", line.c_str());
}

/// An owner's entries, each with its floating-point operations per
/// particle as the compiler counted them.
void printEntries(
    std::initializer_list<std::pair<const char *, int64_t>> entries) {
  std::printf("  entries (floating-point operations per particle):");
  for (auto [name, flops] : entries)
    if (flops >= 0)
      std::printf(" %s %lld", name, static_cast<long long>(flops));
    else
      std::printf(" %s (not counted)", name);
  std::printf("\n");
}

void printInfo(const std::string &path) {
  // Described, not run: a library for another CPU is shown with what
  // this one lacks.
  ModelLibrary lib(path, ModelLibrary::CpuCheck::Allow);
  const ade_library_info &info = lib.info();
  std::printf("library   %s\ncompiled  by %s from %s\nABI       %u\n",
              lib.path().c_str(), info.compiler, info.source, info.abi_version);
  std::string features = info.cpu_features;
  std::replace(features.begin(), features.end(), ',', ' ');
  std::printf("CPU       %s%s%s%s\n", info.target_cpu,
              features.empty() ? "" : " (", features.c_str(),
              features.empty() ? "" : ")");
  if (std::vector<std::string> missing = lib.missingCpuFeatures();
      !missing.empty()) {
    std::string names;
    for (const std::string &name : missing)
      names += (names.empty() ? "" : " ") + name;
    std::printf("          this CPU lacks %s: the entries would not run "
                "here\n",
                names.c_str());
  }
  for (int32_t i = 0; i < info.num_models; ++i) {
    const ade_model_info &m = info.models[i];
    std::printf("\nmodel %s  (%s, data of %lld values, %lld parameters, "
                "tiles of %d)\n",
                m.name, m.dtype == ADE_F64 ? "f64" : "f32",
                static_cast<long long>(m.data_size),
                static_cast<long long>(m.params_size), m.tile_size);
    printDoc(m.doc);
    printEntries({{"energy", m.flops.energy},
                  {"grad_energy", m.flops.grad_energy},
                  {"energy_vjp", m.flops.energy_vjp},
                  {"score_matching", m.flops.score_matching},
                  {"score_matching_vjp", m.flops.score_matching_vjp}});
    if (m.score_matching_probe)
      std::printf("  score matching takes a probe (Hutchinson's estimate)\n");
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
    printDoc(s.doc);
    // Repeated draws (a momentum per Langevin step) on one line.
    for (int32_t d = 0, repeats; d < s.num_draws; d += repeats) {
      const ade_draw_info &draw = s.draws[d];
      repeats = 1;
      while (d + repeats < s.num_draws &&
             std::strcmp(s.draws[d + repeats].name, draw.name) == 0 &&
             s.draws[d + repeats].size == draw.size &&
             s.draws[d + repeats].noise == draw.noise)
        ++repeats;
      std::printf("  draw  %-10s %lld %s values%s\n", draw.name,
                  static_cast<long long>(draw.size),
                  draw.noise == ADE_NOISE_UNIFORM ? "uniform" : "normal",
                  repeats > 1 ? (" (x" + std::to_string(repeats) + ")").c_str()
                              : "");
    }
    printEntries({{"sample", s.flops.sample},
                  {"sample_vjp", s.flops.sample_vjp},
                  {"sampler_vjp", s.flops.sampler_vjp}});
    for (int32_t p = 0; p < s.num_params; ++p)
      std::printf("  param %-28s %8lld  %s\n", s.params[p].name,
                  static_cast<long long>(s.params[p].size),
                  s.params[p].init_text);
    for (int32_t k = 0; k < s.num_stats; ++k)
      std::printf("  report %s (logged by aderun train)\n", s.stat_names[k]);
  }
  if (const ade_cuda_info *cuda = info.cuda) {
    std::printf("\nGPU kernels (PTX for %s%s; of an entry's tile sizes, "
                "the runtime keeps the fastest; of a VJP's, the largest "
                "that gives every multiprocessor a block, else the "
                "smallest):\n",
                cuda->arch, cuda->cubin ? " and its cubin" : ", no cubin");
    std::vector<const ade_cuda_kernel *> kernels;
    std::string runtimeKernels;
    for (int32_t k = 0; k < cuda->num_kernels; ++k) {
      if (std::string_view(cuda->kernels[k].owner) == "ade.runtime")
        runtimeKernels += std::string(runtimeKernels.empty() ? "" : ", ") +
                          cuda->kernels[k].entry;
      else
        kernels.push_back(&cuda->kernels[k]);
    }
    std::stable_sort(
        kernels.begin(), kernels.end(),
        [](const ade_cuda_kernel *a, const ade_cuda_kernel *b) {
          return std::make_pair(std::string(a->owner), std::string(a->entry)) <
                 std::make_pair(std::string(b->owner), std::string(b->entry));
        });
    for (const ade_cuda_kernel *k : kernels) {
      const ade_cuda_kernel &kernel = *k;
      if (kernel.shared_bytes == 0)
        std::printf("  %s.%s: one thread per particle, %d per block\n",
                    kernel.owner, kernel.entry, kernel.block_size);
      else if (kernel.scratch_bytes_per_block == 0)
        std::printf("  %s.%s: %d particles per block of %d threads, %.1f "
                    "KiB shared\n",
                    kernel.owner, kernel.entry, kernel.particles_per_block,
                    kernel.block_size, kernel.shared_bytes / 1024.0);
      else
        std::printf("  %s.%s: %d particles per block of %d threads, %.1f "
                    "KiB shared, %.1f KiB scratch per block (blocks loop "
                    "over the tiles)\n",
                    kernel.owner, kernel.entry, kernel.particles_per_block,
                    kernel.block_size, kernel.shared_bytes / 1024.0,
                    kernel.scratch_bytes_per_block / 1024.0);
    }
    if (!runtimeKernels.empty())
      std::printf("  and aderun's own: %s (aderun train --device cuda "
                  "keeps the parameters on the GPU)\n",
                  runtimeKernels.c_str());
  } else {
    std::printf("\nno GPU kernels (compile with adec --target all)\n");
  }
}

/// f (and grad_x f) of a model at the rows of a data file.
void writeEnergies(const std::string &libraryPath, const std::string &modelName,
                   const std::string &checkpoint, uint64_t seed,
                   const std::string &input, const std::string &output,
                   bool withGradient, int32_t threads) {
  ModelLibrary lib(libraryPath);
  const ade_model_info &model = lib.model(modelName);
  Matrix x = readDataFile(input);
  if (x.cols != model.data_size)
    throw Error("'" + input + "' has " + std::to_string(x.cols) +
                " columns but model '" + model.name + "' takes points of " +
                std::to_string(model.data_size) + " values");
  if (x.rows == 0)
    throw Error("'" + input + "' has no rows");
  std::vector<double> params;
  if (checkpoint.empty()) {
    Rng rng(seed);
    params = initialParameters(model.params, model.num_params,
                               model.params_size, rng);
  } else {
    params = checkpointModelParameters(checkpoint, model);
  }
  TypedBuffer p(model.dtype, params.size()), xb(model.dtype, x.values.size()),
      f(model.dtype, x.rows), g(model.dtype, x.values.size());
  p.assign(params);
  xb.assign(x.values);
  if (withGradient)
    checkStatus(model.grad_energy(p.data(), xb.data(), f.data(), g.data(),
                                  x.rows, threads),
                "grad_energy");
  else
    checkStatus(model.energy(p.data(), xb.data(), f.data(), x.rows, threads),
                "energy");
  Matrix out;
  out.rows = x.rows;
  out.cols = withGradient ? 1 + x.cols : 1;
  out.columnNames.push_back("f");
  std::vector<double> fv = f.values(), gv = g.values();
  for (int64_t i = 0; withGradient && i < x.cols; ++i)
    out.columnNames.push_back("df/dx" + std::to_string(i));
  for (int64_t r = 0; r < x.rows; ++r) {
    out.values.push_back(fv[r]);
    for (int64_t i = 0; withGradient && i < x.cols; ++i)
      out.values.push_back(gv[r * x.cols + i]);
  }
  if (isNpyName(output))
    writeNpy(output, out, model.dtype != ADE_F64);
  else
    writeCsv(output, out, model.dtype != ADE_F64);
}

/// Set by SIGINT/SIGTERM; training checkpoints and stops at the next
/// iteration. A second signal kills as usual (e.g. a stuck evaluation).
volatile std::sig_atomic_t stopSignal = 0;

extern "C" void onStopSignal(int signal) {
  stopSignal = signal;
  std::signal(signal, SIG_DFL);
}

} // namespace

/// The check of an output table's name (`aderun sample --out`, `aderun
/// energy --output`): a .csv or .npy file, or a device or pipe for CSV.
CLI::Validator tableFileCheck(const std::string &what) {
  return CLI::Validator(
      [what](const std::string &path) -> std::string {
        struct stat st;
        bool device = path.rfind("/dev/", 0) == 0 ||
                      path.rfind("/proc/", 0) == 0 ||
                      (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode));
        return device || isNpyName(path) ||
                       (path.size() >= 4 &&
                        path.compare(path.size() - 4, 4, ".csv") == 0)
                   ? ""
                   : "the " + what +
                         " file must end in .csv or .npy (or be a device or "
                         "pipe, for CSV)";
      },
      "FILE");
}

/// --start, --chain and --sampler (`aderun sample` and `eval`): how a
/// run's model is sampled.
std::vector<CLI::Option *> addChainOptions(CLI::App *cmd, ChainStart &start,
                                           std::string &from) {
  return {cmd->add_option("--start", from,
                          "Where a sampler that takes a start (x0) starts: "
                          "fresh data, as training evaluates it, or noise "
                          "around the data (normal, twice its sd per "
                          "coordinate)")
              ->check(CLI::IsMember({"data", "noise"}))
              ->capture_default_str(),
          cmd->add_option("--chain", start.steps,
                          "Apply such a sampler this many times in a row, each "
                          "output the next start (long chains: the model's own "
                          "samples)")
              ->capture_default_str(),
          cmd->add_option("--sampler", start.sampler,
                          "Draw with this sampler of the run's model, at its "
                          "initial parameters (default: the run's own, "
                          "trained)"),
          cmd->add_option("--device", start.device,
                          "Where the sampler runs: cpu, or cuda (the GPU "
                          "kernels of a library compiled with adec --target "
                          "all)")
              ->check(CLI::IsMember({"cpu", "cuda"}))
              ->capture_default_str()};
}

int main(int argc, char **argv) {
  std::signal(SIGINT, onStopSignal);
  std::signal(SIGTERM, onStopSignal);
  // A write past the file-size limit fails (EFBIG) and is reported, its
  // temporary file removed, instead of killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"aderun: train, sample, evaluate and plot models compiled "
               "by adec (Adversarial Dynamics Embedding)"};
  app.footer(kExitCodes);
  // Command-line errors read as the tool's other errors do.
  app.failure_message([](const CLI::App *, const CLI::Error &e) {
    return std::string("aderun: error: ") + e.what() +
           "\nRun with --help for more information.\n";
  });
  app.require_subcommand(1);
  app.set_version_flag("--version", "aderun " ADE_VERSION);

  // train
  TrainConfig config;
  std::string configFile;
  std::string resumeDir;
  bool quiet = false;
  CLI::App *trainCmd = app.add_subcommand(
      "train", "Train a model and its sampler by ADE; writes a run "
               "directory (config.json, checkpoint.bin, metrics.csv, "
               "samples.csv, samples.png, curves.png, metrics.json)");
  // A flag given twice takes its last value, so that scripts can append
  // settings to their own (--lr-decay none ... --lr-decay cosine).
  trainCmd->option_defaults()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  trainCmd->add_option("library", config.library,
                       "The model.so from adec (with --resume: the run's "
                       "unless given)");
  trainCmd->add_option("--config", configFile,
                       "Settings from a TOML file (keys as in config.json); "
                       "flags override it");
  trainCmd->add_option(
      "--data", config.data,
      "A built-in data set (" +
          [] {
            std::string all;
            for (const std::string &n : datasetNames())
              all += (all.empty() ? "" : ", ") + n;
            return all;
          }() +
          "), fashion-mnist (the Debian package dataset-fashion-mnist's "
          "training images), or a file: CSV (a point per row; a first row "
          "without numbers is a header), NPY or IDX");
  trainCmd->add_flag("--dequantize,!--no-dequantize", config.dequantize,
                     "Image data: pixel levels k/255 become (k + u)/256, "
                     "u ~ U[0, 1)");
  trainCmd
      ->add_option("--data-noise", config.dataNoise,
                   "sigma of Gaussian noise added to every training batch "
                   "(0: none; evaluations use clean data)")
      ->capture_default_str();
  trainCmd->add_option("--model", config.model,
                       "The model (default: the library's only model)");
  trainCmd->add_option("--sampler", config.sampler,
                       "The sampler (default: the model's first)");
  trainCmd
      ->add_option("--estimator", config.estimator,
                   "ade (full gradients through the sampler, paper eq. 21), "
                   "ade-detached (samples as constants, the reference "
                   "code's), nf (ade, for a flow-only sampler), cd / pcd "
                   "(the sampler, fixed, run from the data batch / from "
                   "persistent chains), sm (score matching; the sampler "
                   "still learns, for samples)")
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
      ->transform(kSeed)
      ->capture_default_str();
  trainCmd
      ->add_option("--threads", config.threads,
                   "Threads for the compiled entries (0: all cores)")
      ->check(CLI::Range(0, kMaxThreads))
      ->capture_default_str();
  trainCmd
      ->add_option("--device", config.device,
                   "Where the entries run: cpu, or cuda (the GPU kernels of "
                   "a library compiled with adec --target all)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  trainCmd->add_flag("--host-noise", config.hostNoise,
                     "With --device cuda: draw the sampler's noise on the "
                     "host, as on the CPU (the same run as --device cpu), "
                     "not on the GPU");
  trainCmd->add_option("--lr", config.learningRate, "Model learning rate")
      ->capture_default_str();
  trainCmd
      ->add_option("--sampler-lr", config.samplerLearningRate,
                   "Sampler learning rate")
      ->capture_default_str();
  trainCmd->add_option("--beta1", config.beta1, "The model's Adam beta1")
      ->capture_default_str();
  trainCmd->add_option("--beta2", config.beta2, "The model's Adam beta2")
      ->capture_default_str();
  trainCmd->add_option("--sampler-beta1", config.samplerBeta1,
                       "The sampler's Adam beta1 (default: --beta1's)");
  trainCmd->add_option("--sampler-beta2", config.samplerBeta2,
                       "The sampler's Adam beta2 (default: --beta2's)");
  trainCmd->add_flag("--adam-clip,!--no-adam-clip", config.adamClip,
                     "Clip gradients to +-(3 sqrt(v / (1 - beta2^t)) + 0.1), "
                     "v before step t's update, as the reference code does "
                     "(the default; --no-adam-clip: "
                     "plain Adam)");
  trainCmd
      ->add_option("--lr-decay", config.lrDecay,
                   "Decay of both learning rates over the iterations: none, "
                   "linear or cosine (to 0 at --iters)")
      ->capture_default_str();
  trainCmd
      ->add_option("--ema", config.ema,
                   "Exponential moving average of the parameters (e.g. "
                   "0.999; 0: off) used to evaluate, sample and plot")
      ->capture_default_str();
  trainCmd
      ->add_option("--entropy-weight", config.entropyWeight,
                   "kappa: weight of the sampler's entropy")
      ->capture_default_str();
  trainCmd
      ->add_option("--kinetic-weight", config.kineticWeight,
                   "lambda: weight of the kinetic energy of the momenta the "
                   "sampler draws and drops (1: the paper's augmented model)")
      ->capture_default_str();
  trainCmd
      ->add_option("--momentum-weight", config.momentumWeight,
                   "lambda_v: weight of 1/2 |v|^2 of a returned momentum")
      ->capture_default_str();
  trainCmd
      ->add_option("--energy-penalty", config.energyPenalty,
                   "alpha: the model step also descends alpha (mean f(data)^2 "
                   "+ mean f(samples)^2), which keeps the energy's scale from "
                   "running away (0: off, the paper's objective)")
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
  trainCmd->add_flag("--quiet", quiet,
                     "No progress lines (warnings and the summary only)");
  trainCmd
      ->add_option("--resume", resumeDir,
                   "Continue the run in DIR (without DIR: in --out) from its "
                   "checkpoint, with its settings and model library (flags "
                   "and a MODEL.so given here override them; bit-identical "
                   "to an uninterrupted run with the same --threads)")
      ->expected(0, 1)
      ->type_name("[DIR]");

  // sample
  std::string runDir, output;
  int64_t count = 1000, reps = 5;
  uint64_t seed = 1;
  CLI::App *sampleCmd =
      app.add_subcommand("sample", "Draw samples from a trained run's sampler");
  sampleCmd
      ->add_option("run", runDir, "The run directory, or a checkpoint in it")
      ->required();
  sampleCmd->add_option("-n", count, "How many")->capture_default_str();
  sampleCmd
      ->add_option("--out", output,
                   "FILE.csv (header row, one sample per row) or "
                   "FILE.npy (shape (n, d))")
      ->check(tableFileCheck("samples'"), "FILE")
      ->required();
  sampleCmd->add_option("--seed", seed, "Noise seed")
      ->transform(kSeed)
      ->capture_default_str();
  ChainStart chainStart;
  std::string startFrom = "data";
  addChainOptions(sampleCmd, chainStart, startFrom);

  // eval
  CLI::App *evalCmd = app.add_subcommand(
      "eval", "MMD^2 between fresh samples and fresh data (mean +- sd); with "
              "--data, the noise floors: fresh data, and independent points "
              "(a random subset of a 50x larger draw), in place of samples");
  std::string evalData;
  int64_t evaluations = 100;
  bool json = false;
  CLI::Option *evalRun = evalCmd->add_option(
      "run", runDir, "The run directory, or a checkpoint in it");
  CLI::Option *evalDataOption =
      evalCmd
          ->add_option("--data", evalData,
                       "A data set or data file instead of a run: the scores "
                       "of a perfect sampler")
          ->excludes(evalRun);
  evalCmd->add_option("--samples", count, "Samples and data points per rep")
      ->check(CLI::Range(int64_t(2), kMaxEvalSamples))
      ->capture_default_str();
  evalCmd->add_option("--reps", reps, "Repetitions")->capture_default_str();
  evalCmd
      ->add_option("--evaluations", evaluations,
                   "With --data: also score this many fresh draws against one "
                   "reference set, as training evaluates (their minimum is "
                   "the reference code's figure)")
      ->needs(evalDataOption)
      ->capture_default_str();
  evalCmd->add_option("--seed", seed, "Seed")
      ->transform(kSeed)
      ->capture_default_str();
  for (CLI::Option *chainOption :
       addChainOptions(evalCmd, chainStart, startFrom))
    chainOption->excludes(evalDataOption);
  std::string metric = "mmd";
  evalCmd->add_option("--metric", metric, "The metric (mmd)")
      ->check(CLI::IsMember({"mmd"}))
      ->capture_default_str();
  evalCmd->add_flag("--json", json, "Print the values as JSON");

  // plot
  CLI::App *plotCmd = app.add_subcommand(
      "plot", "Write samples.png and curves.png into a run directory; with "
              "--out, one figure of several 2-D runs (samples and density)");
  std::vector<std::string> plotDirs;
  std::string figurePath, figureTitle = "samples and learned densities";
  plotCmd->add_option("run", plotDirs, "The run directories")->required();
  CLI::Option *figureOption = plotCmd->add_option(
      "--out", figurePath, "FIGURE.png: one figure of all the runs");
  plotCmd->add_option("--title", figureTitle, "The figure's title (--out)")
      ->needs(figureOption)
      ->capture_default_str();

  // info
  std::string libraryPath;
  CLI::App *infoCmd = app.add_subcommand(
      "info", "Models, samplers, entries and parameters of a model.so");
  infoCmd->add_option("library", libraryPath, "The model.so")->required();

  // energy
  std::string energyModel, checkpoint, input, energyOutput;
  bool withGradient = false;
  int32_t threads = 0;
  CLI::App *energyCmd = app.add_subcommand(
      "energy", "The log-density f (and its gradient) at given points: "
                "a CSV with columns f[, df/dx0, ...]");
  energyCmd->add_option("library", libraryPath, "The model.so")->required();
  energyCmd->add_option("--model", energyModel,
                        "The model (default: the library's only model)");
  energyCmd->add_option("--checkpoint", checkpoint,
                        "Trained parameters: a run directory or its "
                        "checkpoint.bin (default: fresh ones from --seed)");
  energyCmd->add_option("--seed", seed, "Seed of fresh parameters")
      ->transform(kSeed)
      ->capture_default_str();
  energyCmd->add_option("--input", input, "Points: CSV, NPY or IDX")
      ->required();
  energyCmd
      ->add_option("--output", energyOutput,
                   "FILE.csv (header row f[,df/dx0,...]) or FILE.npy")
      ->check(tableFileCheck("energies'"), "FILE")
      ->required();
  energyCmd->add_flag("--grad", withGradient, "Also write grad_x f");
  energyCmd->add_option("--threads", threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, kMaxThreads))
      ->capture_default_str();

  // Every integer option: decimal and in range (see decimalInteger).
  for (CLI::App *sub : app.get_subcommands([](CLI::App *) { return true; }))
    for (const char *name :
         {"--iters", "--batch", "--sampler-steps", "--eval-every",
          "--eval-samples", "--log-every", "--max-recoveries", "--threads",
          "-n", "--samples", "--reps", "--evaluations", "--chain"})
      if (CLI::Option *option = sub->get_option_no_throw(name))
        option->transform(kInteger);

  // CLI11 says only "A subcommand is required" for a misspelt one.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (CLI::App *sub : app.get_subcommands([](CLI::App *) { return true; })) {
      known |= sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << "aderun: error: unknown subcommand '" << argv[1]
                << "' (one of: " << names << ")\n";
      return ExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? ExitOk : ExitUsage;
  }

  try {
    if (*trainCmd) {
      bool resume = trainCmd->count("--resume") > 0;
      if (!resume && config.library.empty()) {
        std::cerr << "aderun train: give the model library (aderun train "
                     "MODEL.so), or --resume DIR to continue a run\n";
        return ExitUsage;
      }
      if (!resumeDir.empty() && trainCmd->count("--out") &&
          !sameDirectory(config.out, resumeDir)) {
        std::cerr << "aderun train: --resume " << resumeDir << " and --out "
                  << config.out << " name two runs: give one of them\n";
        return ExitUsage;
      }
      config = resolveConfig(config, *trainCmd, configFile, resume, resumeDir);
      validateConfig(config);
      {
        // The model and sampler the defaults pick, by name in config.json.
        ModelLibrary library(config.library);
        const ade_model_info &model = library.model(config.model);
        config.model = model.name;
        config.sampler = library.sampler(config.sampler, model).name;
      }
      std::cout << "aderun train: resolved configuration\n"
                << configToJson(config) << std::flush;
      TrainOutput output(config.out, quiet);
      std::vector<Evaluation> evaluations = train(
          config, resume,
          [&](Message kind, const std::string &line) {
            output.print(kind, line);
          },
          [] { return stopSignal != 0; });
      output.endBar();
      std::string samples = config.out + "/samples.csv";
      FinishedRun finished =
          finishRun(config.out, config.evalSamples, 5, config.seed,
                    {samples, config.out + "/samples.npy"}, config.device);
      const std::vector<std::string> &files = finished.figures;
      const std::vector<double> &mmd = finished.mmd;
      auto [m, sd] = meanAndSd(mmd);
      // The reference code reports the minimum over evaluations: biased
      // low, so labelled as such next to the final value.
      // Over the trained samplers: iteration 0 is the untrained one.
      Evaluation best = evaluations.back();
      for (const Evaluation &e : evaluations)
        if (e.iteration > 0 && e.mmd2 < best.mmd2)
          best = e;
      nlohmann::json metrics = {
          {"mmd2", m},
          {"mmd2_sd", sd},
          {"mmd2_reps", mmd},
          {"mmd2_last_evaluation", evaluations.back().mmd2},
          {"mmd2_min_over_evaluations", best.mmd2},
          {"mmd2_min_iteration", best.iteration},
          {"eval_samples", config.evalSamples},
          {"iterations", config.iterations},
          {"estimator", config.estimator},
          {"data", config.data}};
      writeFileAtomically(config.out + "/metrics.json", metrics.dump(2) + "\n");
      std::printf("final MMD^2 x 1e3 = %.3f +- %.3f (5 fresh draws of %lld; "
                  "the minimum over evaluations, biased low: %.3f at "
                  "iteration %lld)\n",
                  m * 1e3, sd * 1e3, static_cast<long long>(config.evalSamples),
                  best.mmd2 * 1e3, static_cast<long long>(best.iteration));
      std::printf("wrote %s, %s/samples.npy", samples.c_str(),
                  config.out.c_str());
      for (const std::string &f : files)
        std::printf(", %s", f.c_str());
      std::printf(", %s/metrics.json\n", config.out.c_str());
    } else if (*sampleCmd) {
      chainStart.fromNoise = startFrom == "noise";
      writeRunSamples(runDir, count, seed, {output}, chainStart);
      std::printf("wrote %lld samples to %s\n", static_cast<long long>(count),
                  output.c_str());
    } else if (*evalCmd) {
      if (runDir.empty() && evalData.empty()) {
        std::cerr << "aderun eval: give a run directory, or --data for the "
                     "noise floor of a data set\n";
        return ExitUsage;
      }
      chainStart.fromNoise = startFrom == "noise";
      evaluate(runDir, evalData, count, reps, evaluations, seed, chainStart,
               json);
    } else if (*plotCmd) {
      if (!figurePath.empty()) {
        plotRuns(plotDirs, figurePath, figureTitle);
        std::printf("wrote %s\n", figurePath.c_str());
      } else if (plotDirs.size() > 1) {
        std::cerr << "aderun plot: several runs make one figure: give its "
                     "file with --out FIGURE.png\n";
        return ExitUsage;
      } else {
        for (const std::string &f : plotRun(plotDirs[0]))
          std::printf("wrote %s\n", f.c_str());
      }
    } else if (*infoCmd) {
      printInfo(libraryPath);
    } else if (*energyCmd) {
      writeEnergies(libraryPath, energyModel, checkpoint, seed, input,
                    energyOutput, withGradient, threads);
    }
  } catch (const Interrupted &e) {
    std::cerr << "aderun: " << e.what() << "\n";
    return ExitInterrupted;
  } catch (const Error &e) {
    std::cerr << "aderun: error: " << e.what() << "\n";
    return ExitError;
  } catch (const std::bad_alloc &) {
    std::cerr << "aderun: error: out of memory (a smaller -n, --samples, "
                 "--batch or data file needs less)\n";
    return ExitError;
  } catch (const std::exception &e) {
    std::cerr << "aderun: internal error: " << e.what() << "\n";
    return ExitInternal;
  }
  return ExitOk;
}
