// The typed AST of the .mlspec language. Plain data with a Span on every node, produced from
// chevrotain's CST by the builder and consumed by the resolver, checker, formatter and lowering;
// forEachChild is the one walker over an expression's sub-expressions.
import type { Span } from "../ir/span.js";

export type BinaryOp = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";
type UnaryOp = "-" | "not";

export type Expr =
  | { type: "number"; value: number; raw: string; span: Span }
  | { type: "string"; value: string; span: Span }
  | { type: "bool"; value: boolean; span: Span }
  | { type: "null"; span: Span }
  /** `30s`, `15m`, `1h`, `7d`, `250ms`; `seconds` is the value in seconds. */
  | { type: "duration"; seconds: number; raw: string; span: Span }
  /** `10%`; `value` is the number before the sign (10, not 0.1). */
  | { type: "percent"; value: number; raw: string; span: Span }
  | { type: "list"; items: Expr[]; span: Span }
  | { type: "object"; entries: ObjectEntry[]; span: Span }
  /** A dotted path: `customers.tenure`, `usage.*` (star = true), `champion.test.auc`. */
  | { type: "ref"; path: string[]; pathSpans: Span[]; star: boolean; span: Span }
  /**
   * A built-in call: `f(a, b, name = c)`, or the brace form `rest { port = 8080 }` whose
   * entries become named arguments. `form` is kept so that `fmt` preserves what was written.
   */
  | {
      type: "call";
      callee: string;
      calleeSpan: Span;
      args: Expr[];
      named: NamedArg[];
      form: "parens" | "braces";
      span: Span;
    }
  | { type: "unary"; op: UnaryOp; operand: Expr; span: Span }
  | { type: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  /** `(expr)`: kept so that fmt can reproduce explicit parentheses. */
  | { type: "paren"; inner: Expr; span: Span };

/** Calls `visit` on each direct sub-expression of `e`, in source order (recurse inside `visit`). */
export function forEachChild(e: Expr, visit: (child: Expr) => void): void {
  switch (e.type) {
    case "list":
      for (const item of e.items) visit(item);
      return;
    case "object":
      for (const en of e.entries) visit(en.value);
      return;
    case "call":
      for (const a of e.args) visit(a);
      for (const n of e.named) visit(n.value);
      return;
    case "unary":
      visit(e.operand);
      return;
    case "binary":
      visit(e.left);
      visit(e.right);
      return;
    case "paren":
      visit(e.inner);
      return;
    default:
      return;
  }
}

export interface ObjectEntry {
  key: string;
  keySpan: Span;
  value: Expr;
  span: Span;
}

export interface NamedArg {
  name: string;
  nameSpan: Span;
  value: Expr;
  span: Span;
}

export interface Comment {
  text: string; // including the leading `#` or `//`
  span: Span;
}

export type BodyItem = Attribute | Block | Assertion;

export interface Attribute {
  type: "attribute";
  name: string;
  nameSpan: Span;
  value: Expr;
  span: Span;
}

/** A bare boolean expression inside a block that takes assertions (expect, gate, monitor). */
interface Assertion {
  type: "assertion";
  expr: Expr;
  span: Span;
}

export interface Block {
  type: "block";
  kind: string;
  kindSpan: Span;
  /** Top-level blocks are named (`model churn`); nested blocks usually are not (`params`). */
  name?: string;
  nameSpan?: Span;
  body: BodyItem[];
  span: Span;
}

export interface SpecFile {
  path: string;
  text: string;
  blocks: Block[];
  comments: Comment[];
  span: Span;
}

/** All `*.mlspec` files of a directory: one project, one namespace. */
export interface Project {
  dir: string;
  files: SpecFile[];
}
