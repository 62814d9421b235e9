// The one-pass grid statistics equal the sorted-window statistics (KS exactly, Wasserstein to
// rounding, bin counts exactly), agree with SciPy on the committed fixtures, and are what
// driftStatistic returns for a profile.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { driftStatistic, LiveColumn } from "../../src/ml/drift/compare.js";
import { buildGrid, gridStatistics } from "../../src/ml/drift/grid.js";
import { categoricalProfile, numericProfile } from "../../src/ml/drift/profile.js";
import { sortedCopy } from "../../src/ml/drift/radix-sort.js";
import {
  binCounts,
  chiSquareP,
  jensenShannon,
  ksStatistic,
  psi,
  quantileEdges,
  wassersteinDistance,
} from "../../src/ml/drift/statistics.js";

interface NumericCase {
  name: string;
  kind: "numeric";
  reference: number[];
  live: number[];
  bins: number;
  ks: number;
  wasserstein: number;
  psi: number;
  js: number;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/drift-scipy.json"), "utf8")) as {
  cases: ({ kind: "categorical" } | NumericCase)[];
};
const close = (got: number, want: number, tol = 1e-9) => expect(Math.abs(got - want)).toBeLessThan(tol);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The statistics the sorted-window functions give, for comparison. */
function bySorting(reference: ArrayLike<number>, edges: Float64Array, live: ArrayLike<number>) {
  const a = sortedCopy(reference);
  const b = sortedCopy(Array.from(live).filter((v) => v === v));
  return { ks: ksStatistic(a, b), wasserstein: wassersteinDistance(a, b), counts: binCounts(edges, b) };
}

describe("grid statistics", () => {
  for (const c of fixture.cases) {
    if (c.kind !== "numeric") continue;
    it(`agree with SciPy: ${c.name}`, () => {
      const a = sortedCopy(c.reference);
      const edges = quantileEdges(a, c.bins);
      const s = gridStatistics(buildGrid(a, edges), c.live);
      close(s.ks, c.ks);
      close(s.wasserstein, c.wasserstein);
      expect(Array.from(s.binCounts)).toEqual(Array.from(binCounts(edges, c.live)));
      close(psi(binCounts(edges, c.reference), s.binCounts), c.psi);
      close(jensenShannon(binCounts(edges, c.reference), s.binCounts), c.js);
    });
  }

  const shapes: [
    string,
    (next: () => number, i: number) => number,
    (next: () => number, i: number) => number,
  ][] = [
    ["same distribution", (r) => r() * 10, (r) => r() * 10],
    ["shifted past both ends", (r) => r(), (r) => r() * 3 - 1],
    ["rounded values with many ties", (r) => Math.round(r() * 20) / 2, (r) => Math.round(r() * 24) / 2],
    ["nulls in the window", (r) => r(), (r, i) => (i % 7 === 0 ? NaN : r() * 1.2)],
    ["timestamps (large magnitudes)", (r) => 1.7e12 + r() * 1e6, (r) => 1.7e12 + 2e5 + r() * 1e6],
    ["constant reference", () => 4, (r) => (r() < 0.5 ? 4 : 3 + r() * 2)],
    ["window inside one cell", (r) => r() * 100, (r) => 50.001 + r() * 1e-6],
    ["skewed (heavy tail)", (r) => Math.exp(8 * r()), (r) => Math.exp(9 * r())],
    ["negative and zero", (r) => (r() < 0.2 ? 0 : -r() * 5), (r) => (r() < 0.3 ? -0 : -r() * 4)],
  ];
  for (const [name, ref, live] of shapes) {
    it(`equal the sorted-window statistics: ${name}`, () => {
      for (const [seed, n, m] of [
        [1, 50, 40],
        [2, 3000, 20_000],
        [3, 10_000, 5000],
      ] as const) {
        const r = lcg(seed);
        const reference = Float64Array.from({ length: n }, (_, i) => ref(r, i));
        const window = Float64Array.from({ length: m }, (_, i) => live(r, i));
        const a = sortedCopy(reference);
        const edges = quantileEdges(a, 10);
        const want = bySorting(reference, edges, window);
        const got = gridStatistics(buildGrid(a, edges), window);
        expect(got.ks).toBe(want.ks);
        close(got.wasserstein, want.wasserstein, 1e-9 * Math.max(1, Math.abs(want.wasserstein)));
        expect(Array.from(got.binCounts)).toEqual(Array.from(want.counts));
        expect(got.present).toBe(Array.from(window).filter((v) => v === v).length);
      }
    });
  }

  it("gives NaN for an empty or all-null window and still counts no bins", () => {
    const a = sortedCopy([1, 2, 3]);
    const grid = buildGrid(a, quantileEdges(a, 2));
    for (const w of [[], [NaN, NaN]]) {
      const s = gridStatistics(grid, w);
      expect([s.present, s.ks, s.wasserstein]).toEqual([0, NaN, NaN]);
      expect(Array.from(s.binCounts)).toEqual([0, 0]);
    }
  });

  it("are what driftStatistic returns for a reference profile, read once for every test", () => {
    const r = lcg(9);
    const reference = numericProfile(Float64Array.from({ length: 30_000 }, () => r() * 5));
    const window = Float64Array.from({ length: 8000 }, (_, i) => (i % 11 ? r() * 6 : NaN));
    const live = new LiveColumn({ kind: "numeric", values: window });
    const sorted = sortedCopy(Array.from(window).filter((v) => v === v));
    expect(driftStatistic("ks", reference, live)).toBe(ksStatistic(reference.sample, sorted));
    close(
      driftStatistic("wasserstein", reference, live),
      wassersteinDistance(reference.sample, sorted) / reference.sd,
    );
    const counts = binCounts(Float64Array.from(reference.edges), sorted);
    expect(driftStatistic("psi", reference, live)).toBe(psi(reference.counts, counts));
    expect(driftStatistic("js", reference, live)).toBe(jensenShannon(reference.counts, counts));
    expect(driftStatistic("null_rate", reference, live)).toBe(live.nulls / window.length);
    expect(live.against(reference)).toBe(live.against(reference)); // computed once
  });
});

describe("categorical drift statistics", () => {
  it("count the window's categories (nulls aside) and compare them over the union of categories", () => {
    const reference = categoricalProfile(["a", "a", "b", "c", null, "a", "b"]);
    const values = ["b", "b", null, "d", "a", "b", null, "d"];
    const live = new LiveColumn({ kind: "categorical", values });
    expect([...live.counts()].sort()).toEqual([
      ["a", 1],
      ["b", 3],
      ["d", 2],
    ]);
    // categories in sorted order: a, b, c, d
    const r = [3, 2, 1, 0];
    const l = [1, 3, 0, 2];
    expect(driftStatistic("chi2", reference, live)).toBe(chiSquareP(r, l));
    expect(driftStatistic("psi", reference, live)).toBe(psi(r, l));
    expect(driftStatistic("js", reference, live)).toBe(jensenShannon(r, l));
    expect(driftStatistic("null_rate", reference, live)).toBe(2 / 8);
    expect(() => driftStatistic("ks", reference, live)).toThrow("ks does not apply to a categorical column");
  });
});
