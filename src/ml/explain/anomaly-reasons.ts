// Why an anomaly model flagged a row: per-feature contributions to its score. The isolation forest's
// come from the row's isolation paths (how far the splits on each feature narrowed the row's node,
// in bits, averaged over trees); the autoencoder's are per-feature reconstruction errors. Pure; no I/O.
import { averagePathLength, type Forest } from "../isolation-forest/isolation-tree.js";
import type { Matrix } from "../matrix.js";
import type { Activation } from "../../ir/params/nn.js";

/** One feature's part in a row's anomaly score, as the review queue stores it. */
export interface FeatureReason {
  feature: string;
  /** The feature's value as the model saw it (after the feature pipeline); null when missing. */
  value: number | null;
  contribution: number;
}

/**
 * The number of training rows that reached each node of a forest (ψ at each root): a leaf holds
 * depth + c(size), so its size is the n whose c(n) is that remainder; an inner node sums its children.
 */
export function forestNodeSizes(forest: Forest, sampleSize: number): Float64Array {
  const cTable = Float64Array.from({ length: sampleSize + 1 }, (_, n) => averagePathLength(n));
  const sizeOfLeaf = (rest: number): number => {
    let best = 1;
    for (let n = 2; n <= sampleSize; n++)
      if (Math.abs(cTable[n]! - rest) < Math.abs(cTable[best]! - rest)) best = n;
    return best;
  };
  const sizes = new Float64Array(forest.feature.length);
  const trees = forest.treeStart.length - 1;
  for (let t = 0; t < trees; t++) {
    const base = forest.treeStart[t]!;
    // children always come after their parent, so a reverse sweep sums them; depths go forwards
    const count = forest.treeStart[t + 1]! - base;
    const depth = new Int32Array(count);
    for (let node = 0; node < count; node++) {
      if (forest.feature[base + node]! < 0) continue;
      depth[forest.left[base + node]!] = depth[node]! + 1;
      depth[forest.right[base + node]!] = depth[node]! + 1;
    }
    for (let node = count - 1; node >= 0; node--) {
      const at = base + node;
      sizes[at] =
        forest.feature[at]! < 0
          ? sizeOfLeaf(forest.value[at]! - depth[node]!)
          : sizes[base + forest.left[at]!]! + sizes[base + forest.right[at]!]!;
    }
  }
  return sizes;
}

/**
 * Isolation forest: for each feature, how far the splits on it carried the row toward isolation,
 * averaged over trees. Each split on the row's path from the root to its leaf adds
 * log₂(rows in the node / rows in the child the row goes to) to its feature, so the contributions
 * sum to the mean log₂(ψ / leaf size), and a feature whose splits cut the row off from most of the
 * data ranks first. `sizes` are forestNodeSizes; missing values (NaN) go right, as in scoring.
 */
export function isolationContributions(
  forest: Forest,
  sizes: Float64Array,
  nFeatures: number,
  row: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(nFeatures);
  const trees = forest.treeStart.length - 1;
  if (trees <= 0) return out;
  for (let t = 0; t < trees; t++) {
    const base = forest.treeStart[t]!;
    let node = 0;
    let feat = forest.feature[base]!;
    while (feat >= 0) {
      const next =
        row[feat]! < forest.threshold[base + node]! ? forest.left[base + node]! : forest.right[base + node]!;
      out[feat] = out[feat]! + Math.log2(sizes[base + node]! / sizes[base + next]!);
      node = next;
      feat = forest.feature[base + node]!;
    }
  }
  for (let j = 0; j < nFeatures; j++) out[j] = out[j]! / trees;
  return out;
}

/** The dense stack of an autoencoder over standardised inputs, as AutoencoderModel holds it. */
export interface AutoencoderNet {
  mean: Float64Array;
  scale: Float64Array;
  activation: Activation;
  layers: { inputs: number; outputs: number; W: Float32Array; b: Float32Array }[];
}

const activate = (a: Activation, v: number): number =>
  a === "relu" ? Math.max(0, v) : a === "tanh" ? Math.tanh(v) : 1 / (1 + Math.exp(-v));

/**
 * Autoencoder: the squared reconstruction error of each feature in standardised units,
 * (x̂ⱼ − zⱼ)², where z = (x − mean) / scale (a missing value is 0, the mean). Their mean is the score.
 */
export function autoencoderFeatureErrors(net: AutoencoderNet, row: ArrayLike<number>): Float64Array {
  const d = net.mean.length;
  const z = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const v = row[j]!;
    z[j] = v === v ? (v - net.mean[j]!) / net.scale[j]! : 0;
  }
  let h: Float64Array = z;
  net.layers.forEach((l, i) => {
    const next = new Float64Array(l.outputs);
    for (let o = 0; o < l.outputs; o++) {
      let s = l.b[o]!;
      for (let k = 0; k < l.inputs; k++) s += h[k]! * l.W[k * l.outputs + o]!;
      next[o] = i < net.layers.length - 1 ? activate(net.activation, s) : s;
    }
    h = next;
  });
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) out[j] = (h[j]! - z[j]!) ** 2;
  return out;
}

/** Row `i` of a column-major matrix. */
export function matrixRow(X: Matrix, i: number): Float64Array {
  return Float64Array.from(X.columns, (c) => c[i]!);
}

/** The reasons of one row, largest contribution first (ties keep feature order). */
export function rankReasons(
  names: readonly string[],
  row: ArrayLike<number>,
  contributions: ArrayLike<number>,
): FeatureReason[] {
  return names
    .map((feature, j) => ({
      feature,
      value: Number.isNaN(row[j]!) ? null : row[j]!,
      contribution: contributions[j]!,
    }))
    .sort((a, b) => b.contribution - a.contribution);
}
