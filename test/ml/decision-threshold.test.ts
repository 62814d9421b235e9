// Decision thresholds of a binary classifier on hand-computed rows: the cost-optimal threshold (cost
// and profit), F1, Youden's J, precision and recall targets, ties, and the cost metrics at a threshold.
import { describe, expect, it } from "vitest";
import {
  costOptimalThreshold,
  decisionThreshold,
  servedThreshold,
  youdenThreshold,
} from "../../src/ml/decision-threshold.js";
import { metricFor, metricsForTask } from "../../src/ml/metrics/index.js";
import { evaluateSplit } from "../../src/ml/stats/evaluate.js";
import { costCurve } from "../../src/ml/report/cost-curve.js";
import { compareModels } from "../../src/ml/stats/compare.js";

// by descending score: + + − + − −
const y = Float64Array.from([1, 1, 0, 1, 0, 0]);
const p = Float64Array.from([0.9, 0.8, 0.7, 0.4, 0.3, 0.1]);
const cost = (fp: number, fn: number) => ({ tp: 0, fp, tn: 0, fn });

describe("cost-optimal threshold", () => {
  it("minimises the total cost over every distinct score", () => {
    // total cost at each threshold with fp = 1, fn = 5:
    // none 15 · 0.9 → 10 · 0.8 → 5 · 0.7 → 6 · 0.4 → 1 · 0.3 → 2 · 0.1 → 3
    expect(costOptimalThreshold(y, p, cost(1, 5))).toEqual({ threshold: servedThreshold(0.4) });
    // fn = 0.5: none 1.5 · 0.9 → 1 · 0.8 → 0.5 · 0.7 → 1.5 · 0.4 → 1 · …
    expect(costOptimalThreshold(y, p, cost(1, 0.5))).toEqual({ threshold: servedThreshold(0.8) });
    // a profit of 50 per tp and −5 per fp is a cost of −50 and 5:
    // none 0 · 0.9 → −50 · 0.8 → −100 · 0.7 → −95 · 0.4 → −145 · 0.3 → −140 · 0.1 → −135
    expect(costOptimalThreshold(y, p, { tp: -50, fp: 5, tn: 0, fn: 0 })).toEqual({
      threshold: servedThreshold(0.4),
    });
  });

  it("keeps the highest threshold on ties, and deciding nothing positive is a candidate", () => {
    // everything free: every threshold ties, and deciding no row positive is the highest
    const t = costOptimalThreshold(y, p, cost(0, 0));
    expect("threshold" in t && t.threshold > 0.9 && t.threshold < 0.9000001).toBe(true);
    // the highest score is a negative, and a false positive costs more than a missed positive:
    // none 1 · 0.9 → 101 · 0.2 → 100: decide nothing, just above the highest score
    const none = costOptimalThreshold(Float64Array.from([0, 1]), Float64Array.from([0.9, 0.2]), cost(100, 1));
    expect(none).toEqual({ threshold: 0.9000000357627869 });
  });

  it("is a served threshold: float32, strictly inside (0, 1)", () => {
    expect(servedThreshold(0)).toBeGreaterThan(0);
    expect(servedThreshold(1)).toBeLessThan(1);
    expect(servedThreshold(0.1)).toBeLessThanOrEqual(0.1);
    // the nearest float32 to 0.1 is above it: the one below
    expect(servedThreshold(0.1)).toBe(0.09999999403953552);
    expect(servedThreshold(0.5)).toBe(0.5);
    const all = costOptimalThreshold(Float64Array.from([1, 1]), Float64Array.from([0, 0.5]), cost(1, 5));
    expect(all).toEqual({ threshold: servedThreshold(0) });
    expect(
      costOptimalThreshold(
        y,
        Float64Array.from(y, () => NaN),
        cost(1, 5),
      ),
    ).toEqual({
      problem: "no row has a finite score",
    });
  });
});

describe("other rules", () => {
  it("f1, youden, precision and recall on the same rows", () => {
    // F1: 0.9 → 0.5 · 0.8 → 0.8 · 0.7 → 0.667 · 0.4 → 0.857 · 0.3 → 0.75
    expect(decisionThreshold({ rule: { kind: "f1" } }, y, p)).toEqual({ threshold: servedThreshold(0.4) });
    // J: 0.9 → 1/3 · 0.8 → 2/3 · 0.7 → 1/3 · 0.4 → 2/3 (tie: the higher, 0.8)
    expect(youdenThreshold(y, p)).toEqual({ threshold: servedThreshold(0.8) });
    // precision: 0.7 → 2/3 · 0.4 → 3/4 · 0.3 → 3/5: the lowest with ≥ 0.75 is 0.4
    expect(decisionThreshold({ rule: { kind: "precision", target: 0.75 } }, y, p)).toEqual({
      threshold: servedThreshold(0.4),
    });
    // recall: 0.9 → 1/3 · 0.8 → 2/3: the highest with ≥ 0.6 is 0.8
    expect(decisionThreshold({ rule: { kind: "recall", target: 0.6 } }, y, p)).toEqual({
      threshold: servedThreshold(0.8),
    });
    expect(decisionThreshold({ rule: { kind: "fixed", threshold: 0.3 } }, y, p)).toEqual({ threshold: 0.3 });
    expect(decisionThreshold({ rule: { kind: "optimize" } }, y, p)).toEqual({
      problem: "threshold = optimize needs the outcomes' cost or profit",
    });
    expect(youdenThreshold(Float64Array.from([1, 1]), Float64Array.from([0.2, 0.3]))).toEqual({
      problem: "the rows hold no negative row, so Youden's J is undefined",
    });
  });
});

describe("cost metrics", () => {
  it("are the mean cost and profit per row at the decision threshold", () => {
    const input = { y, pred: p, width: 1, decision: { threshold: servedThreshold(0.4), costs: cost(1, 5) } };
    expect(metricFor("cost")!.compute(input)).toBeCloseTo(1 / 6, 12);
    expect(metricFor("profit")!.compute(input)).toBeCloseTo(-1 / 6, 12);
    // threshold metrics follow the decision: at 0.4, tp 3, fp 1
    expect(metricFor("precision")!.compute(input)).toBe(0.75);
    expect(metricFor("recall")!.compute(input)).toBe(1);
    expect(metricFor("accuracy")!.compute(input)).toBeCloseTo(5 / 6, 12);
    // and without a decision they stay at 0.5: tp 2, fp 1
    expect(metricFor("precision")!.compute({ y, pred: p, width: 1 })).toBeCloseTo(2 / 3, 12);
    expect(metricFor("cost")!.compute({ y, pred: p, width: 1 })).toBeNaN();
  });

  it("are evaluated with intervals only when the decision declares costs", () => {
    expect(metricsForTask("binary").map((m) => m.name)).not.toContain("cost");
    const e = evaluateSplit(
      "binary",
      { y, pred: p, width: 1, decision: { threshold: servedThreshold(0.4), costs: cost(1, 5) } },
      { resamples: 200, seed: 1 },
    );
    const c = e.metrics.find((m) => m.name === "cost")!;
    expect(c.value).toBeCloseTo(1 / 6, 12);
    expect(c.lower!).toBeLessThanOrEqual(c.value!);
    expect(c.upper!).toBeGreaterThanOrEqual(c.value!);
    expect(c.upper!).toBeGreaterThan(c.lower!);
  });

  it("draws the cost curve through the chosen point", () => {
    const c = costCurve(y, p, cost(1, 5), servedThreshold(0.4));
    expect(c.chosen).toEqual({ x: servedThreshold(0.4), y: 1 / 6 });
    expect(c.x).toContain(servedThreshold(0.4));
    expect(c.x).toHaveLength(100);
    expect(Math.min(...c.y)).toBe(1 / 6);
    // at 0.5: tp 2, fp 1, fn 1 → 1 + 5 over 6 rows
    expect(c.y[c.x.indexOf(0.5)]).toBe(1);
  });
});

describe("champion comparisons", () => {
  it("take each model's decisions at its own threshold, costed alike", () => {
    const rows = compareModels(
      "binary",
      { y, width: 1, decision: { threshold: servedThreshold(0.4), costs: cost(1, 5) } },
      p,
      p,
      { resamples: 50, seed: 3, decisionB: { threshold: 0.75, costs: cost(1, 5) } },
    );
    const c = rows.find((r) => r.metric === "cost")!;
    // challenger at 0.4: fp 1 → 1/6; champion at 0.75: fn 1 → 5/6
    expect(c.challenger).toBeCloseTo(1 / 6, 12);
    expect(c.champion).toBeCloseTo(5 / 6, 12);
    expect(c.difference).toBeCloseTo(-4 / 6, 12);
    // accuracy by McNemar at the same two thresholds: 5/6 against 5/6
    const mc = rows.find((r) => r.metric === "accuracy" && r.test === "mcnemar")!;
    expect([mc.challenger, mc.champion]).toEqual([5 / 6, 5 / 6]);
  });
});
