// Drift statistics between a reference (training) distribution and a live window: two-sample
// Kolmogorov-Smirnov and Wasserstein on sorted samples, PSI and Jensen-Shannon on shared bins,
// Pearson's chi-squared test of homogeneity on category counts. Each agrees with SciPy to 1e-9.
import { chiSquareSf } from "../stats/distributions.js";

/** Two-sample KS statistic sup |F_ref − F_live| (SciPy `ks_2samp(...).statistic`). Both sorted. */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! === x) i++;
    while (j < m && b[j]! === x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

/** First Wasserstein distance ∫ |F_a − F_b| dx (SciPy `wasserstein_distance`). Both sorted. */
export function wassersteinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return NaN;
  let i = 0;
  let j = 0;
  let area = 0;
  let x = Math.min(a[0]!, b[0]!);
  while (i < n || j < m) {
    while (i < n && a[i]! === x) i++;
    while (j < m && b[j]! === x) j++;
    if (i === n && j === m) break;
    const next = Math.min(i < n ? a[i]! : Infinity, j < m ? b[j]! : Infinity);
    area += Math.abs(i / n - j / m) * (next - x);
    x = next;
  }
  return area;
}

/** Quantile (NumPy's default, linear interpolation) of sorted values. */
function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Bin edges at the reference's quantiles 1/bins … (bins−1)/bins, duplicates removed. */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): Float64Array {
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileLinear(sorted, k / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return Float64Array.from(edges);
}

/**
 * Counts per bin: bin i holds values v with edges[i−1] ≤ v < edges[i] (NumPy
 * `searchsorted(edges, v, side="right")`); NaN values are not counted.
 */
export function binCounts(edges: Float64Array, values: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  const e = edges.length;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (v !== v) continue;
    let lo = 0;
    let hi = e;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

/** Share of each bin, floored at `floor` so that an empty bin does not make PSI infinite. */
function shares(counts: ArrayLike<number>, floor: number): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Float64Array.from(counts, (c) => Math.max(total > 0 ? c / total : 0, floor));
}

/** Shares below this count as this in PSI (the usual guard against log 0). */
export const PSI_FLOOR = 1e-4;

/** Population stability index Σ (live − ref) · ln(live / ref) over shares of the same bins. */
export function psi(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  const p = shares(reference, PSI_FLOOR);
  const q = shares(live, PSI_FLOOR);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (q[i]! - p[i]!) * Math.log(q[i]! / p[i]!);
  return s;
}

/** Jensen-Shannon distance, base 2, in [0, 1] (SciPy `jensenshannon(p, q, base=2)`). */
export function jensenShannon(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  const p = shares(reference, 0);
  const q = shares(live, 0);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    if (p[i]! > 0) s += p[i]! * Math.log(p[i]! / m);
    if (q[i]! > 0) s += q[i]! * Math.log(q[i]! / m);
  }
  return Math.sqrt(Math.max(0, s / 2) / Math.LN2);
}

/**
 * p-value of Pearson's chi-squared test of homogeneity on the 2 × k table of reference and live
 * counts per category (SciPy `chi2_contingency(table, correction=False)`); categories empty in
 * both are dropped, and one category left gives 1.
 */
export function chiSquareP(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  const cols: [number, number][] = [];
  let r = 0;
  let l = 0;
  for (let i = 0; i < reference.length; i++) {
    if (reference[i]! + live[i]! === 0) continue;
    cols.push([reference[i]!, live[i]!]);
    r += reference[i]!;
    l += live[i]!;
  }
  if (cols.length < 2 || r === 0 || l === 0) return 1;
  const total = r + l;
  let stat = 0;
  for (const [a, b] of cols) {
    const col = a + b;
    const ea = (r * col) / total;
    const eb = (l * col) / total;
    stat += (a - ea) ** 2 / ea + (b - eb) ** 2 / eb;
  }
  return chiSquareSf(stat, cols.length - 1);
}
