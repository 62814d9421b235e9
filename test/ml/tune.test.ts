import { describe, expect, it } from "vitest";
import type { Params } from "../../src/ml/estimator.js";
import { Rng } from "../../src/ml/random.js";
import { branin, hartmann6, type BenchmarkFunction } from "../../src/ml/tune/benchmark-functions.js";
import {
  assertSpace,
  bestSoFar,
  bestTrial,
  enumerateGrid,
  GridSampler,
  HyperbandPruner,
  MedianPruner,
  MemoryTrialStore,
  nonDominatedRanks,
  parameterImportance,
  paretoFront,
  pickFromFront,
  RandomSampler,
  samplerFor,
  spaceProblems,
  Study,
  SuccessiveHalvingPruner,
  TpeSampler,
  TrialPruned,
  type ObjectiveSpec,
  type SearchSpace,
  type TrialRecord,
} from "../../src/ml/tune/index.js";

const minimize = (metric = "f"): ObjectiveSpec => ({ targets: [{ metric, direction: "minimize" }] });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const mixed: SearchSpace = [
  { name: "lr", dist: { kind: "loguniform", low: 1e-3, high: 0.3 } },
  { name: "depth", dist: { kind: "int", low: 2, high: 10 } },
  { name: "leaves", dist: { kind: "int", low: 8, high: 512, log: true } },
  { name: "booster", dist: { kind: "choice", values: ["gbtree", "dart"] } },
  {
    name: "drop_rate",
    dist: { kind: "uniform", low: 0, high: 0.5 },
    when: { param: "booster", values: ["dart"] },
  },
];

function inSpace(space: SearchSpace, p: Params): void {
  for (const def of space) {
    const v = p[def.name];
    const active = !def.when || def.when.values.includes(p[def.when.param]!);
    if (!active) {
      expect(v).toBeUndefined();
      continue;
    }
    const d = def.dist;
    if (d.kind === "choice") expect(d.values).toContain(v);
    else {
      expect(typeof v).toBe("number");
      expect(v as number).toBeGreaterThanOrEqual(d.low);
      expect(v as number).toBeLessThanOrEqual(d.high);
      if (d.kind === "int") expect(Number.isInteger(v)).toBe(true);
    }
  }
}

async function bestOf(
  fn: BenchmarkFunction,
  sampler: "tpe" | "random",
  trials: number,
  seed: number,
): Promise<number> {
  const s = new Study({
    space: fn.space,
    objective: minimize(),
    sampler: samplerFor({ method: sampler }),
    trials,
    seed,
  });
  return (await s.run(async (t) => fn.f(t.params))).best!.values.f!;
}

describe("search spaces", () => {
  it("reports every problem with its parameter", () => {
    const problems = spaceProblems([
      { name: "a", dist: { kind: "loguniform", low: 0, high: 1 } },
      { name: "b", dist: { kind: "int", low: 3, high: 2 } },
      { name: "c", dist: { kind: "uniform", low: 0, high: 1 }, when: { param: "z", values: [1] } },
      { name: "d", dist: { kind: "choice", values: ["x", "y"] } },
      { name: "e", dist: { kind: "uniform", low: 0, high: 1 }, when: { param: "d", values: ["w"] } },
      { name: "a", dist: { kind: "choice", values: [] } },
    ]);
    expect(problems).toHaveLength(6);
    expect(problems.join("\n")).toMatch(/a: loguniform\(0, 1\) needs 0 < low/);
    expect(problems.join("\n")).toMatch(/'z', which must be a parameter defined before it/);
    expect(problems.join("\n")).toMatch(/"w" is not a choice of 'd'/);
    expect(() => assertSpace([])).toThrow(/no parameters/);
  });
});

describe("samplers", () => {
  it("random search stays in the space, honours conditions and depends only on seed and index", () => {
    const s = new RandomSampler();
    const ctx = (index: number, seed = 1) => ({
      space: mixed,
      objective: minimize(),
      history: [],
      index,
      seed,
    });
    const seen = new Set<unknown>();
    for (let k = 0; k < 200; k++) {
      const p = s.propose(ctx(k));
      inSpace(mixed, p);
      seen.add(p.booster);
      expect(s.propose(ctx(k))).toEqual(p);
    }
    expect(seen.size).toBe(2);
    expect(s.propose(ctx(0, 2))).not.toEqual(s.propose(ctx(0, 1)));
  });

  it("grid search enumerates the cartesian product, expanding a conditional parameter only in its branch", () => {
    const space: SearchSpace = [
      { name: "kind", dist: { kind: "choice", values: ["a", "b"] } },
      { name: "depth", dist: { kind: "int", low: 1, high: 3 } },
      {
        name: "rate",
        dist: { kind: "loguniform", low: 0.01, high: 1 },
        when: { param: "kind", values: ["b"] },
      },
    ];
    const grid = enumerateGrid(space, 3);
    expect(grid).toHaveLength(3 + 3 * 3);
    expect(grid.filter((p) => p.kind === "b" && p.depth === 1).map((p) => p.rate)).toEqual([
      0.01,
      expect.closeTo(0.1, 12),
      1,
    ]);
    expect(grid.filter((p) => p.kind === "a").every((p) => !("rate" in p))).toBe(true);
  });

  it("a grid study stops when every point has been tried", async () => {
    const space: SearchSpace = [{ name: "x", dist: { kind: "choice", values: [1, 2, 3] } }];
    const r = await new Study({
      space,
      objective: minimize(),
      sampler: new GridSampler(),
      trials: 10,
      seed: 3,
    }).run(async (t) => t.params.x as number);
    expect(r.trials.map((t) => t.params.x).sort()).toEqual([1, 2, 3]);
    expect(r.best!.params.x).toBe(1);
  });

  it("TPE proposals stay in a mixed conditional space, joint or per-parameter", async () => {
    for (const multivariate of [true, false]) {
      const r = await new Study({
        space: mixed,
        objective: minimize(),
        sampler: new TpeSampler({ nStartupTrials: 5, multivariate }),
        trials: 30,
        seed: 4,
      }).run(async (t) => {
        const p = t.params;
        return (
          Math.abs(Math.log(p.lr as number) + 3) +
          (p.depth as number) / 10 +
          (p.booster === "dart" ? (p.drop_rate as number) : 0.3)
        );
      });
      for (const t of r.trials) inSpace(mixed, t.params);
      // The model-based half concentrates lr near e^−3 ≈ 0.05 (log-space centre of the good region).
      const late = r.trials.slice(15).map((t) => Math.abs(Math.log(t.params.lr as number) + 3));
      const early = r.trials.slice(0, 10).map((t) => Math.abs(Math.log(t.params.lr as number) + 3));
      expect(late.reduce((a, b) => a + b, 0) / late.length).toBeLessThan(
        early.reduce((a, b) => a + b, 0) / early.length,
      );
    }
  });

  it("TPE finds a better optimum than random search on Branin and Hartmann-6 for the same budget", async () => {
    const seeds = Array.from({ length: 10 }, (_, i) => 100 + i);
    let wins = 0;
    for (const fn of [branin, hartmann6]) {
      let tpe = 0;
      let rnd = 0;
      for (const seed of seeds) {
        const a = await bestOf(fn, "tpe", 40, seed);
        const b = await bestOf(fn, "random", 40, seed);
        tpe += a - fn.optimum;
        rnd += b - fn.optimum;
        if (a < b) wins++;
      }
      // Mean regret to the known optimum, over 10 seeds.
      expect(tpe / seeds.length).toBeLessThan(rnd / seeds.length);
    }
    expect(wins).toBeGreaterThanOrEqual(13);
  });

  it("TPE learns which choice is good: later trials pick it far more often than chance", async () => {
    const space: SearchSpace = [
      { name: "algo", dist: { kind: "choice", values: ["a", "b", "c", "d"] } },
      { name: "x", dist: { kind: "uniform", low: 0, high: 1 } },
    ];
    const r = await new Study({
      space,
      objective: minimize(),
      sampler: new TpeSampler(),
      trials: 60,
      seed: 5,
    }).run(async (t) => (t.params.algo === "c" ? 0 : 1) + (t.params.x as number));
    const late = r.trials.slice(30);
    expect(late.filter((t) => t.params.algo === "c").length).toBeGreaterThan(20);
  });
});

describe("pruners", () => {
  const done = (index: number, curve: number[]): TrialRecord => ({
    index,
    params: {},
    status: "complete",
    values: { f: curve[curve.length - 1]! },
    intermediate: curve.map((v, s) => [s, v] as [number, number]),
  });

  it("the median pruner stops a trial whose best value is worse than the median at that step", () => {
    const history = [done(0, [0.5, 0.6, 0.7]), done(1, [0.6, 0.7, 0.8]), done(2, [0.7, 0.8, 0.9])];
    const p = new MedianPruner({ nStartupTrials: 3 });
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.55],
            [1, 0.65],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(true);
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.55],
            [1, 0.71],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(false);
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.55],
            [1, 0.65],
          ],
        },
        history,
        "minimize",
      ),
    ).toBe(false);
    expect(
      new MedianPruner({ nStartupTrials: 4 }).shouldPrune(
        { index: 3, intermediate: [[1, 0]] },
        history,
        "maximize",
      ),
    ).toBe(false);
    expect(
      new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 2 }).shouldPrune(
        { index: 3, intermediate: [[1, 0]] },
        history,
        "maximize",
      ),
    ).toBe(false);
  });

  it("successive halving keeps the top 1/η at each rung", () => {
    // η = 2, rungs at steps 1, 2, 4. Peers at step 1: 0.9, 0.8, 0.7; trial value v competes among 4.
    const history = [done(0, [0.1, 0.9, 0.9]), done(1, [0.1, 0.8, 0.8]), done(2, [0.1, 0.7, 0.7])];
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.5],
            [1, 0.85],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(false);
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.5],
            [1, 0.75],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(true);
    // Step 2 is skipped: the report at step 3 is the first past rung 2 and is judged there.
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.5],
            [1, 0.85],
            [3, 0.0],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(true);
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.5],
            [1, 0.85],
            [3, 0.95],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(false);
    // Between rungs there is no judgement.
    expect(
      p.shouldPrune(
        {
          index: 3,
          intermediate: [
            [0, 0.5],
            [1, 0.85],
            [2, 0.95],
            [3, 0.0],
          ],
        },
        history,
        "maximize",
      ),
    ).toBe(false);
  });

  it("Hyperband assigns trials to brackets deterministically, most to the most aggressive one", () => {
    const hb = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) counts[hb.bracketOf(i)]!++;
    expect(hb.bracketOf(17)).toBe(hb.bracketOf(17));
    expect(counts[0]!).toBeGreaterThan(counts[3]!);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it("a study with the median pruner prunes bad learning curves and records them as pruned", async () => {
    const r = await new Study({
      space: [{ name: "q", dist: { kind: "uniform", low: 0, high: 1 } }],
      objective: { targets: [{ metric: "auc", direction: "maximize" }] },
      sampler: new RandomSampler(),
      pruner: new MedianPruner({ nStartupTrials: 3 }),
      trials: 20,
      seed: 6,
    }).run(async (t) => {
      let v = 0;
      for (let step = 0; step < 10; step++) {
        v = (t.params.q as number) * (1 - Math.exp(-step - 1));
        if (t.report(step, v)) throw new TrialPruned();
      }
      return v;
    });
    const pruned = r.trials.filter((t) => t.status === "pruned");
    expect(pruned.length).toBeGreaterThan(3);
    for (const t of pruned) expect(t.intermediate.length).toBeLessThan(10);
    const complete = r.trials.filter((t) => t.status === "complete").map((t) => t.params.q as number);
    const prunedQ = pruned.map((t) => t.params.q as number);
    expect(Math.max(...prunedQ)).toBeLessThan(Math.max(...complete));
  });
});

describe("pruned trials' values", () => {
  const run = (stop: "return" | "throw") =>
    new Study({
      space: [{ name: "q", dist: { kind: "uniform", low: 0, high: 1 } }],
      objective: { targets: [{ metric: "auc", direction: "maximize" }] },
      sampler: new RandomSampler(),
      pruner: new MedianPruner({ nStartupTrials: 3 }),
      trials: 20,
      seed: 6,
    }).run(async (t) => {
      // reports a negated validation logloss per step, as the model executor does; returns the AUC
      const q = t.params.q as number;
      for (let step = 0; step < 10; step++) {
        if (t.report(step, -(1 - q) * (1 + 1 / (step + 1)))) {
          if (stop === "throw") throw new TrialPruned();
          return 0.5 + q / 2 - step / 1000;
        }
      }
      return 0.5 + q / 2;
    });

  it("are the objective's values at the pruning step, never an intermediate value of another metric", async () => {
    const r = await run("return");
    const pruned = r.trials.filter((t) => t.status === "pruned");
    expect(pruned.length).toBeGreaterThan(3);
    for (const t of pruned) {
      const step = t.prunedAt!;
      expect(t.intermediate.at(-1)![0]).toBe(step);
      expect(t.values.auc).toBeCloseTo(0.5 + (t.params.q as number) / 2 - step / 1000, 12);
    }
  });

  it("are none when the objective stopped by throwing TrialPruned", async () => {
    const r = await run("throw");
    const pruned = r.trials.filter((t) => t.status === "pruned");
    expect(pruned.length).toBeGreaterThan(3);
    for (const t of pruned) {
      expect(t.values).toEqual({});
      expect(typeof t.prunedAt).toBe("number");
    }
  });
});

describe("pruning inside a study", () => {
  for (const pruner of [
    new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }),
    new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 }),
  ]) {
    it(`${pruner.name} stops poor learning curves early and keeps the best trial complete`, async () => {
      let steps = 0;
      const r = await new Study({
        space: [{ name: "q", dist: { kind: "uniform", low: 0, high: 1 } }],
        objective: { targets: [{ metric: "auc", direction: "maximize" }] },
        sampler: new RandomSampler(),
        pruner,
        trials: 30,
        seed: 8,
      }).run(async (t) => {
        let v = 0;
        for (let step = 1; step <= 27; step++) {
          steps++;
          v = (t.params.q as number) * (1 - Math.exp(-step / 5));
          if (t.report(step, v)) return v;
        }
        return v;
      });
      const pruned = r.trials.filter((t) => t.status === "pruned");
      expect(pruned.length).toBeGreaterThan(5);
      expect(steps).toBeLessThan(30 * 27 * 0.8);
      const bestQ = Math.max(...r.trials.map((t) => t.params.q as number));
      expect(r.best!.params.q).toBe(bestQ);
    });
  }
});

describe("studies", () => {
  const objective = async (t: { params: Params; index: number }): Promise<number> => {
    // Random delays make completion order differ from index order.
    await sleep(new Rng(t.index * 7919).int(8));
    return branin.f(t.params);
  };

  it("a parallel study gives the same trials on every run, whatever the finishing order", async () => {
    // Each run draws its own delays, so trials finish in another order every time.
    const run = async (parallel: number, delaySeed: number, pruner?: MedianPruner, inFlight?: number) =>
      (
        await new Study({
          space: branin.space,
          objective: minimize(),
          sampler: new TpeSampler({ nStartupTrials: 4 }),
          ...(pruner ? { pruner } : {}),
          trials: 24,
          parallel,
          ...(inFlight ? { inFlight } : {}),
          seed: 9,
        }).run(async (t) => {
          const delays = new Rng(delaySeed * 1_000_003 + t.index);
          let v = Infinity;
          for (let step = 1; step <= 3; step++) {
            await sleep(delays.int(6));
            v = branin.f(t.params) * (1 + 1 / step);
            if (t.report(step, v)) return v;
          }
          return branin.f(t.params);
        })
      ).trials.map((t) => [t.index, t.params, t.values, t.status, t.prunedAt]);
    for (const parallel of [2, 3]) {
      const a = await run(parallel, 1);
      expect(a).toHaveLength(24);
      expect(await run(parallel, 2)).toEqual(a);
      const pruned = await run(parallel, 3, new MedianPruner({ nStartupTrials: 3 }));
      expect(pruned.filter((t) => t[3] === "pruned").length).toBeGreaterThan(2);
      expect(await run(parallel, 4, new MedianPruner({ nStartupTrials: 3 }))).toEqual(pruned);
      // more trials handed out at once (a pool queueing some) leaves the trials as they are
      for (const inFlight of [2 * parallel - 1, 2 * parallel]) {
        expect(await run(parallel, 5 + inFlight, undefined, inFlight)).toEqual(a);
        expect(await run(parallel, 6 + inFlight, new MedianPruner({ nStartupTrials: 3 }), inFlight)).toEqual(
          pruned,
        );
      }
    }
  });

  it("hands out up to inFlight trials at once, and refuses more than the lag of 2·parallel", async () => {
    const study = (inFlight: number) =>
      new Study({
        space: branin.space,
        objective: minimize(),
        sampler: new RandomSampler(),
        trials: 12,
        parallel: 2,
        inFlight,
        seed: 3,
      });
    for (const inFlight of [1, 3, 4]) {
      let running = 0;
      let most = 0;
      await study(inFlight).run(async (t) => {
        most = Math.max(most, ++running);
        await sleep(2);
        running--;
        return branin.f(t.params);
      });
      expect(most).toBe(inFlight);
    }
    expect(() => study(5)).toThrow(/inFlight must be an integer from 1 to 4, got 5/);
    expect(() => study(0)).toThrow(/inFlight must be an integer from 1 to 4, got 0/);
  });

  it("parallel TPE proposes trial k from trials ≤ k − 2·parallel plus the later ones as pending (constant liar)", async () => {
    const seen: Array<{ index: number; history: number[]; pending: number[] }> = [];
    const tpe = new TpeSampler({ nStartupTrials: 3 });
    const recording = {
      name: "tpe",
      propose: (ctx: Parameters<TpeSampler["propose"]>[0]) => {
        seen.push({
          index: ctx.index,
          history: ctx.history.map((t) => t.index),
          pending: (ctx.pending ?? []).map((t) => t.index),
        });
        return tpe.propose(ctx);
      },
    };
    const opts = { space: branin.space, objective: minimize(), trials: 10, seed: 4 };
    await new Study({ ...opts, sampler: recording, parallel: 2 }).run(objective);
    expect(seen.find((s) => s.index === 7)).toEqual({ index: 7, history: [0, 1, 2, 3], pending: [4, 5, 6] });
    expect(seen.find((s) => s.index === 2)).toEqual({ index: 2, history: [], pending: [0, 1] });
    seen.length = 0;
    await new Study({ ...opts, sampler: recording, parallel: 1 }).run(objective);
    expect(seen.find((s) => s.index === 7)).toEqual({
      index: 7,
      history: [0, 1, 2, 3, 4, 5, 6],
      pending: [],
    });
  });

  it("parallel TPE equals the sequential run for its startup trials and differs after (as specs/tuning.md says)", async () => {
    const opts = { space: branin.space, objective: minimize(), trials: 20, seed: 5 };
    const params = async (parallel: number) =>
      (
        await new Study({ ...opts, sampler: new TpeSampler({ nStartupTrials: 4 }), parallel }).run(objective)
      ).trials.map((t) => t.params);
    const seq = await params(1);
    const par = await params(2);
    // Trials 0..n_startup−1 draw from the prior with the same stream in both runs.
    expect(par.slice(0, 4)).toEqual(seq.slice(0, 4));
    // The sequential run models trial 4 on trials 0..3; the parallel one still draws it from the prior.
    expect(par[4]).not.toEqual(seq[4]);
    expect(par.slice(8)).not.toEqual(seq.slice(8));
  });

  it("the constant liar moves a proposal away from pending trials", () => {
    const history: TrialRecord[] = Array.from({ length: 12 }, (_, i) => ({
      index: i,
      params: { x: i / 11 },
      status: "complete" as const,
      values: { f: Math.abs(i / 11 - 0.5) },
      intermediate: [],
    }));
    const space: SearchSpace = [{ name: "x", dist: { kind: "uniform", low: 0, high: 1 } }];
    const tpe = new TpeSampler({ nStartupTrials: 3 });
    const ctx = { space, objective: minimize(), history, index: 12, seed: 1 };
    const plain = tpe.propose(ctx).x as number;
    // Many pending trials at the best region (0.5) make it look bad: the proposal moves off it.
    const pending = Array.from({ length: 30 }, (_, i) => ({ index: 12 + i, params: { x: 0.5 } }));
    const lied = tpe.propose({ ...ctx, pending }).x as number;
    expect(Math.abs(plain - 0.5)).toBeLessThan(0.1);
    expect(Math.abs(lied - 0.5)).toBeGreaterThan(Math.abs(plain - 0.5));
  });

  it("never runs more than `parallel` objectives at once", async () => {
    let active = 0;
    let peak = 0;
    await new Study({
      space: branin.space,
      objective: minimize(),
      sampler: new RandomSampler(),
      trials: 12,
      parallel: 4,
      seed: 1,
    }).run(async (t) => {
      active++;
      peak = Math.max(peak, active);
      await sleep(2);
      active--;
      return branin.f(t.params);
    });
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it("keeps workers busy when proposals read no history: a slow trial 0 does not hold back trial 2 (random, no pruner)", async () => {
    const started: number[] = [];
    let zeroDone = false;
    const startedBeforeZero: number[] = [];
    const slowZero = async (t: { params: Params; index: number }): Promise<number> => {
      started.push(t.index);
      if (!zeroDone && t.index !== 0) startedBeforeZero.push(t.index);
      await sleep(t.index === 0 ? 60 : 2);
      if (t.index === 0) zeroDone = true;
      return branin.f(t.params);
    };
    const opts = { space: branin.space, objective: minimize(), trials: 8, seed: 3 };
    const par = await new Study({ ...opts, sampler: new RandomSampler(), parallel: 2 }).run(slowZero);
    // Trials 1..7 all ran on the second slot while trial 0 slept.
    expect(startedBeforeZero).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const seq = await new Study({ ...opts, sampler: new RandomSampler(), parallel: 1 }).run(async (t) =>
      branin.f(t.params),
    );
    expect(par.trials.map((t) => [t.params, t.values])).toEqual(seq.trials.map((t) => [t.params, t.values]));
    // TPE reads the history: trial 4 waits for trial 0 (proposed from trials ≤ k − 2·parallel), and
    // trials 1..3 run beside the slow trial 0.
    zeroDone = false;
    startedBeforeZero.length = 0;
    await new Study({ ...opts, sampler: new TpeSampler({ nStartupTrials: 2 }), parallel: 2 }).run(slowZero);
    expect(startedBeforeZero).toEqual([1, 2, 3]);
  });

  it("starts the costliest trials first when order cannot change them (expectedCost: random or grid, no pruner), with the same trials", async () => {
    const opts = { space: branin.space, objective: minimize(), trials: 10, seed: 5, parallel: 2 };
    const cost = (p: Params) => p.x1 as number;
    const run = async (o: Partial<ConstructorParameters<typeof Study>[0]>) => {
      const started: number[] = [];
      const r = await new Study({ ...opts, sampler: new RandomSampler(), ...o }).run(async (t) => {
        started.push(t.index);
        await sleep(1);
        return branin.f(t.params);
      });
      return { started, trials: r.trials.map((t) => [t.index, t.params, t.values, t.status]), r };
    };
    const plain = await run({});
    const ordered = await run({ expectedCost: cost });
    const byCost = [...plain.r.trials]
      .sort((a, b) => cost(b.params) - cost(a.params) || a.index - b.index)
      .map((t) => t.index);
    expect(ordered.started).toEqual(byCost);
    expect(ordered.started).not.toEqual(plain.started);
    expect(ordered.trials).toEqual(plain.trials);
    // a seed per trial index, whatever the order
    const seeds = async (o: Partial<ConstructorParameters<typeof Study>[0]>) => {
      const out = new Map<number, number>();
      await new Study({ ...opts, sampler: new RandomSampler(), ...o }).run(async (t) => {
        out.set(t.index, t.seed);
        return branin.f(t.params);
      });
      return [...out].sort((a, b) => a[0] - b[0]);
    };
    expect(await seeds({ expectedCost: cost })).toEqual(await seeds({}));
    // proposals that read the history, or a pruner that does: index order, the cost unused
    const tpe = await run({ sampler: new TpeSampler({ nStartupTrials: 3 }), expectedCost: cost });
    expect(tpe.started).toEqual([...tpe.started].sort((a, b) => a - b));
    expect(tpe.trials).toEqual((await run({ sampler: new TpeSampler({ nStartupTrials: 3 }) })).trials);
    const pruned = await run({ pruner: new MedianPruner({ nStartupTrials: 2 }), expectedCost: cost });
    expect(pruned.started).toEqual([...pruned.started].sort((a, b) => a - b));
    // a grid used up before the budget runs the trials it has, as in index order
    const gridSpace: SearchSpace = [{ name: "x1", dist: { kind: "choice", values: [1, 3, 2] } }];
    const grid = (o: Partial<ConstructorParameters<typeof Study>[0]>) =>
      run({ space: gridSpace, sampler: new GridSampler(), trials: 6, ...o });
    const g = await grid({ expectedCost: cost });
    expect(g.trials).toEqual((await grid({})).trials);
    expect(g.trials).toHaveLength(3);
    expect(g.started.map((k) => g.r.trials[k]!.params.x1)).toEqual([3, 2, 1]);
  });

  it("resuming from 40 recorded trials to 60 runs 20 more and equals an uninterrupted 60-trial run", async () => {
    for (const parallel of [1, 3]) {
      const opts = {
        space: branin.space,
        objective: minimize(),
        sampler: new TpeSampler(),
        parallel,
        seed: 11,
      };
      const store = new MemoryTrialStore();
      const first = await new Study({ ...opts, trials: 40, store }).run(objective);
      expect(first.ran).toBe(40);
      expect(await store.load()).toHaveLength(40);
      const resumed = await new Study({ ...opts, trials: 60, store }).run(objective);
      expect(resumed.ran).toBe(20);
      const whole = await new Study({ ...opts, trials: 60 }).run(objective);
      const strip = (ts: TrialRecord[]) =>
        ts.map((t) => ({ index: t.index, params: t.params, values: t.values, status: t.status }));
      expect(strip(resumed.trials)).toEqual(strip(whole.trials));
    }
  });

  it("an interrupted study resumes the missing trials only", async () => {
    const opts = {
      space: branin.space,
      objective: minimize(),
      sampler: new TpeSampler({ nStartupTrials: 3 }),
      seed: 12,
      trials: 12,
    };
    const store = new MemoryTrialStore();
    // Simulate a kill: the store only ever received trials 0..6.
    const full = await new Study(opts).run(async (t) => branin.f(t.params));
    for (const t of full.trials.slice(0, 7)) await store.record(t);
    let calls = 0;
    const resumed = await new Study({ ...opts, store }).run(async (t) => {
      calls++;
      return branin.f(t.params);
    });
    expect(calls).toBe(5);
    expect(resumed.trials.map((t) => t.params)).toEqual(full.trials.map((t) => t.params));
    // The same from a plain list of recorded trials, without a store.
    const fromHistory = await new Study({ ...opts, history: full.trials.slice(0, 9) }).run(async (t) =>
      branin.f(t.params),
    );
    expect(fromHistory.ran).toBe(3);
    expect(fromHistory.trials.map((t) => t.params)).toEqual(full.trials.map((t) => t.params));
  });

  it("records a failing objective as failed with its message and carries on", async () => {
    const r = await new Study({
      space: branin.space,
      objective: minimize(),
      sampler: new RandomSampler(),
      trials: 4,
      seed: 1,
    }).run(async (t) => {
      if (t.index === 1) throw new Error("out of memory");
      return t.index === 2 ? NaN : branin.f(t.params);
    });
    expect(r.trials.map((t) => t.status)).toEqual(["complete", "failed", "failed", "complete"]);
    expect(r.trials[1]!.error).toBe("out of memory");
    expect(r.best!.index === 0 || r.best!.index === 3).toBe(true);
  });

  it("rejects a bad configuration with a clear message", () => {
    expect(
      () =>
        new Study({
          space: branin.space,
          objective: minimize(),
          sampler: new RandomSampler(),
          trials: 5,
          parallel: 0,
        }),
    ).toThrow(/parallel must be a positive integer/);
    expect(
      () =>
        new Study({
          space: branin.space,
          objective: { targets: [] },
          sampler: new RandomSampler(),
          trials: 5,
        }),
    ).toThrow(/names no metric/);
  });
});

describe("several objectives", () => {
  const t = (index: number, auc: number, ms: number): TrialRecord => ({
    index,
    params: {},
    status: "complete",
    values: { auc, latency: ms },
    intermediate: [],
  });
  const spec: ObjectiveSpec = {
    targets: [
      { metric: "auc", direction: "maximize" },
      { metric: "latency", direction: "minimize" },
    ],
  };
  const trials = [t(0, 0.9, 10), t(1, 0.85, 2), t(2, 0.8, 5), t(3, 0.88, 4), t(4, 0.9, 12)];

  it("non-dominated sorting finds the fronts", () => {
    expect(
      nonDominatedRanks([
        [1, 1],
        [2, 2],
        [0, 3],
        [3, 0],
        [2, 3],
      ]),
    ).toEqual([0, 1, 0, 0, 2]);
    expect(paretoFront(trials, spec).map((x) => x.index)).toEqual([0, 1, 3]);
  });

  it("the pick rules choose one front member as documented", () => {
    const front = paretoFront(trials, spec);
    expect(bestTrial(trials, spec)!.index).toBe(0);
    // Weighted sums of losses scaled over the front (auc: 0, 1, 0.4; latency: 1, 0, 0.25).
    expect(pickFromFront(front, spec, { kind: "weighted", weights: [1, 0.05] }).index).toBe(0);
    expect(pickFromFront(front, spec, { kind: "weighted", weights: [0.2, 0.8] }).index).toBe(1);
    expect(pickFromFront(front, spec, { kind: "closest_to_ideal" }).index).toBe(3);
  });

  it("a multi-objective study reports its Pareto front", async () => {
    const r = await new Study({
      space: branin.space,
      objective: spec,
      sampler: new TpeSampler({ nStartupTrials: 5 }),
      trials: 20,
      seed: 2,
    }).run(async (tr) => ({
      auc: -branin.f(tr.params),
      latency: (tr.params.x1 as number) + 5,
    }));
    expect(r.pareto.length).toBeGreaterThan(0);
    for (const a of r.pareto)
      for (const b of r.trials)
        expect(b.values.auc! > a.values.auc! && b.values.latency! < a.values.latency!).toBe(false);
  });
});

describe("tuning report data", () => {
  it("parameter importance ranks the parameter that drives the objective first", async () => {
    const space: SearchSpace = [
      { name: "matters", dist: { kind: "uniform", low: 0, high: 1 } },
      { name: "noise", dist: { kind: "uniform", low: 0, high: 1 } },
      { name: "kind", dist: { kind: "choice", values: ["a", "b"] } },
    ];
    const r = await new Study({
      space,
      objective: minimize(),
      sampler: new RandomSampler(),
      trials: 60,
      seed: 3,
    }).run(async (tr) => 10 * (tr.params.matters as number) + (tr.params.kind === "a" ? 1 : 0));
    const imp = parameterImportance(space, r.trials, minimize().targets[0]!);
    expect(imp[0]!.share).toBeGreaterThan(imp[1]!.share);
    expect(imp[0]!.share).toBeGreaterThan(imp[2]!.share);
    expect(imp.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
  });

  it("best-so-far history is monotone", async () => {
    const r = await new Study({
      space: branin.space,
      objective: minimize(),
      sampler: new RandomSampler(),
      trials: 15,
      seed: 3,
    }).run(async (tr) => branin.f(tr.params));
    const h = bestSoFar(r.trials, minimize().targets[0]!);
    for (let i = 1; i < h.length; i++) expect(h[i]!.best!).toBeLessThanOrEqual(h[i - 1]!.best!);
    expect(h[h.length - 1]!.best).toBe(r.best!.values.f);
  });
});
