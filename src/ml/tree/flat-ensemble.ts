// The ensemble packed for batch prediction: every node of every tree in one Int32Array (feature and
// the three children), leaves looping to themselves, so a row takes exactly the tree's depth in steps.
import type { Matrix } from "../matrix.js";
import type { TreeEnsemble } from "./ensemble.js";

interface FlatEnsemble {
  /**
   * Per node, stride 4: feature, then the child for x <= threshold, for x > threshold and for a
   * missing value. A leaf has feature 0 and all three children itself.
   */
  node: Int32Array;
  threshold: Float64Array;
  /** Per node: a leaf's value × the ensemble's scale (the double `scale * value` gives), 0 inside. */
  leaf: Float64Array;
  /** Per tree: its root node, its depth (steps from root to its deepest leaf) and its output column. */
  root: Int32Array;
  depth: Int32Array;
  target: Int32Array;
}

const packed = new WeakMap<
  TreeEnsemble,
  { trees: TreeEnsemble["trees"]; count: number; flat: FlatEnsemble }
>();

function pack(e: TreeEnsemble): FlatEnsemble {
  let total = 0;
  for (const t of e.trees) total += t.feature.length;
  const node = new Int32Array(total * 4);
  const threshold = new Float64Array(total);
  const leaf = new Float64Array(total);
  const root = new Int32Array(e.trees.length);
  const depth = new Int32Array(e.trees.length);
  const target = new Int32Array(e.trees.length);
  let off = 0;
  e.trees.forEach((t, ti) => {
    const n = t.feature.length;
    const level = new Int32Array(n);
    let deepest = 0;
    // Children always have larger ids than their parent (TreeBuffer appends), so one pass sets levels.
    for (let i = 0; i < n; i++) {
      const g = off + i;
      if (t.feature[i]! >= 0) {
        const l = t.left[i]!;
        const r = t.right[i]!;
        node[4 * g] = t.feature[i]!;
        node[4 * g + 1] = off + l;
        node[4 * g + 2] = off + r;
        node[4 * g + 3] = off + (t.defaultLeft[i] ? l : r);
        threshold[g] = t.threshold[i]!;
        level[l] = level[r] = level[i]! + 1;
      } else {
        node[4 * g + 1] = node[4 * g + 2] = node[4 * g + 3] = g;
        leaf[g] = e.scale * t.value[i]!;
        deepest = Math.max(deepest, level[i]!);
      }
    }
    root[ti] = off;
    depth[ti] = deepest;
    target[ti] = t.target;
    off += n;
  });
  return { node, threshold, leaf, root, depth, target };
}

function flatOf(e: TreeEnsemble): FlatEnsemble {
  const hit = packed.get(e);
  if (hit && hit.trees === e.trees && hit.count === e.trees.length) return hit.flat;
  const flat = pack(e);
  packed.set(e, { trees: e.trees, count: e.trees.length, flat });
  return flat;
}

/** Child slot: 1 (x <= threshold), 2 (x > threshold) or 3 (missing: NaN fails both comparisons). */
const slot = (x: number, thr: number): number => 1 + +(x > thr) + 2 * +(x !== x);

/** Rows per block: the block's row-major copy and one tree stay in the first-level cache together. */
const BLOCK = 64;

/**
 * Adds every tree's (scaled) leaf value to out[i*width + target]: for each block of rows, tree by
 * tree in ensemble order, so each output gets the same sums in the same order as tree after tree
 * over all rows. Four rows walk a tree together without branching on the comparisons, so their
 * steps overlap instead of waiting on mispredicted branches.
 */
export function addEnsemblePrediction(e: TreeEnsemble, X: Matrix, out: Float64Array, width: number): void {
  const { node, threshold, leaf, root, depth, target } = flatOf(e);
  const cols = X.columns;
  const n = X.nRows;
  const d = cols.length;
  const nTrees = root.length;
  const rows = new Float32Array(Math.min(n, BLOCK) * d);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let j = 0; j < d; j++) {
      const c = cols[j]!;
      for (let i = start; i < end; i++) rows[(i - start) * d + j] = c[i]!;
    }
    for (let t = 0; t < nTrees; t++) {
      const r0 = root[t]!;
      const steps = depth[t]!;
      const c = target[t]!;
      let i = start;
      for (; i + 4 <= end; i += 4) {
        const o = (i - start) * d;
        let a = r0;
        let b = r0;
        let p = r0;
        let q = r0;
        for (let k = 0; k < steps; k++) {
          a = node[4 * a + slot(rows[o + node[4 * a]!]!, threshold[a]!)]!;
          b = node[4 * b + slot(rows[o + d + node[4 * b]!]!, threshold[b]!)]!;
          p = node[4 * p + slot(rows[o + 2 * d + node[4 * p]!]!, threshold[p]!)]!;
          q = node[4 * q + slot(rows[o + 3 * d + node[4 * q]!]!, threshold[q]!)]!;
        }
        const at = i * width + c;
        out[at] = out[at]! + leaf[a]!;
        out[at + width] = out[at + width]! + leaf[b]!;
        out[at + 2 * width] = out[at + 2 * width]! + leaf[p]!;
        out[at + 3 * width] = out[at + 3 * width]! + leaf[q]!;
      }
      for (; i < end; i++) {
        const o = (i - start) * d;
        let r = r0;
        for (let k = 0; k < steps; k++) r = node[4 * r + slot(rows[o + node[4 * r]!]!, threshold[r]!)]!;
        const at = i * width + c;
        out[at] = out[at]! + leaf[r]!;
      }
    }
  }
}

/**
 * Margins of matrices that are perturbed copies of one reference matrix (the same rows, a few
 * values changed): a row keeps, tree by tree, the reference's leaf wherever its reference path tests
 * no feature that changed in the row, and walks the tree elsewhere. Each row's leaves are added to
 * its base margin in ensemble order, as addEnsemblePrediction adds them, so the margins are
 * predictMargin's to the bit.
 */
export class NearbyMargins {
  private readonly flat: FlatEnsemble;
  /** Per (tree, row), tree-major: the reference row's leaf, and the features its path tests (bit f % 32). */
  private readonly leafOf: Int32Array;
  private readonly tested: Int32Array;

  constructor(
    private readonly e: TreeEnsemble,
    private readonly reference: Matrix,
  ) {
    const flat = (this.flat = flatOf(e));
    const { node, threshold, root, depth } = flat;
    const n = reference.nRows;
    const cols = reference.columns;
    this.leafOf = new Int32Array(root.length * n);
    this.tested = new Int32Array(root.length * n);
    for (let t = 0; t < root.length; t++)
      for (let i = 0; i < n; i++) {
        let r = root[t]!;
        let mask = 0;
        for (let k = 0; k < depth[t]!; k++) {
          const next = node[4 * r + slot(cols[node[4 * r]!]![i]!, threshold[r]!)]!;
          if (next === r) break; // a leaf (it loops to itself)
          mask |= 1 << (node[4 * r]! & 31);
          r = next;
        }
        this.leafOf[t * n + i] = r;
        this.tested[t * n + i] = mask;
      }
  }

  /** Raw margins of X, row-major n × nOutputs, equal to predictMargin(e, X). */
  margins(X: Matrix): Float64Array {
    const e = this.e;
    const ref = this.reference.columns;
    const n = X.nRows;
    const k = e.nOutputs;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = e.base[c]!;
    if (n !== this.reference.nRows || X.columns.length !== ref.length) {
      addEnsemblePrediction(e, X, out, k);
      return out;
    }
    // per row, the features whose value changed (bit f % 32); NaN equals NaN here (both go one way)
    const changed = new Int32Array(n);
    X.columns.forEach((col, f) => {
      const was = ref[f]!;
      if (col === was) return;
      const bit = 1 << (f & 31);
      for (let i = 0; i < n; i++) {
        const x = col[i]!;
        const y = was[i]!;
        if (x !== y && (x === x || y === y)) changed[i] = changed[i]! | bit;
      }
    });
    const { node, threshold, leaf, root, depth, target } = this.flat;
    const cols = X.columns;
    const walk = new Int32Array(n);
    for (let t = 0; t < root.length; t++) {
      const c = target[t]!;
      const o = t * n;
      // rows whose reference path tests a changed feature walk the tree again, four together (as
      // addEnsemblePrediction does); each row still gets one leaf per tree, in ensemble order
      let walks = 0;
      for (let i = 0; i < n; i++) {
        if ((this.tested[o + i]! & changed[i]!) !== 0) walk[walks++] = i;
        else out[i * k + c] = out[i * k + c]! + leaf[this.leafOf[o + i]!]!;
      }
      const r0 = root[t]!;
      const steps = depth[t]!;
      let w = 0;
      for (; w + 4 <= walks; w += 4) {
        const i0 = walk[w]!;
        const i1 = walk[w + 1]!;
        const i2 = walk[w + 2]!;
        const i3 = walk[w + 3]!;
        let a0 = r0;
        let a1 = r0;
        let a2 = r0;
        let a3 = r0;
        for (let s = 0; s < steps; s++) {
          a0 = node[4 * a0 + slot(cols[node[4 * a0]!]![i0]!, threshold[a0]!)]!;
          a1 = node[4 * a1 + slot(cols[node[4 * a1]!]![i1]!, threshold[a1]!)]!;
          a2 = node[4 * a2 + slot(cols[node[4 * a2]!]![i2]!, threshold[a2]!)]!;
          a3 = node[4 * a3 + slot(cols[node[4 * a3]!]![i3]!, threshold[a3]!)]!;
        }
        out[i0 * k + c] = out[i0 * k + c]! + leaf[a0]!;
        out[i1 * k + c] = out[i1 * k + c]! + leaf[a1]!;
        out[i2 * k + c] = out[i2 * k + c]! + leaf[a2]!;
        out[i3 * k + c] = out[i3 * k + c]! + leaf[a3]!;
      }
      for (; w < walks; w++) {
        const i = walk[w]!;
        let r = r0;
        for (let s = 0; s < steps; s++) r = node[4 * r + slot(cols[node[4 * r]!]![i]!, threshold[r]!)]!;
        out[i * k + c] = out[i * k + c]! + leaf[r]!;
      }
    }
    return out;
  }
}
