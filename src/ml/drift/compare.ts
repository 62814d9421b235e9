// One drift test of a live window against a column's reference profile. A numeric window is read
// once per reference (./grid.ts: KS, Wasserstein and bin counts in one pass, no sort) however many
// tests read it; a test that does not fit the column's type is an error here and a compile error in
// the checker.
import { buildGrid, gridStatistics, type Grid, type GridStatistics } from "./grid.js";
import type { ColumnProfile, NumericProfile, ProfileColumn } from "./profile.js";
import { sortedCopy } from "./radix-sort.js";
import { chiSquareP, jensenShannon, psi } from "./statistics.js";

/** Each reference column's grid, built on first use (profiles are read-only values). */
const grids = new WeakMap<NumericProfile, Grid>();
function gridOf(reference: NumericProfile): Grid {
  let g = grids.get(reference);
  if (!g) grids.set(reference, (g = buildGrid(reference.sample, reference.edges)));
  return g;
}

export const DRIFT_TESTS = ["psi", "ks", "chi2", "js", "wasserstein", "null_rate"] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];

/** The column kinds each test applies to. */
export const TEST_KINDS: Record<DriftTest, readonly ("numeric" | "categorical")[]> = {
  psi: ["numeric", "categorical"],
  ks: ["numeric"],
  chi2: ["categorical"],
  js: ["numeric", "categorical"],
  wasserstein: ["numeric"],
  null_rate: ["numeric", "categorical"],
};

/** Whether a larger value means more drift (chi2 is a p-value: smaller means drift). */
export const LARGER_IS_DRIFT: Record<DriftTest, boolean> = {
  psi: true,
  ks: true,
  chi2: false,
  js: true,
  wasserstein: true,
  null_rate: true,
};

/** A live window of one column, with its statistics per reference, sorted values and counts computed on first use. */
export class LiveColumn {
  private sortedValues?: Float64Array;
  private categoryCounts?: Map<string, number>;
  private readonly onGrid = new WeakMap<NumericProfile, GridStatistics>();
  readonly rows: number;
  readonly nulls: number;

  constructor(readonly column: ProfileColumn) {
    this.rows = column.values.length;
    let nulls = 0;
    if (column.kind === "numeric") {
      for (let i = 0; i < this.rows; i++) if (column.values[i] !== column.values[i]) nulls++;
    } else for (let i = 0; i < this.rows; i++) if (column.values[i] == null) nulls++;
    this.nulls = nulls;
  }

  sorted(): Float64Array {
    if (!this.sortedValues) {
      if (this.column.kind !== "numeric") throw new Error("a category column has no numeric order");
      const v = this.column.values;
      const present = new Float64Array(this.rows - this.nulls);
      let k = 0;
      for (let i = 0; i < this.rows; i++) if (v[i] === v[i]) present[k++] = v[i]!;
      this.sortedValues = sortedCopy(present);
    }
    return this.sortedValues;
  }

  /** KS, Wasserstein and bin counts against a numeric reference (one pass, kept for the next test). */
  against(reference: NumericProfile): GridStatistics {
    if (this.column.kind !== "numeric") throw new Error("a category column has no numeric order");
    let s = this.onGrid.get(reference);
    if (!s) this.onGrid.set(reference, (s = gridStatistics(gridOf(reference), this.column.values)));
    return s;
  }

  counts(): Map<string, number> {
    if (!this.categoryCounts) {
      if (this.column.kind !== "categorical") throw new Error("a numeric column has no categories");
      // one map lookup per row (to a slot), not a lookup and a store
      const slot = new Map<string, number>();
      const n: number[] = [];
      for (let i = 0; i < this.rows; i++) {
        const v = this.column.values[i];
        if (v == null) continue;
        let k = slot.get(v);
        if (k === undefined) {
          slot.set(v, (k = n.length));
          n.push(0);
        }
        n[k]!++;
      }
      this.categoryCounts = new Map([...slot].map(([v, k]) => [v, n[k]!]));
    }
    return this.categoryCounts;
  }
}

/** Reference and live counts over the union of categories, in a fixed order. */
function alignedCounts(
  reference: Record<string, number>,
  live: Map<string, number>,
): [Float64Array, Float64Array] {
  const keys = [...new Set([...Object.keys(reference), ...live.keys()])].sort();
  return [
    Float64Array.from(keys, (k) => reference[k] ?? 0),
    Float64Array.from(keys, (k) => live.get(k) ?? 0),
  ];
}

/**
 * The statistic of `test` for a live window against a reference column. NaN when the window has no
 * non-null values (null_rate: no rows). Throws when the test does not apply to the column's kind.
 */
export function driftStatistic(test: DriftTest, reference: ColumnProfile, live: LiveColumn): number {
  if (!TEST_KINDS[test].includes(reference.kind) || live.column.kind !== reference.kind)
    throw new Error(`${test} does not apply to a ${reference.kind} column`);
  if (test === "null_rate") return live.rows ? live.nulls / live.rows : NaN;
  if (live.rows === live.nulls) return NaN;
  if (reference.kind === "numeric") {
    const s = live.against(reference);
    switch (test) {
      case "ks":
        return s.ks;
      case "wasserstein":
        return reference.sd > 0 ? s.wasserstein / reference.sd : s.wasserstein;
      default:
        return test === "psi"
          ? psi(reference.counts, s.binCounts)
          : jensenShannon(reference.counts, s.binCounts);
    }
  }
  const [r, l] = alignedCounts(reference.counts, live.counts());
  return test === "chi2" ? chiSquareP(r, l) : test === "psi" ? psi(r, l) : jensenShannon(r, l);
}

/**
 * The test that suits a column and a window (the `drift(…)` default): KS for numbers and chi-squared
 * for categories on windows under 1,000 rows; above that, where those tests flag trivial
 * differences, Wasserstein (scaled by the reference sd) for numbers and Jensen-Shannon for categories.
 */
export function defaultTest(kind: "numeric" | "categorical", rows: number): DriftTest {
  if (rows < 1000) return kind === "numeric" ? "ks" : "chi2";
  return kind === "numeric" ? "wasserstein" : "js";
}
