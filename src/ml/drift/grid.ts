// KS, Wasserstein and the PSI/JS bin counts of a numeric live window against a reference profile in
// one pass over the window, without sorting it. The reference's sample values and bin edges split
// the line into cells (each split point, and the open interval before it); the window is counted
// into those cells through a lookup table. The reference CDF is constant inside a cell, so:
//   - KS, the sup of |F_ref − F_live|, is reached at a cell's end: counts per cell give it exactly;
//   - Wasserstein, ∫ |F_ref − F_live| dx, is linear in the sum of a cell's values wherever F_live stays
//     on one side of F_ref; only the few cells where it crosses are sorted and integrated point by point.
// The results equal ksStatistic / wassersteinDistance / binCounts on the sorted window (tested), which
// agree with SciPy.

/** The reference side, built once per reference column. */
export interface Grid {
  /** Distinct split points ascending: the sample's values and the bin edges. */
  points: Float64Array;
  /** Sample values equal to each point (0 for an edge that is no sample value). */
  refAt: Float64Array;
  /** The sample's size. */
  n: number;
  /** For each bin edge, its index in `points`. */
  edgeAt: Int32Array;
  /** Lookup table: table[t] is a lower bound of the first point ≥ the t-th slice of [points[0], last]. */
  table: Int32Array;
  scale: number;
}

/** The grid of a reference sample (ascending, no NaN) and its bin edges (ascending). */
export function buildGrid(sample: ArrayLike<number>, edges: ArrayLike<number>): Grid {
  const all = Float64Array.from({ length: sample.length + edges.length }, (_, i) =>
    i < sample.length ? sample[i]! : edges[i - sample.length]!,
  ).sort();
  const points: number[] = [];
  for (const v of all) if (points.length === 0 || v !== points[points.length - 1]) points.push(v);
  const p = Float64Array.from(points);
  const refAt = new Float64Array(p.length);
  let k = 0;
  for (let i = 0; i < sample.length; i++) {
    while (p[k]! !== sample[i]!) k++;
    refAt[k]!++;
  }
  const edgeAt = Int32Array.from({ length: edges.length }, (_, b) => lowerBound(p, edges[b]!, 0, p.length));
  const d = p.length;
  const span = d > 1 ? p[d - 1]! - p[0]! : 0;
  const size = d > 1 && Number.isFinite(span) && span > 0 ? Math.min(1 << 16, 4 * d) : 1;
  const scale = size > 1 ? size / span : 0;
  const table = new Int32Array(size + 1);
  let j = 0;
  for (let t = 0; t <= size; t++) {
    const x = size > 1 ? p[0]! + t / scale : p[0]!;
    while (j < d && p[j]! < x) j++;
    table[t] = Math.max(0, j - 1);
  }
  table[size] = d;
  return { points: p, refAt, n: sample.length, edgeAt, table, scale };
}

/** The first index in [lo, hi) whose point is ≥ v (hi when none). */
function lowerBound(p: Float64Array, v: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (p[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface GridStatistics {
  /** Non-null live values. */
  present: number;
  ks: number;
  /** Unscaled first Wasserstein distance. */
  wasserstein: number;
  /** Live values per reference bin (edges.length + 1 bins, as binCounts). */
  binCounts: Float64Array;
}

/**
 * The statistics of a live window (NaN = null, skipped) on a reference grid. NaN for KS and
 * Wasserstein when either side has no values.
 */
export function gridStatistics(grid: Grid, live: ArrayLike<number>): GridStatistics {
  const { points: p, refAt, table, scale } = grid;
  const d = p.length;
  const cells = 2 * d + 1; // cell 2j: the open interval before point j; 2j+1: point j itself; 2d: after the last
  const count = new Float64Array(cells);
  const offset = new Float64Array(cells); // Σ (v − the cell's left end), or (v − point 0) in cell 0
  const len = live.length;
  const cellOf = new Int32Array(len);
  const first = d ? p[0]! : NaN;
  const last = d ? p[d - 1]! : NaN;
  const top = table.length - 1;
  let present = 0;
  for (let i = 0; i < len; i++) {
    const v = live[i]!;
    if (v !== v) {
      cellOf[i] = -1;
      continue;
    }
    present++;
    let c: number;
    if (d === 0) c = 0;
    else if (v < first) {
      c = 0;
      offset[0]! += v - first;
    } else if (v > last) {
      c = 2 * d;
      offset[c]! += v - last;
    } else {
      let t = Math.floor((v - first) * scale);
      if (t >= top) t = top - 1;
      // the table narrows the search to a few points (a binary search where a slice holds many);
      // the two loops fix any rounding of its bounds
      let j = table[t]!;
      const hi = table[t + 1]! + 1;
      if (hi - j > 8) j = lowerBound(p, v, j, Math.min(d, hi));
      while (j > 0 && p[j - 1]! >= v) j--;
      while (j < d && p[j]! < v) j++;
      if (p[j] === v) c = 2 * j + 1;
      else {
        c = 2 * j;
        offset[c]! += v - p[j - 1]!;
      }
    }
    cellOf[i] = c;
    count[c]!++;
  }
  const binCounts = new Float64Array(grid.edgeAt.length + 1);
  {
    let b = 0;
    for (let c = 0; c < cells; c++) {
      while (b < grid.edgeAt.length && c >= 2 * grid.edgeAt[b]! + 1) b++;
      binCounts[b]! += count[c]!;
    }
  }
  const n = grid.n;
  const m = present;
  if (n === 0 || m === 0) return { present, ks: NaN, wasserstein: NaN, binCounts };

  // KS: |F_ref − F_live| at each cell's end (the last live value of an open cell, or the point itself)
  let ks = 0;
  let I = 0;
  let J = 0;
  const crossing: number[] = [];
  let area = -offset[0]! / m; // below the first point: F_ref = 0, ∫ F_live = Σ (p0 − v) / m
  J = count[0]!;
  if (J > 0) ks = Math.abs(I / n - J / m);
  for (let j = 0; j < d; j++) {
    if (j > 0) {
      const c = 2 * j;
      const k = count[c]!;
      const w = p[j]! - p[j - 1]!;
      if (k > 0) {
        const diff = Math.abs(I / n - (J + k) / m);
        if (diff > ks) ks = diff;
      }
      // F_ref = I/n across the cell; F_live rises from J/m to (J + k)/m
      if (J * n >= I * m) area += (J / m - I / n) * w + (k * w - offset[c]!) / m;
      else if ((J + k) * n <= I * m) area -= (J / m - I / n) * w + (k * w - offset[c]!) / m;
      else crossing.push(c, I, J);
      J += k;
    }
    I += refAt[j]!;
    J += count[2 * j + 1]!;
    const diff = Math.abs(I / n - J / m);
    if (diff > ks) ks = diff;
  }
  area += offset[2 * d]! / m; // above the last point: F_ref = 1, ∫ (1 − F_live) = Σ (v − last) / m
  if (crossing.length) area += crossingArea(grid, live, cellOf, count, crossing, n, m);
  return { present, ks, wasserstein: area, binCounts };
}

/** ∫ |F_ref − F_live| over the cells where F_live crosses F_ref: their values sorted, point by point. */
function crossingArea(
  grid: Grid,
  live: ArrayLike<number>,
  cellOf: Int32Array,
  count: Float64Array,
  crossing: readonly number[],
  n: number,
  m: number,
): number {
  const p = grid.points;
  const start = new Int32Array(count.length).fill(-1);
  let total = 0;
  for (let q = 0; q < crossing.length; q += 3) {
    const c = crossing[q]!;
    start[c] = total;
    total += count[c]!;
  }
  const values = new Float64Array(total);
  const fill = Int32Array.from(start);
  for (let i = 0; i < cellOf.length; i++) {
    const c = cellOf[i]!;
    if (c >= 0 && start[c]! >= 0) values[fill[c]!++] = live[i]!;
  }
  let area = 0;
  for (let q = 0; q < crossing.length; q += 3) {
    const c = crossing[q]!;
    const I = crossing[q + 1]!;
    let J = crossing[q + 2]!;
    const s = start[c]!;
    const cell = values.subarray(s, s + count[c]!).sort();
    let x = p[c / 2 - 1]!;
    for (const v of cell) {
      area += Math.abs(I / n - J / m) * (v - x);
      x = v;
      J++;
    }
    area += Math.abs(I / n - J / m) * (p[c / 2]! - x);
  }
  return area;
}
