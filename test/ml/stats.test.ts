import { describe, expect, it } from "vitest";
import { metricFor, metricsForTask } from "../../src/ml/metrics/index.js";
import { Resampler } from "../../src/ml/stats/resample.js";
import {
  binomialCdf,
  bootstrapCI,
  chiSquareCdf,
  correctness,
  delongComponents,
  delongTest,
  delongVariance,
  mcnemarTest,
  normalCdf,
  normalQuantile,
  pairedBootstrap,
  Rng,
} from "../../src/ml/stats/index.js";

const auc = metricFor("auc")!;

/** A noisy binary problem: score = signal·y + noise, with a second model that is noisier. */
function problem(
  n: number,
  seed: number,
  noiseB = 1.6,
): { y: Float64Array; a: Float64Array; b: Float64Array } {
  const rng = new Rng(seed);
  const y = new Float64Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.next() < 0.4 ? 1 : 0;
    const shared = rng.normal();
    a[i] = y[i]! + 0.8 * shared + 0.3 * rng.normal();
    b[i] = y[i]! + 0.8 * shared + noiseB * rng.normal();
  }
  return { y, a, b };
}

describe("distribution functions (values from scipy.stats)", () => {
  it("normal CDF and quantile", () => {
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 14);
    expect(normalCdf(0.5)).toBeCloseTo(0.6914624612740131, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
  });
  it("chi-square and binomial CDFs", () => {
    expect(chiSquareCdf(10, 4)).toBeCloseTo(0.9595723180054873, 12);
    expect(chiSquareCdf(0.5, 3)).toBeCloseTo(0.08110858834532418, 12);
    expect(chiSquareCdf(50, 30)).toBeCloseTo(0.9875979392810995, 12);
    expect(binomialCdf(3, 10, 0.5)).toBeCloseTo(0.171875, 12);
  });
});

describe("bootstrap intervals", () => {
  it("are seeded: the same seed gives the same interval, another seed a different one", () => {
    const { y, a } = problem(300, 1);
    const input = { y, pred: a, width: 1 };
    const r1 = bootstrapCI(auc, input, { seed: 7, resamples: 300 });
    const r2 = bootstrapCI(auc, input, { seed: 7, resamples: 300 });
    const r3 = bootstrapCI(auc, input, { seed: 8, resamples: 300 });
    expect(r1).toEqual(r2);
    expect(r3.lower).not.toBe(r1.lower);
    expect(r1.lower).toBeLessThan(r1.estimate);
    expect(r1.upper).toBeGreaterThan(r1.estimate);
  });

  it("the AUC interval width agrees with DeLong's normal interval", () => {
    const { y, a } = problem(800, 2);
    const boot = bootstrapCI(auc, { y, pred: a, width: 1 }, { seed: 1, resamples: 1000 });
    const se = Math.sqrt(delongVariance(delongComponents(y, a)));
    const width = boot.upper - boot.lower;
    expect(width / (2 * 1.96 * se)).toBeGreaterThan(0.85);
    expect(width / (2 * 1.96 * se)).toBeLessThan(1.15);
  });

  it("covers the true mean about 95% of the time (RMSE of a known error distribution)", () => {
    // MAE of N(0,1) errors is sqrt(2/π); check coverage over 60 independent samples.
    const mae = metricFor("mae")!;
    let covered = 0;
    for (let s = 0; s < 60; s++) {
      const rng = new Rng(100 + s);
      const n = 200;
      const y = new Float64Array(n);
      const p = Float64Array.from({ length: n }, () => rng.normal());
      const ci = bootstrapCI(mae, { y, pred: p, width: 1 }, { seed: s, resamples: 300 });
      if (ci.lower <= Math.sqrt(2 / Math.PI) && Math.sqrt(2 / Math.PI) <= ci.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(50);
  });

  it("the sorted fast path of rank metrics gives exactly what a full sort gives", () => {
    const { y, a } = problem(500, 31);
    const tied = Float64Array.from(a, (v) => Math.round(v * 4) / 4);
    for (const name of ["auc", "pr_auc", "f1_best", "logloss"]) {
      const m = metricFor(name)!;
      const p = name === "logloss" ? Float64Array.from(tied, (v) => 1 / (1 + Math.exp(-v))) : tied;
      // The same metric without the `ascending` hint: every resample sorts from scratch.
      const slow = {
        ...m,
        compute: (inp: Parameters<typeof m.compute>[0]) =>
          m.compute({ y: inp.y, pred: inp.pred, width: inp.width }),
      };
      const fast = bootstrapCI(m, { y, pred: p, width: 1 }, { seed: 4, resamples: 100 });
      const ref = bootstrapCI(slow, { y, pred: p, width: 1 }, { seed: 4, resamples: 100 });
      expect(fast.lower).toBeCloseTo(ref.lower, 12);
      expect(fast.upper).toBeCloseTo(ref.upper, 12);
    }
  });

  it("resamples whole query groups for ranking metrics", () => {
    const ndcg = metricFor("ndcg")!;
    const y = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]);
    const s = Float64Array.from([3, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2, 1]);
    const group = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const ci = bootstrapCI(
      ndcg,
      { y, pred: s, width: 1, group, ranking: { k: 3 } },
      { seed: 3, resamples: 200 },
    );
    // A resample's value is the mean of 4 per-query NDCGs: every bound is such a mean.
    const perQuery = [1, 1 / Math.log2(3), 0.5, 1];
    expect(ci.estimate).toBeCloseTo(perQuery.reduce((x, v) => x + v, 0) / 4, 12);
    expect(ci.lower).toBeGreaterThanOrEqual(0.5 - 1e-12);
    expect(ci.upper).toBeLessThanOrEqual(1 + 1e-12);
  });
});

describe("group bootstrap with unequal query sizes", () => {
  it("grows its buffers when a resample draws the large query several times", () => {
    const recall = metricFor("recall_at_k")!;
    // Query 0 has 30 rows (recall 1/3 at k=2: 2 of 6 relevant); queries 1..3 have 1 row each (recall 1).
    const y = Float64Array.from([...Array.from({ length: 30 }, (_, i) => (i % 5 === 0 ? 1 : 0)), 1, 1, 1]);
    const s = Float64Array.from([
      ...Array.from({ length: 30 }, (_, i) => (i === 0 || i === 1 ? 10 : 1 - i / 100)),
      1,
      1,
      1,
    ]);
    const group = Int32Array.from([...Array(30).fill(0), 1, 2, 3]);
    const ci = bootstrapCI(
      recall,
      { y, pred: s, width: 1, group, ranking: { k: 2 } },
      { seed: 5, resamples: 300 },
    );
    expect(ci.estimate).toBeCloseTo((1 / 6 + 3) / 4, 12);
    expect(ci.resamples).toBe(300);
    // Every resample mean lies between all-large-query (1/6) and no-large-query (1).
    expect(ci.lower).toBeGreaterThanOrEqual(1 / 6 - 1e-12);
    expect(ci.upper).toBeLessThanOrEqual(1 + 1e-12);
    expect(ci.lower).toBeLessThan(ci.estimate);
  });
});

describe("paired bootstrap", () => {
  it("finds a clear difference significant and no difference insignificant", () => {
    const { y, a, b } = problem(600, 3);
    const base = { y, width: 1 };
    const diff = pairedBootstrap(auc, base, a, b, { seed: 1, resamples: 500 });
    expect(diff.difference).toBeGreaterThan(0);
    expect(diff.lower).toBeGreaterThan(0);
    expect(diff.pValue).toBeLessThan(0.01);
    const same = pairedBootstrap(auc, base, a, a, { seed: 1, resamples: 200 });
    expect(same.difference).toBe(0);
    expect(same.pValue).toBe(1);
  });
});

describe("DeLong's test", () => {
  /** Brute-force placement values from the pairwise kernel ψ(x, y) = 1, ½, 0. */
  function bruteForce(y: Float64Array, s: Float64Array): { v10: number[]; v01: number[] } {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg).push(s[i]!);
    const psi = (x: number, z: number): number => (x > z ? 1 : x === z ? 0.5 : 0);
    return {
      v10: pos.map((x) => neg.reduce((acc, z) => acc + psi(x, z), 0) / neg.length),
      v01: neg.map((z) => pos.reduce((acc, x) => acc + psi(x, z), 0) / pos.length),
    };
  }

  it("the fast placement values equal the O(n²) kernel definition, with ties", () => {
    const rng = new Rng(5);
    const y = Float64Array.from({ length: 60 }, () => (rng.next() < 0.5 ? 1 : 0));
    const s = Float64Array.from({ length: 60 }, (_, i) => Math.round((y[i]! + rng.normal()) * 2) / 2);
    const fast = delongComponents(y, s);
    const slow = bruteForce(y, s);
    expect(Array.from(fast.v10)).toEqual(slow.v10.map((v) => expect.closeTo(v, 12)));
    expect(Array.from(fast.v01)).toEqual(slow.v01.map((v) => expect.closeTo(v, 12)));
    expect(fast.auc).toBeCloseTo(auc.compute({ y, pred: s, width: 1 }), 12);
  });

  it("the variance of the difference matches the covariance formula computed by brute force", () => {
    const { y, a, b } = problem(40, 9);
    const A = bruteForce(y, a);
    const B = bruteForce(y, b);
    const cov = (u: number[], v: number[]): number => {
      const mu = u.reduce((x, t) => x + t, 0) / u.length;
      const mv = v.reduce((x, t) => x + t, 0) / v.length;
      return u.reduce((x, t, i) => x + (t - mu) * (v[i]! - mv), 0) / (u.length - 1);
    };
    const m = A.v10.length;
    const n = A.v01.length;
    const s = (u10: number[], w10: number[], u01: number[], w01: number[]): number =>
      cov(u10, w10) / m + cov(u01, w01) / n;
    const expected =
      s(A.v10, A.v10, A.v01, A.v01) + s(B.v10, B.v10, B.v01, B.v01) - 2 * s(A.v10, B.v10, A.v01, B.v01);
    const r = delongTest(y, a, b);
    expect(r.variance).toBeCloseTo(expected, 12);
    expect(r.z).toBeCloseTo(r.difference / Math.sqrt(expected), 10);
  });

  it("rejects equal AUCs for a clearly better model and not for a model against itself", () => {
    const { y, a, b } = problem(600, 3);
    const r = delongTest(y, a, b);
    expect(r.difference).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(0.01);
    expect(r.lower).toBeGreaterThan(0);
    expect(delongTest(y, a, a).pValue).toBe(1);
  });

  it("holds its size under the null: about 5% rejections at 0.05", () => {
    let rejections = 0;
    for (let s = 0; s < 200; s++) {
      const { y, a, b } = problem(150, 1000 + s, 0.3);
      if (delongTest(y, a, b).pValue < 0.05) rejections++;
    }
    expect(rejections).toBeGreaterThan(2);
    expect(rejections).toBeLessThan(22);
  });
});

describe("McNemar's test", () => {
  it("uses the exact binomial test for few discordant pairs (6 vs 16: p = 0.0525)", () => {
    // Classic 2×2 table: a = 59, b = 6, c = 16, d = 80 (values from scipy.stats.binomtest(6, 22)).
    const A: number[] = [];
    const B: number[] = [];
    const add = (k: number, x: number, z: number): void => {
      for (let i = 0; i < k; i++) {
        A.push(x);
        B.push(z);
      }
    };
    add(59, 1, 1);
    add(6, 1, 0);
    add(16, 0, 1);
    add(80, 0, 0);
    const r = mcnemarTest(A, B);
    expect(r).toMatchObject({ aOnly: 6, bOnly: 16, method: "exact" });
    expect(r.pValue).toBeCloseTo(0.052478790283203125, 12);
  });

  it("uses chi-square with continuity correction for many (40 vs 20: p = 0.01417)", () => {
    const A = [...Array(40).fill(1), ...Array(20).fill(0), ...Array(50).fill(1)];
    const B = [...Array(40).fill(0), ...Array(20).fill(1), ...Array(50).fill(1)];
    const r = mcnemarTest(A, B);
    expect(r.method).toBe("chi2_cc");
    expect(r.statistic).toBeCloseTo(361 / 60, 12);
    expect(r.pValue).toBeCloseTo(0.014171388254012318, 10);
  });

  it("derives correctness from binary and multiclass predictions", () => {
    expect(Array.from(correctness(Float64Array.from([1, 0, 1]), Float64Array.from([0.7, 0.6, 0.2])))).toEqual(
      [1, 0, 0],
    );
    expect(
      Array.from(
        correctness(Float64Array.from([2, 0]), Float64Array.from([0.1, 0.2, 0.7, 0.3, 0.6, 0.1]), 3),
      ),
    ).toEqual([1, 0]);
  });
});

describe("split evaluation and champion comparison", () => {
  it("evaluates every metric of the task with an interval around its value", async () => {
    const { evaluateSplit } = await import("../../src/ml/stats/index.js");
    const { y, a } = problem(400, 21);
    const p = Float64Array.from(a, (v) => 1 / (1 + Math.exp(-2 * (v - 0.5))));
    const ev = evaluateSplit("binary", { y, pred: p, width: 1 }, { resamples: 200, seed: 1 });
    expect(ev.rows).toBe(400);
    expect(ev.metrics.map((m) => m.name)).toContain("auc");
    for (const m of ev.metrics) {
      expect(m.value).not.toBeNull();
      expect(m.lower!).toBeLessThanOrEqual(m.value! + 1e-12);
      expect(m.upper!).toBeGreaterThanOrEqual(m.value! - 1e-12);
    }
    expect(evaluateSplit("binary", { y, pred: p, width: 1 }, { resamples: 200, seed: 1 })).toEqual(ev);
  });

  it("draws the resamples once for all metrics: a metric's interval does not depend on the others asked for", async () => {
    const { evaluateSplit, bootstrapCI } = await import("../../src/ml/stats/index.js");
    const { metricFor } = await import("../../src/ml/metrics/index.js");
    const { y, a } = problem(300, 23);
    const p = Float64Array.from(a, (v) => 1 / (1 + Math.exp(-2 * (v - 0.5))));
    const auc = metricFor("auc")!,
      logloss = metricFor("logloss")!;
    const both = evaluateSplit(
      "binary",
      { y, pred: p, width: 1 },
      { resamples: 150, seed: 4, metrics: [logloss, auc] },
    );
    const alone = evaluateSplit(
      "binary",
      { y, pred: p, width: 1 },
      { resamples: 150, seed: 4, metrics: [auc] },
    );
    expect(both.metrics[1]).toEqual(alone.metrics[0]);
    // Not a fixed interval: another seed draws other resamples.
    const other = evaluateSplit(
      "binary",
      { y, pred: p, width: 1 },
      { resamples: 150, seed: 5, metrics: [auc] },
    );
    expect(other.metrics[0]!.lower).not.toBe(alone.metrics[0]!.lower);
    // The single-metric bootstrap is the same computation.
    const { mixSeed } = await import("../../src/ml/random.js");
    const ci = bootstrapCI(auc, { y, pred: p, width: 1 }, { resamples: 150, seed: mixSeed(4, 0) });
    expect([ci.lower, ci.upper]).toEqual([alone.metrics[0]!.lower, alone.metrics[0]!.upper]);
  });

  it("compares a better challenger with the champion by bootstrap, DeLong and McNemar", async () => {
    const { compareModels } = await import("../../src/ml/stats/index.js");
    const { y, a, b } = problem(800, 22);
    const sig = (v: Float64Array) => Float64Array.from(v, (x) => 1 / (1 + Math.exp(-3 * (x - 0.5))));
    const rows = compareModels("binary", { y, width: 1 }, sig(a), sig(b), { resamples: 300, seed: 2 });
    const auc = rows.filter((r) => r.metric === "auc");
    expect(auc.map((r) => r.test)).toEqual(["paired_bootstrap", "delong"]);
    for (const r of auc) expect(r.significantlyBetter).toBe(true);
    const mc = rows.find((r) => r.test === "mcnemar")!;
    expect(mc.difference!).toBeGreaterThan(0);
    expect(mc.difference!).toBeCloseTo(mc.challenger! - mc.champion!, 12);
    const logloss = rows.find((r) => r.metric === "logloss")!;
    expect(logloss.difference!).toBeLessThan(0);
    expect(logloss.significantlyBetter).toBe(true);
    // The reverse comparison is significantly worse.
    const rev = compareModels("binary", { y, width: 1 }, sig(b), sig(a), { resamples: 300, seed: 2 });
    expect(rev.find((r) => r.test === "delong")!.significantlyWorse).toBe(true);
  });
});

describe("bootstrap resamples' scores by class", () => {
  it("give every binary metric the value it has on the same rows without them", () => {
    const rng = new Rng(11);
    const n = 300;
    const y = Float64Array.from({ length: n }, () => (rng.next() < 0.25 ? 1 : 0));
    // scores with ties (two decimals) and values at the thresholds
    const pred = Float64Array.from(y, (v) => Math.round(Math.min(1, v * 0.3 + rng.next() * 0.8) * 100) / 100);
    const costs = { fp: 1, fn: 7, tp: -0.5, tn: 0.25 };
    const metrics = metricsForTask("binary", { costs: true }).concat([metricFor("f1_best")!]);
    for (const threshold of [0.3, 0.5, 1]) {
      const rs = new Resampler(
        { y, width: 1, decision: { threshold, costs } },
        [pred],
        new Rng(threshold * 10),
      );
      for (let b = 0; b < 20; b++) {
        const sample = rs.draw()[0]!;
        expect(sample.byClass).toBeDefined();
        const plain = { ...sample, y: sample.y.slice(), pred: sample.pred.slice() };
        delete plain.byClass;
        delete plain.ascending;
        for (const m of metrics) expect(Object.is(m.compute(sample), m.compute(plain)), m.name).toBe(true);
      }
    }
  });
});
