import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fairnessReport } from "../../src/ml/fairness/index.js";
import { metricFor } from "../../src/ml/metrics/index.js";
import {
  buildReportJson,
  countText,
  esc,
  fmt,
  renderReportHtml,
  writeReport,
  type ReportInput,
} from "../../src/ml/report/index.js";
import { compareModels, evaluateSplit } from "../../src/ml/stats/index.js";
import { branin } from "../../src/ml/tune/benchmark-functions.js";
import { RandomSampler, Study } from "../../src/ml/tune/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Every churn test row's label and the XGBoost baseline's prediction for it.
const baseline = readFileSync(
  path.join(repoRoot, "test/fixtures/datasets/splits/mlc_churn_test.xgb-pred.csv"),
  "utf8",
)
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(",").map(Number));
const y = Float64Array.from(baseline, (r) => r[0] ?? NaN);
const p = Float64Array.from(baseline, (r) => r[1] ?? NaN);
// A weaker "champion": the same predictions blurred towards the base rate.
const champion = Float64Array.from(p, (v, i) => 0.5 * v + 0.5 * (0.14 + 0.1 * Math.sin(i)));

async function input(): Promise<ReportInput> {
  const study = await new Study({
    space: branin.space,
    objective: { targets: [{ metric: "f", direction: "minimize" }] },
    sampler: new RandomSampler(),
    trials: 12,
    seed: 1,
  }).run(async (t) => branin.f(t.params));
  const groups = Array.from({ length: y.length }, (_, i) =>
    i % 3 === 0 ? "basic" : i % 3 === 1 ? "plus" : "<pro & co>",
  );
  return {
    model: { name: "churn <gbdt>", algorithm: "gbdt", task: "binary", version: 3, classes: ["no", "yes"] },
    createdAt: "2026-11-26T10:00:00Z",
    splits: { test: evaluateSplit("binary", { y, pred: p, width: 1 }, { resamples: 100, seed: 1 }) },
    predictions: { split: "test", y, pred: p, width: 1 },
    importance: {
      method: "permutation",
      metric: "auc",
      features: [
        { feature: "total_day_minutes", value: 0.12, std: 0.01 },
        { feature: "number_customer_service_calls", value: 0.08, std: 0.02 },
      ],
    },
    partialDependence: [
      { feature: "total_day_minutes", index: 0, grid: [100, 200, 300], average: [[0.1], [0.15], [0.4]] },
    ],
    fairness: [
      {
        split: "test",
        by: "plan",
        source: "gate fair",
        report: fairnessReport(y, p, groups, { metrics: [metricFor("auc")!] }),
      },
    ],
    champion: {
      status: "compared",
      version: 2,
      split: "test",
      rows: compareModels("binary", { y, width: 1 }, p, champion, { resamples: 100, seed: 1 }),
    },
    calibration: { method: "isotonic", split: "valid", eceBefore: 0.04, eceAfter: 0.01 },
    tuning: {
      method: "random",
      objective: { targets: [{ metric: "f", direction: "minimize" }] },
      space: branin.space,
      trials: study.trials,
      ...(study.best ? { best: study.best } : {}),
    },
    gates: [
      {
        name: "ship",
        pass: false,
        assertions: [
          { text: "test.auc >= 0.95", measured: 0.9287, pass: false },
          { text: "test.auc >= champion.test.auc - 0.005", measured: 0.9287, pass: true },
        ],
      },
    ],
  };
}

describe("HTML formatting", () => {
  it("writes counts as en-US does (without Intl for whole numbers), and compact numbers with them", () => {
    const values = [0, -0, 7, 999, 1000, 1681, -1681, 12345, 999999, 1000000, 123456789, -9876543210];
    values.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1234.5678, 0.5, NaN, Infinity);
    for (let k = 0, v = 1; k < 40; k++, v = (v * 37 + 11) % 2 ** 40) values.push(v, -v);
    for (const v of values) expect(countText(v)).toBe(v.toLocaleString("en-US"));
    for (const v of values)
      if (Math.abs(v) >= 1000 && Math.abs(v) < 1e6)
        expect(fmt(v)).toBe(Math.round(v).toLocaleString("en-US"));
  });

  it("escapes text and prints compact numbers", () => {
    expect(esc(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    expect([fmt(0.123456), fmt(12345.6), fmt(-0), fmt(null), fmt(2e-5)]).toEqual([
      "0.1235",
      "12,346",
      "0",
      "–",
      "2.00e-5",
    ]);
  });
});

describe("report.json", () => {
  it("derives curves and the confusion matrix from predictions and holds no NaN", async () => {
    const r = buildReportJson(await input());
    expect(r.version).toBe(2);
    expect(r.curves!.roc!.x.length).toBeLessThanOrEqual(400);
    expect(r.curves!.roc!.x[0]).toBe(0);
    expect(r.curves!.roc!.y[r.curves!.roc!.y.length - 1]).toBe(1);
    expect(r.curves!.calibration).toHaveLength(10);
    expect(r.confusion!.labels).toEqual(["no", "yes"]);
    expect(r.confusion!.counts.flat().reduce((s, v) => s + v, 0)).toBe(1000);
    // accuracy 0.956 → 956 on the diagonal
    expect(r.confusion!.counts[0]![0]! + r.confusion!.counts[1]![1]!).toBe(956);
    expect(r.tuning!.trials).toHaveLength(12);
    expect(r.tuning!.paramImportance.map((x) => x.param)).toEqual(["x1", "x2"]);
    const text = JSON.stringify(r);
    expect(JSON.parse(text)).toEqual(r);
    expect(text).not.toMatch(/NaN/);
  });

  it("turns NaN and typed arrays into JSON-safe values", async () => {
    const { jsonSafe } = await import("../../src/ml/report/index.js");
    expect(
      jsonSafe({ a: NaN, b: Float64Array.from([1, Infinity]), c: [{ d: -Infinity }], e: undefined }),
    ).toEqual({ a: null, b: [1, null], c: [{ d: null }] });
  });
});

describe("report.html", () => {
  it("is self-contained, escapes names and renders every section", async () => {
    const html = await renderReportHtml(buildReportJson(await input()));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    for (const h of [
      "Gates",
      "Metrics",
      "Curves",
      "Champion comparison",
      "Calibration",
      "Fairness by plan",
      "Feature importance",
      "Partial dependence",
      "Tuning",
    ])
      expect(html).toContain(`<h2>${h}`);
    expect(html).toContain("churn &lt;gbdt&gt; v3");
    expect(html).toContain("&lt;pro &amp; co&gt;");
    expect(html).not.toContain("<pro & co>");
    expect(html).not.toMatch(/<script|\ssrc=|\shref=|@import/);
    expect((html.match(/<svg /g) ?? []).length).toBe((html.match(/<\/svg>/g) ?? []).length);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(7);
    expect(html).toContain('<span class="fail">FAIL</span>');
  });

  it("draws each chart as inline SVG titled by what it shows", async () => {
    const r = buildReportJson(await input());
    const html = await renderReportHtml(r);
    const titles = [...html.matchAll(/<svg [^>]*aria-label="([^"]*)"><title>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      "ROC (test)",
      "Precision–recall (test)",
      `Calibration (test), ECE ${fmt(r.curves!.ece ?? null, 3)}`,
      "Confusion matrix (test)",
      "Top 2 features (permutation)",
      "Partial dependence: total_day_minutes",
      "Optimisation history (random)",
      "Parameter importance",
    ]);
    // The confusion heat map prints the four counts of report.json.
    const cm = html.slice(
      html.indexOf('aria-label="Confusion matrix (test)"'),
      html.indexOf("</svg>", html.indexOf('aria-label="Confusion matrix (test)"')),
    );
    for (const n of r.confusion!.counts.flat()) expect(cm).toContain(`>${fmt(n)}</text>`);
    expect(html).toContain('aria-label="number_customer_service_calls: 0.08 ± 0.02"');
    expect(html).not.toMatch(/<script|<foreignObject|\s(xlink:)?href=/);
  });

  it("is the same bytes when rendered twice", async () => {
    const r = buildReportJson(await input());
    expect(await renderReportHtml(r)).toBe(await renderReportHtml(r));
  });

  it("says so when there is no champion yet", async () => {
    const html = await renderReportHtml(
      buildReportJson({
        model: { name: "m", algorithm: "linear", task: "regression" },
        splits: {},
        champion: { status: "first_run", note: "No champion yet: comparisons pass (first_run = pass)." },
      }),
    );
    expect(html).toContain("No champion yet");
  });

  it("writes report.json and report.html atomically into the run directory", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mlc-report-"));
    try {
      const r = buildReportJson(await input());
      const out = await writeReport(path.join(dir, "run"), r);
      expect((await readdir(path.join(dir, "run"))).sort()).toEqual(["report.html", "report.json"]);
      expect(JSON.parse(await readFile(out.json, "utf8"))).toEqual(r);
      expect(await readFile(out.html, "utf8")).toBe(await renderReportHtml(r));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
