// Writes an AST expression in the Graph IR's canonical JSON encoding (src/ir/expr-json.ts).
// Spans and formatting are dropped, so a comment or layout change never changes a fingerprint.
import type { Expr } from "./ast.js";
import { leftChain } from "./binary-chain.js";
import type { ExprJson } from "../ir/expr-json.js";

export function exprToJson(e: Expr): ExprJson {
  switch (e.type) {
    case "number":
      return e.value;
    case "string":
      return e.value;
    case "bool":
      return e.value;
    case "null":
      return null;
    case "duration":
      return { $duration: e.seconds };
    case "percent":
      return { $percent: e.value };
    case "list":
      return e.items.map(exprToJson);
    case "object":
      return { $object: Object.fromEntries(e.entries.map((en) => [en.key, exprToJson(en.value)])) };
    case "ref":
      return e.star ? { $ref: e.path, star: true } : { $ref: e.path };
    case "call":
      return {
        $call: e.callee,
        args: e.args.map(exprToJson),
        named: Object.fromEntries(e.named.map((n) => [n.name, exprToJson(n.value)])),
      };
    case "unary":
      return { $op: e.op === "-" ? "neg" : "not", args: [exprToJson(e.operand)] };
    case "binary": {
      // A chain of thousands of terms is encoded in a loop, not by recursion on its depth.
      const { first, links } = leftChain(e);
      let j = exprToJson(first);
      for (const l of links) j = { $op: l.op, args: [j, exprToJson(l.right)] };
      return j;
    }
    case "paren":
      return exprToJson(e.inner);
  }
}
