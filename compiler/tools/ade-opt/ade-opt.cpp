//===- ade-opt.cpp - MLIR test driver for ADE -----------------------------===//
//
// mlir-opt with the ade dialect and the dialects ADE lowers through; ADE's
// passes are registered here as they land.
//
//===----------------------------------------------------------------------===//

#include "ade/Conversion/Passes.h"
#include "ade/Dialect/Ade/IR/AdeDialect.h"
#include "ade/Dialect/Ade/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  ade::registerAdeConversionPasses();
  ade::registerAdePasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates GPU modules to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<ade::AdeDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "ADE optimizer driver\n", registry));
}
