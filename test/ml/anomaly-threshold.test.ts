// The anomaly decision threshold: the (1 − contamination) quantile of calibration scores, as numpy's
// default (linear) quantile computes it (values computed once with numpy and kept as constants), or
// the precision/recall target on labelled rows, and precision_at_k (hand-computed values).
import { describe, expect, it } from "vitest";
import {
  anomalyThreshold,
  contaminationThreshold,
  precisionThreshold,
  recallThreshold,
} from "../../src/ml/anomaly-threshold.js";
import { metricFor, metricsForTask, precisionAtK } from "../../src/ml/metrics/index.js";

describe("contaminationThreshold", () => {
  const scores = [0.3, 0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.4, 0.6, 1.0];
  it("is numpy's quantile at 1 − contamination, in float32", () => {
    // np.quantile(a, 0.9) = 0.91, np.float32(0.91) = 0.9100000262260437; np.quantile(a, 0.98) = 0.982
    expect(contaminationThreshold(scores, 0.1)).toBe(0.9100000262260437);
    expect(contaminationThreshold(scores, 0.02)).toBe(Math.fround(0.982));
  });

  it("ignores non-finite scores and flags about the contamination share", () => {
    const withNaN = [...scores, NaN, Infinity];
    expect(contaminationThreshold(withNaN, 0.1)).toBe(0.9100000262260437);
    const many = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const t = contaminationThreshold(many, 0.05)!;
    expect(many.filter((s) => s >= t).length).toBe(50);
  });

  it("has no threshold for contamination 0 or no finite score", () => {
    expect(contaminationThreshold(scores, 0)).toBeUndefined();
    expect(contaminationThreshold([NaN], 0.1)).toBeUndefined();
  });
});

// Hand-computed: six rows by descending score, labels 1 1 0 1 0 0 (three anomalies).
//   flag ≥ 0.9: 1/1 precision 1,    recall 1/3
//   flag ≥ 0.8: 2/2 precision 1,    recall 2/3
//   flag ≥ 0.7: 2/3 precision .667, recall 2/3
//   flag ≥ 0.6: 3/4 precision .75,  recall 1
//   flag ≥ 0.5: 3/5 precision .6,   recall 1
//   flag ≥ 0.4: 3/6 precision .5,   recall 1
describe("precision and recall thresholds", () => {
  const scores = [0.4, 0.9, 0.6, 0.7, 0.8, 0.5];
  const y = [0, 1, 1, 0, 1, 0];
  it("precision(p) is the lowest score whose flagged rows reach p", () => {
    expect(precisionThreshold(scores, y, 0.9)).toEqual({ threshold: Math.fround(0.8) });
    expect(precisionThreshold(scores, y, 0.7)).toEqual({ threshold: Math.fround(0.6) });
    expect(precisionThreshold(scores, y, 0.5)).toEqual({ threshold: Math.fround(0.4) });
  });

  it("recall(r) is the highest score whose flagged rows hold r of the anomalies", () => {
    expect(recallThreshold(scores, y, 0.6)).toEqual({ threshold: Math.fround(0.8) });
    expect(recallThreshold(scores, y, 0.8)).toEqual({ threshold: Math.fround(0.6) });
    expect(recallThreshold(scores, y, 0.3)).toEqual({ threshold: Math.fround(0.9) });
  });

  it("counts tied scores together: a tie is flagged as a whole", () => {
    // 0.9 (1), 0.8 (1), 0.8 (0): flagging ≥ 0.8 gives precision 2/3, never 2/2
    expect(precisionThreshold([0.9, 0.8, 0.8], [1, 1, 0], 0.9)).toEqual({ threshold: Math.fround(0.9) });
  });

  it("says why no threshold fits: an unreachable precision, no labelled anomaly, no labels", () => {
    expect(precisionThreshold([0.9, 0.8, 0.7], [0, 1, 0], 0.9)).toEqual({
      problem: "no threshold reaches precision 90.0% (the best is 50.0%, over 3 distinct scores)",
    });
    expect(recallThreshold([0.9, 0.8], [0, 0], 0.8)).toEqual({
      problem: "the rows hold no labelled anomaly, so recall is undefined",
    });
    expect(recallThreshold([0.9, NaN], [0, 1], 0.8)).toMatchObject({
      problem: expect.stringContaining("no finite score"),
    });
    expect(anomalyThreshold({ kind: "precision", target: 0.9 }, scores, undefined)).toMatchObject({
      problem: expect.stringContaining("needs labelled rows"),
    });
    expect(
      anomalyThreshold(
        { kind: "contamination", share: 0.1 },
        [0.3, 0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.4, 0.6, 1.0],
        undefined,
      ),
    ).toEqual({
      threshold: 0.9100000262260437,
    });
  });
});

describe("precision_at_k", () => {
  it("is the share of anomalies among the k highest scores, ties at the cut-off counted fractionally", () => {
    const y = new Float64Array([1, 0, 1, 0]);
    const s = new Float64Array([0.9, 0.8, 0.8, 0.7]);
    expect(precisionAtK(y, s, 1)).toBe(1);
    // 0.9 is in; one of the two rows tied at 0.8 is, an anomaly half the time: (1 + 0.5) / 2
    expect(precisionAtK(y, s, 2)).toBe(0.75);
    expect(precisionAtK(y, s, 3)).toBeCloseTo(2 / 3, 15);
    // k beyond the rows is capped at the rows
    expect(precisionAtK(y, s, 10)).toBe(0.5);
    // NaN scores rank last
    expect(precisionAtK(new Float64Array([1, 0]), new Float64Array([NaN, 0.1]), 1)).toBe(0);
    expect(precisionAtK(new Float64Array([]), new Float64Array([]), 3)).toBeNaN();
  });

  it("is evaluated for the anomaly task at the input's k", () => {
    const m = metricFor("precision_at_k")!;
    expect(m.tasks).toEqual(["ranking", "anomaly"]); // one metric of two tasks (a rank task reads its queries)
    const y = new Float64Array([0, 1, 1, 0, 0]);
    const pred = new Float64Array([0.1, 0.9, 0.5, 0.8, 0.2]);
    expect(m.compute({ y, pred, width: 1, k: 2 })).toBe(0.5);
    expect(m.compute({ y, pred, width: 1, k: 3 })).toBeCloseTo(2 / 3, 15);
    expect(metricsForTask("anomaly").map((x) => x.name)).toEqual(["auc", "pr_auc", "precision_at_k"]);
  });
});
