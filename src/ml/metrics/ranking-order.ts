// Sorting helpers shared by AUC, PR curves and ranking metrics: one stable descending order by
// score, so tie handling is decided in one place.
import type { ScoresByClass } from "./types.js";

/** Row indices sorted by score descending; ties keep row order (stable). */
export function orderDescending(score: ArrayLike<number>, from = 0, to = score.length): Uint32Array {
  const idx = new Uint32Array(to - from);
  for (let i = 0; i < idx.length; i++) idx[i] = from + i;
  idx.sort((a, b) => {
    const d = score[b]! - score[a]!;
    return d !== 0 ? d : a - b;
  });
  return idx;
}

/** 1-based average ranks in ascending order of `values` (ties share their mean rank). */
export function midranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * Scores of positives (y = 1) and of negatives, each sorted ascending with the native numeric
 * sort (no comparator: several times faster than sorting indices, which matters inside
 * bootstraps), or kept in input order when `ascending` says the scores already are sorted;
 * `given` when a bootstrap resample brings them (MetricInput.byClass).
 */
export function scoresByClass(
  y: ArrayLike<number>,
  score: ArrayLike<number>,
  ascending = false,
  given?: ScoresByClass,
): ScoresByClass {
  if (given) return given;
  let np = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) np++;
  const pos = new Float64Array(np);
  const neg = new Float64Array(y.length - np);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) pos[a++] = score[i]!;
    else neg[b++] = score[i]!;
  }
  // Already-ascending scores (bootstrap resamples emitted in score order) need no sort.
  return ascending ? { pos, neg } : { pos: pos.sort(), neg: neg.sort() };
}

/**
 * Walks distinct scores from high to low and calls `at(tp, fp, threshold)` with the cumulative
 * positives and negatives scoring >= threshold: the ROC/PR sweep, ties handled as one step. A NaN
 * score is never >= a threshold (as binaryCounts decides), so its row is never counted.
 */
export function sweepDescending(
  y: ArrayLike<number>,
  score: ArrayLike<number>,
  at: (tp: number, fp: number, threshold: number) => void,
  ascending = false,
  byClass?: ScoresByClass,
): void {
  const { pos, neg } = scoresByClass(y, score, ascending, byClass);
  let i = pos.length - 1;
  let j = neg.length - 1;
  // sorted, NaN scores come last (ascending inputs have none)
  while (i >= 0 && Number.isNaN(pos[i]!)) i--;
  while (j >= 0 && Number.isNaN(neg[j]!)) j--;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const t = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    while (i >= 0 && pos[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      fp++;
      j--;
    }
    at(tp, fp, t);
  }
}
