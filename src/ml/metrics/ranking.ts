// Top-k ranking metrics over query groups: NDCG@k, precision@k, recall@k and MAP@k. Items
// are ordered by score descending (ties by row order); relevance y > 0 counts as relevant.
import { orderDescending } from "./ranking-order.js";

export type RankingKind = "ndcg" | "precision" | "recall" | "map";

/** [start, end) row ranges of the contiguous query groups (one range when no groups). */
export function groupRanges(n: number, group?: Int32Array): Array<[number, number]> {
  if (!group) return n ? [[0, n]] : [];
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || group[i] !== group[start]) {
      out.push([start, i]);
      start = i;
    }
  }
  return out;
}

/** One query's value; NaN when the query has no relevant item (it is then left out of the mean). */
export function queryMetric(
  kind: RankingKind,
  k: number,
  y: Float64Array,
  score: Float64Array,
  from: number,
  to: number,
): number {
  const order = orderDescending(score, from, to);
  let relevant = 0;
  for (let i = from; i < to; i++) if (y[i]! > 0) relevant++;
  if (relevant === 0) return NaN;
  const top = Math.min(k, order.length);
  switch (kind) {
    case "ndcg": {
      // Exponential gain 2^rel − 1 and log2(rank + 1) discount, as XGBoost and LightGBM.
      let dcg = 0;
      for (let r = 0; r < top; r++) dcg += (2 ** y[order[r]!]! - 1) / Math.log2(r + 2);
      const ideal = Array.from(y.subarray(from, to)).sort((a, b) => b - a);
      let idcg = 0;
      for (let r = 0; r < top; r++) idcg += (2 ** ideal[r]! - 1) / Math.log2(r + 2);
      return idcg > 0 ? dcg / idcg : NaN;
    }
    case "precision": {
      let hits = 0;
      for (let r = 0; r < top; r++) if (y[order[r]!]! > 0) hits++;
      return hits / k;
    }
    case "recall": {
      let hits = 0;
      for (let r = 0; r < top; r++) if (y[order[r]!]! > 0) hits++;
      return hits / relevant;
    }
    case "map": {
      let hits = 0;
      let sum = 0;
      for (let r = 0; r < top; r++) {
        if (y[order[r]!]! > 0) {
          hits++;
          sum += hits / (r + 1);
        }
      }
      return sum / Math.min(k, relevant);
    }
  }
}

/** Mean over queries with at least one relevant item; NaN when there is none. */
export function rankingMetric(
  kind: RankingKind,
  k: number,
  y: Float64Array,
  score: Float64Array,
  group?: Int32Array,
): number {
  let s = 0;
  let m = 0;
  for (const [a, b] of groupRanges(y.length, group)) {
    const v = queryMetric(kind, k, y, score, a, b);
    if (!Number.isNaN(v)) {
      s += v;
      m++;
    }
  }
  return m ? s / m : NaN;
}
