// kfold(k, by?): `test` (if its share is non-zero) is held out by each row's seeded hash, so the
// test rows stay put as data grows; the other rows are dealt round-robin into folds 0..k-1 in the
// order of a second hash draw, per stratum of `by`, so folds are balanced (and stratified).
import { NodeFailure } from "../../ir/executor.js";
import { drawSeed, rowHashes, unit } from "./row-hash.js";
import { columnFor, groupRows } from "./stratified.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN } from "./types.js";

export function kfoldSplit(input: SplitInput, k: number, by?: string): SplitAssignment {
  if (!Number.isInteger(k) || k < 2)
    throw new NodeFailure(`kfold(${k}): k must be an integer of at least 2`, { code: "MLC2107" });
  const n = input.table.numRows();
  const h = rowHashes(input.table, input.identity, input.seed);
  const order = rowHashes(input.table, input.identity, drawSeed(input.seed, 1));
  const strata = by
    ? groupRows(columnFor(input, by, "kfold"))
    : new Map([[null, Array.from({ length: n }, (_, i) => i)]]);
  const keys = [...strata.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  const part = new Uint8Array(n);
  const fold = new Int32Array(n).fill(-1);
  let dealt = 0;
  for (const key of keys) {
    const rows = strata.get(key)!.filter((r) => {
      const test = unit(h[r]!) < input.shares.test;
      part[r] = test ? TEST : TRAIN;
      return !test;
    });
    rows.sort((a, b) => order[a]! - order[b]! || a - b);
    for (const r of rows) fold[r] = dealt++ % k;
  }
  return { part, fold, report: { k, by: by ?? null } };
}
