// The tables of a factorisation model (user and item vectors, biases, a global bias) and the one
// rule that scores a (user, item) pair from them: s = g + bᵤ + bᵢ + u·v, through the model's link.
// Matrix factorisation and BPR expose these tables; retrieval (top-K over the catalogue), the ONNX
// export and the batch predict all read them, so a pair scores the same on every path.
import type { OnnxGraph } from "../../onnx/builder.js";

export interface FactorTables {
  /** Index of the user and item features in the model's input matrix. */
  userFeature: number;
  itemFeature: number;
  nUsers: number;
  nItems: number;
  factors: number;
  /** nUsers × factors and nItems × factors, row-major. */
  U: Float32Array;
  V: Float32Array;
  userBias: Float32Array;
  itemBias: Float32Array;
  globalBias: number;
  /** `sigmoid` for a binary task's probability, `identity` otherwise. */
  link: "identity" | "sigmoid";
}

/** Row index of a feature value: a valid index truncated, anything else (NaN, negative, unseen) → -1. */
export function indexOf(v: number, count: number): number {
  return v >= 0 && v < count ? Math.trunc(v) : -1;
}

/** The raw score of user row `u` (or -1: a zero vector and bias) and item row `i` (or -1). */
export function rawScore(t: FactorTables, u: number, i: number): number {
  let s = t.globalBias;
  if (u >= 0) s += t.userBias[u]!;
  if (i >= 0) s += t.itemBias[i]!;
  if (u >= 0 && i >= 0) {
    const f = t.factors;
    const uo = u * f;
    const io = i * f;
    let dot = 0;
    for (let k = 0; k < f; k++) dot += t.U[uo + k]! * t.V[io + k]!;
    s += dot;
  }
  return s;
}

export const applyLink = (t: FactorTables, s: number): number =>
  t.link === "sigmoid" ? 1 / (1 + Math.exp(-s)) : s;

function withZeroRow(a: Float32Array, width: number): Float32Array {
  const out = new Float32Array(a.length + width);
  out.set(a);
  return out;
}

/**
 * Appends the pair score to `graph`, reading the user and item features of `input` (float [N, d]).
 * An index outside the tables (or NaN) gathers an appended zero row, as `rawScore`'s -1 does.
 */
export function factorScoreOnnx(graph: OnnxGraph, input: string, t: FactorTables, prefix: string): string {
  const index = (feature: number, count: number): string => {
    const col = graph.op("Gather", [input, graph.constant("int64", [], [feature], `${prefix}_col`)], {
      axis: 1,
    });
    const limit = graph.constant("float", [], [count], `${prefix}_count`);
    const zero = graph.constant("float", [], [0], `${prefix}_zero`);
    const valid = graph.op("And", [graph.op("GreaterOrEqual", [col, zero]), graph.op("Less", [col, limit])]);
    // NaN fails both comparisons, so it maps to the zero row like an unseen index.
    return graph.op("Cast", [graph.op("Floor", [graph.op("Where", [valid, col, limit])])], { to: 7 });
  };
  const u = index(t.userFeature, t.nUsers);
  const i = index(t.itemFeature, t.nItems);
  const f = t.factors;
  const U = graph.constant("float", [t.nUsers + 1, f], withZeroRow(t.U, f), `${prefix}_users`);
  const V = graph.constant("float", [t.nItems + 1, f], withZeroRow(t.V, f), `${prefix}_items`);
  const bu = graph.constant("float", [t.nUsers + 1, 1], withZeroRow(t.userBias, 1), `${prefix}_user_bias`);
  const bi = graph.constant("float", [t.nItems + 1, 1], withZeroRow(t.itemBias, 1), `${prefix}_item_bias`);
  const dotp = graph.op(
    "ReduceSum",
    [
      graph.op("Mul", [graph.op("Gather", [U, u]), graph.op("Gather", [V, i])]),
      graph.constant("int64", [1], [1], `${prefix}_axes`),
    ],
    { keepdims: 1 },
  );
  const biases = graph.op("Add", [graph.op("Gather", [bu, u]), graph.op("Gather", [bi, i])]);
  const score = graph.op("Add", [
    graph.op("Add", [dotp, biases]),
    graph.constant("float", [], [t.globalBias], `${prefix}_global`),
  ]);
  return t.link === "sigmoid" ? graph.op("Sigmoid", [score]) : score;
}
