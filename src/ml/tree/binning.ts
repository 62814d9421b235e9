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

/** The rows the cut points are computed from: all of them (null) or `sampleRows` drawn with `seed`. */
export function cutSample(n: number, sampleRows: number, seed: number): Int32Array | null {
  return n > sampleRows ? sampleIndices(new Rng(seed ^ 0x5bd1e995), n, sampleRows) : null;
}

/** Value bins per feature for a `maxBins` parameter (2..255). */
export function binLimit(maxBins: number): number {
  return Math.max(2, Math.min(MAX_BINS, Math.floor(maxBins)));
}

/**
 * Cut points of a column from the rows `sample` (its first n rows when null): every distinct
 * value when it has at most `bins` of them, otherwise approximate quantiles. `buf` holds at least
 * as many floats as the rows read.
 */
export function columnCuts(
  col: Float32Array,
  n: number,
  sample: Int32Array | null,
  bins: number,
  buf: Float32Array,
): Float64Array {
  const m = sample ? sample.length : n;
  let k = 0;
  if (sample) {
    for (let i = 0; i < m; i++) {
      const v = col[sample[i]!]!;
      if (v === v) buf[k++] = v;
    }
  } else {
    // A native copy and sort (this runs once, mostly before the JIT has warmed up): the sort puts
    // NaNs last, and the values before them are the sorted non-missing ones.
    buf.set(col.subarray(0, m));
    const sorted = buf.subarray(0, m).sort();
    k = m;
    while (k > 0 && sorted[k - 1] !== sorted[k - 1]) k--;
    return cutsOfSorted(sorted.subarray(0, k), bins);
  }
  return cutsOfSorted(buf.subarray(0, k).sort(), bins);
}

/**
 * Cut points from at most `sampleRows` rows (sampled with `seed`): every distinct value when a
 * feature has at most `maxBins` of them, otherwise approximate quantiles of the sample.
 */
export function computeCuts(X: Matrix, maxBins: number, sampleRows = 200_000, seed = 0): BinCuts {
  const sample = cutSample(X.nRows, sampleRows, seed);
  const buf = new Float32Array(sample ? sample.length : X.nRows);
  const bins = binLimit(maxBins);
  return { cuts: X.columns.map((col) => columnCuts(col, X.nRows, sample, bins, buf)) };
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

/** Distinct values up to which a column is cut and binned by value in one pass (fewValueBins). */
const FEW_VALUES = 8;

/**
 * Cut points of column `col` and its bins into out[base .. base + n), as `columnCuts` then
 * `binColumn` give them: for an unsampled column of at most FEW_VALUES distinct values (one-hot,
 * flags, small codes) by a direct match of each value, otherwise by those two.
 */
export function cutAndBinColumn(
  col: Float32Array,
  n: number,
  sample: Int32Array | null,
  bins: number,
  buf: Float32Array,
  out: Uint8Array,
  base: number,
): Float64Array {
  const few = sample ? null : fewValueBins(col, n, bins, out, base);
  if (few) return few;
  const cuts = columnCuts(col, n, sample, bins, buf);
  binColumn(col, n, cuts, out, base);
  return cuts;
}

/**
 * The cuts and bins of a column's first n values when it has at most FEW_VALUES (and at most
 * `bins`) distinct values, or null. The cuts are the distinct values but the largest, ascending
 * (cutsOfSorted's distinct case; a zero is −0 when any −0 is there, as the sorted copy puts −0
 * first), and value x's bin is 1 + its rank (binOf); NaN is bin 0.
 */
function fewValueBins(
  col: Float32Array,
  n: number,
  bins: number,
  out: Uint8Array,
  base: number,
): Float64Array | null {
  const limit = Math.min(FEW_VALUES, bins);
  const vals = new Float64Array(FEW_VALUES);
  let k = 0;
  let negativeZero = false;
  for (let i = 0; i < n; i++) {
    const x = col[i]!;
    if (x !== x) continue;
    let j = 0;
    while (j < k && vals[j] !== x) j++;
    if (j === k) {
      if (k === limit) return null;
      vals[k++] = x;
    }
    if (x === 0 && 1 / x < 0) negativeZero = true;
  }
  const sorted = vals.slice(0, k).sort();
  // Bin of vals[j]: 1 + its rank among the distinct values.
  const binOfVal = new Uint8Array(FEW_VALUES);
  for (let j = 0; j < k; j++) binOfVal[j] = 1 + sorted.indexOf(vals[j]!);
  for (let i = 0; i < n; i++) {
    const x = col[i]!;
    if (x !== x) {
      out[base + i] = 0;
      continue;
    }
    let j = 0;
    while (vals[j] !== x) j++;
    out[base + i] = binOfVal[j]!;
  }
  const cuts = sorted.slice(0, Math.max(0, k - 1));
  for (let j = 0; j < cuts.length; j++) if (cuts[j] === 0 && negativeZero) cuts[j] = -0;
  return cuts;
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
 * The binned matrix into `out` (n × d bytes, a new array by default): Uint8 column-major (feature
 * f's bins at [f*n, (f+1)*n)). In a SharedArrayBuffer histogram workers read it without copying.
 */
export function binMatrix(
  X: Matrix,
  c: BinCuts,
  out: Uint8Array = new Uint8Array(X.nRows * X.columns.length),
): Uint8Array {
  for (let f = 0; f < X.columns.length; f++) binColumn(X.columns[f]!, X.nRows, c.cuts[f]!, out, f * X.nRows);
  return out;
}

/** Bins of a column's first n values (ascending `cuts`) into out[base .. base + n). */
export function binColumn(
  col: Float32Array,
  n: number,
  cuts: Float64Array,
  out: Uint8Array,
  base: number,
): void {
  const nc = cuts.length;
  if (nc === 0) {
    for (let i = 0; i < n; i++) out[base + i] = col[i]! === col[i]! ? 1 : 0;
    return;
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
