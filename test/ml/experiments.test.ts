// The experiment statistics: sample sizes against statsmodels, the A/A peeking simulation (sequential
// vs naive fixed), A/B power at the planned size, the sample-ratio check, CUPED and the per-arm analysis.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  analyzeExperiment,
  fixedTest,
  fitCuped,
  meanSampleSize,
  momentsOf,
  proportionSampleSize,
  sampleRatioMismatch,
  sequentialTest,
  type ArmMoments,
  type ExperimentDesign,
  type ExperimentRecord,
} from "../../src/ml/experiments/index.js";
import { mixSeed, Rng } from "../../src/ml/random.js";

interface PropCase {
  baseline: number;
  mde: number;
  alpha: number;
  power: number;
  ratio: number;
  n_control: number;
}
interface MeanCase extends Omit<PropCase, "baseline"> {
  mean: number;
  sd: number;
}
const fixture = JSON.parse(
  readFileSync(join(__dirname, "../fixtures/experiments/sample-sizes.json"), "utf8"),
) as { proportions: PropCase[]; means: MeanCase[] };

const binaryMoments = (n: number, successes: number): ArmMoments => {
  const p = successes / n;
  return { n, mean: p, variance: n > 1 ? (p * (1 - p) * n) / (n - 1) : 0 };
};

/**
 * Simulates `experiments` two-arm experiments of Bernoulli outcomes with `n` units per arm, checks
 * them at `peeks` evenly spaced sizes and returns the share where `rejects` ever said yes.
 */
function everRejects(
  experiments: number,
  n: number,
  peeks: number,
  pControl: number,
  pTreatment: number,
  seed: number,
  rejects: (c: ArmMoments, t: ArmMoments) => boolean,
): number {
  let hits = 0;
  for (let e = 0; e < experiments; e++) {
    const rng = new Rng(mixSeed(seed, e));
    let sc = 0;
    let st = 0;
    let done = 0;
    let hit = false;
    for (let k = 1; k <= peeks; k++) {
      const upto = Math.round((n * k) / peeks);
      for (; done < upto; done++) {
        if (rng.next() < pControl) sc++;
        if (rng.next() < pTreatment) st++;
      }
      if (!hit && rejects(binaryMoments(upto, sc), binaryMoments(upto, st))) hit = true;
    }
    if (hit) hits++;
  }
  return hits / experiments;
}

describe("sample size", () => {
  it("agrees with statsmodels NormalIndPower for proportions within 1%", () => {
    expect(fixture.proportions.length).toBeGreaterThan(100);
    for (const c of fixture.proportions) {
      const got = proportionSampleSize(c.baseline, c.mde, { alpha: c.alpha, power: c.power, ratio: c.ratio });
      expect(Math.abs(got.control / c.n_control - 1), JSON.stringify(c)).toBeLessThan(0.01);
      expect(got.treatment).toBeCloseTo(got.control * c.ratio, 6);
    }
  });

  it("agrees with statsmodels NormalIndPower for means within 1%", () => {
    for (const c of fixture.means) {
      const got = meanSampleSize(c.mean, c.sd, c.mde, { alpha: c.alpha, power: c.power, ratio: c.ratio });
      expect(Math.abs(got.control / c.n_control - 1), JSON.stringify(c)).toBeLessThan(0.01);
    }
  });

  it("refuses impossible inputs with a clear error", () => {
    expect(() => proportionSampleSize(0.9, 0.2, { alpha: 0.05, power: 0.8 })).toThrow(/leaves \(0, 1\)/);
    expect(() => proportionSampleSize(0.1, 0.1, { alpha: 0.05, power: 0.01 })).toThrow(/power/);
    expect(() => meanSampleSize(1, 0, 0.1, { alpha: 0.05, power: 0.8 })).toThrow(/standard deviation/);
  });
});

describe("peeking (A/A)", () => {
  const alpha = 0.05;
  const baseline = 0.1;
  const tau2 = (0.1 * baseline) ** 2;
  const aa = (rejects: (c: ArmMoments, t: ArmMoments) => boolean): number =>
    everRejects(200, 4000, 20, baseline, baseline, 17, rejects);

  it("the sequential test keeps the share of false winners at or below 0.07 over 20 peeks", () => {
    const share = aa((c, t) => sequentialTest(c, t, alpha, tau2).significant);
    expect(share).toBeLessThanOrEqual(0.07);
  });

  it("the naive fixed test peeked 20 times inflates it, so the simulation tells them apart", () => {
    const share = aa((c, t) => fixedTest(c, t, alpha).significant);
    expect(share).toBeGreaterThan(0.1);
  });

  it("the fixed test looked at once keeps alpha", () => {
    const share = everRejects(
      400,
      2000,
      1,
      baseline,
      baseline,
      23,
      (c, t) => fixedTest(c, t, alpha).significant,
    );
    expect(share).toBeLessThanOrEqual(0.08);
  });
});

describe("power (A/B)", () => {
  it("the fixed test at the planned sample size has the planned power within a few points", () => {
    const baseline = 0.1;
    const mde = 0.2;
    const n = Math.ceil(proportionSampleSize(baseline, mde, { alpha: 0.05, power: 0.8 }).control);
    const power = everRejects(600, n, 1, baseline, baseline * (1 + mde), 5, (c, t) => {
      const r = fixedTest(c, t, 0.05);
      return r.significant && r.difference > 0;
    });
    expect(Math.abs(power - 0.8)).toBeLessThan(0.05);
  });

  it("the sequential test finds a true lift when watched", () => {
    const baseline = 0.1;
    const mde = 0.2;
    const n = Math.ceil(proportionSampleSize(baseline, mde, { alpha: 0.05, power: 0.8 }).control);
    const power = everRejects(200, 2 * n, 20, baseline, baseline * (1 + mde), 9, (c, t) => {
      const r = sequentialTest(c, t, 0.05, (mde * baseline) ** 2);
      return r.significant && r.difference > 0;
    });
    expect(power).toBeGreaterThan(0.7);
  });
});

describe("intervals", () => {
  it("the sequential interval contains the fixed one and both agree with the p-value", () => {
    const c = binaryMoments(5000, 500);
    const t = binaryMoments(5000, 600);
    const f = fixedTest(c, t, 0.05);
    const s = sequentialTest(c, t, 0.05, 0.0001);
    expect(f.difference).toBeCloseTo(0.02, 12);
    expect(f.lift).toBeCloseTo(0.2, 12);
    expect(s.lower).toBeLessThan(f.lower);
    expect(s.upper).toBeGreaterThan(f.upper);
    expect(f.lower > 0).toBe(f.pValue < 0.05);
    expect(s.lower > 0).toBe(s.pValue < 0.05);
    expect(f.liftLower).toBeLessThan(0.2);
    expect(f.liftUpper).toBeGreaterThan(0.2);
  });

  it("momentsOf is the unbiased mean and variance", () => {
    const m = momentsOf([1, 2, 3, 4]);
    expect(m).toEqual({ n: 4, mean: 2.5, variance: 5 / 3 });
  });
});

describe("sample-ratio mismatch", () => {
  it("matches scipy's chisquare and flags p < 0.001", () => {
    // scipy.stats.chisquare([5200, 4800], [5000, 5000]) -> statistic 16.0, p 6.334e-05
    const r = sampleRatioMismatch([5200, 4800], [50, 50]);
    expect(r.chiSquare).toBeCloseTo(16, 10);
    expect(r.pValue).toBeCloseTo(6.334248366623996e-5, 9);
    expect(r.mismatch).toBe(true);
    // scipy.stats.chisquare([1010, 990, 2000], [1000, 1000, 2000]) -> p 0.9048374180359595
    const ok = sampleRatioMismatch([1010, 990, 2000], [25, 25, 50]);
    expect(ok.pValue).toBeCloseTo(0.9048374180359595, 9);
    expect(ok.mismatch).toBe(false);
  });
});

describe("CUPED", () => {
  it("recovers θ = cov/var and leaves a constant covariate alone", () => {
    const x = [1, 2, 3, 4, 5];
    const y = x.map((v) => 3 * v + 1);
    expect(fitCuped(y, x).theta).toBeCloseTo(3, 12);
    expect(fitCuped(y, [2, 2, 2, 2, 2]).theta).toBe(0);
  });
});

describe("analyzeExperiment", () => {
  const design = (over: Partial<ExperimentDesign> = {}): ExperimentDesign => ({
    arms: [
      { name: "control", share: 50 },
      { name: "offer", share: 50 },
    ],
    control: "control",
    primary: "converted",
    alpha: 0.05,
    test: "sequential",
    mde: 0.1,
    ...over,
  });

  /** Units per arm with conversion rates; latency and revenue per record, seeded. */
  function simulate(
    units: Record<string, number>,
    rates: Record<string, number>,
    seed: number,
    extra: (arm: string, rng: Rng) => Partial<ExperimentRecord> = () => ({}),
  ): ExperimentRecord[] {
    const rng = new Rng(seed);
    const out: ExperimentRecord[] = [];
    for (const [arm, n] of Object.entries(units))
      for (let i = 0; i < n; i++) {
        const converted = rng.next() < rates[arm]! ? 1 : 0;
        out.push({ arm, unit: `${arm}-${i}`, outcomes: converted ? { converted } : {}, ...extra(arm, rng) });
      }
    return out;
  }

  it("declares the winner with lift, interval and p-value per arm", () => {
    const recs = simulate({ control: 6000, offer: 6000 }, { control: 0.1, offer: 0.13 }, 1);
    const s = analyzeExperiment(design(), recs);
    expect(s.verdict).toBe("win");
    expect(s.winner).toBe("offer");
    const offer = s.arms.find((a) => a.arm === "offer")!;
    expect(offer.units).toBe(6000);
    expect(offer.primary.outcomes).toBe(Math.round(offer.primary.mean * 6000));
    expect(offer.primary.comparison!.pValue).toBeLessThan(0.05);
    expect(offer.primary.comparison!.liftLower).toBeGreaterThan(0);
    expect(s.srm.mismatch).toBe(false);
  });

  it("counts a unit once however many requests it made", () => {
    const recs: ExperimentRecord[] = [
      { arm: "control", unit: "a", outcomes: {} },
      { arm: "control", unit: "a", outcomes: { converted: 1 } },
      { arm: "offer", unit: "b", outcomes: {} },
    ];
    const s = analyzeExperiment(design(), recs);
    expect(s.arms[0]!.units).toBe(1);
    expect(s.arms[0]!.requests).toBe(2);
    expect(s.arms[0]!.primary.mean).toBe(1);
    expect(s.arms[1]!.primary.comparison).toBeUndefined();
    expect(s.verdict).toBe("continue");
  });

  it("withholds the decision on a sample ratio mismatch", () => {
    const recs = simulate({ control: 6000, offer: 4000 }, { control: 0.1, offer: 0.15 }, 2);
    const s = analyzeExperiment(design(), recs);
    expect(s.srm.mismatch).toBe(true);
    expect(s.verdict).toBe("continue");
    expect(s.warnings.join(" ")).toMatch(/sample ratio mismatch/);
  });

  it("a fixed test refuses a verdict before the planned size", () => {
    const recs = simulate({ control: 3000, offer: 3000 }, { control: 0.1, offer: 0.2 }, 3);
    const s = analyzeExperiment(
      design({ test: "fixed", plannedUnits: { control: 2000, offer: 4000 } }),
      recs,
    );
    expect(s.verdict).toBe("continue");
    expect(s.reason).toMatch(/no verdict before the planned units \(offer 3000 of 4000\)/);
    const reached = analyzeExperiment(
      design({ test: "fixed", plannedUnits: { control: 3000, offer: 2000 } }),
      recs,
    );
    expect(reached.verdict).toBe("win");
  });

  it("stops on a breached latency guardrail and returns traffic to control", () => {
    const recs = simulate({ control: 500, offer: 500 }, { control: 0.1, offer: 0.1 }, 4, (arm, rng) => ({
      latencyMs: arm === "offer" ? 300 + rng.next() * 50 : 20 + rng.next() * 10,
    }));
    const s = analyzeExperiment(design({ guardrails: [{ kind: "latency_p99", maxMs: 250 }] }), recs);
    expect(s.verdict).toBe("guardrail");
    expect(s.winner).toBe("control");
    expect(s.reason).toMatch(/offer: latency\.p99/);
    expect(s.arms[0]!.guardrails[0]!.breached).toBe(false);
  });

  it("judges the error rate per arm from its 100th request on; latency counts answered requests only", () => {
    const failing = (n: number) =>
      simulate({ control: n, offer: n }, { control: 0.1, offer: 0.1 }, 5, (arm, rng) =>
        arm === "offer" && rng.next() < 0.2 ? { error: true } : { latencyMs: 10 },
      );
    const g = design({ guardrails: [{ kind: "error_rate", max: 0.05 }] });
    const early = analyzeExperiment(g, failing(60));
    expect(early.arms[1]!.errorRate!).toBeGreaterThan(0.05);
    expect(early.arms[1]!.guardrails[0]!.breached).toBe(false);
    expect(early.verdict).toBe("continue");
    const s = analyzeExperiment(g, failing(400));
    const offer = s.arms[1]!;
    expect(offer.errorRate!).toBeCloseTo(0.2, 1);
    expect(offer.latencyP99Ms).toBe(10);
    expect(offer.guardrails).toEqual([
      { guardrail: "error_rate", value: offer.errorRate, limit: 0.05, breached: true },
    ]);
    expect(s.arms[0]!.guardrails[0]).toMatchObject({ value: 0, breached: false });
    expect([s.verdict, s.winner]).toEqual(["guardrail", "control"]);
    expect(s.reason).toMatch(/offer: error_rate 0\.\d+ beyond 0\.05/);
  });

  it("a secondary metric guardrail breaches only when the harm is confidently beyond tolerance", () => {
    const recs = simulate({ control: 4000, offer: 4000 }, { control: 0.1, offer: 0.1 }, 6, (arm, rng) => ({
      outcomes: { revenue: (arm === "offer" ? 8 : 10) + rng.normal() },
    }));
    const g = design({ guardrails: [{ kind: "metric", metric: "revenue", maxHarm: 0.05 }] });
    const s = analyzeExperiment(g, recs);
    expect(s.verdict).toBe("guardrail");
    const tolerant = analyzeExperiment(
      design({ guardrails: [{ kind: "metric", metric: "revenue", maxHarm: 0.5 }] }),
      recs,
    );
    expect(tolerant.verdict).not.toBe("guardrail");
  });

  it("CUPED narrows the interval without moving the lift", () => {
    const rng = new Rng(8);
    const recs: ExperimentRecord[] = [];
    for (const arm of ["control", "offer"])
      for (let i = 0; i < 2000; i++) {
        const pre = 10 + 3 * rng.normal();
        recs.push({
          arm,
          unit: `${arm}${i}`,
          covariate: pre,
          outcomes: { revenue: pre + (arm === "offer" ? 0.3 : 0) + rng.normal() },
        });
      }
    const plain = analyzeExperiment(design({ primary: "revenue" }), recs).arms[1]!.primary.comparison!;
    const cuped = analyzeExperiment(design({ primary: "revenue", cuped: true }), recs).arms[1]!.primary
      .comparison!;
    expect(cuped.upper - cuped.lower).toBeLessThan((plain.upper - plain.lower) / 2);
    expect(Math.abs(cuped.lift - plain.lift)).toBeLessThan(0.02);
  });
});
