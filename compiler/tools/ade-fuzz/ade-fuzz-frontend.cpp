//===- ade-fuzz-frontend.cpp - libFuzzer target: parser and Sema ----------===//
//
// Any byte string must end in diagnostics or a checked program: no crash,
// hang, leak or sanitizer report. Imports resolve against the real stdlib.
//
//===----------------------------------------------------------------------===//

#include "ade/Sema/ModuleLoader.h"
#include "ade/Sema/Sema.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ade::SourceManager sm;
  ade::DiagnosticEngine diags;
  uint32_t file = sm.addBuffer(
      "fuzz.ade", std::string(reinterpret_cast<const char *>(data), size));
  ade::ModuleLoader loader(sm, diags, {ADE_SOURCE_STDLIB_DIR, {}});
  if (ade::ast::Module *root = loader.loadRoot(file))
    ade::analyze(loader, *root, diags);
  return 0;
}
