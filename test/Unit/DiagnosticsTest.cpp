//===- DiagnosticsTest.cpp - Diagnostic engine, printers, verifier --------===//

#include "ade/Basic/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ade;

namespace {

SourceRange range(uint32_t file, uint32_t line, uint32_t col, uint32_t end) {
  return {{file, line, col}, {file, line, end}};
}

TEST(Diagnostics, EveryCodeIsDocumented) {
  auto doc = llvm::MemoryBuffer::getFile(ADE_SOURCE_DIR "/docs/errors.md");
  ASSERT_TRUE(bool(doc)) << "docs/errors.md is missing";
  llvm::StringRef text = (*doc)->getBuffer();
  for (DiagCode code : getAllDiagCodes()) {
    std::string row = "| " + getDiagCodeName(code).str() + " |";
    EXPECT_TRUE(text.contains(row))
        << getDiagCodeName(code).str() << " (" << getDiagCodeSummary(code).str()
        << ") has no row in docs/errors.md";
  }
}

TEST(Diagnostics, TextHasGnuHeaderExcerptCaretAndNotes) {
  SourceManager sm;
  uint32_t f = sm.addBuffer("m.ade", "let y = foo(x)\nfn foo() = 1\n");
  DiagnosticEngine diags;
  diags.error(DiagCode::E020, range(f, 1, 9, 12), "use of undeclared name 'foo'")
      .note(range(f, 2, 4, 7), "declared here")
      .help("did you mean 'for'?");
  std::string out;
  llvm::raw_string_ostream os(out);
  printDiagnosticsText(diags, sm, os, /*color=*/false);
  EXPECT_EQ(out, "m.ade:1:9: error[E020]: use of undeclared name 'foo'\n"
                 " 1 | let y = foo(x)\n"
                 "   |         ^~~\n"
                 "help: did you mean 'for'?\n"
                 "m.ade:2:4: note: declared here\n"
                 " 2 | fn foo() = 1\n"
                 "   |    ^~~\n"
                 "1 error generated.\n");
}

TEST(Diagnostics, CaretCountsCodePointsAndKeepsTabs) {
  SourceManager sm;
  uint32_t f = sm.addBuffer("u.ade", "\t\xce\xb8 + zz\n");
  DiagnosticEngine diags;
  diags.error(DiagCode::E001, range(f, 1, 6, 8), "bad");
  std::string out;
  llvm::raw_string_ostream os(out);
  printDiagnosticsText(diags, sm, os, false);
  EXPECT_NE(out.find("   | \t    ^~\n"), std::string::npos) << out;
}

TEST(Diagnostics, DuplicatesAreDroppedAndErrorsCapped) {
  DiagnosticEngine diags(/*errorLimit=*/3);
  for (int i = 0; i < 2; ++i)
    diags.error(DiagCode::E030, range(1, 1, 1, 2), "same");
  EXPECT_EQ(diags.getNumErrors(), 1u);
  for (uint32_t line = 2; line < 10; ++line)
    diags.error(DiagCode::E030, range(1, line, 1, 2), "other");
  EXPECT_EQ(diags.getNumErrors(), 3u);
  EXPECT_TRUE(diags.limitReached());
  diags.warning(DiagCode::W001, range(1, 1, 1, 2), "warn");
  EXPECT_EQ(diags.getNumWarnings(), 1u);
  // Errors sort before warnings.
  EXPECT_EQ(diags.getSorted().back()->severity, Severity::Warning);
}

TEST(Diagnostics, JsonCarriesCodeRangeAndNotes) {
  SourceManager sm;
  uint32_t f = sm.addBuffer("j.ade", "abc\n");
  DiagnosticEngine diags;
  diags.error(DiagCode::E004, range(f, 1, 2, 3), "syntax error: x")
      .note(range(f, 1, 1, 2), "here");
  std::string out;
  llvm::raw_string_ostream os(out);
  printDiagnosticsJson(diags, sm, os);
  EXPECT_NE(out.find("\"code\": \"E004\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"column\": 2"), std::string::npos) << out;
  EXPECT_NE(out.find("\"message\": \"here\""), std::string::npos) << out;
}

struct VerifyCase {
  const char *source;
  unsigned line, col;
  bool expectOk;
};

TEST(Diagnostics, VerifierMatchesLineColumnCodeAndText) {
  const VerifyCase cases[] = {
      {"// expected-error@+1:3 E020 {{undeclared}}\nxxxxx\n", 2, 3, true},
      {"// expected-error@+1 {{undeclared}}\nxxxxx\n", 2, 5, true},
      {"// expected-error@+1:4 {{undeclared}}\nxxxxx\n", 2, 3, false},
      {"// expected-error@+1 E021 {{undeclared}}\nxxxxx\n", 2, 3, false},
      {"// expected-error@+2 {{undeclared}}\nxxxxx\n", 2, 3, false},
      {"// expected-error@+1 {{something else}}\nxxxxx\n", 2, 3, false},
      {"x // expected-error {{undeclared}}\n", 1, 1, true},
      {"// no expectation\nxxxxx\n", 2, 3, false},
  };
  for (const VerifyCase &c : cases) {
    SourceManager sm;
    uint32_t f = sm.addBuffer("v.ade", c.source);
    DiagnosticEngine diags;
    diags.error(DiagCode::E020, range(f, c.line, c.col, c.col + 1),
                "use of undeclared name 'x'");
    std::string out;
    llvm::raw_string_ostream os(out);
    EXPECT_EQ(verifyDiagnostics(diags, sm, os), c.expectOk)
        << c.source << "\n" << out;
  }
}

TEST(Diagnostics, VerifierReportsUnmetExpectations) {
  SourceManager sm;
  sm.addBuffer("v.ade", "// expected-warning@+1 W001 {{unused}}\nlet x = 1\n");
  DiagnosticEngine diags;
  std::string out;
  llvm::raw_string_ostream os(out);
  EXPECT_FALSE(verifyDiagnostics(diags, sm, os));
  EXPECT_NE(out.find("expected warning W001 at line 2 {{unused}} was not "
                     "produced"),
            std::string::npos)
      << out;
}

} // namespace
