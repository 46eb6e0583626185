//===- ASTDumper.h - Textual dump of the AST --------------------*- C++ -*-===//
//
// `adec --emit=ast`: one node per line, prefixed by one "| " per level of
// depth, each with its source range as <line:col-line:col>. Stable output
// for FileCheck tests.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_AST_ASTDUMPER_H
#define ADE_AST_ASTDUMPER_H

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ade::ast {
struct Module;

void dumpModule(const Module &module, llvm::raw_ostream &os);

} // namespace ade::ast

#endif // ADE_AST_ASTDUMPER_H
