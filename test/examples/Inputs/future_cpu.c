/* A library of this ABI compiled for a CPU with an extension no CPU has
   yet, for test/aderun/cpu-features.test and load-model-c.test. */
#include "ade/abi.h"

static const ade_library_info info = {
    ADE_ABI_VERSION, "hand-written",        "future_cpu.c", 0, 0, 0, 0, 0,
    "future-cpu",    "avx,not-yet-invented"};

uint32_t ade_abi_version(void) { return ADE_ABI_VERSION; }
const ade_library_info *ade_library(void) { return &info; }
