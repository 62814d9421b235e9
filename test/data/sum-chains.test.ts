// Issue 19: onnxruntime's session setup grows with the square of a graph's initializers, so a
// model with several 5,000-term feature chains (a constant per literal, a binary node per
// operator) took minutes to load. Runs of + and - are one Sum and equal literals share one
// initializer: the graph's size is asserted here as counts, and its values stay bit-identical
// to the batch backend's (the Sum adds left to right in float32, as the chain does).
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/ir/graph-ir.js";
import { buildPipeline, type FittedPipeline } from "../../src/data/pipeline.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { op, ref } from "./expr-helpers.js";
import { runOnnx } from "./onnx-run.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const ROWS = 300;
const r0 = rng(19);
const col = (scale: number): Float64Array =>
  Float64Array.from({ length: ROWS }, () => (r0() < 0.05 ? NaN : Number(((r0() - 0.3) * scale).toFixed(3))));
const table = aq.table({ a: col(4), b: col(3e5), c: col(7e7) });

/** `start + x - y * 2 + x / 3 - 1 + …` over columns x and y, `terms` terms, left-deep as parsed. */
function chain(start: Json, terms: number, x = "a", y = "b"): Json {
  let e = start;
  for (let i = 0; i < terms; i++)
    e = [op("+", e, ref(x)), op("-", e, op("*", ref(y), 2)), op("+", e, op("/", ref(x), 3)), op("-", e, 1)][
      i % 4
    ]!;
  return e;
}

const bits = (x: Float32Array): number[] =>
  Array.from(new Uint32Array(Float32Array.from(x, (v) => (Number.isNaN(v) ? NaN : v)).buffer));

function mismatches(names: readonly string[], batch: Float32Array[], onnx: Float32Array[]): string[] {
  const out: string[] = [];
  batch.forEach((c, j) => {
    const a = bits(c);
    const b = bits(onnx[j]!);
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0) out.push(`${names[j]} row ${i}: batch ${c[i]}, onnx ${onnx[j]![i]}`);
  });
  return out;
}

function graphOf(features: Record<string, Json>): { g: OnnxGraph; p: FittedPipeline } {
  const p = buildPipeline({ from: ref("t"), ...features }, tableColumns(table)).fit(table);
  const g = new OnnxGraph();
  p.toOnnx(g);
  return { g, p };
}

describe("feature chains of thousands of terms in ONNX", () => {
  it("several 5,000-term chains: one Sum each, repeated terms and literals shared, a graph that grows linearly", async () => {
    const N = 5000;
    const count = (g: OnnxGraph, type: string) => g.nodes.filter((n) => n.opType === type).length;
    const one = graphOf({ f0: chain(ref("c"), N) }).g;
    // a Sum, and the distinct terms b * 2, -(b * 2), a / 3 (the subtracted 1 is the constant -1)
    expect(one.nodes.map((n) => n.opType).sort()).toEqual(["Concat", "Div", "Mul", "Neg", "Sum"]);
    expect(one.initializers.length).toBe(3);

    const pairs = [
      ["a", "b"],
      ["b", "c"],
      ["c", "a"],
      ["a", "c"],
    ] as const;
    const features: Record<string, Json> = {};
    pairs.forEach(([x, y], k) => (features[`f${k}`] = chain(ref(y), N, x, y)));
    // and a chain of distinct terms: c / 1, c / 2, … c / 50, over and over
    let distinct: Json = ref("a");
    for (let i = 0; i < N; i++) distinct = op(i % 2 ? "-" : "+", distinct, op("/", ref("c"), (i % 50) + 1));
    features.f4 = distinct;
    const { g: five, p } = graphOf(features);
    expect(count(five, "Sum")).toBe(5);
    expect(count(five, "Add") + count(five, "Sub")).toBe(0);
    expect(count(five, "Div")).toBe(3 + 50 - 1); // a / 3, b / 3, c / 3 (shared) and c / 1 … c / 50
    expect(five.nodes.length).toBeLessThanOrEqual(4 * (one.nodes.length - 1) + 2 * 50 + 2);
    expect(five.initializers.length).toBe(51); // -1 and 1 … 50

    expect(mismatches(p.outputNames, p.transform(table).columns, await runOnnx(p, table))).toEqual([]);
  }, 120_000);

  it("random runs of + and - (shared features, literals, nulls, subtractions) stay bit-identical", async () => {
    const r = rng(20261203);
    const atoms = (): Json => {
      const x = r();
      if (x < 0.45) return ref(["a", "b", "c"][Math.floor(r() * 3)]!);
      if (x < 0.7) return [1, -2.5, 0.1, 1e-3, 3.3333, 7e6, 0][Math.floor(r() * 7)]!;
      if (x < 0.75) return null;
      if (x < 0.85) return op("neg", ref("b"));
      return op(["*", "/"][Math.floor(r() * 2)]!, ref(["a", "b", "c"][Math.floor(r() * 3)]!), 1.7);
    };
    const features: Record<string, Json> = {};
    for (let i = 0; i < 120; i++) {
      // some features start from, or subtract, an earlier feature: a chain read twice
      let e: Json = i > 0 && r() < 0.3 ? ref(`f${Math.floor(r() * i)}`) : atoms();
      const len = 1 + Math.floor(r() * 30);
      for (let k = 0; k < len; k++) {
        const rhs = i > 0 && r() < 0.05 ? ref(`f${Math.floor(r() * i)}`) : atoms();
        e = op(r() < 0.5 ? "+" : "-", e, rhs);
      }
      features[`f${i}`] = e;
    }
    const p = buildPipeline({ from: ref("t"), ...features }, tableColumns(table)).fit(table);
    expect(mismatches(p.outputNames, p.transform(table).columns, await runOnnx(p, table))).toEqual([]);
  }, 60_000);
});
