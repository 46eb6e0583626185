//===- Parser.h - .ade source to AST ----------------------------*- C++ -*-===//
//
// Lexes and parses one buffer with the ANTLR-generated parser and builds the
// AST. Syntax errors become diagnostics (E001-E007); a module with syntax
// errors is not returned, so later stages only see well-formed trees.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_PARSE_PARSER_H
#define ADE_PARSE_PARSER_H

#include "ade/AST/AST.h"
#include "ade/Basic/Diagnostics.h"

#include <memory>
#include <string>

namespace ade {

/// Limits that keep hostile input from exhausting the stack.
struct ParseLimits {
  /// Stack the parser may use before nesting counts as too deep (it parses
  /// by recursive descent).
  size_t maxParserStackBytes = size_t(2) << 20;
  /// Maximum nesting of expressions (a chain `a + b + ...` counts each
  /// operator) and of statements/members in the AST.
  unsigned maxAstDepth = 500;
};

/// Parses `file` (already in `sm`) as module `moduleName`. Returns null if
/// there were syntax errors (reported to `diags`).
std::unique_ptr<ast::Module> parseModule(const SourceManager &sm,
                                         uint32_t file, std::string moduleName,
                                         DiagnosticEngine &diags,
                                         const ParseLimits &limits = {});

} // namespace ade

#endif // ADE_PARSE_PARSER_H
