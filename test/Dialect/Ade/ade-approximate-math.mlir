// RUN: ade-opt %s --ade-approximate-math | FileCheck %s

// f32 exp, expm1, log, log1p, log2 and tanh, scalar or vector, become
// polynomials (fma chains); f64 and f32 sin/cos keep their math ops.

func.func @vector_f32(%x: vector<16xf32>) -> vector<16xf32> {
  %e = math.exp %x : vector<16xf32>
  %t = math.tanh %e : vector<16xf32>
  %l = math.log %t : vector<16xf32>
  return %l : vector<16xf32>
}
// CHECK-LABEL: func.func @vector_f32
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK: return

func.func @scalar_f32(%x: f32) -> f32 {
  %a = math.expm1 %x : f32
  %b = math.log1p %a : f32
  %c = math.log2 %b : f32
  return %c : f32
}
// CHECK-LABEL: func.func @scalar_f32
// CHECK-NOT: math.expm1
// CHECK-NOT: math.log1p
// CHECK-NOT: math.log2
// CHECK: math.fma {{.*}} : f32
// CHECK-NOT: math.expm1
// CHECK-NOT: math.log1p
// CHECK-NOT: math.log2
// CHECK: return

func.func @kept(%x: vector<16xf64>, %y: f32) -> (vector<16xf64>, f32) {
  %e = math.exp %x : vector<16xf64>
  %t = math.tanh %e : vector<16xf64>
  %s = math.sin %y : f32
  %c = math.cos %s : f32
  return %t, %c : vector<16xf64>, f32
}
// CHECK-LABEL: func.func @kept
// CHECK-NEXT: math.exp %{{.*}} : vector<16xf64>
// CHECK-NEXT: math.tanh %{{.*}} : vector<16xf64>
// CHECK-NEXT: math.sin %{{.*}} : f32
// CHECK-NEXT: math.cos %{{.*}} : f32
// CHECK-NEXT: return
