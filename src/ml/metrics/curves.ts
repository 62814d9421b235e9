// Score-ranking metrics for binary labels: tie-aware AUC-ROC (Mann–Whitney with midranks),
// average precision, and the ROC and precision–recall curves the report plots.
import { scoresByClass, sweepDescending } from "./ranking-order.js";
import type { ScoresByClass } from "./types.js";

/** AUC-ROC = P(score of a random positive > a random negative) + ½ P(tie). NaN with one class. */
export function aucRoc(
  y: ArrayLike<number>,
  score: ArrayLike<number>,
  ascending = false,
  byClass?: ScoresByClass,
): number {
  const { pos, neg } = scoresByClass(y, score, ascending, byClass);
  const m = pos.length;
  const n = neg.length;
  if (m === 0 || n === 0) return NaN;
  // For each positive (ascending), count negatives below it and tied with it: two pointers.
  let below = 0;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const s = pos[i]!;
    while (below < n && neg[below]! < s) below++;
    let tied = 0;
    while (below + tied < n && neg[below + tied] === s) tied++;
    sum += below + tied / 2;
  }
  return sum / (m * n);
}

export interface Curve {
  /** x and y of each point, and the threshold at which it is reached (predict positive when score >= threshold). */
  x: Float64Array;
  y: Float64Array;
  thresholds: Float64Array;
}

const sweep = sweepDescending;

/** ROC curve from (0,0) to (1,1): x = false positive rate, y = true positive rate. */
export function rocCurve(y: Float64Array, score: ArrayLike<number>): Curve {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  const neg = y.length - pos;
  const xs = [0];
  const ys = [0];
  const ts = [Infinity];
  sweep(y, score, (tp, fp, t) => {
    xs.push(neg ? fp / neg : 0);
    ys.push(pos ? tp / pos : 0);
    ts.push(t);
  });
  return { x: Float64Array.from(xs), y: Float64Array.from(ys), thresholds: Float64Array.from(ts) };
}

/** Precision–recall curve: x = recall, y = precision, starting at recall 0, precision 1. */
export function prCurve(y: Float64Array, score: ArrayLike<number>): Curve {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  const xs = [0];
  const ys = [1];
  const ts = [Infinity];
  sweep(y, score, (tp, fp, t) => {
    xs.push(pos ? tp / pos : 0);
    ys.push(tp / (tp + fp));
    ts.push(t);
  });
  return { x: Float64Array.from(xs), y: Float64Array.from(ys), thresholds: Float64Array.from(ts) };
}

/**
 * Average precision (PR-AUC as scikit-learn's average_precision_score): Σ (Rₙ − Rₙ₋₁) Pₙ over
 * distinct thresholds — a step integral, no interpolation. NaN without positives.
 */
export function averagePrecision(
  y: Float64Array,
  score: ArrayLike<number>,
  ascending = false,
  byClass?: ScoresByClass,
): number {
  let pos = 0;
  if (byClass) pos = byClass.pos.length;
  else for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  if (pos === 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  sweep(
    y,
    score,
    (tp, fp) => {
      const r = tp / pos;
      ap += (r - prevRecall) * (tp / (tp + fp));
      prevRecall = r;
    },
    ascending,
    byClass,
  );
  return ap;
}
