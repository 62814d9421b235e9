// A model's `decision { … }`: cost or profit over the four outcomes and the threshold rule, checked
// at validate; `cost` and `profit` metrics exist only for a model whose decision declares values.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const withDecision = (decision: string, gate = "test.auc >= 0.8", extra = ""): string =>
  BASE.replace(
    "  tune { trials = 5  objective = maximize(valid.auc) }",
    `  tune { trials = 5  objective = maximize(valid.auc) }\n${extra}  ${decision}`,
  ).replace("gate ship { model = churn  test.auc >= 0.8 }", `gate ship { model = churn  ${gate} }`);

describe("decisions", () => {
  it("accepts a cost or a profit with every rule, and gates and objectives on cost and profit", () => {
    for (const d of [
      "decision { cost = { fp = 1, fn = 20 } }",
      "decision { cost = { fp = 1, fn = 20 }  threshold = optimize }",
      "decision { profit = { tp = 50, fp = -5 } }",
      "decision { threshold = f1 }",
      "decision { threshold = youden }",
      "decision { threshold = precision(0.9) }",
      "decision { cost = { fn = 3 }  threshold = recall(0.8) }",
    ])
      expect(check(withDecision(d)).diagnostics, d).toEqual([]);
    const gated = withDecision(
      "decision { cost = { fp = 1, fn = 20 } }",
      "test.cost <= 2  test.cost.lower <= 1.5  test.cost <= champion.test.cost  valid.profit >= -3",
    );
    expect(check(gated).diagnostics).toEqual([]);
    const tuned = gated.replace("objective = maximize(valid.auc)", "objective = minimize(valid.cost)");
    expect(check(tuned).diagnostics).toEqual([]);
  });

  it("refuses cost metrics of a model whose decision declares no values", () => {
    for (const [d, gate] of [
      ["", "test.cost <= 2"],
      ["decision { threshold = f1 }", "champion.test.profit >= 0"],
    ] as const) {
      const r = check(withDecision(d, gate));
      expect(codes(r.diagnostics), gate).toEqual(["MLC1117"]);
      expect(r.diagnostics[0]!.message).toMatch(
        /needs what each outcome costs; model `churn` declares no decision values/,
      );
    }
    const wrongWay = check(
      withDecision("decision { cost = { fp = 1 } }").replace("maximize(valid.auc)", "maximize(valid.cost)"),
    );
    expect(wrongWay.diagnostics.map((d) => d.message)).toEqual([
      "`maximize` of `cost`, a metric where smaller is better",
    ]);
  });

  it("refuses both values, unknown outcomes, optimize without values, contamination and two thresholds", () => {
    const both = check(withDecision("decision { cost = { fp = 1 }  profit = { tp = 5 } }"));
    expect(both.diagnostics.map((d) => d.message)).toEqual([
      "a decision declares a cost or a profit per outcome, not both",
    ]);
    const unknown = check(withDecision("decision { cost = { fp = 1, fnn = 20 } }"));
    expect(unknown.diagnostics.map((d) => [d.message, d.hint])).toEqual([
      ["`fnn` is not an outcome of a binary decision", "did you mean `fn`?"],
    ]);
    const empty = check(withDecision("decision { cost = { } }"));
    expect(empty.diagnostics.map((d) => d.message)).toEqual([
      "name at least one outcome: `{ fp = 1, fn = 20 }`",
    ]);
    const optimize = check(withDecision("decision { threshold = optimize }"));
    expect(optimize.diagnostics.map((d) => d.message)).toEqual([
      "`threshold = optimize` minimises the cost of the decisions, and this decision declares no cost or profit",
    ]);
    const bare = check(withDecision("decision { }"));
    expect(codes(bare.diagnostics)).toEqual(["MLC1130"]);
    const contamination = check(withDecision("decision { threshold = contamination(0.1) }"));
    expect(contamination.diagnostics.map((d) => d.message)).toEqual([
      "`contamination(…)` is an anomaly model's rule; a classifier's decision has labels",
    ]);
    const two = check(withDecision("decision { threshold = f1 }", undefined, "  threshold = 0.3\n"));
    expect(two.diagnostics.map((d) => d.message)).toEqual([
      "model `churn` has a `threshold` and a decision block: both decide its threshold",
    ]);
  });

  it("refuses a decision on a regression or anomaly model and on a kfold split", () => {
    const reg = check(
      withDecision("decision { threshold = f1 }").replace(
        "task     = classify(churned)",
        "task     = regress(tenure)",
      ),
    );
    expect(reg.diagnostics.map((d) => d.message)).toContain(
      "a decision chooses a binary classifier's threshold; model `churn` does regress",
    );
    const kfold = check(
      withDecision("decision { threshold = f1 }")
        .replace(
          "method = stratified(churned)  train = 70%  valid = 15%  test = 15%",
          "method = kfold(5)  train = 80%  test = 20%",
        )
        .replace("objective = maximize(valid.auc)", "objective = maximize(cv.auc)"),
    );
    expect(kfold.diagnostics.map((d) => d.message)).toEqual([
      "a decision's threshold is chosen on the valid rows, and kfold split `holdout` has none",
    ]);
  });
});
