// Long left-associative chains (`a + b + c + …` with thousands of terms) nest as deep as they are
// long; walkers visit their links in a loop through these, so their recursion is bounded by brackets.
import type { Expr } from "./ast.js";
import type { Json } from "../runtime/graph-ir.js";

export type BinaryExpr = Extract<Expr, { type: "binary" }>;

/** The chain ending at `e`: its leftmost operand and its links, innermost first. */
export function leftChain(e: BinaryExpr): { first: Expr; links: BinaryExpr[] } {
  const links: BinaryExpr[] = [];
  let x: Expr = e;
  while (x.type === "binary") {
    links.push(x);
    x = x.left;
  }
  return { first: x, links: links.reverse() };
}

/** An encoded binary operation `{ $op, args: [left, right] }` (expr-json.ts) and nothing else. */
export type BinaryJson = { $op: string; args: [Json, Json] };

export function isBinaryJson(j: Json): j is BinaryJson {
  if (typeof j !== "object" || j === null || Array.isArray(j)) return false;
  const keys = Object.keys(j);
  return (
    keys.length === 2 &&
    typeof j.$op === "string" &&
    Array.isArray(j.args) &&
    j.args.length === 2 &&
    j.$op !== "neg" &&
    j.$op !== "not"
  );
}

/** The encoded chain ending at `j`: its leftmost operand and its links, innermost first. */
export function leftChainJson(j: BinaryJson): { first: Json; links: BinaryJson[] } {
  const links: BinaryJson[] = [];
  let x: Json = j;
  while (isBinaryJson(x)) {
    links.push(x);
    x = x.args[0];
  }
  return { first: x, links: links.reverse() };
}
