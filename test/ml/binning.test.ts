import { describe, expect, it } from "vitest";
import {
  binColumn,
  binMatrix,
  binOf,
  columnCuts,
  computeCuts,
  cutAndBinColumn,
  valueBins,
} from "../../src/ml/tree/binning.js";
import { Rng } from "../../src/ml/random.js";
import type { Matrix } from "../../src/ml/matrix.js";

const matrix = (cols: number[][]): Matrix => ({
  nRows: cols[0]!.length,
  columns: cols.map((c) => Float32Array.from(c)),
  names: cols.map((_, j) => `f${j}`),
});

describe("quantile binning", () => {
  it("gives each distinct value its own bin when there are few, and NaN bin 0", () => {
    const X = matrix([[3, 1, 2, NaN, 2, 1]]);
    const c = computeCuts(X, 255);
    expect(Array.from(c.cuts[0]!)).toEqual([1, 2]);
    expect(valueBins(c, 0)).toBe(3);
    expect(Array.from(binMatrix(X, c))).toEqual([3, 1, 2, 0, 2, 1]);
  });

  it("caps the bins at max_bins with roughly equal counts on continuous data", () => {
    const v = Array.from({ length: 10000 }, (_, i) => Math.sin(i * 12.9898) * 1000);
    const X = matrix([v]);
    const c = computeCuts(X, 16);
    expect(valueBins(c, 0)).toBeLessThanOrEqual(16);
    const counts = new Array(17).fill(0);
    for (const b of binMatrix(X, c)) counts[b]++;
    for (let b = 1; b <= valueBins(c, 0); b++) expect(Math.abs(counts[b] - 10000 / 16)).toBeLessThan(100);
  });

  it("bin b holds exactly the values with cuts[b-2] < x <= cuts[b-1] (the split threshold semantics)", () => {
    const v = Array.from({ length: 3000 }, (_, i) => Math.round(Math.cos(i * 7.1) * 500) / 10);
    const X = matrix([v]);
    const c = computeCuts(X, 32);
    const cuts = c.cuts[0]!;
    const binned = binMatrix(X, c);
    let mismatches = 0;
    for (let i = 0; i < v.length; i++) {
      const x = X.columns[0]![i]!;
      if (binned[i] !== binOf(cuts, x)) mismatches++;
      for (let b = 1; b < cuts.length + 1; b++) if (binned[i]! <= b !== x <= cuts[b - 1]!) mismatches++;
    }
    expect(cuts.length).toBeGreaterThan(10);
    expect(mismatches).toBe(0);
  });

  it("samples large inputs deterministically for a seed", () => {
    const v = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 4999);
    const X = matrix([v]);
    const a = computeCuts(X, 64, 1000, 7);
    const b = computeCuts(X, 64, 1000, 7);
    expect(Array.from(a.cuts[0]!)).toEqual(Array.from(b.cuts[0]!));
  });

  it("handles a column that is entirely missing", () => {
    const X = matrix([[NaN, NaN, NaN]]);
    const c = computeCuts(X, 255);
    expect(c.cuts[0]!.length).toBe(0);
    expect(Array.from(binMatrix(X, c))).toEqual([0, 0, 0]);
  });
});

describe("cut points of a column with missing values", () => {
  it("are those of its non-missing values alone", () => {
    const r = new Rng(11);
    const v = Array.from({ length: 2000 }, (_, i) => (i % 9 === 4 ? NaN : Math.round(r.next() * 5000) / 7));
    const col = Float32Array.from(v);
    const kept = col.filter((x) => x === x);
    for (const bins of [16, 255]) {
      const a = columnCuts(col, col.length, null, bins, new Float32Array(col.length));
      const b = columnCuts(kept, kept.length, null, bins, new Float32Array(kept.length));
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(a.length).toBeGreaterThan(10);
    }
  });
});

describe("binning columns of few values", () => {
  /** columnCuts then binColumn: the general path every column could take. */
  const general = (col: Float32Array, bins: number) => {
    const out = new Uint8Array(col.length);
    const cuts = columnCuts(col, col.length, null, bins, new Float32Array(col.length));
    binColumn(col, col.length, cuts, out, 0);
    return { cuts, out };
  };
  const sameBits = (a: Float64Array, b: Float64Array) =>
    a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

  it("cuts and bins as the general path does: one-hot, small codes, NaN, ±0, a constant, all missing", () => {
    const r = new Rng(4);
    const cols = [
      Float32Array.from({ length: 500 }, () => (r.next() < 0.03 ? 1 : 0)),
      Float32Array.from({ length: 500 }, () => Math.floor(r.next() * 7) - 3),
      Float32Array.from({ length: 500 }, () => (r.next() < 0.1 ? NaN : r.next() < 0.5 ? 2.5 : -1.25)),
      // +0 first in row order, −0 later: the sorted copy puts −0 first, so the cut is −0.
      Float32Array.from([0, 1, -0, 1, 0, 3]),
      Float32Array.from([5, 5, 5, 5]),
      Float32Array.from([NaN, NaN]),
      // More distinct values than the fast path takes, and more than the bins.
      Float32Array.from({ length: 300 }, (_, i) => i % 11),
    ];
    for (const col of cols)
      for (const bins of [2, 3, 8, 255]) {
        const want = general(col, bins);
        const out = new Uint8Array(col.length + 3);
        const cuts = cutAndBinColumn(col, col.length, null, bins, new Float32Array(col.length), out, 3);
        expect(sameBits(cuts, want.cuts)).toBe(true);
        expect(Array.from(out.subarray(3))).toEqual(Array.from(want.out));
      }
  });
});
