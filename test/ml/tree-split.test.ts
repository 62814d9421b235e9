import { describe, expect, it } from "vitest";
import { bestSplitInto, findBestSplit, mergeSplit, SPLIT_FIELDS } from "../../src/ml/tree/split.js";
import { Rng } from "../../src/ml/random.js";

const params = { lambda: 1, alpha: 0, minChildWeight: 1, minSplitGain: 0 };

/** A histogram of `nFeat` features with `bins` value bins each (plus the missing bin 0). */
function histogram(nFeat: number, bins: number, seed: number) {
  const offsets = new Int32Array(nFeat + 1);
  for (let f = 0; f < nFeat; f++) offsets[f + 1] = offsets[f]! + 2 * (bins + 1);
  const hist = new Float64Array(offsets[nFeat]!);
  const r = new Rng(seed);
  for (let i = 0; i < hist.length; i += 2) {
    hist[i] = r.next() - 0.5;
    hist[i + 1] = 1 + r.next();
  }
  return { offsets, hist };
}

describe("split search over feature slices", () => {
  it("merged slices give the one-scan split, for any slice count", () => {
    const nFeat = 13;
    const { offsets, hist } = histogram(nFeat, 9, 3);
    // Node totals: feature 0's bins (every feature's sum would do; the gains differ by feature).
    let g = 0;
    let h = 0;
    for (let i = 0; i < offsets[1]!; i += 2) {
      g += hist[i]!;
      h += hist[i + 1]!;
    }
    const feats = Int32Array.from({ length: nFeat }, (_, f) => f);
    const whole = findBestSplit(hist, 0, offsets, feats, g, h, params);
    expect(whole).not.toBeNull();
    for (const of of [2, 3, 5, 13]) {
      const out = new Float64Array(of * SPLIT_FIELDS);
      for (let t = 0; t < of; t++) {
        const from = Math.floor((nFeat * t) / of);
        const to = Math.floor((nFeat * (t + 1)) / of);
        bestSplitInto(hist, 0, offsets, feats, from, to, g, h, params, out, t * SPLIT_FIELDS);
      }
      expect(mergeSplit(out, 0, SPLIT_FIELDS, of)).toEqual(whole);
    }
  });

  it("keeps the lower feature's split when two slices tie on the gain", () => {
    // Features 0 and 1 have identical histograms, so identical best gains: one scan keeps feature 0.
    const { offsets, hist } = histogram(2, 6, 8);
    hist.copyWithin(offsets[1]!, 0, offsets[1]!);
    let g = 0;
    let h = 0;
    for (let i = 0; i < offsets[1]!; i += 2) {
      g += hist[i]!;
      h += hist[i + 1]!;
    }
    const feats = Int32Array.of(0, 1);
    const out = new Float64Array(2 * SPLIT_FIELDS);
    bestSplitInto(hist, 0, offsets, feats, 0, 1, g, h, params, out, 0);
    bestSplitInto(hist, 0, offsets, feats, 1, 2, g, h, params, out, SPLIT_FIELDS);
    expect(out[4]).toBe(out[SPLIT_FIELDS + 4]);
    expect(mergeSplit(out, 0, SPLIT_FIELDS, 2)?.feature).toBe(0);
    expect(findBestSplit(hist, 0, offsets, feats, g, h, params)?.feature).toBe(0);
  });

  it("reports no split when no slice has one", () => {
    const { offsets, hist } = histogram(3, 4, 1);
    const out = new Float64Array(2 * SPLIT_FIELDS);
    const strict = { ...params, minChildWeight: 1e9 };
    const feats = Int32Array.of(0, 1, 2);
    bestSplitInto(hist, 0, offsets, feats, 0, 1, 0, 10, strict, out, 0);
    bestSplitInto(hist, 0, offsets, feats, 1, 3, 0, 10, strict, out, SPLIT_FIELDS);
    expect(mergeSplit(out, 0, SPLIT_FIELDS, 2)).toBeNull();
  });
});
