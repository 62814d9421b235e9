// Row partition kernels of the tree learners, shared by the main thread and the histogram
// workers. A node's rows rows[start..end) split into contiguous chunks, one per thread; each
// thread partitions its chunk (phase 1), the threads exchange their left counts, then each moves
// its own chunk's rows to their final places (phase 2): all left rows, then all right rows, in
// chunk order. The result equals one stable partition of the whole node, whatever the chunk count.
//
// Layout between the phases. Chunk 0 runs forward: its left rows end in place at the front of
// the node (already final), its right rows in tmp. The last chunk runs backward: its right rows
// end in place at the back of the node (already final), its left rows in tmp. A middle chunk runs
// forward and then stashes its left rows into the free end of its tmp range. So after phase 1
// everything not yet final sits in tmp, the destinations of phase 2 lie between chunk 0's lefts
// and the last chunk's rights, and the threads' phase-2 copies touch disjoint ranges: no thread
// waits for another's copies, and with two threads only half of the rows move twice.

/**
 * Stable forward partition of chunk rows[start..end): the left rows end up at rows[start..start+L),
 * the right rows at tmp[start..start+R); returns L. With `gho` (gradient pairs in row-list order)
 * and `tmpGh`, the pairs move along (gho[2i], gho[2i+1] belong to rows[i]). Writes only inside
 * [start, end) of rows, tmp (and the pairs).
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

/**
 * Stable backward partition of chunk rows[start..end) (partitionChunk's mirror): the right rows
 * end up at rows[end−R..end), the left rows at tmp[end−L..end), both in their original order;
 * returns L. Walking down, the write cursors never pass below the row being read, and writes stay
 * inside [start, end).
 */
export function partitionChunkBack(
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
  let l = end - 1;
  let r = end - 1;
  if (gho && tmpGh) {
    for (let i = end - 1; i >= start; i--) {
      const row = rows[i]!;
      const g = gho[i << 1]!;
      const h = gho[(i << 1) + 1]!;
      const x = binned[col + row]! - lo;
      const left = ((x - lim) & ~x) >>> 31;
      tmp[l] = row;
      tmpGh[l << 1] = g;
      tmpGh[(l << 1) + 1] = h;
      rows[r] = row;
      gho[r << 1] = g;
      gho[(r << 1) + 1] = h;
      l -= left;
      r -= 1 - left;
    }
  } else {
    for (let i = end - 1; i >= start; i--) {
      const row = rows[i]!;
      const x = binned[col + row]! - lo;
      const left = ((x - lim) & ~x) >>> 31;
      tmp[l] = row;
      rows[r] = row;
      l -= left;
      r -= 1 - left;
    }
  }
  return end - 1 - l;
}

/** Chunk c of `of` chunks of [start, end): [from, to). */
export function chunkBounds(start: number, end: number, c: number, of: number): [number, number] {
  const len = end - start;
  return [start + Math.floor((len * c) / of), start + Math.floor((len * (c + 1)) / of)];
}

/** The arrays a partition reads and rewrites (gho and tmpGh null when the pairs stay put). */
export interface PartitionBuffers {
  binned: Uint8Array;
  rows: Uint32Array;
  tmp: Uint32Array;
  gho: Float64Array | null;
  tmpGh: Float64Array | null;
}

/** One partition: rows[start..end) by bin − lo ∈ [0, lim) of the column at `col` (partitionChunk). */
export interface PartitionRequest {
  col: number;
  lo: number;
  lim: number;
  start: number;
  end: number;
}

/** Phase 1 of chunk c of `of`: partitions it, stashes a middle chunk's lefts in tmp; returns L. */
export function partitionOwn(b: PartitionBuffers, q: PartitionRequest, c: number, of: number): number {
  const [from, to] = chunkBounds(q.start, q.end, c, of);
  if (c === of - 1 && c > 0)
    return partitionChunkBack(b.binned, q.col, q.lo, q.lim, b.rows, b.tmp, b.gho, b.tmpGh, from, to);
  const L = partitionChunk(b.binned, q.col, q.lo, q.lim, b.rows, b.tmp, b.gho, b.tmpGh, from, to);
  if (c > 0) {
    b.tmp.set(b.rows.subarray(from, from + L), to - L);
    if (b.gho && b.tmpGh) b.tmpGh.set(b.gho.subarray(from << 1, (from + L) << 1), (to - L) << 1);
  }
  return L;
}

/**
 * Phase 2 of chunk c of `of`, once every chunk's left count is in `lefts`: moves the chunk's rows
 * that are not yet final from tmp to their places; returns the boundary (the first right row).
 */
export function placeOwn(
  b: PartitionBuffers,
  q: PartitionRequest,
  c: number,
  of: number,
  lefts: ArrayLike<number>,
): number {
  let leftsBefore = 0;
  let allLefts = 0;
  for (let j = 0; j < of; j++) {
    if (j === c) leftsBefore = allLefts;
    allLefts += lefts[j]!;
  }
  const [from, to] = chunkBounds(q.start, q.end, c, of);
  const L = lefts[c]!;
  const R = to - from - L;
  const mid = q.start + allLefts;
  // Rows before this chunk: (from − start) of them, leftsBefore going left.
  const leftAt = q.start + leftsBefore;
  const rightAt = mid + (from - q.start - leftsBefore);
  // Where the chunk's lefts and rights sit in tmp (nothing for a part already final).
  const leftFrom = c === 0 ? -1 : to - L;
  const rightFrom = c === of - 1 && c > 0 ? -1 : from;
  if (leftFrom >= 0) move(b, leftFrom, L, leftAt);
  if (rightFrom >= 0) move(b, rightFrom, R, rightAt);
  return mid;
}

/** rows[to..to+len) ← tmp[from..from+len) (and the pairs). */
function move(b: PartitionBuffers, from: number, len: number, to: number): void {
  b.rows.set(b.tmp.subarray(from, from + len), to);
  if (b.gho && b.tmpGh) b.gho.set(b.tmpGh.subarray(from << 1, (from + len) << 1), to << 1);
}

/**
 * Thread c's share of a partition in `of` chunks (all threads call it at once): phase 1, its left
 * count into `lefts[c]` (shared, −1 until then), a wait for every other chunk's count, phase 2.
 * Returns the boundary. Throws when another thread has not reported within `waitLimitMs`.
 */
export function partitionShare(
  b: PartitionBuffers,
  q: PartitionRequest,
  c: number,
  of: number,
  lefts: Int32Array,
  waitLimitMs: number,
): number {
  Atomics.store(lefts, c, partitionOwn(b, q, c, of));
  if (of > 1) {
    Atomics.notify(lefts, c);
    const deadline = Date.now() + waitLimitMs;
    for (let j = 0; j < of; j++) {
      while (Atomics.load(lefts, j) < 0) {
        if (Date.now() > deadline) throw new Error("row partition: a thread did not report (died?)");
        Atomics.wait(lefts, j, -1, 1000);
      }
    }
  }
  return placeOwn(b, q, c, of, lefts);
}
