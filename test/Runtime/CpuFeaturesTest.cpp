//===- CpuFeaturesTest.cpp - A library's extensions against this CPU -----===//
//
// The list a library records is checked name by name, in its order, and no
// name outside ade/cpu_features.h is ever taken for supported. (That this
// CPU's answers agree with LLVM's, which adec records, is
// test/aderun/cpu-features.test's native case.)
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/CpuFeatures.h"

#include <gtest/gtest.h>

#include <set>

namespace {

using ade::missingCpuFeatures;

TEST(CpuFeatures, MissingInTheLibrarysOrder) {
  std::set<std::string_view> host{"avx", "avx2", "fma"};
  auto has = [&](std::string_view n) { return host.count(n) > 0; };
  EXPECT_EQ(missingCpuFeatures("", has), std::vector<std::string>{});
  EXPECT_EQ(missingCpuFeatures("avx,avx2,fma", has),
            std::vector<std::string>{});
  EXPECT_EQ(missingCpuFeatures("avx512f,avx,avx512bw,fma", has),
            (std::vector<std::string>{"avx512f", "avx512bw"}));
  // Empty names (a stray comma) are no requirement.
  EXPECT_EQ(missingCpuFeatures(",avx,,avx512vl,", has),
            std::vector<std::string>{"avx512vl"});
}

TEST(CpuFeatures, HostAnswersForListedNamesOnly) {
  EXPECT_FALSE(ade::hostHasCpuFeature("not-yet-invented"));
  EXPECT_FALSE(ade::hostHasCpuFeature(""));
  EXPECT_FALSE(ade::hostHasCpuFeature("avx10.2"));
  // What an extension needs comes with it.
  if (ade::hostHasCpuFeature("avx2"))
    EXPECT_TRUE(ade::hostHasCpuFeature("avx"));
  if (ade::hostHasCpuFeature("avx512bw"))
    EXPECT_TRUE(ade::hostHasCpuFeature("avx512f"));
}

} // namespace
