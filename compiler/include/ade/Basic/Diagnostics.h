//===- Diagnostics.h - User-facing diagnostics ------------------*- C++ -*-===//
//
// Every user error of the frontend is a Diagnostic with a stable code (see
// DiagnosticCodes.def and docs/errors.md), a source range and optional notes.
// The engine collects them (deduplicated, capped), then a printer writes them
// as text (GNU `file:line:col: error[E020]: ...` plus a source excerpt) or
// JSON, or the verifier checks them against `// expected-error` comments.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_BASIC_DIAGNOSTICS_H
#define ADE_BASIC_DIAGNOSTICS_H

#include "ade/Basic/SourceManager.h"

#include "llvm/ADT/StringRef.h"

#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ade {

enum class DiagCode : unsigned {
#define ADE_DIAG(ID, SUMMARY) ID,
#include "ade/Basic/DiagnosticCodes.def"
};

/// "E020", "W001", ...
llvm::StringRef getDiagCodeName(DiagCode code);
/// The one-line summary documented in docs/errors.md.
llvm::StringRef getDiagCodeSummary(DiagCode code);
/// All codes, in declaration order.
std::vector<DiagCode> getAllDiagCodes();

enum class Severity { Error, Warning, Note };

struct DiagnosticNote {
  SourceRange range;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  DiagCode code = DiagCode::E004;
  SourceRange range;
  std::string message;
  std::vector<DiagnosticNote> notes;
  /// A suggestion printed as `help: ...` (e.g. "did you mean 'relu'?").
  std::string help;
};

class DiagnosticEngine {
public:
  /// Errors beyond `errorLimit` are dropped; limitReached() turns true so
  /// the parser and Sema can stop early.
  explicit DiagnosticEngine(unsigned errorLimit = 50)
      : errorLimit(errorLimit) {}

  /// Adds notes and help to the diagnostic just emitted (no-op if it was a
  /// duplicate or over the limit).
  class Builder {
  public:
    Builder &note(SourceRange range, std::string message);
    Builder &help(std::string message);

  private:
    friend class DiagnosticEngine;
    explicit Builder(Diagnostic *diag) : diag(diag) {}
    Diagnostic *diag;
  };

  Builder error(DiagCode code, SourceRange range, std::string message);
  Builder warning(DiagCode code, SourceRange range, std::string message);

  unsigned getNumErrors() const { return numErrors; }
  unsigned getNumWarnings() const { return numWarnings; }
  bool hasErrors() const { return numErrors != 0; }
  bool limitReached() const { return droppedErrors != 0; }
  unsigned getErrorLimit() const { return errorLimit; }
  const std::vector<Diagnostic> &getDiagnostics() const { return diags; }

  /// Errors first, then warnings, each ordered by location.
  std::vector<const Diagnostic *> getSorted() const;

private:
  Builder emit(Severity severity, DiagCode code, SourceRange range,
               std::string message);

  unsigned errorLimit;
  unsigned numErrors = 0, numWarnings = 0, droppedErrors = 0;
  // std::vector may reallocate; Builders point at `diags.back()` only until
  // the next emit, which is how they are used.
  std::vector<Diagnostic> diags;
  std::set<std::tuple<int, unsigned, uint32_t, uint32_t, uint32_t, std::string>>
      seen;
};

/// Writes diagnostics as GNU-style text with a source excerpt, caret and
/// underline, then a summary line ("2 errors, 1 warning generated.").
void printDiagnosticsText(const DiagnosticEngine &diags,
                          const SourceManager &sm, llvm::raw_ostream &os,
                          bool color);

/// Writes diagnostics as one JSON array (for editors and the LSP).
void printDiagnosticsJson(const DiagnosticEngine &diags,
                          const SourceManager &sm, llvm::raw_ostream &os);

/// Checks the diagnostics against `expected-<severity>` comments in every
/// loaded file:
///   // expected-error@+1:9 E020 {{undefined name 'foo'}}
/// `@+N`/`@-N` is relative to the comment's line, `@N` absolute, no `@` the
/// same line; `:C` (optional) pins the column; the code is optional; the text
/// between `{{` and `}}` must occur in the message. Every diagnostic must be
/// expected and every expectation met. Mismatches are written to `os`.
bool verifyDiagnostics(const DiagnosticEngine &diags, const SourceManager &sm,
                       llvm::raw_ostream &os);

} // namespace ade

#endif // ADE_BASIC_DIAGNOSTICS_H
