//===- CpuFeatures.cpp - Does this CPU run a library's code? --------------===//

#include "ade/runtime/CpuFeatures.h"

#include "ade/cpu_features.h"

namespace ade {

bool hostHasCpuFeature(std::string_view name) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports takes a literal: one test per listed name.
#define ADE_TEST_FEATURE(feature)                                              \
  if (name == feature)                                                         \
    return __builtin_cpu_supports(feature);
  ADE_X86_CPU_FEATURES(ADE_TEST_FEATURE)
#undef ADE_TEST_FEATURE
#endif
  (void)name;
  return false;
}

std::vector<std::string>
missingCpuFeatures(std::string_view required,
                   const std::function<bool(std::string_view)> &has) {
  std::vector<std::string> missing;
  while (!required.empty()) {
    size_t comma = required.find(',');
    std::string_view name = required.substr(0, comma);
    if (!name.empty() && !has(name))
      missing.emplace_back(name);
    if (comma == std::string_view::npos)
      break;
    required.remove_prefix(comma + 1);
  }
  return missing;
}

} // namespace ade
