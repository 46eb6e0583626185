//===- SemaTest.cpp - Typing rules checked through the public API ---------===//
//
// Each case compiles a small program and inspects the checked program or the
// diagnostic it produced.
//
//===----------------------------------------------------------------------===//

#include "ade/Sema/Sema.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <fstream>

using namespace ade;

namespace {

struct Result {
  std::unique_ptr<tir::Program> program;
  std::vector<std::string> codes;
  std::string text;
};

Result check(const std::string &source, const std::string &path = "t.ade") {
  Result r;
  SourceManager sm;
  DiagnosticEngine diags;
  uint32_t file = sm.addBuffer(path, source);
  ModuleLoader loader(sm, diags, {ADE_SOURCE_DIR "/stdlib", {}});
  if (ast::Module *root = loader.loadRoot(file))
    r.program = analyze(loader, *root, diags);
  for (const Diagnostic *d : diags.getSorted())
    if (d->severity == Severity::Error)
      r.codes.push_back(getDiagCodeName(d->code).str());
  llvm::raw_string_ostream os(r.text);
  printDiagnosticsText(diags, sm, os, false);
  return r;
}

struct BroadcastCase {
  const char *a, *op, *b, *expected;
};

TEST(Sema, BroadcastingAndMatrixProducts) {
  // Result types are checked by declaring them: a mismatch is E040.
  const BroadcastCase cases[] = {
      {"f32[3]", "+", "f32[3]", "f32[3]"},
      {"f32[2, 3]", "*", "f32[3]", "f32[2, 3]"},
      {"f32[2, 1]", "-", "f32[1, 4]", "f32[2, 4]"},
      {"f32", "/", "f32[5, 2]", "f32[5, 2]"},
      {"f32[2, 3]", "+", "f32[2]", "E030"},
      {"f32[4, 2]", "@", "f32[2]", "f32[4]"},
      {"f32[2]", "@", "f32[2, 7]", "f32[7]"},
      {"f32[3, 2]", "@", "f32[2, 5]", "f32[3, 5]"},
      {"f32[3]", "@", "f32[3]", "f32"},
      {"f32[3, 2]", "@", "f32[3]", "E031"},
      {"f32[3]", "+", "f64[3]", "E032"},
      {"f32[3]", "<", "f32[3]", "bool[3]"},
      {"f32[2]", "&&", "f32[2]", "E042"},
  };
  for (const BroadcastCase &c : cases) {
    bool isError = c.expected[0] == 'E';
    std::string declared = isError ? "f32" : c.expected;
    Result r = check(std::string("fn t(a: ") + c.a + ", b: " + c.b + ") -> " +
                     declared + " = a " + c.op + " b\n");
    std::string got = r.codes.empty() ? "ok" : r.codes[0];
    EXPECT_EQ(got, isError ? c.expected : "ok")
        << c.a << " " << c.op << " " << c.b << "\n" << r.text;
  }
}

TEST(Sema, ComponentsInstantiateParametersWithPaths) {
  Result r = check("import std.nn\n"
                   "model M {\n"
                   "  net = MLP(3, [4, 5], 1)\n"
                   "  fn f(x: real[3]) -> real = net(x)[0]\n"
                   "}\n");
  ASSERT_TRUE(r.program) << r.text;
  std::vector<std::string> names;
  for (const tir::Param &p : r.program->params)
    names.push_back(p.name + ":" + p.type.str());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "net.layer.0.W:f32[4, 3]", "net.layer.0.b:f32[4]",
                       "net.layer.1.W:f32[5, 4]", "net.layer.1.b:f32[5]",
                       "net.layer.2.W:f32[1, 5]", "net.layer.2.b:f32[1]"}));
  ASSERT_EQ(r.program->models.size(), 1u);
  EXPECT_EQ(r.program->models[0].dataType.str(), "f32[3]");
  EXPECT_EQ(r.program->params[0].init.fanIn, 3);
  EXPECT_EQ(r.program->params[0].init.fanOut, 4);
}

TEST(Sema, SamplerOutputMustBeRandomAndTyped) {
  const char *model = "model M { fn f(x: real[2]) -> real = -dot(x, x) }\n";
  Result ok = check(std::string(model) +
                    "sampler S for M { fn sample() -> real[2] {\n"
                    "  z ~ normal(0, 1, [2])\n  return 2 * z } }\n");
  ASSERT_TRUE(ok.program) << ok.text;
  EXPECT_TRUE(ok.program->samplers[0].sample->hasDraws);
  EXPECT_TRUE(ok.program->samplers[0].sample->result->random);

  Result constant = check(std::string(model) +
                          "sampler S for M { fn sample() -> real[2] {\n"
                          "  z ~ normal(0, 1, [2])\n  return zeros([2]) } }\n");
  EXPECT_EQ(constant.codes, std::vector<std::string>{"E071"}) << constant.text;

  Result wrongType = check(std::string(model) +
                           "sampler S for M { fn sample() -> real[3] {\n"
                           "  z ~ normal(0, 1, [3])\n  return z } }\n");
  EXPECT_EQ(wrongType.codes, std::vector<std::string>{"E068"})
      << wrongType.text;
}

TEST(Sema, LoopsUnrollAndVariablesMayChangeShape) {
  Result r = check("fn t(x: real[2]) -> real[8] {\n"
                   "  var h = x\n"
                   "  for i in 0..2 { h = concat(h, h) }\n"
                   "  return h\n}\n"
                   "model M { fn f(x: real[2]) -> real = sum(t(x)) }\n");
  ASSERT_TRUE(r.program) << r.text;
}

TEST(Sema, ImportCycleIsReportedWithTheChain) {
  std::string dir = ::testing::TempDir() + "/ade-cycle";
  llvm::sys::fs::create_directories(dir);
  std::ofstream(dir + "/a.ade") << "import b\nfn fa() -> real = 1\n";
  std::ofstream(dir + "/b.ade") << "import a\nfn fb() -> real = 2\n";
  SourceManager sm;
  DiagnosticEngine diags;
  std::string error;
  uint32_t file = sm.addFile(dir + "/a.ade", error);
  ASSERT_NE(file, 0u) << error;
  ModuleLoader loader(sm, diags, {ADE_SOURCE_DIR "/stdlib", {}});
  ast::Module *root = loader.loadRoot(file);
  ASSERT_NE(root, nullptr);
  ASSERT_EQ(diags.getNumErrors(), 1u);
  const Diagnostic &d = diags.getDiagnostics()[0];
  EXPECT_EQ(d.code, DiagCode::E011);
  EXPECT_EQ(sm.getPath(d.range.begin.file), dir + "/b.ade");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(sm.getPath(d.notes[0].range.begin.file), dir + "/a.ade");
}

} // namespace
