// Histogram kernels (the hot loop of the tree learners), shared by the main thread and the
// histogram workers: per feature and bin, the sums of gradient and hessian of a node's rows.
// Layout: feature f's bins at hist[base + offsets[f] .. base + offsets[f+1]), (grad, hess) pairs.

/**
 * Per feature, 1 when it is two-valued without missing values (bins 1 and 2 only: one-hot and
 * flag columns), else 0. Split search reads a feature's bins 0..nBins-1, so such a feature needs
 * only bin 1 (bin 0 is empty): `accumulateHistogram` then sums bin 1 alone and leaves bin 2 at 0.
 */
export function twoValuedFeatures(binned: Uint8Array, n: number, offsets: Int32Array): Uint8Array {
  const nFeat = offsets.length - 1;
  const two = new Uint8Array(nFeat);
  for (let f = 0; f < nFeat; f++) {
    // No bin 0 in the column (a native search: this runs once, before the JIT has warmed up).
    if (offsets[f + 1]! - offsets[f]! === 6)
      two[f] = binned.subarray(f * n, (f + 1) * n).indexOf(0) < 0 ? 1 : 0;
  }
  return two;
}

/** Scratch lists of a slice's two-valued and other features (one per thread: module state). */
let twoList = new Int32Array(64);
let otherList = new Int32Array(64);

/**
 * Accumulates rows[start..end) into the histograms of features feats[fFrom..fTo).
 * `gho` holds the gradient pairs in row-list order (gho[2i], gho[2i+1] for rows[i]), so the
 * inner loop reads them sequentially; only the bin load is a gather. Each feature is summed in
 * row order by one thread, which keeps results identical for any thread count.
 *
 * The bins stay column-major for every node, dense or sparse. A row-major copy (row r's bins at
 * r·d, read for nodes below n/8 rows; same sums in the same order) was measured and rejected:
 * 1M × 20 uniform bins, 10 features, random ascending row lists of density p, ns per row
 * column-major vs row-major: p = 1 28 vs 35, 1/4 27 vs 33, 1/8 27 vs 121, 1/16 30 vs 62,
 * 1/64 37 vs 65 (load 6.7); the 1M fit's histogram CPU 11.3-13.7 s -> 23-25 s. Each column is
 * read in ascending order, and even at 1/64 of the rows its lines are close enough for the
 * hardware prefetchers to follow the pass's streams, while the row-major copy's random gaps
 * of ~20/p bytes leave each row waiting for memory. The kernel is bound by its updates, not bytes.
 *
 * Features go in passes of 10 or 8, then 4, 2 and 1: one pass loads the row index and gradient
 * pair once for all its features, so fewer, wider passes do less work per update. A thread's
 * slice of 10 features (20 on 2 threads) takes one 10-wide pass: CPU per row of a node over 1M
 * rows × 20 features, 10 features, 4 alternating runs (load 4.3-5): 17.8 ns (8 + 2 wide) ->
 * 15.3 ns at all rows, 15.9 -> 14.5 ns at 1/4 of them, the same at 1/16 and 1/64.
 *
 * With `two` (twoValuedFeatures) and `finite` (every gradient pair of the rows finite: the
 * caller knows it from their sums), the two-valued features go through `passTwo` instead, which
 * sums bin 1 in registers without a branch or a store per row and leaves bin 2 at 0 (unread).
 */
export function accumulateHistogram(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  fFrom: number,
  fTo: number,
  two: Uint8Array | null = null,
  finite = false,
): void {
  if (two === null || !finite) {
    passes(binned, n, rows, start, end, gho, hist, base, offsets, feats, fFrom, fTo);
    return;
  }
  if (twoList.length < fTo - fFrom) {
    twoList = new Int32Array(fTo - fFrom);
    otherList = new Int32Array(fTo - fFrom);
  }
  let nTwo = 0;
  let nOther = 0;
  for (let k = fFrom; k < fTo; k++) {
    const f = feats[k]!;
    if (two[f] === 1) twoList[nTwo++] = f;
    else otherList[nOther++] = f;
  }
  if (nOther > 0) passes(binned, n, rows, start, end, gho, hist, base, offsets, otherList, 0, nOther);
  // Groups of 4; a short last group repeats its last feature (summed twice to the same bits).
  for (let k = 0; k < nTwo; k += 4) {
    const last = twoList[nTwo - 1]!;
    passTwo(
      binned,
      n,
      rows,
      start,
      end,
      gho,
      hist,
      base,
      offsets,
      twoList[k]!,
      k + 1 < nTwo ? twoList[k + 1]! : last,
      k + 2 < nTwo ? twoList[k + 2]! : last,
      k + 3 < nTwo ? twoList[k + 3]! : last,
    );
  }
}

/** The general passes over features feats[fFrom..fTo): 10 or 8 wide, then 4, 2 and 1. */
function passes(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  fFrom: number,
  fTo: number,
): void {
  let k = fFrom;
  // 10-wide while at least 10 remain and 8-wide passes would not take them all.
  for (; k + 10 <= fTo && (fTo - k) % 8 !== 0; k += 10)
    pass10(binned, n, rows, start, end, gho, hist, base, offsets, feats, k);
  for (; k + 8 <= fTo; k += 8) pass8(binned, n, rows, start, end, gho, hist, base, offsets, feats, k);
  if (k + 4 <= fTo) {
    pass4(binned, n, rows, start, end, gho, hist, base, offsets, feats, k);
    k += 4;
  }
  if (k + 2 <= fTo) {
    pass2(binned, n, rows, start, end, gho, hist, base, offsets, feats, k);
    k += 2;
  }
  if (k < fTo) pass1(binned, n, rows, start, end, gho, hist, base, offsets, feats, k);
}

/**
 * Bin 1 of four two-valued features (bins 1 and 2 only) in one pass, bin 0 and bin 2 left at 0.
 * Each row adds g·w and h·w with w = 2 − bin (1 for bin 1, 0 for bin 2): with finite pairs g·1 is
 * g, and adding g·0 = ±0 to a sum that starts at +0 (and so is never −0) leaves it unchanged, so
 * the sums are bit for bit those of bin 1's rows added in row order, as the general passes give.
 */
function passTwo(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  f0: number,
  f1: number,
  f2: number,
  f3: number,
): void {
  const c0 = f0 * n;
  const c1 = f1 * n;
  const c2 = f2 * n;
  const c3 = f3 * n;
  let g0 = 0;
  let h0 = 0;
  let g1 = 0;
  let h1 = 0;
  let g2 = 0;
  let h2 = 0;
  let g3 = 0;
  let h3 = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gho[i << 1]!;
    const h = gho[(i << 1) + 1]!;
    const w0 = 2 - binned[c0 + r]!;
    g0 += g * w0;
    h0 += h * w0;
    const w1 = 2 - binned[c1 + r]!;
    g1 += g * w1;
    h1 += h * w1;
    const w2 = 2 - binned[c2 + r]!;
    g2 += g * w2;
    h2 += h * w2;
    const w3 = 2 - binned[c3 + r]!;
    g3 += g * w3;
    h3 += h * w3;
  }
  storeTwo(hist, base + offsets[f0]!, g0, h0);
  storeTwo(hist, base + offsets[f1]!, g1, h1);
  storeTwo(hist, base + offsets[f2]!, g2, h2);
  storeTwo(hist, base + offsets[f3]!, g3, h3);
}

/** A two-valued feature's histogram at o: bin 0 and bin 2 zero, bin 1 (g, h). */
function storeTwo(hist: Float64Array, o: number, g: number, h: number): void {
  hist[o] = 0;
  hist[o + 1] = 0;
  hist[o + 2] = g;
  hist[o + 3] = h;
  hist[o + 4] = 0;
  hist[o + 5] = 0;
}

/** Features feats[k..k+10) in one pass over the rows (their bins zeroed first). */
function pass10(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  k: number,
): void {
  const f0 = feats[k + 0]!;
  const o0 = base + offsets[f0]!;
  const c0 = f0 * n;
  hist.fill(0, o0, base + offsets[f0 + 1]!);
  const f1 = feats[k + 1]!;
  const o1 = base + offsets[f1]!;
  const c1 = f1 * n;
  hist.fill(0, o1, base + offsets[f1 + 1]!);
  const f2 = feats[k + 2]!;
  const o2 = base + offsets[f2]!;
  const c2 = f2 * n;
  hist.fill(0, o2, base + offsets[f2 + 1]!);
  const f3 = feats[k + 3]!;
  const o3 = base + offsets[f3]!;
  const c3 = f3 * n;
  hist.fill(0, o3, base + offsets[f3 + 1]!);
  const f4 = feats[k + 4]!;
  const o4 = base + offsets[f4]!;
  const c4 = f4 * n;
  hist.fill(0, o4, base + offsets[f4 + 1]!);
  const f5 = feats[k + 5]!;
  const o5 = base + offsets[f5]!;
  const c5 = f5 * n;
  hist.fill(0, o5, base + offsets[f5 + 1]!);
  const f6 = feats[k + 6]!;
  const o6 = base + offsets[f6]!;
  const c6 = f6 * n;
  hist.fill(0, o6, base + offsets[f6 + 1]!);
  const f7 = feats[k + 7]!;
  const o7 = base + offsets[f7]!;
  const c7 = f7 * n;
  hist.fill(0, o7, base + offsets[f7 + 1]!);
  const f8 = feats[k + 8]!;
  const o8 = base + offsets[f8]!;
  const c8 = f8 * n;
  hist.fill(0, o8, base + offsets[f8 + 1]!);
  const f9 = feats[k + 9]!;
  const o9 = base + offsets[f9]!;
  const c9 = f9 * n;
  hist.fill(0, o9, base + offsets[f9 + 1]!);
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gho[i << 1]!;
    const h = gho[(i << 1) + 1]!;
    const b0 = o0 + (binned[c0 + r]! << 1);
    hist[b0] = hist[b0]! + g;
    hist[b0 + 1] = hist[b0 + 1]! + h;
    const b1 = o1 + (binned[c1 + r]! << 1);
    hist[b1] = hist[b1]! + g;
    hist[b1 + 1] = hist[b1 + 1]! + h;
    const b2 = o2 + (binned[c2 + r]! << 1);
    hist[b2] = hist[b2]! + g;
    hist[b2 + 1] = hist[b2 + 1]! + h;
    const b3 = o3 + (binned[c3 + r]! << 1);
    hist[b3] = hist[b3]! + g;
    hist[b3 + 1] = hist[b3 + 1]! + h;
    const b4 = o4 + (binned[c4 + r]! << 1);
    hist[b4] = hist[b4]! + g;
    hist[b4 + 1] = hist[b4 + 1]! + h;
    const b5 = o5 + (binned[c5 + r]! << 1);
    hist[b5] = hist[b5]! + g;
    hist[b5 + 1] = hist[b5 + 1]! + h;
    const b6 = o6 + (binned[c6 + r]! << 1);
    hist[b6] = hist[b6]! + g;
    hist[b6 + 1] = hist[b6 + 1]! + h;
    const b7 = o7 + (binned[c7 + r]! << 1);
    hist[b7] = hist[b7]! + g;
    hist[b7 + 1] = hist[b7 + 1]! + h;
    const b8 = o8 + (binned[c8 + r]! << 1);
    hist[b8] = hist[b8]! + g;
    hist[b8 + 1] = hist[b8 + 1]! + h;
    const b9 = o9 + (binned[c9 + r]! << 1);
    hist[b9] = hist[b9]! + g;
    hist[b9 + 1] = hist[b9 + 1]! + h;
  }
}

/** Features feats[k..k+8) in one pass over the rows (their bins zeroed first). */
function pass8(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  k: number,
): void {
  const f0 = feats[k + 0]!;
  const o0 = base + offsets[f0]!;
  const c0 = f0 * n;
  hist.fill(0, o0, base + offsets[f0 + 1]!);
  const f1 = feats[k + 1]!;
  const o1 = base + offsets[f1]!;
  const c1 = f1 * n;
  hist.fill(0, o1, base + offsets[f1 + 1]!);
  const f2 = feats[k + 2]!;
  const o2 = base + offsets[f2]!;
  const c2 = f2 * n;
  hist.fill(0, o2, base + offsets[f2 + 1]!);
  const f3 = feats[k + 3]!;
  const o3 = base + offsets[f3]!;
  const c3 = f3 * n;
  hist.fill(0, o3, base + offsets[f3 + 1]!);
  const f4 = feats[k + 4]!;
  const o4 = base + offsets[f4]!;
  const c4 = f4 * n;
  hist.fill(0, o4, base + offsets[f4 + 1]!);
  const f5 = feats[k + 5]!;
  const o5 = base + offsets[f5]!;
  const c5 = f5 * n;
  hist.fill(0, o5, base + offsets[f5 + 1]!);
  const f6 = feats[k + 6]!;
  const o6 = base + offsets[f6]!;
  const c6 = f6 * n;
  hist.fill(0, o6, base + offsets[f6 + 1]!);
  const f7 = feats[k + 7]!;
  const o7 = base + offsets[f7]!;
  const c7 = f7 * n;
  hist.fill(0, o7, base + offsets[f7 + 1]!);
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gho[i << 1]!;
    const h = gho[(i << 1) + 1]!;
    const b0 = o0 + (binned[c0 + r]! << 1);
    hist[b0] = hist[b0]! + g;
    hist[b0 + 1] = hist[b0 + 1]! + h;
    const b1 = o1 + (binned[c1 + r]! << 1);
    hist[b1] = hist[b1]! + g;
    hist[b1 + 1] = hist[b1 + 1]! + h;
    const b2 = o2 + (binned[c2 + r]! << 1);
    hist[b2] = hist[b2]! + g;
    hist[b2 + 1] = hist[b2 + 1]! + h;
    const b3 = o3 + (binned[c3 + r]! << 1);
    hist[b3] = hist[b3]! + g;
    hist[b3 + 1] = hist[b3 + 1]! + h;
    const b4 = o4 + (binned[c4 + r]! << 1);
    hist[b4] = hist[b4]! + g;
    hist[b4 + 1] = hist[b4 + 1]! + h;
    const b5 = o5 + (binned[c5 + r]! << 1);
    hist[b5] = hist[b5]! + g;
    hist[b5 + 1] = hist[b5 + 1]! + h;
    const b6 = o6 + (binned[c6 + r]! << 1);
    hist[b6] = hist[b6]! + g;
    hist[b6 + 1] = hist[b6 + 1]! + h;
    const b7 = o7 + (binned[c7 + r]! << 1);
    hist[b7] = hist[b7]! + g;
    hist[b7 + 1] = hist[b7 + 1]! + h;
  }
}
/** Features feats[k..k+4) in one pass over the rows (their bins zeroed first). */
function pass4(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  k: number,
): void {
  const f0 = feats[k + 0]!;
  const o0 = base + offsets[f0]!;
  const c0 = f0 * n;
  hist.fill(0, o0, base + offsets[f0 + 1]!);
  const f1 = feats[k + 1]!;
  const o1 = base + offsets[f1]!;
  const c1 = f1 * n;
  hist.fill(0, o1, base + offsets[f1 + 1]!);
  const f2 = feats[k + 2]!;
  const o2 = base + offsets[f2]!;
  const c2 = f2 * n;
  hist.fill(0, o2, base + offsets[f2 + 1]!);
  const f3 = feats[k + 3]!;
  const o3 = base + offsets[f3]!;
  const c3 = f3 * n;
  hist.fill(0, o3, base + offsets[f3 + 1]!);
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gho[i << 1]!;
    const h = gho[(i << 1) + 1]!;
    const b0 = o0 + (binned[c0 + r]! << 1);
    hist[b0] = hist[b0]! + g;
    hist[b0 + 1] = hist[b0 + 1]! + h;
    const b1 = o1 + (binned[c1 + r]! << 1);
    hist[b1] = hist[b1]! + g;
    hist[b1 + 1] = hist[b1 + 1]! + h;
    const b2 = o2 + (binned[c2 + r]! << 1);
    hist[b2] = hist[b2]! + g;
    hist[b2 + 1] = hist[b2 + 1]! + h;
    const b3 = o3 + (binned[c3 + r]! << 1);
    hist[b3] = hist[b3]! + g;
    hist[b3 + 1] = hist[b3 + 1]! + h;
  }
}
/** Features feats[k..k+2) in one pass over the rows (their bins zeroed first). */
function pass2(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  k: number,
): void {
  const f0 = feats[k + 0]!;
  const o0 = base + offsets[f0]!;
  const c0 = f0 * n;
  hist.fill(0, o0, base + offsets[f0 + 1]!);
  const f1 = feats[k + 1]!;
  const o1 = base + offsets[f1]!;
  const c1 = f1 * n;
  hist.fill(0, o1, base + offsets[f1 + 1]!);
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gho[i << 1]!;
    const h = gho[(i << 1) + 1]!;
    const b0 = o0 + (binned[c0 + r]! << 1);
    hist[b0] = hist[b0]! + g;
    hist[b0 + 1] = hist[b0 + 1]! + h;
    const b1 = o1 + (binned[c1 + r]! << 1);
    hist[b1] = hist[b1]! + g;
    hist[b1 + 1] = hist[b1 + 1]! + h;
  }
}
/** Features feats[k..k+1) in one pass over the rows (their bins zeroed first). */
function pass1(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  hist: Float64Array,
  base: number,
  offsets: Int32Array,
  feats: Int32Array,
  k: number,
): void {
  const f0 = feats[k + 0]!;
  const o0 = base + offsets[f0]!;
  const c0 = f0 * n;
  hist.fill(0, o0, base + offsets[f0 + 1]!);
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gho[i << 1]!;
    const h = gho[(i << 1) + 1]!;
    const b0 = o0 + (binned[c0 + r]! << 1);
    hist[b0] = hist[b0]! + g;
    hist[b0 + 1] = hist[b0 + 1]! + h;
  }
}

/** dst := parent − small over features feats[from..to) (the histogram subtraction trick). */
export function subtractHistogram(
  parent: Float64Array,
  parentBase: number,
  small: Float64Array,
  smallBase: number,
  dst: Float64Array,
  dstBase: number,
  offsets: Int32Array,
  feats: Int32Array,
  from = 0,
  to = feats.length,
): void {
  for (let k = from; k < to; k++) {
    const f = feats[k]!;
    const lo = offsets[f]!;
    const hi = offsets[f + 1]!;
    for (let j = lo; j < hi; j++) dst[dstBase + j] = parent[parentBase + j]! - small[smallBase + j]!;
  }
}
