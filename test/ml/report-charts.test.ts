// The report's vega-lite charts: each builder compiles without warnings and renders a standalone
// SVG with its title, its data (bars, counts, legend entries) and short coordinates.
import { describe, expect, it } from "vitest";
import {
  barChart,
  barChartSpec,
  compileSpec,
  forgetDrawnCharts,
  heatmap,
  heatmapSpec,
  lineChart,
  lineChartSpec,
  PALETTE,
  renderSvg,
  scatterChart,
  scatterSpec,
  type LineChartOptions,
} from "../../src/ml/report/vega-charts.js";

const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

const roc: LineChartOptions = {
  title: "ROC (test)",
  xLabel: "false positive rate",
  yLabel: "true positive rate",
  series: [{ name: "only", x: [0, 0, 0.123456789, 1], y: [0, 0.5, 0.987654321, 1] }],
  xDomain: [0, 1],
  yDomain: [0, 1],
  diagonal: true,
};
const history: LineChartOptions = {
  title: "Optimisation history",
  xLabel: "trial",
  yLabel: "f",
  series: [
    { name: "a<b", x: [0, 1, 2, 3], y: [5, 3, null, 1], pointsOnly: true },
    { name: "best so far", x: [0, 1, 2, 3], y: [5, 3, 3, 1], step: true },
  ],
  xIntegers: true,
};

describe("vega-lite chart specs", () => {
  it("compile without warnings", async () => {
    const specs = [
      lineChartSpec(roc),
      lineChartSpec(history),
      barChartSpec({ title: "imp", labels: ["a", "b"], values: [2, -1], errors: [0.5, 0.1], xLabel: "drop" }),
      heatmapSpec({
        title: "cm",
        rowLabels: ["no", "yes"],
        colLabels: ["no", "yes"],
        values: [
          [840, 18],
          [26, 116],
        ],
        xLabel: "predicted",
        yLabel: "actual",
      }),
      scatterSpec({
        title: "s",
        xLabel: "x",
        yLabel: "y",
        points: [
          { x: 1, y: 2, group: "front" },
          { x: 2, y: 1, group: "other" },
        ],
      }),
    ];
    for (const s of specs) expect((await compileSpec(s)).warnings).toEqual([]);
  });

  it("hold their data inline and load nothing", () => {
    const text = JSON.stringify(lineChartSpec(roc));
    expect(text).not.toMatch(/"url"|https?:/);
    expect(text).toContain('"values"');
  });
});

describe("line charts", () => {
  it("render the title, axis labels and a legend only for several series", async () => {
    const one = await lineChart(roc);
    const two = await lineChart(history);
    expect(one).toMatch(/^<svg [^>]*role="img" aria-label="ROC \(test\)"><title>ROC \(test\)<\/title>/);
    expect(texts(one)).toEqual(
      expect.arrayContaining(["ROC (test)", "false positive rate", "true positive rate"]),
    );
    expect(texts(one)).not.toContain("only");
    expect(texts(two)).toEqual(expect.arrayContaining(["a&lt;b", "best so far"]));
    // One marker per finite point of the points-only series (the null is skipped).
    expect((two.match(/aria-roledescription="point"/g) ?? []).length).toBe(3);
    expect(two).toContain(`fill="${PALETTE[0]}"`);
    expect(two).toContain(`stroke="${PALETTE[1]}"`);
  });

  it("keep coordinates short and integer ticks for trial indices", async () => {
    const one = await lineChart(roc);
    const two = await lineChart(history);
    expect(one + two).not.toMatch(/\d\.\d{3,}/);
    expect(texts(two)).not.toContain("0.5");
  });

  it("are the same bytes when drawn twice, one after the other or at once", async () => {
    // drawn anew each time, not taken from the charts drawn lately
    forgetDrawnCharts();
    const first = await lineChart(history);
    forgetDrawnCharts();
    expect(await lineChart(history)).toBe(first);
    forgetDrawnCharts();
    expect(await Promise.all([lineChart(history), lineChart(roc), lineChart(history)])).toEqual([
      first,
      await lineChart(roc),
      first,
    ]);
  });
});

describe("charts drawn lately", () => {
  it("are not drawn again for the same spec, and are for a spec JSON would write alike", async () => {
    forgetDrawnCharts();
    const drawn = renderSvg(lineChartSpec(roc));
    expect(renderSvg(lineChartSpec(roc))).toBe(drawn);
    // NaN and null, -0 and 0 are written alike by JSON.stringify: the charts must not be taken for each other
    const meta = (v: number | null) => ({ ...lineChartSpec(roc), usermeta: { v } });
    expect(renderSvg(meta(Number.NaN))).not.toBe(renderSvg(meta(null)));
    expect(renderSvg(meta(-0))).not.toBe(renderSvg(meta(0)));
    expect(renderSvg(meta(Number.POSITIVE_INFINITY))).not.toBe(renderSvg(meta(null)));
    expect(await renderSvg(meta(0))).toBe(await drawn);
  });

  it("are drawn again after a failure, which is not remembered", async () => {
    const broken = { ...lineChartSpec(roc), layer: [{ mark: "no-such-mark" }] } as unknown as Parameters<
      typeof renderSvg
    >[0];
    const first = renderSvg(broken);
    await expect(first).rejects.toThrow();
    const again = renderSvg(broken);
    expect(again).not.toBe(first);
    await expect(again).rejects.toThrow();
  });
});

describe("bar charts", () => {
  it("draw one bar per label in the given order with its value (and error) as its name", async () => {
    const bars = await barChart({
      title: "imp",
      labels: ["zeta", "alpha"],
      values: [2, -1],
      errors: [0.5, 0.1],
      xLabel: "drop",
    });
    expect((bars.match(/aria-roledescription="bar"/g) ?? []).length).toBe(2);
    expect(bars).toContain('aria-label="zeta: 2 ± 0.5"');
    expect(bars).toContain('aria-label="alpha: -1 ± 0.1"');
    const labels = texts(bars);
    expect(labels.indexOf("zeta")).toBeLessThan(labels.indexOf("alpha"));
    expect(labels).toEqual(expect.arrayContaining(["imp", "drop"]));
  });
});

describe("heat maps", () => {
  it("print every count in its cell, shading the largest of each row", async () => {
    const svg = await heatmap({
      title: "Confusion matrix (test)",
      rowLabels: ["no", "yes"],
      colLabels: ["no", "yes"],
      values: [
        [8400, 18],
        [26, 116],
      ],
      xLabel: "predicted",
      yLabel: "actual",
    });
    expect(texts(svg)).toEqual(
      expect.arrayContaining(["8,400", "18", "26", "116", "predicted", "actual", "Confusion matrix (test)"]),
    );
    expect(svg).toContain('aria-label="actual yes, predicted no: 26"');
    // Largest cell of each row: full shade, white text.
    expect((svg.match(/fill="rgb\(75, 135, 255\)"/g) ?? []).length).toBe(2);
    expect((svg.match(/<text[^>]*fill="#fff"[^>]*>/g) ?? []).length).toBe(2);
  });
});

describe("scatter charts", () => {
  it("colour points by group with a legend", async () => {
    const svg = await scatterChart({
      title: "Trials",
      xLabel: "bytes",
      yLabel: "auc",
      points: [
        { x: 1, y: 2, group: "front", label: "trial 0" },
        { x: 2, y: 1, group: "dominated" },
      ],
    });
    expect(texts(svg)).toEqual(expect.arrayContaining(["Trials", "front", "dominated"]));
    expect(svg).toContain('aria-label="trial 0"');
  });
});
