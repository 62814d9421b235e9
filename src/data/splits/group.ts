// group(col): whole entities are assigned to parts (shuffled with the seed), so an entity's rows
// are never in two parts; shares are met as closely as whole groups allow.
import { rng, shuffle } from "../random.js";
import { columnFor, groupRows } from "./stratified.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN, VALID, partSizes } from "./types.js";

export function groupSplit(input: SplitInput, column: string): SplitAssignment {
  const groups = groupRows(columnFor(input, column, "group"));
  const n = input.table.numRows();
  const keys = [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  shuffle(keys, rng(input.seed));
  const [train, valid] = partSizes(n, input.shares);
  const part = new Uint8Array(n);
  let seen = 0;
  for (const k of keys) {
    const rows = groups.get(k)!;
    const p = seen < train ? TRAIN : seen < train + valid ? VALID : TEST;
    for (const r of rows) part[r] = p;
    seen += rows.length;
  }
  return { part, report: { column, groups: keys.length } };
}
