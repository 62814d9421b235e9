// Property test: random arithmetic feature expressions (+ - * /, constants, columns of large
// magnitude, nulls, imputed and scaled inputs) give bit-identical float32 values in both backends.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/ir/graph-ir.js";
import { buildPipeline } from "../../src/data/pipeline.js";
import { checkFeatureParity } from "../../src/kinds/model/onnx-bundle.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { call, op, ref } from "./expr-helpers.js";
import { runOnnx } from "./onnx-run.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const ROWS = 400;
const rnd0 = rng(7);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
// Prices, mileages, years, ratios: magnitudes from 1e-3 to 1e7, some nulls, some zeros.
const column = (scale: number, nulls: number, decimals: number): Float64Array =>
  Float64Array.from({ length: ROWS }, () => {
    if (rnd0() < nulls) return NaN;
    if (rnd0() < 0.03) return 0;
    return Number(((rnd0() - 0.2) * scale).toFixed(decimals));
  });
const table = aq.table({
  price: column(60_000, 0.02, 2),
  mileage: column(400_000, 0.08, 0),
  year: Float64Array.from({ length: ROWS }, () => 1990 + Math.floor(rnd0() * 35)),
  rate: column(1, 0.05, 6),
  big: column(3e7, 0.02, 1),
});
const COLUMNS = ["price", "mileage", "year", "rate", "big"];
const CONSTANTS = [1, 2, 0.1, 1e-3, 2024, 0.5, 3.3333, 1e5, -7.25];

function randomExpr(r: () => number, depth: number): Json {
  if (depth === 0 || r() < 0.25) return r() < 0.7 ? ref(pick(r, COLUMNS)) : pick(r, CONSTANTS);
  if (r() < 0.1) return op("neg", randomExpr(r, depth - 1));
  if (r() < 0.1) return call("impute", [ref(pick(r, COLUMNS))], { method: ref(pick(r, ["mean", "median"])) });
  if (r() < 0.1) return call(pick(r, ["standardize", "minmax", "abs", "sqrt"]), [randomExpr(r, depth - 1)]);
  return op(pick(r, ["+", "-", "*", "/"]), randomExpr(r, depth - 1), randomExpr(r, depth - 1));
}

/** Bit patterns, so -0 and 0 differ and NaNs compare equal. */
const bits = (x: Float32Array): number[] =>
  Array.from(new Uint32Array(Float32Array.from(x, (v) => (Number.isNaN(v) ? NaN : v)).buffer));

describe("batch and ONNX features are bit-identical on random arithmetic", () => {
  it("200 seeded random expressions over large-magnitude columns with nulls", async () => {
    const r = rng(20241203);
    const features: Record<string, Json> = {};
    for (let i = 0; i < 200; i++) features[`f${i}`] = randomExpr(r, 4);
    const p = buildPipeline({ from: ref("cars"), ...features }, tableColumns(table)).fit(table);
    const batch = p.transform(table);
    const onnx = await runOnnx(p, table);
    const mismatched: string[] = [];
    batch.columns.forEach((c, j) => {
      const a = bits(c);
      const b = bits(onnx[j]!);
      const i = a.findIndex((x, k) => x !== b[k]);
      if (i >= 0)
        mismatched.push(
          `${batch.names[j]} row ${i}: batch ${c[i]}, onnx ${onnx[j]![i]} ${JSON.stringify(features[batch.names[j]!])}`,
        );
    });
    expect(mismatched).toEqual([]);
  });
});

describe("the model's feature parity check", () => {
  it("passes on the batch matrix and names the feature and row of a one-ulp difference", async () => {
    const features = { ratio: op("/", ref("mileage"), op("+", ref("year"), 1)), yr: ref("year") };
    const p = buildPipeline({ from: ref("cars"), ...features }, tableColumns(table)).fit(table);
    const X = p.transform(table);
    await checkFeatureParity("m", p, table, X);
    const i = X.columns[0]!.findIndex((v) => v > 1);
    X.columns[0]![i] = Math.fround(X.columns[0]![i]! * (1 + 2 ** -23));
    await expect(checkFeatureParity("m", p, table, X)).rejects.toThrow(
      new RegExp(`feature 'ratio' of row ${i} is .* in training but .* in the ONNX graph`),
    );
  });

  it("allows float32 rounding, and no more, in a feature through log (onnxruntime's logf)", async () => {
    const features = { l: call("standardize", [call("log", [op("+", ref("mileage"), 1)])]), yr: ref("year") };
    const p = buildPipeline({ from: ref("cars"), ...features }, tableColumns(table)).fit(table);
    expect(p.exact).toEqual([false, true]);
    const X = p.transform(table);
    const i = X.columns[0]!.findIndex((v) => Math.abs(v) > 0.5);
    const v = X.columns[0]![i]!;
    X.columns[0]![i] = Math.fround(v * (1 + 2 ** -23));
    await checkFeatureParity("m", p, table, X);
    X.columns[0]![i] = Math.fround(v * 1.001);
    await expect(checkFeatureParity("m", p, table, X)).rejects.toThrow(/feature 'l' of row/);
  });
});
