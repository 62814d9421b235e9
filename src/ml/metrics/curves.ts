// Score-ranking metrics for binary labels: tie-aware AUC-ROC (Mann–Whitney with midranks),
// average precision, and the ROC and precision–recall curves the report plots.
import { midranks, orderDescending } from "./ranking-order.js";

/** AUC-ROC = P(score of a random positive > a random negative) + ½ P(tie). NaN with one class. */
export function aucRoc(y: Float64Array, score: ArrayLike<number>): number {
  const ranks = midranks(score);
  let pos = 0;
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) {
      pos++;
      sum += ranks[i]!;
    }
  }
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (sum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface Curve {
  /** x and y of each point, and the threshold at which it is reached (predict positive when score >= threshold). */
  x: Float64Array;
  y: Float64Array;
  thresholds: Float64Array;
}

/** Walks scores from high to low and calls `at(tp, fp, threshold)` at the end of each block of ties. */
function sweep(y: Float64Array, score: ArrayLike<number>, at: (tp: number, fp: number, t: number) => void): void {
  const order = orderDescending(score);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (y[i] === 1) tp++;
    else fp++;
    if (k + 1 < order.length && score[order[k + 1]!] === score[i]) continue;
    at(tp, fp, score[i]!);
  }
}

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
export function averagePrecision(y: Float64Array, score: ArrayLike<number>): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  if (pos === 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  sweep(y, score, (tp, fp) => {
    const r = tp / pos;
    ap += (r - prevRecall) * (tp / (tp + fp));
    prevRecall = r;
  });
  return ap;
}
