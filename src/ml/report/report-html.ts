// report.html: one self-contained page (inline CSS and SVG, no scripts, no network) rendering a
// report.json; it decides nothing, it only formats what the JSON holds.
import type { FairnessSection, ReportJson } from "./report-json.js";
import { paretoSection } from "./pareto-html.js";
import { esc, fmt, fmtP } from "./html-format.js";
import { trialStatusText } from "../tune/trial.js";
import { barChart, heatmap, lineChart } from "./vega-charts.js";

const CSS = `body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#111;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.charts{display:flex;flex-wrap:wrap;gap:16px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
.pass{color:#0a7a2f;font-weight:600}.fail{color:#b00020;font-weight:600}.note{color:#555;font-style:italic}`;

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

const passCell = (ok: boolean): string =>
  ok ? '<span class="pass">PASS</span>' : '<span class="fail">FAIL</span>';
const interval = (v: number | null, lo: number | null, hi: number | null): string =>
  lo === null || hi === null
    ? esc(fmt(v))
    : `${esc(fmt(v))} <span class="meta">[${esc(fmt(lo))}, ${esc(fmt(hi))}]</span>`;

function metricsSection(r: ReportJson): string {
  const splits = Object.keys(r.splits);
  if (!splits.length) return "";
  const names = [...new Set(splits.flatMap((s) => r.splits[s]!.metrics.map((m) => m.name)))];
  const level = r.splits[splits[0]!]!.metrics[0]?.level ?? 0.95;
  const rows = names.map((n) => [
    `${esc(n)} <span class="meta">${r.splits[splits[0]!]!.metrics.find((m) => m.name === n)?.direction === "minimize" ? "↓" : "↑"}</span>`,
    ...splits.map((s) => {
      const m = r.splits[s]!.metrics.find((x) => x.name === n);
      return m ? interval(m.value, m.lower, m.upper) : "–";
    }),
  ]);
  return `<h2>Metrics</h2><p class="meta">Value with its bootstrap ${Math.round(level * 100)}% interval; rows: ${splits.map((s) => `${esc(s)} ${r.splits[s]!.rows}`).join(", ")}.</p>${table(["metric", ...splits], rows)}`;
}

// Charts render one at a time in page order (each awaited in turn): one vega view alive at once.
async function curvesSection(r: ReportJson): Promise<string> {
  const c = r.curves;
  const charts: string[] = [];
  if (c?.roc)
    charts.push(
      await lineChart({
        title: `ROC (${c.split})`,
        xLabel: "false positive rate",
        yLabel: "true positive rate",
        series: [{ name: "model", ...c.roc }],
        xDomain: [0, 1],
        yDomain: [0, 1],
        diagonal: true,
      }),
    );
  if (c?.pr)
    charts.push(
      await lineChart({
        title: `Precision–recall (${c.split})`,
        xLabel: "recall",
        yLabel: "precision",
        series: [{ name: "model", ...c.pr }],
        xDomain: [0, 1],
        yDomain: [0, 1],
      }),
    );
  if (c?.calibration) {
    const bins = c.calibration.filter((b) => b.count > 0);
    charts.push(
      await lineChart({
        title: `Calibration (${c.split}), ECE ${fmt(c.ece ?? null, 3)}`,
        xLabel: "mean predicted probability",
        yLabel: "observed frequency",
        series: [{ name: "model", x: bins.map((b) => b.meanPredicted), y: bins.map((b) => b.observed) }],
        xDomain: [0, 1],
        yDomain: [0, 1],
        diagonal: true,
      }),
    );
    // the points hide how many rows stand behind each; a bin of 3 rows says little
    charts.push(
      `<div><h3>Calibration bins (${esc(c.split)})</h3>${table(
        ["predicted range", "rows", "mean predicted", "observed"],
        c.calibration.map((b) => [
          `${esc(fmt(b.lower, 2))}–${esc(fmt(b.upper, 2))}`,
          esc(String(b.count)),
          esc(fmt(b.meanPredicted, 3)),
          esc(fmt(b.observed, 3)),
        ]),
      )}</div>`,
    );
  }
  if (r.confusion) {
    charts.push(
      await heatmap({
        title: `Confusion matrix (${r.confusion.split})`,
        rowLabels: r.confusion.labels,
        colLabels: r.confusion.labels,
        values: r.confusion.counts,
        xLabel: "predicted",
        yLabel: "actual",
      }),
    );
  }
  return charts.length ? `<h2>Curves</h2><div class="charts">${charts.join("")}</div>` : "";
}

async function importanceSection(r: ReportJson): Promise<string> {
  const parts: string[] = [];
  if (r.importance && r.importance.features.length) {
    const top = [...r.importance.features].sort((a, b) => b.value - a.value).slice(0, 20);
    const what =
      r.importance.method === "treeshap"
        ? "mean |SHAP value|"
        : r.importance.method === "permutation"
          ? `drop in ${r.importance.metric ?? "metric"} when shuffled`
          : "native importance";
    parts.push(
      `<h2>Feature importance</h2>${await barChart({ title: `Top ${top.length} features (${r.importance.method})`, labels: top.map((f) => f.feature), values: top.map((f) => f.value), ...(top.some((f) => f.std !== undefined) ? { errors: top.map((f) => f.std ?? 0) } : {}), xLabel: what })}`,
    );
  }
  if (r.partialDependence?.length) {
    const charts: string[] = [];
    for (const pd of r.partialDependence) {
      const values = pd.average.map((a) => a[0] ?? Number.NaN);
      // two values (a binary or one-hot feature): a line between them would suggest values in between
      if (pd.grid.length <= 2) {
        charts.push(
          await barChart({
            title: `Partial dependence: ${pd.feature}`,
            labels: pd.grid.map((g) => `${pd.feature} = ${fmt(g)}`),
            values,
            xLabel: "mean prediction",
            width: 340,
          }),
        );
        continue;
      }
      charts.push(
        await lineChart({
          title: `Partial dependence: ${pd.feature}`,
          xLabel: pd.feature,
          yLabel: "mean prediction",
          series: [{ name: "average", x: pd.grid, y: pd.average.map((a) => a[0] ?? null) }],
          width: 340,
          height: 260,
        }),
      );
    }
    parts.push(`<h2>Partial dependence</h2><div class="charts">${charts.join("")}</div>`);
  }
  return parts.join("");
}

function fairnessSection(r: ReportJson): string {
  return (r.fairness ?? []).map(fairnessTable).join("");
}

function fairnessTable(section: FairnessSection): string {
  const f = section.report;
  const metricNames = [...new Set(f.groups.flatMap((g) => Object.keys(g.metrics)))];
  const rows = f.groups.map((g) => [
    esc(g.group),
    String(g.n),
    String(g.positives),
    esc(fmt(g.selectionRate)),
    esc(fmt(g.tpr)),
    esc(fmt(g.fpr)),
    ...metricNames.map((m) => esc(fmt(g.metrics[m] ?? null))),
  ]);
  const summary = table(
    ["measure", "value"],
    [
      ["demographic parity difference", esc(fmt(f.demographicParityDifference))],
      ["equal opportunity difference", esc(fmt(f.equalOpportunityDifference))],
      ["equalized odds difference", esc(fmt(f.equalizedOddsDifference))],
      ["disparate impact ratio", esc(fmt(f.disparateImpactRatio))],
    ],
  );
  return `<h2>Fairness by ${esc(section.by)} (${esc(section.split)}, threshold ${esc(fmt(f.threshold))})</h2><p class="note">group column chosen by ${esc(section.source)}</p>${summary}${table(["group", "rows", "positives", "selection rate", "TPR", "FPR", ...metricNames], rows)}`;
}

function championSection(r: ReportJson): string {
  const c = r.champion;
  if (!c) return "";
  if (c.status === "first_run") return `<h2>Champion comparison</h2><p class="note">${esc(c.note)}</p>`;
  const rows = c.rows.map((m) => [
    esc(m.metric),
    esc(m.test.replace("_", " ")),
    esc(fmt(m.challenger)),
    esc(fmt(m.champion)),
    interval(m.difference, m.lower, m.upper),
    esc(fmtP(m.pValue)),
    m.significantlyBetter
      ? '<span class="pass">better</span>'
      : m.significantlyWorse
        ? '<span class="fail">worse</span>'
        : "no significant difference",
  ]);
  const sample = c.sample
    ? `<p class="${c.sample.overlap > 0 || !c.sample.checked ? "fail" : "note"}">${esc(c.sample.note)}</p>`
    : "";
  return `<h2>Champion comparison (${esc(c.split)}${c.version !== undefined ? `, champion v${c.version}` : ""})</h2>${sample}${table(["metric", "test", "this model", "champion", "difference", "p-value", "verdict"], rows)}`;
}

/** The decision: its rule and threshold, and the cost curve over thresholds with the chosen point. */
async function decisionSection(r: ReportJson): Promise<string> {
  const d = r.decision;
  if (!d) return "";
  const values = d.costs
    ? Object.entries(d.costs)
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(", ")
    : "";
  const text = `<p>Threshold <b>${esc(fmt(d.threshold, 4))}</b> chosen by <code>${esc(d.rule)}</code> on the ${esc(d.split)} rows${values ? `; cost per outcome: ${esc(values)} (a profit is a negative cost)` : ""}. Served predictions decide the positive label at P(positive) ≥ the threshold.</p>`;
  if (!d.curve) return `<h2>Decision</h2>${text}`;
  const chart = await lineChart({
    title: `Cost per row over thresholds (${d.split})`,
    xLabel: "threshold",
    yLabel: "mean cost per row",
    series: [
      { name: "cost", x: d.curve.x, y: d.curve.y },
      {
        name: `chosen ${fmt(d.curve.chosen.x, 4)}`,
        x: [d.curve.chosen.x],
        y: [d.curve.chosen.y],
        pointsOnly: true,
        markerSize: 120,
      },
    ],
    xDomain: [0, 1],
  });
  return `<h2>Decision</h2>${text}<div class="charts">${chart}</div>`;
}

/** The robustness suites: per suite, the measures gates read as `robustness.SUITE.MEASURE`, and what it changed. */
function robustnessSection(r: ReportJson): string {
  const suites = r.robustness;
  if (!suites?.length) return "";
  const names = [...new Set(suites.flatMap((s) => Object.keys(s.metrics)))].filter((k) => k !== "rows");
  const rows = suites.map((s) => [
    `<code>${esc(s.suite)}</code>`,
    esc(String(s.metrics.rows ?? 0)),
    ...names.map((k) => esc(s.metrics[k] === undefined ? "–" : fmt(s.metrics[k]))),
    esc(
      s.copies.length === 0
        ? "no input of this kind"
        : s.copies.length > 3
          ? `${s.copies.slice(0, 3).join("; ")}; … (${s.copies.length} copies)`
          : s.copies.join("; "),
    ),
  ]);
  return `<h2>Robustness (test rows)</h2><p>Each suite scores perturbed copies of the test rows; gates read <code>robustness.SUITE.MEASURE</code>. <code>error_rate</code> is the share of rows whose scoring failed or gave a non-finite value.</p>${table(["suite", "rows", ...names, "perturbation"], rows)}`;
}

function calibrationSection(r: ReportJson): string {
  const c = r.calibration;
  if (!c) return "";
  return `<h2>Calibration</h2><p>${esc(c.method)} calibration fitted on ${esc(c.split)}: ECE ${esc(fmt(c.eceBefore))} → ${esc(fmt(c.eceAfter))}.</p>`;
}

async function tuningSection(r: ReportJson): Promise<string> {
  const t = r.tuning;
  if (!t) return "";
  const target = t.objective.targets[0]!;
  const history = await lineChart({
    title: `Optimisation history (${t.method})`,
    xLabel: "trial",
    yLabel: target.metric,
    series: [
      {
        name: "trial value",
        x: t.history.map((h) => h.index),
        y: t.history.map((h) => h.value),
        pointsOnly: true,
      },
      { name: "best so far", x: t.history.map((h) => h.index), y: t.history.map((h) => h.best), step: true },
    ],
    xIntegers: true,
    width: 520,
  });
  const imp = [...t.paramImportance].sort((a, b) => b.share - a.share);
  const impChart = await barChart({
    title: "Parameter importance",
    labels: imp.map((p) => p.param),
    values: imp.map((p) => p.share),
    xLabel: "share of explained variance (η²)",
    width: 440,
  });
  const params = [...new Set(t.trials.flatMap((x) => Object.keys(x.params)))];
  const metrics = t.objective.targets.map((g) => g.metric);
  const rows = t.trials.map((x) => [
    `${x.index}${x.index === t.best ? " ★" : ""}`,
    esc(trialStatusText(x)),
    ...metrics.map((m) => esc(fmt(x.values[m] ?? null))),
    ...params.map((p) =>
      esc(
        x.params[p] === undefined
          ? "–"
          : typeof x.params[p] === "number"
            ? fmt(x.params[p] as number)
            : String(x.params[p]),
      ),
    ),
    esc(x.durationMs === undefined ? "–" : `${fmt(x.durationMs / 1000, 3)} s`),
  ]);
  const objective = t.objective.targets.map((g) => `${g.direction}(${g.metric})`).join(", ");
  return `<h2>Tuning</h2><p class="meta">${esc(t.method)}, ${t.trials.length} trials, objective ${esc(objective)}${t.best !== undefined ? `, best trial ${t.best}` : ""}${t.pareto ? `, Pareto front: ${t.pareto.join(", ")}` : ""}.</p><div class="charts">${history}${impChart}</div>${await paretoSection(t)}${table(["trial", "status", ...metrics, ...params, "duration"], rows)}`;
}

function gatesSection(r: ReportJson): string {
  if (!r.gates?.length) return "";
  return `<h2>Gates</h2>${r.gates
    .map(
      (g) =>
        `<h3>${esc(g.name)} ${passCell(g.pass)}</h3>${table(
          ["assertion", "measured", "result"],
          g.assertions.map((a) => [
            esc(a.text) + (a.note ? ` <span class="note">${esc(a.note)}</span>` : ""),
            esc(typeof a.measured === "number" ? fmt(a.measured) : (a.measured ?? "–")),
            passCell(a.pass),
          ]),
        )}`,
    )
    .join("")}`;
}

export async function renderReportHtml(r: ReportJson): Promise<string> {
  const m = r.model;
  const title = `${m.name}${m.version !== undefined ? ` v${m.version}` : ""}`;
  const meta = [`algorithm ${m.algorithm}`, `task ${m.task}`, ...(r.createdAt ? [r.createdAt] : [])]
    .map(esc)
    .join(" · ");
  const body = [
    gatesSection(r),
    metricsSection(r),
    await curvesSection(r),
    championSection(r),
    await decisionSection(r),
    calibrationSection(r),
    robustnessSection(r),
    fairnessSection(r),
    await importanceSection(r),
    await tuningSection(r),
  ].join("\n");
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(`mlc report: ${title}`)}</title><style>${CSS}</style></head><body><h1>${esc(title)}</h1><p class="meta">${meta}</p>\n${body}\n</body></html>\n`;
}
