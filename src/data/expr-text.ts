// Renders an expression's Graph IR JSON back to spec syntax, for messages and summaries
// (`tenure >= 0`, `nulls(monthly) == 0`).
import type { Json } from "../ir/graph-ir.js";

const PREC: Record<string, number> = {
  or: 1,
  and: 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  in: 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
};

function durationText(s: number): string {
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const)
    if (s % size === 0 && s >= size) return `${s / size}${unit}`;
  return `${s * 1000}ms`;
}

export function exprText(j: Json, parentPrec = 0): string {
  if (j === null) return "null";
  if (typeof j === "string") return JSON.stringify(j);
  if (typeof j !== "object") return String(j);
  if (Array.isArray(j)) return `[${j.map((x) => exprText(x)).join(", ")}]`;
  if (Array.isArray(j.$ref)) return (j.$ref as string[]).join(".") + (j.star ? ".*" : "");
  if (typeof j.$duration === "number") return durationText(j.$duration);
  if (typeof j.$percent === "number") return `${j.$percent}%`;
  if (typeof j.$call === "string") {
    const args = Array.isArray(j.args) ? j.args.map((a) => exprText(a)) : [];
    const named =
      j.named && typeof j.named === "object" && !Array.isArray(j.named)
        ? Object.entries(j.named).map(([k, v]) => `${k} = ${exprText(v)}`)
        : [];
    return `${j.$call}(${[...args, ...named].join(", ")})`;
  }
  if (typeof j.$op === "string" && Array.isArray(j.args)) {
    const [a, b] = j.args;
    if (j.$op === "neg") return `-${exprText(a!, 6)}`;
    if (j.$op === "not") return `not ${exprText(a!, 6)}`;
    const p = PREC[j.$op] ?? 3;
    const text = `${exprText(a!, p)} ${j.$op} ${exprText(b!, p + 1)}`;
    return p < parentPrec ? `(${text})` : text;
  }
  if (j.$object && typeof j.$object === "object")
    return `{ ${Object.entries(j.$object)
      .map(([k, v]) => `${k} = ${exprText(v)}`)
      .join(", ")} }`;
  return JSON.stringify(j);
}
