// Per-feature centring and scaling fitted on the training rows (NaN ignored), and the row-major
// standardised copy learners optimise over. NaN becomes 0 after standardisation (= the mean).
import type { Matrix } from "../matrix.js";

interface Standardizer {
  mean: Float64Array;
  /** Standard deviation, or 1 for constant / empty columns so they contribute nothing. */
  scale: Float64Array;
}

export function fitStandardizer(X: Matrix): Standardizer {
  const d = X.columns.length;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const col = X.columns[j]!;
    let n = 0;
    let m = 0;
    let s = 0;
    // Welford: stable for large offsets such as years or account numbers.
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (v !== v) continue;
      n++;
      const delta = v - m;
      m += delta / n;
      s += delta * (v - m);
    }
    mean[j] = n > 0 ? m : 0;
    const sd = n > 1 ? Math.sqrt(s / n) : 0;
    scale[j] = sd > 1e-12 * Math.max(1, Math.abs(m)) ? sd : 1;
  }
  return { mean, scale };
}

/** Row-major n × d standardised copy; missing values become 0. */
export function standardizeRows(X: Matrix, s: Standardizer): Float64Array {
  const n = X.nRows;
  const d = X.columns.length;
  const out = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const col = X.columns[j]!;
    const m = s.mean[j]!;
    const inv = 1 / s.scale[j]!;
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      out[i * d + j] = v === v ? (v - m) * inv : 0;
    }
  }
  return out;
}
