// Shared pieces of the transform files: argument checks, float32 vector helpers, and the ONNX
// idioms (casts, null tests, constants) every transform's ONNX form is built from.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Json } from "../../ir/graph-ir.js";
import { type BatchValue, ExprError, type OnnxValue, type PipelineNode, type ValueKind } from "./types.js";

export const ONNX_FLOAT = 1;
const ONNX_BOOL = 9;

export function arity(fn: string, args: PipelineNode[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new ExprError(
      `${fn}() takes ${want} argument${min === 1 && max === 1 ? "" : "s"}, got ${args.length}`,
    );
  }
}

export function expectKind(fn: string, n: PipelineNode, ...kinds: ValueKind[]): ValueKind {
  const k = n.kind;
  if (k === "list" || k === "vector" || !kinds.includes(k)) {
    const names: Record<string, string> = {
      num: "a number",
      str: "a string",
      time: "a timestamp",
      list: "a list",
      vector: "a one-hot vector",
    };
    const who = /^[a-z_0-9]+$/.test(fn) ? `${fn}()` : fn; // operators are quoted by the caller
    throw new ExprError(`${who} expects ${kinds.map((x) => names[x]).join(" or ")}, got ${names[k]}`);
  }
  return k;
}

/** A literal number argument (positional or named). */
export function literalNumber(fn: string, what: string, n: PipelineNode | Json | undefined): number {
  const v =
    n !== null && typeof n === "object" && !Array.isArray(n) && "t" in n
      ? n.t === "lit"
        ? n.value
        : undefined
      : n;
  if (typeof v !== "number") throw new ExprError(`${fn}(): ${what} must be a number literal`);
  return v;
}

/** A name-like argument: `method = median` (a reference) or `"median"`. */
export function nameArg(j: Json | undefined): string | undefined {
  if (typeof j === "string") return j;
  if (
    j !== null &&
    typeof j === "object" &&
    !Array.isArray(j) &&
    Array.isArray(j.$ref) &&
    j.$ref.length === 1
  )
    return String(j.$ref[0]);
  return undefined;
}

export const num = (v: BatchValue): Float32Array => v.v as Float32Array;
export const str = (v: BatchValue): string[] => v.v as string[];
export const time = (v: BatchValue): Float64Array => v.v as Float64Array;

/** Elementwise float32 map; JS computes in double and the store rounds, exactly as one float op. */
export function map1(a: Float32Array, f: (x: number) => number): BatchValue {
  const n = a.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(a[i]!);
  return { kind: "num", v: out };
}

export function map2(a: Float32Array, b: Float32Array, f: (x: number, y: number) => number): BatchValue {
  const n = a.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
  return { kind: "num", v: out };
}

// ---- ONNX idioms -------------------------------------------------------------------------

export const numOut = (name: string): OnnxValue => ({ kind: "num", name });

export function constFloat(g: OnnxGraph, values: number[], dims: number[] = [1, values.length]): string {
  return g.constant("float", dims, values, "c");
}

export function castFloat(g: OnnxGraph, x: string): string {
  return g.op("Cast", [x], { to: ONNX_FLOAT });
}

export function castBool(g: OnnxGraph, x: string): string {
  return g.op("Cast", [x], { to: ONNX_BOOL });
}

/** A bool tensor: where the value is null (NaN, or "" for strings). */
export function onnxIsNull(g: OnnxGraph, v: OnnxValue): string {
  if (v.kind === "str") {
    const hit = g.op(
      "LabelEncoder",
      [v.name],
      { keys_strings: [""], values_int64s: [1], default_int64: 0 },
      { domain: "ai.onnx.ml" },
    );
    return castBool(g, hit);
  }
  return g.op("IsNaN", [v.name]);
}

/** A float constant broadcast against [N,1]: NaN where NaN is wanted. */
export function nanConst(g: OnnxGraph): string {
  return constFloat(g, [NaN], [1, 1]);
}

/** A float-list attribute even when the values are integral (ONNX would read them as ints). */
export { floats as floatsAttr } from "../../onnx/builder.js";
