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
  // Child slot: 1 (x <= threshold), 2 (x > threshold) or 3 (missing: NaN fails both comparisons).
  const slot = (x: number, thr: number) => 1 + +(x > thr) + 2 * +(x !== x);
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
