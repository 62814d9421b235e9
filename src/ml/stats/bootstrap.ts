// Percentile bootstrap confidence intervals for any metric (moved by the estimated bias for a metric
// that resampling biases, such as catalogue coverage), and the paired bootstrap of the
// difference between two models scored on the same rows; seeded, so reruns agree exactly.
import type { Metric, MetricInput } from "../metrics/types.js";
import { quantileSorted } from "./quantile.js";
import { Resampler } from "./resample.js";
import { Rng } from "../random.js";

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Seed of the resampling stream (default 0). */
  seed?: number;
  /** Two-sided coverage (default 0.95). */
  level?: number;
}

export interface Interval {
  /** The metric on the full data. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  /** Resamples on which the metric was defined (e.g. AUC needs both classes); NaN ones are skipped. */
  resamples: number;
}

function options(o: BootstrapOptions): Required<BootstrapOptions> {
  const r = { resamples: o.resamples ?? 1000, seed: o.seed ?? 0, level: o.level ?? 0.95 };
  if (!(r.resamples >= 1) || !Number.isInteger(r.resamples))
    throw new Error(`bootstrap: resamples must be a positive integer, got ${r.resamples}`);
  if (!(r.level > 0 && r.level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${r.level}`);
  return r;
}

function median(values: number[]): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

function percentile(values: number[], level: number): { lower: number; upper: number } {
  const sorted = Float64Array.from(values).sort();
  const alpha = (1 - level) / 2;
  return { lower: quantileSorted(sorted, alpha), upper: quantileSorted(sorted, 1 - alpha) };
}

/** Percentile bootstrap interval of `metric` over rows (or query groups when `input.group` is set). */
export function bootstrapCI(metric: Metric, input: MetricInput, opts: BootstrapOptions = {}): Interval {
  return bootstrapCIs([metric], input, opts)[0]!;
}

/**
 * Intervals of several metrics from one stream of resamples: each resample is drawn once and every
 * metric is computed on it (drawing is the costly part). A metric's interval depends only on the
 * seed and the rows, never on which other metrics are asked for.
 */
export function bootstrapCIs(
  metrics: readonly Metric[],
  input: MetricInput,
  opts: BootstrapOptions = {},
): Interval[] {
  const o = options(opts);
  const rs = new Resampler(input, [input.pred], new Rng(o.seed));
  const values = metrics.map((): number[] => []);
  for (let b = 0; b < o.resamples; b++) {
    const sample = rs.draw()[0]!;
    for (let k = 0; k < metrics.length; k++) {
      const v = metrics[k]!.compute(sample);
      if (!Number.isNaN(v)) values[k]!.push(v);
    }
  }
  return metrics.map((m, k) => {
    const estimate = m.compute(input);
    const p = percentile(values[k]!, o.level);
    if (m.bootstrapBias !== "shift" || values[k]!.length === 0 || Number.isNaN(estimate))
      return { estimate, ...p, level: o.level, resamples: values[k]!.length };
    // a resample is biased against this metric: move the interval by the bias, value − median
    const bias = estimate - median(values[k]!);
    return {
      estimate,
      lower: p.lower + bias,
      upper: p.upper + bias,
      level: o.level,
      resamples: values[k]!.length,
    };
  });
}

export interface PairedComparison {
  /** Metric of model A and of model B on all rows. */
  a: number;
  b: number;
  /** a − b, with its percentile interval. */
  difference: number;
  lower: number;
  upper: number;
  level: number;
  /**
   * Two-sided bootstrap p-value of "no difference": 2 · min(P*(d ≤ 0), P*(d ≥ 0)) over the
   * resampled differences, capped at 1. Resolution is 1 / resamples.
   */
  pValue: number;
  resamples: number;
}

/**
 * Paired bootstrap: each resample draws the same rows for both models, so the interval of the
 * difference accounts for their correlation. `predA`/`predB` are laid out like `base.pred` would be.
 */
export function pairedBootstrap(
  metric: Metric,
  base: Omit<MetricInput, "pred" | "ascending">,
  predA: Float64Array,
  predB: Float64Array,
  opts: BootstrapOptions & {
    /** B's own decision (its threshold), when it differs from `base.decision`: a champion's recorded threshold. */
    decisionB?: MetricInput["decision"];
  } = {},
): PairedComparison {
  const o = options(opts);
  const asB = (m: MetricInput): MetricInput => (opts.decisionB ? { ...m, decision: opts.decisionB } : m);
  const a = metric.compute({ ...base, pred: predA });
  const b = metric.compute(asB({ ...base, pred: predB }));
  const rs = new Resampler(base, [predA, predB], new Rng(o.seed));
  const diffs: number[] = [];
  let le = 0;
  let ge = 0;
  for (let r = 0; r < o.resamples; r++) {
    const [ia, ib] = rs.draw();
    const d = metric.compute(ia!) - metric.compute(asB(ib!));
    if (Number.isNaN(d)) continue;
    diffs.push(d);
    if (d <= 0) le++;
    if (d >= 0) ge++;
  }
  const m = diffs.length;
  return {
    a,
    b,
    difference: a - b,
    ...percentile(diffs, o.level),
    level: o.level,
    pValue: m ? Math.min(1, (2 * Math.min(le, ge)) / m) : NaN,
    resamples: m,
  };
}
