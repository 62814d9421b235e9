// Sections of report.html that must not mislead: p-values below display precision, partial
// dependence of two-valued features, how many rows stand behind each calibration bin, pruned trials.
import { describe, expect, it } from "vitest";
import { REPORT_VERSION, renderReportHtml, type ReportJson } from "../../src/ml/report/index.js";

const base: ReportJson = {
  version: REPORT_VERSION,
  model: { name: "m", algorithm: "gbdt", task: "binary" },
  splits: {},
};

const section = (page: string, heading: string): string => {
  const at = page.indexOf(`<h2>${heading}`);
  expect(at).toBeGreaterThanOrEqual(0);
  const next = page.indexOf("<h2>", at + 4);
  return page.slice(at, next < 0 ? undefined : next);
};

describe("report sections", () => {
  it("prints a p-value of 0 (or below 0.001) as < 0.001", async () => {
    const row = {
      direction: "maximize" as const,
      challenger: 0.9,
      champion: 0.8,
      difference: 0.1,
      lower: 0.08,
      upper: 0.12,
      test: "delong" as const,
      significantlyBetter: true,
      significantlyWorse: false,
    };
    const page = await renderReportHtml({
      ...base,
      champion: {
        status: "compared",
        split: "test",
        rows: [
          { ...row, metric: "auc", pValue: 0 },
          { ...row, metric: "accuracy", pValue: 0.0004 },
          { ...row, metric: "logloss", pValue: 0.0123 },
        ],
      },
    });
    const cells = [...section(page, "Champion comparison").matchAll(/<td>([^<]*)<\/td><td><span/g)].map(
      (m) => m[1],
    );
    expect(cells).toEqual(["&lt; 0.001", "&lt; 0.001", "0.0123"]);
  });

  it("draws bars for a two-valued feature and a line for a continuous one", async () => {
    const page = await renderReportHtml({
      ...base,
      partialDependence: [
        { feature: "active", index: 0, grid: [0, 1], average: [[0.2], [0.6]] },
        { feature: "tenure", index: 1, grid: [1, 5, 10, 20], average: [[0.5], [0.4], [0.3], [0.2]] },
      ],
    });
    const pd = section(page, "Partial dependence");
    expect(pd).toContain("active = 0");
    expect(pd).toContain("active = 1");
    expect(pd).not.toContain("tenure = ");
    expect(pd).toContain('aria-label="Partial dependence: tenure"');
  });

  it("lists the rows behind every calibration bin", async () => {
    const page = await renderReportHtml({
      ...base,
      curves: {
        split: "test",
        ece: 0.05,
        calibration: [
          { lower: 0, upper: 0.5, count: 3, meanPredicted: 0.2, observed: 0.333 },
          { lower: 0.5, upper: 1, count: 97, meanPredicted: 0.8, observed: 0.82 },
        ],
      },
    });
    const bins = page.slice(page.indexOf("<h3>Calibration bins (test)</h3>"));
    expect(bins).toContain("<td>0–0.5</td><td>3</td><td>0.2</td><td>0.333</td>");
    expect(bins).toContain("<td>0.5–1</td><td>97</td><td>0.8</td><td>0.82</td>");
  });

  it("labels a pruned trial with its pruning step", async () => {
    const page = await renderReportHtml({
      ...base,
      tuning: {
        method: "tpe",
        objective: { targets: [{ metric: "auc", direction: "maximize" }] },
        trials: [
          { index: 0, params: { depth: 3 }, status: "complete", values: { auc: 0.9 }, intermediate: [] },
          {
            index: 1,
            params: { depth: 5 },
            status: "pruned",
            prunedAt: 12,
            values: { auc: 0.85 },
            intermediate: [],
          },
        ],
        best: 0,
        history: [
          { index: 0, value: 0.9, best: 0.9 },
          { index: 1, value: null, best: 0.9 },
        ],
        paramImportance: [{ param: "depth", share: 1 }],
      },
    });
    expect(section(page, "Tuning")).toContain("<td>pruned at step 12</td><td>0.85</td>");
  });
});
