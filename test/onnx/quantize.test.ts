// Edge quantisation on the protobuf: float16 weights behind Casts and int8 MatMul/Gemm weights
// behind DequantizeLinear run in onnxruntime with the graph's own input and output types, give
// the values the rounding predicts, and shrink the file; a tree ensemble is refused with the reason.
import { describe, expect, it } from "vitest";
import { OnnxGraph, floats, ints } from "../../src/onnx/builder.js";
import { loadSession } from "../../src/onnx/session.js";
import { fromHalfBits, quantizeModel, toHalfBits } from "../../src/onnx/quantize.js";

const D = 16;
const K = 8;

/** y = x · W + b with W 16×8 (128 values: quantised) and b 8 values (too few: left as float). */
function dense(): { bytes: Uint8Array; W: number[]; b: number[] } {
  const W = Array.from({ length: D * K }, (_, i) => ((i * 37) % 17) / 7 - 1.1);
  const b = Array.from({ length: K }, (_, i) => i / 8 - 0.5);
  const g = new OnnxGraph();
  const x = g.input("x", "float", ["N", D]);
  const w = g.constant("float", [D, K], W, "w");
  const bias = g.constant("float", [K], b, "b");
  g.node("Gemm", [x, w, bias], ["score"]);
  g.output("score", "float", ["N", K]);
  return { bytes: g.toBytes(), W, b };
}

const X = Float32Array.from({ length: 2 * D }, (_, i) => (i % 5) - 2);

async function run(bytes: Uint8Array): Promise<Float32Array> {
  const s = await loadSession(bytes);
  try {
    const out = await s.run({ x: { type: "float", data: X, dims: [2, D] } });
    expect(out.score!.type).toBe("float32");
    return out.score!.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** x · W + b in float64 with the weights as given. */
function expected(W: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < K; c++) {
      let s = b[c]!;
      for (let k = 0; k < D; k++) s += X[r * D + k]! * W[k * K + c]!;
      out.push(s);
    }
  return out;
}

describe("quantizeModel", () => {
  it("rounds to half precision as IEEE 754 does", () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(fromHalfBits(toHalfBits(0.1))).toBeCloseTo(0.0999755859375, 12);
    expect(fromHalfBits(toHalfBits(2 ** -20))).toBe(2 ** -20);
    // halfway between 1 and the next half (1 + 2^-10): ties go to even
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
  });

  it("float16: weights stored as halves, inputs and outputs stay float, values as rounded", async () => {
    const { bytes, W, b } = dense();
    const q = quantizeModel(bytes, "float16");
    if ("refused" in q) throw new Error(q.refused);
    expect(q.tensors).toBe(1);
    expect(q.values).toBe(D * K);
    expect(q.bytes.length).toBeLessThan(bytes.length);
    const got = await run(q.bytes);
    const want = expected(
      W.map((w) => fromHalfBits(toHalfBits(Math.fround(w)))),
      b,
    );
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
  });

  it("int8: Gemm weights as int8 with one scale; values as dequantised", async () => {
    const { bytes, W, b } = dense();
    const q = quantizeModel(bytes, "int8");
    if ("refused" in q) throw new Error(q.refused);
    expect(q.tensors).toBe(1);
    // 128 weights: 512 bytes as float, 128 as int8, plus a scale, a zero point and a node
    expect(bytes.length - q.bytes.length).toBeGreaterThan(250);
    const max = Math.max(...W.map((w) => Math.abs(Math.fround(w))));
    const scale = Math.fround(max / 127);
    const deq = W.map((w) => Math.round(Math.fround(w) / scale) * scale);
    const got = await run(q.bytes);
    const want = expected(deq, b);
    // onnxruntime fuses DequantizeLinear into the product and quantises the activations to uint8 too
    // (dynamic quantisation): within a few activation steps of the dequantised weights' result
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(0.15));
    // and it is not the float model: the weights moved
    const plain = await run(bytes);
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - plain[i]!)))).toBeGreaterThan(0);
  });

  it("refuses a tree ensemble, naming why", () => {
    const g = new OnnxGraph();
    const x = g.input("x", "float", ["N", 1]);
    g.node(
      "TreeEnsembleRegressor",
      [x],
      ["score"],
      {
        n_targets: 1,
        nodes_treeids: ints([0, 0, 0]),
        nodes_nodeids: ints([0, 1, 2]),
        nodes_featureids: ints([0, 0, 0]),
        nodes_values: floats([0.5, 0, 0]),
        nodes_modes: ["BRANCH_LEQ", "LEAF", "LEAF"],
        nodes_truenodeids: ints([1, 0, 0]),
        nodes_falsenodeids: ints([2, 0, 0]),
        target_treeids: ints([0, 0]),
        target_nodeids: ints([1, 2]),
        target_ids: ints([0, 0]),
        target_weights: floats([1.5, -1.5]),
      },
      { domain: "ai.onnx.ml" },
    );
    g.output("score", "float", ["N", 1]);
    for (const p of ["float16", "int8"] as const) {
      const q = quantizeModel(g.toBytes(), p);
      expect("refused" in q && q.refused).toMatch(/tree ensemble keeps its thresholds/);
    }
  });
});
