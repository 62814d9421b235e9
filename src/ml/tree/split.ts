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

/**
 * Best split of a node with totals (g, h) over features feats (ascending), or null.
 * Gain = ½[score(L) + score(R) − score(parent)]; a split needs gain > max(minSplitGain, ε)
 * and both children's hessian sums ≥ minChildWeight. Ties keep the first candidate found
 * (lowest feature, lowest bin, missing-right before missing-left), so the result is deterministic.
 */
export function findBestSplit(
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: ArrayLike<number>,
  g: number,
  h: number,
  p: SplitParams,
): SplitCandidate | null {
  const parent = nodeScore(g, h, p);
  const minGain = Math.max(p.minSplitGain, MIN_GAIN);
  const mcw = Math.max(p.minChildWeight, 1e-12);
  let best: SplitCandidate | null = null;
  let bestGain = minGain;
  const lambda = p.lambda;
  const alpha = p.alpha;
  for (let k = 0; k < feats.length; k++) {
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
            best = {
              feature: f,
              bin: b,
              defaultLeft: false,
              gain,
              gLeft: gl,
              hLeft: hl,
              gRight: gr,
              hRight: hr,
            };
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
            best = {
              feature: f,
              bin: b,
              defaultLeft: true,
              gain,
              gLeft: gl2,
              hLeft: hl2,
              gRight: gr,
              hRight: hr,
            };
          }
        }
      }
    }
  }
  return best;
}
