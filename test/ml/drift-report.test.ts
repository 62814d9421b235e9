// drift-report.html: byte-identical between runs, self-contained, feature names escaped everywhere,
// and the numbers it shows are the profiles' and the checks' own.
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/ml/drift/check-result.js";
import { buildProfile, type ReferenceProfile } from "../../src/ml/drift/profile.js";
import { categoryBarsSpec, histogramSpec } from "../../src/ml/report/drift-charts.js";
import { compileSpec } from "../../src/ml/report/vega-charts.js";
import { fmt } from "../../src/ml/report/html-format.js";
import {
  categoryShares,
  histogramBins,
  renderDriftReportHtml,
  writeDriftReport,
  type DriftReportInput,
} from "../../src/ml/report/index.js";

const NASTY = `<script>alert("x")</script> & 'q'`;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function input(): DriftReportInput {
  const next = lcg(7);
  const n = 600;
  const minutes = Float64Array.from({ length: n }, () => 100 + 50 * next());
  const liveMinutes = Float64Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? NaN : 130 + 65 * next()));
  const plan = Array.from({ length: n }, () => (next() < 0.1 ? "yes" : "no"));
  const livePlan = Array.from({ length: 400 }, (_, i) => (i % 2 ? "yes" : i % 7 ? "no" : "maybe"));
  const reference = buildProfile("train", {
    total_day_minutes: { kind: "numeric", values: minutes },
    [NASTY]: { kind: "categorical", values: plan },
  });
  const live = buildProfile("live", {
    total_day_minutes: { kind: "numeric", values: liveMinutes },
    [NASTY]: { kind: "categorical", values: livePlan },
  });
  const checks: CheckResult[] = [
    {
      assertion: "drift(total_day_minutes, ks) < 0.1",
      feature: "total_day_minutes",
      test: "ks",
      statistic: 0.4321,
      op: "<",
      threshold: 0.1,
      status: "breach",
      rows: 360,
    },
    {
      assertion: `drift(${NASTY}, chi2) > 0.01`,
      feature: NASTY,
      test: "chi2",
      statistic: 0.5,
      op: ">",
      threshold: 0.01,
      status: "pass",
      rows: 400,
    },
    {
      assertion: "latency.p95 < 50",
      test: "latency.p95",
      statistic: 12.5,
      op: "<",
      threshold: 50,
      status: "pass",
      rows: 400,
    },
    {
      assertion: "live.auc > 0.7",
      test: "live.auc",
      statistic: NaN,
      op: ">",
      threshold: 0.7,
      status: "not_enough_data",
      rows: 3,
    },
  ];
  return {
    monitor: "churn_watch",
    deployment: "churn_api",
    modelVersion: 3,
    ranAt: "2026-12-03T12:00:00.000Z",
    window: {
      from: "2026-12-02T12:00:00.000Z",
      to: "2026-12-03T12:00:00.000Z",
      rows: 400,
      description: "1d",
    },
    reference,
    live,
    checks,
    liveMetrics: [
      {
        name: "live.auc",
        threshold: 0.7,
        points: [
          { time: "2026-12-03T10:00:00.000Z", value: 0.81, lower: 0.75, upper: 0.86, labelled: 120 },
          { time: "2026-12-03T11:00:00.000Z", value: 0.78, lower: 0.71, upper: 0.84, labelled: 150 },
          { time: "2026-12-03T12:00:00.000Z", value: 0.74, lower: 0.66, upper: 0.8, labelled: 90 },
        ],
      },
    ],
  };
}

const section = (page: string, heading: string): string => {
  const at = page.indexOf(`<h2>${heading}`);
  expect(at).toBeGreaterThanOrEqual(0);
  const next = page.indexOf("<h2>", at + 4);
  return page.slice(at, next < 0 ? undefined : next);
};

describe("drift report", () => {
  it("renders the same bytes twice, with no scripts and no external references", async () => {
    const a = await renderDriftReportHtml(input());
    const b = await renderDriftReportHtml(input());
    expect(a).toBe(b);
    expect(a.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(a).not.toMatch(/<script|<foreignObject|\ssrc=|\s(xlink:)?href=|@import|url\(/i);
    expect(a).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
  }, 60_000);

  it("escapes feature names in headings, tables and chart labels", async () => {
    const page = await renderDriftReportHtml(input());
    expect(page).not.toContain(NASTY);
    expect(page).not.toContain("<script>");
    const escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;";
    expect(page).toContain(`<h3>${escaped} <span class="meta">categorical</span>`);
    // the chart's accessible name and its SVG title
    expect(page).toContain(`aria-label="${escaped}: training vs live"`);
  }, 60_000);

  it("lists every assertion with its statistic, threshold, rows and status", async () => {
    const page = await renderDriftReportHtml(input());
    const s = section(page, "Assertions");
    expect(s).toContain("1 breached, 2 passed, 1 without enough data");
    const rows = [
      ...s.matchAll(
        /<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>(\d+)<\/td><td><span class="(\w+)">([A-Z ]+)</g,
      ),
    ].map((m) => m.slice(1));
    expect(rows).toEqual([
      ["drift(total_day_minutes, ks) &lt; 0.1", "0.4321", "&lt; 0.1", "360", "breach", "BREACH"],
      [
        "drift(&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;, chi2) &gt; 0.01",
        "0.5",
        "&gt; 0.01",
        "400",
        "pass",
        "PASS",
      ],
      ["latency.p95 &lt; 50", "12.5", "&lt; 50", "400", "pass", "PASS"],
      ["live.auc &gt; 0.7", "–", "&gt; 0.7", "3", "nodata", "NOT ENOUGH DATA"],
    ]);
  }, 60_000);

  it("shows each feature's distributions and its own checks", async () => {
    const inp = input();
    const page = await renderDriftReportHtml(inp);
    const s = section(page, "Features");
    // features in name order: "<…" sorts before "t"
    expect(s.indexOf("<h3>&lt;script")).toBeLessThan(s.indexOf("<h3>total_day_minutes"));
    const minutes = s.slice(s.indexOf("<h3>total_day_minutes"));
    expect(minutes).toContain('<span class="breach">BREACH</span>');
    expect(minutes).toContain("<svg");
    expect(minutes).toContain('aria-label="total_day_minutes: training vs live"');
    // null rate of the live side: 40 of 400 values are NaN
    expect(minutes).toContain("<td>live</td><td>400</td><td>10%</td>");
    expect(minutes).toContain("<td>ks</td><td>0.4321</td><td>&lt; 0.1</td><td>360</td>");
    // quantiles of each side, from the profiles' order statistics (all values: fewer than 10,000)
    const median = (p: ReferenceProfile): string => {
      const c = p.columns.total_day_minutes!;
      if (c.kind !== "numeric") throw new Error("a numeric profile expected");
      const v = c.sample;
      return fmt((v[(v.length - 1) >> 1]! + v[v.length >> 1]!) / 2);
    };
    const rows = [...minutes.matchAll(/<tr><td>(training|live)<\/td>((?:<td>[^<]*<\/td>){5})<\/tr>/g)];
    expect(rows.map((m) => [m[1], m[2]!.split("</td><td>")[2]])).toEqual([
      ["training", median(inp.reference)],
      ["live", median(inp.live)],
    ]);
    expect(minutes).not.toContain("chi2");
    const plan = s.slice(s.indexOf("<h3>&lt;script"), s.indexOf("<h3>total_day_minutes"));
    expect(plan).toContain("3 categories"); // live has "maybe" too
    expect(plan).toContain("training, yes:"); // a bar's description
  }, 60_000);

  it("draws the live metric over time with its labelled rows, or says there are no labels", async () => {
    const page = await renderDriftReportHtml(input());
    const s = section(page, "Live metrics");
    expect(s).toContain('aria-label="live.auc over time"');
    expect(s).toContain("<td>2026-12-03T11:00:00.000Z</td><td>0.78</td><td>[0.71, 0.84]</td><td>150</td>");
    const none = await renderDriftReportHtml({
      ...input(),
      liveMetrics: [
        { name: "live.auc", points: [{ time: "2026-12-03T12:00:00.000Z", value: NaN, labelled: 0 }] },
      ],
    });
    expect(section(none, "Live metrics")).toContain("No labelled rows yet");
    const without = await renderDriftReportHtml({ ...input(), liveMetrics: [] });
    expect(without).not.toContain("<h2>Live metrics");
  }, 60_000);

  it("computes histogram shares over shared bins and category shares with the rest summed", () => {
    const r = buildProfile("train", { x: { kind: "numeric", values: [0, 1, 2, 3] } }).columns.x!;
    const l = buildProfile("live", { x: { kind: "numeric", values: [2, 3, 4, 4, NaN] } }).columns.x!;
    if (r.kind !== "numeric" || l.kind !== "numeric") throw new Error("numeric profiles expected");
    const bins = histogramBins(r, l, 4);
    expect(bins.map((b) => [b.lo, b.hi])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(bins.map((b) => b.training)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(bins.map((b) => b.live)).toEqual([0, 0, 0.25, 0.75]); // the maximum falls in the last bin
    const c = (counts: Record<string, number>) => ({
      kind: "categorical" as const,
      rows: 0,
      nullRate: 0,
      counts,
    });
    const shares = categoryShares(c({ a: 6, b: 3, c: 1 }), c({ a: 1, b: 1, d: 2 }), 2);
    expect(shares).toEqual([
      { category: "a", training: 0.6, live: 0.25 },
      { category: "d", training: 0, live: 0.5 },
      { category: "(other categories)", training: 0.4, live: 0.25 },
    ]);
  });

  it("compiles its chart specs without warnings", async () => {
    const bins = [{ lo: 0, hi: 1, training: 0.5, live: 0.25 }];
    const shares = [{ category: "a", training: 0.5, live: 0.25 }];
    expect((await compileSpec(histogramSpec("h", "x", bins))).warnings).toEqual([]);
    expect((await compileSpec(categoryBarsSpec("c", shares))).warnings).toEqual([]);
  }, 60_000);

  it("writes drift-report.html without leaving a temporary file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mlc-drift-report-"));
    try {
      const file = await writeDriftReport(dir, input());
      expect(path.basename(file)).toBe("drift-report.html");
      expect(await readdir(dir)).toEqual(["drift-report.html"]);
      expect(await readFile(file, "utf8")).toBe(await renderDriftReportHtml(input()));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
