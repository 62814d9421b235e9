// Binary metrics at a decision threshold (P(positive) >= threshold predicts positive, as
// scripts/metrics.py does), F1 at the best threshold, and the mean cost of a decision's outcomes;
// confusion counts in one pass.
import { sweepDescending } from "./ranking-order.js";
import type { ScoresByClass } from "./types.js";

export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function binaryCounts(y: Float64Array, p: Float64Array, threshold = 0.5): BinaryCounts {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const pos = p[i]! >= threshold;
    if (y[i] === 1) {
      if (pos) tp++;
      else fn++;
    } else if (pos) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/** binaryCounts from the scores split by class, each ascending (a bootstrap resample's byClass). */
export function binaryCountsSorted(s: ScoresByClass, threshold = 0.5): BinaryCounts {
  const tp = s.pos.length - firstAtLeast(s.pos, threshold);
  const fp = s.neg.length - firstAtLeast(s.neg, threshold);
  return { tp, fp, tn: s.neg.length - fp, fn: s.pos.length - tp };
}

/** The first index of ascending `a` whose value is >= t (a.length when none is). */
function firstAtLeast(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export const accuracyOf = (c: BinaryCounts): number => (c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn);
/** Precision with no predicted positives is 0 (scikit-learn's zero_division=0). */
export const precisionOf = (c: BinaryCounts): number => (c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp));
/** Recall with no actual positives is NaN: there is nothing to recall. */
export const recallOf = (c: BinaryCounts): number => (c.tp + c.fn === 0 ? NaN : c.tp / (c.tp + c.fn));
export const f1Of = (c: BinaryCounts): number => {
  const d = 2 * c.tp + c.fp + c.fn;
  return d === 0 ? 0 : (2 * c.tp) / d;
};

export const accuracyAt = (y: Float64Array, p: Float64Array, t = 0.5): number =>
  accuracyOf(binaryCounts(y, p, t));
export const precisionAt = (y: Float64Array, p: Float64Array, t = 0.5): number =>
  precisionOf(binaryCounts(y, p, t));
export const recallAt = (y: Float64Array, p: Float64Array, t = 0.5): number =>
  recallOf(binaryCounts(y, p, t));
export const f1At = (y: Float64Array, p: Float64Array, t = 0.5): number => f1Of(binaryCounts(y, p, t));

/**
 * The threshold maximising F1 over every distinct predicted probability (predict positive when
 * p >= threshold), in O(n log n). Ties in F1 keep the highest threshold.
 */
export function bestF1(
  y: Float64Array,
  p: Float64Array,
  ascending = false,
  byClass?: ScoresByClass,
): { f1: number; threshold: number } {
  let pos = 0;
  if (byClass) pos = byClass.pos.length;
  else for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  let best = 0;
  let bestT = Infinity;
  // Thresholds are visited from high to low, so a tie in F1 keeps the higher one.
  sweepDescending(
    y,
    p,
    (tp, fp, t) => {
      const f1 = (2 * tp) / (tp + fp + pos);
      if (f1 > best) {
        best = f1;
        bestT = t;
      }
    },
    ascending,
    byClass,
  );
  return { f1: best, threshold: bestT };
}

/**
 * What each outcome of a binary decision costs, per row (a profit is a negative cost): the cost
 * matrix of a model's `decision { cost = { fp = 1, fn = 20 } }`; outcomes not named cost 0.
 */
export interface OutcomeCosts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** The total cost of these confusion counts. */
export const totalCost = (c: BinaryCounts, costs: OutcomeCosts): number =>
  c.tp * costs.tp + c.fp * costs.fp + c.tn * costs.tn + c.fn * costs.fn;

/** The mean cost per row of deciding positive when p >= threshold; NaN without rows. */
export function meanCostAt(y: Float64Array, p: Float64Array, threshold: number, costs: OutcomeCosts): number {
  return y.length === 0 ? NaN : totalCost(binaryCounts(y, p, threshold), costs) / y.length;
}
