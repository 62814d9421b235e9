// The flat tree shared by GBDT, random forest, TreeSHAP and ONNX export: parallel typed
// arrays indexed by node id, node 0 the root. Growing lives in grow.ts, ensembles in ensemble.ts.
import type { Matrix } from "../matrix.js";

export interface Tree {
  /** Split feature, or -1 for a leaf. */
  feature: Int32Array;
  /** Rows with x <= threshold go left (float32-representable value). */
  threshold: Float64Array;
  /** The split as a bin index of the training binning: bins 1..splitBin go left. */
  splitBin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  /** 1 when missing values (NaN) go left. */
  defaultLeft: Uint8Array;
  /** Leaf output (already scaled by the learning rate); for internal nodes the would-be leaf value. */
  value: Float64Array;
  /** Sum of hessians (GBDT) or of row weights (forest) of the training rows reaching the node. */
  cover: Float64Array;
  /** Loss reduction of the split (0 for leaves). */
  gain: Float64Array;
  /** Output column the tree adds to (the class for multiclass). */
  target: number;
}

/** Adds scale × the tree's leaf value to out[i*width + target] for every row. */
export function addTreePrediction(t: Tree, X: Matrix, out: Float64Array, width: number, scale = 1): void {
  const cols = X.columns;
  const { feature, threshold, left, right, defaultLeft, value } = t;
  const target = t.target;
  for (let i = 0; i < X.nRows; i++) {
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      const x = cols[f]![i]!;
      node = x <= threshold[node]! ? left[node]! : x !== x && defaultLeft[node] ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    const at = i * width + target;
    out[at] = out[at]! + scale * value[node]!;
  }
}

/** Growable node storage used while a tree is built; `finish` trims it to a Tree. */
export class TreeBuffer {
  private cap = 64;
  private n = 0;
  feature = new Int32Array(this.cap);
  threshold = new Float64Array(this.cap);
  splitBin = new Int32Array(this.cap);
  left = new Int32Array(this.cap);
  right = new Int32Array(this.cap);
  defaultLeft = new Uint8Array(this.cap);
  value = new Float64Array(this.cap);
  cover = new Float64Array(this.cap);
  gain = new Float64Array(this.cap);

  get size(): number {
    return this.n;
  }

  addLeaf(value: number, cover: number): number {
    if (this.n === this.cap) this.grow();
    const id = this.n++;
    this.feature[id] = -1;
    this.left[id] = -1;
    this.right[id] = -1;
    this.value[id] = value;
    this.cover[id] = cover;
    return id;
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a);
      return b;
    };
    this.feature = g(this.feature);
    this.threshold = g(this.threshold);
    this.splitBin = g(this.splitBin);
    this.left = g(this.left);
    this.right = g(this.right);
    this.defaultLeft = g(this.defaultLeft);
    this.value = g(this.value);
    this.cover = g(this.cover);
    this.gain = g(this.gain);
  }

  finish(target: number): Tree {
    const n = this.n;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      splitBin: this.splitBin.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      defaultLeft: this.defaultLeft.slice(0, n),
      value: this.value.slice(0, n),
      cover: this.cover.slice(0, n),
      gain: this.gain.slice(0, n),
      target,
    };
  }
}
