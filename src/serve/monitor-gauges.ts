// The latest statistics of a deployment's monitors as Prometheus gauges for the server's /metrics:
// per assertion its statistic, threshold, rows and whether it breached, labelled by deployment,
// monitor, feature, test and the assertion's text (which keeps two assertions on one test apart).
import { CHECK_STATUSES, type CheckResult } from "../ml/drift/check-result.js";
import { promValue } from "./process-metrics.js";

/** The latest run of one monitor: what `mlc monitor NAME` recorded. */
export interface MonitorRunResult {
  monitor: string;
  deployment: string;
  /** When the checks ran (ISO 8601). */
  ranAt: string;
  checks: readonly CheckResult[];
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (l: Record<string, string>): string =>
  "{" +
  Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",") +
  "}";

const GAUGES = [
  [
    "mlc_monitor_statistic",
    "The statistic an assertion measured at the monitor's latest run (NaN: not measured).",
    (c: CheckResult) => c.statistic,
  ],
  [
    "mlc_monitor_threshold",
    "The threshold the assertion holds its statistic to.",
    (c: CheckResult) => c.threshold,
  ],
  [
    "mlc_monitor_rows",
    "Rows of the window the statistic was computed on (labelled rows for a live metric).",
    (c: CheckResult) => c.rows,
  ],
  [
    "mlc_monitor_breach",
    "1 when the assertion breached at the latest run, else 0.",
    (c: CheckResult) => (c.status === "breach" ? 1 : 0),
  ],
] as const;

/**
 * Exposition lines (HELP, TYPE and samples; no trailing newline) of the latest run of each monitor.
 * A check without a feature or test has that label empty. Runs are listed in the order given; an
 * empty list gives no lines.
 */
export function monitorGauges(results: readonly MonitorRunResult[]): string {
  if (!results.length) return "";
  const out: string[] = [];
  const labelsOf = (r: MonitorRunResult, c: CheckResult): string =>
    labelText({
      deployment: r.deployment,
      monitor: r.monitor,
      feature: c.feature ?? "",
      test: c.test ?? "",
      assertion: c.assertion,
    });
  for (const [name, help, value] of GAUGES) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const r of results)
      for (const c of r.checks) out.push(`${name}${labelsOf(r, c)} ${promValue(value(c))}`);
  }
  out.push(
    "# HELP mlc_monitor_status 1 for the status of an assertion at the monitor's latest run (pass, breach, not_enough_data), 0 for the others.",
    "# TYPE mlc_monitor_status gauge",
  );
  for (const r of results)
    for (const c of r.checks)
      for (const s of CHECK_STATUSES) {
        const l = labelsOf(r, c);
        out.push(`mlc_monitor_status${l.slice(0, -1)},status="${s}"} ${c.status === s ? 1 : 0}`);
      }
  out.push(
    "# HELP mlc_monitor_last_run_timestamp_seconds When the monitor's latest run happened, seconds since the epoch.",
    "# TYPE mlc_monitor_last_run_timestamp_seconds gauge",
  );
  for (const r of results)
    out.push(
      `mlc_monitor_last_run_timestamp_seconds${labelText({ deployment: r.deployment, monitor: r.monitor })} ${promValue(Date.parse(r.ranAt) / 1000)}`,
    );
  return out.join("\n");
}
