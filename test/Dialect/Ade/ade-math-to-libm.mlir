// RUN: ade-opt %s --ade-math-to-libm | FileCheck %s

// expm1 and log1p become libm calls, one per vector lane; every other math
// op is left to the LLVM lowering.

func.func @exact(%x: vector<2xf64>, %y: f64) -> (vector<2xf64>, f64, f64) {
  %a = math.log1p %x : vector<2xf64>
  %b = math.expm1 %y : f64
  %c = math.exp %y : f64
  return %a, %b, %c : vector<2xf64>, f64, f64
}
// CHECK-DAG: func.func private @expm1(f64) -> f64
// CHECK-DAG: func.func private @log1p(f64) -> f64
// CHECK-LABEL: func.func @exact
// CHECK-NOT: math.log1p
// CHECK-NOT: math.expm1
// CHECK: call @log1p(%{{.*}}) : (f64) -> f64
// CHECK: call @log1p(%{{.*}}) : (f64) -> f64
// CHECK: call @expm1(%{{.*}}) : (f64) -> f64
// CHECK: math.exp %{{.*}} : f64
