//===- AtomicFile.h - Files that appear whole or not at all -----*- C++ -*-===//
//
// Outputs and checkpoints are written to a temporary file in the same
// directory, flushed to disk and renamed over the destination, so a crash
// or a full disk never leaves a truncated file behind.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_ATOMICFILE_H
#define ADE_RUNTIME_ATOMICFILE_H

#include <string>
#include <string_view>

namespace ade {

/// Replaces `path` with `contents`; throws ade::Error naming the path and
/// the system's reason on failure (the old file, if any, is kept).
void writeFileAtomically(const std::string &path, std::string_view contents);

} // namespace ade

#endif // ADE_RUNTIME_ATOMICFILE_H
