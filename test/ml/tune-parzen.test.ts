// TPE's Parzen estimators (bandwidth rules, normalisation, sampling) and the direction handling
// of the sampler built on them.
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/ml/random.js";
import { JointParzen, NumericParzen } from "../../src/ml/tune/parzen.js";
import { Study, TpeSampler, type Direction, type SearchSpace } from "../../src/ml/tune/index.js";

/** ∫ exp(logPdf) over a 2-D box by the midpoint rule on a g×g grid, split into the 4 quadrants. */
function quadrantMass(pdf: (x: number[]) => number, lo: number[], hi: number[], g = 200): number[] {
  const out = [0, 0, 0, 0];
  const cell = ((hi[0]! - lo[0]!) * (hi[1]! - lo[1]!)) / (g * g);
  const mid = lo.map((l, k) => (l + hi[k]!) / 2);
  for (let i = 0; i < g; i++)
    for (let j = 0; j < g; j++) {
      const x = [lo[0]! + ((i + 0.5) / g) * (hi[0]! - lo[0]!), lo[1]! + ((j + 0.5) / g) * (hi[1]! - lo[1]!)];
      out[(x[0]! < mid[0]! ? 0 : 1) + (x[1]! < mid[1]! ? 0 : 2)]! += Math.exp(pdf(x)) * cell;
    }
  return out;
}

describe("joint Parzen estimator (multivariate TPE)", () => {
  const lo = [0, -2, 1, 5];
  const hi = [1, 3, 2, 13];
  const range = lo.map((l, k) => hi[k]! - l);

  it("gives every kernel Scott's bandwidth 0.2 · n^(−1/(d+4)) of each range, and the prior the range", () => {
    // Unclipped even where Optuna's magic clip would floor it at range / (n + 2) (n ≤ 3 in 4-D):
    // see JointParzen's comment for the measurement behind that choice.
    for (const n of [1, 3, 40]) {
      const pts = Array.from({ length: n }, (_, i) => lo.map((l, k) => l + ((i + 0.5) / n) * range[k]!));
      const jp = new JointParzen(pts, lo, hi, 1);
      expect(jp.sigmas).toHaveLength(n + 1);
      expect(jp.mus[n]).toEqual(lo.map((l, k) => (l + hi[k]!) / 2));
      for (let k = 0; k < 4; k++) {
        for (let c = 0; c < n; c++) expect(jp.sigmas[c]![k]).toBeCloseTo(0.2 * n ** (-1 / 8) * range[k]!, 12);
        expect(jp.sigmas[n]![k]).toBeCloseTo(range[k]!, 12);
      }
    }
  });

  it("is a density on the box, and its samples follow it", () => {
    const lo2 = [0, -2];
    const hi2 = [1, 3];
    const jp = new JointParzen(
      [
        [0.05, 2.9],
        [0.5, 0.1],
        [0.95, -1.9],
        [0.3, 0.3],
      ],
      lo2,
      hi2,
      1,
    );
    const mass = quadrantMass((x) => jp.logPdf(x), lo2, hi2);
    expect(mass.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const rng = new Rng(5);
    const counts = [0, 0, 0, 0];
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const x = jp.sample(rng);
      expect(x[0]).toBeGreaterThanOrEqual(0);
      expect(x[0]).toBeLessThanOrEqual(1);
      expect(x[1]).toBeGreaterThanOrEqual(-2);
      expect(x[1]).toBeLessThanOrEqual(3);
      counts[(x[0]! < 0.5 ? 0 : 1) + (x[1]! < 0.5 ? 0 : 2)]!++;
    }
    // Binomial standard error at n = 40 000 is ≤ 0.0025; allow 4 of them.
    for (let q = 0; q < 4; q++) expect(Math.abs(counts[q]! / n - mass[q]!)).toBeLessThan(0.01);
  });
});

describe("numeric Parzen estimator (univariate TPE)", () => {
  it("is a density on [lo, hi], and its samples follow it", () => {
    const np = new NumericParzen([0.02, 0.5, 0.52, 0.9], 0, 1, 1);
    let total = 0;
    let below = 0;
    for (let i = 0; i < 10_000; i++) {
      const p = Math.exp(np.logPdf((i + 0.5) / 10_000)) / 10_000;
      total += p;
      if (i < 3000) below += p;
    }
    expect(total).toBeCloseTo(1, 5);
    const rng = new Rng(7);
    let hits = 0;
    for (let i = 0; i < 40_000; i++) if (np.sample(rng) < 0.3) hits++;
    expect(Math.abs(hits / 40_000 - below)).toBeLessThan(0.01);
  });
});

describe("TPE direction handling", () => {
  it("maximising f proposes exactly what minimising −f proposes, joint and per-parameter", async () => {
    const space: SearchSpace = [
      { name: "lr", dist: { kind: "loguniform", low: 0.01, high: 0.3 } },
      { name: "depth", dist: { kind: "int", low: 3, high: 10 } },
      { name: "sub", dist: { kind: "uniform", low: 0.5, high: 1 } },
    ];
    const f = (p: Record<string, unknown>): number =>
      -((Math.log(p.lr as number) + 2) ** 2) - ((p.depth as number) - 5) ** 2 / 10 + (p.sub as number);
    for (const multivariate of [true, false]) {
      const run = async (direction: Direction, sign: number) =>
        (
          await new Study({
            space,
            objective: { targets: [{ metric: "v", direction }] },
            sampler: new TpeSampler({ multivariate }),
            trials: 30,
            seed: 11,
          }).run(async (t) => sign * f(t.params))
        ).trials.map((t) => t.params);
      const max = await run("maximize", 1);
      expect(max).toEqual(await run("minimize", -1));
      // And it climbs: the model-based trials are better on average than the startup ones.
      const mean = (ps: typeof max): number => ps.reduce((s, p) => s + f(p), 0) / ps.length;
      expect(mean(max.slice(15))).toBeGreaterThan(mean(max.slice(0, 10)));
    }
  });
});
