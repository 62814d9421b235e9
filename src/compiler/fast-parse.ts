// The fast path of parse.ts: a hand-written recursive-descent parser that reads the scanner's token
// columns (lexer.ts `scan`) and builds the AST directly, with no token objects and no CST. It
// accepts exactly what the chevrotain grammar (parser.ts) accepts without error and builds the AST
// that cst-to-ast.ts would; at anything else (a syntax error, or whatever the AST builder would
// report) it gives up on the whole file, and parse.ts parses it again the chevrotain way, which
// reports. test/compiler/fast-parse.test.ts checks both paths give the same result over the corpus,
// its mutations and generated specs.
import type { Attribute, BinaryOp, Block, BodyItem, Expr, NamedArg, ObjectEntry } from "./ast.js";
import {
  BINARY_PRECEDENCE,
  COMPARISON,
  NOT_PRECEDENCE,
  UNIT_SECONDS,
  decodeStringBody,
} from "./cst-to-ast.js";
import { K, type TokenColumns } from "./lexer.js";
import type { Span } from "../ir/span.js";
import { FlatSpan, spanBetween, type SourceLines } from "./flat-span.js";

/** Thrown where the fast path stops: the file goes the chevrotain way. */
class GiveUp {
  readonly gaveUp = true;
}
const GIVE_UP = new GiveUp();

/** Brackets and prefix operators past this depth are reported by the chevrotain path (parse.ts). */
const MAX_NESTING = 200;

/** interned(): texts up to this long share one string; the table's size (a power of two). */
const MAX_INTERNED = 32;
const INTERN_SLOTS = 1024;

/** Token kinds, as indexes into `allTokens`. */
const IDENT = K.Ident;
const QUOTED = K.QuotedIdent;
const EQ = K["Eq"]!;
const LBRACE = K["LBrace"]!;
const RBRACE = K["RBrace"]!;
const LBRACKET = K["LBracket"]!;
const RBRACKET = K["RBracket"]!;
const LPAREN = K["LParen"]!;
const RPAREN = K["RParen"]!;
const COMMA = K["Comma"]!;
const DOT = K["Dot"]!;
const STAR = K["Star"]!;
const MINUS = K["Minus"]!;
const NOT = K["Not"]!;
const NUMBER = K["NumberLit"]!;
const DURATION = K["Duration"]!;
const PERCENT = K["Percent"]!;
const STRING = K.StringLit;
const TRUE = K["True"]!;
const FALSE = K["False"]!;
const NULL = K["Null"]!;

/** The infix operators by kind: their text (the AST's `op`) and precedence. */
const OP_TEXT: (BinaryOp | undefined)[] = [];
for (const [name, text] of [
  ["And", "and"],
  ["Or", "or"],
  ["EqEq", "=="],
  ["NotEq", "!="],
  ["LtEq", "<="],
  ["GtEq", ">="],
  ["Lt", "<"],
  ["Gt", ">"],
  ["Plus", "+"],
  ["Minus", "-"],
  ["Star", "*"],
  ["Slash", "/"],
  ["Modulo", "%"],
] as const)
  OP_TEXT[K[name]!] = text;

/** Kinds that can start an expression (the grammar's `operand`), malformed tokens aside. */
const STARTS_VALUE = new Uint8Array(64);
for (const k of [
  MINUS,
  NOT,
  NUMBER,
  DURATION,
  PERCENT,
  STRING,
  TRUE,
  FALSE,
  NULL,
  LBRACKET,
  LBRACE,
  LPAREN,
  IDENT,
  QUOTED,
])
  STARTS_VALUE[k] = 1;

/** What follows a name when `=` was forgotten (parser.ts VALUE_START, malformed tokens aside). */
const FORGOT_EQUALS = new Uint8Array(64);
for (const k of [NUMBER, DURATION, PERCENT, STRING, TRUE, FALSE, NULL, LBRACKET, IDENT, QUOTED, NOT])
  FORGOT_EQUALS[k] = 1;

/**
 * The empty argument lists of calls (`f(x)` has no named ones, `rest { … }` no positional ones):
 * one frozen array each, shared, rather than an array per call. Nothing changes an AST.
 */
const NO_ARGS = Object.freeze([]) as readonly Expr[] as Expr[];
const NO_NAMED = Object.freeze([]) as readonly NamedArg[] as NamedArg[];

/** One operand of an operator chain: its prefix operators (token indexes) and what they apply to. */
interface Unit {
  prefixes: number[] | undefined;
  core: Expr;
}

/**
 * The blocks of a file, or undefined when the file needs the chevrotain path (an error somewhere,
 * malformed tokens, nesting deeper than parse.ts allows, or a block head split over lines).
 */
export function parseBlocksFast(src: SourceLines, text: string, cols: TokenColumns): Block[] | undefined {
  if (cols.malformed || tooDeep(cols)) return undefined;
  const p = new FastParser(src, text, cols);
  try {
    const blocks: Block[] = [];
    while (p.pos < cols.count) blocks.push(p.block(true));
    return blocks;
  } catch (e) {
    // Any surprise (a bug here included) leaves the file to the chevrotain path, which reports.
    if (e instanceof GiveUp || e instanceof RangeError) return undefined;
    throw e;
  }
}

/** parse.ts's nesting limit: brackets deeper than MAX_NESTING, or as many prefix operators in a row. */
function tooDeep(c: TokenColumns): boolean {
  let depth = 0;
  let prefixRun = 0;
  for (let i = 0; i < c.count; i++) {
    const k = c.kinds[i]!;
    if (k === LBRACE || k === LPAREN || k === LBRACKET) depth++;
    else if (k === RBRACE || k === RPAREN || k === RBRACKET) depth--;
    prefixRun = k === MINUS || k === NOT ? prefixRun + 1 : 0;
    if (depth > MAX_NESTING || prefixRun > MAX_NESTING) return true;
  }
  return false;
}

class FastParser {
  pos = 0;
  /** How deep inside `(`, `[`, `{` of an expression: there a `-` may start a line (parser.ts). */
  private nesting = 0;
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly lines: Int32Array;
  private readonly count: number;
  /** interned(): the last string seen in each slot of a direct-mapped table. */
  private readonly internTable: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS);
  /**
   * The items of the lists being built (a block's body, a list's items, a call's arguments, a
   * path's parts), one region above another as they nest: each list is `take`n as an array of
   * exactly its length. An array grown by push keeps room for 17 items; most of the AST's arrays
   * hold one or two, and they live as long as the AST.
   */
  private readonly stack: unknown[] = [];
  private top = 0;
  /** reference(): the parts of the path being read and their spans (paths do not nest). */
  private readonly parts: string[] = [];
  private readonly partSpans: Span[] = [];

  constructor(
    /** The file's lines: what every span holds. */
    private readonly src: SourceLines,
    private readonly text: string,
    cols: TokenColumns,
  ) {
    this.kinds = cols.kinds;
    this.starts = cols.starts;
    this.ends = cols.ends;
    this.lines = cols.lines;
    this.count = cols.count;
  }

  /** The kind of the token `ahead` places on, or -1 past the end. */
  private kind(ahead = 0): number {
    const i = this.pos + ahead;
    return i < this.count ? this.kinds[i]! : -1;
  }

  private expect(kind: number): number {
    if (this.pos >= this.count || this.kinds[this.pos] !== kind) throw GIVE_UP;
    return this.pos++;
  }

  private isName(k: number): boolean {
    return k === IDENT || k === QUOTED;
  }

  /** The token's text; a backticked name without its backticks. */
  private image(i: number): string {
    return this.kinds[i] === QUOTED
      ? this.text.slice(this.starts[i]! + 1, this.ends[i]! - 1)
      : this.interned(this.starts[i]!, this.ends[i]!);
  }

  /**
   * `text.slice(start, end)`, the same string object for the same short text: names and numbers
   * repeat across a file's blocks, and one shared string is one object for the collector to carry
   * (and one hash for the checker's maps) instead of one per occurrence.
   */
  private interned(start: number, end: number): string {
    const text = this.text;
    const len = end - start;
    if (len > MAX_INTERNED) return text.slice(start, end);
    let h = len;
    for (let j = start; j < end; j++) h = (Math.imul(h, 31) + text.charCodeAt(j)) | 0;
    const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
    const seen = this.internTable[slot];
    if (seen !== undefined && seen.length === len) {
      let j = 0;
      while (j < len && seen.charCodeAt(j) === text.charCodeAt(start + j)) j++;
      if (j === len) return seen;
    }
    const s = text.slice(start, end);
    this.internTable[slot] = s;
    return s;
  }

  private keep(x: unknown): void {
    this.stack[this.top++] = x;
  }

  /** The items kept since `base` (the `top` a list began at), as an array of exactly them. */
  private take<T>(base: number): T[] {
    const items = this.stack.slice(base, this.top) as T[];
    this.top = base;
    return items;
  }

  private span(i: number): Span {
    return new FlatSpan(this.src, this.starts[i]!, this.ends[i]!);
  }

  /** cst-to-ast.ts `between`. */
  private between(a: Span, b: Span): Span {
    return spanBetween(this.src, a, b);
  }

  /** Whether token `i` starts on the line where token `i - 1` ends (all tokens lie on one line). */
  private sameLineAsPrevious(i: number): boolean {
    return i > 0 && i < this.count && this.lines[i] === this.lines[i - 1];
  }

  // ——— blocks and items ———

  block(top: boolean): Block {
    const kindTok = this.pos;
    if (this.kind() !== IDENT) throw GIVE_UP;
    this.pos++;
    let nameTok = -1;
    if (this.kind() === IDENT) nameTok = this.pos++;
    const open = this.expect(LBRACE);
    // parse.ts splits a file into blocks at a head on a later line: leave such files to it
    if (top && this.lines[open] !== this.lines[kindTok]) throw GIVE_UP;
    const kindSpan = this.span(kindTok);
    const base = this.top;
    while (this.kind() !== RBRACE) this.keep(this.bodyItem());
    const body = this.take<BodyItem>(base);
    const endSpan = this.span(this.pos++);
    const kind = this.image(kindTok);
    const span = this.between(kindSpan, endSpan);
    // a name is written last, as cst-to-ast.ts adds it; one literal each way keeps it in the object
    // (added afterwards, the two fields would take an array of their own)
    if (nameTok < 0) return { type: "block", kind, kindSpan, body, span };
    const name = this.image(nameTok);
    return { type: "block", kind, kindSpan, body, span, name, nameSpan: this.span(nameTok) };
  }

  /** parser.ts `bodyItem`: an attribute, a nested block, or an assertion. */
  private bodyItem(): BodyItem {
    const k1 = this.kind();
    const k2 = this.kind(1);
    if (this.isName(k1)) {
      if (k2 === EQ) return this.attribute();
      if (k2 === LBRACE || (this.isName(k2) && this.kind(2) === LBRACE)) return this.block(false);
      // `trees 400`: reported by the chevrotain path
      if (k2 >= 0 && FORGOT_EQUALS[k2] === 1 && this.lines[this.pos] === this.lines[this.pos + 1])
        throw GIVE_UP;
    }
    const expr = this.expression();
    return { type: "assertion", expr, span: expr.span };
  }

  private attribute(): Attribute {
    const nameTok = this.pos;
    this.pos += 2; // the name and `=`
    // the value starts on the line of `=`; else the chevrotain path reports it missing
    if (!this.sameLineAsPrevious(this.pos) || STARTS_VALUE[this.kind()] !== 1) throw GIVE_UP;
    const nameSpan = this.span(nameTok);
    const value = this.expression();
    return {
      type: "attribute",
      name: this.image(nameTok),
      nameSpan,
      value,
      span: this.between(nameSpan, value.span),
    };
  }

  // ——— expressions ———

  /** parser.ts `expression`: operands and infix operators, then precedence as cst-to-ast.ts applies it. */
  private expression(): Expr {
    const first = this.operand();
    let k = this.kind();
    if (OP_TEXT[k] === undefined || !this.continues(k)) {
      return first.prefixes === undefined ? first.core : new Chain(this, [first], []).climb(1);
    }
    const units = [first];
    const ops: number[] = [];
    while (k >= 0 && OP_TEXT[k] !== undefined && this.continues(k)) {
      ops.push(this.pos++);
      units.push(this.operand());
      k = this.kind();
    }
    return new Chain(this, units, ops).climb(1);
  }

  /** A `-` that starts a line begins a new item, except inside brackets. */
  private continues(k: number): boolean {
    return k !== MINUS || this.nesting > 0 || this.sameLineAsPrevious(this.pos);
  }

  private operand(): Unit {
    let prefixes: number[] | undefined;
    let k = this.kind();
    while (k === MINUS || k === NOT) {
      (prefixes ??= []).push(this.pos++);
      k = this.kind();
    }
    return { prefixes, core: this.operandCore(k) };
  }

  private operandCore(k: number): Expr {
    switch (k) {
      case IDENT:
      case QUOTED:
        return this.reference();
      case LBRACKET:
        return this.list();
      case LBRACE: {
        const open = this.span(this.pos++);
        const { entries, close } = this.entries();
        return { type: "object", entries, span: this.between(open, close) };
      }
      case LPAREN: {
        const open = this.span(this.pos++);
        this.nesting++;
        const inner = this.expression();
        this.nesting--;
        const close = this.span(this.expect(RPAREN));
        return { type: "paren", inner, span: this.between(open, close) };
      }
    }
    if (k < 0) throw GIVE_UP;
    return this.literal(this.pos++, k);
  }

  private literal(i: number, k: number): Expr {
    const span = this.span(i);
    switch (k) {
      case NUMBER: {
        const raw = this.image(i);
        const value = Number(raw);
        if (!Number.isFinite(value)) throw GIVE_UP;
        return { type: "number", value, raw, span };
      }
      case DURATION: {
        const raw = this.image(i);
        const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(raw)!;
        return { type: "duration", seconds: Number(m[1]) * UNIT_SECONDS[m[2]!]!, raw, span };
      }
      case PERCENT: {
        const raw = this.image(i);
        return { type: "percent", value: Number(raw.slice(0, -1)), raw, span };
      }
      case STRING:
        return { type: "string", value: this.stringValue(i), span };
      case TRUE:
        return { type: "bool", value: true, span };
      case FALSE:
        return { type: "bool", value: false, span };
      case NULL:
        return { type: "null", span };
    }
    throw GIVE_UP;
  }

  /** A string literal's value; an invalid escape is the chevrotain path's to report. */
  private stringValue(i: number): string {
    return decodeStringBody(this.text.slice(this.starts[i]! + 1, this.ends[i]! - 1), giveUp);
  }

  /** `[a, b,]`: commas between items, a trailing one allowed. */
  private list(): Expr {
    const open = this.span(this.pos++);
    this.nesting++;
    const base = this.top;
    if (STARTS_VALUE[this.kind()] === 1) {
      this.keep(this.expression());
      while (this.kind() === COMMA && this.kind(1) !== RBRACKET) {
        this.pos++;
        this.keep(this.expression());
      }
      if (this.kind() === COMMA) this.pos++;
    }
    const items = this.take<Expr>(base);
    this.nesting--;
    const close = this.span(this.expect(RBRACKET));
    return { type: "list", items, span: this.between(open, close) };
  }

  /** `{ k = v, k2 = v2 }` from its `{` (already consumed) to its `}`. */
  private entries(): { entries: ObjectEntry[]; close: Span } {
    this.nesting++;
    const base = this.top;
    let k = this.kind();
    while (k === IDENT || k === QUOTED || k === STRING) {
      const keyTok = this.pos++;
      this.expect(EQ);
      const keySpan = this.span(keyTok);
      const key = k === STRING ? this.stringValue(keyTok) : this.image(keyTok);
      const value = this.expression();
      const entry: ObjectEntry = { key, keySpan, value, span: this.between(keySpan, value.span) };
      this.keep(entry);
      if (this.kind() === COMMA) this.pos++;
      k = this.kind();
    }
    const entries = this.take<ObjectEntry>(base);
    this.nesting--;
    const close = this.span(this.expect(RBRACE));
    return { entries, close };
  }

  /** `a.b.*`, perhaps called: `f(x, n = 1)` or `rest { port = 8080 }` opening on its line. */
  private reference(): Expr {
    let star = false;
    const first = this.span(this.pos);
    let last = first;
    const name = this.image(this.pos++);
    // parts after the first are kept in `parts`; the arrays are made to their length at the end
    let n = 1;
    while (this.kind() === DOT) {
      this.pos++;
      const k = this.kind();
      // a part after `*` is the chevrotain path's to report
      if (star) throw GIVE_UP;
      if (k === STAR) {
        star = true;
        last = this.span(this.pos++);
      } else if (k === IDENT || k === QUOTED) {
        last = this.span(this.pos);
        this.parts[n] = this.image(this.pos++);
        this.partSpans[n++] = last;
      } else throw GIVE_UP;
    }
    let path: string[];
    let pathSpans: Span[];
    if (n === 1) {
      path = [name];
      pathSpans = [first];
    } else {
      this.parts[0] = name;
      this.partSpans[0] = first;
      path = this.parts.slice(0, n);
      pathSpans = this.partSpans.slice(0, n);
    }
    const refSpan = this.between(first, last);
    const k = this.kind();
    const called = (k === LPAREN || k === LBRACE) && this.sameLineAsPrevious(this.pos);
    if (!called) return { type: "ref", path, pathSpans, star, span: refSpan };
    if (star) throw GIVE_UP;
    const callee = path.length === 1 ? path[0]! : path.join(".");
    this.pos++;
    if (k === LBRACE) {
      const { entries, close } = this.entries();
      const named: NamedArg[] = entries.map((e) => ({
        name: e.key,
        nameSpan: e.keySpan,
        value: e.value,
        span: e.span,
      }));
      return {
        type: "call",
        callee,
        calleeSpan: refSpan,
        args: NO_ARGS,
        named,
        form: "braces",
        span: this.between(refSpan, close),
      };
    }
    this.nesting++;
    // the positional arguments are kept on the stack, the named ones (fewer) in an array of their own
    const base = this.top;
    const named: NamedArg[] = [];
    if (STARTS_VALUE[this.kind()] === 1) {
      this.arg(named);
      while (this.kind() === COMMA && this.kind(1) !== RPAREN) {
        this.pos++;
        this.arg(named);
      }
      if (this.kind() === COMMA) this.pos++;
    }
    const args = this.take<Expr>(base);
    this.nesting--;
    const close = this.span(this.expect(RPAREN));
    return {
      type: "call",
      callee,
      calleeSpan: refSpan,
      args,
      named: named.length === 0 ? NO_NAMED : named.slice(), // to its length
      form: "parens",
      span: this.between(refSpan, close),
    };
  }

  /** One argument of a call in parens: a positional one is kept (on the stack), a named one pushed. */
  private arg(named: NamedArg[]): void {
    if (this.isName(this.kind()) && this.kind(1) === EQ) {
      const nameTok = this.pos;
      this.pos += 2;
      const value = this.expression();
      const nameSpan = this.span(nameTok);
      named.push({ name: this.image(nameTok), nameSpan, value, span: this.between(nameSpan, value.span) });
    } else {
      this.keep(this.expression());
    }
  }

  /** For Chain: an operator token's text, a prefix's span, and the spans' join. */
  opText(i: number): BinaryOp {
    return OP_TEXT[this.kinds[i]!]!;
  }
  isNot(i: number): boolean {
    return this.kinds[i] === NOT;
  }
  tokenSpan(i: number): Span {
    return this.span(i);
  }
  join(a: Span, b: Span): Span {
    return this.between(a, b);
  }
}

/**
 * Precedence climbing over one flat chain, as cst-to-ast.ts does it: or 1 < and 2 < not 3 (prefix)
 * < comparisons 4 (not chained) < + - 5 < * / % 6 < unary minus 7.
 */
class Chain {
  private at = 0;
  constructor(
    private readonly p: FastParser,
    private readonly units: Unit[],
    private readonly ops: number[],
  ) {}

  climb(minPrec: number): Expr {
    const unit = this.units[this.at]!;
    return this.continueFrom(this.applyPrefixes(unit, 0), minPrec);
  }

  private applyPrefixes(unit: Unit, i: number): Expr {
    const prefixes = unit.prefixes;
    if (prefixes === undefined || i === prefixes.length) {
      this.at++;
      return unit.core;
    }
    const op = prefixes[i]!;
    const opSpan = this.p.tokenSpan(op);
    if (this.p.isNot(op)) {
      // `not a == b` is `not (a == b)`: the operand extends over tighter operators.
      const operand = this.continueFrom(this.applyPrefixes(unit, i + 1), NOT_PRECEDENCE + 1);
      return { type: "unary", op: "not", operand, span: this.p.join(opSpan, operand.span) };
    }
    const operand = this.applyPrefixes(unit, i + 1);
    return { type: "unary", op: "-", operand, span: this.p.join(opSpan, operand.span) };
  }

  private continueFrom(first: Expr, minPrec: number): Expr {
    let left = first;
    let compared = false;
    while (this.at < this.units.length) {
      const op = this.p.opText(this.ops[this.at - 1]!);
      const prec = BINARY_PRECEDENCE[op]!;
      if (prec < minPrec) break;
      if (prec === COMPARISON) {
        // a chained comparison is the chevrotain path's to report
        if (compared) throw GIVE_UP;
        compared = true;
      }
      const right = this.climb(prec + 1);
      left = { type: "binary", op, left, right, span: this.p.join(left.span, right.span) };
    }
    return left;
  }
}

function giveUp(): never {
  throw GIVE_UP;
}
