//===- CpuFeatures.h - Does this CPU run a library's code? ------*- C++ -*-===//
//
// A library compiled for a CPU (adec --cpu, native by default) may use any
// instruction-set extension of that CPU; it records those of
// ade/cpu_features.h, and these functions check them against this CPU.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_RUNTIME_CPUFEATURES_H
#define ADE_RUNTIME_CPUFEATURES_H

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ade {

/// Whether this CPU, with its operating system's support, has the
/// extension `name` of ade/cpu_features.h (false for any other name, and
/// off x86).
bool hostHasCpuFeature(std::string_view name);

/// The extensions of `required` (comma-separated) that `has` denies, in
/// their order.
std::vector<std::string>
missingCpuFeatures(std::string_view required,
                   const std::function<bool(std::string_view)> &has);

} // namespace ade

#endif // ADE_RUNTIME_CPUFEATURES_H
