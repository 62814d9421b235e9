// stratified(label): random within each label value, so every part keeps the label's
// distribution (nulls form their own stratum).
import { NodeFailure } from "../../ir/executor.js";
import { rng, shuffle } from "../random.js";
import { columnValues } from "../table-columns.js";
import { type SplitAssignment, type SplitInput, assignInOrder } from "./types.js";

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
    throw new NodeFailure(`${method}(${column}): the table has no column \`${column}\``);
  return columnValues(input.table, column) as ArrayLike<unknown>;
}

export function stratifiedSplit(input: SplitInput, column: string): SplitAssignment {
  const groups = groupRows(columnFor(input, column, "stratified"));
  const next = rng(input.seed);
  const n = input.table.numRows();
  // Strata in a canonical order so the result does not depend on row order within the file.
  const keys = [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  // Each row gets its relative position (k + 0.5) / m within its shuffled stratum; cutting the
  // rows sorted by that position meets the global shares exactly and each stratum's closely.
  const pos = new Float64Array(n);
  const rank = new Int32Array(n);
  let r = 0;
  for (const k of keys) {
    const rows = shuffle(groups.get(k)!, next);
    rows.forEach((row, i) => {
      pos[row] = (i + 0.5) / rows.length;
      rank[row] = r++;
    });
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => pos[a]! - pos[b]! || rank[a]! - rank[b]!,
  );
  const part = new Uint8Array(n);
  assignInOrder(order, input.shares, part);
  return { part, report: { strata: keys.length } };
}
