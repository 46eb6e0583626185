//===- energy_bench.cpp - Compiled energy vs LibTorch, side by side -------===//
//
// ade-energy-bench MODEL.so MODEL [--batch 100,1000,10000] [--threads 1,2]
//                  [--repeats 21]
//
// Times the compiled energy entry of an MLP model (parameters
// net.layer.<i>.W/b, ReLU between layers, f = -net(x)[0]: the moons
// reference energy) against the same computation in LibTorch (f32, same
// parameters, same points, same thread count), after checking that both
// agree. Also measures the machine's SGEMM rate in the same run (LibTorch's
// BLAS: run with OpenBLAS and OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set to
// the thread count, one process per count; see scripts/bench.sh). Prints
// Markdown table rows (--header prints the header first).
//
//===----------------------------------------------------------------------===//

#include "EntryBench.h"
#include "ade/abi.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using ade_bench::medianSeconds;
using ade_bench::parseList;

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.so MODEL [--batch LIST] "
                         "[--threads LIST] [--repeats N]\n",
                 argv[0]);
    return 2;
  }
  std::string so = argv[1], name = argv[2];
  std::vector<int64_t> batches{100, 1000, 10000}, threadCounts{1, 2};
  int repeats = 21;
  bool header = false;
  for (int i = 3; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--header") {
      header = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "option %s needs a value\n", flag.c_str());
      return 2;
    }
    if (flag == "--batch")
      batches = parseList(argv[i + 1]);
    else if (flag == "--threads")
      threadCounts = parseList(argv[i + 1]);
    else if (flag == "--repeats")
      repeats = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  void *handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr, "cannot load %s: %s\n", so.c_str(), dlerror());
    return 66;
  }
  auto library = reinterpret_cast<const ade_library_info *(*)()>(
      dlsym(handle, "ade_library"));
  const ade_library_info *lib = library ? library() : nullptr;
  const ade_model_info *m = nullptr;
  for (int32_t i = 0; lib && i < lib->num_models; ++i)
    if (name == lib->models[i].name)
      m = &lib->models[i];
  if (!m || m->dtype != ADE_F32 || m->data_rank != 1) {
    std::fprintf(stderr, "%s has no f32 vector model %s\n", so.c_str(),
                 name.c_str());
    return 65;
  }

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.2f, 0.2f);
  std::vector<float> params(m->params_size);
  for (float &p : params)
    p = u(rng);
  torch::Tensor flat = torch::from_blob(params.data(), {m->params_size});
  std::vector<torch::Tensor> weights, biases;
  // The compiler's count of the energy's FLOPs per particle.
  const int64_t flopsPerParticle = m->flops.energy;
  if (flopsPerParticle <= 0) {
    std::fprintf(stderr, "%s: the compiler did not count %s.energy's FLOPs\n",
                 so.c_str(), name.c_str());
    return 1;
  }
  for (int layer = 0;; ++layer) {
    std::string w = "net.layer." + std::to_string(layer) + ".W";
    const ade_param_info *pw = nullptr, *pb = nullptr;
    for (int32_t i = 0; i < m->num_params; ++i) {
      if (w == m->params[i].name)
        pw = &m->params[i];
      if (w.substr(0, w.size() - 1) + "b" == m->params[i].name)
        pb = &m->params[i];
    }
    if (!pw || !pb)
      break;
    weights.push_back(flat.slice(0, pw->offset, pw->offset + pw->size)
                          .view({pw->shape[0], pw->shape[1]}));
    biases.push_back(flat.slice(0, pb->offset, pb->offset + pb->size));
  }
  if (weights.empty()) {
    std::fprintf(stderr, "%s is not an MLP model (net.layer.<i>.W/b)\n",
                 name.c_str());
    return 65;
  }
  auto reference = [&](const torch::Tensor &x) {
    torch::NoGradGuard noGrad;
    torch::Tensor h = x;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (i > 0)
        h = torch::relu(h);
      h = torch::addmm(biases[i], h, weights[i].t());
    }
    return -h.select(1, 0);
  };

  if (header) {
    std::printf("| batch | threads | ADE ms | LibTorch ms | speed-up | ADE "
                "GFLOP/s | SGEMM GFLOP/s | of SGEMM | max rel. error |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  }
  for (int64_t threads : threadCounts) {
    double peak = ade_bench::sgemmGflops(threads);
    for (int64_t batch : batches) {
      torch::set_num_threads(threads);
      torch::Tensor x = torch::rand({batch, m->data_size}) * 4 - 2;
      std::vector<float> f(batch);
      if (m->energy(params.data(), x.data_ptr<float>(), f.data(), batch,
                    threads) != ADE_OK) {
        std::fprintf(stderr, "energy failed\n");
        return 1;
      }
      torch::Tensor want = reference(x);
      double scale = want.abs().max().item<double>(), err = 0;
      for (int64_t b = 0; b < batch; ++b)
        err = std::max(err, std::abs(double(f[b]) -
                                     want[b].item<double>()));
      double ours = medianSeconds(repeats, [&] {
        m->energy(params.data(), x.data_ptr<float>(), f.data(), batch,
                  threads);
      });
      double theirs = medianSeconds(repeats, [&] { reference(x); });
      double gflops = double(flopsPerParticle) * batch / ours / 1e9;
      std::printf("| %lld | %lld | %.3f | %.3f | %.2fx | %.1f | %.1f | %.0f%% "
                  "| %.1e |\n",
                  (long long)batch, (long long)threads, ours * 1e3,
                  theirs * 1e3, theirs / ours, gflops, peak,
                  100 * gflops / peak, err / std::max(scale, 1e-30));
    }
  }
  return 0;
}
