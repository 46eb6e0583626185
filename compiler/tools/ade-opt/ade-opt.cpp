//===- ade-opt.cpp - MLIR test driver for ADE -----------------------------===//
//
// mlir-opt with the ade dialect and the dialects ADE lowers through; ADE's
// passes are registered here as they land.
//
//===----------------------------------------------------------------------===//

#include "ade/Dialect/Ade/IR/AdeDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::DialectRegistry registry;
  registry.insert<ade::AdeDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "ADE optimizer driver\n", registry));
}
