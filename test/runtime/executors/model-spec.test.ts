import { describe, expect, it } from "vitest";
import { readModelSpec } from "../../../src/kinds/model/model-spec.js";
import { modelExecutor } from "../../../src/kinds/model/executor.js";
import type { Json } from "../../../src/ir/graph-ir.js";

const ref = (...p: string[]) => ({ $ref: p });
const call = ($call: string, args: Json[] = [], named: { [k: string]: Json } = {}) => ({
  $call,
  args,
  named,
});
const block = ($block: string, attributes: { [k: string]: Json }) => [
  { $block, attributes, blocks: {}, assertions: [] },
];

function config(trials: number, pruner = "median", tune: { [k: string]: Json } = {}): { [k: string]: Json } {
  return {
    task: call("classify", [ref("churn")], { positive: "yes" }),
    data: ref("holdout"),
    features: { $ref: ["usage"], star: true },
    algorithm: ref("gbdt"),
    params: block("params", {
      trees: 200,
      learning_rate: call("loguniform", [0.03, 0.3]),
      max_depth: call("int", [3, 8]),
      min_child_weight: call("choice", [[1, 5, 10]]),
    }),
    tune: block("tune", {
      method: ref("tpe"),
      trials,
      objective: call("maximize", [ref("valid", "auc")]),
      pruner: ref(pruner),
      ...tune,
    }),
  };
}

describe("model spec", () => {
  it("reads the task, fixed params, the search space and the tune settings", () => {
    const s = readModelSpec("churn", config(8, "successive_halving"));
    expect(s.task).toEqual({ kind: "classify", label: "churn", positive: "yes" });
    expect(s.features).toEqual({ from: "usage" });
    expect(s.fixed).toEqual({ trees: 200 });
    expect(s.space.map((d) => [d.name, d.dist.kind])).toEqual([
      ["learning_rate", "loguniform"],
      ["max_depth", "int"],
      ["min_child_weight", "choice"],
    ]);
    expect(s.tune).toEqual({
      method: "tpe",
      trials: 8,
      parallel: 1,
      pruner: "successive_halving",
      objectives: [{ split: "valid", metric: "auc", direction: "maximize" }],
    });
  });

  it("rejects distributions without a tune block, naming the model", () => {
    const c = config(8);
    delete c.tune;
    expect(() => readModelSpec("churn", c)).toThrow(/model churn: params hold search distributions/);
  });

  it("describes raising the trials, and only that, as an incremental change", () => {
    expect(modelExecutor.incrementalChange!(config(40), config(60))).toBe("20 more trials");
    expect(modelExecutor.incrementalChange!(config(40), config(41))).toBe("1 more trial");
    expect(modelExecutor.incrementalChange!(config(40), config(30))).toBeUndefined();
    expect(modelExecutor.incrementalChange!(config(40), config(60, "hyperband"))).toBeUndefined();
  });

  const two = {
    objective: [call("maximize", [ref("valid", "auc")]), call("minimize", [ref("model", "bytes")])],
  };

  it("reads a list of objectives, with closest_to_ideal as the default pick", () => {
    const s = readModelSpec("churn", config(8, "median", two));
    expect(s.tune?.objectives).toEqual([
      { split: "valid", metric: "auc", direction: "maximize" },
      { split: "model", metric: "bytes", direction: "minimize" },
    ]);
    expect(s.tune?.pick).toEqual({ kind: "closest_to_ideal" });
    expect(readModelSpec("churn", config(8, "median", { ...two, pick: ref("first") })).tune?.pick).toEqual({
      kind: "first",
    });
    expect(
      readModelSpec("churn", config(8, "median", { ...two, pick: call("weighted", [[0.7, 0.3]]) })).tune
        ?.pick,
    ).toEqual({ kind: "weighted", weights: [0.7, 0.3] });
    // One objective: no front, no pick (the tune settings read as before).
    expect(readModelSpec("churn", config(8, "median", { pick: ref("first") })).tune?.pick).toBeUndefined();
  });

  it("rejects a repeated objective, a weight count that differs, and an unknown model measure", () => {
    const twice = {
      objective: [call("maximize", [ref("valid", "auc")]), call("minimize", [ref("valid", "auc")])],
    };
    expect(() => readModelSpec("churn", config(8, "median", twice))).toThrow(
      /model churn: tune.objective names auc twice/,
    );
    expect(() =>
      readModelSpec("churn", config(8, "median", { ...two, pick: call("weighted", [[1]]) })),
    ).toThrow(/1 weights for 2 objectives/);
    expect(() =>
      readModelSpec("churn", config(8, "median", { objective: [call("minimize", [ref("model", "size")])] })),
    ).toThrow(/model.size is not a model measure/);
  });

  it("a changed objective list is not an incremental change; more trials of the same list is", () => {
    expect(modelExecutor.incrementalChange!(config(40), config(40, "median", two))).toBeUndefined();
    expect(modelExecutor.incrementalChange!(config(40, "median", two), config(50, "median", two))).toBe(
      "10 more trials",
    );
    expect(
      modelExecutor.incrementalChange!(
        config(40, "median", two),
        config(50, "median", { ...two, pick: ref("first") }),
      ),
    ).toBeUndefined();
  });
});
