import { describe, expect, it } from "vitest";
import { chunkBounds, mergeChunks, partitionChunk } from "../../src/ml/tree/partition.js";
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
        const lefts = Array.from({ length: chunks }, (_, c) => {
          const [from, to] = chunkBounds(start, end, c, chunks);
          return partitionChunk(bins, 0, lo, bin + 1 - lo, rows, tmp, gho, tmpGh, from, to);
        });
        const mid = mergeChunks(rows, tmp, gho, tmpGh, start, end, lefts, chunks);
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
