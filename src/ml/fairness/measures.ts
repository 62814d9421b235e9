// Group fairness measures of a binary classifier (fairlearn's definitions): demographic parity,
// equal opportunity and equalized odds differences, disparate impact ratio, per-group metrics.
import type { Metric } from "../metrics/types.js";
import { groupIndices, groupRates, type GroupRates } from "./groups.js";

/** max − min over groups of the defined values (NaN ones skipped); NaN with fewer than one. */
function range(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x));
  return v.length ? Math.max(...v) - Math.min(...v) : NaN;
}

/** Largest gap in selection rate P(ŷ = 1) between groups: 0 is parity. */
export const demographicParityDifference = (rates: readonly GroupRates[]): number =>
  range(rates.map((r) => r.selectionRate));
/** Largest gap in true positive rate between groups. */
export const equalOpportunityDifference = (rates: readonly GroupRates[]): number =>
  range(rates.map((r) => r.tpr));
/** The larger of the TPR gap and the FPR gap between groups. */
export const equalizedOddsDifference = (rates: readonly GroupRates[]): number =>
  Math.max(range(rates.map((r) => r.tpr)), range(rates.map((r) => r.fpr)));

/** Smallest selection rate divided by the largest (1 is parity; the "80% rule" asks ≥ 0.8). NaN when nobody is selected. */
export function disparateImpactRatio(rates: readonly GroupRates[]): number {
  const s = rates.map((r) => r.selectionRate);
  const max = Math.max(...s);
  return max > 0 ? Math.min(...s) / max : NaN;
}

export interface GroupMetricRow extends GroupRates {
  metrics: Record<string, number>;
}

export interface FairnessReport {
  threshold: number;
  groups: GroupMetricRow[];
  demographicParityDifference: number;
  equalOpportunityDifference: number;
  equalizedOddsDifference: number;
  disparateImpactRatio: number;
}

/**
 * Every measure plus the per-group table of `metrics` (computed on each group's rows; a metric
 * undefined on a group, such as AUC with one class, is NaN there).
 */
export function fairnessReport(
  y: Float64Array,
  pred: Float64Array,
  groups: ArrayLike<string | number>,
  opts: { threshold?: number; metrics?: readonly Metric[] } = {},
): FairnessReport {
  const threshold = opts.threshold ?? 0.5;
  const rates = groupRates(y, pred, groups, threshold);
  const idx = groupIndices(groups);
  const rows = rates.map((r) => {
    const rows = idx.get(r.group)!;
    const gy = Float64Array.from(rows, (i) => y[i]!);
    const gp = Float64Array.from(rows, (i) => pred[i]!);
    const metrics: Record<string, number> = {};
    for (const m of opts.metrics ?? []) metrics[m.name] = m.compute({ y: gy, pred: gp, width: 1 });
    return { ...r, metrics };
  });
  return {
    threshold,
    groups: rows,
    demographicParityDifference: demographicParityDifference(rates),
    equalOpportunityDifference: equalOpportunityDifference(rates),
    equalizedOddsDifference: equalizedOddsDifference(rates),
    disparateImpactRatio: disparateImpactRatio(rates),
  };
}
