//===- Diagnostics.cpp - User-facing diagnostics --------------------------===//

#include "ade/Basic/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace ade;

namespace {
struct CodeInfo {
  const char *name;
  const char *summary;
};
const CodeInfo kCodes[] = {
#define ADE_DIAG(ID, SUMMARY) {#ID, SUMMARY},
#include "ade/Basic/DiagnosticCodes.def"
};
} // namespace

llvm::StringRef ade::getDiagCodeName(DiagCode code) {
  return kCodes[static_cast<unsigned>(code)].name;
}

llvm::StringRef ade::getDiagCodeSummary(DiagCode code) {
  return kCodes[static_cast<unsigned>(code)].summary;
}

std::vector<DiagCode> ade::getAllDiagCodes() {
  std::vector<DiagCode> codes;
  for (unsigned i = 0; i < std::size(kCodes); ++i)
    codes.push_back(static_cast<DiagCode>(i));
  return codes;
}

//===----------------------------------------------------------------------===//
// DiagnosticEngine
//===----------------------------------------------------------------------===//

DiagnosticEngine::Builder &DiagnosticEngine::Builder::note(SourceRange range,
                                                           std::string msg) {
  if (diag)
    diag->notes.push_back({range, std::move(msg)});
  return *this;
}

DiagnosticEngine::Builder &DiagnosticEngine::Builder::help(std::string msg) {
  if (diag)
    diag->help = std::move(msg);
  return *this;
}

DiagnosticEngine::Builder DiagnosticEngine::emit(Severity severity,
                                                 DiagCode code,
                                                 SourceRange range,
                                                 std::string message) {
  auto key = std::make_tuple(static_cast<int>(severity),
                             static_cast<unsigned>(code), range.begin.file,
                             range.begin.line, range.begin.col, message);
  if (!seen.insert(key).second)
    return Builder(nullptr);
  if (severity == Severity::Error) {
    if (numErrors >= errorLimit) {
      ++droppedErrors;
      return Builder(nullptr);
    }
    ++numErrors;
  } else {
    ++numWarnings;
  }
  diags.push_back({severity, code, range, std::move(message), {}, {}});
  return Builder(&diags.back());
}

DiagnosticEngine::Builder DiagnosticEngine::error(DiagCode code,
                                                  SourceRange range,
                                                  std::string message) {
  return emit(Severity::Error, code, range, std::move(message));
}

DiagnosticEngine::Builder DiagnosticEngine::warning(DiagCode code,
                                                    SourceRange range,
                                                    std::string message) {
  return emit(Severity::Warning, code, range, std::move(message));
}

std::vector<const Diagnostic *> DiagnosticEngine::getSorted() const {
  std::vector<const Diagnostic *> sorted;
  for (const Diagnostic &d : diags)
    sorted.push_back(&d);
  // Emission order breaks ties (the pointers follow it: diags is a vector).
  std::sort(sorted.begin(), sorted.end(),
            [](const Diagnostic *a, const Diagnostic *b) {
              if (a->severity != b->severity)
                return a->severity < b->severity;
              if (!(a->range.begin == b->range.begin))
                return a->range.begin < b->range.begin;
              return a < b;
            });
  return sorted;
}

//===----------------------------------------------------------------------===//
// Text output
//===----------------------------------------------------------------------===//

namespace {
/// Byte length of the UTF-8 sequence starting with `c` (1 for bad bytes).
unsigned utf8Length(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                    : (c >> 3) == 0x1E ? 4 : 1;
}

/// Number of code points in a line.
uint32_t codePointCount(llvm::StringRef line) {
  uint32_t n = 0;
  for (size_t i = 0; i < line.size(); i += utf8Length(line[i]))
    ++n;
  return n;
}

class TextPrinter {
public:
  TextPrinter(const SourceManager &sm, llvm::raw_ostream &os, bool color)
      : sm(sm), os(os), color(color) {}

  void print(const Diagnostic &d) {
    printHeader(d.severity, d.range, d.message, getDiagCodeName(d.code));
    printExcerpt(d.range, d.severity);
    if (!d.help.empty()) {
      withColor(llvm::raw_ostream::GREEN, true) << "help";
      reset();
      os << ": " << d.help << "\n";
    }
    for (const DiagnosticNote &n : d.notes) {
      printHeader(Severity::Note, n.range, n.message, "");
      printExcerpt(n.range, Severity::Note);
    }
  }

private:
  llvm::raw_ostream &withColor(llvm::raw_ostream::Colors c, bool bold) {
    if (color)
      os.changeColor(c, bold);
    return os;
  }
  void reset() {
    if (color)
      os.resetColor();
  }

  static llvm::raw_ostream::Colors colorOf(Severity s) {
    switch (s) {
    case Severity::Error:
      return llvm::raw_ostream::RED;
    case Severity::Warning:
      return llvm::raw_ostream::MAGENTA;
    case Severity::Note:
      return llvm::raw_ostream::CYAN;
    }
    return llvm::raw_ostream::RED;
  }

  void printHeader(Severity s, SourceRange range, llvm::StringRef message,
                   llvm::StringRef code) {
    if (color)
      os.changeColor(llvm::raw_ostream::SAVEDCOLOR, true);
    if (range.isValid())
      os << sm.getPath(range.begin.file) << ":" << range.begin.line << ":"
         << range.begin.col << ": ";
    withColor(colorOf(s), true)
        << (s == Severity::Error     ? "error"
            : s == Severity::Warning ? "warning"
                                     : "note");
    if (!code.empty())
      os << "[" << code << "]";
    if (color)
      os.changeColor(llvm::raw_ostream::SAVEDCOLOR, true);
    os << ": " << message << "\n";
    reset();
  }

  void printExcerpt(SourceRange range, Severity s) {
    if (!range.isValid())
      return;
    llvm::StringRef line = sm.getLine(range.begin.file, range.begin.line);
    if (line.empty() && range.begin.col <= 1)
      return;
    std::string lineNo = std::to_string(range.begin.line);
    std::string gutter(lineNo.size() + 1, ' ');
    // Control characters (an escape sequence in a hostile file) are shown
    // as '?', one column each: never sent to the terminal.
    std::string shown = line.str();
    for (char &c : shown)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        c = '?';
    os << " " << lineNo << " | " << shown << "\n";
    os << gutter << " | ";
    // Reproduce tabs so the caret lines up in every terminal.
    std::string pad;
    uint32_t col = 1;
    size_t i = 0;
    for (; i < line.size() && col < range.begin.col; ++col) {
      pad.push_back(line[i] == '\t' ? '\t' : ' ');
      i += utf8Length(line[i]);
    }
    uint32_t lineEnd = codePointCount(line) + 1;
    uint32_t endCol = range.end.line == range.begin.line ? range.end.col
                                                          : lineEnd;
    if (endCol > lineEnd)
      endCol = lineEnd;
    unsigned width = endCol > range.begin.col ? endCol - range.begin.col : 1;
    os << pad;
    withColor(colorOf(s), true) << "^" << std::string(width - 1, '~');
    reset();
    os << "\n";
  }

  const SourceManager &sm;
  llvm::raw_ostream &os;
  bool color;
};
} // namespace

void ade::printDiagnosticsText(const DiagnosticEngine &diags,
                               const SourceManager &sm, llvm::raw_ostream &os,
                               bool color) {
  TextPrinter printer(sm, os, color);
  for (const Diagnostic *d : diags.getSorted())
    printer.print(*d);
  if (diags.limitReached())
    os << "error[E006]: too many errors; stopped after "
       << diags.getErrorLimit() << "\n";
  unsigned e = diags.getNumErrors(), w = diags.getNumWarnings();
  if (e || w) {
    if (e)
      os << e << (e == 1 ? " error" : " errors");
    if (e && w)
      os << " and ";
    if (w)
      os << w << (w == 1 ? " warning" : " warnings");
    os << " generated.\n";
  }
  os.flush();
}

//===----------------------------------------------------------------------===//
// JSON output
//===----------------------------------------------------------------------===//

static llvm::json::Object rangeToJson(const SourceManager &sm, SourceRange r) {
  return llvm::json::Object{
      {"file", sm.getPath(r.begin.file)},
      {"line", r.begin.line},
      {"column", r.begin.col},
      {"endLine", r.end.line},
      {"endColumn", r.end.col},
  };
}

void ade::printDiagnosticsJson(const DiagnosticEngine &diags,
                               const SourceManager &sm,
                               llvm::raw_ostream &os) {
  llvm::json::Array array;
  for (const Diagnostic *d : diags.getSorted()) {
    llvm::json::Array notes;
    for (const DiagnosticNote &n : d->notes)
      notes.push_back(llvm::json::Object{
          {"range", rangeToJson(sm, n.range)}, {"message", n.message}});
    llvm::json::Object obj{
        {"severity", d->severity == Severity::Error ? "error" : "warning"},
        {"code", getDiagCodeName(d->code)},
        {"message", d->message},
        {"range", rangeToJson(sm, d->range)},
        {"notes", std::move(notes)},
    };
    if (!d->help.empty())
      obj["help"] = d->help;
    array.push_back(std::move(obj));
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(array))) << "\n";
  os.flush();
}

//===----------------------------------------------------------------------===//
// Verifier
//===----------------------------------------------------------------------===//

namespace {
struct Expectation {
  Severity severity;
  uint32_t file, line, col; // col 0: any column
  std::string code;         // empty: any code
  std::string text;
  uint32_t commentLine;
  bool matched = false;
};

const char *severityName(Severity s) {
  return s == Severity::Error ? "error" : s == Severity::Warning ? "warning"
                                                                 : "note";
}

std::vector<Expectation> parseExpectations(const SourceManager &sm,
                                           uint32_t file,
                                           llvm::raw_ostream &os,
                                           bool &ok) {
  std::vector<Expectation> result;
  llvm::Regex re("expected-(error|warning|note)(@([+-]?[0-9]+))?(:([0-9]+))?"
                 "[ \t]*([EW][0-9]+)?[ \t]*\\{\\{(.*)\\}\\}");
  llvm::StringRef text = sm.getContents(file);
  uint32_t lineNo = 0;
  while (!text.empty()) {
    ++lineNo;
    auto [line, rest] = text.split('\n');
    text = rest;
    if (!line.contains("expected-"))
      continue;
    llvm::SmallVector<llvm::StringRef, 8> m;
    if (!re.match(line, &m)) {
      if (line.contains("expected-error") || line.contains("expected-warning") ||
          line.contains("expected-note")) {
        os << sm.getPath(file) << ":" << lineNo
           << ": malformed expectation (want: expected-error@+1:5 E020 "
              "{{text}})\n";
        ok = false;
      }
      continue;
    }
    Expectation e;
    e.severity = m[1] == "error"     ? Severity::Error
                 : m[1] == "warning" ? Severity::Warning
                                     : Severity::Note;
    e.file = file;
    e.commentLine = lineNo;
    e.line = lineNo;
    if (!m[3].empty()) {
      long long v = 0;
      llvm::StringRef num = m[3];
      bool relative = num.starts_with("+") || num.starts_with("-");
      num.consume_front("+");
      bool negative = num.consume_front("-");
      num.getAsInteger(10, v);
      e.line = relative ? lineNo + (negative ? -v : v) : v;
    }
    e.col = 0;
    if (!m[5].empty())
      m[5].getAsInteger(10, e.col);
    e.code = m[6].str();
    // Non-greedy match of the text: stop at the first "}}".
    llvm::StringRef body = m[7];
    e.text = body.substr(0, body.find("}}")).str();
    result.push_back(std::move(e));
  }
  return result;
}
} // namespace

bool ade::verifyDiagnostics(const DiagnosticEngine &diags,
                            const SourceManager &sm, llvm::raw_ostream &os) {
  bool ok = true;
  std::vector<Expectation> expectations;
  for (uint32_t f = 1; f <= sm.getNumFiles(); ++f) {
    auto e = parseExpectations(sm, f, os, ok);
    expectations.insert(expectations.end(), e.begin(), e.end());
  }

  auto check = [&](Severity s, DiagCode code, SourceRange range,
                   llvm::StringRef message) {
    for (Expectation &e : expectations) {
      if (e.matched || e.severity != s || e.file != range.begin.file ||
          e.line != range.begin.line)
        continue;
      if (e.col != 0 && e.col != range.begin.col)
        continue;
      if (!e.code.empty() && (s == Severity::Note ||
                              e.code != getDiagCodeName(code)))
        continue;
      if (!message.contains(e.text))
        continue;
      e.matched = true;
      return;
    }
    ok = false;
    if (range.isValid())
      os << sm.getPath(range.begin.file) << ":" << range.begin.line << ":"
         << range.begin.col << ": ";
    os << "unexpected " << severityName(s);
    if (s != Severity::Note)
      os << " " << getDiagCodeName(code);
    os << ": " << message << "\n";
  };

  for (const Diagnostic *d : diags.getSorted()) {
    check(d->severity, d->code, d->range, d->message);
    for (const DiagnosticNote &n : d->notes)
      if (n.range.isValid())
        check(Severity::Note, d->code, n.range, n.message);
  }
  if (diags.limitReached()) {
    os << "more than " << diags.getErrorLimit()
       << " errors: raise the limit with --error-limit to verify them all\n";
    ok = false;
  }
  for (const Expectation &e : expectations) {
    if (e.matched)
      continue;
    ok = false;
    os << sm.getPath(e.file) << ":" << e.commentLine << ": expected "
       << severityName(e.severity) << (e.code.empty() ? "" : " ") << e.code
       << " at line " << e.line;
    if (e.col)
      os << ", column " << e.col;
    os << " {{" << e.text << "}} was not produced\n";
  }
  os.flush();
  return ok;
}
