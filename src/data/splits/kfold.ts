// kfold(k, by?): `test` (if its share is non-zero) is held out first; every other row is a
// training row with a fold 0..k-1, dealt round-robin after a seeded shuffle (per stratum of `by`).
import { NodeFailure } from "../../ir/executor.js";
import { rng, shuffle } from "../random.js";
import { columnFor, groupRows } from "./stratified.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN } from "./types.js";

export function kfoldSplit(input: SplitInput, k: number, by?: string): SplitAssignment {
  if (!Number.isInteger(k) || k < 2) throw new NodeFailure(`kfold(${k}): k must be an integer of at least 2`);
  const n = input.table.numRows();
  const next = rng(input.seed);
  const strata = by
    ? groupRows(columnFor(input, by, "kfold"))
    : new Map([[null, Array.from({ length: n }, (_, i) => i)]]);
  const keys = [...strata.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  const part = new Uint8Array(n);
  const fold = new Int32Array(n).fill(-1);
  let dealt = 0;
  for (const key of keys) {
    const rows = shuffle(strata.get(key)!, next);
    const nTest = Math.round(rows.length * input.shares.test);
    rows.forEach((r, i) => {
      if (i < nTest) part[r] = TEST;
      else {
        part[r] = TRAIN;
        fold[r] = dealt++ % k;
      }
    });
  }
  return { part, fold, report: { k, by: by ?? null } };
}
