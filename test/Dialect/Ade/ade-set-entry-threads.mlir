// RUN: ade-opt %s --ade-set-entry-threads | FileCheck %s

// Every omp.parallel of an entry runs on the entry's thread count: the
// argument if positive, else OpenMP's default. Other functions are untouched.

func.func @ade_M_energy(%n: index, %threads: i32)
    attributes {ade.entry = {kind = "energy", owner = "M", size = 4 : i64}} {
  omp.parallel {
    omp.terminator
  }
  omp.parallel {
    omp.terminator
  }
  return
}

func.func @helper() {
  omp.parallel {
    omp.terminator
  }
  return
}

// CHECK-LABEL: func.func private @omp_get_max_threads() -> i32
// CHECK-LABEL: func.func @ade_M_energy
// CHECK-SAME: %[[T:arg[0-9]+]]: i32
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[POS:.*]] = arith.cmpi sgt, %[[T]], %[[ZERO]] : i32
// CHECK: %[[MAX:.*]] = call @omp_get_max_threads() : () -> i32
// CHECK: %[[N:.*]] = arith.select %[[POS]], %[[T]], %[[MAX]] : i32
// CHECK: omp.parallel num_threads(%[[N]] : i32)
// CHECK: omp.parallel num_threads(%[[N]] : i32)
// CHECK-LABEL: func.func @helper
// CHECK: omp.parallel {
