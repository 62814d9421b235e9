// DeLong's test for two correlated AUCs on the same rows, in the fast O(n log n) form of
// Sun & Xu (2014): placement values from midranks instead of the O(n²) pairwise kernel.
import { midranks } from "../metrics/ranking-order.js";
import { normalQuantile, twoSidedNormalP } from "./distributions.js";

interface AucStructure {
  auc: number;
  /** Placement values of positives (V10, length m) and of negatives (V01, length n). */
  v10: Float64Array;
  v01: Float64Array;
}

/** AUC and DeLong's structural components of one score vector against binary labels. */
export function delongComponents(y: Float64Array, score: ArrayLike<number>): AucStructure {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg).push(score[i]!);
  const m = pos.length;
  const n = neg.length;
  if (m === 0 || n === 0) throw new Error("DeLong: both classes must be present");
  const all = new Float64Array(m + n);
  all.set(pos, 0);
  all.set(neg, m);
  const tz = midranks(all);
  const tx = midranks(pos);
  const ty = midranks(neg);
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    v10[i] = (tz[i]! - tx[i]!) / n;
    sum += tz[i]!;
  }
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j]! - ty[j]!) / m;
  return { auc: (sum - (m * (m + 1)) / 2) / (m * n), v10, v01 };
}

function cov(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  if (k < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < k; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= k;
  mb /= k;
  let s = 0;
  for (let i = 0; i < k; i++) s += (a[i]! - ma) * (b[i]! - mb);
  return s / (k - 1);
}

/** DeLong variance of one AUC: var(V10)/m + var(V01)/n. */
export function delongVariance(c: AucStructure): number {
  return cov(c.v10, c.v10) / c.v10.length + cov(c.v01, c.v01) / c.v01.length;
}

export interface DelongResult {
  aucA: number;
  aucB: number;
  /** aucA − aucB */
  difference: number;
  variance: number;
  z: number;
  /** Two-sided p-value of H0: equal AUCs. */
  pValue: number;
  /** Normal interval of the difference at `level`. */
  lower: number;
  upper: number;
  level: number;
}

/** DeLong's test comparing two models' AUCs on the same labelled rows. */
export function delongTest(
  y: Float64Array,
  scoreA: ArrayLike<number>,
  scoreB: ArrayLike<number>,
  level = 0.95,
): DelongResult {
  const a = delongComponents(y, scoreA);
  const b = delongComponents(y, scoreB);
  const m = a.v10.length;
  const n = a.v01.length;
  const variance =
    delongVariance(a) + delongVariance(b) - 2 * (cov(a.v10, b.v10) / m + cov(a.v01, b.v01) / n);
  const difference = a.auc - b.auc;
  const se = Math.sqrt(Math.max(variance, 0));
  // Identical score rankings give zero variance: no evidence of a difference.
  const z = se > 0 ? difference / se : 0;
  const q = normalQuantile(1 - (1 - level) / 2);
  return {
    aucA: a.auc,
    aucB: b.auc,
    difference,
    variance,
    z,
    pValue: se > 0 ? twoSidedNormalP(z) : 1,
    lower: difference - q * se,
    upper: difference + q * se,
    level,
  };
}

/** DeLong normal interval for one AUC, clipped to [0, 1]. */
export function delongAucInterval(
  y: Float64Array,
  score: ArrayLike<number>,
  level = 0.95,
): { estimate: number; lower: number; upper: number; level: number } {
  const c = delongComponents(y, score);
  const se = Math.sqrt(delongVariance(c));
  const q = normalQuantile(1 - (1 - level) / 2);
  return { estimate: c.auc, lower: Math.max(0, c.auc - q * se), upper: Math.min(1, c.auc + q * se), level };
}
