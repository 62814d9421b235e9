// Row partition kernels of the tree learners, shared by the main thread and the histogram
// workers. A node's rows rows[start..end) split into contiguous chunks, each partitioned on its
// own (by any thread); mergeChunks then lays out all left rows, then all right rows, in chunk
// order. The result equals one stable partition of the whole node, whatever the chunk count.

/**
 * Stable partition of chunk rows[start..end): the left rows end up at rows[start..start+L), the
 * right rows at tmp[start..start+R); returns L. With `gho` (gradient pairs in row-list order) and
 * `tmpGh`, the pairs move along (gho[2i], gho[2i+1] belong to rows[i]).
 *
 * A row goes left when x = bin − lo lies in [0, lim) (bins 0..splitBin when missing goes left:
 * lo = 0; else bins 1..splitBin: lo = 1, missing gives x = −1). Branch-free: the direction of a
 * row is unpredictable, so each row is written to both sides and one cursor advances; the test
 * is the sign bit of (x − lim) & ~x (integer-only; a boolean-to-number conversion is slower).
 */
export function partitionChunk(
  binned: Uint8Array,
  col: number,
  lo: number,
  lim: number,
  rows: Uint32Array,
  tmp: Uint32Array,
  gho: Float64Array | null,
  tmpGh: Float64Array | null,
  start: number,
  end: number,
): number {
  let l = start;
  let r = start;
  if (gho && tmpGh) {
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      const g = gho[i << 1]!;
      const h = gho[(i << 1) + 1]!;
      const x = binned[col + row]! - lo;
      const left = ((x - lim) & ~x) >>> 31;
      rows[l] = row;
      gho[l << 1] = g;
      gho[(l << 1) + 1] = h;
      tmp[r] = row;
      tmpGh[r << 1] = g;
      tmpGh[(r << 1) + 1] = h;
      l += left;
      r += 1 - left;
    }
  } else {
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      const x = binned[col + row]! - lo;
      const left = ((x - lim) & ~x) >>> 31;
      rows[l] = row;
      tmp[r] = row;
      l += left;
      r += 1 - left;
    }
  }
  return l - start;
}

/** Chunk c of `of` chunks of [start, end): [from, to). */
export function chunkBounds(start: number, end: number, c: number, of: number): [number, number] {
  const len = end - start;
  return [start + Math.floor((len * c) / of), start + Math.floor((len * (c + 1)) / of)];
}

/**
 * Joins partitioned chunks (left counts `lefts[c]`) into [all lefts | all rights] over
 * rows[start..end) (and gho); returns the boundary. Only block copies (memmove speed).
 */
export function mergeChunks(
  rows: Uint32Array,
  tmp: Uint32Array,
  gho: Float64Array | null,
  tmpGh: Float64Array | null,
  start: number,
  end: number,
  lefts: ArrayLike<number>,
  of: number,
): number {
  // Lefts move down in chunk order: the target never passes the chunk's own start, so a
  // later chunk's rows are not overwritten before they move.
  let pos = start;
  for (let c = 0; c < of; c++) {
    const [from] = chunkBounds(start, end, c, of);
    const L = lefts[c]!;
    if (from !== pos) {
      rows.copyWithin(pos, from, from + L);
      if (gho) gho.copyWithin(pos << 1, from << 1, (from + L) << 1);
    }
    pos += L;
  }
  const mid = pos;
  for (let c = 0; c < of; c++) {
    const [from, to] = chunkBounds(start, end, c, of);
    const R = to - from - lefts[c]!;
    rows.set(tmp.subarray(from, from + R), pos);
    if (gho && tmpGh) gho.set(tmpGh.subarray(from << 1, (from + R) << 1), pos << 1);
    pos += R;
  }
  return mid;
}
