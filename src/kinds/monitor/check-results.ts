// A monitor run's assertions as CheckResults (src/ml/drift/check-result.ts), the shape the drift
// report and the /metrics gauges read: one result per check an assertion read, with the feature and
// the test taken from the check's text (`drift(tenure, psi)`, `null_rate(x)`, `live.auc`, `latency.p99`).
import type { CheckResult, CheckStatus } from "../../ml/drift/check-result.js";
import type { AssertionOutcome, AssertionStatus } from "./results.js";

const STATUS: Record<AssertionStatus, CheckStatus> = {
  PASS: "pass",
  BREACH: "breach",
  "NOT ENOUGH DATA": "not_enough_data",
};

/** The feature and test a check's text names. */
export function checkParts(text: string): { feature?: string; test: string } {
  const call = /^([a-z_]+)\((.*)\)$/.exec(text);
  if (!call) return { test: text }; // live.auc, latency.p99
  const [fn, args] = [
    call[1]!,
    call[2]!
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean),
  ];
  switch (fn) {
    case "drift":
      return { feature: args[0], test: args[1] ?? "drift" };
    case "prediction_drift":
      return { feature: "prediction", test: args[0] ?? "drift" };
    case "null_rate":
    case "unseen_rate":
      return { feature: args[0], test: fn };
    default:
      return { test: fn }; // drift_share, requests
  }
}

/** Every check of every assertion, in order; an assertion that read no check still gives one result. */
export function checkResultsOf(assertions: readonly AssertionOutcome[]): CheckResult[] {
  const out: CheckResult[] = [];
  for (const a of assertions) {
    const status = STATUS[a.status];
    const threshold = a.threshold ?? NaN;
    const checks = Object.entries(a.values);
    if (!checks.length) out.push({ assertion: a.text, statistic: NaN, threshold, status, rows: a.rows });
    for (const [text, value] of checks) {
      const { feature, test } = checkParts(text);
      out.push({
        assertion: a.text,
        ...(feature !== undefined ? { feature } : {}),
        test,
        statistic: value,
        threshold,
        status,
        rows: a.rows,
      });
    }
  }
  return out;
}
