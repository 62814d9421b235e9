// What every split method returns: a part per row (0 train, 1 valid, 2 test), and for kfold a
// fold per training row; plus what the method wants reported (cut timestamps, group counts).
import type { ColumnTable } from "arquero";
import type { Json } from "../../ir/graph-ir.js";

export const TRAIN = 0,
  VALID = 1,
  TEST = 2;

export interface Shares {
  train: number;
  valid: number;
  test: number;
}

export interface SplitAssignment {
  part: Uint8Array;
  /** kfold only: the fold of each row (test rows: -1). */
  fold?: Int32Array;
  report: { [key: string]: Json };
}

export interface SplitInput {
  table: ColumnTable;
  shares: Shares;
  seed: number;
}

/** Row counts of each part for n rows: rounded, the remainder to test. */
export function partSizes(n: number, s: Shares): [number, number, number] {
  const train = Math.round(n * s.train);
  const valid = Math.min(n - train, Math.round(n * s.valid));
  return [train, valid, n - train - valid];
}

/** Assigns `rows` (already in a random or time order) to parts by the shares. */
export function assignInOrder(rows: ArrayLike<number>, s: Shares, part: Uint8Array): void {
  const [train, valid] = partSizes(rows.length, s);
  for (let k = 0; k < rows.length; k++) part[rows[k]!] = k < train ? TRAIN : k < train + valid ? VALID : TEST;
}
