// Histogram kernels (the hot loop of the tree learners), shared by the main thread and the
// histogram workers: per feature and bin, the sums of gradient and hessian of a node's rows.
// Layout: feature f's bins at hist[base + offsets[f] .. base + offsets[f+1]), (grad, hess) pairs.

/**
 * Accumulates rows[start..end) into the histograms of features feats[fFrom..fTo).
 * `gho` holds the gradient pairs in row-list order (gho[2i], gho[2i+1] for rows[i]), so the
 * inner loop reads them sequentially; only the bin load is a gather. Each feature is summed in
 * row order by one thread, which keeps results identical for any thread count.
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
): void {
  const all = end - start === n;
  let k = fFrom;
  // Four features per pass: the row index and gradient pair are loaded once for all four.
  for (; k + 4 <= fTo; k += 4) {
    const f0 = feats[k]!;
    const f1 = feats[k + 1]!;
    const f2 = feats[k + 2]!;
    const f3 = feats[k + 3]!;
    const o0 = base + offsets[f0]!;
    const o1 = base + offsets[f1]!;
    const o2 = base + offsets[f2]!;
    const o3 = base + offsets[f3]!;
    hist.fill(0, o0, base + offsets[f0 + 1]!);
    hist.fill(0, o1, base + offsets[f1 + 1]!);
    hist.fill(0, o2, base + offsets[f2 + 1]!);
    hist.fill(0, o3, base + offsets[f3 + 1]!);
    const c0 = f0 * n;
    const c1 = f1 * n;
    const c2 = f2 * n;
    const c3 = f3 * n;
    for (let i = start; i < end; i++) {
      const r = all ? i : rows[i]!;
      const g = gho[i << 1]!;
      const h = gho[(i << 1) + 1]!;
      const b0 = o0 + (binned[c0 + r]! << 1);
      hist[b0] += g;
      hist[b0 + 1] += h;
      const b1 = o1 + (binned[c1 + r]! << 1);
      hist[b1] += g;
      hist[b1 + 1] += h;
      const b2 = o2 + (binned[c2 + r]! << 1);
      hist[b2] += g;
      hist[b2 + 1] += h;
      const b3 = o3 + (binned[c3 + r]! << 1);
      hist[b3] += g;
      hist[b3 + 1] += h;
    }
  }
  for (; k < fTo; k++) {
    const f = feats[k]!;
    const off = base + offsets[f]!;
    hist.fill(0, off, base + offsets[f + 1]!);
    const col = f * n;
    for (let i = start; i < end; i++) {
      const b = off + (binned[col + (all ? i : rows[i]!)]! << 1);
      hist[b] += gho[i << 1]!;
      hist[b + 1] += gho[(i << 1) + 1]!;
    }
  }
}

/** dst := parent − small over the given features (the histogram subtraction trick). */
export function subtractHistogram(
  parent: Float64Array,
  parentBase: number,
  small: Float64Array,
  smallBase: number,
  dst: Float64Array,
  dstBase: number,
  offsets: Int32Array,
  feats: Int32Array,
): void {
  for (let k = 0; k < feats.length; k++) {
    const f = feats[k]!;
    const lo = offsets[f]!;
    const hi = offsets[f + 1]!;
    for (let j = lo; j < hi; j++) dst[dstBase + j] = parent[parentBase + j]! - small[smallBase + j]!;
  }
}
