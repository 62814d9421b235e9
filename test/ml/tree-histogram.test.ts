import { describe, expect, it } from "vitest";
import { accumulateHistogram, twoValuedFeatures } from "../../src/ml/tree/histogram.js";
import { Rng } from "../../src/ml/random.js";

/**
 * Bins of nFeat columns × n rows: features ≡ 0 mod 3 two-valued (bin 1 for ~95%, else 2), ≡ 1
 * two-valued with some missing (bin 0), ≡ 2 spread over 1..7; gradient pairs with −0s among them.
 */
function data(n: number, nFeat: number, seed: number) {
  const r = new Rng(seed);
  const binned = new Uint8Array(n * nFeat);
  const offsets = new Int32Array(nFeat + 1);
  for (let f = 0; f < nFeat; f++) {
    const bins = f % 3 === 2 ? 7 : 2;
    offsets[f + 1] = offsets[f]! + 2 * (bins + 1);
    for (let i = 0; i < n; i++) {
      const u = r.next();
      binned[f * n + i] =
        f % 3 === 2 ? 1 + Math.floor(u * 7) : f % 3 === 1 && u < 0.03 ? 0 : u < 0.95 ? 1 : 2;
    }
  }
  const gho = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) gho[i] = i % 10 === 4 ? -0 : i % 2 === 0 ? r.next() - 0.5 : r.next() * 0.25;
  return { binned, offsets, gho };
}

/** Per feature and bin, the sums of the rows' pairs in row order: the reference the kernels match bit for bit. */
function reference(
  binned: Uint8Array,
  n: number,
  rows: Uint32Array,
  start: number,
  end: number,
  gho: Float64Array,
  offsets: Int32Array,
  feats: Int32Array,
): Float64Array {
  const hist = new Float64Array(offsets[offsets.length - 1]!);
  for (const f of feats)
    for (let i = start; i < end; i++) {
      const b = offsets[f]! + 2 * binned[f * n + rows[i]!]!;
      hist[b] = hist[b]! + gho[2 * i]!;
      hist[b + 1] = hist[b + 1]! + gho[2 * i + 1]!;
    }
  return hist;
}

describe("histogram kernels", () => {
  it("marks the two-valued features without missing values", () => {
    const { binned, offsets } = data(500, 6, 1);
    expect(Array.from(twoValuedFeatures(binned, 500, offsets))).toEqual([1, 0, 0, 1, 0, 0]);
  });

  it("sums bin 1 of two-valued features to the row-order bits and the other features' bins as the plain passes", () => {
    const n = 3001;
    const nFeat = 23;
    const { binned, offsets, gho } = data(n, nFeat, 2);
    const two = twoValuedFeatures(binned, n, offsets);
    const r = new Rng(9);
    const rows = Uint32Array.from({ length: n }, (_, i) => i).filter(() => r.next() < 0.6);
    // Feature lists giving full and short groups of two-valued features, and none; general
    // passes of 10 + 10 + 2 + 1, 10 alone, 8 + 8 and 10 + 8 wide (the lists without two-valued ones).
    const lists = [
      Int32Array.from({ length: nFeat }, (_, f) => f),
      Int32Array.from([1, 2, 4, 5, 7, 8, 10, 11, 13, 14]),
      Int32Array.from([1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 0]),
      Int32Array.from([1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 0, 3, 6]),
      Int32Array.from([0, 3, 6, 9, 12]),
      Int32Array.from([3]),
      Int32Array.from([1, 2, 5, 8]),
      Int32Array.from([0, 1, 2, 3, 5, 6, 11, 14, 15, 17, 18, 22]),
    ];
    const start = 5;
    const end = rows.length - 3;
    for (const feats of lists) {
      const want = reference(binned, n, rows, start, end, gho, offsets, feats);
      for (const finite of [true, false]) {
        const got = new Float64Array(want.length).fill(7);
        accumulateHistogram(
          binned,
          n,
          rows,
          start,
          end,
          gho,
          got,
          0,
          offsets,
          feats,
          0,
          feats.length,
          two,
          finite,
        );
        for (const f of feats)
          for (let j = offsets[f]!; j < offsets[f + 1]!; j++) {
            // Bin 2 of a two-valued feature (never read by split search) is left at 0 by its pass.
            const unread = finite && two[f] === 1 && j >= offsets[f]! + 4;
            expect(Object.is(got[j], unread ? 0 : want[j])).toBe(true);
          }
      }
    }
  });
});
