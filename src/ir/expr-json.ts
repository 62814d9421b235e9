// The canonical JSON encoding of expressions in the Graph IR: its readers, canonical serialisation
// and display text. Lowering writes it (src/compiler/expr-to-json.ts); executors read it here.
import { type Json, isObj, type JsonObject as Obj } from "./graph-ir.js";
import { isBinaryJson, leftChainJson } from "./binary-chain-json.js";

/**
 * Encoded forms:
 * - number, string, boolean, null: themselves
 * - list: a JSON array
 * - object `{ k = v }`: { "$object": { k: v } }
 * - duration `7d`: { "$duration": 604800 } (seconds)
 * - percent `10%`: { "$percent": 10 }
 * - reference `a.b` / `a.*`: { "$ref": ["a", "b"] } / { "$ref": ["a"], "star": true }
 * - call `f(x, n = 1)` or `f { n = 1 }`: { "$call": "f", "args": [x], "named": { "n": 1 } }
 * - unary / binary: { "$op": "neg" | "not" | "+" | "==" | …, "args": [a] or [a, b] }
 */
export type ExprJson = Json;

export const isRef = (j: Json): j is { $ref: string[]; star?: boolean } => isObj(j) && Array.isArray(j.$ref);
export const isCall = (j: Json): j is { $call: string; args: Json[]; named: Obj } =>
  isObj(j) && typeof j.$call === "string";
export const isOp = (j: Json): j is { $op: string; args: Json[] } => isObj(j) && typeof j.$op === "string";
export const isDuration = (j: Json): j is { $duration: number } =>
  isObj(j) && typeof j.$duration === "number";
export const isPercent = (j: Json): j is { $percent: number } => isObj(j) && typeof j.$percent === "number";
export const isObjectLit = (j: Json): j is { $object: Obj } => isObj(j) && isObj(j.$object as Json);

/** Serialises JSON with object keys sorted, the form fingerprints hash. */
export function canonicalJson(j: Json): string {
  if (isBinaryJson(j)) {
    // keys sorted: "$op" before "args"
    const { first, links } = leftChainJson(j);
    let text = canonicalJson(first);
    for (const l of links)
      text = `{"$op":${JSON.stringify(l.$op)},"args":[${text},${canonicalJson(l.args[1])}]}`;
    return text;
  }
  if (Array.isArray(j)) return `[${j.map(canonicalJson).join(",")}]`;
  if (isObj(j)) {
    // an object that serialises itself (a compiler span holds its positions in another form) is
    // hashed as JSON.stringify would write it, so a saved plan read back hashes the same
    const own = (j as { toJSON?: unknown }).toJSON;
    if (typeof own === "function") return canonicalJson((own as () => Json).call(j));
    const keys = Object.keys(j).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(j[k]!)}`).join(",")}}`;
  }
  return JSON.stringify(j);
}

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  not: 3,
  "==": 4,
  "!=": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
  neg: 7,
};

function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (seconds >= size && Number.isInteger(seconds / size)) return `${seconds / size}${unit}`;
  }
  return `${+(seconds * 1000).toPrecision(12)}ms`;
}

/** Source-like text of an encoded expression, for messages (`test.auc >= champion.test.auc - 0.005`). */
export function exprJsonText(j: Json, parent = 0): string {
  if (j === null) return "null";
  if (typeof j === "string") return JSON.stringify(j);
  if (typeof j !== "object") return String(j);
  if (Array.isArray(j)) return `[${j.map((x) => exprJsonText(x)).join(", ")}]`;
  if (isRef(j)) return j.$ref.join(".") + (j.star ? ".*" : "");
  if (isDuration(j)) return formatDuration(j.$duration);
  if (isPercent(j)) return `${j.$percent}%`;
  if (isObjectLit(j))
    return `{ ${Object.entries(j.$object)
      .map(([k, v]) => `${k} = ${exprJsonText(v)}`)
      .join(", ")} }`;
  if (isCall(j))
    return `${j.$call}(${[...j.args.map((a) => exprJsonText(a)), ...Object.entries(j.named).map(([k, v]) => `${k} = ${exprJsonText(v)}`)].join(", ")})`;
  if (isBinaryJson(j)) {
    // each link is the left operand of the next, which passes its own precedence as the parent
    const { first, links } = leftChainJson(j);
    const prec = links.map((l) => PRECEDENCE[l.$op] ?? 0);
    let text = exprJsonText(first, prec[0]);
    links.forEach((l, i) => {
      const p = prec[i]!;
      const whole = `${text} ${l.$op} ${exprJsonText(l.args[1], p + 1)}`;
      text = p < (i + 1 < links.length ? prec[i + 1]! : parent) ? `(${whole})` : whole;
    });
    return text;
  }
  if (isOp(j)) {
    const p = PRECEDENCE[j.$op] ?? 0;
    const text =
      j.$op === "neg"
        ? `-${exprJsonText(j.args[0]!, p)}`
        : j.$op === "not"
          ? `not ${exprJsonText(j.args[0]!, p)}`
          : `${exprJsonText(j.args[0]!, p)} ${j.$op} ${exprJsonText(j.args[1]!, p + 1)}`;
    return p < parent ? `(${text})` : text;
  }
  return JSON.stringify(j);
}

/** Whether an encoded expression holds a reference whose path satisfies `test` (walked in a loop:
 * chains nest thousands deep). */
export function hasRef(expr: Json, test: (path: readonly string[]) => boolean): boolean {
  const stack: Json[] = [expr];
  while (stack.length) {
    const j = stack.pop()!;
    if (j === null || typeof j !== "object") continue;
    if (Array.isArray(j)) stack.push(...j);
    else if (isRef(j)) {
      if (test(j.$ref)) return true;
    } else stack.push(...Object.values(j));
  }
  return false;
}
