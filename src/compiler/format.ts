// The canonical layout of a .mlspec file (what `mlc fmt` writes): 2-space indent, one item per line,
// `=` aligned in runs of attributes, comments kept. Pure text in, text out; it never changes the AST.
import { sameMeaning } from "./ast-equal.js";
import type { Attribute, Block, BodyItem, Comment, Expr, SpecFile } from "./ast.js";
import type { Span } from "../ir/span.js";
import { hasErrors, type Result } from "./diagnostic.js";
import { KEYWORDS, nameText } from "./lexer.js";
import { parseFile } from "./parse.js";
import { leftChain } from "./binary-chain.js";
import { pushAll } from "./push-all.js";

const INDENT = "  ";
/** Lists, objects and brace calls longer than this go one element per line. */
const MAX_WIDTH = 100;

/** Formats source text; when it has syntax errors the text is returned unchanged with the diagnostics. */
export function formatText(path: string, text: string): Result<string> {
  const parsed = parseFile(path, text);
  if (hasErrors(parsed.diagnostics)) return { value: text, diagnostics: parsed.diagnostics };
  const formatted = format(parsed.value);
  // Guard: the output must parse back to the same meaning; otherwise keep the text as it was.
  const again = parseFile(path, formatted);
  if (hasErrors(again.diagnostics) || !sameMeaning(parsed.value, again.value)) {
    throw new Error(
      `mlc fmt would change the meaning of ${path}; the file was left unchanged (a formatter bug: please report it)`,
    );
  }
  return { value: formatted, diagnostics: parsed.diagnostics };
}

/** The canonical text of a parsed file. `format(parse(format(x)))` equals `format(x)`. */
export function format(file: SpecFile): string {
  return new Printer(file.comments).file(file);
}

/** An own-line comment, or an item with the comment that ends its line. */
type Element =
  | { part: "comment"; comment: Comment }
  | { part: "item"; item: BodyItem; trailing?: Comment; inner?: Comment[] };

interface Level {
  /** A comment on the line of the opening `{`, before any item. */
  head?: Comment;
  elements: Element[];
}

class Printer {
  private readonly out: string[] = [];

  constructor(private readonly comments: readonly Comment[]) {}

  file(f: SpecFile): string {
    const { elements } = this.level(f.blocks, 0, Infinity, -1);
    let prev: Element | undefined;
    for (const el of elements) {
      if (prev) {
        // Exactly one blank line between top-level blocks (a block's own comments stay with it);
        // at most one between comments, where the source had one.
        const gap = startLine(el) > endLine(prev) + 1;
        if (prev.part === "item" || gap) this.out.push("");
      }
      if (el.part === "comment") this.out.push(el.comment.text);
      else {
        this.block(el.item as Block, "");
        if (el.trailing) this.appendToLast(` ${el.trailing.text}`);
      }
      prev = el;
    }
    return this.out.length ? this.out.join("\n") + "\n" : "";
  }

  /**
   * The comments of one level (file or block body) between `from` and `to`, interleaved with its
   * items. Comments inside nested blocks belong to those blocks; comments inside a list, object or
   * brace call stay there; other comments inside an item move in front of it.
   */
  private level(items: readonly BodyItem[], from: number, to: number, headerLine: number): Level {
    const cs = this.commentsIn(from, to, items);
    const elements: Element[] = [];
    let head: Comment | undefined;
    let ci = 0;
    for (let ii = 0; ii < items.length; ii++) {
      const item = items[ii]!;
      const nextStart = items[ii + 1]?.span.start.offset ?? Infinity;
      // A list, object or brace call keeps the comments written inside it; other expressions
      // cannot hold comments, which move in front of their item.
      const host = item.type === "attribute" && isContainer(item.value) ? item.value : undefined;
      const limit =
        item.type === "block" ? item.span.start.offset : host ? host.span.start.offset : item.span.end.offset;
      while (ci < cs.length && cs[ci]!.span.start.offset < limit) {
        const c = cs[ci++]!;
        if (!head && elements.length === 0 && c.span.start.line === headerLine) head = c;
        else elements.push({ part: "comment", comment: c });
      }
      const el: Element = { part: "item", item };
      if (host) {
        const inner: Comment[] = [];
        while (ci < cs.length && cs[ci]!.span.start.offset < host.span.end.offset) inner.push(cs[ci++]!);
        if (inner.length) el.inner = inner;
      }
      const c = cs[ci];
      if (
        c &&
        c.span.start.line === item.span.end.line &&
        c.span.start.offset >= item.span.end.offset &&
        c.span.start.offset < nextStart
      ) {
        el.trailing = c;
        ci++;
      }
      elements.push(el);
    }
    for (; ci < cs.length; ci++) {
      const c = cs[ci]!;
      if (!head && elements.length === 0 && c.span.start.line === headerLine) head = c;
      else elements.push({ part: "comment", comment: c });
    }
    return head ? { head, elements } : { elements };
  }

  /** Comments with `from <= offset < to` that are not inside one of the nested blocks among `items`. */
  private commentsIn(from: number, to: number, items: readonly BodyItem[]): Comment[] {
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid]!.span.start.offset < from) lo = mid + 1;
      else hi = mid;
    }
    const blocks = items.filter((i): i is Block => i.type === "block");
    const out: Comment[] = [];
    let bi = 0;
    for (let i = lo; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      const at = c.span.start.offset;
      if (at >= to) break;
      while (bi < blocks.length && blocks[bi]!.span.end.offset <= at) bi++;
      const b = blocks[bi];
      if (b && b.span.start.offset <= at && at < b.span.end.offset) continue;
      out.push(c);
    }
    return out;
  }

  private appendToLast(text: string): void {
    this.out[this.out.length - 1] += text;
  }

  private block(b: Block, indent: string): void {
    const head = `${indent}${nameText(b.kind)}${b.name !== undefined ? " " + nameText(b.name) : ""} {`;
    const { head: headComment, elements } = this.level(
      b.body,
      b.span.start.offset,
      b.span.end.offset,
      b.kindSpan.start.line,
    );
    if (elements.length === 0) {
      this.out.push(headComment ? `${head} ${headComment.text}` : `${head}}`);
      if (headComment) this.out.push(`${indent}}`);
      return;
    }
    this.out.push(headComment ? `${head} ${headComment.text}` : head);
    this.body(elements, indent + INDENT);
    this.out.push(`${indent}}`);
  }

  private body(elements: Element[], indent: string): void {
    // Blank lines where the source had at least one; alignment runs are consecutive attributes
    // with no blank line and no other item between them.
    const blankBefore = elements.map((el, i) => i > 0 && startLine(el) > endLine(elements[i - 1]!) + 1);
    const width = new Map<Attribute, number>();
    let run: Attribute[] = [];
    const closeRun = (): void => {
      const w = Math.max(0, ...run.map((a) => nameText(a.name).length));
      for (const a of run) width.set(a, w);
      run = [];
    };
    elements.forEach((el, i) => {
      if (blankBefore[i]) closeRun();
      if (el.part === "item") {
        if (el.item.type === "attribute") run.push(el.item);
        else closeRun();
      }
    });
    closeRun();

    elements.forEach((el, i) => {
      if (blankBefore[i]) this.out.push("");
      if (el.part === "comment") {
        this.out.push(indent + el.comment.text);
        return;
      }
      const item = el.item;
      if (item.type === "block") this.block(item, indent);
      else if (item.type === "attribute")
        this.out.push(
          ...this.value(
            item.value,
            `${indent}${nameText(item.name).padEnd(width.get(item) ?? 0)} = `,
            indent,
            el.inner,
          ),
        );
      else pushAll(this.out, this.value(item.expr, indent, indent));
      if (el.trailing) this.appendToLast(` ${el.trailing.text}`);
    });
  }

  /**
   * An expression after `prefix`: one line when it fits and holds no comments, else a list, object
   * or brace call one element per line, with its comments where they were.
   */
  private value(e: Expr, prefix: string, indent: string, comments: readonly Comment[] = []): string[] {
    const flat = expr(e);
    if ((comments.length === 0 && prefix.length + flat.length <= MAX_WIDTH) || !isContainer(e))
      return [prefix + flat];
    const inner = indent + INDENT;
    const isList = e.type === "list";
    const parts: { key?: string; value: Expr; span: Span }[] =
      e.type === "list"
        ? e.items.map((v) => ({ value: v, span: v.span }))
        : e.type === "object"
          ? e.entries.map((x) => ({ key: key(x.key), value: x.value, span: x.span }))
          : e.type === "call"
            ? e.named.map((x) => ({ key: key(x.name), value: x.value, span: x.span }))
            : [];
    const width = Math.max(0, ...parts.map((p) => p.key?.length ?? 0));
    const lines = [prefix + (e.type === "list" ? "[" : e.type === "call" ? e.callee + " {" : "{")];
    let ci = 0;
    for (let pi = 0; pi < parts.length; pi++) {
      const p = parts[pi]!;
      const nextStart = parts[pi + 1]?.span.start.offset ?? Infinity;
      while (ci < comments.length && comments[ci]!.span.start.offset < p.span.start.offset)
        lines.push(inner + comments[ci++]!.text);
      const mine: Comment[] = [];
      while (ci < comments.length && comments[ci]!.span.start.offset < p.span.end.offset)
        mine.push(comments[ci++]!);
      const partPrefix = p.key === undefined ? inner : `${inner}${p.key.padEnd(width)} = `;
      let partLines: string[];
      if (mine.length && isContainer(p.value)) partLines = this.value(p.value, partPrefix, inner, mine);
      else {
        for (const c of mine) lines.push(inner + c.text);
        partLines = this.value(p.value, partPrefix, inner);
      }
      if (isList) withSuffix(partLines, ",");
      const t = comments[ci];
      if (
        t &&
        t.span.start.line === p.span.end.line &&
        t.span.start.offset >= p.span.end.offset &&
        t.span.start.offset < nextStart
      ) {
        withSuffix(partLines, " " + t.text);
        ci++;
      }
      pushAll(lines, partLines);
    }
    while (ci < comments.length) lines.push(inner + comments[ci++]!.text);
    lines.push(indent + (isList ? "]" : "}"));
    return lines;
  }
}

const isContainer = (e: Expr): boolean =>
  e.type === "list" || e.type === "object" || (e.type === "call" && e.form === "braces");

const startLine = (el: Element): number =>
  (el.part === "comment" ? el.comment.span : el.item.span).start.line;
const endLine = (el: Element): number =>
  (el.part === "comment" ? el.comment : (el.trailing ?? el.item)).span.end.line;

function withSuffix(lines: string[], suffix: string): string[] {
  lines[lines.length - 1] += suffix;
  return lines;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function key(k: string): string {
  return IDENT.test(k) && !KEYWORDS.includes(k) ? k : quote(k);
}

/** A string literal that reads back to the same value. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029)
      out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** The one-line canonical form of an expression (as `mlc fmt` writes it). */
export function formatExpr(e: Expr): string {
  return expr(e);
}

/** The one-line canonical form of an expression. */
function expr(e: Expr): string {
  switch (e.type) {
    case "number":
    case "duration":
    case "percent":
      return e.raw;
    case "string":
      return quote(e.value);
    case "bool":
      return e.value ? "true" : "false";
    case "null":
      return "null";
    case "list":
      return `[${e.items.map(expr).join(", ")}]`;
    case "object":
      return e.entries.length
        ? `{ ${e.entries.map((x) => `${key(x.key)} = ${expr(x.value)}`).join(", ")} }`
        : "{}";
    case "ref":
      return e.path.map(nameText).join(".") + (e.star ? (e.path.length ? ".*" : "*") : "");
    case "call": {
      if (e.form === "braces")
        return e.named.length
          ? `${e.callee} { ${e.named.map((n) => `${key(n.name)} = ${expr(n.value)}`).join(", ")} }`
          : `${e.callee} {}`;
      const args = [...e.args.map(expr), ...e.named.map((n) => `${nameText(n.name)} = ${expr(n.value)}`)];
      return `${e.callee}(${args.join(", ")})`;
    }
    case "unary":
      return e.op === "not" ? `not ${expr(e.operand)}` : `-${expr(e.operand)}`;
    case "binary": {
      const { first, links } = leftChain(e);
      return [expr(first), ...links.map((l) => `${l.op} ${expr(l.right)}`)].join(" ");
    }
    case "paren":
      return `(${expr(e.inner)})`;
  }
}
