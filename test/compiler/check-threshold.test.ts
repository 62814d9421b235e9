// A model's `threshold`: a classifier's probability, an anomaly model's rule (contamination, precision,
// recall) checked at validate: ranges, labels for precision/recall, one rule, and gates on the metrics.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const anomaly = (task: string, threshold?: string, gate = "test.auc >= 0.8"): string =>
  BASE.replace(
    "task     = classify(churned)",
    `task     = ${task}${threshold ? `\n  threshold = ${threshold}` : ""}`,
  )
    .replace("algorithm", "algorithm")
    .replace("params { trees = 100  learning_rate = loguniform(0.01, 0.3) }", "algorithm = isolation_forest")
    .replace("tune { trials = 5  objective = maximize(valid.auc) }", "")
    .replace("gate ship { model = churn  test.auc >= 0.8 }", `gate ship { model = churn  ${gate} }`);

describe("anomaly thresholds", () => {
  it("accepts contamination, precision and recall rules, and gates on every anomaly metric", () => {
    expect(check(anomaly("detect_anomalies()", "contamination(0.02)")).diagnostics).toEqual([]);
    expect(check(anomaly("detect_anomalies(label = churned)", "precision(0.9)")).diagnostics).toEqual([]);
    expect(check(anomaly("detect_anomalies(label = churned, k = 50)", "recall(0.8)")).diagnostics).toEqual(
      [],
    );
    expect(
      check(
        anomaly(
          "detect_anomalies(label = churned)",
          undefined,
          "test.precision_at_k >= 0.5  valid.pr_auc >= 0.3",
        ),
      ).diagnostics,
    ).toEqual([]);
  });

  it("refuses precision or recall without labels", () => {
    const r = check(anomaly("detect_anomalies()", "precision(0.9)"));
    expect(codes(r.diagnostics)).toEqual(["MLC1130"]);
    expect(r.diagnostics[0]!.message).toBe(
      "`threshold = precision(…)` is calibrated on labelled validation rows, and the task of `churn` has no label",
    );
    expect(codes(check(anomaly("detect_anomalies()", "recall(0.8)")).diagnostics)).toEqual(["MLC1130"]);
  });

  it("calibrates on reviewed labels with `on = REVIEWS`, which must be a review source", () => {
    const reviews = "\nsource reviews {\n  review = api\n}\n";
    expect(
      check(anomaly("detect_anomalies()", "precision(0.9, on = reviews)") + reviews).diagnostics,
    ).toEqual([]);
    expect(
      check(anomaly("detect_anomalies(label = churned)", "recall(0.8, on = reviews)") + reviews).diagnostics,
    ).toEqual([]);
    const notReview = check(anomaly("detect_anomalies()", "precision(0.9, on = customers)"));
    expect(codes(notReview.diagnostics)).toEqual(["MLC1130"]);
    expect(notReview.diagnostics[0]!.message).toBe(
      "`on = customers` calibrates on reviewers' labels, and source `customers` is not a review source",
    );
  });

  it("refuses out-of-range targets and shares", () => {
    for (const [rule, message] of [
      ["precision(1.5)", "1.5 is out of range: expected 0 to 1"],
      ["recall(0)", "must be greater than 0"],
      ["contamination(0.7)", "0.7 is out of range: expected 0 to 0.5"],
      ["contamination(0)", "must be greater than 0"],
    ] as const) {
      const r = check(anomaly("detect_anomalies(label = churned)", rule));
      expect(
        r.diagnostics.map((d) => d.message),
        rule,
      ).toEqual([expect.stringContaining(message)]);
    }
  });

  it("refuses a number on an anomaly model, a rule on a classifier, and two rules", () => {
    const num = check(anomaly("detect_anomalies()", "0.7"));
    expect(codes(num.diagnostics)).toEqual(["MLC1130"]);
    expect(num.diagnostics[0]!.message).toMatch(/a number is a classifier's probability threshold/);
    const cls = check(
      BASE.replace("task     = classify(churned)", "task     = classify(churned)\n  threshold = recall(0.8)"),
    );
    expect(codes(cls.diagnostics)).toEqual(["MLC1130"]);
    expect(cls.diagnostics[0]!.message).toMatch(
      /is a rule of detect_anomalies models; model `churn` does classify/,
    );
    const two = check(anomaly("detect_anomalies(contamination = 0.05)", "contamination(0.02)"));
    expect(codes(two.diagnostics)).toEqual(["MLC1126"]);
    expect(two.diagnostics[0]!.message).toMatch(/both decide the threshold/);
  });
});
