import { describe, expect, it } from "vitest";
import { fitGbdt } from "../../src/ml/gbdt/booster.js";
import { fitForest } from "../../src/ml/forest/forest.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { expectedMargin, treeShap, treeShapOf } from "../../src/ml/tree-shap.js";
import type { TreeEnsemble } from "../../src/ml/tree/ensemble.js";
import { predictMargin } from "../../src/ml/tree/ensemble.js";
import { Rng } from "../../src/ml/random.js";
import type { Tree } from "../../src/ml/tree/tree.js";

/** E[f(x) | x_S] the TreeSHAP way: unknown features average the children by cover. */
function condExpectation(t: Tree, x: number[], inS: boolean[], node = 0): number {
  const f = t.feature[node]!;
  if (f < 0) return t.value[node]!;
  const l = t.left[node]!;
  const r = t.right[node]!;
  if (inS[f]) {
    const v = x[f]!;
    const left = Number.isNaN(v) ? t.defaultLeft[node] === 1 : v <= t.threshold[node]!;
    return condExpectation(t, x, inS, left ? l : r);
  }
  return (
    (t.cover[l]! * condExpectation(t, x, inS, l) + t.cover[r]! * condExpectation(t, x, inS, r)) /
    (t.cover[l]! + t.cover[r]!)
  );
}

/** Shapley values by enumerating every subset (exponential; d ≤ 6). */
function bruteForce(e: TreeEnsemble, x: number[], output: number): number[] {
  const d = e.nFeatures;
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const v = (mask: number) => {
    const inS = Array.from({ length: d }, (_, j) => ((mask >> j) & 1) === 1);
    let s = 0;
    for (const t of e.trees) if (t.target === output) s += e.scale * condExpectation(t, x, inS);
    return s;
  };
  const phi = new Array(d).fill(0);
  for (let i = 0; i < d; i++) {
    for (let mask = 0; mask < 1 << d; mask++) {
      if ((mask >> i) & 1) continue;
      const size = mask
        .toString(2)
        .split("")
        .filter((c) => c === "1").length;
      phi[i] += ((fact(size) * fact(d - size - 1)) / fact(d)) * (v(mask | (1 << i)) - v(mask));
    }
  }
  return phi;
}

function data(n: number, d: number, seed: number, missing: boolean) {
  const r = new Rng(seed);
  const columns = Array.from({ length: d }, () => new Float32Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) columns[j]![i] = missing && r.next() < 0.1 ? NaN : r.next() * 2 - 1;
    const c = (j: number) => (Number.isNaN(columns[j]![i]!) ? 0.5 : columns[j]![i]!);
    y[i] = c(0) * 2 + c(1) * c(2) * 3 - c(3) + r.next() * 0.2;
  }
  const X: Matrix = { nRows: n, columns, names: Array.from({ length: d }, (_, j) => `x${j}`) };
  return { X, y };
}

const rowOf = (X: Matrix, i: number) => X.columns.map((c) => c[i]!);

describe("TreeSHAP", () => {
  it("equals brute-force Shapley values on small regression trees, including missing values", async () => {
    const train = data(400, 5, 1, true);
    const m = await fitGbdt(
      train,
      undefined,
      { trees: 4, max_depth: 4, learning_rate: 0.5 },
      { kind: "regression" },
      { seed: 0 },
    );
    const probe = data(12, 5, 2, true).X;
    const shap = treeShap(m.ensemble, probe);
    for (let i = 0; i < probe.nRows; i++) {
      const bf = bruteForce(m.ensemble, rowOf(probe, i), 0);
      for (let j = 0; j < 5; j++) expect(shap.values[i * 6 + j]).toBeCloseTo(bf[j]!, 9);
    }
  });

  it("sums to the margin minus the expected value for every output (multiclass, binary, forest)", async () => {
    const train = data(600, 4, 3, false);
    const cls = Float64Array.from(train.y, (v) => (v < -0.5 ? 0 : v < 0.8 ? 1 : 2));
    const probe = data(30, 4, 4, true).X;
    const models = [
      (
        await fitGbdt(
          { X: train.X, y: cls },
          undefined,
          { trees: 10, max_depth: 3 },
          { kind: "multiclass", classes: ["a", "b", "c"] },
          { seed: 0 },
        )
      ).ensemble,
      (
        await fitGbdt(
          { X: train.X, y: cls.map((c) => (c === 2 ? 1 : 0)) },
          undefined,
          { trees: 10 },
          { kind: "binary", classes: ["n", "y"] },
          { seed: 0 },
        )
      ).ensemble,
      (await fitForest(train, undefined, { trees: 5, max_depth: 5 }, { kind: "regression" }, { seed: 0 }))
        .ensemble,
    ];
    for (const e of models) {
      const k = e.nOutputs;
      const shap = treeShap(e, probe);
      const margin = predictMargin(e, probe);
      const expected = expectedMargin(e);
      for (let i = 0; i < probe.nRows; i++) {
        for (let c = 0; c < k; c++) {
          const block = shap.values.subarray((i * k + c) * 5, (i * k + c) * 5 + 5);
          expect(block[4]).toBeCloseTo(expected[c]!, 12);
          expect(block.reduce((s, v) => s + v, 0)).toBeCloseTo(margin[i * k + c]!, 9);
        }
      }
    }
    // Brute force on the multiclass ensemble's second output as well.
    const e = models[0]!;
    const shap = treeShap(e, probe);
    for (let i = 0; i < 5; i++) {
      const bf = bruteForce(e, rowOf(probe, i), 1);
      for (let j = 0; j < 4; j++) expect(shap.values[(i * 3 + 1) * 5 + j]).toBeCloseTo(bf[j]!, 9);
    }
  });

  it("gives zero to a feature the trees never use", async () => {
    const train = data(300, 5, 5, false);
    train.X.columns[4]!.fill(1);
    const m = await fitGbdt(
      train,
      undefined,
      { trees: 5, max_depth: 3 },
      { kind: "regression" },
      { seed: 0 },
    );
    const shap = treeShapOf(m, train.X)!;
    for (let i = 0; i < 50; i++) expect(shap.values[i * 6 + 4]).toBe(0);
    expect(treeShapOf({ ...m, predict: m.predict.bind(m) }, train.X)).toBeUndefined();
  });
});
