//===- AtomicFile.h - Files that appear whole or not at all -----*- C++ -*-===//
//
// Outputs and checkpoints are written to a temporary file in the same
// directory, flushed to disk and renamed over the destination, so a crash
// or a full disk never leaves a truncated file behind. A symbolic link is
// followed (the file it names is replaced, the link stays), and a device,
// a pipe or a file named through /proc (/dev/stdout) is written to
// directly.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_ATOMICFILE_H
#define ADE_RUNTIME_ATOMICFILE_H

#include <string>
#include <string_view>

namespace ade {

/// Replaces `path` (or the file its links name) with `contents`, or writes
/// them to the device or pipe at `path`; throws ade::Error naming the path
/// and the system's reason on failure (the old file, if any, is kept).
void writeFileAtomically(const std::string &path, std::string_view contents);

} // namespace ade

#endif // ADE_RUNTIME_ATOMICFILE_H
