//===- RuntimeSupport.h - Functions the lowered code calls ------*- C++ -*-===//

#ifndef ADE_LIB_TARGET_RUNTIMESUPPORT_H
#define ADE_LIB_TARGET_RUNTIMESUPPORT_H

namespace llvm {
class Module;
} // namespace llvm

namespace ade {

/// Defines `ptr @ade.thread_workspace(ptr slot, i64 bytes)` when the module
/// declares it (ade-thread-workspaces does): `slot` is a thread-local
/// { ptr, i64 } holding this thread's buffer and its size. The buffer is
/// grown (64-byte aligned) when smaller than `bytes` and freed when the
/// thread exits; allocation failure prints a message and aborts.
void defineThreadWorkspace(llvm::Module &m);

} // namespace ade

#endif // ADE_LIB_TARGET_RUNTIMESUPPORT_H
