// Drift statistics agree with SciPy/NumPy to 1e-9 on committed fixtures (see
// fixtures/drift-scipy.py), and the radix sort orders doubles as the comparison sort does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
  edges: number[];
  ks: number;
  wasserstein: number;
  psi: number;
  js: number;
}
interface CategoricalCase {
  name: string;
  kind: "categorical";
  reference: number[];
  live: number[];
  chi2_p: number;
  js: number;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/drift-scipy.json"), "utf8")) as {
  cases: (NumericCase | CategoricalCase)[];
};
const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(1e-9);

describe("drift statistics against SciPy", () => {
  for (const c of fixture.cases) {
    it(`${c.kind}: ${c.name}`, () => {
      if (c.kind === "numeric") {
        const a = sortedCopy(c.reference);
        const b = sortedCopy(c.live);
        close(ksStatistic(a, b), c.ks);
        close(wassersteinDistance(a, b), c.wasserstein);
        const edges = quantileEdges(a, c.bins);
        expect(edges.length).toBe(c.edges.length);
        edges.forEach((e, i) => close(e, c.edges[i]!));
        const ra = binCounts(edges, c.reference);
        const rb = binCounts(edges, c.live);
        close(psi(ra, rb), c.psi);
        close(jensenShannon(ra, rb), c.js);
      } else {
        close(chiSquareP(c.reference, c.live), c.chi2_p);
        close(jensenShannon(c.reference, c.live), c.js);
      }
    });
  }
});

describe("radix sort", () => {
  it("orders negatives, zeros, subnormals, infinities and large arrays like Array.prototype.sort", () => {
    let s = 7;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const special = [0, -0, 5e-324, -5e-324, Infinity, -Infinity, 1e308, -1e308, 1, -1];
    const values = Float64Array.from({ length: 50_000 }, (_, i) =>
      i < special.length ? special[i]! : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6),
    );
    const want = Float64Array.from(values).sort();
    const got = sortedCopy(values);
    expect(Array.from(got, (v) => (v === 0 ? 0 : v))).toEqual(Array.from(want, (v) => (v === 0 ? 0 : v)));
  });
});
