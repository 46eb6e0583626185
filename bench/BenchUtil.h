//===- BenchUtil.h - Shared helpers of the benchmarks -----------*- C++ -*-===//

#ifndef ADE_BENCH_BENCHUTIL_H
#define ADE_BENCH_BENCHUTIL_H

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace ade_bench {

/// "100,1000" -> {100, 1000}.
inline std::vector<int64_t> parseList(const std::string &s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    out.push_back(std::stoll(item));
  return out;
}

/// The median wall time of `repeats` calls of f, after warm-up calls.
template <typename F> double medianSeconds(int repeats, F &&f) {
  for (int i = 0; i < 3; ++i)
    f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

} // namespace ade_bench

#endif // ADE_BENCH_BENCHUTIL_H
