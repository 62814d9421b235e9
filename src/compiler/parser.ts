// The .mlspec grammar as a chevrotain CstParser (built once, reused for every parse).
// It only recognises structure; literal decoding, spans and most user-facing checks live in cst-to-ast.ts.
import type { IOrAlt, IToken, DSLMethodOpts, OrMethodOpts, TokenType } from "chevrotain";
import { CstParser } from "./chevrotain.js";
import {
  allTokens,
  BadChar,
  BinaryOp,
  BadNumber,
  Comma,
  Dot,
  Duration,
  Eq,
  False,
  Ident,
  LBrace,
  LBracket,
  LParen,
  Minus,
  Not,
  Null,
  NumberLit,
  Percent,
  PrefixOp,
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
const KIND_LABEL = { LABEL: "kind" };
const NAME_LABEL = { LABEL: "name" };

export class MlspecParser extends CstParser {
  /** How deep we are inside `(`, `[`, `{` of an expression: there a `-` may start a line. */
  private nesting = 0;
  /**
   * Alternatives and bodies of OR/MANY/OPTION, built once on first use instead of on every call
   * (chevrotain's performance guide: no closures or arrays of closures created per parse).
   */
  private readonly c: {
    bodyItem?: OrMethodOpts<unknown>;
    operand?: IOrAlt<unknown>[];
    entryKey?: IOrAlt<unknown>[];
    pathPart?: IOrAlt<unknown>[];
    callForm?: IOrAlt<unknown>[];
    arg?: OrMethodOpts<unknown>;
    blocks?: () => void;
    items?: () => void;
    name?: () => void;
    infix?: DSLMethodOpts<unknown>;
    prefix?: () => void;
    path?: () => void;
    call?: DSLMethodOpts<unknown>;
    value?: DSLMethodOpts<unknown>;
  } = {};

  /**
   * @param recovering with chevrotain's error recovery (single-token insertion/deletion and
   * re-synchronisation), which costs time on every repetition: used only for blocks with errors.
   * @param validateGrammar run chevrotain's checks of the grammar itself (ambiguous alternatives,
   * left recursion…) while building: they depend only on this file, cost most of the parser's
   * construction time at every start-up, and run in test/compiler/grammar-validations.test.ts.
   */
  constructor(recovering = true, validateGrammar = false) {
    super(allTokens, {
      recoveryEnabled: recovering,
      maxLookahead: 3,
      errorMessageProvider: syntaxErrorMessages,
      skipValidations: !validateGrammar,
    });
    this.performSelfAnalysis();
  }

  /** Resets per-parse state; call before each `block()` or `file()` run. */
  startParse(tokens: IToken[]): void {
    this.nesting = 0;
    this.input = tokens;
  }

  /** A whole file. The driver (parse.ts) parses block by block instead, for error isolation. */
  public file = this.RULE("file", () => {
    this.MANY((this.c.blocks ??= () => this.SUBRULE(this.block)));
  });

  /** `KIND NAME? { body }`, top-level or nested. */
  public block = this.RULE("block", () => {
    this.CONSUME(Ident, KIND_LABEL);
    this.OPTION((this.c.name ??= () => this.CONSUME2(Ident, NAME_LABEL)));
    this.CONSUME(LBrace);
    this.MANY((this.c.items ??= () => this.SUBRULE(this.bodyItem)));
    this.CONSUME(RBrace);
  });

  private bodyItem = this.RULE("bodyItem", () => {
    this.OR(
      (this.c.bodyItem ??= {
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { GATE: () => this.LA(2).tokenType === Eq, ALT: () => this.SUBRULE(this.attribute) },
          { GATE: () => this.startsNestedBlock(), ALT: () => this.SUBRULE(this.block) },
          { GATE: () => this.forgotEquals(), ALT: () => this.SUBRULE(this.missingEq) },
          { ALT: () => this.SUBRULE(this.expression) },
        ],
      }),
    );
  });

  private startsNestedBlock(): boolean {
    const t2 = this.LA(2).tokenType;
    return t2 === LBrace || (t2 === Ident && this.LA(3).tokenType === LBrace);
  }

  /** `trees 400`: a name directly followed, on its line, by something that starts a new value. */
  private forgotEquals(): boolean {
    const t1 = this.LA(1);
    const t2 = this.LA(2);
    return (
      t1.tokenType === Ident &&
      VALUE_START.has(t2.tokenType) &&
      sameLine(t1, t2) &&
      !(t2.tokenType === Ident && this.LA(3).tokenType === LBrace)
    );
  }

  /** `name = expr`; the value must start on the line of `=` (else cst-to-ast reports it missing). */
  private attribute = this.RULE("attribute", () => {
    this.CONSUME(Ident);
    this.CONSUME(Eq);
    this.OPTION(
      (this.c.value ??= {
        GATE: () => sameLine(this.LA(0), this.LA(1)),
        DEF: () => this.SUBRULE(this.expression),
      }),
    );
  });

  /** `name value`: recognised so that the message can say "expected `=`" and parsing goes on. */
  private missingEq = this.RULE("missingEq", () => {
    this.CONSUME(Ident);
    this.SUBRULE(this.expression);
  });

  /**
   * Operands and infix operators as a flat sequence: precedence (`or` < `and` < `not` < comparisons
   * < `+ -` < `* / %` < unary minus) is applied by the AST builder. One rule instead of one per
   * precedence level keeps the parser fast (chevrotain's performance guide).
   */
  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand);
    this.MANY(
      (this.c.infix ??= {
        // A `-` that starts a line begins a new item (`x = a` then `-b > 0`), except inside brackets.
        GATE: () => this.LA(1).tokenType !== Minus || this.nesting > 0 || sameLine(this.LA(0), this.LA(1)),
        DEF: () => {
          this.CONSUME(BinaryOp);
          this.SUBRULE2(this.operand);
        },
      }),
    );
  });

  /**
   * Prefix operators (`-`, `not`), then a literal, a list, an object, a parenthesised expression, or
   * a reference `a.b.*` that may be called: `f(x, n = 1)` or `rest { port = 8080 }` (opening on the
   * callee's line). One rule for all of them, again for speed.
   */
  private operand = this.RULE("operand", () => {
    this.MANY((this.c.prefix ??= () => this.CONSUME(PrefixOp)));
    this.OR(
      (this.c.operand ??= [
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
        {
          ALT: () => {
            this.CONSUME(Ident);
            this.MANY2(
              (this.c.path ??= () => {
                this.CONSUME(Dot);
                this.OR2(
                  (this.c.pathPart ??= [
                    { ALT: () => this.CONSUME2(Ident) },
                    { ALT: () => this.CONSUME(Star) },
                  ]),
                );
              }),
            );
            this.OPTION(
              (this.c.call ??= {
                GATE: () => sameLine(this.LA(0), this.LA(1)),
                DEF: () =>
                  this.OR3(
                    (this.c.callForm ??= [
                      { ALT: () => this.SUBRULE(this.args) },
                      { ALT: () => this.SUBRULE2(this.object, { LABEL: "braceArgs" }) },
                    ]),
                  ),
              }),
            );
          },
        },
      ]),
    );
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
    this.OR(
      (this.c.entryKey ??= [{ ALT: () => this.CONSUME(Ident) }, { ALT: () => this.CONSUME(StringLit) }]),
    );
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
    this.OR(
      (this.c.arg ??= {
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
      }),
    );
  });
}

let fast: MlspecParser | undefined;
let recovering: MlspecParser | undefined;

/**
 * The shared parser instances (chevrotain parsers are expensive to build and cheap to reuse):
 * a fast one without error recovery, and a recovering one for input that has errors.
 */
export function mlspecParser(withRecovery = true): MlspecParser {
  if (withRecovery) return (recovering ??= new MlspecParser(true));
  return (fast ??= new MlspecParser(false));
}
