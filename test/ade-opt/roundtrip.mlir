// RUN: ade-opt %s | ade-opt | FileCheck %s
// RUN: ade-opt %s --canonicalize | FileCheck %s --check-prefix=CANON

// ade-opt parses and prints the upstream dialects ADE lowers through, and
// runs upstream passes (the `ade` dialect registers here as it lands).

// CHECK-LABEL: func.func @axpy
// CHECK-SAME: (%[[A:.*]]: f32, %[[X:.*]]: f32, %[[Y:.*]]: f32) -> f32
// CHECK: %[[M:.*]] = arith.mulf %[[A]], %[[X]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[M]], %[[Y]] : f32
// CHECK: %[[E:.*]] = math.exp %[[S]] : f32
// CHECK: return %[[E]] : f32
func.func @axpy(%a: f32, %x: f32, %y: f32) -> f32 {
  %m = arith.mulf %a, %x : f32
  %s = arith.addf %m, %y : f32
  %e = math.exp %s : f32
  return %e : f32
}

// CANON-LABEL: func.func @fold
// CANON-NEXT: %[[C:.*]] = arith.constant 5 : i32
// CANON-NEXT: return %[[C]]
func.func @fold() -> i32 {
  %a = arith.constant 2 : i32
  %b = arith.constant 3 : i32
  %c = arith.addi %a, %b : i32
  return %c : i32
}
