// The report's charts as vega-lite specs (line, horizontal bar, heat map, scatter), rendered to
// SVG strings on the server by vega's headless view: inline data only, no loader, no scripts.
import type * as Vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { esc, fmt } from "./html-format.js";

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#F0E442",
  "#000000",
];

const FONT = "system-ui, sans-serif";

/**
 * Fixed fonts and sizes, so a chart's layout depends on its data only. Text widths come from
 * vega's character-count estimate (see below), never from the fonts of the machine.
 */
export const CHART_CONFIG = {
  font: FONT,
  background: "#ffffff",
  padding: 6,
  view: { stroke: null },
  title: { fontSize: 13, fontWeight: 600, font: FONT, anchor: "middle", offset: 8 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 400,
    labelColor: "#444",
    titleColor: "#111",
    gridColor: "#e5e5e5",
    domainColor: "#444",
    tickColor: "#444",
    labelFlush: false,
  },
  legend: { labelFontSize: 11, titleFontSize: 11, symbolSize: 60, labelLimit: 220 },
  text: { font: FONT, fontSize: 11 },
  line: { strokeWidth: 2 },
} as const;

interface Engine {
  vega: typeof Vega;
  compile: typeof import("vega-lite").compile;
}

let engine: Promise<Engine> | undefined;

/**
 * vega and vega-lite load on the first chart (about half a second), so commands that import the
 * runtime but draw nothing (plan, check, serve) do not pay for them.
 */
function loadEngine(): Promise<Engine> {
  engine ??= Promise.all([import("vega"), import("vega-lite")]).then(([vega, vl]) => {
    // Vega measures text with node-canvas when that package happens to be installed; the estimate
    // it uses otherwise is the same on every machine, so charts are byte-identical everywhere.
    const metrics = (vega as unknown as { textMetrics?: { width: unknown; estimateWidth: unknown } })
      .textMetrics;
    if (metrics) metrics.width = metrics.estimateWidth;
    return { vega, compile: vl.compile };
  });
  return engine;
}

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly (number | null)[];
  /** Draw as steps (for best-so-far histories). */
  step?: boolean;
  /** Markers only, no line. */
  pointsOnly?: boolean;
  /** Marker area in px² for a points-only series (default 24); larger to single out a point. */
  markerSize?: number;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** A dashed y = x reference line (ROC chance, perfect calibration). */
  diagonal?: boolean;
  /** x holds whole numbers (trial indices): ticks at integers only. */
  xIntegers?: boolean;
  /** Whole chart, axes and title included (pixels). */
  width?: number;
  height?: number;
}

export interface BarChartOptions {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  /** Optional ± error per bar (e.g. the std of permutation repeats). */
  errors?: readonly number[];
  xLabel: string;
  width?: number;
}

export interface HeatmapOptions {
  title: string;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  values: readonly (readonly number[])[];
  xLabel: string;
  yLabel: string;
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** Legend entry (colour); listed in the order of first appearance. */
  group: string;
  /** Accessible name of the point (e.g. "trial 4"). */
  label?: string;
}

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  points: readonly ScatterPoint[];
  width?: number;
  height?: number;
}

type Spec = TopLevelSpec;

const finite = (v: number | null | undefined): v is number =>
  v !== null && v !== undefined && Number.isFinite(v);

/** A fixed domain as given; otherwise round ends with a few pixels so edge points stay visible. */
function quantScale(domain: [number, number] | undefined): Record<string, unknown> {
  return domain ? { domain, nice: false, zero: false } : { zero: false, nice: true, padding: 8 };
}

export function colorScale(names: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...names], range: names.map((_, k) => PALETTE[k % PALETTE.length]!) };
}

/** A legend only when there is more than one thing to tell apart. */
export const legendFor = (n: number): Record<string, unknown> | null =>
  n > 1 ? { orient: "top", direction: "horizontal", title: null } : null;

/** Title, size of the whole chart (axes and title included) and the shared config. */
function frame(title: string, width: number, height: number): Record<string, unknown> {
  return {
    title,
    description: title,
    width,
    height,
    autosize: { type: "fit", contains: "padding" },
    config: CHART_CONFIG,
  };
}

/** Lines (or steps, or markers) of several series on shared quantitative axes. */
export function lineChartSpec(o: LineChartOptions): Spec {
  const names = o.series.map((s) => s.name);
  const x = {
    field: "x",
    type: "quantitative",
    title: o.xLabel,
    scale: quantScale(o.xDomain),
    ...(o.xIntegers ? { axis: { tickMinStep: 1, format: "d" } } : {}),
  } as const;
  const y = { field: "y", type: "quantitative", title: o.yLabel, scale: quantScale(o.yDomain) } as const;
  const color = {
    field: "series",
    type: "nominal",
    scale: colorScale(names),
    legend: legendFor(names.length),
  } as const;
  const layers: unknown[] = [];
  if (o.diagonal) {
    const xs = o.xDomain ?? [0, 1];
    const ys = o.yDomain ?? [0, 1];
    const lo = Math.max(xs[0], ys[0]);
    const hi = Math.min(xs[1], ys[1]);
    layers.push({
      data: {
        values: [
          { x: lo, y: lo },
          { x: hi, y: hi },
        ],
      },
      mark: { type: "line", color: "#999", strokeWidth: 1, strokeDash: [4, 4], aria: false },
      encoding: { x, y },
    });
  }
  // Lines first, markers after, so markers stay visible where a line passes over them.
  for (const s of [...o.series.filter((x) => !x.pointsOnly), ...o.series.filter((x) => x.pointsOnly)]) {
    const values: Array<{ x: number; y: number; series: string; i: number }> = [];
    s.x.forEach((xv, i) => {
      const yv = s.y[i];
      if (finite(xv) && finite(yv)) values.push({ x: xv, y: yv, series: s.name, i });
    });
    const mark = s.pointsOnly
      ? { type: "point", filled: true, size: s.markerSize ?? 24, opacity: s.markerSize ? 1 : 0.7 }
      : {
          type: "line",
          ...(s.step ? { interpolate: "step-after" } : {}),
          ...(s.dashed ? { strokeDash: [5, 3] } : {}),
        };
    // `order` keeps the given point order: a ROC curve has several points at one x.
    layers.push({
      data: { values },
      mark,
      encoding: {
        x,
        y,
        color,
        ...(s.pointsOnly
          ? {}
          : { order: { field: "i", type: "quantitative" }, description: { value: s.name } }),
      },
    });
  }
  return { ...frame(o.title, o.width ?? 420, o.height ?? 320), layer: layers } as Spec;
}

/** Horizontal bars, one row per label in the given order; negative values extend left of zero. */
export function barChartSpec(o: BarChartOptions): Spec {
  const rows = o.labels.map((label, i) => {
    const v = o.values[i]!;
    const e = o.errors?.[i];
    return {
      label,
      value: finite(v) ? v : null,
      text: `${label}: ${fmt(v)}${finite(e) && e > 0 ? ` ± ${fmt(e)}` : ""}`,
      ...(finite(v) && finite(e) && e > 0 ? { lo: v - e, hi: v + e } : {}),
    };
  });
  const y = {
    field: "label",
    type: "nominal",
    sort: [...o.labels],
    title: null,
    axis: { labelLimit: 240 },
  } as const;
  const layers: unknown[] = [
    {
      mark: { type: "bar", color: PALETTE[0], height: { band: 0.7 } },
      encoding: {
        y,
        x: { field: "value", type: "quantitative", title: o.xLabel, scale: { zero: true } },
        description: { field: "text" },
      },
    },
    {
      mark: { type: "rule", color: "#444", aria: false },
      data: { values: [{ zero: 0 }] },
      encoding: { x: { field: "zero", type: "quantitative" } },
    },
  ];
  if (rows.some((r) => "lo" in r)) {
    layers.push({
      transform: [{ filter: "isValid(datum.lo)" }],
      mark: { type: "rule", color: "#222", aria: false },
      encoding: { y, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
    });
  }
  return {
    title: o.title,
    description: o.title,
    width: o.width ?? 520,
    height: { step: 18 },
    autosize: { type: "fit-x", contains: "padding" },
    config: CHART_CONFIG,
    data: { values: rows },
    layer: layers,
  } as Spec;
}

/** A labelled grid: shading by the row's share (so rare classes stay readable), counts printed. */
export function heatmapSpec(o: HeatmapOptions): Spec {
  const k = Math.max(o.rowLabels.length, o.colLabels.length);
  const cell = Math.max(28, Math.min(64, Math.floor(320 / Math.max(1, k))));
  const cells: Array<{ row: string; col: string; count: number; share: number; text: string; name: string }> =
    [];
  o.values.forEach((row, i) => {
    const max = Math.max(...row, 0) || 1;
    row.forEach((v, j) =>
      cells.push({
        row: o.rowLabels[i] ?? "",
        col: o.colLabels[j] ?? "",
        count: v,
        share: v / max,
        text: fmt(v),
        name: `${o.yLabel} ${o.rowLabels[i] ?? ""}, ${o.xLabel} ${o.colLabels[j] ?? ""}: ${fmt(v)}`,
      }),
    );
  });
  const x = {
    field: "col",
    type: "ordinal",
    sort: [...o.colLabels],
    title: o.xLabel,
    axis: { orient: "top", labelAngle: 0, domain: false, ticks: false },
  } as const;
  const y = {
    field: "row",
    type: "ordinal",
    sort: [...o.rowLabels],
    title: o.yLabel,
    axis: { domain: false, ticks: false },
  } as const;
  return {
    title: o.title,
    description: o.title,
    width: { step: cell },
    height: { step: cell },
    config: CHART_CONFIG,
    data: { values: cells },
    encoding: { x, y },
    layer: [
      {
        mark: { type: "rect", stroke: "#fff" },
        encoding: {
          color: {
            field: "share",
            type: "quantitative",
            scale: { domain: [0, 1], range: ["#ffffff", "#4b87ff"], interpolate: "rgb" },
            legend: null,
          },
          description: { field: "name" },
        },
      },
      {
        mark: { type: "text", baseline: "middle", aria: false },
        encoding: {
          text: { field: "text" },
          color: { condition: { test: "datum.share > 0.6", value: "#fff" }, value: "#111" },
        },
      },
    ],
  } as Spec;
}

/** Points coloured by group (e.g. trials on and off a Pareto front). */
export function scatterSpec(o: ScatterOptions): Spec {
  const groups = [...new Set(o.points.map((p) => p.group))];
  const values = o.points
    .filter((p) => finite(p.x) && finite(p.y))
    .map((p) => ({ x: p.x, y: p.y, group: p.group, text: p.label ?? `${fmt(p.x)}, ${fmt(p.y)}` }));
  return {
    ...frame(o.title, o.width ?? 420, o.height ?? 320),
    data: { values },
    mark: { type: "point", filled: true, size: 40, opacity: 0.8 },
    encoding: {
      x: { field: "x", type: "quantitative", title: o.xLabel, scale: quantScale(undefined) },
      y: { field: "y", type: "quantitative", title: o.yLabel, scale: quantScale(undefined) },
      color: { field: "group", type: "nominal", scale: colorScale(groups), legend: legendFor(groups.length) },
      description: { field: "text" },
    },
  } as Spec;
}

// Coordinates such as 123.456789012 say nothing a reader can see; two decimals keep files small.
const LONG_DECIMAL = /(-?\d+\.\d{2})\d+/g;
const GEOMETRY_ATTR = / (d|transform|x|y|x1|x2|y1|y2|width|height|points)="([^"]*)"/g;

function roundGeometry(svg: string): string {
  return svg.replace(
    GEOMETRY_ATTR,
    (_, name: string, value: string) => ` ${name}="${value.replace(LONG_DECIMAL, "$1")}"`,
  );
}

/** Collects vega-lite's and vega's warnings instead of printing them to the user's terminal. */
class CollectingLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  private lvl = 0;
  level(): number;
  level(_: number): this;
  level(l?: number): number | this {
    if (l === undefined) return this.lvl;
    this.lvl = l;
    return this;
  }
  error(...args: readonly unknown[]): this {
    this.errors.push(args.map(String).join(" "));
    return this;
  }
  warn(...args: readonly unknown[]): this {
    this.warnings.push(args.map(String).join(" "));
    return this;
  }
  info(): this {
    return this;
  }
  debug(): this {
    return this;
  }
}

/** The vega spec of a vega-lite spec, and the warnings compiling it gave (tests expect none). */
export async function compileSpec(spec: Spec): Promise<{ vega: Vega.Spec; warnings: string[] }> {
  const { compile } = await loadEngine();
  const logger = new CollectingLogger();
  const out = compile(spec, { logger }).spec;
  if (logger.errors.length) throw new Error(`chart "${String(spec.title)}": ${logger.errors.join("; ")}`);
  // vega-lite 5 says it drops "fit-y" whenever the height is discrete, even when only "fit-x" was asked.
  const fitX = typeof spec.autosize === "object" && spec.autosize.type === "fit-x";
  return { vega: out, warnings: logger.warnings.filter((w) => !(fitX && w.startsWith('Dropping "fit-y"'))) };
}

/**
 * The charts drawn lately, by their spec's text: a chart is a function of its spec alone (vega keeps
 * no state between views), so a report whose charts were drawn ahead of it (the model report's
 * prerender job, report-worker.ts) takes them from here. A few, so nothing large stays alive.
 */
const recent = new Map<string, Promise<string>>();
const RECENT_CHARTS = 32;

/** The spec's text as a key: -0, NaN and ±Infinity, which JSON would write as 0 or null, kept apart. */
const specKey = (spec: Spec): string =>
  JSON.stringify(spec, (_, v: unknown) =>
    typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))
      ? `\u0000${Object.is(v, -0) ? "-0" : String(v)}`
      : v,
  );

/** Lets go of the charts drawn lately: the next render of each draws it again. */
export function forgetDrawnCharts(): void {
  recent.clear();
}

/**
 * Renders a vega-lite spec to a standalone SVG string (no scripts, no external references).
 * The chart's title is also its accessible name (`role="img"`, `aria-label`, `<title>`).
 * A spec drawn lately is not drawn again (the same promise is returned).
 */
export function renderSvg(spec: Spec): Promise<string> {
  const key = specKey(spec);
  const known = recent.get(key);
  if (known) {
    // most recently used last: the oldest leaves first
    recent.delete(key);
    recent.set(key, known);
    return known;
  }
  const svg = drawSvg(spec);
  recent.set(key, svg);
  if (recent.size > RECENT_CHARTS) recent.delete(recent.keys().next().value!);
  // a failure is not remembered: the next caller draws the chart again (and sees the error)
  svg.catch(() => {
    if (recent.get(key) === svg) recent.delete(key);
  });
  return svg;
}

/**
 * A turn of the event loop: vega draws a chart on promises alone, so without it a report's charts
 * would hold the thread until the last one, and a job that came meanwhile (the report worker's
 * TreeSHAP of the next model, report-worker.ts) would wait for them all instead of one chart.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function drawSvg(spec: Spec): Promise<string> {
  await nextTurn();
  const { vega } = await loadEngine();
  const compiled = (await compileSpec(spec)).vega;
  const logger = new CollectingLogger();
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
  try {
    const svg = roundGeometry(await view.toSVG());
    // A bug in a builder, not a user mistake: say which chart.
    if (logger.errors.length) throw new Error(`chart "${String(spec.title)}": ${logger.errors.join("; ")}`);
    const title = typeof spec.title === "string" ? spec.title : undefined;
    return title === undefined
      ? svg
      : svg.replace(
          /^<svg ([^>]*)>/,
          (_, attrs: string) =>
            `<svg ${attrs} role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`,
        );
  } finally {
    view.finalize();
  }
}

export const lineChart = (o: LineChartOptions): Promise<string> => renderSvg(lineChartSpec(o));
export const barChart = (o: BarChartOptions): Promise<string> => renderSvg(barChartSpec(o));
export const heatmap = (o: HeatmapOptions): Promise<string> => renderSvg(heatmapSpec(o));
export const scatterChart = (o: ScatterOptions): Promise<string> => renderSvg(scatterSpec(o));
