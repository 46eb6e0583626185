//===- SourceManagerTest.cpp - Source buffers and UTF-8 validation --------===//

#include "ade/Basic/SourceManager.h"

#include "gtest/gtest.h"

using namespace ade;

namespace {

TEST(SourceManager, LinesAreOneBasedWithoutTerminators) {
  SourceManager sm;
  uint32_t f = sm.addBuffer("a.ade", "first\r\nsecond\n\nlast");
  EXPECT_EQ(sm.getLine(f, 1), "first");
  EXPECT_EQ(sm.getLine(f, 2), "second");
  EXPECT_EQ(sm.getLine(f, 3), "");
  EXPECT_EQ(sm.getLine(f, 4), "last");
  EXPECT_EQ(sm.getLine(f, 5), "");
  EXPECT_EQ(sm.getLine(f, 0), "");
  EXPECT_EQ(sm.getPath(f), "a.ade");
  EXPECT_EQ(sm.findFile("a.ade"), f);
  EXPECT_EQ(sm.findFile("b.ade"), 0u);
}

TEST(SourceManager, MaskKeepsLineNumbers) {
  std::string masked = SourceManager::maskOutsideLines("a\nb\nc\nd", 2, 3);
  EXPECT_EQ(masked, "\nb\nc\n");
}

TEST(SourceManager, MissingFileIsAnError) {
  SourceManager sm;
  std::string error;
  EXPECT_EQ(sm.addFile("/nonexistent/x.ade", error), 0u);
  EXPECT_NE(error.find("cannot read '/nonexistent/x.ade'"), std::string::npos);
}

struct Utf8Case {
  std::string text;
  bool valid;
  uint32_t line, col;
};

TEST(Utf8, ValidationFindsTheFirstBadByte) {
  const Utf8Case cases[] = {
      {"plain ascii\n", true, 0, 0},
      {"\xce\xb8 = 1\n", true, 0, 0},              // U+03B8, two bytes
      {"\xe2\x88\x87 f\n", true, 0, 0},            // U+2207, three bytes
      {"\xf0\x9f\x98\x80\n", true, 0, 0},          // U+1F600, four bytes
      {"ab\n\xff", false, 2, 1},                   // never valid
      {"ab\xc0\x80", false, 1, 3},                 // overlong NUL
      {"x\xed\xa0\x80", false, 1, 2},              // surrogate U+D800
      {"\xe2\x88", false, 1, 1},                   // truncated sequence
      {"a\xce\xb8\x80", false, 1, 3},              // stray continuation
      {"\xf4\x90\x80\x80", false, 1, 1},           // past U+10FFFF
  };
  for (const Utf8Case &c : cases) {
    uint32_t line = 0, col = 0;
    unsigned char bad = 0;
    bool ok = validateUtf8(c.text, line, col, bad);
    EXPECT_EQ(ok, c.valid) << c.text;
    if (!c.valid) {
      EXPECT_EQ(line, c.line) << c.text;
      EXPECT_EQ(col, c.col) << c.text;
    }
  }
}

} // namespace
