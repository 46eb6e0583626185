//===- SourceManager.h - Source buffers and locations -----------*- C++ -*-===//
//
// Owns the text of every `.ade` file of a compilation and maps locations to
// source lines for diagnostics. Columns count Unicode code points, 1-based, as
// the ANTLR lexer does.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_BASIC_SOURCEMANAGER_H
#define ADE_BASIC_SOURCEMANAGER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ade {

/// A position in a source file: file id (1-based, 0 = none), line and column
/// (1-based; the column counts code points).
struct SourceLoc {
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t col = 0;
  bool isValid() const { return file != 0 && line != 0; }
  bool operator<(const SourceLoc &o) const {
    if (file != o.file)
      return file < o.file;
    return line != o.line ? line < o.line : col < o.col;
  }
  bool operator==(const SourceLoc &o) const {
    return file == o.file && line == o.line && col == o.col;
  }
};

/// A half-open range [begin, end): `end` is the position after the last
/// character.
struct SourceRange {
  SourceLoc begin, end;
  SourceRange() = default;
  SourceRange(SourceLoc b, SourceLoc e) : begin(b), end(e) {}
  bool isValid() const { return begin.isValid(); }
  /// The smallest range covering both.
  static SourceRange cover(SourceRange a, SourceRange b) {
    if (!a.isValid())
      return b;
    if (!b.isValid())
      return a;
    return {b.begin < a.begin ? b.begin : a.begin,
            a.end < b.end ? b.end : a.end};
  }
};

/// Largest source file accepted (bytes). Larger ones are rejected with a
/// diagnostic (E008): the parser handles about 1 MiB/s, so this keeps any
/// input to a few seconds.
constexpr size_t kMaxSourceFileBytes = 4u << 20;

class SourceManager {
public:
  /// Adds a buffer and returns its file id. `path` is what diagnostics print.
  uint32_t addBuffer(std::string path, std::string contents);

  /// Reads a file. On failure returns 0 and sets `error` to a message that
  /// names the file and the reason.
  uint32_t addFile(const std::string &path, std::string &error);

  /// The id of an already-loaded file with this (canonical) path, or 0.
  uint32_t findFile(llvm::StringRef path) const;

  llvm::StringRef getPath(uint32_t file) const;
  llvm::StringRef getContents(uint32_t file) const;
  /// The text of a 1-based line without its line terminator.
  llvm::StringRef getLine(uint32_t file, uint32_t line) const;
  unsigned getNumFiles() const { return files.size(); }

  /// Replaces every line outside [firstLine, lastLine] by an empty line, so
  /// a `// -----` chunk keeps the line numbers of the whole file.
  static std::string maskOutsideLines(llvm::StringRef text, unsigned firstLine,
                                      unsigned lastLine);

private:
  struct File {
    std::string path;
    std::string contents;
    std::vector<uint32_t> lineStarts;
  };
  const File *get(uint32_t file) const;
  std::vector<std::unique_ptr<File>> files;
};

/// Checks that `text` is valid UTF-8. On failure returns false and the
/// location (line, code-point column) and value of the first bad byte.
bool validateUtf8(llvm::StringRef text, uint32_t &line, uint32_t &col,
                  unsigned char &badByte);

} // namespace ade

#endif // ADE_BASIC_SOURCEMANAGER_H
