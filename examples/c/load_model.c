/* load_model.c - load a compiled ADE model from C and evaluate its
 * log-density.
 *
 *   adec examples/moons.ade -o moons.so
 *   cc -I runtime/include examples/c/load_model.c -ldl -lm -o load_model
 *   ./load_model ./moons.so
 *
 * Checks that the library is of this ABI and that this CPU runs its code,
 * prints the library's models with their parameters, initializes the first
 * model's parameters (a simple deterministic stand-in for the runtime's
 * seeded initializers) and evaluates f at a few points.
 */
#include "ade/abi.h"
#include "ade/cpu_features.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether this CPU has every extension the library's code may use (its
   entries would otherwise stop at an illegal instruction). */
static int cpuRunsLibrary(const ade_library_info *lib) {
  const char *name = lib->cpu_features;
  while (*name) {
    size_t length = strcspn(name, ",");
    int found = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
#define ADE_TEST_FEATURE(feature)                                              \
  if (length == strlen(feature) && strncmp(name, feature, length) == 0)        \
    found = __builtin_cpu_supports(feature);
    ADE_X86_CPU_FEATURES(ADE_TEST_FEATURE)
#undef ADE_TEST_FEATURE
#endif
    if (!found && length > 0)
      return 0;
    name += length + (name[length] == ',');
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.so\n", argv[0]);
    return 2;
  }
  void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
    return 66;
  }
  uint32_t (*version)(void) =
      (uint32_t(*)(void))dlsym(handle, "ade_abi_version");
  const ade_library_info *(*library)(void) =
      (const ade_library_info *(*)(void))dlsym(handle, "ade_library");
  if (!version || !library) {
    fprintf(stderr, "%s is not an ADE model library\n", argv[1]);
    return 65;
  }
  if (version() != ADE_ABI_VERSION) {
    fprintf(stderr, "%s has ABI version %u; this program expects %u: "
                    "recompile it with the matching adec\n",
            argv[1], version(), ADE_ABI_VERSION);
    return 65;
  }
  const ade_library_info *lib = library();
  if (!cpuRunsLibrary(lib)) {
    fprintf(stderr,
            "%s was compiled for %s (%s), whose extensions this CPU "
            "lacks: recompile it on this machine\n",
            argv[1], lib->target_cpu, lib->cpu_features);
    return 65;
  }
  printf("%s, compiled by %s from %s\n", argv[1], lib->compiler, lib->source);
  for (int32_t m = 0; m < lib->num_models; ++m) {
    const ade_model_info *model = &lib->models[m];
    printf("model %s: data of %lld values, %d parameters (%lld values)\n",
           model->name, (long long)model->data_size, model->num_params,
           (long long)model->params_size);
    for (int32_t p = 0; p < model->num_params; ++p)
      printf("  %-16s offset %8lld  %s\n", model->params[p].name,
             (long long)model->params[p].offset, model->params[p].init_text);
  }
  for (int32_t s = 0; s < lib->num_samplers; ++s)
    printf("sampler %s for %s: %d parameters\n", lib->samplers[s].name,
           lib->models[lib->samplers[s].model].name,
           lib->samplers[s].num_params);
  if (lib->num_models == 0)
    return 0;

  const ade_model_info *model = &lib->models[0];
  if (model->dtype != ADE_F32) {
    fprintf(stderr, "this example handles f32 models only\n");
    return 0;
  }
  float *params = calloc(model->params_size + 1, sizeof(float));
  for (int64_t i = 0; i < model->params_size; ++i)
    params[i] = 0.1f * sinf((float)i);
  enum { batch = 5 };
  float *x = calloc(batch * model->data_size, sizeof(float));
  float f[batch];
  for (int64_t i = 0; i < batch * model->data_size; ++i)
    x[i] = 0.5f * (float)(i % 7) - 1.0f;
  int32_t status = model->energy(params, x, f, batch, 0);
  if (status != ADE_OK) {
    fprintf(stderr, "energy failed with status %d\n", status);
    return 1;
  }
  for (int b = 0; b < batch; ++b)
    printf("f(x[%d]) = %.6f\n", b, f[b]);
  free(params);
  free(x);
  dlclose(handle);
  return 0;
}
