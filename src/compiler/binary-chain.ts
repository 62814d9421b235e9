// Long left-associative chains (`a + b + c + …` with thousands of terms) nest as deep as they are
// long; walkers visit their links in a loop through these, so their recursion is bounded by brackets.
import type { Expr } from "./ast.js";

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

export { isBinaryJson, leftChainJson, type BinaryJson } from "../ir/binary-chain-json.js";
