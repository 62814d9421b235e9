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

/**
 * The path-dependent recursion of Lundberg et al. (Algorithm 2) as written before the leaf
 * increments were kept by pattern: src/ml/tree-shap.ts must give these values bit for bit.
 */
function referenceShap(e: TreeEnsemble, X: Matrix): Float64Array {
  const d = e.nFeatures;
  const k = e.nOutputs;
  const width = d + 1;
  const out = new Float64Array(X.nRows * k * width);
  const expected = expectedMargin(e);
  type P = { feature: number[]; zero: number[]; one: number[]; w: number[] };
  const extend = (p: P, depth: number, zero: number, one: number, feature: number): void => {
    p.feature[depth] = feature;
    p.zero[depth] = zero;
    p.one[depth] = one;
    p.w[depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      p.w[i + 1] = p.w[i + 1]! + (one * p.w[i]! * (i + 1)) / (depth + 1);
      p.w[i] = (zero * p.w[i]! * (depth - i)) / (depth + 1);
    }
  };
  const unwind = (p: P, depth: number, index: number): void => {
    const one = p.one[index]!;
    const zero = p.zero[index]!;
    let next = p.w[depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = p.w[i]!;
        p.w[i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - (p.w[i]! * zero * (depth - i)) / (depth + 1);
      } else p.w[i] = (p.w[i]! * (depth + 1)) / (zero * (depth - i));
    }
    for (let i = index; i < depth; i++) {
      p.feature[i] = p.feature[i + 1]!;
      p.zero[i] = p.zero[i + 1]!;
      p.one[i] = p.one[i + 1]!;
    }
  };
  const unwoundSum = (p: P, depth: number, index: number): number => {
    const one = p.one[index]!;
    const zero = p.zero[index]!;
    let next = p.w[depth]!;
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = (next * (depth + 1)) / ((i + 1) * one);
        total += tmp;
        next = p.w[i]! - tmp * zero * ((depth - i) / (depth + 1));
      } else if (zero !== 0) total += p.w[i]! / zero / ((depth - i) / (depth + 1));
    }
    return total;
  };
  for (let row = 0; row < X.nRows; row++) {
    for (const t of e.trees) {
      const phiOff = (row * k + t.target) * width;
      const recurse = (node: number, parent: P, depth: number, pZero: number, pOne: number, pF: number) => {
        const p: P = {
          feature: parent.feature.slice(0, depth),
          zero: parent.zero.slice(0, depth),
          one: parent.one.slice(0, depth),
          w: parent.w.slice(0, depth),
        };
        extend(p, depth, pZero, pOne, pF);
        const f = t.feature[node]!;
        if (f < 0) {
          const v = e.scale * t.value[node]!;
          for (let i = 1; i <= depth; i++) {
            const w = unwoundSum(p, depth, i);
            const at = phiOff + p.feature[i]!;
            out[at] = out[at]! + w * (p.one[i]! - p.zero[i]!) * v;
          }
          return;
        }
        const x = X.columns[f]![row]!;
        const goLeft = x !== x ? t.defaultLeft[node] === 1 : x <= t.threshold[node]!;
        const hot = goLeft ? t.left[node]! : t.right[node]!;
        const cold = goLeft ? t.right[node]! : t.left[node]!;
        const w = t.cover[node]!;
        const hotZero = w > 0 ? t.cover[hot]! / w : 0.5;
        const coldZero = w > 0 ? t.cover[cold]! / w : 0.5;
        let inZero = 1;
        let inOne = 1;
        let index = 0;
        for (; index <= depth; index++) if (p.feature[index] === f) break;
        let dd = depth;
        if (index !== depth + 1) {
          inZero = p.zero[index]!;
          inOne = p.one[index]!;
          unwind(p, dd, index);
          dd -= 1;
        }
        recurse(hot, p, dd + 1, hotZero * inZero, inOne, f);
        recurse(cold, p, dd + 1, coldZero * inZero, 0, f);
      };
      recurse(0, { feature: [], zero: [], one: [], w: [] }, 0, 1, 1, -1);
    }
    for (let c = 0; c < k; c++) out[(row * k + c) * width + d] = expected[c]!;
  }
  return out;
}

const depthOf = (t: Tree, node = 0): number =>
  t.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(t, t.left[node]!), depthOf(t, t.right[node]!));

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

  it("gives the recursion's values bit for bit: shallow boosted trees (leaf increments kept by pattern), deep forest trees (computed each time)", async () => {
    const train = data(600, 6, 6, true);
    for (const c of train.X.columns) for (let i = 0; i < c.length; i++) c[i] = Math.round(c[i]! * 20) / 20;
    const probe = data(300, 6, 7, true).X;
    const cls = Float64Array.from(train.y, (v) => (v < -0.5 ? 0 : v < 0.8 ? 1 : 2));
    const binary = await fitGbdt(
      { X: train.X, y: cls.map((c) => (c === 2 ? 1 : 0)) },
      undefined,
      { trees: 30, max_depth: 6 },
      { kind: "binary", classes: ["n", "y"] },
      { seed: 0 },
    );
    const multiclass = await fitGbdt(
      { X: train.X, y: cls },
      undefined,
      { trees: 8, max_depth: 4 },
      { kind: "multiclass", classes: ["a", "b", "c"] },
      { seed: 0 },
    );
    const forest = await fitForest(train, undefined, { trees: 4 }, { kind: "regression" }, { seed: 0 });
    // the forest's trees are too deep for a pattern table (a leaf below 16 levels)
    expect(Math.max(...forest.ensemble.trees.map((t) => depthOf(t)))).toBeGreaterThan(16);
    for (const e of [binary.ensemble, multiclass.ensemble, forest.ensemble]) {
      const got = treeShap(e, probe).values;
      const want = referenceShap(e, probe);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
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
