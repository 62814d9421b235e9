// A tree ensemble as data: trees adding to output columns, base margins, a scale and the link
// from summed margins to predictions. Shared by GBDT and random forest, TreeSHAP and ONNX export.
import type { Matrix } from "../matrix.js";
import { addEnsemblePrediction } from "./flat-ensemble.js";
import type { Tree } from "./tree.js";

/**
 * How margins become predictions: sigmoid (binary P(positive)), softmax (multiclass),
 * identity (regression, ranking), normalize (forest class scores → probabilities summing to 1),
 * clip01 (forest P(positive): an average of leaf frequencies, clipped against rounding past 1).
 */
export type Link = "sigmoid" | "softmax" | "identity" | "normalize" | "clip01";

export interface TreeEnsemble {
  trees: Tree[];
  nFeatures: number;
  /** Margin columns (= predict's output width). */
  nOutputs: number;
  /** Starting margin per output. */
  base: Float64Array;
  /** Leaf values are multiplied by this (1 for GBDT, 1/trees-per-output for forests). */
  scale: number;
  link: Link;
}

/** Tiny mass added to each forest class score so normalisation never divides by zero. */
export const NORMALIZE_EPS = 1e-9;

/** Raw margins, row-major n × nOutputs. */
export function predictMargin(e: TreeEnsemble, X: Matrix): Float64Array {
  const k = e.nOutputs;
  const out = new Float64Array(X.nRows * k);
  for (let i = 0; i < X.nRows; i++) for (let c = 0; c < k; c++) out[i * k + c] = e.base[c]!;
  addEnsemblePrediction(e, X, out, k);
  return out;
}

/** Applies the link in place to row-major margins (n × k). */
export function applyLink(link: Link, m: Float64Array, k: number): Float64Array {
  switch (link) {
    case "identity":
      return m;
    case "sigmoid":
      for (let i = 0; i < m.length; i++) m[i] = 1 / (1 + Math.exp(-m[i]!));
      return m;
    case "clip01":
      for (let i = 0; i < m.length; i++) m[i] = Math.min(1, Math.max(0, m[i]!));
      return m;
    case "softmax":
      for (let o = 0; o < m.length; o += k) {
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, m[o + c]!);
        let s = 0;
        for (let c = 0; c < k; c++) s += m[o + c] = Math.exp(m[o + c]! - max);
        for (let c = 0; c < k; c++) m[o + c] = m[o + c]! / s;
      }
      return m;
    case "normalize":
      for (let o = 0; o < m.length; o += k) {
        let s = 0;
        for (let c = 0; c < k; c++) s += m[o + c] = Math.max(0, m[o + c]!) + NORMALIZE_EPS;
        for (let c = 0; c < k; c++) m[o + c] = m[o + c]! / s;
      }
      return m;
  }
}

/** Total split gain per feature over all trees. */
export function totalGain(e: TreeEnsemble): Float64Array {
  const out = new Float64Array(e.nFeatures);
  for (const t of e.trees)
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i]!;
      if (f >= 0) out[f] = out[f]! + t.gain[i]!;
    }
  return out;
}
