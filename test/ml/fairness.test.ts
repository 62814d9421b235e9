import { describe, expect, it } from "vitest";
import { fairnessReport, groupRates } from "../../src/ml/fairness/index.js";
import { metricFor } from "../../src/ml/metrics/index.js";

// Group A: y 1 1 0 0, p .9 .4 .6 .1 → selection 2/4, TPR 1/2, FPR 1/2
// Group B: y 1 0 0,   p .8 .2 .3    → selection 1/3, TPR 1,   FPR 0
const y = Float64Array.from([1, 1, 0, 0, 1, 0, 0]);
const p = Float64Array.from([0.9, 0.4, 0.6, 0.1, 0.8, 0.2, 0.3]);
const g = ["A", "A", "A", "A", "B", "B", "B"];

describe("fairness measures on a hand example", () => {
  it("per-group rates", () => {
    const r = groupRates(y, p, g);
    expect(r.map((x) => x.group)).toEqual(["A", "B"]);
    expect(r[0]).toMatchObject({ n: 4, positives: 2, selectionRate: 0.5, tpr: 0.5, fpr: 0.5 });
    expect(r[1]).toMatchObject({ n: 3, positives: 1, tpr: 1, fpr: 0 });
    expect(r[1]!.selectionRate).toBeCloseTo(1 / 3, 12);
  });

  it("parity, opportunity, odds and impact", () => {
    const f = fairnessReport(y, p, g, { metrics: [metricFor("accuracy")!, metricFor("auc")!] });
    expect(f.demographicParityDifference).toBeCloseTo(0.5 - 1 / 3, 12);
    expect(f.equalOpportunityDifference).toBeCloseTo(0.5, 12);
    expect(f.equalizedOddsDifference).toBeCloseTo(0.5, 12);
    expect(f.disparateImpactRatio).toBeCloseTo(2 / 3, 12);
    expect(f.groups[0]!.metrics.accuracy).toBeCloseTo(0.5, 12);
    expect(f.groups[1]!.metrics.accuracy).toBeCloseTo(1, 12);
    expect(f.groups[1]!.metrics.auc).toBeCloseTo(1, 12);
  });

  it("a threshold moves the rates, and a group without positives has no TPR", () => {
    const f = fairnessReport(y, p, g, { threshold: 0.25 });
    expect(f.groups[1]!.selectionRate).toBeCloseTo(2 / 3, 12);
    const r = groupRates(Float64Array.from([0, 0, 1]), Float64Array.from([0.9, 0.1, 0.7]), [1, 1, 2]);
    expect(r[0]!.tpr).toBeNaN();
    expect(
      fairnessReport(Float64Array.from([0, 0, 1]), Float64Array.from([0.9, 0.1, 0.7]), [1, 1, 2])
        .equalOpportunityDifference,
    ).toBe(0);
  });

  it("rejects mismatched lengths", () => {
    expect(() => groupRates(y, p, ["A"])).toThrow(/must match/);
  });
});
