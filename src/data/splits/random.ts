// random: rows shuffled with the seed and cut by the shares.
import { rng, shuffle } from "../random.js";
import { type SplitAssignment, type SplitInput, assignInOrder } from "./types.js";

export function randomSplit({ table, shares, seed }: SplitInput): SplitAssignment {
  const n = table.numRows();
  const order = shuffle(
    Int32Array.from({ length: n }, (_, i) => i),
    rng(seed),
  );
  const part = new Uint8Array(n);
  assignInOrder(order, shares, part);
  return { part, report: {} };
}
