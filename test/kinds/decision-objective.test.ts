// A search objective on a decision's metrics: each trial's threshold is chosen by the decision's rule
// on the valid rows, and `valid.cost`, `valid.precision` are taken there (hand-computed rows).
import { describe, expect, it } from "vitest";
import { objectiveScorer } from "../../src/kinds/model/objective-values.js";
import type { TrainedModel } from "../../src/ml/estimator.js";

const y = Float64Array.from([1, 1, 0, 1, 0, 0]);
const p = Float64Array.from([0.9, 0.8, 0.7, 0.4, 0.3, 0.1]);
const valid = { X: { nRows: 6, columns: [new Float32Array(6)], names: ["x"] }, y };
const model = {
  outputWidth: 1,
  predict: () => p,
  serialize: () => new Uint8Array(3),
} as unknown as TrainedModel;
const costs = { tp: 0, fp: 1, tn: 0, fn: 5 };

describe("decision objectives", () => {
  it("score a trial at the threshold its decision chooses on the valid rows", () => {
    const score = objectiveScorer(
      [
        { split: "valid", metric: "cost", direction: "minimize" },
        { split: "valid", metric: "precision", direction: "maximize" },
      ],
      valid,
      undefined,
      undefined,
      { rule: { kind: "optimize" }, costs },
    );
    // optimal at 0.4: tp 3, fp 1, fn 0 → cost 1 over 6 rows; precision 3/4
    expect(score(model)).toEqual({ cost: 1 / 6, precision: 0.75 });
  });

  it("take a fixed threshold as it is, and give NaN when the rule cannot choose", () => {
    const fixed = objectiveScorer(
      [{ split: "valid", metric: "precision", direction: "maximize" }],
      valid,
      undefined,
      undefined,
      { rule: { kind: "fixed", threshold: 0.75 } },
    );
    // at 0.75: 0.9 and 0.8, both positives
    expect(fixed(model)).toEqual({ precision: 1 });
    const unreachable = objectiveScorer(
      [{ split: "valid", metric: "cost", direction: "minimize" }],
      { ...valid, y: Float64Array.from([0, 0, 0, 0, 0, 0]) },
      undefined,
      undefined,
      { rule: { kind: "precision", target: 0.9 }, costs },
    );
    expect(unreachable(model).cost).toBeNaN();
  });
});
