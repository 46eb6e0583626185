//===- AdeOps.td - Operations of the ade dialect -----------*- tablegen -*-===//

#ifndef ADE_DIALECT_ADE_IR_ADEOPS_TD
#define ADE_DIALECT_ADE_IR_ADEOPS_TD

include "ade/Dialect/Ade/IR/AdeDialect.td"
include "ade/Dialect/Ade/IR/AdeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Ade_ParameterOp : Ade_Op<"parameter", [Symbol]> {
  let summary = "declares a learnable parameter";
  let description = [{
    A learnable parameter of a model or sampler (the `owner`), stored at
    element `offset` of the owner's flat parameter buffer (row-major).

    ```mlir
    ade.parameter @"Moons/net.layer.0.W" : tensor<128x2xf32> of "Moons" at 0
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttrOf<Ade_FloatTensor>:$type,
                       StrAttr:$owner, I64Attr:$offset);
  let assemblyFormat = "$sym_name `:` $type `of` $owner `at` $offset attr-dict";
  let hasVerifier = 1;
}

def Ade_ParamOp : Ade_Op<"param",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a learnable parameter";
  let description = [{
    The current value of an `ade.parameter`; uniform across particles.

    ```mlir
    %w = ade.param @"Moons/net.layer.0.W" : tensor<128x2xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Elementwise operations
//===----------------------------------------------------------------------===//

class Ade_UnaryOp<string mnemonic, string math, list<Trait> traits = []>
    : Ade_Op<mnemonic, !listconcat(traits, [Pure, Elementwise,
                                            SameOperandsAndResultType,
                                            DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>])> {
  let summary = "elementwise " # math;
  let description = [{
    Applies }] # math # [{ to every element.

    ```mlir
    %y = ade.}] # mnemonic # [{ %x : tensor<128xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Ade_NegOp : Ade_UnaryOp<"neg", "-x"> { let hasFolder = 1; }
def Ade_ExpOp : Ade_UnaryOp<"exp", "exp(x)">;
def Ade_LogOp : Ade_UnaryOp<"log", "log(x)">;
def Ade_Log1pOp : Ade_UnaryOp<"log1p", "log(1 + x)">;
def Ade_Expm1Op : Ade_UnaryOp<"expm1", "exp(x) - 1">;
def Ade_TanhOp : Ade_UnaryOp<"tanh", "tanh(x)">;
def Ade_SigmoidOp : Ade_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Ade_SoftplusOp : Ade_UnaryOp<"softplus", "log(1 + exp(x))">;
def Ade_ReluOp : Ade_UnaryOp<"relu", "max(x, 0)">;
def Ade_EluOp : Ade_UnaryOp<"elu", "x if x > 0 else exp(x) - 1">;
def Ade_SwishOp : Ade_UnaryOp<"swish", "x * sigmoid(x)">;
def Ade_SinOp : Ade_UnaryOp<"sin", "sin(x)">;
def Ade_CosOp : Ade_UnaryOp<"cos", "cos(x)">;
def Ade_SqrtOp : Ade_UnaryOp<"sqrt", "sqrt(x)">;
def Ade_AbsOp : Ade_UnaryOp<"abs", "|x|">;
def Ade_SquareOp : Ade_UnaryOp<"square", "x * x">;
def Ade_StopGradientOp : Ade_UnaryOp<"stop_gradient",
    "the identity, with a zero derivative">;

def Ade_LeakyReluOp : Ade_Op<"leaky_relu",
    [Pure, Elementwise, SameOperandsAndResultType, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "elementwise leaky ReLU";
  let description = [{
    x if x > 0 else alpha * x.

    ```mlir
    %y = ade.leaky_relu %x alpha 0.2 : tensor<128xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input, F64Attr:$alpha);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input `alpha` $alpha attr-dict `:` type($result)";
}

def Ade_NotOp : Ade_Op<"not", [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "elementwise logical not";
  let description = [{
    ```mlir
    %m = ade.not %c : tensor<2xi1>
    ```
  }];
  let arguments = (ins Ade_BoolTensor:$input);
  let results = (outs Ade_BoolTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Ade_CastOp : Ade_Op<"cast", [Pure, Elementwise, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "elementwise conversion between element types";
  let description = [{
    Converts f32 <-> f64, and i1 to 0/1 floats.

    ```mlir
    %y = ade.cast %x : tensor<2xf32> -> tensor<2xf64>
    ```
  }];
  let arguments = (ins Ade_AnyTensor:$input);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

/// Binary elementwise operations broadcast their operands (NumPy rules).
class Ade_BroadcastOp<string mnemonic, string math,
                      list<Trait> traits = []>
    : Ade_Op<mnemonic, !listconcat(traits, [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>])> {
  let summary = "elementwise " # math # " with broadcasting";
  let description = [{
    Computes }] # math # [{ elementwise after broadcasting both operands to
    the result shape (shapes align from the right; each pair of dimensions
    is equal or 1).

    ```mlir
    %y = ade.}] # mnemonic # [{ %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$lhs, Ade_FloatTensor:$rhs);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_AddOp : Ade_BroadcastOp<"add", "a + b", [Commutative]> {
  let hasFolder = 1;
}
def Ade_SubOp : Ade_BroadcastOp<"sub", "a - b"> { let hasFolder = 1; }
def Ade_MulOp : Ade_BroadcastOp<"mul", "a * b", [Commutative]> {
  let hasFolder = 1;
}
def Ade_DivOp : Ade_BroadcastOp<"div", "a / b"> { let hasFolder = 1; }
def Ade_PowOp : Ade_BroadcastOp<"pow", "a ^ b">;
def Ade_MinimumOp : Ade_BroadcastOp<"minimum", "min(a, b)", [Commutative]>;
def Ade_MaximumOp : Ade_BroadcastOp<"maximum", "max(a, b)", [Commutative]>;

def Ade_CmpOp : Ade_Op<"cmp", [Pure]> {
  let summary = "elementwise comparison with broadcasting";
  let description = [{
    ```mlir
    %m = ade.cmp gt, %a, %b : tensor<2xf32>, tensor<f32> -> tensor<2xi1>
    ```
  }];
  let arguments = (ins Ade_CmpPredicate:$predicate, Ade_FloatTensor:$lhs,
                       Ade_FloatTensor:$rhs);
  let results = (outs Ade_BoolTensor:$result);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

class Ade_LogicalOp<string mnemonic, string math>
    : Ade_Op<mnemonic, [Pure, Commutative]> {
  let summary = "elementwise logical " # math # " with broadcasting";
  let description = [{
    ```mlir
    %m = ade.}] # mnemonic # [{ %a, %b : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
    ```
  }];
  let arguments = (ins Ade_BoolTensor:$lhs, Ade_BoolTensor:$rhs);
  let results = (outs Ade_BoolTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}
def Ade_AndOp : Ade_LogicalOp<"and", "and">;
def Ade_OrOp : Ade_LogicalOp<"or", "or">;

def Ade_SelectOp : Ade_Op<"select", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "elementwise choice with broadcasting";
  let description = [{
    `cond ? a : b` elementwise, all three broadcast to the result.

    ```mlir
    %y = ade.select %c, %a, %b : tensor<2xi1>, tensor<2xf32>, tensor<f32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Ade_BoolTensor:$cond, Ade_FloatTensor:$a,
                       Ade_FloatTensor:$b);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $cond `,` $a `,` $b attr-dict `:` type($cond) `,` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_ClipOp : Ade_Op<"clip", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "elementwise clamp to [lo, hi] with broadcasting";
  let description = [{
    ```mlir
    %y = ade.clip %x, %lo, %hi : tensor<2xf32>, tensor<f32>, tensor<f32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input, Ade_FloatTensor:$lo,
                       Ade_FloatTensor:$hi);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $lo `,` $hi attr-dict `:` type($input) `,` type($lo) `,` type($hi) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Products and reductions
//===----------------------------------------------------------------------===//

def Ade_MatmulOp : Ade_Op<"matmul", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "matrix product of ranks 1 and 2";
  let description = [{
    `[m, n] @ [n] -> [m]`, `[n] @ [n, k] -> [k]`, `[m, n] @ [n, k] -> [m, k]`,
    `[n] @ [n] -> []`.

    ```mlir
    %h = ade.matmul %W, %x : tensor<128x2xf32>, tensor<2xf32> -> tensor<128xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$lhs, Ade_FloatTensor:$rhs);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_ReduceOp : Ade_Op<"reduce", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "reduction over one axis or all elements";
  let description = [{
    sum, mean, max, min, logsumexp or norm (L2) over `axis`, or over all
    elements when `axis` is -1.

    ```mlir
    %s = ade.reduce sum %x axis -1 : tensor<4x3xf32> -> tensor<f32>
    %r = ade.reduce max %x axis 0 : tensor<4x3xf32> -> tensor<3xf32>
    ```
  }];
  let arguments = (ins Ade_ReduceKind:$kind, Ade_FloatTensor:$input,
                       I64Attr:$axis);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $input `axis` $axis attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape operations
//===----------------------------------------------------------------------===//

def Ade_SliceOp : Ade_Op<"slice", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "static slice, dropping indexed dimensions";
  let description = [{
    For each leading dimension d < size(starts): elements [starts[d],
    stops[d]); dimensions with `squeeze[d]` set are dropped (an index
    `x[i]`), the others kept (a slice `x[a:b]`). Trailing dimensions are kept
    whole.

    ```mlir
    %e = ade.slice %x starts [0] stops [1] squeeze [true] : tensor<2xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Ade_AnyTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$stops, DenseBoolArrayAttr:$squeeze);
  let results = (outs Ade_AnyTensor:$result);
  let assemblyFormat = [{
    $input `starts` $starts `stops` $stops `squeeze` $squeeze attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Ade_ReshapeOp : Ade_Op<"reshape", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "row-major reshape to the result type";
  let description = [{
    ```mlir
    %img = ade.reshape %x : tensor<784xf32> -> tensor<1x28x28xf32>
    ```
  }];
  let arguments = (ins Ade_AnyTensor:$input);
  let results = (outs Ade_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Ade_TransposeOp : Ade_Op<"transpose", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "matrix transpose";
  let description = [{
    ```mlir
    %t = ade.transpose %m : tensor<2x3xf32> -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Ade_ConcatOp : Ade_Op<"concat", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "concatenation along an axis";
  let description = [{
    ```mlir
    %h = ade.concat %a, %b axis 0 : tensor<2xf32>, tensor<2xf32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Variadic<Ade_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` type($inputs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_StackOp : Ade_Op<"stack", [Pure, SameTypeOperands, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "stacks equal-typed values along a new leading dimension";
  let description = [{
    ```mlir
    %v = ade.stack %a, %b : tensor<f32>, tensor<f32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Variadic<Ade_FloatTensor>:$inputs);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasVerifier = 1;
}

def Ade_BroadcastToOp : Ade_Op<"broadcast", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "NumPy broadcast to the result shape";
  let description = [{
    Repeats the input along the dimensions where the result is larger
    (shapes align from the right; input dimensions are equal or 1).
    Emitted by derivative rules (the adjoint of a reduction).

    ```mlir
    %y = ade.broadcast %x : tensor<1x3xf32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Ade_OuterOp : Ade_Op<"outer", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "outer product of two vectors";
  let description = [{
    `result[i, j] = a[i] * b[j]`. Emitted by derivative rules (the weight
    gradient of a matrix-vector product); summed over particles it becomes
    a matrix product.

    ```mlir
    %g = ade.outer %u, %x : tensor<128xf32>, tensor<2xf32> -> tensor<128x2xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$lhs, Ade_FloatTensor:$rhs);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_EmbedOp : Ade_Op<"embed", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "places a slice into a zero tensor";
  let description = [{
    The adjoint of `ade.slice` with the same `starts`, `stops` and
    `squeeze`: a tensor of the result type that is zero except for the
    sliced region, which holds the input.

    ```mlir
    %g = ade.embed %u starts [0] stops [1] squeeze [true] : tensor<f32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$stops, DenseBoolArrayAttr:$squeeze);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $input `starts` $starts `stops` $stops `squeeze` $squeeze attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_LogAbsDetOp : Ade_Op<"logabsdet", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "log |det A| of a square matrix";
  let description = [{
    By LU factorization with partial pivoting (-inf for a singular
    matrix). Emitted by the sampler density pass for updates without a
    recognized structure.

    ```mlir
    %l = ade.logabsdet %J : tensor<3x3xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Ade_InverseOp : Ade_Op<"inverse", [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "inverse of a square matrix";
  let description = [{
    By Gauss-Jordan elimination with partial pivoting. Emitted by the
    derivative rule of `ade.logabsdet`.

    ```mlir
    %b = ade.inverse %a : tensor<3x3xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

def Ade_Conv2dOp : Ade_Op<"conv2d", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "2-D convolution of one image [c, h, w]";
  let description = [{
    Cross-correlation of an image `[c, h, w]` with kernels `[o, c, kh, kw]`
    and an optional bias `[o]`, with zero padding and a stride.

    ```mlir
    %y = ade.conv2d %x, %w bias %b stride 1 padding 0
        : tensor<1x28x28xf32>, tensor<16x1x3x3xf32>, tensor<16xf32> -> tensor<16x26x26xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input, Ade_FloatTensor:$weight,
                       Optional<Ade_FloatTensor>:$bias, I64Attr:$stride,
                       I64Attr:$padding);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? `stride` $stride `padding` $padding
    attr-dict `:` type($input) `,` type($weight) (`,` type($bias)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_Pool2dOp : Ade_Op<"pool2d", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "2-D average or max pooling of one image [c, h, w]";
  let description = [{
    ```mlir
    %y = ade.pool2d avg %x window 2 stride 2 : tensor<16x26x26xf32> -> tensor<16x13x13xf32>
    ```
  }];
  let arguments = (ins Ade_PoolKind:$kind, Ade_FloatTensor:$input,
                       I64Attr:$window, I64Attr:$stride);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $input `window` $window `stride` $stride attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_Conv2dInputGradOp : Ade_Op<"conv2d_input_grad", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "adjoint of a 2-D convolution in its image";
  let description = [{
    Given the cotangent `u` of `conv2d(x, w, stride, padding)`, the
    cotangent of the image x (a transposed convolution); the result type is
    x's. Emitted by the derivative rule of `ade.conv2d`.

    ```mlir
    %gx = ade.conv2d_input_grad %u, %w stride 1 padding 0
        : tensor<16x26x26xf32>, tensor<16x1x3x3xf32> -> tensor<1x28x28xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$cotangent, Ade_FloatTensor:$weight,
                       I64Attr:$stride, I64Attr:$padding);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $cotangent `,` $weight `stride` $stride `padding` $padding attr-dict
    `:` type($cotangent) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_Conv2dFilterGradOp : Ade_Op<"conv2d_filter_grad", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "adjoint of a 2-D convolution in its kernels";
  let description = [{
    Given the image x and the cotangent `u` of `conv2d(x, w, stride,
    padding)`, the cotangent of the kernels w (the result type is w's).
    Emitted by the derivative rule of `ade.conv2d`.

    ```mlir
    %gw = ade.conv2d_filter_grad %x, %u stride 1 padding 0
        : tensor<1x28x28xf32>, tensor<16x26x26xf32> -> tensor<16x1x3x3xf32>
    ```
  }];
  let arguments = (ins Ade_FloatTensor:$input, Ade_FloatTensor:$cotangent,
                       I64Attr:$stride, I64Attr:$padding);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cotangent `stride` $stride `padding` $padding attr-dict
    `:` type($input) `,` type($cotangent) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_Pool2dGradOp : Ade_Op<"pool2d_grad", [Pure, DeclareOpInterfaceMethods<Ade_DifferentiableOpInterface>]> {
  let summary = "adjoint of 2-D pooling in its image";
  let description = [{
    Given the image x and the cotangent `u` of `pool2d kind x`, the
    cotangent of x: each window's cotangent spread evenly (avg) or given to
    the window's maximal elements (max).

    ```mlir
    %gx = ade.pool2d_grad avg %x, %u window 2 stride 2
        : tensor<16x26x26xf32>, tensor<16x13x13xf32> -> tensor<16x26x26xf32>
    ```
  }];
  let arguments = (ins Ade_PoolKind:$kind, Ade_FloatTensor:$input,
                       Ade_FloatTensor:$cotangent, I64Attr:$window,
                       I64Attr:$stride);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $input `,` $cotangent `window` $window `stride` $stride attr-dict
    `:` type($input) `,` type($cotangent) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Randomness and derivatives
//===----------------------------------------------------------------------===//

def Ade_DrawOp : Ade_Op<"draw"> {
  let summary = "a random draw of a sampler";
  let description = [{
    Draws a tensor of the result shape from `normal(a = mean, b = std)` or
    `uniform(a = low, b = high)`, the parameters broadcast to the result.
    `name` is the variable's source name. A later pass turns draws into
    reads of noise given to the entry (so entries are deterministic) and
    adds their log-densities to the sampler's log q.

    ```mlir
    %z = ade.draw normal(%zero, %one) "z" : tensor<f32>, tensor<f32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Ade_Distribution:$distribution, Ade_FloatTensor:$a,
                       Ade_FloatTensor:$b, StrAttr:$name);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $distribution `(` $a `,` $b `)` $name attr-dict `:` type($a) `,` type($b)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Ade_ReportOp : Ade_Op<"report"> {
  let summary = "a per-particle statistic of a sampler";
  let description = [{
    `report name = value` in a sampler: a scalar (a bool counts as 1 or 0)
    that the `sample` entry returns per particle, averaged over the reports
    of the same name in one call (ade-build-kernels). It has no effect on
    the sample and is not differentiated.

    ```mlir
    ade.report "acceptance" %accept : tensor<i1>
    ```
  }];
  let arguments = (ins StrAttr:$name,
                       AnyTypeOf<[Ade_FloatTensor, Ade_BoolTensor]>:$value);
  let assemblyFormat = "$name $value attr-dict `:` type($value)";
  let hasVerifier = 1;
}

def Ade_DerivativeOp : Ade_Op<"derivative",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a derivative of a function, applied at a point";
  let description = [{
    `grad(f)(x)`, `vjp(g)(x, u)`, `jvp(g)(x, v)`, `hvp(f)(x, v)`,
    `hessian_trace(f)(x[, e])`, `jacobian(g)(x)` for a function `callee` of
    one tensor argument. Expanded by the reverse-mode AD pass.

    ```mlir
    %g = ade.derivative grad @Moons.f(%x) : (tensor<2xf32>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Ade_DerivativeKind:$kind, FlatSymbolRefAttr:$callee,
                       Variadic<Ade_FloatTensor>:$args);
  let results = (outs Ade_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $callee `(` $args `)` attr-dict `:` functional-type($args, $result)
  }];
  let hasVerifier = 1;
}

def Ade_CallOp : Ade_Op<"call",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "calls a per-particle function that is kept outlined";
  let description = [{
    Applies `callee`, a per-particle function, to `args`. Unlike
    `func.call` it is pure (CSE merges equal calls and DCE drops unused
    ones) and the inliner leaves it alone: a large log-density, its
    gradient and their reverse sweeps are compiled once and called by every
    step of a sampler. Reverse mode differentiates through it by a forward
    function that also returns the values the reverse sweep needs and a
    backward function that takes them.

    ```mlir
    %f, %g = ade.call @Moons.f.value_and_grad(%x)
        : (tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>)
    ```

    With `params`, the callee is one instance of a component standing for
    all of them: a parameter it reads whose name starts with the first
    prefix is read, at this call, as the one whose name starts with the
    second instead. The ten layers of a planar flow then share one function
    (and one forward, backward and log-determinant function), each call
    reading its own layer's parameters.

    ```mlir
    %z1 = ade.call @ADE.q0.layer.0.forward(%z0)
        params("ADE/q0.layer.0." -> "ADE/q0.layer.3.")
        : (tensor<2xf32>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args,
                       OptionalAttr<StrAttr>:$param_prefix,
                       OptionalAttr<StrAttr>:$param_instance);
  let results = (outs Variadic<AnyType>:$outputs);
  let assemblyFormat = [{
    $callee `(` $args `)`
    (`params` `(` $param_prefix^ `->` $param_instance `)`)?
    attr-dict `:` functional-type($args, $outputs)
  }];
}

#endif // ADE_DIALECT_ADE_IR_ADEOPS_TD
