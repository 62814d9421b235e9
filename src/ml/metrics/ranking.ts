// Top-k ranking metrics over query groups (a query is a user in a recommender): NDCG@k, MAP@k,
// MRR@k, precision@k, recall@k, hit rate@k, catalogue coverage@k and popularity bias@k. Items are
// ordered by score descending; tied scores are an unordered block, and every metric is its
// expected value over the orders of the tied items, so row order never changes a value (a
// constant score cannot look perfect because the rows happen to be sorted by relevance).
// Relevance: y > 0, or y >= `relevant` when given (graded labels such as 1–5 star ratings).
// NDCG's gain is graded (2^y − 1). A query without a relevant item is undefined (NaN) and left out
// of the mean: a user with an empty held-out history says nothing about the ranking.
import { orderDescending } from "./ranking-order.js";

export type RankingKind = "ndcg" | "map" | "mrr" | "precision" | "recall" | "hit_rate";

/** What ranking metrics read beside y and the scores. */
export interface RankingOptions {
  /** The cut-off. */
  k: number;
  /** Relevance threshold: relevant when y >= relevant (default: y > 0). */
  relevant?: number;
}

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

/** One block of tied scores in a query's descending order: positions [start, end) and its rows. */
interface TieBlock {
  start: number;
  end: number;
  rows: Uint32Array;
  /** Relevant rows in the block. */
  relevant: number;
  /** Sum of the block's NDCG gains. */
  gain: number;
}

const isRelevant = (y: number, relevant: number | undefined): boolean =>
  relevant === undefined ? y > 0 : y >= relevant;

/** The query's rows in descending score order, cut into blocks of equal scores. */
function tieBlocks(
  y: ArrayLike<number>,
  score: ArrayLike<number>,
  from: number,
  to: number,
  relevant: number | undefined,
): TieBlock[] {
  const order = orderDescending(score, from, to);
  const blocks: TieBlock[] = [];
  let a = 0;
  while (a < order.length) {
    let b = a + 1;
    const s = score[order[a]!]!;
    while (b < order.length && sameScore(score[order[b]!]!, s)) b++;
    const rows = order.subarray(a, b);
    let rel = 0;
    let gain = 0;
    for (const r of rows) {
      if (isRelevant(y[r]!, relevant)) rel++;
      gain += 2 ** y[r]! - 1;
    }
    blocks.push({ start: a, end: b, rows, relevant: rel, gain });
    a = b;
  }
  return blocks;
}

/** NaN scores tie with each other (they sort last in orderDescending's comparator only by row). */
const sameScore = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** log2(position + 2): the discount of 0-based position p. */
const discount = (p: number): number => Math.log2(p + 2);

/** Positions of a block that fall inside the top k. */
const inTop = (b: TieBlock, k: number): number => Math.max(0, Math.min(b.end, k) - b.start);

/** C(n, m) / C(t, m) for the probability that m draws from t miss r items: ∏ (t − r − i)/(t − i). */
function missProbability(t: number, r: number, m: number): number {
  let p = 1;
  for (let i = 0; i < m; i++) p *= (t - r - i) / (t - i);
  return Math.max(0, p);
}

/** One query's value; NaN when the query has no relevant item (it is then left out of the mean). */
export function queryMetric(
  kind: RankingKind,
  opts: RankingOptions,
  y: ArrayLike<number>,
  score: ArrayLike<number>,
  from: number,
  to: number,
): number {
  const { k, relevant } = opts;
  const blocks = tieBlocks(y, score, from, to, relevant);
  const total = blocks.reduce((s, b) => s + b.relevant, 0);
  if (total === 0) return NaN;
  switch (kind) {
    case "ndcg": {
      // Exponential gain 2^rel − 1 and log2(rank + 1) discount, as XGBoost and LightGBM; a tied
      // block spreads its mean gain over its positions (the expectation over its orders).
      let dcg = 0;
      for (const b of blocks) {
        let disc = 0;
        for (let p = b.start; p < Math.min(b.end, k); p++) disc += 1 / discount(p);
        dcg += (b.gain / b.rows.length) * disc;
      }
      const ideal = Array.from({ length: to - from }, (_, i) => y[from + i]!).sort((a, b) => b - a);
      let idcg = 0;
      for (let p = 0; p < Math.min(k, ideal.length); p++) idcg += (2 ** ideal[p]! - 1) / discount(p);
      return idcg > 0 ? dcg / idcg : NaN;
    }
    case "precision":
    case "recall": {
      let hits = 0;
      for (const b of blocks) hits += (b.relevant / b.rows.length) * inTop(b, k);
      // precision@k divides by k even when the query has fewer than k items (the standard form)
      return kind === "precision" ? hits / k : hits / total;
    }
    case "hit_rate": {
      // P(at least one relevant item in the top k)
      let miss = 1;
      for (const b of blocks) {
        const m = inTop(b, k);
        if (m === 0) break;
        miss *= missProbability(b.rows.length, b.relevant, m);
      }
      return 1 - miss;
    }
    case "mrr": {
      // E[1 / rank of the first relevant item], 0 when it falls below k
      for (const b of blocks) {
        if (b.start >= k) return 0;
        if (b.relevant === 0) continue;
        const t = b.rows.length;
        let v = 0;
        // P(first relevant at offset j) = (r / (t − j)) · ∏_{i<j} (t − r − i)/(t − i)
        let none = 1;
        for (let j = 0; j < t && b.start + j < k; j++) {
          v += ((none * b.relevant) / (t - j)) * (1 / (b.start + j + 1));
          none *= (t - b.relevant - j) / (t - j);
        }
        return v;
      }
      return 0;
    }
    case "map": {
      // AP@k = Σ_{p<k} rel_p · hits(0..p) / (p + 1) / min(k, R); within a tied block of t items with
      // r relevant, E[rel_p · hits(0..p)] = r/t · (1 + hits before the block + (r − 1)·j/(t − 1)).
      let sum = 0;
      let before = 0;
      for (const b of blocks) {
        const t = b.rows.length;
        for (let p = b.start; p < Math.min(b.end, k); p++) {
          const j = p - b.start;
          const within = t > 1 ? ((b.relevant - 1) * j) / (t - 1) : 0;
          sum += ((b.relevant / t) * (1 + before + within)) / (p + 1);
        }
        before += b.relevant;
        if (b.end >= k) break;
      }
      return sum / Math.min(k, total);
    }
  }
}

/** Mean over queries with at least one relevant item; NaN when there is none. */
export function rankingMetric(
  kind: RankingKind,
  opts: RankingOptions,
  y: ArrayLike<number>,
  score: ArrayLike<number>,
  group?: Int32Array,
): number {
  let s = 0;
  let m = 0;
  for (const [a, b] of groupRanges(y.length, group)) {
    const v = queryMetric(kind, opts, y, score, a, b);
    if (!Number.isNaN(v)) {
      s += v;
      m++;
    }
  }
  return m ? s / m : NaN;
}

/** The items behind the rows, for the catalogue measures. */
export interface CatalogueInput {
  /** Item id per row, 0 … catalogue size − 1. */
  item: Int32Array;
  /** Training interactions per item id; its length is the catalogue size. */
  popularity: Float64Array;
}

/** For each row of a query, the probability that it is in the top k (1, 0, or m/t in the cut block). */
function topProbabilities(
  score: ArrayLike<number>,
  from: number,
  to: number,
  k: number,
  each: (row: number, p: number) => void,
): void {
  const blocks = tieBlocks(score, score, from, to, undefined);
  for (const b of blocks) {
    const m = inTop(b, k);
    if (m === 0) break;
    for (const r of b.rows) each(r, m / b.rows.length);
  }
}

/**
 * Catalogue coverage@k: the expected share of the catalogue's items that appear in at least one
 * query's top k (every query counts, relevant items or not: what users would be shown).
 */
export function catalogueCoverage(
  k: number,
  score: ArrayLike<number>,
  group: Int32Array | undefined,
  cat: CatalogueInput,
): number {
  const size = cat.popularity.length;
  if (size === 0 || score.length === 0) return NaN;
  // log P(item never shown) accumulated over queries (their tie orders are independent)
  const logMiss = new Float64Array(size);
  const shown = new Uint8Array(size);
  for (const [a, b] of groupRanges(score.length, group)) {
    topProbabilities(score, a, b, k, (r, p) => {
      const item = cat.item[r]!;
      if (p >= 1) shown[item] = 1;
      else logMiss[item]! += Math.log1p(-p);
    });
  }
  let covered = 0;
  for (let i = 0; i < size; i++) covered += shown[i] ? 1 : 1 - Math.exp(logMiss[i]!);
  return covered / size;
}

/**
 * Popularity bias@k: the mean training popularity of the items in the top k (averaged per query,
 * then over queries) divided by the mean popularity of the catalogue's items. 1 = as popular as
 * the catalogue on average; above 1 = leans to popular items. NaN when nothing was popular.
 */
export function popularityBias(
  k: number,
  score: ArrayLike<number>,
  group: Int32Array | undefined,
  cat: CatalogueInput,
): number {
  const size = cat.popularity.length;
  let catalogueMean = 0;
  for (let i = 0; i < size; i++) catalogueMean += cat.popularity[i]!;
  catalogueMean /= size;
  if (!(catalogueMean > 0)) return NaN;
  let s = 0;
  let m = 0;
  for (const [a, b] of groupRanges(score.length, group)) {
    let pop = 0;
    topProbabilities(score, a, b, k, (r, p) => (pop += p * cat.popularity[cat.item[r]!]!));
    s += pop / Math.min(k, b - a);
    m++;
  }
  return m ? s / m / catalogueMean : NaN;
}
