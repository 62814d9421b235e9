// drift-report.html: one self-contained page (inline CSS and SVG, no scripts, no network) for one run
// of a monitor: its assertions with statistics, thresholds and PASS / BREACH; per feature the training
// (reference profile) and live distributions as charts with that feature's drift statistics; and the
// live metrics over time when labelled rows exist. A pure function of its input: the same input
// gives the same bytes.
import type { CheckResult } from "../drift/check-result.js";
import { statusText } from "../drift/check-result.js";
import type { ColumnProfile, ReferenceProfile } from "../drift/profile.js";
import { categoryBarsChart, categoryShares, histogramBins, histogramChart } from "./drift-charts.js";
import { quantileSorted } from "../stats/quantile.js";
import { esc, fmt } from "./html-format.js";
import { lineChart } from "./vega-charts.js";

/** A live metric measured at successive runs of the monitor (`live.auc` with its bootstrap interval). */
export interface LiveMetricSeries {
  /** `live.auc`, as the monitor names it. */
  name: string;
  points: readonly {
    /** End of the window the value was measured on (ISO 8601). */
    time: string;
    value: number;
    lower?: number;
    upper?: number;
    /** Labelled rows the value was computed on. */
    labelled: number;
  }[];
  /** The threshold of the assertion on this metric, drawn as a line. */
  threshold?: number;
}

export interface DriftReportInput {
  monitor: string;
  deployment: string;
  modelVersion?: number;
  /** When the checks ran (ISO 8601); printed as given, never read from the clock. */
  ranAt: string;
  /** The window of the prediction log the checks read. */
  window: { from: string; to: string; rows: number; description?: string };
  /** The deployed version's reference profile (src/ml/drift/profile.ts). */
  reference: ReferenceProfile;
  /** The same columns profiled over the window: `buildProfile("live", window.inputs)`. */
  live: ReferenceProfile;
  /** Every assertion of the run; those with a `feature` are also shown under that feature. */
  checks: readonly CheckResult[];
  /** Live metrics over time, oldest point first (absent or empty: no labels yet). */
  liveMetrics?: readonly LiveMetricSeries[];
}

const CSS = `body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#111;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:24px 0 4px}.meta{color:#555}.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}.pass{color:#0a7a2f;font-weight:600}
.breach{color:#b00020;font-weight:600}.nodata{color:#8a6d00;font-weight:600}.note{color:#555;font-style:italic}`;

function table(head: readonly string[], rows: readonly string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function statusCell(c: CheckResult): string {
  const cls = c.status === "pass" ? "pass" : c.status === "breach" ? "breach" : "nodata";
  return `<span class="${cls}">${statusText(c.status)}</span>`;
}

const thresholdText = (c: CheckResult): string => `${c.op ?? ""} ${fmt(c.threshold)}`.trim();
const pct = (v: number): string => (Number.isFinite(v) ? `${fmt(v * 100, 3)}%` : "–");

function checkRows(checks: readonly CheckResult[], withFeature: boolean): string[][] {
  return checks.map((c) => [
    ...(withFeature ? [esc(c.assertion)] : [esc(c.test ?? c.assertion)]),
    esc(fmt(c.statistic)),
    esc(thresholdText(c)),
    esc(String(c.rows)),
    statusCell(c),
  ]);
}

function summary(input: DriftReportInput): string {
  const counts = { pass: 0, breach: 0, not_enough_data: 0 };
  for (const c of input.checks) counts[c.status]++;
  const line = `${counts.breach} breached, ${counts.pass} passed${counts.not_enough_data ? `, ${counts.not_enough_data} without enough data` : ""}`;
  const rows = checkRows(input.checks, true);
  return `<h2>Assertions</h2><p class="meta">${esc(line)}.</p>${rows.length ? table(["assertion", "statistic", "threshold", "rows", "result"], rows) : '<p class="note">This monitor has no assertions.</p>'}`;
}

/** Quantiles shown for numbers, read from the profiles' order statistics. */
const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];

function describeColumn(reference: ColumnProfile | undefined, live: ColumnProfile | undefined): string {
  const side = (p: ColumnProfile | undefined): string[] =>
    !p
      ? ["–", "–", "–"]
      : p.kind === "numeric"
        ? [String(p.rows), pct(p.nullRate), `${fmt(p.mean)} ± ${fmt(p.sd)} [${fmt(p.min)}, ${fmt(p.max)}]`]
        : [String(p.rows), pct(p.nullRate), `${Object.keys(p.counts).length} categories`];
  const r = side(reference);
  const l = side(live);
  const summary = table(
    ["", "rows", "null rate", "values"],
    [
      ["training", ...r.map(esc)],
      ["live", ...l.map(esc)],
    ],
  );
  if (reference?.kind !== "numeric" || live?.kind !== "numeric") return summary;
  const q = (p: number[]): string[] => QUANTILES.map((x) => esc(fmt(quantileSorted(p, x))));
  return `${summary}${table(
    ["", ...QUANTILES.map((x) => `p${Math.round(x * 100)}`)],
    [
      ["training", ...q(reference.sample)],
      ["live", ...q(live.sample)],
    ],
  )}`;
}

async function featureChart(
  name: string,
  reference: ColumnProfile | undefined,
  live: ColumnProfile | undefined,
): Promise<string> {
  if (!reference || !live)
    return `<p class="note">No ${reference ? "live values" : "reference profile"}.</p>`;
  if (reference.kind !== live.kind)
    return `<p class="note">The live column is ${esc(live.kind)}, the reference ${esc(reference.kind)}.</p>`;
  if (reference.kind === "numeric" && live.kind === "numeric") {
    const bins = histogramBins(reference, live);
    if (!bins.length) return '<p class="note">No non-null values on either side.</p>';
    return histogramChart(`${name}: training vs live`, name, bins);
  }
  if (reference.kind === "categorical" && live.kind === "categorical")
    return categoryBarsChart(`${name}: training vs live`, categoryShares(reference, live));
  return "";
}

// Charts render one at a time in page order: one vega view alive at once.
async function featuresSection(input: DriftReportInput): Promise<string> {
  const names = [
    ...new Set([...Object.keys(input.reference.columns), ...Object.keys(input.live.columns)]),
  ].sort();
  if (!names.length) return "";
  const parts: string[] = [];
  for (const name of names) {
    const reference = input.reference.columns[name];
    const live = input.live.columns[name];
    const checks = input.checks.filter((c) => c.feature === name);
    const worst = checks.some((c) => c.status === "breach")
      ? ' <span class="breach">BREACH</span>'
      : checks.length && checks.every((c) => c.status === "pass")
        ? ' <span class="pass">PASS</span>'
        : "";
    const stats = checks.length
      ? table(["test", "statistic", "threshold", "rows", "result"], checkRows(checks, false))
      : '<p class="note">No assertion reads this feature.</p>';
    const chart = await featureChart(name, reference, live);
    parts.push(
      `<h3>${esc(name)} <span class="meta">${esc((reference ?? live)!.kind)}</span>${worst}</h3><div class="charts"><div>${chart}</div><div>${describeColumn(reference, live)}${stats}</div></div>`,
    );
  }
  return `<h2>Features</h2><p class="meta">Training: the ${esc(input.reference.reference)} rows of the deployed version (${input.reference.rows} rows); live: the window.</p>${parts.join("\n")}`;
}

async function liveSection(input: DriftReportInput): Promise<string> {
  const series = (input.liveMetrics ?? []).filter((s) => s.points.some((p) => p.labelled > 0));
  if (!series.length)
    return input.liveMetrics?.length
      ? '<h2>Live metrics</h2><p class="note">No labelled rows yet: post labels to /v1/feedback.</p>'
      : "";
  const parts: string[] = [];
  for (const s of series) {
    const points = s.points.filter((p) => p.labelled > 0);
    const t0 = Date.parse(points[0]!.time);
    const x = points.map((p) => (Date.parse(p.time) - t0) / 3_600_000);
    const lines = [
      { name: s.name, x, y: points.map((p) => p.value) },
      ...(points.some((p) => p.lower !== undefined)
        ? [
            { name: "interval, lower", x, y: points.map((p) => p.lower ?? null), dashed: true },
            { name: "interval, upper", x, y: points.map((p) => p.upper ?? null), dashed: true },
          ]
        : []),
      ...(s.threshold !== undefined
        ? [{ name: "threshold", x: [x[0]!, x[x.length - 1]!], y: [s.threshold, s.threshold], dashed: true }]
        : []),
    ];
    const chart = await lineChart({
      title: `${s.name} over time`,
      xLabel: `hours since ${points[0]!.time}`,
      yLabel: s.name,
      series: lines,
      width: 520,
      height: 260,
    });
    const rows = points.map((p) => [
      esc(p.time),
      esc(fmt(p.value)),
      esc(p.lower !== undefined && p.upper !== undefined ? `[${fmt(p.lower)}, ${fmt(p.upper)}]` : "–"),
      esc(String(p.labelled)),
    ]);
    parts.push(
      `<div class="charts"><div>${chart}</div><div>${table(["window end", "value", "interval", "labelled rows"], rows)}</div></div>`,
    );
  }
  return `<h2>Live metrics</h2>${parts.join("\n")}`;
}

/** The drift report page of one monitor run. */
export async function renderDriftReportHtml(input: DriftReportInput): Promise<string> {
  const title = `${input.monitor} on ${input.deployment}${input.modelVersion !== undefined ? ` v${input.modelVersion}` : ""}`;
  const w = input.window;
  const meta = [
    `ran ${input.ranAt}`,
    `window ${w.description ? `${w.description}: ` : ""}${w.from} to ${w.to}, ${w.rows} rows`,
  ]
    .map(esc)
    .join(" · ");
  const body = [summary(input), await featuresSection(input), await liveSection(input)].join("\n");
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(`mlc drift report: ${title}`)}</title><style>${CSS}</style></head><body><h1>${esc(`Drift report: ${title}`)}</h1><p class="meta">${meta}</p>\n${body}\n</body></html>\n`;
}
