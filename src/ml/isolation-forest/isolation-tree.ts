// Isolation trees in flat typed arrays: random feature, random threshold between the sample's
// min and max, grown until isolation or the depth limit. Leaves hold depth + c(size).
import type { Matrix } from "../matrix.js";
import type { Rng } from "../random.js";

/** Average path length of an unsuccessful BST search among n points: c(n) = 2H(n−1) − 2(n−1)/n. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** Nodes of all trees, concatenated. Node ids inside a tree are local (0 = root). */
export interface Forest {
  /** Start of each tree's nodes, plus a final entry = total node count. */
  treeStart: Int32Array;
  /** Split feature, or −1 for a leaf. */
  feature: Int32Array;
  /** Split threshold (float32 so JS and ONNX compare the same numbers): x < threshold goes left. */
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf value: depth + c(leaf size). */
  value: Float64Array;
}

interface GrowingTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** Grows one tree over the sampled rows `idx` (reordered in place). */
export function growTree(X: Matrix, idx: Int32Array, maxDepth: number, rng: Rng): GrowingTree {
  const t: GrowingTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const d = X.columns.length;
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const candidates = new Int32Array(d);
  const stack: [node: number, start: number, end: number, depth: number][] = [];
  const newNode = (): number => {
    t.feature.push(-1);
    t.threshold.push(0);
    t.left.push(0);
    t.right.push(0);
    t.value.push(0);
    return t.feature.length - 1;
  };
  stack.push([newNode(), 0, idx.length, 0]);
  while (stack.length > 0) {
    const [node, start, end, depth] = stack.pop()!;
    const size = end - start;
    let nCand = 0;
    if (depth < maxDepth && size > 1) {
      for (let j = 0; j < d; j++) {
        const col = X.columns[j]!;
        let mn = Infinity;
        let mx = -Infinity;
        for (let r = start; r < end; r++) {
          const v = col[idx[r]!]!;
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        lo[j] = mn;
        hi[j] = mx;
        if (mn < mx) candidates[nCand++] = j;
      }
    }
    if (nCand === 0) {
      t.value[node] = depth + averagePathLength(size);
      continue;
    }
    const f = candidates[rng.int(nCand)]!;
    const mn = lo[f]!;
    const mx = hi[f]!;
    let thr = Math.fround(mn + rng.next() * (mx - mn));
    // Both sides must be non-empty: mn < thr <= mx in float32 (the data are float32 too).
    if (thr <= mn) thr = nextFloat32Up(mn);
    if (thr > mx) thr = mx;
    const col = X.columns[f]!;
    let split = start;
    for (let r = start; r < end; r++) {
      const row = idx[r]!;
      if (col[row]! < thr) {
        idx[r] = idx[split]!;
        idx[split++] = row;
      }
    }
    const l = newNode();
    const rgt = newNode();
    t.feature[node] = f;
    t.threshold[node] = thr;
    t.left[node] = l;
    t.right[node] = rgt;
    stack.push([rgt, split, end, depth + 1], [l, start, split, depth + 1]);
  }
  return t;
}

export function packForest(trees: GrowingTree[]): Forest {
  const total = trees.reduce((s, t) => s + t.feature.length, 0);
  const f: Forest = {
    treeStart: new Int32Array(trees.length + 1),
    feature: new Int32Array(total),
    threshold: new Float32Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total),
  };
  let at = 0;
  trees.forEach((t, i) => {
    f.treeStart[i] = at;
    f.feature.set(t.feature, at);
    f.threshold.set(t.threshold, at);
    f.left.set(t.left, at);
    f.right.set(t.right, at);
    f.value.set(t.value, at);
    at += t.feature.length;
  });
  f.treeStart[trees.length] = at;
  return f;
}

/** Adds each row's path length in trees [from, to) to `sum`. Missing values (NaN) go right. */
export function addPathLengths(f: Forest, X: Matrix, from: number, to: number, sum: Float64Array): void {
  const cols = X.columns;
  for (let t = from; t < to; t++) {
    const base = f.treeStart[t]!;
    for (let i = 0; i < X.nRows; i++) {
      let node = 0;
      let feat = f.feature[base]!;
      while (feat >= 0) {
        node = cols[feat]![i]! < f.threshold[base + node]! ? f.left[base + node]! : f.right[base + node]!;
        feat = f.feature[base + node]!;
      }
      sum[i] = sum[i]! + f.value[base + node]!;
    }
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function nextFloat32Up(v: number): number {
  f32[0] = v;
  if (v === 0) return 1.401298464324817e-45;
  u32[0] = v > 0 ? u32[0]! + 1 : u32[0]! - 1;
  return f32[0]!;
}
