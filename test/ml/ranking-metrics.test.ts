// Ranking metrics against values computed by hand (comments show the arithmetic): the cut-off k,
// ties (the expected value over the orders of tied items, checked against enumerating every order),
// users with fewer than k relevant items or fewer than k items, empty histories, catalogue coverage
// and popularity bias, and their bootstrap intervals. A 1.0 that should not be 1.0 fails here.
import { describe, expect, it } from "vitest";
import { metricFor, metricsForTask, type MetricInput } from "../../src/ml/metrics/index.js";
import { evaluateSplit } from "../../src/ml/stats/index.js";
import { Rng } from "../../src/ml/random.js";

const f64 = (a: number[]): Float64Array => Float64Array.from(a);
function value(name: string, k: number, y: number[], s: number[], extra: Partial<MetricInput> = {}): number {
  return metricFor(name)!.compute({ y: f64(y), pred: f64(s), width: 1, ranking: { k }, ...extra });
}
const groups = (g: number[]): { group: Int32Array } => ({ group: Int32Array.from(g) });
const ALL = ["ndcg", "map", "mrr", "precision_at_k", "recall_at_k", "hit_rate"] as const;

describe("ranking metrics by hand", () => {
  // y = [1,0,1,0,0] in score order, k = 3: the top 3 hold rows 0, 1, 2 (relevant, not, relevant).
  const y = [1, 0, 1, 0, 0];
  const s = [0.9, 0.8, 0.7, 0.6, 0.5];
  it("one user, distinct scores", () => {
    expect(value("precision_at_k", 3, y, s)).toBeCloseTo(2 / 3, 12);
    expect(value("recall_at_k", 3, y, s)).toBeCloseTo(1, 12);
    expect(value("hit_rate", 3, y, s)).toBe(1);
    expect(value("mrr", 3, y, s)).toBe(1);
    // AP@3 = (1/1 + 2/3) / min(3, 2)
    expect(value("map", 3, y, s)).toBeCloseTo(5 / 6, 12);
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3)
    expect(value("ndcg", 3, y, s)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 12);
  });
  it("honours k: the same scores at k = 1 and k = 5", () => {
    expect(value("precision_at_k", 1, y, s)).toBe(1);
    expect(value("precision_at_k", 5, y, s)).toBeCloseTo(2 / 5, 12);
    expect(value("recall_at_k", 1, y, s)).toBeCloseTo(1 / 2, 12);
    // AP@1 = 1 / min(1, 2)
    expect(value("map", 1, y, s)).toBe(1);
    // AP@5 = (1 + 2/3) / 2, as at k = 3: nothing relevant below position 3
    expect(value("map", 5, y, s)).toBeCloseTo(5 / 6, 12);
  });
  it("a user with fewer than k items and fewer than k relevant ones", () => {
    // y = [0, 1], k = 5: one hit at position 2
    expect(value("precision_at_k", 5, [0, 1], [0.9, 0.1])).toBeCloseTo(1 / 5, 12);
    expect(value("recall_at_k", 5, [0, 1], [0.9, 0.1])).toBe(1);
    expect(value("map", 5, [0, 1], [0.9, 0.1])).toBeCloseTo(1 / 2, 12);
    expect(value("mrr", 5, [0, 1], [0.9, 0.1])).toBeCloseTo(1 / 2, 12);
    expect(value("ndcg", 5, [0, 1], [0.9, 0.1])).toBeCloseTo(1 / Math.log2(3), 12);
  });
  it("a relevant item below k scores 0 for mrr and hit rate", () => {
    expect(value("mrr", 2, [0, 0, 1], [3, 2, 1])).toBe(0);
    expect(value("hit_rate", 2, [0, 0, 1], [3, 2, 1])).toBe(0);
    expect(value("map", 2, [0, 0, 1], [3, 2, 1])).toBe(0);
  });
  it("an empty history is left out of the mean, and alone it is undefined", () => {
    // users: A (precision@3 = 2/3), B (y = [0,1]: 1/3), C (no relevant item: left out)
    const yy = [...y, 0, 1, 0, 0, 0];
    const ss = [...s, 0.9, 0.1, 0.3, 0.2, 0.1];
    const g = groups([0, 0, 0, 0, 0, 1, 1, 2, 2, 2]);
    expect(value("precision_at_k", 3, yy, ss, g)).toBeCloseTo((2 / 3 + 1 / 3) / 2, 12);
    expect(value("mrr", 3, yy, ss, g)).toBeCloseTo((1 + 1 / 2) / 2, 12);
    for (const name of ALL) expect(value(name, 3, [0, 0, 0], [3, 2, 1])).toBeNaN();
    for (const name of ALL) expect(value(name, 3, [], [])).toBeNaN();
  });
  it("graded labels: relevant = 4 counts ratings of 4 and 5 only; NDCG keeps the grades", () => {
    const r = [5, 3, 4, 1];
    const sc = [4, 3, 2, 1];
    // default (label > 0): every rating is relevant, so every order is perfect
    expect(value("map", 2, r, sc)).toBe(1);
    expect(value("map", 2, r, sc, { ranking: { k: 2, relevant: 4 } })).toBeCloseTo((1 + 0) / 2, 12);
    expect(value("precision_at_k", 2, r, sc, { ranking: { k: 2, relevant: 4 } })).toBeCloseTo(1 / 2, 12);
    // DCG@2 = 31/1 + 7/log2(3); IDCG@2 = 31 + 15/log2(3)
    expect(value("ndcg", 2, r, sc)).toBeCloseTo((31 + 7 / Math.log2(3)) / (31 + 15 / Math.log2(3)), 12);
  });
});

describe("ties are the expectation over the orders of the tied items", () => {
  it("four tied items, one relevant, k = 2", () => {
    const y = [1, 0, 0, 0];
    const s = [0.5, 0.5, 0.5, 0.5];
    // E[hits in top 2] = 2 · 1/4
    expect(value("precision_at_k", 2, y, s)).toBeCloseTo(0.25, 12);
    expect(value("recall_at_k", 2, y, s)).toBeCloseTo(0.5, 12);
    // P(miss) = 3/4 · 2/3
    expect(value("hit_rate", 2, y, s)).toBeCloseTo(0.5, 12);
    // 1/4 · 1 + 1/4 · 1/2
    expect(value("mrr", 2, y, s)).toBeCloseTo(0.375, 12);
    expect(value("map", 2, y, s)).toBeCloseTo(0.375, 12);
    // mean gain 1/4 over positions 1 and 2
    expect(value("ndcg", 2, y, s)).toBeCloseTo(0.25 * (1 + 1 / Math.log2(3)), 12);
  });
  it("row order does not matter: a constant score is not perfect on rows sorted by relevance", () => {
    for (const name of ALL)
      expect(value(name, 2, [1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1])).toBeCloseTo(
        value(name, 2, [0, 0, 0, 0, 1, 1], [1, 1, 1, 1, 1, 1]),
        12,
      );
    expect(value("precision_at_k", 2, [1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1])).toBeCloseTo(1 / 3, 12);
  });
  it("two relevant of three tied: AP@3 = (1 + 5/6 + 7/12) / 3", () => {
    expect(value("map", 3, [1, 1, 0], [2, 2, 2])).toBeCloseTo(29 / 36, 12);
    expect(value("mrr", 1, [1, 1, 0], [2, 2, 2])).toBeCloseTo(2 / 3, 12);
  });
  it("agrees with averaging over every order of the tied items", () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 2 + rng.int(5);
      const y = Array.from({ length: n }, () => (rng.int(3) === 0 ? 0 : rng.int(3)));
      if (!y.some((v) => v > 0)) y[0] = 1;
      const s = Array.from({ length: n }, () => rng.int(3));
      const k = 1 + rng.int(n + 1);
      for (const name of ALL) {
        const perms = permutations(n);
        let sum = 0;
        for (const p of perms) {
          // a strict order consistent with the scores: ties broken by the permutation
          const strict = s.map((v, i) => v * 100 + (n - p.indexOf(i)));
          sum += value(name, k, y, strict);
        }
        expect(value(name, k, y, s), `${name}@${k} y=${y} s=${s}`).toBeCloseTo(sum / perms.length, 10);
      }
    }
  });
});

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

describe("catalogue coverage and popularity bias", () => {
  // catalogue of 5 items; two users; popularity (relevant training rows) per item
  const popularity = f64([10, 0, 5, 5, 0]);
  const item = Int32Array.from([0, 1, 2, 1, 2, 3]);
  const y = [1, 0, 0, 0, 1, 0];
  const g = groups([0, 0, 0, 1, 1, 1]);
  it("coverage@1: items 0 and 1 are shown to someone, of 5", () => {
    const s = [3, 2, 1, 3, 2, 1];
    expect(value("coverage", 1, y, s, { ...g, item, popularity })).toBeCloseTo(2 / 5, 12);
    // coverage@2: items 0, 1, 2
    expect(value("coverage", 2, y, s, { ...g, item, popularity })).toBeCloseTo(3 / 5, 12);
    // popularity bias@1: (10 + 0) / 2 over the catalogue mean 20 / 5
    expect(value("popularity_bias", 1, y, s, { ...g, item, popularity })).toBeCloseTo(5 / 4, 12);
    // @2: user 0 (10 + 0)/2, user 1 (0 + 5)/2 → 3.75 / 4
    expect(value("popularity_bias", 2, y, s, { ...g, item, popularity })).toBeCloseTo(3.75 / 4, 12);
  });
  it("a tie at the cut shows each tied item with its probability", () => {
    // user 0 ties items 0 and 1 for the one slot; user 1 shows item 1
    const s = [1, 1, 0, 3, 2, 1];
    expect(value("coverage", 1, y, s, { ...g, item, popularity })).toBeCloseTo((0.5 + 1) / 5, 12);
    // user 0: ½·10 + ½·0 = 5, user 1: 0 → 2.5 / 4
    expect(value("popularity_bias", 1, y, s, { ...g, item, popularity })).toBeCloseTo(2.5 / 4, 12);
  });
  it("are absent without item ids and present with them", () => {
    expect(metricsForTask("ranking").map((m) => m.name)).not.toContain("coverage");
    expect(metricsForTask("ranking", { items: true }).map((m) => m.name)).toEqual([
      "ndcg",
      "map",
      "mrr",
      "precision_at_k",
      "recall_at_k",
      "hit_rate",
      "coverage",
      "popularity_bias",
    ]);
  });
});

describe("bootstrap intervals of every ranking metric", () => {
  it("resample users with their items; every interval holds its value, seeded", () => {
    const rng = new Rng(5);
    const users = 40;
    const y: number[] = [];
    const s: number[] = [];
    const g: number[] = [];
    const it: number[] = [];
    for (let u = 0; u < users; u++)
      for (let j = 0; j < 6; j++) {
        y.push(rng.int(4) === 0 ? 1 : 0);
        s.push(rng.int(10));
        g.push(u);
        it.push(rng.int(30));
      }
    const popularity = Float64Array.from({ length: 30 }, (_, i) => 30 - i);
    const input: MetricInput = {
      y: f64(y),
      pred: f64(s),
      width: 1,
      group: Int32Array.from(g),
      item: Int32Array.from(it),
      popularity,
      ranking: { k: 3 },
    };
    const a = evaluateSplit("ranking", input, { seed: 1, resamples: 300 });
    const b = evaluateSplit("ranking", input, { seed: 1, resamples: 300 });
    expect(a).toEqual(b);
    expect(a.metrics.map((m) => m.name)).toContain("popularity_bias");
    for (const m of a.metrics) {
      expect(m.value, m.name).not.toBeNull();
      expect(m.lower!, m.name).toBeLessThanOrEqual(m.value!);
      expect(m.upper!, m.name).toBeGreaterThanOrEqual(m.value!);
      expect(m.upper! - m.lower!, m.name).toBeGreaterThan(0);
    }
  });
  it("coverage's interval holds its value although every resample shows fewer distinct items", () => {
    // 40 users, each shown 3 items of their own, k = 1: the value is 40 of 120 items = 1/3; a
    // resample repeats users (about 63% distinct), so its coverage is near 0.21 and the plain
    // percentile interval was about [0.19, 0.24], below the value it belongs to
    const users = 40;
    const y: number[] = [];
    const s: number[] = [];
    const g: number[] = [];
    const it: number[] = [];
    for (let u = 0; u < users; u++)
      for (let j = 0; j < 3; j++) {
        y.push(j === 0 ? 1 : 0);
        s.push(3 - j);
        g.push(u);
        it.push(3 * u + j);
      }
    const input: MetricInput = {
      y: f64(y),
      pred: f64(s),
      width: 1,
      group: Int32Array.from(g),
      item: Int32Array.from(it),
      popularity: new Float64Array(3 * users).fill(1),
      ranking: { k: 1 },
    };
    const cov = evaluateSplit("ranking", input, { seed: 3, resamples: 400 }).metrics.find(
      (m) => m.name === "coverage",
    )!;
    expect(cov.value).toBeCloseTo(1 / 3, 12);
    expect(cov.lower!).toBeLessThan(cov.value!);
    expect(cov.upper!).toBeGreaterThan(cov.value!);
    // the width is the resamples' spread (a few users either way), not a collapsed or a huge one
    expect(cov.upper! - cov.lower!).toBeGreaterThan(0.01);
    expect(cov.upper! - cov.lower!).toBeLessThan(0.2);
  });
});
