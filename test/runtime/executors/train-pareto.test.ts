// trainBranch with two objectives (validation AUC against the fitted model's size): the study's
// Pareto front, the trial each pick rule refits, and determinism, on the main thread.
import { beforeAll, describe, expect, it } from "vitest";
import { loadEstimator } from "../../../src/ml/algorithms.js";
import type { Estimator } from "../../../src/ml/estimator.js";
import { dominates, pickFromFront, type PickRule } from "../../../src/ml/tune/index.js";
import type { ModelSpec, TuneSpec } from "../../../src/kinds/model/model-spec.js";
import { studyObjective } from "../../../src/kinds/model/objective-values.js";
import { trainBranch, type TrainOutcome } from "../../../src/kinds/model/train.js";
import { BINARY, gbdtSpec, syntheticBinary } from "./tune-fixtures.js";

const synthetic = (n: number, seed: number) =>
  syntheticBinary(n, seed, 6, (j, v) => (j % 2 === 0 ? 1 : -0.7) * v * (j < 3 ? 1 : v), 0.8);

const TWO: TuneSpec["objectives"] = [
  { split: "valid", metric: "auc", direction: "maximize" },
  { split: "model", metric: "bytes", direction: "minimize" },
];

function spec(pick: PickRule, objectives = TWO): ModelSpec {
  return gbdtSpec({
    fixed: { learning_rate: 0.2 },
    // Few shallow trees are small and weaker; many deep ones are large and stronger: a trade-off.
    space: [
      { name: "trees", dist: { kind: "int", low: 2, high: 40 } },
      { name: "max_depth", dist: { kind: "int", low: 1, high: 5 } },
    ],
    tune: {
      method: "random",
      trials: 12,
      parallel: 1,
      pruner: "none",
      objectives,
      ...(objectives.length > 1 ? { pick } : {}),
    },
  });
}

describe("tuning with two objectives", () => {
  let gbdt: Estimator;
  const data = { train: synthetic(800, 1), valid: synthetic(400, 2), task: BINARY };
  const runs = new Map<string, { out: TrainOutcome; logs: string[] }>();
  const run = async (pick: PickRule) => {
    const key = JSON.stringify(pick);
    if (!runs.has(key)) {
      const logs: string[] = [];
      runs.set(key, {
        out: await trainBranch(spec(pick), gbdt, data, 3, {
          log: (m) => logs.push(m),
          threads: 1,
          trialWorkerUrl: null,
        }),
        logs,
      });
    }
    return runs.get(key)!;
  };

  const strip = (o: TrainOutcome) => o.study!.trials.map((t) => [t.index, t.status, t.params, t.values]);

  beforeAll(async () => {
    gbdt = (await loadEstimator("gbdt"))!;
  });

  it("records both values per trial and returns the non-dominated trials as the front", async () => {
    const { out, logs } = await run({ kind: "closest_to_ideal" });
    const trials = out.study!.trials;
    expect(trials).toHaveLength(12);
    for (const t of trials) {
      expect(t.status).toBe("complete");
      expect(Object.keys(t.values)).toEqual(["auc", "model.bytes"]);
      expect(Number.isInteger(t.values["model.bytes"])).toBe(true);
    }
    const loss = (t: (typeof trials)[number]) => [-t.values.auc!, t.values["model.bytes"]!];
    const expected = trials
      .filter((t) => !trials.some((u) => dominates(loss(u), loss(t))))
      .map((t) => t.index);
    expect(out.study!.pareto.map((t) => t.index)).toEqual(expected);
    // A real trade-off: the front holds more than one trial.
    expect(expected.length).toBeGreaterThan(1);
    expect(logs.filter((l) => /^trial \d+: auc = 0\.\d{5}, model\.bytes = \d+ \{/.test(l))).toHaveLength(12);
    expect(logs.at(-1)).toMatch(
      /^tune: Pareto front of \d+ trials \([\d, ]+\); picked trial \d+ by closest_to_ideal$/,
    );
  }, 60_000);

  it("refits the trial each pick rule chooses from the same front", async () => {
    const rules: PickRule[] = [
      { kind: "closest_to_ideal" },
      { kind: "first" },
      { kind: "weighted", weights: [0.1, 0.9] },
    ];
    const picked: number[] = [];
    for (const rule of rules) {
      const { out } = await run(rule);
      const front = out.study!.pareto;
      // The pick rule does not steer the search: every rule sees the same trials.
      expect(strip(out)).toEqual(strip((await run(rules[0]!)).out));
      expect(out.study!.best!.index).toBe(pickFromFront(front, studyObjective(spec(rule).tune!), rule).index);
      // The refit reproduces the picked trial: same params and seed give the same model.
      expect(out.model.serialize().byteLength).toBe(out.study!.best!.values["model.bytes"]);
      picked.push(out.study!.best!.index);
    }
    const front = (await run(rules[0]!)).out.study!.pareto;
    // The rules disagree on this front, so each was really applied.
    expect(new Set(picked).size).toBe(3);
    // `first` is the front's best AUC.
    expect(picked[1]).toBe(front.reduce((a, b) => (b.values.auc! > a.values.auc! ? b : a)).index);
  }, 60_000);

  it("is deterministic: the same spec and seed give the same trials and front", async () => {
    const again = await trainBranch(spec({ kind: "closest_to_ideal" }), gbdt, data, 3, {
      log: () => undefined,
      threads: 1,
      trialWorkerUrl: null,
    });
    const first = (await run({ kind: "closest_to_ideal" })).out;
    expect(strip(again)).toEqual(strip(first));
    expect(again.study!.best!.index).toBe(first.study!.best!.index);
  }, 60_000);

  it("with one objective, keeps the best value and records it under the metric's name", async () => {
    const out = await trainBranch(spec({ kind: "first" }, TWO.slice(0, 1)), gbdt, data, 3, {
      log: () => undefined,
      threads: 1,
      trialWorkerUrl: null,
    });
    const best = out.study!.trials.reduce((a, b) => (b.values.auc! > a.values.auc! ? b : a));
    expect(out.study!.best!.index).toBe(best.index);
    for (const t of out.study!.trials) expect(Object.keys(t.values)).toEqual(["auc"]);
  }, 60_000);

  it("refuses pruning when the first objective is a model measure", async () => {
    const s = spec({ kind: "first" }, [TWO[1]!, TWO[0]!]);
    s.tune!.pruner = "median";
    await expect(
      trainBranch(s, gbdt, data, 3, { log: () => undefined, threads: 1, trialWorkerUrl: null }),
    ).rejects.toThrow(/tune.pruner follows the first objective, which is model.bytes/);
  });
});
