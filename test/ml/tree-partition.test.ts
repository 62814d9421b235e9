import { describe, expect, it } from "vitest";
import {
  chunkBounds,
  partitionOwn,
  partitionShare,
  placeOwn,
  type PartitionBuffers,
} from "../../src/ml/tree/partition.js";
import { Rng } from "../../src/ml/random.js";

/** Reference: stable partition by a plain loop (missing = bin 0). */
function reference(bins: Uint8Array, rows: number[], bin: number, defaultLeft: boolean): number[] {
  const goesLeft = (b: number) => (b === 0 ? defaultLeft : b <= bin);
  return [...rows.filter((r) => goesLeft(bins[r]!)), ...rows.filter((r) => !goesLeft(bins[r]!))];
}

describe("tree row partition", () => {
  const n = 1000;
  const r = new Rng(7);
  const bins = Uint8Array.from({ length: n }, () => (r.next() < 0.1 ? 0 : 1 + r.int(20)));
  // A node's rows: an ascending subset, as growTree keeps them.
  const node = Array.from({ length: n }, (_, i) => i).filter(() => r.next() < 0.6);

  for (const defaultLeft of [false, true]) {
    for (const chunks of [1, 2, 3, 7]) {
      it(`in ${chunks} chunk(s), missing ${defaultLeft ? "left" : "right"}: a stable partition, gradient pairs moved with their rows`, () => {
        const start = 5;
        const end = start + node.length;
        const rows = new Uint32Array(n + 10);
        const gho = new Float64Array(2 * (n + 10));
        rows.set(node, start);
        node.forEach((row, i) => {
          gho[(start + i) * 2] = row + 0.25;
          gho[(start + i) * 2 + 1] = -row;
        });
        const tmp = new Uint32Array(n + 10);
        const tmpGh = new Float64Array(2 * (n + 10));
        const bin = 9;
        const lo = defaultLeft ? 0 : 1;
        const b: PartitionBuffers = { binned: bins, rows, tmp, gho, tmpGh };
        const q = { col: 0, lo, lim: bin + 1 - lo, start, end };
        // Phase 1 of every chunk, then phase 2 in reverse chunk order: no chunk's moves may
        // depend on another's having happened first (the threads run them at once).
        const lefts = Array.from({ length: chunks }, (_, c) => partitionOwn(b, q, c, chunks));
        const mids = Array.from({ length: chunks }, (_, c) => placeOwn(b, q, chunks - 1 - c, chunks, lefts));
        const mid = mids[0]!;
        expect(new Set(mids).size).toBe(1);
        const want = reference(bins, node, bin, defaultLeft);
        expect(Array.from(rows.subarray(start, end))).toEqual(want);
        expect(mid - start).toBe(
          want.filter((row) => (bins[row] === 0 ? defaultLeft : bins[row]! <= bin)).length,
        );
        for (let i = start; i < end; i++) {
          expect(gho[2 * i]).toBe(rows[i]! + 0.25);
          expect(gho[2 * i + 1]).toBe(-rows[i]!);
        }
        // Rows outside the node are untouched.
        expect(rows[start - 1]).toBe(0);
        expect(rows[end]).toBe(0);
      });
    }
  }

  it("without gradient pairs, in one chunk (partitionShare on the calling thread)", () => {
    const rows = Uint32Array.from(node);
    const tmp = new Uint32Array(node.length);
    const b: PartitionBuffers = { binned: bins, rows, tmp, gho: null, tmpGh: null };
    const mid = partitionShare(
      b,
      { col: 0, lo: 1, lim: 5, start: 0, end: node.length },
      0,
      1,
      new Int32Array(1),
      1000,
    );
    const want = reference(bins, node, 5, false);
    expect(Array.from(rows)).toEqual(want);
    expect(mid).toBe(want.filter((row) => bins[row] !== 0 && bins[row]! <= 5).length);
  });

  it("chunks tile the range in order", () => {
    let next = 3;
    for (let c = 0; c < 4; c++) {
      const [from, to] = chunkBounds(3, 13, c, 4);
      expect(from).toBe(next);
      next = to;
    }
    expect(next).toBe(13);
  });
});
