import { describe, expect, it } from "vitest";
import type { Matrix } from "../../src/ml/matrix.js";
import { predictMargin, type TreeEnsemble } from "../../src/ml/tree/ensemble.js";
import { NearbyMargins } from "../../src/ml/tree/flat-ensemble.js";
import { addTreePrediction, type Tree } from "../../src/ml/tree/tree.js";

/** A tree from [feature, threshold, left, right, defaultLeft, value] rows (feature -1 = leaf). */
function tree(rows: [number, number, number, number, number, number][], target = 0): Tree {
  const col = <T extends Int32Array | Float64Array | Uint8Array>(make: (n: number) => T, k: number): T => {
    const a = make(rows.length);
    rows.forEach((r, i) => (a[i] = r[k]!));
    return a;
  };
  return {
    feature: col((n) => new Int32Array(n), 0),
    threshold: col((n) => new Float64Array(n), 1),
    splitBin: new Int32Array(rows.length),
    left: col((n) => new Int32Array(n), 2),
    right: col((n) => new Int32Array(n), 3),
    defaultLeft: col((n) => new Uint8Array(n), 4),
    value: col((n) => new Float64Array(n), 5),
    cover: new Float64Array(rows.length),
    gain: new Float64Array(rows.length),
    target,
  };
}

/** The reference: tree after tree over all rows. */
function reference(e: TreeEnsemble, X: Matrix): Float64Array {
  const k = e.nOutputs;
  const out = new Float64Array(X.nRows * k);
  for (let i = 0; i < X.nRows; i++) for (let c = 0; c < k; c++) out[i * k + c] = e.base[c]!;
  for (const t of e.trees) addTreePrediction(t, X, out, k, e.scale);
  return out;
}

describe("packed ensemble prediction", () => {
  // Unbalanced (a leaf at depth 1, others at 3), missing values sent both ways, a one-leaf tree.
  const deep = tree([
    [0, 0.5, 1, 2, 1, 0],
    [-1, 0, -1, -1, 0, 0.25],
    [1, -1, 3, 4, 0, 0],
    [-1, 0, -1, -1, 0, -1.5],
    [2, 2.5, 5, 6, 1, 0],
    [-1, 0, -1, -1, 0, 3],
    [-1, 0, -1, -1, 0, 0.125],
  ]);
  const stump = tree([
    [1, 0, 1, 2, 0, 0],
    [-1, 0, -1, -1, 0, 7],
    [-1, 0, -1, -1, 0, -7],
  ]);
  const leafOnly = tree([[-1, 0, -1, -1, 0, 0.5]]);
  // 203 rows: several 64-row blocks, a tail that is not a multiple of four, NaN in every feature.
  const n = 203;
  const X: Matrix = {
    nRows: n,
    names: ["a", "b", "c"],
    columns: [0, 1, 2].map((j) =>
      Float32Array.from({ length: n }, (_, i) => (i % (5 + j) === 2 ? NaN : Math.sin(i * (j + 1.3)) * 3)),
    ),
  };

  it("gives the same margins, bit for bit, as adding tree after tree (one output, scaled)", () => {
    const e: TreeEnsemble = {
      trees: [deep, stump, leafOnly, deep],
      nFeatures: 3,
      nOutputs: 1,
      base: Float64Array.of(0.1),
      scale: 1 / 3,
      link: "identity",
    };
    const got = predictMargin(e, X);
    expect(Array.from(got)).toEqual(Array.from(reference(e, X)));
    // The missing-value directions matter: a NaN in feature 0 goes left (0.25) in `deep`.
    expect(got[2]).toBeCloseTo(0.1 + (0.25 + 0.5 + 0.25) / 3 + (X.columns[1]![2]! <= 0 ? 7 : -7) / 3, 12);
  });

  it("adds each tree to its own output column (multiclass)", () => {
    const e: TreeEnsemble = {
      trees: [deep, { ...stump, target: 1 }, { ...leafOnly, target: 2 }, { ...deep, target: 2 }],
      nFeatures: 3,
      nOutputs: 3,
      base: Float64Array.of(0, 1, 2),
      scale: 1,
      link: "softmax",
    };
    expect(Array.from(predictMargin(e, X))).toEqual(Array.from(reference(e, X)));
  });

  it("follows trees added to an ensemble after a first prediction", () => {
    const e: TreeEnsemble = {
      trees: [stump],
      nFeatures: 3,
      nOutputs: 1,
      base: Float64Array.of(0),
      scale: 1,
      link: "identity",
    };
    predictMargin(e, X);
    e.trees.push(deep);
    expect(Array.from(predictMargin(e, X))).toEqual(Array.from(reference(e, X)));
  });

  it("gives perturbed copies of a reference matrix predictMargin's margins bit for bit (NearbyMargins)", () => {
    // 35 features: features 1 and 33 share a change bit (f % 32), so a change to one re-walks the other's paths
    const d = 35;
    const wide = (t: Tree, f: number[]): Tree => ({
      ...t,
      feature: t.feature.map((x) => (x < 0 ? x : f[x]!)),
    });
    const e: TreeEnsemble = {
      trees: [
        wide(deep, [0, 1, 2]),
        { ...wide(stump, [0, 33, 2]), target: 1 },
        { ...leafOnly, target: 1 },
        wide(deep, [33, 34, 1]),
      ],
      nFeatures: d,
      nOutputs: 2,
      base: Float64Array.of(0.5, -0.25),
      scale: 0.75,
      link: "softmax",
    };
    const ref: Matrix = {
      nRows: n,
      names: Array.from({ length: d }, (_, j) => `f${j}`),
      columns: Array.from({ length: d }, (_, j) =>
        Float32Array.from({ length: n }, (_, i) => (i % (7 + j) === 3 ? NaN : Math.cos(i * (j + 0.7)) * 3)),
      ),
    };
    const near = new NearbyMargins(e, ref);
    const copy = (f: (col: Float32Array, j: number) => Float32Array): Matrix => ({
      ...ref,
      columns: ref.columns.map((c, j) => f(Float32Array.from(c), j)),
    });
    const copies = [
      ref,
      copy((c) => c),
      ...[0, 1, 2, 33, 34].flatMap((f) =>
        [NaN, -100, 100, 0].map((v) => copy((c, j) => (j === f ? c.fill(v) : c))),
      ),
      copy((c, j) => (j === 1 ? c.map((x, i) => (i % 2 ? x : -x)) : c)),
      copy((c) => c.map((x) => x * 1.05)),
    ];
    for (const X of copies) expect(Array.from(near.margins(X))).toEqual(Array.from(predictMargin(e, X)));
    // another row count: the whole prediction
    const few: Matrix = { ...ref, nRows: 5, columns: ref.columns.map((c) => c.slice(0, 5)) };
    expect(Array.from(near.margins(few))).toEqual(Array.from(predictMargin(e, few)));
  });
});
