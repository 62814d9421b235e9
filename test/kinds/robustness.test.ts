// Robustness suites on a tiny hand-made model: every perturbation kind, with values worked out by hand.
// The "model" scores P(positive) = x and its pipeline refuses a category training never saw, so
// each suite's metrics follow from the perturbed values alone.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { describe, expect, it } from "vitest";
import { columnValues } from "../../src/data/table-columns.js";
import type { Matrix } from "../../src/ml/matrix.js";
import type { RobustnessSettings } from "../../src/ir/robustness-names.js";
import {
  expectationBounds,
  robustnessSettingsOf,
  runRobustness,
  scoreRows,
} from "../../src/kinds/model/robustness.js";
import { perturbationSuites, trainStats, UNSEEN_VALUE } from "../../src/kinds/model/robustness-suites.js";

const pipeline = {
  rawInputs: [
    { name: "x", type: "float" as const },
    { name: "c", type: "string" as const },
  ],
  refuseUnseen: [],
  transform(t: ColumnTable): Matrix {
    const c = columnValues(t, "c");
    for (let i = 0; i < c.length; i++)
      if (c[i] !== "a" && c[i] !== "b") throw new Error(`unseen category ${String(c[i])}`);
    const x = columnValues(t, "x");
    return { nRows: t.numRows(), columns: [Float32Array.from(x as ArrayLike<number>)], names: ["x"] };
  },
};
const model = {
  outputWidth: 1,
  predict: (X: Matrix): Float64Array => Float64Array.from(X.columns[0]!),
};

// train x: 0, 0.5, 1 (sd = sqrt(1/6)); test x rises with the label, so the clean AUC is 1
const train = aq.table({ x: Float64Array.from([0, 0.5, 1]), c: ["a", "b", "a"] });
const test = aq.table({ x: Float64Array.from([0.25, 0.5, 0.75, 1]), c: ["a", "b", "a", "b"] });
const y = Float64Array.from([0, 0, 1, 1]);

const only = (
  over: Partial<RobustnessSettings["flags"]>,
  noise: Partial<RobustnessSettings> = {},
): RobustnessSettings => ({
  noisePercent: [],
  noiseSd: [],
  flags: { missing: false, out_of_range: false, unseen: false, swapped: false, empty: false, ...over },
  ...noise,
});

const run = (settings: RobustnessSettings, facts = { nullable: new Set<string>(), bounds: new Map() }) =>
  runRobustness({
    settings,
    task: { kind: "binary" } as never,
    pipeline,
    model,
    train,
    test: { table: test, y },
    threshold: 0.5,
    facts,
    seed: 7,
  });

describe("robustness suites", () => {
  it("noise ±x% multiplies every numeric value by 1 ± x/100 and leaves strings", () => {
    const suites = perturbationSuites(
      only({}, { noisePercent: [10] }),
      test,
      pipeline.rawInputs,
      trainStats(train, ["x"]),
      { nullable: new Set(), bounds: new Map() },
      7,
    );
    const x = Array.from(columnValues(suites.get("noise_10pct")![0]!.table, "x") as Float64Array);
    x.forEach((v, i) => {
      const base = [0.25, 0.5, 0.75, 1][i]!;
      expect([base * 1.1, base * 0.9].some((e) => Math.abs(e - v) < 1e-12)).toBe(true);
    });
    expect(columnValues(suites.get("noise_10pct")![0]!.table, "c")).toEqual(["a", "b", "a", "b"]);
    // small noise keeps the ranking: no AUC lost, nothing fails
    const m = run(only({}, { noisePercent: [10] })).metrics;
    expect(m["robustness.noise_10pct.auc"]).toBe(1);
    expect(m["robustness.noise_10pct.auc_drop"]).toBe(0);
    expect(m["robustness.noise_10pct.error_rate"]).toBe(0);
    expect(m["robustness.noise_10pct.rows"]).toBe(4);
  });

  it("noise ±k sd moves each value by exactly k training standard deviations", () => {
    const sd = Math.sqrt(1 / 6);
    const suites = perturbationSuites(
      only({}, { noiseSd: [2] }),
      test,
      pipeline.rawInputs,
      trainStats(train, ["x"]),
      { nullable: new Set(), bounds: new Map() },
      7,
    );
    const x = columnValues(suites.get("noise_2sd")![0]!.table, "x") as Float64Array;
    x.forEach((v, i) =>
      expect(Math.abs(Math.abs(v - [0.25, 0.5, 0.75, 1][i]!) - 2 * sd)).toBeLessThan(1e-12),
    );
    // the same seed draws the same signs: same bytes
    const again = perturbationSuites(
      only({}, { noiseSd: [2] }),
      test,
      pipeline.rawInputs,
      trainStats(train, ["x"]),
      { nullable: new Set(), bounds: new Map() },
      7,
    );
    expect(Array.from(columnValues(again.get("noise_2sd")![0]!.table, "x"))).toEqual(Array.from(x));
  });

  it("missing nulls each nullable input: a null x scores NaN, so every row is an error", () => {
    const m = run(only({ missing: true }), { nullable: new Set(["x"]), bounds: new Map() }).metrics;
    expect(m["robustness.missing.rows"]).toBe(4);
    expect(m["robustness.missing.error_rate"]).toBe(1);
    expect(m["robustness.missing.auc"]).toBeUndefined();
    // no nullable input: nothing to perturb, nothing fails
    const none = run(only({ missing: true })).metrics;
    expect(none["robustness.missing.rows"]).toBe(0);
    expect(none["robustness.missing.error_rate"]).toBe(0);
  });

  it("out_of_range puts each numeric input at and one sd beyond each bound", () => {
    const sd = Math.sqrt(1 / 6);
    const bounds = new Map([["x", { lower: 0 }]]);
    const suites = perturbationSuites(
      only({ out_of_range: true }),
      test,
      pipeline.rawInputs,
      trainStats(train, ["x"]),
      { nullable: new Set(), bounds },
      7,
    );
    const copies = suites.get("out_of_range")!;
    // lower from the expectation (0), upper from the training maximum (1)
    expect(copies.map((c) => (columnValues(c.table, "x") as Float64Array)[0])).toEqual([0, -sd, 1, 1 + sd]);
    const m = run(only({ out_of_range: true }), { nullable: new Set(), bounds }).metrics;
    // every copy has one x for all rows: tied scores, AUC 0.5; at threshold 0.5 the copies at 0 and -sd
    // call every row negative and those at 1 and 1+sd every row positive: accuracy 0.5. Clean, x = 0.5
    // is called positive (P ≥ threshold) and is not: accuracy 0.75, so the drop is 0.25.
    expect(m["robustness.out_of_range.rows"]).toBe(16);
    expect(m["robustness.out_of_range.auc"]).toBe(0.5);
    expect(m["robustness.out_of_range.auc_drop"]).toBe(0.5);
    expect(m["robustness.out_of_range.accuracy"]).toBe(0.5);
    expect(m["robustness.out_of_range.accuracy_drop"]).toBe(0.25);
    expect(m["robustness.out_of_range.error_rate"]).toBe(0);
  });

  it("unseen categories fail where the pipeline refuses them: error_rate 1", () => {
    const suites = perturbationSuites(
      only({ unseen: true }),
      test,
      pipeline.rawInputs,
      trainStats(train, ["x"]),
      { nullable: new Set(), bounds: new Map() },
      7,
    );
    expect(columnValues(suites.get("unseen")![0]!.table, "c")).toEqual(Array(4).fill(UNSEEN_VALUE));
    const m = run(only({ unseen: true })).metrics;
    expect(m["robustness.unseen.error_rate"]).toBe(1);
    expect(m["robustness.unseen.rows"]).toBe(4);
  });

  it("swapped strings permute the column; empty strings fail like any unseen value", () => {
    const suites = perturbationSuites(
      only({ swapped: true, empty: true }),
      test,
      pipeline.rawInputs,
      trainStats(train, ["x"]),
      { nullable: new Set(), bounds: new Map() },
      7,
    );
    const swapped = columnValues(suites.get("swapped")![0]!.table, "c") as string[];
    expect([...swapped].sort()).toEqual(["a", "a", "b", "b"]);
    expect(columnValues(suites.get("empty")![0]!.table, "c")).toEqual(["", "", "", ""]);
    const m = run(only({ swapped: true, empty: true })).metrics;
    // the model reads only x: swapping c changes nothing
    expect(m["robustness.swapped.auc_drop"]).toBe(0);
    expect(m["robustness.swapped.error_rate"]).toBe(0);
    expect(m["robustness.empty.error_rate"]).toBe(1);
  });

  it("measures a multiclass model's auc (one-vs-rest macro) and accuracy, which validate accepts", () => {
    // three classes scored 1 - x, 0 and x: the labels 0, 0, 2, 2 rank perfectly
    const multi = {
      outputWidth: 3,
      predict: (X: Matrix): Float64Array =>
        Float64Array.from(Array.from(X.columns[0]!).flatMap((x) => [1 - x, 0, x])),
    };
    const m = runRobustness({
      settings: only({}, { noisePercent: [10] }),
      task: { kind: "multiclass" } as never,
      pipeline,
      model: multi,
      train,
      test: { table: test, y: Float64Array.from([0, 0, 2, 2]) },
      facts: { nullable: new Set(), bounds: new Map() },
      seed: 7,
    }).metrics;
    expect(m["robustness.noise_10pct.auc"]).toBe(1);
    expect(m["robustness.noise_10pct.auc_drop"]).toBe(0);
    expect(m["robustness.noise_10pct.accuracy"]).toBe(1);
    expect(m["robustness.noise_10pct.accuracy_drop"]).toBe(0);
  });

  it("scores row by row when the batch fails, so only the failing rows count", () => {
    const mixed = aq.table({ x: Float64Array.from([0.1, NaN, 0.9]), c: ["a", "zzz", "b"] });
    const s = scoreRows(pipeline, model, mixed);
    expect(Array.from(s.failed)).toEqual([0, 1, 0]);
    expect(s.pred[2]).toBeCloseTo(0.9, 6);
    // a category serving refuses (`unseen = error`) fails its row even where the pipeline scores it
    const refused = scoreRows(pipeline, model, test, new Map([["c", new Set(["a"])]]));
    expect(Array.from(refused.failed)).toEqual([0, 1, 0, 1]);
  });

  it("reads bounds from expectations and settings from the lowered block", () => {
    const ref = (c: string) => ({ $ref: [c] });
    const b = expectationBounds([
      { $op: ">=", args: [ref("a"), 0] },
      { $op: "<", args: [ref("a"), 10] },
      { $op: "<=", args: [5, ref("b")] },
      { $call: "between", args: [ref("c"), -1, 1], named: {} },
      { $op: ">=", args: [ref("a"), 2] },
      { $call: "nulls", args: [ref("a")], named: {} },
    ]);
    expect(Object.fromEntries(b)).toEqual({
      a: { lower: 2, upper: 10 },
      b: { lower: 5 },
      c: { lower: -1, upper: 1 },
    });
    expect(robustnessSettingsOf({})).toBeUndefined();
    const s = robustnessSettingsOf({
      robustness: { $block: "robustness", attributes: { noise: [{ $percent: 5 }], unseen: false } },
    });
    expect(s).toEqual({
      noisePercent: [5],
      noiseSd: [1],
      flags: { missing: true, out_of_range: true, unseen: false, swapped: true, empty: true },
    });
  });
});
