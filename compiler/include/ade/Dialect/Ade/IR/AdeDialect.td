//===- AdeDialect.td - The ade dialect ---------------------*- tablegen -*-===//
//
// The `ade` dialect: tensor operations with per-particle semantics. A value
// is the state of ONE particle (a data point, a momentum, a hidden layer);
// shapes are static; the batch dimension is introduced only by the lowering
// (convert-ade-to-linalg), which is what lets it fuse a whole entry into one
// loop over particle tiles. Learnable parameters are module-level symbols
// (ade.parameter) read with ade.param, so functions need no parameter
// arguments and calls stay cheap to inline.
//
//===----------------------------------------------------------------------===//

#ifndef ADE_DIALECT_ADE_IR_ADEDIALECT_TD
#define ADE_DIALECT_ADE_IR_ADEDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Ade_Dialect : Dialect {
  let name = "ade";
  let cppNamespace = "::ade";
  let summary = "Per-particle tensor operations of the ADE modeling language";
  let description = [{
    Operations on statically shaped tensors of f32/f64 (and i1 masks) that
    describe the computation for a single particle. Elementwise binary
    operations broadcast like NumPy: shapes align from the right and each
    pair of dimensions is equal or 1. Random draws (`ade.draw`) and
    derivatives (`ade.derivative`) are operations, resolved by later passes
    (noise becomes an entry input; derivatives are expanded by reverse-mode
    AD).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
  // Folds to constants (reshaped or broadcast constants) become
  // arith.constant.
  let hasConstantMaterializer = 1;
}

class Ade_Op<string mnemonic, list<Trait> traits = []>
    : Op<Ade_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Ade_FloatTensor : StaticShapeTensorOf<[F32, F64]>;
def Ade_BoolTensor : StaticShapeTensorOf<[I1]>;
def Ade_AnyTensor : StaticShapeTensorOf<[F32, F64, I1]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Ade_CmpPredicate : I32EnumAttr<"CmpPredicate",
    "comparison predicate", [
      I32EnumAttrCase<"lt", 0>, I32EnumAttrCase<"le", 1>,
      I32EnumAttrCase<"gt", 2>, I32EnumAttrCase<"ge", 3>,
      I32EnumAttrCase<"eq", 4>, I32EnumAttrCase<"ne", 5>]> {
  let cppNamespace = "::ade";
}

def Ade_ReduceKind : I32EnumAttr<"ReduceKind", "reduction", [
      I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
      I32EnumAttrCase<"logsumexp", 4>, I32EnumAttrCase<"norm", 5>]> {
  let cppNamespace = "::ade";
}

def Ade_PoolKind : I32EnumAttr<"PoolKind", "pooling", [
      I32EnumAttrCase<"avg", 0>, I32EnumAttrCase<"max", 1>]> {
  let cppNamespace = "::ade";
}

def Ade_DerivativeKind : I32EnumAttr<"DerivativeKind", "derivative", [
      I32EnumAttrCase<"grad", 0>, I32EnumAttrCase<"vjp", 1>,
      I32EnumAttrCase<"jvp", 2>, I32EnumAttrCase<"hvp", 3>,
      I32EnumAttrCase<"hessian_trace", 4>, I32EnumAttrCase<"jacobian", 5>]> {
  let cppNamespace = "::ade";
}

def Ade_Distribution : I32EnumAttr<"Distribution", "distribution", [
      I32EnumAttrCase<"normal", 0>, I32EnumAttrCase<"uniform", 1>]> {
  let cppNamespace = "::ade";
}

#endif // ADE_DIALECT_ADE_IR_ADEDIALECT_TD
