// Exact TreeSHAP (Lundberg et al. 2018, Algorithm 2: polynomial time, path-dependent) for the
// tree ensembles of gbdt and random_forest, in margin space (log-odds for binary GBDT).
import type { TrainedModel } from "./estimator.js";
import type { Matrix } from "./matrix.js";
import { treeEnsembleOf } from "./tree/model.js";
import type { TreeEnsemble } from "./tree/ensemble.js";
import type { Tree } from "./tree/tree.js";

interface ShapValues {
  nRows: number;
  nFeatures: number;
  nOutputs: number;
  /**
   * Row-major [row][output][feature…, bias]: nFeatures SHAP values then the expected value, so
   * each (row, output) block sums to the ensemble's margin for that row and output.
   */
  values: Float64Array;
}

/** Cover-weighted mean leaf value of each tree (the SHAP base value), per output, plus base margins. */
export function expectedMargin(e: TreeEnsemble): Float64Array {
  const out = Float64Array.from(e.base);
  for (const t of e.trees) out[t.target] = out[t.target]! + e.scale * nodeExpectation(t, 0);
  return out;
}

function nodeExpectation(t: Tree, node: number): number {
  if (t.feature[node]! < 0) return t.value[node]!;
  const l = t.left[node]!;
  const r = t.right[node]!;
  const c = t.cover[l]! + t.cover[r]!;
  if (c <= 0) return 0.5 * (nodeExpectation(t, l) + nodeExpectation(t, r));
  return (t.cover[l]! * nodeExpectation(t, l) + t.cover[r]! * nodeExpectation(t, r)) / c;
}

function depthOf(t: Tree, node: number): number {
  return t.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(t, t.left[node]!), depthOf(t, t.right[node]!));
}

/** Path elements as parallel arrays in one stack buffer (each recursion level gets its own copy). */
class Path {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  w: Float64Array;
  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.w = new Float64Array(size);
  }
}

function extend(p: Path, o: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[o + depth] = feature;
  p.zero[o + depth] = zero;
  p.one[o + depth] = one;
  p.w[o + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.w[o + i + 1] = p.w[o + i + 1]! + (one * p.w[o + i]! * (i + 1)) / (depth + 1);
    p.w[o + i] = (zero * p.w[o + i]! * (depth - i)) / (depth + 1);
  }
}

function unwind(p: Path, o: number, depth: number, index: number): void {
  const one = p.one[o + index]!;
  const zero = p.zero[o + index]!;
  let next = p.w[o + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.w[o + i]!;
      p.w[o + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (p.w[o + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      p.w[o + i] = (p.w[o + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[o + i] = p.feature[o + i + 1]!;
    p.zero[o + i] = p.zero[o + i + 1]!;
    p.one[o + i] = p.one[o + i + 1]!;
  }
}

function unwoundSum(p: Path, o: number, depth: number, index: number): number {
  const one = p.one[o + index]!;
  const zero = p.zero[o + index]!;
  let next = p.w[o + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = p.w[o + i]! - tmp * zero * ((depth - i) / (depth + 1));
    } else if (zero !== 0) {
      total += p.w[o + i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

/** Adds scale × the tree's SHAP values for row `row` of `cols` into phi[phiOff + feature]. */
function treeShapRow(
  t: Tree,
  cols: Float32Array[],
  row: number,
  phi: Float64Array,
  phiOff: number,
  scale: number,
  p: Path,
): void {
  const recurse = (
    node: number,
    depth: number,
    parentOff: number,
    pZero: number,
    pOne: number,
    pFeature: number,
  ): void => {
    const o = parentOff + depth + 1;
    if (parentOff >= 0)
      for (let i = 0; i < depth; i++) {
        p.feature[o + i] = p.feature[parentOff + i]!;
        p.zero[o + i] = p.zero[parentOff + i]!;
        p.one[o + i] = p.one[parentOff + i]!;
        p.w[o + i] = p.w[parentOff + i]!;
      }
    extend(p, o, depth, pZero, pOne, pFeature);
    const f = t.feature[node]!;
    if (f < 0) {
      const v = scale * t.value[node]!;
      for (let i = 1; i <= depth; i++) {
        const w = unwoundSum(p, o, depth, i);
        const at = phiOff + p.feature[o + i]!;
        phi[at] = phi[at]! + w * (p.one[o + i]! - p.zero[o + i]!) * v;
      }
      return;
    }
    const x = cols[f]![row]!;
    const goLeft = x !== x ? t.defaultLeft[node] === 1 : x <= t.threshold[node]!;
    const hot = goLeft ? t.left[node]! : t.right[node]!;
    const cold = goLeft ? t.right[node]! : t.left[node]!;
    const w = t.cover[node]!;
    const hotZero = w > 0 ? t.cover[hot]! / w : 0.5;
    const coldZero = w > 0 ? t.cover[cold]! / w : 0.5;
    let inZero = 1;
    let inOne = 1;
    let index = 0;
    for (; index <= depth; index++) if (p.feature[o + index] === f) break;
    let d = depth;
    if (index !== depth + 1) {
      inZero = p.zero[o + index]!;
      inOne = p.one[o + index]!;
      unwind(p, o, d, index);
      d -= 1;
    }
    recurse(hot, d + 1, o, hotZero * inZero, inOne, f);
    recurse(cold, d + 1, o, coldZero * inZero, 0, f);
  };
  // The root call extends a dummy element (feature -1) at depth 0 of a zeroed "parent" slot.
  recurse(0, 0, -1, 1, 1, -1);
}

/** Exact SHAP values of every row of X for every output of the ensemble. */
export function treeShap(e: TreeEnsemble, X: Matrix): ShapValues {
  const d = e.nFeatures;
  const k = e.nOutputs;
  const n = X.nRows;
  if (X.columns.length !== d)
    throw new Error(`TreeSHAP: the model has ${d} features, the data ${X.columns.length}`);
  const width = d + 1;
  const values = new Float64Array(n * k * width);
  const expected = expectedMargin(e);
  let maxDepth = 0;
  for (const t of e.trees) maxDepth = Math.max(maxDepth, depthOf(t, 0));
  const md = maxDepth + 2;
  const p = new Path(((md * (md + 1)) >> 1) + md + 1);
  for (let i = 0; i < n; i++) {
    for (const t of e.trees) treeShapRow(t, X.columns, i, values, (i * k + t.target) * width, e.scale, p);
    for (let c = 0; c < k; c++) values[(i * k + c) * width + d] = expected[c]!;
  }
  return { nRows: n, nFeatures: d, nOutputs: k, values };
}

/** Mean |SHAP| per feature over the rows of X, summed over the outputs (the report's importance). */
export function meanAbsShap(e: TreeEnsemble, X: Matrix): Float64Array {
  const s = treeShap(e, X);
  const d = s.nFeatures;
  const out = new Float64Array(d);
  const width = d + 1;
  for (let r = 0; r < s.nRows * s.nOutputs; r++) {
    const o = r * width;
    for (let f = 0; f < d; f++) out[f] = out[f]! + Math.abs(s.values[o + f]!);
  }
  for (let f = 0; f < d; f++) out[f] = out[f]! / Math.max(1, s.nRows);
  return out;
}

/** SHAP values of a trained model when it is a tree model (gbdt, random_forest); undefined otherwise. */
export function treeShapOf(model: TrainedModel, X: Matrix): ShapValues | undefined {
  const e = treeEnsembleOf(model);
  return e ? treeShap(e, X) : undefined;
}
