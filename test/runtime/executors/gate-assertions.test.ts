// Gate assertion results: the fairness table a parity assertion measured is printed under it.
import { describe, expect, it } from "vitest";
import { fairnessReport } from "../../../src/ml/fairness/index.js";
import { renderGateResults, type AssertionResult } from "../../../src/kinds/gate/assertions.js";

describe("renderGateResults", () => {
  it("prints each group's selection rate and TPR under a parity assertion", () => {
    const y = Float64Array.of(1, 0, 1, 0, 1, 1);
    const pred = Float64Array.of(0.9, 0.2, 0.8, 0.7, 0.1, 0.6);
    const report = fairnessReport(y, pred, ["a", "a", "a", "b", "b", "b"]);
    const results: AssertionResult[] = [
      { text: "test.auc >= 0.5", passed: true, values: { "test.auc": 0.75 } },
      {
        text: "parity(test, by = plan) <= 0.1",
        passed: false,
        values: {},
        fairness: [{ split: "test", by: "plan", report }],
      },
    ];
    const text = renderGateResults("fair", results);
    const lines = text.split("\n");
    expect(lines[0]).toBe("gate fair: 1 of 2 assertions failed");
    expect(lines[2]).toMatch(/^ {2}FAIL {2}parity\(test, by = plan\) <= 0\.1/);
    // group a: 2 of 3 predicted positive, both positives found; group b: 2 of 3, one of two positives.
    expect(lines[3]).toContain(
      "by plan on test (selection rate/TPR): a 0.667/1.000 (n=3), b 0.667/0.500 (n=3)",
    );
    expect(lines[3]).toContain("parity difference 0.0000, equal opportunity 0.5000");
  });
});
