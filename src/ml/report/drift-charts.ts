// The drift report's charts: a histogram overlay of a numeric column (training and live shares over
// shared bins) and paired bars of a category column, as vega-lite specs rendered to inline SVG like
// the model report's charts. The numbers they draw come from two column profiles (src/ml/drift).
import type { TopLevelSpec } from "vega-lite";
import type { CategoricalProfile, NumericProfile } from "../drift/profile.js";
import { fmt } from "./html-format.js";
import { CHART_CONFIG, colorScale, legendFor, renderSvg } from "./vega-charts.js";

/** The two distributions every drift chart compares, in this order and colour. */
export const SIDES = ["training", "live"] as const;

/** Bins of the histogram overlay. */
export const HISTOGRAM_BINS = 24;
/** Categories drawn one by one; the rest are summed into one bar. */
export const TOP_CATEGORIES = 15;
export const OTHER_CATEGORIES = "(other categories)";

export interface HistogramBin {
  lo: number;
  hi: number;
  /** Share of the column's non-null values in the bin, per side. */
  training: number;
  live: number;
}

/**
 * Shares of both sides over equal-width bins spanning both ranges. A profile keeps evenly spaced
 * order statistics of its values, each standing for the same number of rows, so the share of a bin
 * is the share of sample points in it (exact when the column has at most 10,000 values).
 */
export function histogramBins(
  training: NumericProfile,
  live: NumericProfile,
  bins = HISTOGRAM_BINS,
): HistogramBin[] {
  const sides = [training.sample, live.sample].filter((s) => s.length > 0);
  if (!sides.length) return [];
  const lo = Math.min(...sides.map((s) => s[0]!));
  const hi = Math.max(...sides.map((s) => s[s.length - 1]!));
  const k = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / k : 1;
  const share = (sample: readonly number[]): number[] => {
    const counts = new Array<number>(k).fill(0);
    for (const v of sample) counts[Math.min(k - 1, Math.max(0, Math.floor((v - lo) / width)))]!++;
    return counts.map((c) => (sample.length ? c / sample.length : 0));
  };
  const t = share(training.sample);
  const l = share(live.sample);
  return t.map((_, b) => ({
    lo: lo + b * width,
    hi: b === k - 1 ? Math.max(hi, lo + width) : lo + (b + 1) * width,
    training: t[b]!,
    live: l[b]!,
  }));
}

export interface CategoryShare {
  category: string;
  training: number;
  live: number;
}

/**
 * Shares of non-null rows per category on both sides: the `top` categories by their larger share
 * (ties by name), then the rest summed into one entry when there is a rest.
 */
export function categoryShares(
  training: CategoricalProfile,
  live: CategoricalProfile,
  top = TOP_CATEGORIES,
): CategoryShare[] {
  const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
  const tt = total(training.counts);
  const lt = total(live.counts);
  const names = [...new Set([...Object.keys(training.counts), ...Object.keys(live.counts)])];
  const all = names.map((category) => ({
    category,
    training: tt ? (training.counts[category] ?? 0) / tt : 0,
    live: lt ? (live.counts[category] ?? 0) / lt : 0,
  }));
  all.sort(
    (a, b) =>
      Math.max(b.training, b.live) - Math.max(a.training, a.live) ||
      (a.category < b.category ? -1 : a.category > b.category ? 1 : 0),
  );
  const shown = all.slice(0, top);
  const rest = all.slice(top);
  if (rest.length)
    shown.push({
      category: OTHER_CATEGORIES,
      training: rest.reduce((a, r) => a + r.training, 0),
      live: rest.reduce((a, r) => a + r.live, 0),
    });
  return shown;
}

const colour = {
  field: "side",
  type: "nominal",
  scale: colorScale([...SIDES]),
  legend: legendFor(SIDES.length),
} as const;

/** Training and live histograms drawn over each other (translucent bars on the same bins). */
export function histogramSpec(title: string, xLabel: string, bins: readonly HistogramBin[]): TopLevelSpec {
  const values = bins.flatMap((b) =>
    SIDES.map((side) => ({
      lo: b.lo,
      hi: b.hi,
      side,
      share: b[side],
      text: `${side}, ${fmt(b.lo)} to ${fmt(b.hi)}: ${fmt(b[side] * 100, 3)}%`,
    })),
  );
  return {
    title,
    description: title,
    width: 420,
    height: 220,
    autosize: { type: "fit", contains: "padding" },
    config: CHART_CONFIG,
    data: { values },
    mark: { type: "rect", opacity: 0.5 },
    encoding: {
      x: { field: "lo", type: "quantitative", title: xLabel, scale: { zero: false, nice: false } },
      x2: { field: "hi" },
      y: { field: "share", type: "quantitative", title: "share of rows", axis: { format: "%" } },
      color: colour,
      description: { field: "text" },
    },
  } as TopLevelSpec;
}

/** Training and live shares per category as pairs of horizontal bars. */
export function categoryBarsSpec(title: string, shares: readonly CategoryShare[]): TopLevelSpec {
  const values = shares.flatMap((s) =>
    SIDES.map((side) => ({
      category: s.category,
      side,
      share: s[side],
      text: `${side}, ${s.category}: ${fmt(s[side] * 100, 3)}%`,
    })),
  );
  return {
    title,
    description: title,
    width: 420,
    height: { step: 20 },
    autosize: { type: "fit-x", contains: "padding" },
    config: CHART_CONFIG,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      y: {
        field: "category",
        type: "nominal",
        sort: shares.map((s) => s.category),
        title: null,
        axis: { labelLimit: 200 },
      },
      yOffset: { field: "side", type: "nominal", sort: [...SIDES] },
      x: {
        field: "share",
        type: "quantitative",
        title: "share of rows",
        axis: { format: "%" },
        scale: { zero: true },
      },
      color: colour,
      description: { field: "text" },
    },
  } as TopLevelSpec;
}

export const histogramChart = (
  title: string,
  xLabel: string,
  bins: readonly HistogramBin[],
): Promise<string> => renderSvg(histogramSpec(title, xLabel, bins));
export const categoryBarsChart = (title: string, shares: readonly CategoryShare[]): Promise<string> =>
  renderSvg(categoryBarsSpec(title, shares));
