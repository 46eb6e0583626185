// RUN: ade-opt %s --ade-build-gpu-kernels=max-private-bytes=1024 --verify-diagnostics | FileCheck %s

// An entry whose buffers exceed the local-memory limit gets no kernel, and
// a warning says it runs on the CPU.

// expected-warning @+1 {{no GPU kernel for 'ade_M_grad_energy': one thread per particle would need 2 KiB of local memory (limit 1 KiB); this entry runs on the CPU}}
func.func @M.grad_energy.tile(%p: memref<5xf32, strided<[?], offset: ?>>, %x: memref<2x1xf32, strided<[?, ?], offset: ?>>, %out: memref<1xf32, strided<[?], offset: ?>>, %g: memref<2x1xf32, strided<[?, ?], offset: ?>>)
    attributes {ade.tile = {cotangents = array<i64>, grad_owners = array<i64>, grads = false, inputs = 1 : i64, kind = "grad_energy", outputs = 2 : i64, owner = "M", owners = ["M"], size = 1 : i64}} {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<512xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<512xf32>)
  %b = memref.alloc() : memref<8xf32>
  linalg.copy ins(%a : memref<512xf32>) outs(%a : memref<512xf32>)
  linalg.fill ins(%zero : f32) outs(%b : memref<8xf32>)
  return
}
// CHECK: gpu.module @ade_kernels {
// CHECK-NEXT: }
