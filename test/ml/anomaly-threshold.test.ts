// The anomaly decision threshold: the (1 − contamination) quantile of calibration scores, as numpy's
// default (linear) quantile computes it (values computed once with numpy and kept as constants).
import { describe, expect, it } from "vitest";
import { contaminationThreshold } from "../../src/ml/anomaly-threshold.js";

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
