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

/** Path elements (feature, zero and one fractions, weights) as parallel arrays. */
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

/**
 * One tree's SHAP increments, leaf by leaf. A row's path-dependent TreeSHAP recursion visits every
 * leaf (the row's own side of each split first) and adds, per leaf, one increment per feature on the
 * leaf's path; what a leaf adds depends only on the leaf and on which side of each split above it
 * the row took (the leaf's "pattern"), so each (leaf, pattern) is computed once, by the recursion's
 * own arithmetic, and replayed for every row that shares it: the same additions in the same order
 * as the recursion, hence the same bits. The recursion's path states are kept per level and built
 * only when a leaf's increments are missing, from the deepest level still on the current path.
 */
class TreeIncrements {
  /** Per leaf: where its patterns start in `table`. */
  private readonly base: Int32Array;
  /** Per (leaf, pattern): where its increments start, -1 before they are computed; undefined for a
   * tree with too many patterns to keep (deep trees, whose patterns rarely repeat): computed each time. */
  private readonly table: Int32Array | undefined;
  /** Per leaf: how many increments it adds (the features on its path, repeats merged). */
  readonly count: Int32Array;
  private used = 0;
  /** Per level of the current path: its node, and whether the row's own side leads to the next level. */
  readonly node: Int32Array;
  readonly hot: Uint8Array;
  /** Levels 0..valid of the path states belong to the current row and path. */
  valid = -1;
  /** Per level: its state's last element, and the fractions its split hands down (after its unwind). */
  private readonly last: Int32Array;
  private readonly inZero: Float64Array;
  private readonly inOne: Float64Array;
  private readonly stride: number;

  constructor(
    private readonly t: Tree,
    private readonly scale: number,
    private readonly p: Path,
    /** The increments and the feature each goes to, packed (the trees take turns with it). */
    readonly store: IncrementStore,
    maxDepth: number,
  ) {
    const n = t.feature.length;
    const depth = new Int32Array(n);
    this.base = new Int32Array(n);
    this.count = new Int32Array(n);
    let total = 0;
    // Children have larger ids than their parent (TreeBuffer appends), so one pass sets depths.
    for (let i = 0; i < n; i++) {
      if (t.feature[i]! >= 0) depth[t.left[i]!] = depth[t.right[i]!] = depth[i]! + 1;
      else if (total <= MAX_PATTERNS) {
        this.base[i] = total;
        total += 2 ** Math.min(depth[i]!, 31);
      }
    }
    if (total <= MAX_PATTERNS) this.table = new Int32Array(total).fill(-1);
    this.stride = maxDepth + 2;
    this.node = new Int32Array(maxDepth + 1);
    this.hot = new Uint8Array(maxDepth + 1);
    this.last = new Int32Array(maxDepth + 1);
    this.inZero = new Float64Array(maxDepth + 1);
    this.inOne = new Float64Array(maxDepth + 1);
  }

  /** Where the increments of the leaf at `level` of the current path start in inc/feat. */
  at(level: number, pattern: number): number {
    const table = this.table;
    if (!table) {
      this.used = 0;
      return this.compute(level);
    }
    const key = this.base[this.node[level]!]! + pattern;
    const hit = table[key]!;
    if (hit >= 0) return hit;
    return (table[key] = this.compute(level));
  }

  /** The recursion's path state at `level` of the current path, from the level above it. */
  private step(level: number): void {
    const { t, p } = this;
    const o = level * this.stride;
    const node = this.node[level]!;
    let d = 0;
    if (level === 0) extend(p, 0, 0, 1, 1, -1);
    else {
      const po = o - this.stride;
      const pd = this.last[level - 1]!;
      for (let i = 0; i <= pd; i++) {
        p.feature[o + i] = p.feature[po + i]!;
        p.zero[o + i] = p.zero[po + i]!;
        p.one[o + i] = p.one[po + i]!;
        p.w[o + i] = p.w[po + i]!;
      }
      const parent = this.node[level - 1]!;
      const w = t.cover[parent]!;
      const zero = w > 0 ? t.cover[node]! / w : 0.5;
      d = pd + 1;
      const one = this.hot[level - 1] ? this.inOne[level - 1]! : 0;
      extend(p, o, d, zero * this.inZero[level - 1]!, one, t.feature[parent]!);
    }
    const f = t.feature[node]!;
    if (f >= 0) {
      // a feature split on again above: its element is taken out and its fractions handed down
      let inZero = 1;
      let inOne = 1;
      let index = 0;
      for (; index <= d; index++) if (p.feature[o + index] === f) break;
      if (index !== d + 1) {
        inZero = p.zero[o + index]!;
        inOne = p.one[o + index]!;
        unwind(p, o, d, index);
        d -= 1;
      }
      this.inZero[level] = inZero;
      this.inOne[level] = inOne;
    }
    this.last[level] = d;
  }

  private compute(level: number): number {
    for (let j = this.valid + 1; j <= level; j++) this.step(j);
    this.valid = level;
    const { t, p } = this;
    const o = level * this.stride;
    const d = this.last[level]!;
    const leaf = this.node[level]!;
    this.count[leaf] = d;
    const start = this.reserve(d);
    const { inc, feat } = this.store;
    const v = this.scale * t.value[leaf]!;
    for (let i = 1; i <= d; i++) {
      const w = unwoundSum(p, o, d, i);
      inc[start + i - 1] = w * (p.one[o + i]! - p.zero[o + i]!) * v;
      feat[start + i - 1] = p.feature[o + i]!;
    }
    return start;
  }

  private reserve(k: number): number {
    const store = this.store;
    if (this.used + k > store.inc.length) {
      const cap = Math.max(store.inc.length * 2, this.used + k);
      const inc = new Float64Array(cap);
      inc.set(store.inc.subarray(0, this.used));
      const feat = new Int32Array(cap);
      feat.set(store.feat.subarray(0, this.used));
      store.inc = inc;
      store.feat = feat;
    }
    const start = this.used;
    this.used += k;
    return start;
  }
}

interface IncrementStore {
  inc: Float64Array;
  feat: Int32Array;
}

/**
 * A tree's (leaf, pattern) table is kept up to this many entries (256 KB): a leaf deeper than 16
 * levels or a tree with many deep leaves goes without (its increments, at most 16 per pattern,
 * stay under 12 MB).
 */
const MAX_PATTERNS = 1 << 16;

/**
 * Adds scale × the tree's SHAP values of every row of `cols` into values[(row*k + target)*width +
 * feature]: the recursion's leaves in its order (the row's own side first), each leaf's increments
 * replayed from TreeIncrements.
 */
function addTreeShap(
  t: Tree,
  cols: Float32Array[],
  nRows: number,
  values: Float64Array,
  k: number,
  width: number,
  scale: number,
  p: Path,
  store: IncrementStore,
  maxDepth: number,
): void {
  const incs = new TreeIncrements(t, scale, p, store, maxDepth);
  const size = maxDepth + 2;
  const stackNode = new Int32Array(size);
  // patterns of a tree without a table overflow here, unread
  const stackPattern = new Int32Array(size);
  const stackLevel = new Int32Array(size);
  const stackHot = new Uint8Array(size);
  const { node: pathNode, hot } = incs;
  const { feature, threshold, defaultLeft, left, right } = t;
  for (let row = 0; row < nRows; row++) {
    const phiOff = (row * k + t.target) * width;
    let top = 0;
    stackNode[0] = 0;
    stackPattern[0] = 0;
    stackLevel[0] = 0;
    incs.valid = -1;
    while (top >= 0) {
      const node = stackNode[top]!;
      const pattern = stackPattern[top]!;
      const level = stackLevel[top]!;
      pathNode[level] = node;
      if (level > 0) hot[level - 1] = stackHot[top]!;
      if (incs.valid >= level) incs.valid = level - 1;
      top--;
      const f = feature[node]!;
      if (f < 0) {
        const start = incs.at(level, pattern);
        const { inc, feat } = store;
        const end = start + incs.count[node]!;
        for (let i = start; i < end; i++) {
          const at = phiOff + feat[i]!;
          values[at] = values[at]! + inc[i]!;
        }
        continue;
      }
      const x = cols[f]![row]!;
      const goLeft = x !== x ? defaultLeft[node] === 1 : x <= threshold[node]!;
      // the other side is pushed first so that the row's own side is visited first
      top++;
      stackNode[top] = goLeft ? right[node]! : left[node]!;
      stackPattern[top] = pattern * 2;
      stackLevel[top] = level + 1;
      stackHot[top] = 0;
      top++;
      stackNode[top] = goLeft ? left[node]! : right[node]!;
      stackPattern[top] = pattern * 2 + 1;
      stackLevel[top] = level + 1;
      stackHot[top] = 1;
    }
  }
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
  // one slot of path elements per level (TreeIncrements)
  const p = new Path((maxDepth + 2) * (maxDepth + 1));
  // tree by tree over the rows: each row's values still add the trees in ensemble order
  const store: IncrementStore = { inc: new Float64Array(1024), feat: new Int32Array(1024) };
  for (const t of e.trees) addTreeShap(t, X.columns, n, values, k, width, e.scale, p, store, maxDepth);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) values[(i * k + c) * width + d] = expected[c]!;
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
