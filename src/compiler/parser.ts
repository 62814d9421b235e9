// The .mlspec grammar as a chevrotain CstParser (built once, reused for every parse).
// It only recognises structure; literal decoding, spans and most user-facing checks live in cst-to-ast.ts.
import { CstParser, EOF, type CstNode, type IToken, type TokenType } from "chevrotain";
import {
  AddOp,
  allTokens,
  And,
  BadChar,
  BadNumber,
  Comma,
  CompareOp,
  Dot,
  Duration,
  Eq,
  False,
  Ident,
  LBrace,
  LBracket,
  LParen,
  Minus,
  MulOp,
  Not,
  Null,
  NumberLit,
  Or,
  Percent,
  RBrace,
  RBracket,
  RParen,
  Star,
  StringLit,
  True,
  UnterminatedString,
} from "./lexer.js";
import { syntaxErrorMessages } from "./syntax-messages.js";

/** Tokens that can start an expression; used to spot `name value` (a forgotten `=`). */
const VALUE_START: ReadonlySet<TokenType> = new Set([
  NumberLit,
  Duration,
  Percent,
  StringLit,
  UnterminatedString,
  BadNumber,
  True,
  False,
  Null,
  LBracket,
  Ident,
  Not,
]);

const sameLine = (a: IToken, b: IToken): boolean => a.endLine === b.startLine;

export class MlspecParser extends CstParser {
  /** How deep we are inside `(`, `[`, `{` of an expression: there a `-` may start a line. */
  private nesting = 0;

  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: syntaxErrorMessages });
    this.performSelfAnalysis();
  }

  /** Resets per-parse state; call before each `block()` or `file()` run. */
  startParse(tokens: IToken[]): void {
    this.nesting = 0;
    this.input = tokens;
  }

  /** A whole file. The driver (parse.ts) parses block by block instead, for error isolation. */
  public file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.block));
  });

  /** `KIND NAME? { body }`, top-level or nested. */
  public block = this.RULE("block", () => {
    this.CONSUME(Ident, { LABEL: "kind" });
    this.OPTION(() => this.CONSUME2(Ident, { LABEL: "name" }));
    this.CONSUME(LBrace);
    this.MANY(() => this.SUBRULE(this.bodyItem));
    this.CONSUME(RBrace);
  });

  private bodyItem = this.RULE("bodyItem", () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => this.LA(2).tokenType === Eq, ALT: () => this.SUBRULE(this.attribute) },
        { GATE: () => this.startsNestedBlock(), ALT: () => this.SUBRULE(this.block) },
        { GATE: () => this.forgotEquals(), ALT: () => this.SUBRULE(this.missingEq) },
        { ALT: () => this.SUBRULE(this.expression) },
      ],
    });
  });

  private startsNestedBlock(): boolean {
    const t2 = this.LA(2).tokenType;
    return t2 === LBrace || (t2 === Ident && this.LA(3).tokenType === LBrace);
  }

  /** `trees 400`: a name directly followed, on its line, by something that starts a new value. */
  private forgotEquals(): boolean {
    const t1 = this.LA(1);
    const t2 = this.LA(2);
    return t1.tokenType === Ident && VALUE_START.has(t2.tokenType) && sameLine(t1, t2) && !(t2.tokenType === Ident && this.LA(3).tokenType === LBrace);
  }

  /** `name = expr`; the value must start on the line of `=` (else cst-to-ast reports it missing). */
  private attribute = this.RULE("attribute", () => {
    this.CONSUME(Ident);
    const eq = this.CONSUME(Eq);
    this.OPTION({ GATE: () => sameLine(eq, this.LA(1)), DEF: () => this.SUBRULE(this.expression) });
  });

  /** `name value`: recognised so that the message can say "expected `=`" and parsing goes on. */
  private missingEq = this.RULE("missingEq", () => {
    this.CONSUME(Ident);
    this.SUBRULE(this.expression);
  });

  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  private andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(And);
      this.SUBRULE2(this.notExpr);
    });
  });

  private notExpr = this.RULE("notExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  /** Comparisons do not associate: a chain (`a < b < c`) is parsed and then reported by cst-to-ast. */
  private comparison = this.RULE("comparison", () => {
    this.SUBRULE(this.additive);
    this.MANY(() => {
      this.CONSUME(CompareOp);
      this.SUBRULE2(this.additive);
    });
  });

  private additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative);
    this.MANY({
      // A `-` that starts a line begins a new item (`x = a` then `-b > 0`), except inside brackets.
      GATE: () => this.LA(1).tokenType !== Minus || this.nesting > 0 || sameLine(this.LA(0), this.LA(1)),
      DEF: () => {
        this.CONSUME(AddOp);
        this.SUBRULE2(this.multiplicative);
      },
    });
  });

  private multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(MulOp);
      this.SUBRULE2(this.unary);
    });
  });

  private unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Duration) },
      { ALT: () => this.CONSUME(Percent) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Null) },
      // Malformed tokens stand in for a value so that one bad character costs one diagnostic.
      { ALT: () => this.CONSUME(UnterminatedString) },
      { ALT: () => this.CONSUME(BadNumber) },
      { ALT: () => this.CONSUME(BadChar) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.object) },
      { ALT: () => this.SUBRULE(this.paren) },
      { ALT: () => this.SUBRULE(this.reference) },
    ]);
  });

  private enter(): void {
    this.ACTION(() => this.nesting++);
  }
  private leave(): void {
    this.ACTION(() => this.nesting--);
  }

  /** `[a, b,]`: commas required between items, a trailing one allowed. */
  private list = this.RULE("list", () => {
    this.CONSUME(LBracket);
    this.enter();
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== RBracket,
        DEF: () => {
          this.CONSUME(Comma);
          this.SUBRULE2(this.expression);
        },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.leave();
    this.CONSUME(RBracket);
  });

  /** `{ k = v, k2 = v2 }`: commas optional. Shared by object literals and brace calls. */
  private object = this.RULE("object", () => {
    this.CONSUME(LBrace);
    this.enter();
    this.MANY(() => {
      this.SUBRULE(this.entry);
      this.OPTION(() => this.CONSUME(Comma));
    });
    this.leave();
    this.CONSUME(RBrace);
  });

  private entry = this.RULE("entry", () => {
    this.OR([{ ALT: () => this.CONSUME(Ident) }, { ALT: () => this.CONSUME(StringLit) }]);
    this.CONSUME(Eq);
    this.SUBRULE(this.expression);
  });

  private paren = this.RULE("paren", () => {
    this.CONSUME(LParen);
    this.enter();
    this.SUBRULE(this.expression);
    this.leave();
    this.CONSUME(RParen);
  });

  /** `a.b.c`, `a.*`, and calls `f(x, n = 1)` / `rest { port = 8080 }` (opening on the callee's line). */
  private reference = this.RULE("reference", () => {
    this.CONSUME(Ident);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.OR([{ ALT: () => this.CONSUME2(Ident) }, { ALT: () => this.CONSUME(Star) }]);
    });
    this.OPTION({
      GATE: () => sameLine(this.LA(0), this.LA(1)),
      DEF: () => {
        this.OR2([{ ALT: () => this.SUBRULE(this.args) }, { ALT: () => this.SUBRULE(this.object) }]);
      },
    });
  });

  private args = this.RULE("args", () => {
    this.CONSUME(LParen);
    this.enter();
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== RParen,
        DEF: () => {
          this.CONSUME(Comma);
          this.SUBRULE2(this.arg);
        },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.leave();
    this.CONSUME(RParen);
  });

  private arg = this.RULE("arg", () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.LA(2).tokenType === Eq,
          ALT: () => {
            this.CONSUME(Ident);
            this.CONSUME(Eq);
            this.SUBRULE(this.expression);
          },
        },
        { ALT: () => this.SUBRULE2(this.expression) },
      ],
    });
  });
}

let shared: MlspecParser | undefined;

/** The one parser instance (chevrotain parsers are expensive to build and cheap to reuse). */
export function mlspecParser(): MlspecParser {
  shared ??= new MlspecParser();
  return shared;
}

export type { CstNode };
export { EOF };
