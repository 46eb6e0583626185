//===- SourceManager.cpp - Source buffers and locations -------------------===//

#include "ade/Basic/SourceManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace ade;

uint32_t SourceManager::addBuffer(std::string path, std::string contents) {
  auto file = std::make_unique<File>();
  file->path = std::move(path);
  file->contents = std::move(contents);
  file->lineStarts.push_back(0);
  const std::string &text = file->contents;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n')
      file->lineStarts.push_back(i + 1);
  files.push_back(std::move(file));
  return files.size();
}

uint32_t SourceManager::addFile(const std::string &path, std::string &error) {
  if (llvm::sys::fs::is_directory(path)) {
    error = "'" + path + "' is a directory, not a source file";
    return 0;
  }
  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(path, size) && size > kMaxSourceFileBytes) {
    error = "'" + path + "' is too large (" + std::to_string(size) +
            " bytes; the limit is " + std::to_string(kMaxSourceFileBytes) +
            ")";
    return 0;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path + "': " + buffer.getError().message();
    return 0;
  }
  if ((*buffer)->getBufferSize() > kMaxSourceFileBytes) {
    error = "'" + path + "' is too large (the limit is " +
            std::to_string(kMaxSourceFileBytes) + " bytes)";
    return 0;
  }
  return addBuffer(path, (*buffer)->getBuffer().str());
}

uint32_t SourceManager::findFile(llvm::StringRef path) const {
  for (size_t i = 0; i < files.size(); ++i)
    if (files[i]->path == path)
      return i + 1;
  return 0;
}

const SourceManager::File *SourceManager::get(uint32_t file) const {
  if (file == 0 || file > files.size())
    return nullptr;
  return files[file - 1].get();
}

llvm::StringRef SourceManager::getPath(uint32_t file) const {
  const File *f = get(file);
  return f ? llvm::StringRef(f->path) : llvm::StringRef("<unknown>");
}

llvm::StringRef SourceManager::getContents(uint32_t file) const {
  const File *f = get(file);
  return f ? llvm::StringRef(f->contents) : llvm::StringRef();
}

llvm::StringRef SourceManager::getLine(uint32_t file, uint32_t line) const {
  const File *f = get(file);
  if (!f || line == 0 || line > f->lineStarts.size())
    return {};
  llvm::StringRef text(f->contents);
  size_t start = f->lineStarts[line - 1];
  size_t end = text.find('\n', start);
  llvm::StringRef result = text.slice(start, end);
  return result.rtrim("\r");
}

std::string SourceManager::maskOutsideLines(llvm::StringRef text,
                                            unsigned firstLine,
                                            unsigned lastLine) {
  std::string out;
  out.reserve(text.size());
  unsigned line = 1;
  for (char c : text) {
    if (c == '\n') {
      out.push_back('\n');
      ++line;
      continue;
    }
    if (line >= firstLine && line <= lastLine)
      out.push_back(c);
  }
  return out;
}

bool ade::validateUtf8(llvm::StringRef text, uint32_t &line, uint32_t &col,
                       unsigned char &badByte) {
  line = 1;
  col = 1;
  const auto *p = reinterpret_cast<const unsigned char *>(text.data());
  const auto *end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    unsigned len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                                : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && p + len <= end;
    for (unsigned i = 1; ok && i < len; ++i)
      ok = (p[i] & 0xC0) == 0x80;
    if (ok && len > 1) {
      // Reject overlong encodings, surrogates and code points past U+10FFFF.
      uint32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
      for (unsigned i = 1; i < len; ++i)
        cp = (cp << 6) | (p[i] & 0x3F);
      static const uint32_t minCp[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= minCp[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (!ok) {
      badByte = c;
      return false;
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    p += len;
  }
  return true;
}
