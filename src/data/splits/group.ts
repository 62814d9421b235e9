// group(col): whole entities go to parts by a seeded hash of the entity's value, so an entity's
// rows are never in two parts and an entity keeps its part as rows and entities are added.
import { valueHash } from "./row-hash.js";
import { columnFor, groupRows } from "./stratified.js";
import { type SplitAssignment, type SplitInput, partOfHash } from "./types.js";

export function groupSplit(input: SplitInput, column: string): SplitAssignment {
  const groups = groupRows(columnFor(input, column, "group"));
  const part = new Uint8Array(input.table.numRows());
  for (const [value, rows] of groups) {
    const p = partOfHash(valueHash(value, input.seed), input.shares);
    for (const r of rows) part[r] = p;
  }
  return { part, report: { column, groups: groups.size } };
}
