// Quantile binning for the histogram tree learners: cut points per feature from a sample of
// rows, and the binned matrix (Uint8, column-major). Bin 0 holds missing values (NaN);
// bins 1..nBins hold values, bin b covering (cuts[b-2], cuts[b-1]].
import type { Matrix } from "../matrix.js";
import { Rng, sampleIndices } from "../random.js";

const MAX_BINS = 255;

export interface BinCuts {
  /**
   * Per feature, the ascending upper bounds of value bins 1..nBins-1 (float32-representable
   * data values, so `x <= cut` gives the same answer in float32 and float64). Values above the
   * last cut fall in the last bin.
   */
  cuts: Float64Array[];
}

/** Number of value bins of feature f (excluding the missing bin). */
export function valueBins(c: BinCuts, f: number): number {
  return c.cuts[f]!.length + 1;
}

/**
 * Cut points from at most `sampleRows` rows (sampled with `seed`): every distinct value when a
 * feature has at most `maxBins` of them, otherwise approximate quantiles of the sample.
 */
export function computeCuts(X: Matrix, maxBins: number, sampleRows = 200_000, seed = 0): BinCuts {
  const n = X.nRows;
  const bins = Math.max(2, Math.min(MAX_BINS, Math.floor(maxBins)));
  const sample = n > sampleRows ? sampleIndices(new Rng(seed ^ 0x5bd1e995), n, sampleRows) : null;
  const m = sample ? sample.length : n;
  const buf = new Float32Array(m);
  const cuts = X.columns.map((col) => {
    let k = 0;
    if (sample) {
      for (let i = 0; i < m; i++) {
        const v = col[sample[i]!]!;
        if (v === v) buf[k++] = v;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const v = col[i]!;
        if (v === v) buf[k++] = v;
      }
    }
    return cutsOfSorted(buf.subarray(0, k).sort(), bins);
  });
  return { cuts };
}

function cutsOfSorted(v: Float32Array, maxBins: number): Float64Array {
  const k = v.length;
  if (k === 0) return new Float64Array(0);
  // Distinct values first: a low-cardinality feature (one-hot, small integers) gets one bin each.
  let distinct = 1;
  for (let i = 1; i < k && distinct <= maxBins; i++) if (v[i] !== v[i - 1]) distinct++;
  const out: number[] = [];
  const max = v[k - 1]!;
  if (distinct <= maxBins) {
    for (let i = 0; i < k; i++) if (v[i]! !== max && (i === 0 || v[i] !== v[i - 1])) out.push(v[i]!);
    return Float64Array.from(out);
  }
  for (let q = 1; q < maxBins; q++) {
    const c = v[Math.floor((q * k) / maxBins)]!;
    if (c < max && (out.length === 0 || c > out[out.length - 1]!)) out.push(c);
  }
  return Float64Array.from(out);
}

/** Bin of value x for ascending cuts: 0 for NaN, else 1 + (first i with x <= cuts[i]). */
export function binOf(cuts: Float64Array, x: number): number {
  return x !== x ? 0 : lowerBound(cuts, x) + 1;
}

/** First index i with cuts[i] >= x (cuts.length when none). */
function lowerBound(cuts: Float64Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The binned matrix: Uint8 column-major (feature f's bins at [f*n, (f+1)*n)). With `shared`
 * it lives in a SharedArrayBuffer so histogram workers can read it without copying.
 */
export function binMatrix(X: Matrix, c: BinCuts, shared = false): Uint8Array {
  const n = X.nRows;
  const d = X.columns.length;
  const out = shared ? new Uint8Array(new SharedArrayBuffer(n * d)) : new Uint8Array(n * d);
  for (let f = 0; f < d; f++) {
    const col = X.columns[f]!;
    const cuts = c.cuts[f]!;
    const base = f * n;
    const nc = cuts.length;
    if (nc === 0) {
      for (let i = 0; i < n; i++) out[base + i] = col[i]! === col[i]! ? 1 : 0;
      continue;
    }
    // A coarse value grid gives a starting bin; a short walk makes it exact (cuts ascending).
    const lo = cuts[0]!;
    const hi = cuts[nc - 1]!;
    const grid = 4 * nc;
    const scale = hi > lo ? grid / (hi - lo) : 0;
    const start = new Int32Array(grid + 1);
    for (let g = 0; g <= grid; g++) start[g] = lowerBound(cuts, lo + g / (scale || 1));
    for (let i = 0; i < n; i++) {
      const x = col[i]!;
      if (x !== x) {
        out[base + i] = 0;
        continue;
      }
      let idx: number;
      if (x <= lo) idx = 0;
      else if (x > hi) idx = nc;
      else {
        idx = start[Math.min(grid, Math.floor((x - lo) * scale))]!;
        while (idx > 0 && cuts[idx - 1]! >= x) idx--;
        while (idx < nc && cuts[idx]! < x) idx++;
      }
      out[base + i] = idx + 1;
    }
  }
  return out;
}
