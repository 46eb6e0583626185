// RUN: ade-opt %s --ade-build-entries --split-input-file --verify-diagnostics

// Tile functions of one entry must differ in their tile size alone.

func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  return
}
// expected-error @+1 {{internal: two tile functions of ade_M_energy have 4 particles}}
func.func @M.energy.tile4(%p: memref<5xf32>, %x: memref<2x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  return
}

// -----

func.func @M.energy.tile(%p: memref<5xf32>, %x: memref<2x8xf32>, %out: memref<8xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 8 : i64}} {
  return
}
// expected-error @+1 {{internal: the tile functions of ade_M_energy differ in more than their tile size}}
func.func @M.energy.tile4(%p: memref<5xf32>, %x: memref<3x4xf32>, %out: memref<4xf32>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "energy", outputs = 1 : i64, owner = "M", owners = ["M"], size = 4 : i64}} {
  return
}
