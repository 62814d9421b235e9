// Long left-associative chains of encoded operations (`{ $op, args: [left, right] }`) nest as deep as
// they are long; readers of the expression JSON walk their links in a loop through these.
import type { Json } from "./graph-ir.js";

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
