// temporal(col): rows ordered by time; valid rows are strictly later than every training row
// and test rows strictly later than every valid row (ties stay in the earlier part). Reports cuts.
import { NodeFailure } from "../../ir/executor.js";
import { numericValues } from "../table-columns.js";
import { columnFor } from "./stratified.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN, VALID, partSizes } from "./types.js";

const iso = (ms: number): string => new Date(ms).toISOString();

export function temporalSplit(input: SplitInput, column: string): SplitAssignment {
  const raw = columnFor(input, column, "temporal");
  const t = numericValues(raw as Float64Array);
  const n = t.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(t[i]!))
      throw new NodeFailure(
        `temporal(${column}): row ${i + 1} has no timestamp; a temporal split needs one on every row`,
        { code: "MLC2107" },
      );
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  const [train, valid] = partSizes(n, input.shares);
  const part = new Uint8Array(n).fill(TEST);
  let k = 0;
  // Extend each part over rows tied with its last timestamp so later parts are strictly later.
  const take = (count: number, p: number): number | undefined => {
    if (count === 0 || k >= n) return undefined;
    const end = Math.min(n, k + count);
    let last = t[order[end - 1]!]!;
    while (k < end || (k < n && t[order[k]!]! === last)) {
      part[order[k]!] = p;
      last = t[order[k]!]!;
      k++;
    }
    return last;
  };
  const trainEnd = take(train, TRAIN);
  const validEnd = take(valid, VALID);
  const isTime = raw.length > 0 && Array.from(raw).some((v) => v instanceof Date);
  const show = (v: number | undefined) => (v === undefined ? null : isTime ? iso(v) : v);
  return { part, report: { column, train_end: show(trainEnd), valid_end: show(validEnd) } };
}
