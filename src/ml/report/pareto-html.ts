// The Pareto section of report.html for a search with several objectives: the front as a table
// (the picked trial marked) and, for two objectives, a scatter of every trial with the front drawn.
import type { ReportJson } from "./report-json.js";
import { esc, fmt } from "./html-format.js";
import { lineChart } from "./vega-charts.js";

type Tuning = NonNullable<ReportJson["tuning"]>;

/** Empty unless the search had several objectives (report.json then holds `pareto`). */
export async function paretoSection(t: Tuning): Promise<string> {
  const targets = t.objective.targets;
  if (targets.length < 2 || !t.pareto?.length) return "";
  const byIndex = new Map(t.trials.map((x) => [x.index, x]));
  const front = t.pareto.map((i) => byIndex.get(i)).filter((x) => x !== undefined);
  const metrics = targets.map((g) => g.metric);
  const params = [...new Set(front.flatMap((x) => Object.keys(x.params)))];
  const rows = front.map((x) => [
    `${x.index}${x.index === t.best ? " ★" : ""}`,
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
  ]);
  const head = [
    "trial",
    ...targets.map((g) => `${g.metric} ${g.direction === "maximize" ? "↑" : "↓"}`),
    ...params,
  ];
  const table = `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  const pick = t.objective.pick?.kind ?? "first";
  const intro = `<h3>Pareto front</h3><p class="meta">${front.length} of ${t.trials.length} trials are not beaten on every objective at once; ★ is the trial refitted (pick ${esc(pick.replace(/_/g, " "))}).</p>`;
  return (
    intro +
    (targets.length === 2
      ? `<div class="charts">${await scatter(t, front, metrics as [string, string])}</div>`
      : "") +
    table
  );
}

/** Every complete trial as a point (x: the second objective, y: the first), the front as a line, the pick on top. */
function scatter(t: Tuning, front: Tuning["trials"], [ym, xm]: [string, string]): Promise<string> {
  const done = t.trials.filter(
    (x) => x.status === "complete" && x.values[xm] !== undefined && x.values[ym] !== undefined,
  );
  const sorted = [...front].sort((a, b) => a.values[xm]! - b.values[xm]!);
  const best = front.find((x) => x.index === t.best);
  return lineChart({
    title: `Trials: ${ym} against ${xm}`,
    xLabel: xm,
    yLabel: ym,
    series: [
      {
        name: "trial",
        x: done.map((x) => x.values[xm]!),
        y: done.map((x) => x.values[ym]!),
        pointsOnly: true,
      },
      { name: "Pareto front", x: sorted.map((x) => x.values[xm]!), y: sorted.map((x) => x.values[ym]!) },
      ...(best
        ? [{ name: "picked", x: [best.values[xm]!], y: [best.values[ym]!], pointsOnly: true, markerSize: 90 }]
        : []),
    ],
    width: 520,
  });
}
