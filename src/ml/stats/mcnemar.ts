// McNemar's test of two classifiers on the same rows: only the discordant pairs matter;
// exact binomial when they are few (< 25), chi-square with continuity correction otherwise.
import { binomialCdf, chiSquareCdf } from "./distributions.js";
import { argmaxRow } from "../metrics/types.js";

export interface McnemarResult {
  /** Rows model A got right and B wrong. */
  aOnly: number;
  /** Rows model B got right and A wrong. */
  bOnly: number;
  method: "exact" | "chi2_cc";
  /** χ² statistic (continuity-corrected) or, for the exact test, min(aOnly, bOnly). */
  statistic: number;
  pValue: number;
}

/** Below this many discordant pairs the exact binomial test is used (a common rule of thumb). */
export const MCNEMAR_EXACT_BELOW = 25;

export function mcnemarTest(
  correctA: ArrayLike<number | boolean>,
  correctB: ArrayLike<number | boolean>,
): McnemarResult {
  if (correctA.length !== correctB.length)
    throw new Error(`McNemar: ${correctA.length} vs ${correctB.length} rows`);
  let b = 0;
  let c = 0;
  for (let i = 0; i < correctA.length; i++) {
    const a = Boolean(correctA[i]);
    const bb = Boolean(correctB[i]);
    if (a && !bb) b++;
    else if (!a && bb) c++;
  }
  const nd = b + c;
  if (nd < MCNEMAR_EXACT_BELOW) {
    const k = Math.min(b, c);
    return {
      aOnly: b,
      bOnly: c,
      method: "exact",
      statistic: k,
      pValue: nd === 0 ? 1 : Math.min(1, 2 * binomialCdf(k, nd, 0.5)),
    };
  }
  const stat = (Math.abs(b - c) - 1) ** 2 / nd;
  return { aOnly: b, bOnly: c, method: "chi2_cc", statistic: stat, pValue: 1 - chiSquareCdf(stat, 1) };
}

/** 1/0 per row: whether the prediction (binary at `threshold`, multiclass argmax) equals the label. */
export function correctness(y: Float64Array, pred: Float64Array, width = 1, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const p = width === 1 ? (pred[i]! >= threshold ? 1 : 0) : argmaxRow(pred, width, i);
    out[i] = p === y[i] ? 1 : 0;
  }
  return out;
}
