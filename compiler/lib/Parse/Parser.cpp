//===- Parser.cpp - .ade source to AST ------------------------------------===//
//
// Three pieces around the ANTLR-generated parser:
//  - StatementSeparatorFilter: a token source between lexer and parser that
//    turns a newline into a virtual ';' where a statement can end, reports
//    stray characters, and hides comments;
//  - DepthLimitedParser: the generated parser with a bound on rule nesting,
//    so hostile input cannot overflow the stack;
//  - AstBuilder: parse tree to AST, with its own bound on expression depth
//    (left-associative chains are deep trees even though parsing them is not
//    recursive).
//
//===----------------------------------------------------------------------===//

#include "ade/Parse/Parser.h"

#include "AdeLexer.h"
#include "AdeParser.h"
#include "antlr4-runtime.h"

#include "llvm/ADT/StringExtras.h"

#include <cerrno>
#include <cstdlib>

using namespace ade;
using namespace ade::ast;
using grammar::AdeLexer;
using grammar::AdeParser;

namespace {

/// Thrown to abandon parsing; the diagnostic has been emitted already.
struct ParseAbort {};

uint32_t codePoints(llvm::StringRef text) {
  uint32_t n = 0;
  for (unsigned char c : text)
    n += (c & 0xC0) != 0x80;
  return n;
}

/// Range of one token. Virtual separators are zero-width.
SourceRange tokenRange(uint32_t file, const antlr4::Token *t) {
  SourceLoc begin{file, static_cast<uint32_t>(t->getLine()),
                  static_cast<uint32_t>(t->getCharPositionInLine() + 1)};
  SourceLoc end = begin;
  if (t->getType() != antlr4::Token::EOF)
    end.col += codePoints(t->getText());
  return {begin, end};
}

//===----------------------------------------------------------------------===//
// StatementSeparatorFilter
//===----------------------------------------------------------------------===//

/// Go's rule: a newline ends a statement when the line's last token is one
/// that can end a statement and we are not inside () or [].
class StatementSeparatorFilter : public antlr4::TokenSource {
public:
  /// In `recovery` mode (the second pass over a file with a syntax error)
  /// stray characters are not reported again, and each token that begins a
  /// top-level declaration (startedDeclaration) closes the brackets the
  /// previous one left open.
  StatementSeparatorFilter(AdeLexer &lexer, uint32_t file,
                           DiagnosticEngine &diags, bool recovery = false)
      : lexer(lexer), file(file), diags(diags), recovery(recovery) {}

  /// In recovery mode: whether the last token returned begins a top-level
  /// declaration.
  bool startedDeclaration() const { return declarationStart; }

  std::unique_ptr<antlr4::Token> nextToken() override {
    declarationStart = false;
    while (true) {
      std::unique_ptr<antlr4::Token> t = lexer.nextToken();
      size_t type = t->getType();
      if (type == AdeLexer::UNEXPECTED_CHAR) {
        if (!recovery)
          reportUnexpectedChar(*t);
        continue;
      }
      if (type == AdeLexer::UNTERMINATED_COMMENT && recovery)
        continue;
      if (type == AdeLexer::UNTERMINATED_COMMENT) {
        SourceRange r = tokenRange(file, t.get());
        r.end = {file, r.begin.line, r.begin.col + 2};
        diags.error(DiagCode::E003, r,
                    "unterminated block comment: '/*' has no matching '*/'");
        stopIfTooManyErrors();
        continue;
      }
      bool isNewline =
          type == AdeLexer::NEWLINE ||
          (type == AdeLexer::BLOCK_COMMENT &&
           t->getText().find('\n') != std::string::npos);
      if (isNewline) {
        if (bracketDepth != 0 || !endsStatement(lastSignificant))
          continue;
        lastSignificant = AdeLexer::SEMI;
        auto semi = std::make_unique<antlr4::CommonToken>(
            std::make_pair(static_cast<antlr4::TokenSource *>(this),
                           lexer.getInputStream()),
            AdeLexer::SEMI, antlr4::Token::DEFAULT_CHANNEL,
            t->getStartIndex(), t->getStartIndex() - 1);
        semi->setText("");
        semi->setLine(t->getLine());
        semi->setCharPositionInLine(t->getCharPositionInLine());
        return semi;
      }
      if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
        if (recovery && startsDeclaration(*t)) {
          declarationStart = true;
          bracketDepth = braceDepth = 0;
        }
        if (type == AdeLexer::LBRACE)
          ++braceDepth;
        else if (type == AdeLexer::RBRACE && braceDepth > 0)
          --braceDepth;
        trackBrackets(type);
        lastSignificant = type;
      }
      return t;
    }
  }

  size_t getLine() const override { return lexer.getLine(); }
  size_t getCharPositionInLine() override {
    return lexer.getCharPositionInLine();
  }
  antlr4::CharStream *getInputStream() override {
    return lexer.getInputStream();
  }
  std::string getSourceName() override { return lexer.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken> *getTokenFactory() override {
    return lexer.getTokenFactory();
  }

private:
  /// A declaration keyword in column 1: `import`, `model`, `sampler` and
  /// `component` only ever begin declarations; `fn` and `const` do outside
  /// braces (members use them too) and not after a token that continues a
  /// construct (a type `fn` on a parameter list's next line).
  bool startsDeclaration(const antlr4::Token &t) const {
    if (t.getCharPositionInLine() != 0)
      return false;
    switch (t.getType()) {
    case AdeLexer::IMPORT:
    case AdeLexer::MODEL:
    case AdeLexer::SAMPLER:
    case AdeLexer::COMPONENT:
      return true;
    case AdeLexer::FN:
    case AdeLexer::CONST:
      switch (lastSignificant) {
      case AdeLexer::COLON:
      case AdeLexer::COMMA:
      case AdeLexer::ARROW:
      case AdeLexer::LPAREN:
      case AdeLexer::LBRACK:
      case AdeLexer::ASSIGN:
        return false;
      default:
        return braceDepth == 0;
      }
    default:
      return false;
    }
  }

  static bool endsStatement(size_t type) {
    switch (type) {
    case AdeLexer::IDENT:
    case AdeLexer::INT_LIT:
    case AdeLexer::FLOAT_LIT:
    case AdeLexer::TRUE:
    case AdeLexer::FALSE:
    case AdeLexer::RPAREN:
    case AdeLexer::RBRACK:
    case AdeLexer::RBRACE:
    case AdeLexer::F32:
    case AdeLexer::F64:
    case AdeLexer::REAL:
    case AdeLexer::INT_T:
    case AdeLexer::BOOL_T:
    case AdeLexer::FN:
      return true;
    default:
      return false;
    }
  }

  void trackBrackets(size_t type) {
    if (type == AdeLexer::LPAREN || type == AdeLexer::LBRACK)
      ++bracketDepth;
    else if ((type == AdeLexer::RPAREN || type == AdeLexer::RBRACK) &&
             bracketDepth > 0)
      --bracketDepth;
    else if (type == AdeLexer::LBRACE || type == AdeLexer::RBRACE)
      // A brace inside brackets only occurs in `if` expressions; a brace
      // after an unclosed bracket is an error the parser reports, and
      // resetting keeps newlines meaningful after it.
      bracketDepth = type == AdeLexer::LBRACE ? bracketDepth : 0;
  }

  void reportUnexpectedChar(const antlr4::Token &t) {
    std::string text = t.getText();
    std::string shown;
    if (text.size() == 1 && !llvm::isPrint(text[0]))
      shown = "byte 0x" + llvm::utohexstr(static_cast<unsigned char>(text[0]),
                                          /*LowerCase=*/true, /*Width=*/2);
    else
      shown = "'" + text + "'";
    diags.error(DiagCode::E001, tokenRange(file, &t),
                "unexpected character " + shown + " in source");
    stopIfTooManyErrors();
  }

  void stopIfTooManyErrors() {
    if (diags.limitReached())
      throw ParseAbort();
  }

  AdeLexer &lexer;
  uint32_t file;
  DiagnosticEngine &diags;
  bool recovery;
  bool declarationStart = false;
  unsigned bracketDepth = 0;
  unsigned braceDepth = 0;
  size_t lastSignificant = AdeLexer::SEMI;
};

//===----------------------------------------------------------------------===//
// DepthLimitedParser
//===----------------------------------------------------------------------===//

struct NestingTooDeep {
  antlr4::Token *token;
};

/// The generated parser, stopped before deeply nested input exhausts the
/// stack. Depth is measured as stack use: rule contexts are replaced while
/// parsing left-recursive rules, so counting them is unreliable.
class DepthLimitedParser : public AdeParser {
public:
  DepthLimitedParser(antlr4::TokenStream *input, size_t maxStackBytes)
      : AdeParser(input), maxStackBytes(maxStackBytes),
        base(reinterpret_cast<uintptr_t>(__builtin_frame_address(0))) {}

  void enterRule(antlr4::ParserRuleContext *localctx, size_t state,
                 size_t ruleIndex) override {
    checkStack();
    AdeParser::enterRule(localctx, state, ruleIndex);
  }
  void enterRecursionRule(antlr4::ParserRuleContext *localctx, size_t state,
                          size_t ruleIndex, int precedence) override {
    checkStack();
    AdeParser::enterRecursionRule(localctx, state, ruleIndex, precedence);
  }

private:
  void checkStack() {
    auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (here < base && base - here > maxStackBytes)
      throw NestingTooDeep{getCurrentToken()};
  }

  size_t maxStackBytes;
  uintptr_t base;
};

//===----------------------------------------------------------------------===//
// Syntax errors
//===----------------------------------------------------------------------===//

std::string describeTokenType(const antlr4::dfa::Vocabulary &vocab,
                              size_t type) {
  switch (type) {
  case antlr4::Token::EOF:
    return "end of file";
  case AdeLexer::IDENT:
    return "identifier";
  case AdeLexer::INT_LIT:
    return "integer";
  case AdeLexer::FLOAT_LIT:
    return "number";
  case AdeLexer::SEMI:
    return "newline or ';'";
  default:
    break;
  }
  std::string literal = vocab.getLiteralName(type);
  return literal.empty() ? vocab.getSymbolicName(type) : literal;
}

std::string describeToken(const antlr4::Token *t) {
  if (t->getType() == antlr4::Token::EOF)
    return "end of file";
  if (t->getType() == AdeLexer::SEMI && t->getText().empty())
    return "end of line";
  std::string text = t->getText();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return "'" + text + "'";
}

/// What the parser wanted, in words: a category ("an expression") when the
/// set is one, else up to six tokens; empty if too many to be useful.
std::string describeExpected(const antlr4::misc::IntervalSet &expected,
                             const antlr4::dfa::Vocabulary &vocab) {
  auto has = [&](size_t t) { return expected.contains(t); };
  if (has(AdeLexer::MODEL) && has(AdeLexer::SAMPLER))
    return "a declaration (import, const, fn, component, model or sampler)";
  if (has(AdeLexer::PARAM))
    return "a member (param, const, fn, for, if, or name = Component(...))";
  if (has(AdeLexer::LET) && has(AdeLexer::RETURN))
    return "a statement (let, var, return, for, if, an assignment or a "
           "draw)";
  if (has(AdeLexer::IDENT) && has(AdeLexer::INT_LIT) &&
      has(AdeLexer::LPAREN))
    return "an expression";
  if (has(AdeLexer::F32) && has(AdeLexer::REAL) && has(AdeLexer::FN))
    return "a type (like real[2])";
  std::vector<std::string> names;
  for (ssize_t type : expected.toList())
    if (type != AdeLexer::SEMI || expected.size() == 1)
      names.push_back(describeTokenType(vocab, type));
  if (names.empty() || names.size() > 6)
    return {};
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i)
      text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

/// Thrown at a syntax error: parsing stops there (ANTLR's recovery went on
/// with guesses that made errors of valid lines after it).
struct SyntaxErrorFound {};

/// Stops the parse at its first syntax error, which it reports unless
/// `report` is false (the first pass, which only learns that there is one).
/// A chunk's parse (`chunkEnd`: the token after it) says "found" of that
/// token where it reached the chunk's end.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
  SyntaxErrorListener(uint32_t file, DiagnosticEngine &diags, bool report,
                      antlr4::Token *chunkEnd = nullptr)
      : file(file), diags(diags), report(report), chunkEnd(chunkEnd) {}

  void syntaxError(antlr4::Recognizer *recognizer,
                   antlr4::Token *offendingSymbol, size_t line,
                   size_t charPositionInLine, const std::string &msg,
                   std::exception_ptr error) override {
    if (!report)
      throw SyntaxErrorFound();
    auto *parser = dynamic_cast<antlr4::Parser *>(recognizer);
    SourceRange range;
    std::string found;
    if (offendingSymbol && chunkEnd &&
        offendingSymbol->getType() == antlr4::Token::EOF) {
      range = tokenRange(file, chunkEnd);
      found = describeToken(chunkEnd);
    } else if (offendingSymbol) {
      range = tokenRange(file, offendingSymbol);
      found = describeToken(offendingSymbol);
    } else {
      SourceLoc loc{file, static_cast<uint32_t>(line),
                    static_cast<uint32_t>(charPositionInLine + 1)};
      range = {loc, loc};
      found = "input";
    }
    // When no alternative fit after some tokens (e.g. `let = 3`), the
    // expected set describes the construct's start, not this token.
    bool midConstruct = false;
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const antlr4::NoViableAltException &e) {
        midConstruct = e.getStartToken() != offendingSymbol;
      } catch (...) {
      }
    }
    std::string message;
    if (parser && !midConstruct) {
      antlr4::misc::IntervalSet expected = parser->getExpectedTokens();
      std::string wanted = describeExpected(expected, parser->getVocabulary());
      if (!wanted.empty())
        message = "expected " + wanted + ", found " + found;
    }
    if (message.empty())
      message = "unexpected " + found + (midConstruct ? " here" : "");
    (void)msg;
    diags.error(DiagCode::E004, range, "syntax error: " + message);
    if (diags.limitReached())
      throw ParseAbort();
    throw SyntaxErrorFound();
  }

private:
  uint32_t file;
  DiagnosticEngine &diags;
  bool report;
  antlr4::Token *chunkEnd;
};

/// E005 at the token where the parser ran out of stack.
void reportTooDeep(uint32_t file, DiagnosticEngine &diags,
                   const NestingTooDeep &e) {
  diags.error(DiagCode::E005, tokenRange(file, e.token),
              "nesting too deep: the parser gave up here; split the "
              "construct with 'let' bindings or functions");
}

/// Reports the syntax errors of a file whose parse failed: its tokens,
/// lexed again, are cut into chunks at the start of each top-level
/// declaration (the filter's startedDeclaration) and each chunk is parsed
/// alone, so each declaration reports its first error and no guess made
/// after one error makes errors of the declarations after it.
void reportSyntaxErrors(const std::string &text, const std::string &path,
                        uint32_t file, DiagnosticEngine &diags,
                        size_t maxStackBytes) {
  antlr4::ANTLRInputStream input(text);
  input.name = path;
  AdeLexer lexer(&input);
  lexer.removeErrorListeners();
  StatementSeparatorFilter filter(lexer, file, diags, /*recovery=*/true);
  std::vector<std::unique_ptr<antlr4::Token>> tokens;
  std::vector<size_t> starts{0};
  std::unique_ptr<antlr4::Token> t = filter.nextToken();
  for (; t->getType() != antlr4::Token::EOF; t = filter.nextToken()) {
    if (filter.startedDeclaration() && !tokens.empty())
      starts.push_back(tokens.size());
    tokens.push_back(std::move(t));
  }
  starts.push_back(tokens.size());
  for (size_t c = 0; c + 1 < starts.size(); ++c) {
    std::vector<std::unique_ptr<antlr4::Token>> chunk;
    for (size_t i = starts[c]; i < starts[c + 1]; ++i)
      chunk.push_back(std::make_unique<antlr4::CommonToken>(tokens[i].get()));
    antlr4::ListTokenSource source(std::move(chunk), path);
    antlr4::CommonTokenStream stream(&source);
    DepthLimitedParser parser(&stream, maxStackBytes);
    parser.removeErrorListeners();
    // The next chunk's first token, or the file's end.
    antlr4::Token *end =
        starts[c + 1] < tokens.size() ? tokens[starts[c + 1]].get() : t.get();
    SyntaxErrorListener listener(file, diags, /*report=*/true, end);
    parser.addErrorListener(&listener);
    try {
      parser.file();
    } catch (const SyntaxErrorFound &) {
    } catch (const NestingTooDeep &e) {
      reportTooDeep(file, diags, e);
      if (diags.limitReached())
        throw ParseAbort();
    }
  }
}

//===----------------------------------------------------------------------===//
// AstBuilder
//===----------------------------------------------------------------------===//

class AstBuilder {
public:
  AstBuilder(uint32_t file, DiagnosticEngine &diags,
             antlr4::BufferedTokenStream &tokens, const Module *module,
             unsigned maxDepth)
      : file(file), diags(diags), tokens(tokens), module(module),
        maxDepth(maxDepth) {}

  void buildFile(AdeParser::FileContext *ctx, Module &m) {
    for (AdeParser::TopDeclContext *d : ctx->topDecl())
      if (DeclPtr decl = buildTopDecl(d))
        m.decls.push_back(std::move(decl));
  }

private:
  /// Keeps the AST no deeper than `maxDepth`.
  class DepthGuard {
  public:
    DepthGuard(AstBuilder &b, SourceRange where, unsigned amount = 1)
        : b(b), amount(amount) {
      b.depth += amount;
      if (b.depth > b.maxDepth) {
        b.diags.error(DiagCode::E005, where,
                      "nesting too deep: more than " +
                          std::to_string(b.maxDepth) +
                          " levels; split the expression with 'let' bindings");
        throw ParseAbort();
      }
    }
    ~DepthGuard() { b.depth -= amount; }

  private:
    AstBuilder &b;
    unsigned amount;
  };

  SourceRange range(antlr4::ParserRuleContext *ctx) {
    SourceRange begin = tokenRange(file, ctx->getStart());
    antlr4::Token *stop = ctx->getStop();
    if (!stop || stop->getTokenIndex() < ctx->getStart()->getTokenIndex())
      return begin;
    return {begin.begin, tokenRange(file, stop).end};
  }
  SourceRange range(antlr4::tree::TerminalNode *node) {
    return tokenRange(file, node->getSymbol());
  }
  Ident ident(antlr4::tree::TerminalNode *node) {
    return {node->getText(), range(node)};
  }

  /// The block of `///` lines directly above `ctx` (no blank line between
  /// them or before `ctx`), without the slashes.
  std::string docFor(antlr4::ParserRuleContext *ctx) {
    std::vector<antlr4::Token *> hidden =
        tokens.getHiddenTokensToLeft(ctx->getStart()->getTokenIndex(), 2);
    size_t expectedLine = ctx->getStart()->getLine() - 1;
    size_t first = hidden.size();
    while (first > 0 && hidden[first - 1]->getLine() == expectedLine) {
      --first;
      --expectedLine;
    }
    return joinDoc(hidden.begin() + first, hidden.end());
  }

  template <typename It> static std::string joinDoc(It begin, It end) {
    std::string doc;
    for (It it = begin; it != end; ++it) {
      std::string text = (*it)->getText();
      llvm::StringRef line(text);
      line.consume_front("///");
      line.consume_front(" ");
      doc += line.rtrim().str();
      doc += "\n";
    }
    return doc;
  }

public:
  /// The first `///` block of the file when a blank line separates it from
  /// what follows: the module's documentation.
  std::string moduleDoc() {
    std::vector<antlr4::Token *> docs;
    for (size_t i = 0; i < tokens.size(); ++i) {
      antlr4::Token *t = tokens.get(i);
      if (t->getChannel() == 0 && t->getType() != AdeLexer::SEMI)
        break;
      if (t->getChannel() != 2)
        continue;
      if (!docs.empty() && t->getLine() != docs.back()->getLine() + 1)
        break;
      docs.push_back(t);
    }
    if (docs.empty())
      return {};
    // Attached to a declaration if the next line holds code.
    size_t after = docs.back()->getLine() + 1;
    for (size_t i = 0; i < tokens.size(); ++i) {
      antlr4::Token *t = tokens.get(i);
      if (t->getChannel() == 0 && t->getType() != AdeLexer::SEMI &&
          t->getType() != antlr4::Token::EOF)
        if (t->getLine() == after)
          return {};
    }
    return joinDoc(docs.begin(), docs.end());
  }

private:
  //===--------------------------------------------------------------------===//
  // Declarations
  //===--------------------------------------------------------------------===//

  DeclPtr buildTopDecl(AdeParser::TopDeclContext *ctx) {
    DeclPtr decl;
    if (auto *c = dynamic_cast<AdeParser::ImportDeclContext *>(ctx)) {
      std::vector<Ident> path;
      std::string dotted;
      for (auto *id : c->qualifiedName()->IDENT()) {
        path.push_back(ident(id));
        dotted += (dotted.empty() ? "" : ".") + id->getText();
      }
      decl = std::make_unique<ImportDecl>(
          range(ctx), Ident{dotted, range(c->qualifiedName())},
          std::move(path));
    } else if (auto *c = dynamic_cast<AdeParser::ConstDeclContext *>(ctx)) {
      decl = std::make_unique<ConstDecl>(range(ctx), ident(c->IDENT()),
                                         ctKindOpt(c->ctType()),
                                         buildExpr(c->expr()));
    } else if (auto *c = dynamic_cast<AdeParser::FnTopDeclContext *>(ctx)) {
      decl = buildFn(c->fnDecl());
    } else if (auto *c = dynamic_cast<AdeParser::ComponentDeclContext *>(ctx)) {
      std::vector<CompParam> params;
      if (c->compParams())
        for (auto *p : c->compParams()->compParam())
          params.push_back({ident(p->IDENT()), ctKind(p->ctType()),
                            p->expr() ? buildExpr(p->expr()) : nullptr,
                            range(p)});
      decl = std::make_unique<ComponentDecl>(range(ctx), ident(c->IDENT()),
                                             std::move(params),
                                             buildMembers(c->memberList()));
    } else if (auto *c = dynamic_cast<AdeParser::ModelDeclContext *>(ctx)) {
      decl = std::make_unique<ModelDecl>(range(ctx), ident(c->IDENT()),
                                         buildMembers(c->memberList()));
    } else if (auto *c = dynamic_cast<AdeParser::SamplerDeclContext *>(ctx)) {
      decl = std::make_unique<SamplerDecl>(
          range(ctx), ident(c->IDENT(0)), ident(c->IDENT(1)),
          buildMembers(c->memberList()));
    }
    if (decl) {
      decl->doc = docFor(ctx);
      decl->module = module;
    }
    return decl;
  }

  static CtKind ctKind(AdeParser::CtTypeContext *ctx) {
    if (ctx->INT_T())
      return ctx->LBRACK() ? CtKind::IntList : CtKind::Int;
    if (ctx->BOOL_T())
      return CtKind::Bool;
    if (ctx->FN())
      return CtKind::Fn;
    return CtKind::Real;
  }
  static std::optional<CtKind> ctKindOpt(AdeParser::CtTypeContext *ctx) {
    if (!ctx)
      return std::nullopt;
    return ctKind(ctx);
  }

  std::unique_ptr<FnDecl> buildFn(AdeParser::FnDeclContext *ctx) {
    std::vector<Ident> sizeParams;
    if (ctx->sizeParams())
      for (auto *id : ctx->sizeParams()->IDENT())
        sizeParams.push_back(ident(id));
    std::vector<FnParam> params;
    for (auto *p : ctx->fnParam())
      params.push_back({ident(p->IDENT()), buildType(p->type()), range(p)});
    TypeExprPtr result = ctx->type() ? buildType(ctx->type()) : nullptr;
    ExprPtr exprBody;
    std::optional<Block> blockBody;
    if (ctx->block())
      blockBody = buildBlock(ctx->block());
    else
      exprBody = buildExpr(ctx->expr());
    auto fn = std::make_unique<FnDecl>(
        range(ctx), ident(ctx->IDENT()), std::move(sizeParams),
        std::move(params), std::move(result), std::move(exprBody),
        std::move(blockBody));
    fn->doc = docFor(ctx);
    fn->module = module;
    return fn;
  }

  std::vector<MemberPtr> buildMembers(AdeParser::MemberListContext *ctx) {
    DepthGuard guard(*this, range(ctx));
    std::vector<MemberPtr> members;
    for (AdeParser::MemberContext *m : ctx->member())
      members.push_back(buildMember(m));
    return members;
  }

  MemberPtr buildMember(AdeParser::MemberContext *ctx) {
    MemberPtr member;
    if (auto *c = dynamic_cast<AdeParser::ParamMemberContext *>(ctx)) {
      member = std::make_unique<ParamMember>(
          range(ctx), ident(c->IDENT()), buildType(c->type()),
          c->expr() ? buildExpr(c->expr()) : nullptr);
    } else if (auto *c = dynamic_cast<AdeParser::InstanceMemberContext *>(ctx)) {
      bool indexed = c->LBRACK() != nullptr;
      member = std::make_unique<InstanceMember>(
          range(ctx), ident(c->IDENT()),
          indexed ? buildExpr(c->expr(0)) : nullptr,
          buildExpr(c->expr(indexed ? 1 : 0)));
    } else if (auto *c = dynamic_cast<AdeParser::ConstMemberContext *>(ctx)) {
      member = std::make_unique<ConstMember>(range(ctx), ident(c->IDENT()),
                                             ctKindOpt(c->ctType()),
                                             buildExpr(c->expr()));
    } else if (auto *c = dynamic_cast<AdeParser::FnMemberContext *>(ctx)) {
      member = std::make_unique<FnMember>(range(ctx), buildFn(c->fnDecl()));
    } else if (auto *c = dynamic_cast<AdeParser::ForMemberContext *>(ctx)) {
      member = std::make_unique<ForMember>(
          range(ctx), ident(c->IDENT()), buildExpr(c->expr(0)),
          buildExpr(c->expr(1)), buildMembers(c->memberList()));
    } else if (auto *c = dynamic_cast<AdeParser::IfMemberContext *>(ctx)) {
      member = buildMemberIf(c->memberIf());
    }
    member->doc = docFor(ctx);
    return member;
  }

  MemberPtr buildMemberIf(AdeParser::MemberIfContext *ctx) {
    DepthGuard guard(*this, range(ctx));
    std::vector<MemberPtr> elseBody;
    if (ctx->memberIf())
      elseBody.push_back(buildMemberIf(ctx->memberIf()));
    else if (ctx->memberList().size() > 1)
      elseBody = buildMembers(ctx->memberList(1));
    return std::make_unique<IfMember>(range(ctx), buildExpr(ctx->expr()),
                                      buildMembers(ctx->memberList(0)),
                                      std::move(elseBody));
  }

  //===--------------------------------------------------------------------===//
  // Types
  //===--------------------------------------------------------------------===//

  static ElemKind elemKind(AdeParser::ElemTypeContext *ctx) {
    if (ctx->F32())
      return ElemKind::F32;
    if (ctx->F64())
      return ElemKind::F64;
    if (ctx->REAL())
      return ElemKind::Real;
    if (ctx->BOOL_T())
      return ElemKind::Bool;
    return ElemKind::Int;
  }

  TypeExprPtr buildType(AdeParser::TypeContext *ctx) {
    DepthGuard guard(*this, range(ctx));
    if (auto *c = dynamic_cast<AdeParser::TensorTypeContext *>(ctx)) {
      std::vector<ExprPtr> dims;
      for (auto *e : c->expr())
        dims.push_back(buildExpr(e));
      return std::make_unique<TensorTypeExpr>(
          range(ctx), elemKind(c->elemType()), std::move(dims));
    }
    if (auto *c = dynamic_cast<AdeParser::TupleTypeContext *>(ctx)) {
      std::vector<TypeExprPtr> elems;
      for (auto *t : c->type())
        elems.push_back(buildType(t));
      return std::make_unique<TupleTypeExpr>(range(ctx), std::move(elems));
    }
    auto *c = dynamic_cast<AdeParser::FnTypeContext *>(ctx);
    std::vector<TypeExprPtr> types;
    for (auto *t : c->type())
      types.push_back(buildType(t));
    TypeExprPtr result = std::move(types.back());
    types.pop_back();
    return std::make_unique<FnTypeExpr>(range(ctx), std::move(types),
                                        std::move(result));
  }

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  Block buildBlock(AdeParser::BlockContext *ctx) {
    DepthGuard guard(*this, range(ctx));
    Block block;
    block.range = range(ctx);
    for (AdeParser::StmtContext *s : ctx->stmt())
      block.stmts.push_back(buildStmt(s));
    return block;
  }

  std::vector<Ident> identList(std::vector<antlr4::tree::TerminalNode *> ids) {
    std::vector<Ident> result;
    for (auto *id : ids)
      result.push_back(ident(id));
    return result;
  }

  StmtPtr buildStmt(AdeParser::StmtContext *ctx) {
    SourceRange r = range(ctx);
    if (auto *c = dynamic_cast<AdeParser::LetStmtContext *>(ctx)) {
      std::vector<Ident> names{ident(c->IDENT())};
      return std::make_unique<LetStmt>(
          r, c->kw->getType() == AdeLexer::VAR, std::move(names),
          /*isTuple=*/false, c->type() ? buildType(c->type()) : nullptr,
          buildExpr(c->expr()));
    }
    if (auto *c = dynamic_cast<AdeParser::LetTupleStmtContext *>(ctx))
      return std::make_unique<LetStmt>(
          r, c->kw->getType() == AdeLexer::VAR, identList(c->IDENT()),
          /*isTuple=*/true, nullptr, buildExpr(c->expr()));
    if (auto *c = dynamic_cast<AdeParser::AssignStmtContext *>(ctx)) {
      AssignOp op = AssignOp::Assign;
      switch (c->op->getType()) {
      case AdeLexer::PLUS_ASSIGN:
        op = AssignOp::Add;
        break;
      case AdeLexer::MINUS_ASSIGN:
        op = AssignOp::Sub;
        break;
      case AdeLexer::STAR_ASSIGN:
        op = AssignOp::Mul;
        break;
      case AdeLexer::SLASH_ASSIGN:
        op = AssignOp::Div;
        break;
      default:
        break;
      }
      std::vector<Ident> targets{ident(c->IDENT())};
      return std::make_unique<AssignStmt>(r, std::move(targets),
                                          /*isTuple=*/false, op,
                                          buildExpr(c->expr()));
    }
    if (auto *c = dynamic_cast<AdeParser::TupleAssignStmtContext *>(ctx))
      return std::make_unique<AssignStmt>(r, identList(c->IDENT()),
                                          /*isTuple=*/true, AssignOp::Assign,
                                          buildExpr(c->expr()));
    if (auto *c = dynamic_cast<AdeParser::DrawStmtContext *>(ctx))
      return std::make_unique<DrawStmt>(r, ident(c->IDENT()),
                                        buildExpr(c->expr()));
    if (auto *c = dynamic_cast<AdeParser::ReportStmtContext *>(ctx))
      return std::make_unique<ReportStmt>(r, ident(c->IDENT()),
                                          buildExpr(c->expr()));
    if (auto *c = dynamic_cast<AdeParser::ReturnStmtContext *>(ctx))
      return std::make_unique<ReturnStmt>(r, buildExpr(c->expr()));
    if (auto *c = dynamic_cast<AdeParser::ForStmtContext *>(ctx))
      return std::make_unique<ForStmt>(r, ident(c->IDENT()),
                                       buildExpr(c->expr(0)),
                                       buildExpr(c->expr(1)),
                                       buildBlock(c->block()));
    auto *c = dynamic_cast<AdeParser::IfStmtAltContext *>(ctx);
    return buildIf(c->ifStmt());
  }

  StmtPtr buildIf(AdeParser::IfStmtContext *ctx) {
    DepthGuard guard(*this, range(ctx));
    std::optional<Block> elseBody;
    if (ctx->ifStmt()) {
      Block b;
      b.range = range(ctx->ifStmt());
      b.stmts.push_back(buildIf(ctx->ifStmt()));
      elseBody = std::move(b);
    } else if (ctx->block().size() > 1) {
      elseBody = buildBlock(ctx->block(1));
    }
    return std::make_unique<IfStmt>(range(ctx), buildExpr(ctx->expr()),
                                    buildBlock(ctx->block(0)),
                                    std::move(elseBody));
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  static BinaryOp binaryOp(size_t tokenType) {
    switch (tokenType) {
    case AdeLexer::PLUS:
      return BinaryOp::Add;
    case AdeLexer::MINUS:
      return BinaryOp::Sub;
    case AdeLexer::STAR:
      return BinaryOp::Mul;
    case AdeLexer::SLASH:
      return BinaryOp::Div;
    case AdeLexer::PERCENT:
      return BinaryOp::Mod;
    case AdeLexer::CARET:
      return BinaryOp::Pow;
    case AdeLexer::AT:
      return BinaryOp::MatMul;
    case AdeLexer::LT:
      return BinaryOp::Lt;
    case AdeLexer::LE:
      return BinaryOp::Le;
    case AdeLexer::GT:
      return BinaryOp::Gt;
    case AdeLexer::GE:
      return BinaryOp::Ge;
    case AdeLexer::EQ:
      return BinaryOp::Eq;
    case AdeLexer::NE:
      return BinaryOp::Ne;
    case AdeLexer::AND:
      return BinaryOp::And;
    default:
      return BinaryOp::Or;
    }
  }

  ExprPtr buildExpr(AdeParser::ExprContext *ctx) {
    // Binary chains nest to the left; walk the spine iteratively so a
    // 100 000-term sum costs no recursion before the depth check.
    if (auto *bin = dynamic_cast<AdeParser::BinaryExprContext *>(ctx)) {
      std::vector<AdeParser::BinaryExprContext *> spine{bin};
      while (auto *lhs = dynamic_cast<AdeParser::BinaryExprContext *>(
                 spine.back()->expr(0))) {
        if (spine.size() > maxDepth)
          break;
        spine.push_back(lhs);
      }
      DepthGuard guard(*this, range(ctx), spine.size());
      ExprPtr result = buildExpr(spine.back()->expr(0));
      for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
        AdeParser::BinaryExprContext *node = *it;
        ExprPtr rhs = buildExpr(node->expr(1));
        result = std::make_unique<BinaryExpr>(
            range(node), binaryOp(node->op->getType()),
            tokenRange(file, node->op), std::move(result), std::move(rhs));
      }
      return result;
    }

    DepthGuard guard(*this, range(ctx));
    SourceRange r = range(ctx);
    if (auto *c = dynamic_cast<AdeParser::PrimaryExprContext *>(ctx))
      return buildPrimary(c->primary());
    if (auto *c = dynamic_cast<AdeParser::IndexExprContext *>(ctx)) {
      std::vector<IndexItem> items;
      for (auto *item : c->indexItem()) {
        IndexItem ii;
        ii.range = range(item);
        if (auto *s = dynamic_cast<AdeParser::SliceIndexContext *>(item)) {
          ii.isSlice = true;
          ii.lo = s->lo ? buildExpr(s->lo) : nullptr;
          ii.hi = s->hi ? buildExpr(s->hi) : nullptr;
        } else {
          ii.lo = buildExpr(
              dynamic_cast<AdeParser::SingleIndexContext *>(item)->expr());
        }
        items.push_back(std::move(ii));
      }
      return std::make_unique<IndexExpr>(r, buildExpr(c->expr()),
                                         std::move(items));
    }
    if (auto *c = dynamic_cast<AdeParser::CallExprContext *>(ctx)) {
      std::vector<Arg> args;
      for (auto *a : c->arg()) {
        Arg arg;
        if (a->IDENT())
          arg.name = ident(a->IDENT());
        arg.value = buildExpr(a->expr());
        arg.range = range(a);
        args.push_back(std::move(arg));
      }
      return std::make_unique<CallExpr>(r, buildExpr(c->expr()),
                                        std::move(args));
    }
    if (auto *c = dynamic_cast<AdeParser::MemberExprContext *>(ctx))
      return std::make_unique<MemberExpr>(r, buildExpr(c->expr()),
                                          ident(c->IDENT()));
    if (auto *c = dynamic_cast<AdeParser::UnaryExprContext *>(ctx)) {
      UnaryOp op = c->op->getType() == AdeLexer::MINUS  ? UnaryOp::Neg
                   : c->op->getType() == AdeLexer::PLUS ? UnaryOp::Plus
                                                        : UnaryOp::Not;
      return std::make_unique<UnaryExpr>(r, op, buildExpr(c->expr()));
    }
    auto *c = dynamic_cast<AdeParser::IfExprContext *>(ctx);
    return std::make_unique<IfExpr>(r, buildExpr(c->expr(0)),
                                    buildExpr(c->expr(1)),
                                    buildExpr(c->expr(2)));
  }

  ExprPtr buildPrimary(AdeParser::PrimaryContext *ctx) {
    SourceRange r = range(ctx);
    if (auto *c = dynamic_cast<AdeParser::IntLitContext *>(ctx)) {
      std::string text = c->getText();
      int64_t value = 0;
      if (llvm::StringRef(text).getAsInteger(10, value)) {
        diags.error(DiagCode::E007, r,
                    "integer literal " + text +
                        " is too large (the largest is 9223372036854775807)");
        value = 0;
      }
      return std::make_unique<IntLitExpr>(r, value);
    }
    if (auto *c = dynamic_cast<AdeParser::FloatLitContext *>(ctx)) {
      std::string text = c->getText();
      errno = 0;
      double value = std::strtod(text.c_str(), nullptr);
      if (errno == ERANGE && (value > 1.0 || value < -1.0)) {
        diags.error(DiagCode::E007, r,
                    "number " + text + " is too large for a 64-bit float");
        value = 0;
      }
      return std::make_unique<FloatLitExpr>(r, value, text);
    }
    if (dynamic_cast<AdeParser::TrueLitContext *>(ctx))
      return std::make_unique<BoolLitExpr>(r, true);
    if (dynamic_cast<AdeParser::FalseLitContext *>(ctx))
      return std::make_unique<BoolLitExpr>(r, false);
    if (auto *c = dynamic_cast<AdeParser::NameRefContext *>(ctx))
      return std::make_unique<NameExpr>(r, c->getText());
    if (auto *c = dynamic_cast<AdeParser::CastExprContext *>(ctx))
      return std::make_unique<CastExpr>(r, elemKind(c->elemType()),
                                        buildExpr(c->expr()));
    if (auto *c = dynamic_cast<AdeParser::ParenOrTupleContext *>(ctx)) {
      if (c->COMMA().empty())
        return buildExpr(c->expr(0));
      std::vector<ExprPtr> elems;
      for (auto *e : c->expr())
        elems.push_back(buildExpr(e));
      return std::make_unique<TupleExpr>(r, std::move(elems));
    }
    auto *c = dynamic_cast<AdeParser::ListLitContext *>(ctx);
    std::vector<ExprPtr> elems;
    for (auto *e : c->expr())
      elems.push_back(buildExpr(e));
    return std::make_unique<ListExpr>(r, std::move(elems));
  }

  uint32_t file;
  DiagnosticEngine &diags;
  antlr4::BufferedTokenStream &tokens;
  const Module *module;
  unsigned maxDepth;
  unsigned depth = 0;
};

} // namespace

std::unique_ptr<Module> ade::parseModule(const SourceManager &sm,
                                         uint32_t file, std::string moduleName,
                                         DiagnosticEngine &diags,
                                         const ParseLimits &limits) {
  llvm::StringRef text = sm.getContents(file);
  uint32_t badLine, badCol;
  unsigned char badByte;
  if (!validateUtf8(text, badLine, badCol, badByte)) {
    SourceLoc loc{file, badLine, badCol};
    diags.error(DiagCode::E002, {loc, {file, badLine, badCol + 1}},
                "invalid UTF-8: byte 0x" +
                    llvm::utohexstr(badByte, /*LowerCase=*/true, 2) +
                    " cannot start or continue a character here");
    return nullptr;
  }

  unsigned errorsBefore = diags.getNumErrors();
  auto module = std::make_unique<Module>();
  module->name = std::move(moduleName);
  module->file = file;
  bool syntaxError = false;
  try {
    antlr4::ANTLRInputStream input(text.str());
    input.name = sm.getPath(file).str();
    AdeLexer lexer(&input);
    lexer.removeErrorListeners();
    StatementSeparatorFilter filter(lexer, file, diags);
    antlr4::CommonTokenStream tokens(&filter);
    DepthLimitedParser parser(&tokens, limits.maxParserStackBytes);
    parser.removeErrorListeners();
    SyntaxErrorListener listener(file, diags, /*report=*/false);
    parser.addErrorListener(&listener);
    AdeParser::FileContext *tree = nullptr;
    try {
      tree = parser.file();
    } catch (const SyntaxErrorFound &) {
      // The rest of the file's stray characters; its syntax errors once
      // this pass's tokens and tree are gone.
      tokens.fill();
      syntaxError = true;
    } catch (const NestingTooDeep &e) {
      reportTooDeep(file, diags, e);
      return nullptr;
    }
    if (!syntaxError) {
      if (diags.getNumErrors() != errorsBefore)
        return nullptr;
      AstBuilder builder(file, diags, tokens, module.get(), limits.maxAstDepth);
      builder.buildFile(tree, *module);
      module->doc = builder.moduleDoc();
    }
  } catch (const ParseAbort &) {
    return nullptr;
  }
  if (syntaxError) {
    try {
      reportSyntaxErrors(text.str(), sm.getPath(file).str(), file, diags,
                         limits.maxParserStackBytes);
    } catch (const ParseAbort &) {
    }
    return nullptr;
  }
  if (diags.getNumErrors() != errorsBefore)
    return nullptr;
  return module;
}
