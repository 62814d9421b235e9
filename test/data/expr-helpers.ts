// Builders for expressions in their Graph IR JSON encoding (src/compiler/expr-json.ts), so tests
// read like the spec they stand for.
import type { Json } from "../../src/ir/graph-ir.js";

export const ref = (...path: string[]): Json => ({ $ref: path });
export const call = (fn: string, args: Json[] = [], named: Record<string, Json> = {}): Json => ({
  $call: fn,
  args,
  named,
});
export const op = (o: string, ...args: Json[]): Json => ({ $op: o, args });
export const days = (n: number): Json => ({ $duration: n * 86400 });
export const pct = (n: number): Json => ({ $percent: n });
