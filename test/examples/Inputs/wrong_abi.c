/* A library that claims a future ADE ABI version, for load-model-c.test. */
#include <stdint.h>

uint32_t ade_abi_version(void) { return 99; }
const void *ade_library(void) { return 0; }
