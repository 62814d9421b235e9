// What every split method returns: a part per row (0 train, 1 valid, 2 test), and for kfold a
// fold per training row; plus what the method wants reported (cut timestamps, group counts).
import type { ColumnTable } from "arquero";
import type { Json } from "../../ir/graph-ir.js";
import { unit, type RowIdentity } from "./row-hash.js";

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
  /** What identifies a row for the hash-based methods: a key column, or the row's content. */
  identity: RowIdentity;
}

/** Row counts of each part for n rows: rounded, the remainder to test. */
export function partSizes(n: number, s: Shares): [number, number, number] {
  const train = Math.round(n * s.train);
  const valid = Math.min(n - train, Math.round(n * s.valid));
  return [train, valid, n - train - valid];
}

/**
 * The part of a row whose seeded hash is `h`: a pure function of the row's identity, so a row
 * keeps its part however many rows are added, removed or reordered around it.
 */
export function partOfHash(h: number, s: Shares): number {
  const u = unit(h);
  return u < s.train ? TRAIN : u < s.train + s.valid ? VALID : TEST;
}
