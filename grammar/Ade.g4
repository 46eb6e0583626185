// Ade.g4 - the grammar of the .ade modeling language.
//
// The single source of syntax. ANTLR 4 generates the C++ lexer and parser into
// the build tree (never committed); compiler/lib/Parse turns the parse tree
// into the AST. Statements are separated by ';' or by a newline: a token filter
// (compiler/lib/Parse/Parser.cpp) inserts a virtual ';' at a newline that ends
// a line whose last token can end a statement, outside () and [] (Go's rule).
grammar Ade;

// ---------------------------------------------------------------- top level

file
  : SEMI* (topDecl (SEMI+ topDecl)*)? SEMI* EOF
  ;

topDecl
  : IMPORT qualifiedName                                   # importDecl
  | CONST IDENT (COLON ctType)? ASSIGN expr                # constDecl
  | fnDecl                                                 # fnTopDecl
  | COMPONENT IDENT compParams? LBRACE memberList RBRACE   # componentDecl
  | MODEL IDENT LBRACE memberList RBRACE                   # modelDecl
  | SAMPLER IDENT FOR IDENT LBRACE memberList RBRACE       # samplerDecl
  ;

qualifiedName
  : IDENT (DOT IDENT)*
  ;

compParams
  : LPAREN (compParam (COMMA compParam)* COMMA?)? RPAREN
  ;

compParam
  : IDENT COLON ctType (ASSIGN expr)?
  ;

// Kinds of compile-time values: integers, reals, booleans, integer lists and
// functions.
ctType
  : INT_T (LBRACK RBRACK)?
  | REAL | F32 | F64
  | BOOL_T
  | FN
  ;

// ---------------------------------------------------------------- members

memberList
  : SEMI* (member (SEMI+ member)*)? SEMI*
  ;

member
  : PARAM IDENT COLON type (ASSIGN expr)?                     # paramMember
  | IDENT (LBRACK expr RBRACK)? ASSIGN expr                   # instanceMember
  | CONST IDENT (COLON ctType)? ASSIGN expr                   # constMember
  | fnDecl                                                    # fnMember
  | FOR IDENT IN expr DOTDOT expr LBRACE memberList RBRACE    # forMember
  | memberIf                                                  # ifMember
  ;

memberIf
  : IF expr LBRACE memberList RBRACE (ELSE (memberIf | LBRACE memberList RBRACE))?
  ;

// ---------------------------------------------------------------- functions

fnDecl
  : FN IDENT sizeParams? LPAREN (fnParam (COMMA fnParam)* COMMA?)? RPAREN
    (ARROW type)? (ASSIGN expr | block)
  ;

sizeParams
  : LBRACK IDENT (COMMA IDENT)* COMMA? RBRACK
  ;

fnParam
  : IDENT COLON type
  ;

// ---------------------------------------------------------------- types

type
  : elemType (LBRACK expr (COMMA expr)* COMMA? RBRACK)?                  # tensorType
  | LPAREN type (COMMA type)+ COMMA? RPAREN                              # tupleType
  | FN LPAREN (type (COMMA type)* COMMA?)? RPAREN ARROW type             # fnType
  ;

elemType
  : F32 | F64 | REAL | BOOL_T | INT_T
  ;

// ---------------------------------------------------------------- statements

block
  : LBRACE SEMI* (stmt (SEMI+ stmt)*)? SEMI* RBRACE
  ;

stmt
  : kw=(LET | VAR) IDENT (COLON type)? ASSIGN expr                        # letStmt
  | kw=(LET | VAR) LPAREN IDENT (COMMA IDENT)+ COMMA? RPAREN ASSIGN expr  # letTupleStmt
  | IDENT op=(ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN) expr # assignStmt
  | LPAREN IDENT (COMMA IDENT)+ COMMA? RPAREN ASSIGN expr                 # tupleAssignStmt
  | IDENT TILDE expr                                                      # drawStmt
  | REPORT IDENT ASSIGN expr                                              # reportStmt
  | RETURN expr                                                           # returnStmt
  | FOR IDENT IN expr DOTDOT expr block                                   # forStmt
  | ifStmt                                                                # ifStmtAlt
  ;

ifStmt
  : IF expr block (ELSE (ifStmt | block))?
  ;

// ---------------------------------------------------------------- expressions

// Alternatives are listed from the tightest binding to the loosest.
expr
  : primary                                                  # primaryExpr
  | expr LBRACK indexItem (COMMA indexItem)* COMMA? RBRACK   # indexExpr
  | expr LPAREN (arg (COMMA arg)* COMMA?)? RPAREN            # callExpr
  | expr DOT IDENT                                           # memberExpr
  | <assoc=right> expr op=CARET expr                         # binaryExpr
  | op=(MINUS | PLUS | BANG) expr                            # unaryExpr
  | expr op=(STAR | SLASH | PERCENT | AT) expr               # binaryExpr
  | expr op=(PLUS | MINUS) expr                              # binaryExpr
  | expr op=(LT | LE | GT | GE) expr                         # binaryExpr
  | expr op=(EQ | NE) expr                                   # binaryExpr
  | expr op=AND expr                                         # binaryExpr
  | expr op=OR expr                                          # binaryExpr
  | IF expr LBRACE expr RBRACE ELSE LBRACE expr RBRACE       # ifExpr
  ;

primary
  : INT_LIT                                                  # intLit
  | FLOAT_LIT                                                # floatLit
  | TRUE                                                     # trueLit
  | FALSE                                                    # falseLit
  | IDENT                                                    # nameRef
  | elemType LPAREN expr RPAREN                              # castExpr
  // One alternative for `(e)` and tuples `(a, b)`, `(a,)`: choosing between
  // two would need lookahead to the closing parenthesis.
  | LPAREN expr (COMMA (expr (COMMA expr)* COMMA?)?)? RPAREN  # parenOrTuple
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK               # listLit
  ;

arg
  : (IDENT COLON)? expr
  ;

indexItem
  : expr                          # singleIndex
  | lo=expr? COLON hi=expr?       # sliceIndex
  ;

// ---------------------------------------------------------------- tokens

IMPORT    : 'import';
CONST     : 'const';
COMPONENT : 'component';
MODEL     : 'model';
SAMPLER   : 'sampler';
FOR       : 'for';
IN        : 'in';
FN        : 'fn';
PARAM     : 'param';
LET       : 'let';
VAR       : 'var';
RETURN    : 'return';
REPORT    : 'report';
IF        : 'if';
ELSE      : 'else';
TRUE      : 'true';
FALSE     : 'false';
F32       : 'f32';
F64       : 'f64';
REAL      : 'real';
INT_T     : 'int';
BOOL_T    : 'bool';

ARROW        : '->';
DOTDOT       : '..';
PLUS_ASSIGN  : '+=';
MINUS_ASSIGN : '-=';
STAR_ASSIGN  : '*=';
SLASH_ASSIGN : '/=';
LE     : '<=';
GE     : '>=';
EQ     : '==';
NE     : '!=';
AND    : '&&';
OR     : '||';
LPAREN : '(';
RPAREN : ')';
LBRACK : '[';
RBRACK : ']';
LBRACE : '{';
RBRACE : '}';
COMMA  : ',';
COLON  : ':';
SEMI   : ';';
DOT    : '.';
ASSIGN : '=';
TILDE  : '~';
PLUS   : '+';
MINUS  : '-';
STAR   : '*';
SLASH  : '/';
PERCENT: '%';
CARET  : '^';
AT     : '@';
LT     : '<';
GT     : '>';
BANG   : '!';

FLOAT_LIT
  : DIGITS '.' DIGITS EXPONENT?
  | DIGITS EXPONENT
  ;
INT_LIT : DIGITS;
IDENT   : [a-zA-Z_] [a-zA-Z_0-9]*;

fragment DIGITS   : [0-9]+;
fragment EXPONENT : [eE] [+-]? DIGITS;

// Doc comments attach to the declaration that follows them.
DOC_COMMENT   : '///' ~[\r\n]* -> channel(2);
LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN);
// A '/*' with no closing '*/' before the end of the file.
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF;
NEWLINE : '\r'? '\n' -> channel(3);
WS      : [ \t\f\r]+ -> skip;
// Anything else: reported by the token filter, never seen by the parser.
UNEXPECTED_CHAR : .;
