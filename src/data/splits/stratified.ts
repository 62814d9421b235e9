// stratified(label): rows placed by their seeded hash, with each label value's realised part
// counts reported (nulls form their own stratum); the helpers here group rows by a column.
import { NodeFailure } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { columnValues } from "../table-columns.js";
import { rowHashes } from "./row-hash.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN, VALID, partOfHash } from "./types.js";

/** Row indices grouped by a column's value, groups in order of first appearance. */
export function groupRows(values: ArrayLike<unknown>): Map<unknown, number[]> {
  const groups = new Map<unknown, number[]>();
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v instanceof Date) v = v.getTime();
    if (typeof v === "number" && Number.isNaN(v)) v = null;
    let g = groups.get(v ?? null);
    if (!g) groups.set(v ?? null, (g = []));
    g.push(i);
  }
  return groups;
}

export function columnFor(input: SplitInput, column: string, method: string): ArrayLike<unknown> {
  if (!input.table.columnNames().includes(column))
    throw new NodeFailure(`${method}(${column}): the table has no column \`${column}\``, { code: "MLC2107" });
  return columnValues(input.table, column) as ArrayLike<unknown>;
}

export function stratifiedSplit(input: SplitInput, column: string): SplitAssignment {
  const groups = groupRows(columnFor(input, column, "stratified"));
  const h = rowHashes(input.table, input.identity, input.seed);
  const part = new Uint8Array(input.table.numRows());
  // Every row of every class is placed by its own hash: each class meets the shares up to
  // sampling noise, and no row moves when rows are appended. Realised counts are reported.
  const counts: { [value: string]: Json } = {};
  for (const key of [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)))) {
    const c = [0, 0, 0];
    for (const r of groups.get(key)!) {
      const p = partOfHash(h[r]!, input.shares);
      part[r] = p;
      c[p]!++;
    }
    if (groups.size <= 50) counts[String(key)] = { train: c[TRAIN]!, valid: c[VALID]!, test: c[TEST]! };
  }
  return { part, report: { strata: groups.size, ...(groups.size <= 50 ? { strata_rows: counts } : {}) } };
}
