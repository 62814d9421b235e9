// A monitor run's assertions as the check results the drift report and the /metrics gauges read.
import { describe, expect, it } from "vitest";
import { checkParts, checkResultsOf } from "../../src/kinds/monitor/check-results.js";

describe("monitor check results", () => {
  it("take the feature and test from each check's text", () => {
    expect(checkParts("drift(total_day_minutes, ks)")).toEqual({ feature: "total_day_minutes", test: "ks" });
    expect(checkParts("prediction_drift(psi)")).toEqual({ feature: "prediction", test: "psi" });
    expect(checkParts("null_rate(state)")).toEqual({ feature: "state", test: "null_rate" });
    expect(checkParts("drift_share(js)")).toEqual({ test: "drift_share" });
    expect(checkParts("live.auc")).toEqual({ test: "live.auc" });
    expect(checkParts("latency.p99")).toEqual({ test: "latency.p99" });
  });

  it("give one result per check, with the assertion's status, threshold and rows", () => {
    const r = checkResultsOf([
      {
        text: "drift(x) < 0.1",
        status: "BREACH",
        values: { "drift(x, ks)": 0.4 },
        threshold: 0.1,
        rows: 600,
      },
      { text: "live.auc >= 0.8", status: "NOT ENOUGH DATA", values: {}, threshold: 0.8, rows: 3 },
      { text: "requests() > 10", status: "PASS", values: { "requests()": 50 }, rows: 50 },
    ]);
    expect(r).toEqual([
      {
        assertion: "drift(x) < 0.1",
        feature: "x",
        test: "ks",
        statistic: 0.4,
        threshold: 0.1,
        status: "breach",
        rows: 600,
      },
      { assertion: "live.auc >= 0.8", statistic: NaN, threshold: 0.8, status: "not_enough_data", rows: 3 },
      {
        assertion: "requests() > 10",
        test: "requests",
        statistic: 50,
        threshold: NaN,
        status: "pass",
        rows: 50,
      },
    ]);
  });
});
