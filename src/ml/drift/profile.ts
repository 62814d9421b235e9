// A deployed version's reference profile: per column, what the drift tests compare a live window
// with. Numbers keep a sample of up to 10,000 order statistics (evenly spaced, so KS and Wasserstein
// see the training distribution's shape), quantile bin edges with counts, mean, sd and null rate;
// categories keep their counts. Built once from the reference rows; plain JSON, deterministic.
import { sortedCopy } from "./radix-sort.js";
import { binCounts, quantileEdges } from "./statistics.js";

/** Order statistics kept per numeric column. */
export const SAMPLE_SIZE = 10_000;
/** Quantile bins of PSI and Jensen-Shannon on numbers. */
export const NUMERIC_BINS = 10;

export interface NumericProfile {
  kind: "numeric";
  rows: number;
  nullRate: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Ascending order statistics of the non-null values (all of them when there are few). */
  sample: number[];
  /** Bin edges at the reference quantiles, and the reference rows in each bin (edges + 1 bins). */
  edges: number[];
  counts: number[];
}

export interface CategoricalProfile {
  kind: "categorical";
  rows: number;
  nullRate: number;
  /** Rows per category, categories in sorted order. */
  counts: Record<string, number>;
}

export type ColumnProfile = NumericProfile | CategoricalProfile;

export interface ReferenceProfile {
  formatVersion: 1;
  /** Which rows it was built from: `train`, `valid` or `test`. */
  reference: string;
  rows: number;
  columns: Record<string, ColumnProfile>;
}

/** A column as the profile sees it: numbers (NaN = null) or category labels (null = null). */
export type ProfileColumn =
  { kind: "numeric"; values: ArrayLike<number> } | { kind: "categorical"; values: ArrayLike<string | null> };

export function numericProfile(values: ArrayLike<number>): NumericProfile {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) present.push(values[i]!);
  const sorted = sortedCopy(present);
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  const step = n > SAMPLE_SIZE ? (n - 1) / (SAMPLE_SIZE - 1) : 1;
  const sample =
    n > SAMPLE_SIZE
      ? Array.from({ length: SAMPLE_SIZE }, (_, k) => sorted[Math.round(k * step)]!)
      : Array.from(sorted);
  const edges = n ? quantileEdges(sorted, NUMERIC_BINS) : new Float64Array(0);
  return {
    kind: "numeric",
    rows: values.length,
    nullRate: values.length ? (values.length - n) / values.length : 0,
    mean,
    sd: n ? Math.sqrt(ss / n) : NaN,
    min: n ? sorted[0]! : NaN,
    max: n ? sorted[n - 1]! : NaN,
    sample,
    edges: Array.from(edges),
    counts: Array.from(binCounts(edges, sorted)),
  };
}

export function categoricalProfile(values: ArrayLike<string | null>): CategoricalProfile {
  const counts = new Map<string, number>();
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return {
    kind: "categorical",
    rows: values.length,
    nullRate: values.length ? nulls / values.length : 0,
    counts: Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

/** The profile of a set of columns, built from the `reference` rows. */
export function buildProfile(reference: string, columns: Record<string, ProfileColumn>): ReferenceProfile {
  const out: Record<string, ColumnProfile> = {};
  let rows = 0;
  for (const name of Object.keys(columns).sort()) {
    const c = columns[name]!;
    out[name] = c.kind === "numeric" ? numericProfile(c.values) : categoricalProfile(c.values);
    rows = Math.max(rows, c.values.length);
  }
  return { formatVersion: 1, reference, rows, columns: out };
}
