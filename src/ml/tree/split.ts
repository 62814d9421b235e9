// Split finding over a node's histogram: the best (feature, bin, missing direction) by the
// regularised second-order gain of XGBoost. Pure; no row data is touched here.

export interface SplitParams {
  lambda: number;
  alpha: number;
  minChildWeight: number;
  minSplitGain: number;
}

export interface SplitCandidate {
  feature: number;
  /** Bins 1..bin go left. */
  bin: number;
  defaultLeft: boolean;
  gain: number;
  gLeft: number;
  hLeft: number;
  gRight: number;
  hRight: number;
}

/** Smallest gain worth a split (as XGBoost's kRtEps): avoids splitting on rounding noise. */
const MIN_GAIN = 1e-6;

function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/** Structure score of a node: T(G)² / (H + λ). */
function nodeScore(g: number, h: number, p: SplitParams): number {
  const t = thresholdL1(g, p.alpha);
  return (t * t) / (h + p.lambda);
}

/** Optimal leaf weight −T(G) / (H + λ) (before the learning rate). */
export function leafWeight(g: number, h: number, p: SplitParams): number {
  const d = h + p.lambda;
  return d > 0 ? -thresholdL1(g, p.alpha) / d : 0;
}

/** Fields of a split written by `bestSplitInto` (stride SPLIT_FIELDS): found (1/0) first. */
export const SPLIT_FIELDS = 9;

/**
 * Best split of a node with totals (g, h) over features feats[from..to) (ascending), written to
 * out[at..at+SPLIT_FIELDS) as found, feature, bin, defaultLeft, gain, gLeft, hLeft, gRight, hRight
 * (found = 0 when none). Features are independent, so the best over a range of them found by
 * several threads, each scanning a contiguous slice, and merged in slice order keeping the first
 * strictly greater gain (`mergeSplit`) is the candidate one scan of the whole range finds.
 * Gain = ½[score(L) + score(R) − score(parent)]; a split needs gain > max(minSplitGain, ε)
 * and both children's hessian sums ≥ minChildWeight. Ties keep the first candidate found
 * (lowest feature, lowest bin, missing-right before missing-left), so the result is deterministic.
 */
export function bestSplitInto(
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: ArrayLike<number>,
  from: number,
  to: number,
  g: number,
  h: number,
  p: SplitParams,
  out: Float64Array,
  at: number,
): void {
  const parent = nodeScore(g, h, p);
  const minGain = Math.max(p.minSplitGain, MIN_GAIN);
  const mcw = Math.max(p.minChildWeight, 1e-12);
  let found = 0;
  let bestGain = minGain;
  let bFeature = 0;
  let bBin = 0;
  let bDefaultLeft = 0;
  let bgl = 0;
  let bhl = 0;
  let bgr = 0;
  let bhr = 0;
  const lambda = p.lambda;
  const alpha = p.alpha;
  for (let k = from; k < to; k++) {
    const f = feats[k]!;
    const off = base + offsets[f]!;
    const nBins = ((offsets[f + 1]! - offsets[f]!) >> 1) - 1;
    if (nBins < 2) continue;
    const gm = hist[off]!;
    const hm = hist[off + 1]!;
    const hasMissing = hm !== 0 || gm !== 0;
    let gl = 0;
    let hl = 0;
    for (let b = 1; b < nBins; b++) {
      const bg = hist[off + 2 * b]!;
      const bh = hist[off + 2 * b + 1]!;
      // An empty bin gives the same partition as the previous threshold.
      if (bh === 0 && bg === 0) continue;
      gl += bg;
      hl += bh;
      // Missing values right.
      {
        const gr = g - gl;
        const hr = h - hl;
        if (hl >= mcw && hr >= mcw) {
          const tl = alpha === 0 ? gl : thresholdL1(gl, alpha);
          const tr = alpha === 0 ? gr : thresholdL1(gr, alpha);
          const gain = 0.5 * ((tl * tl) / (hl + lambda) + (tr * tr) / (hr + lambda) - parent);
          if (gain > bestGain) {
            bestGain = gain;
            found = 1;
            bFeature = f;
            bBin = b;
            bDefaultLeft = 0;
            bgl = gl;
            bhl = hl;
            bgr = gr;
            bhr = hr;
          }
        }
      }
      if (hasMissing) {
        const gl2 = gl + gm;
        const hl2 = hl + hm;
        const gr = g - gl2;
        const hr = h - hl2;
        if (hl2 >= mcw && hr >= mcw) {
          const tl = alpha === 0 ? gl2 : thresholdL1(gl2, alpha);
          const tr = alpha === 0 ? gr : thresholdL1(gr, alpha);
          const gain = 0.5 * ((tl * tl) / (hl2 + lambda) + (tr * tr) / (hr + lambda) - parent);
          if (gain > bestGain) {
            bestGain = gain;
            found = 1;
            bFeature = f;
            bBin = b;
            bDefaultLeft = 1;
            bgl = gl2;
            bhl = hl2;
            bgr = gr;
            bhr = hr;
          }
        }
      }
    }
  }
  out[at] = found;
  out[at + 1] = bFeature;
  out[at + 2] = bBin;
  out[at + 3] = bDefaultLeft;
  out[at + 4] = bestGain;
  out[at + 5] = bgl;
  out[at + 6] = bhl;
  out[at + 7] = bgr;
  out[at + 8] = bhr;
}

/**
 * The best of the splits at out[at + t·stride] for t in 0..of (slices in feature order): the
 * first with a strictly greater gain than all before it, as one scan would keep; null when none.
 */
export function mergeSplit(out: Float64Array, at: number, stride: number, of: number): SplitCandidate | null {
  let best = -1;
  for (let t = 0; t < of; t++) {
    const i = at + t * stride;
    if (out[i] === 1 && (best < 0 || out[i + 4]! > out[best + 4]!)) best = i;
  }
  if (best < 0) return null;
  return {
    feature: out[best + 1]!,
    bin: out[best + 2]!,
    defaultLeft: out[best + 3] === 1,
    gain: out[best + 4]!,
    gLeft: out[best + 5]!,
    hLeft: out[best + 6]!,
    gRight: out[best + 7]!,
    hRight: out[best + 8]!,
  };
}

const one = new Float64Array(SPLIT_FIELDS);

/** Best split of a node with totals (g, h) over features feats (ascending), or null (bestSplitInto). */
export function findBestSplit(
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: ArrayLike<number>,
  g: number,
  h: number,
  p: SplitParams,
): SplitCandidate | null {
  bestSplitInto(hist, base, offsets, feats, 0, feats.length, g, h, p, one, 0);
  return mergeSplit(one, 0, SPLIT_FIELDS, 1);
}
