// Property test: evaluating runs of row-wise transforms block by block (evaluate-batch.ts) gives
// the same bits as whole-column evaluation, on random expressions mixing every row-wise transform
// with fitted ones (standardize, impute, onehot) above and below them, features reusing other
// features, nulls, and a row count that is not a multiple of the block.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/ir/graph-ir.js";
import { compileFeatures } from "../../src/data/compile-features.js";
import { evalBatch, tableEnv } from "../../src/data/evaluate-batch.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { Rng } from "../../src/ml/random.js";
import { call, op, ref } from "./expr-helpers.js";

const ROWS = 5003;
const r0 = new Rng(11);
const maybeNull = <T>(v: T, p = 0.07): T | null => (r0.next() < p ? null : v);
const table = aq.table({
  a: Float64Array.from({ length: ROWS }, () => (r0.next() < 0.05 ? NaN : (r0.next() - 0.4) * 1e4)),
  b: Float64Array.from({ length: ROWS }, () => (r0.next() < 0.05 ? NaN : Math.floor(r0.next() * 100))),
  c: Float64Array.from({ length: ROWS }, () => r0.next() * 3e7),
  s: Array.from({ length: ROWS }, () => maybeNull(["Pro", "basic", "team", "Free"][r0.int(4)]!)),
  flag: Array.from({ length: ROWS }, () => maybeNull(r0.next() < 0.5)),
  t: Array.from({ length: ROWS }, () => maybeNull(new Date(1.6e12 + Math.floor(r0.next() * 3e10)))),
});

const NUMS = ["a", "b", "c", "flag"];
const CONSTS = [0, 1, 2.5, -3, 1e-3, 100];

function numExpr(r: Rng, depth: number, features: string[]): Json {
  if (depth === 0 || r.next() < 0.2) {
    const x = r.next();
    if (x < 0.15 && features.length) return ref(features[r.int(features.length)]!);
    return x < 0.75 ? ref(NUMS[r.int(NUMS.length)]!) : CONSTS[r.int(CONSTS.length)]!;
  }
  const sub = () => numExpr(r, depth - 1, features);
  switch (r.int(16)) {
    case 0:
      return op("neg", sub());
    case 1:
      return call(["log", "log1p", "sqrt", "abs"][r.int(4)]!, [sub()]);
    case 2:
      return call("clip", [sub()], { low: -5, high: 50 });
    case 3:
      return call("bucketize", [sub(), [-10, 0, 10, 1000]]);
    case 4:
      return call("if", [sub(), sub(), sub()]);
    case 5:
      return call("coalesce", [sub(), sub(), 7]);
    case 6:
      return op(["<", "<=", ">", ">=", "==", "!="][r.int(6)]!, sub(), sub());
    case 7:
      return op(["and", "or"][r.int(2)]!, sub(), sub());
    case 8:
      return op("not", sub());
    case 9:
      return call(["standardize", "minmax"][r.int(2)]!, [sub()]);
    case 10:
      return call("impute", [ref(NUMS[r.int(3)]!)], { method: ref("median") });
    case 11:
      return op("==", call("lower", [ref("s")]), "pro");
    case 12:
      return r.int(2) ? call("length", [ref("s")]) : call("hash_bucket", [ref("s")], { n: 13 });
    case 13:
      return call(["hour", "dayofweek", "month"][r.int(3)]!, [ref("t")]);
    default:
      return op(["+", "-", "*", "/", "%"][r.int(5)]!, sub(), sub());
  }
}

/** Bit patterns, so -0 and 0 differ and NaNs compare equal. */
const bits = (x: ArrayLike<number>): number[] =>
  Array.from(new Uint32Array(Float32Array.from(x, (v) => (Number.isNaN(v) ? NaN : v)).buffer));

describe("row-wise runs evaluated in blocks", () => {
  it("give the bits of whole-column evaluation on 300 random expressions", () => {
    const r = new Rng(20261203);
    const features: Record<string, Json> = { from: ref("t0") };
    const names: string[] = [];
    for (let i = 0; i < 300; i++) {
      let e = numExpr(r, 4, names);
      if (e === null || typeof e !== "object") e = op("+", ref("a"), e);
      // hash_bucket needs its n: give the calls without one a literal
      features[`f${i}`] = e;
      names.push(`f${i}`);
    }
    features.onehot_s = call("onehot", [ref("s")]);
    features.upper = call("if", [ref("flag"), call("lower", [ref("s")]), ref("s")]);
    const compiled = compileFeatures(features, tableColumns(table));
    const evaluate = (blockRows: number) => {
      const states = new Map<number, Json>();
      const env = tableEnv(table, states, true, false, blockRows);
      const out = compiled.features.map((f) => evalBatch(f.node, env));
      return { out, states };
    };
    const whole = evaluate(Infinity);
    for (const blockRows of [1000, 4096]) {
      const blocked = evaluate(blockRows);
      expect([...blocked.states]).toEqual([...whole.states]);
      compiled.features.forEach((f, j) => {
        const [x, y] = [blocked.out[j]!, whole.out[j]!];
        expect(x.kind, f.name).toBe(y.kind);
        if (x.kind === "vector" && y.kind === "vector")
          x.columns.forEach((c, k) => expect(bits(c), f.name).toEqual(bits(y.columns[k]!)));
        else if (x.kind === "str") expect(x.v, f.name).toEqual(y.v);
        else expect(bits(x.v as Float32Array), f.name).toEqual(bits(y.v as Float32Array));
      });
    }
  });
});
