//===- EntryBench.h - Shared parts of the entry benchmarks ------*- C++ -*-===//
//
// The options, agreement check and Markdown rows of ade-entries-bench and
// ade-image-bench: each times compiled entries against LibTorch autograd
// computing the same quantities.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_BENCH_ENTRYBENCH_H
#define ADE_BENCH_ENTRYBENCH_H

#include "BenchUtil.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace ade_bench {

/// --batch LIST, --threads N, --repeats N and --header.
struct EntryOptions {
  std::vector<int64_t> batches;
  int threads = 1;
  int repeats = 11;
  bool header = false;
};

/// The options after the library path in argv, starting from `defaults`;
/// prints the usage (`library` names the expected file) and exits 2 on a
/// missing library or a bad option.
inline EntryOptions parseEntryOptions(int argc, char **argv,
                                      const char *library,
                                      EntryOptions defaults) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s %s [--batch LIST] [--threads N] [--repeats N] "
                 "[--header]\n",
                 argv[0], library);
    std::exit(2);
  }
  EntryOptions options = std::move(defaults);
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--header") {
      options.header = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "option %s needs a value\n", flag.c_str());
      std::exit(2);
    }
    std::string value = argv[++i];
    if (flag == "--batch")
      options.batches = parseList(value);
    else if (flag == "--threads")
      options.threads = std::stoi(value);
    else if (flag == "--repeats")
      options.repeats = std::stoi(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return options;
}

/// max |got - want| / max |want| over all the pairs.
inline double relativeError(
    const std::vector<std::pair<const float *, torch::Tensor>> &pairs) {
  double err = 0, scale = 0;
  for (auto &[got, want] : pairs) {
    torch::Tensor w = want.detach().contiguous().to(torch::kFloat64).flatten();
    const double *wp = w.data_ptr<double>();
    for (int64_t i = 0; i < w.numel(); ++i) {
      err = std::max(err, std::abs(double(got[i]) - wp[i]));
      scale = std::max(scale, std::abs(wp[i]));
    }
  }
  return err / std::max(scale, 1e-30);
}

/// Exits 1 when an entry returned an error.
inline void check(int32_t status, const char *what) {
  if (status != ADE_OK) {
    std::fprintf(stderr, "%s failed with status %d\n", what, status);
    std::exit(1);
  }
}

/// The machine's FP32 peak as this process measures it: LibTorch's SGEMM
/// (a 2048^3 torch::mm) at `threads` threads, in GFLOP/s.
inline double sgemmGflops(int threads) {
  torch::set_num_threads(threads);
  const int64_t n = 2048;
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  double s = medianSeconds(9, [&] { torch::mm(a, b); });
  return 2.0 * n * n * n / s / 1e9;
}

/// FLOPs of a call on `batch` particles, from the compiler's count per
/// particle (ade_model_flops); NaN where it did not count, so that a sum
/// with an uncounted part prints no rate either.
inline double callFlops(int64_t perParticle, int64_t batch) {
  return perParticle >= 0 ? double(perParticle) * double(batch)
                          : std::numeric_limits<double>::quiet_NaN();
}

/// The Markdown table's header.
inline void printEntryHeader() {
  std::printf("| entry | batch | threads | ADE ms | LibTorch ms | speed-up "
              "| ADE GFLOP/s | SGEMM GFLOP/s | of SGEMM | max rel. error |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
}

/// One row: times in seconds; `flops` (per call; 0 or NaN: not counted) over
/// our time against the SGEMM rate `peak`. Exits 1 after it when the two
/// sides disagree (f32 results agree to about 1e-5).
inline void printEntryRow(const char *entry, int64_t batch, int threads,
                          double ours, double theirs, double err,
                          double flops = 0, double peak = 0) {
  std::printf("| %s | %lld | %d | %.3f | %.3f | %.2fx | ", entry,
              (long long)batch, threads, ours * 1e3, theirs * 1e3,
              theirs / ours);
  if (flops > 0)
    std::printf("%.0f | %.0f | %.0f%% | ", flops / ours / 1e9, peak,
                100 * flops / ours / 1e9 / peak);
  else
    std::printf("— | — | — | ");
  std::printf("%.1e |\n", err);
  std::fflush(stdout);
  if (err > 1e-3) {
    std::fprintf(stderr, "%s: ADE and LibTorch disagree\n", entry);
    std::exit(1);
  }
}

} // namespace ade_bench

#endif // ADE_BENCH_ENTRYBENCH_H
