// The outcome of one monitor assertion on one window, as the drift report, the server's /metrics
// gauges and the monitor's history read it: which assertion, on which feature with which test, the
// measured statistic, the threshold it is held to, the rows it read and PASS / BREACH / NOT ENOUGH DATA.

/** `not_enough_data`: the window had fewer rows than the monitor's `min_rows`; it raises no alarm. */
export const CHECK_STATUSES = ["pass", "breach", "not_enough_data"] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface CheckResult {
  /** The assertion as written in the spec (`drift(tenure, psi) < 0.2`, `live.auc > 0.7`). */
  assertion: string;
  /** The input the statistic is about (absent for dataset-level, latency and live-metric assertions). */
  feature?: string;
  /** The test or measure (`psi`, `ks`, `chi2`, `drift_share`, `latency.p95`, `live.auc`…). */
  test?: string;
  /** The measured value; NaN when it could not be measured (no data). */
  statistic: number;
  /** The comparison the statistic must satisfy to pass, and the value it is compared with. */
  op?: "<" | "<=" | ">" | ">=";
  threshold: number;
  status: CheckStatus;
  /** Rows of the window the statistic was computed on (labelled rows for a live metric). */
  rows: number;
}

/** The status as `mlc monitor` prints it. */
export function statusText(s: CheckStatus): string {
  return s === "pass" ? "PASS" : s === "breach" ? "BREACH" : "NOT ENOUGH DATA";
}
