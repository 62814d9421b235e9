// Builds the typed AST (ast.ts) from chevrotain's CST: decodes literals, attaches spans, and reports
// the mistakes the grammar lets through on purpose (bad characters, `name value`, chained comparisons).
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Attribute, BinaryOp, Block, BodyItem, Expr, NamedArg, ObjectEntry } from "./ast.js";
import type { Diagnostic } from "./diagnostic.js";
import { SyntaxCode, diagnostic } from "./diagnostic-codes.js";
import {
  BadChar,
  BadNumber,
  Duration,
  False,
  KEYWORDS,
  nameText,
  Null,
  NumberLit,
  Percent,
  Star,
  StringLit,
  True,
  UnterminatedString,
} from "./lexer.js";
import type { Pos, Span } from "../ir/span.js";
import { FlatSpan, spanBetween, type SourceLines } from "./flat-span.js";

/** Thrown inside an item whose parts are unusable; the item is left out of the AST. */
class DropItem {
  readonly dropped = true;
}
const DROP = new DropItem();

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  /** End of the last real token seen: where inserted (recovered) tokens are placed. */
  private lastEnd: Pos;

  /** The file's path. */
  readonly file: string;

  /** @param src the file's lines: what every span holds */
  constructor(private readonly src: SourceLines) {
    this.file = src.file;
    this.lastEnd = { offset: 0, line: 1, column: 1 };
  }

  // ——— spans ———

  private isReal(t: IToken): boolean {
    return !t.isInsertedInRecovery && !Number.isNaN(t.startOffset);
  }

  start(t: IToken): Pos {
    if (!this.isReal(t)) return this.lastEnd;
    return { offset: t.startOffset, line: t.startLine!, column: t.startColumn! };
  }

  end(t: IToken): Pos {
    if (!this.isReal(t)) return this.lastEnd;
    return { offset: t.endOffset! + 1, line: t.endLine!, column: t.endColumn! + 1 };
  }

  tokenSpan(t: IToken): Span {
    if (!this.isReal(t)) return this.emptySpan();
    const end = this.end(t);
    if (end.offset > this.lastEnd.offset) this.lastEnd = end;
    return new FlatSpan(this.src, t.startOffset, end.offset);
  }

  /** The empty span where inserted (recovered) tokens are placed. */
  private emptySpan(): Span {
    return new FlatSpan(this.src, this.lastEnd.offset, this.lastEnd.offset);
  }

  private between(a: Span, b: Span): Span {
    return spanBetween(this.src, a, b);
  }

  private error(
    code: (typeof SyntaxCode)[keyof typeof SyntaxCode],
    span: Span,
    message: string,
    hint?: string,
  ): void {
    this.diagnostics.push(diagnostic(code, span, message, hint ? { hint } : undefined));
  }

  // ——— blocks and items ———

  /** A block (top-level or nested), or undefined when too little of it was recognised. */
  block(node: CstNode): Block | undefined {
    const c = node.children;
    const kindTok = tok(c["kind"]);
    if (!kindTok || !this.isReal(kindTok) || !c["LBrace"]) return undefined;
    const kindSpan = this.tokenSpan(kindTok);
    const nameTok = tok(c["name"]);
    const body: BodyItem[] = [];
    for (const item of nodes(c["bodyItem"])) {
      const built = this.bodyItem(item);
      if (built) body.push(built);
    }
    const close = tok(c["RBrace"]);
    const endSpan = close ? this.tokenSpan(close) : this.emptySpan();
    const b: Block = {
      type: "block",
      kind: kindTok.image,
      kindSpan,
      body,
      span: this.between(kindSpan, endSpan),
    };
    if (nameTok && this.isReal(nameTok)) {
      b.name = nameTok.image;
      b.nameSpan = this.tokenSpan(nameTok);
      // a block's name is a node id, a path part (bundles, reports) and a URL part: never quoted
      if (nameText(b.name) !== b.name)
        this.error(
          SyntaxCode.quotedBlockName,
          b.nameSpan,
          `the block name \`${b.name}\` is not an identifier`,
          `name the block with letters, digits and _ (\`${b.name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(?=\d)/, "_")}\`); backticks are for column and feature names`,
        );
    }
    return b;
  }

  private bodyItem(node: CstNode): BodyItem | undefined {
    const c = node.children;
    try {
      if (c["attribute"]) return this.attribute(c["attribute"][0] as CstNode);
      if (c["block"]) return this.block(c["block"][0] as CstNode);
      if (c["missingEq"]) return this.missingEq(c["missingEq"][0] as CstNode);
      if (c["expression"]) {
        const expr = this.expr(c["expression"][0] as CstNode);
        return { type: "assertion", expr, span: expr.span };
      }
      return undefined;
    } catch (e) {
      if (e instanceof DropItem) return undefined;
      throw e;
    }
  }

  private attribute(node: CstNode): Attribute {
    const c = node.children;
    const nameTok = tok(c["Ident"]);
    if (!nameTok || !this.isReal(nameTok)) throw DROP;
    const nameSpan = this.tokenSpan(nameTok);
    const eqTok = tok(c["Eq"])!;
    const eqSpan = this.tokenSpan(eqTok);
    const valueNode = c["expression"]?.[0] as CstNode | undefined;
    if (!valueNode) {
      const next = this.nextToken(eqTok);
      if (next && next.startLine === eqTok.endLine && KEYWORDS.includes(next.image)) {
        this.error(
          SyntaxCode.missingValue,
          this.tokenSpan(next),
          `expected a value after \`${nameTok.image} =\`, found \`${next.image}\``,
          `\`${next.image}\` is a keyword (${KEYWORDS.join(", ")}) and cannot be used as a name`,
        );
      } else {
        this.error(
          SyntaxCode.missingValue,
          eqSpan,
          `expected a value after \`${nameTok.image} =\``,
          "the value starts on the same line as `=`",
        );
      }
      throw DROP;
    }
    const value = this.expr(valueNode);
    return {
      type: "attribute",
      name: nameTok.image,
      nameSpan,
      value,
      span: this.between(nameSpan, value.span),
    };
  }

  /** `trees 400`: reported, then kept as `trees = 400` so that later checks still see it. */
  private missingEq(node: CstNode): Attribute {
    const c = node.children;
    const nameTok = tok(c["Ident"])!;
    const nameSpan = this.tokenSpan(nameTok);
    const value = this.expr(c["expression"]![0] as CstNode);
    const written =
      value.span.end.line === value.span.start.line && value.span.end.offset - value.span.start.offset <= 30
        ? this.sourceOf(value.span)
        : "…";
    this.error(
      SyntaxCode.missingEquals,
      value.span,
      `expected \`=\` or \`{\` after \`${nameTok.image}\``,
      `an attribute is written \`${nameTok.image} = ${written}\`; a nested block \`${nameTok.image} { … }\``,
    );
    return {
      type: "attribute",
      name: nameTok.image,
      nameSpan,
      value,
      span: this.between(nameSpan, value.span),
    };
  }

  /** The token after `t` in the input (set by the driver, which has the token list). */
  nextToken: (t: IToken) => IToken | undefined = () => undefined;

  /** The source text under a span (set by the driver, which knows the text). */
  sourceOf: (s: Span) => string = () => "…";

  // ——— expressions ———

  expr(node: CstNode): Expr {
    const c = node.children;
    switch (node.name) {
      case "expression":
        return this.operatorChain(node);
      case "operand":
        return this.prefixed(node, 0);
      case "list": {
        const open = this.tokenSpan(tok(c["LBracket"])!);
        const items = nodes(c["expression"]).map((n) => this.expr(n));
        const close = this.closing(c["RBracket"]);
        return { type: "list", items, span: this.between(open, close) };
      }
      case "object": {
        const open = this.tokenSpan(tok(c["LBrace"])!);
        const entries = this.entries(node);
        const close = this.closing(c["RBrace"]);
        return { type: "object", entries, span: this.between(open, close) };
      }
      case "paren": {
        const open = this.tokenSpan(tok(c["LParen"])!);
        const inner = this.expr(onlyNode(c["expression"]));
        const close = this.closing(c["RParen"]);
        return { type: "paren", inner, span: this.between(open, close) };
      }
    }
    throw DROP;
  }

  private closing(els: CstElement[] | undefined): Span {
    const t = tok(els);
    if (!t) throw DROP;
    return this.tokenSpan(t);
  }

  // ——— operator precedence ———
  // The parser hands over `operand (op operand)*`; this applies precedence by climbing:
  // or 1 < and 2 < not 3 (prefix) < comparisons 4 (non-associative) < + - 5 < * / % 6 < unary - 7.

  private operands: CstNode[] = [];
  private operators: IToken[] = [];
  /** Next operand (index into `operands`) and next prefix within it. */
  private at = 0;

  private operatorChain(node: CstNode): Expr {
    const units = nodes(node.children["operand"]);
    const ops = (node.children["BinaryOp"] ?? []) as IToken[];
    if (units.length === 0) throw DROP;
    if (units.length === 1) return this.prefixed(units[0]!, 0);
    if (ops.length !== units.length - 1) throw DROP;
    // Nested expressions (inside parentheses, calls, lists) run their own chain: save ours.
    const saved = { operands: this.operands, operators: this.operators, at: this.at };
    this.operands = units;
    this.operators = ops;
    this.at = 0;
    try {
      return this.climb(1);
    } finally {
      this.operands = saved.operands;
      this.operators = saved.operators;
      this.at = saved.at;
    }
  }

  /** Parses from operand `this.at` while operators bind at least as tightly as `minPrec`. */
  private climb(minPrec: number): Expr {
    return this.continueFrom(this.operand(), minPrec);
  }

  /** The operand at `this.at` with its prefix operators; `not` takes everything down to comparisons. */
  private operand(): Expr {
    const unit = this.operands[this.at]!;
    const prefixes = (unit.children["PrefixOp"] ?? []) as IToken[];
    return this.applyPrefixes(unit, prefixes, 0);
  }

  private applyPrefixes(unit: CstNode, prefixes: IToken[], i: number): Expr {
    if (i === prefixes.length) {
      this.at++;
      return this.operandCore(unit);
    }
    const op = prefixes[i]!;
    const opSpan = this.tokenSpan(op);
    if (op.image === "not") {
      // `not a == b` is `not (a == b)`: the operand extends over tighter operators.
      const first = this.applyPrefixes(unit, prefixes, i + 1);
      const operand = this.continueFrom(first, NOT_PRECEDENCE + 1);
      return { type: "unary", op: "not", operand, span: this.between(opSpan, operand.span) };
    }
    const operand = this.applyPrefixes(unit, prefixes, i + 1);
    return { type: "unary", op: "-", operand, span: this.between(opSpan, operand.span) };
  }

  /** Continues a climb whose first operand is already built. */
  private continueFrom(first: Expr, minPrec: number): Expr {
    let left = first;
    let comparedAt: IToken | undefined;
    while (this.at < this.operands.length) {
      const opTok = this.operators[this.at - 1]!;
      const prec = BINARY_PRECEDENCE[opTok.image]!;
      if (prec < minPrec) break;
      if (prec === COMPARISON) {
        if (comparedAt) {
          this.error(
            SyntaxCode.chainedComparison,
            this.tokenSpan(opTok),
            `comparisons cannot be chained (\`${comparedAt.image}\` then \`${opTok.image}\`)`,
            "combine two comparisons with `and`: `a < b and b < c`",
          );
        }
        comparedAt = opTok;
      }
      const right = this.climb(prec + 1);
      left = {
        type: "binary",
        op: opTok.image as BinaryOp,
        left,
        right,
        span: this.between(left.span, right.span),
      };
    }
    return left;
  }

  /** A lone `unary` node (an expression of one operand). */
  private prefixed(unit: CstNode, i: number): Expr {
    const saved = { operands: this.operands, operators: this.operators, at: this.at };
    this.operands = [unit];
    this.operators = [];
    this.at = 0;
    try {
      return this.applyPrefixes(unit, (unit.children["PrefixOp"] ?? []) as IToken[], i);
    } finally {
      this.operands = saved.operands;
      this.operators = saved.operators;
      this.at = saved.at;
    }
  }

  /** The operand without its prefix operators. */
  private operandCore(node: CstNode): Expr {
    const c = node.children;
    if (c["Ident"]) return this.reference(node);
    if (c["list"]) return this.expr(c["list"][0] as CstNode);
    if (c["object"]) return this.expr(c["object"][0] as CstNode);
    if (c["paren"]) return this.expr(c["paren"][0] as CstNode);
    for (const k of LITERAL_KEYS) {
      const t = c[k];
      if (t) return this.literal(t[0] as IToken);
    }
    throw DROP;
  }

  private literal(t: IToken): Expr {
    if (!this.isReal(t)) throw DROP;
    const span = this.tokenSpan(t);
    const raw = t.image;
    switch (t.tokenType) {
      case NumberLit: {
        const value = Number(raw);
        if (!Number.isFinite(value))
          this.error(SyntaxCode.numberTooLarge, span, `number \`${raw}\` is too large`);
        return { type: "number", value, raw, span };
      }
      case Duration: {
        const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(raw)!;
        return { type: "duration", seconds: Number(m[1]) * UNIT_SECONDS[m[2]!]!, raw, span };
      }
      case Percent:
        return { type: "percent", value: Number(raw.slice(0, -1)), raw, span };
      case StringLit:
        return { type: "string", value: this.decodeString(raw.slice(1, -1), span), span };
      case UnterminatedString:
        // reported by the driver from the token stream (lexer-level), kept as a string here
        return { type: "string", value: this.decodeString(raw.slice(1), span), span };
      case True:
        return { type: "bool", value: true, span };
      case False:
        return { type: "bool", value: false, span };
      case Null:
        return { type: "null", span };
      case BadNumber:
      case BadChar:
        // reported by the driver from the token stream; the item holding it is left out
        throw DROP;
    }
    throw DROP;
  }

  /** Decodes `\n \t \r \" \\ \/ \uXXXX`; an unknown escape is reported and kept as written. */
  private decodeString(body: string, span: Span): string {
    return decodeStringBody(body, (i, next) => {
      // body starts one character after the opening quote
      const at = span.start.offset + 1 + i;
      const escSpan: Span = {
        file: this.file,
        start: { offset: at, line: span.start.line, column: span.start.column + 1 + i },
        end: { offset: at + 2, line: span.start.line, column: span.start.column + 3 + i },
      };
      const shown = next === "u" ? "\\u" : `\\${next ?? ""}`;
      this.error(
        SyntaxCode.invalidEscape,
        escSpan,
        `invalid escape \`${shown}\` in string`,
        'valid escapes: `\\n`, `\\t`, `\\r`, `\\"`, `\\\\`, `\\/` and `\\uXXXX` (4 hex digits)',
      );
    });
  }

  private entries(node: CstNode): ObjectEntry[] {
    return nodes(node.children["entry"]).map((en) => {
      const ec = en.children;
      const keyTok = tok(ec["Ident"]) ?? tok(ec["StringLit"]);
      const valueNode = ec["expression"]?.[0] as CstNode | undefined;
      if (!keyTok || !this.isReal(keyTok) || !valueNode) throw DROP;
      const keySpan = this.tokenSpan(keyTok);
      const key =
        keyTok.tokenType === StringLit ? this.decodeString(keyTok.image.slice(1, -1), keySpan) : keyTok.image;
      const value = this.expr(valueNode);
      return { key, keySpan, value, span: this.between(keySpan, value.span) };
    });
  }

  private reference(node: CstNode): Expr {
    const c = node.children;
    const idents = (c["Ident"] ?? []) as IToken[];
    const stars = c["Star"] as IToken[] | undefined;
    let parts: IToken[] = idents;
    if (stars || idents.some((t) => !this.isReal(t))) {
      // Rare shapes (a `*`, or recovery): merge the two token lists back into source order.
      parts = [...idents, ...(stars ?? [])].filter((t) => this.isReal(t));
      parts.sort((a, b) => a.startOffset - b.startOffset);
    }
    if (parts.length === 0) throw DROP;
    const path: string[] = [];
    const pathSpans: Span[] = [];
    let star = false;
    let first: Span | undefined;
    let last: Span | undefined;
    for (const t of parts) {
      const span = this.tokenSpan(t);
      first ??= span;
      if (star)
        this.error(
          SyntaxCode.misplacedStar,
          last!,
          "`*` must be the last part of a reference",
          "write `usage.*` to mean every member of `usage`",
        );
      last = span;
      if (t.tokenType === Star) star = true;
      else {
        path.push(t.image);
        pathSpans.push(span);
      }
    }
    const refSpan = this.between(first!, last!);
    const argsNode = c["args"]?.[0] as CstNode | undefined;
    const objNode = c["braceArgs"]?.[0] as CstNode | undefined;
    if (!argsNode && !objNode) return { type: "ref", path, pathSpans, star, span: refSpan };
    if (star)
      this.error(
        SyntaxCode.misplacedStar,
        refSpan,
        "a `*` reference cannot be called",
        "only built-in functions can be called: `f(x)`",
      );
    const callee = path.join(".");
    if (objNode) {
      const named: NamedArg[] = this.entries(objNode).map((e) => ({
        name: e.key,
        nameSpan: e.keySpan,
        value: e.value,
        span: e.span,
      }));
      const close = this.closing(objNode.children["RBrace"]);
      return {
        type: "call",
        callee,
        calleeSpan: refSpan,
        args: [],
        named,
        form: "braces",
        span: this.between(refSpan, close),
      };
    }
    const ac = argsNode!.children;
    const args: Expr[] = [];
    const named: NamedArg[] = [];
    for (const a of nodes(ac["arg"])) {
      const nameTok = tok(a.children["Ident"]);
      const valueNode = a.children["expression"]?.[0] as CstNode | undefined;
      if (!valueNode) throw DROP;
      const value = this.expr(valueNode);
      if (nameTok) {
        const nameSpan = this.tokenSpan(nameTok);
        named.push({ name: nameTok.image, nameSpan, value, span: this.between(nameSpan, value.span) });
      } else {
        args.push(value);
      }
    }
    const close = this.closing(ac["RParen"]);
    return {
      type: "call",
      callee,
      calleeSpan: refSpan,
      args,
      named,
      form: "parens",
      span: this.between(refSpan, close),
    };
  }
}

/** The span of a real (lexed) token. */
export function tokenSpanOf(file: string, t: IToken): Span {
  return {
    file,
    start: { offset: t.startOffset, line: t.startLine!, column: t.startColumn! },
    end: { offset: t.endOffset! + 1, line: t.endLine!, column: t.endColumn! + 1 },
  };
}

/**
 * Decodes the escapes of a string's body (`\n \t \r \" \\ \/ \uXXXX`); an unknown one is kept as
 * written and passed to `invalid` with its index in `body` and the character after the `\`.
 */
export function decodeStringBody(
  body: string,
  invalid: (i: number, next: string | undefined) => void,
): string {
  if (body.indexOf("\\") < 0) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    const simple = next === undefined ? undefined : ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      invalid(i, next);
      out += ch;
    }
  }
  return out;
}

/** CST keys of the single-token operands. */
const LITERAL_KEYS = [
  "NumberLit",
  "StringLit",
  "Duration",
  "Percent",
  "True",
  "False",
  "Null",
  "UnterminatedString",
  "BadNumber",
  "BadChar",
] as const;

export const COMPARISON = 4;
export const NOT_PRECEDENCE = 3;
export const BINARY_PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  "==": COMPARISON,
  "!=": COMPARISON,
  "<": COMPARISON,
  "<=": COMPARISON,
  ">": COMPARISON,
  ">=": COMPARISON,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};

export const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "/": "/" };

function isNode(el: CstElement): el is CstNode {
  return (el as CstNode).children !== undefined;
}

function tok(els: CstElement[] | undefined): IToken | undefined {
  const el = els?.[0];
  return el && !isNode(el) ? el : undefined;
}

function nodes(els: CstElement[] | undefined): CstNode[] {
  return (els ?? []) as CstNode[];
}

function onlyNode(els: CstElement[] | undefined): CstNode {
  const n = els?.[0];
  if (!n || !isNode(n)) throw DROP;
  return n;
}

export function printable(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || ch.trim() === "")
    return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return ch;
}

export function badCharHint(ch: string): string | undefined {
  switch (ch) {
    case ";":
      return "items need no separator: put them on separate lines or side by side";
    case ":":
      return "attributes are written `name = value`";
    case "'":
      return 'strings use double quotes: "text"';
    case "!":
      return "negation is written `not`; inequality `!=`";
    case "&":
      return "logical and is written `and`";
    case "|":
      return "logical or is written `or`";
  }
  return undefined;
}
