// column(col): each row's part is written in the data (`train`, `valid` or `test` in `col`), for an
// external test set or folds fixed by someone else. No hash, no shares: the column decides, so the
// parts never move unless the column does. Any other value (or a missing one) is an error naming
// the row and the value.
import { NodeFailure } from "../../ir/executor.js";
import { columnFor } from "./stratified.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN, VALID } from "./types.js";

const PART_OF: Record<string, number> = { train: TRAIN, valid: VALID, test: TEST };

export function columnSplit(input: SplitInput, column: string): SplitAssignment {
  const values = columnFor(input, column, "column");
  const part = new Uint8Array(values.length);
  const counts = { train: 0, valid: 0, test: 0 };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const p = typeof v === "string" ? PART_OF[v] : undefined;
    if (p === undefined)
      throw new NodeFailure(
        `column(${column}): row ${i + 1} has ${v === null || v === undefined ? "no value" : JSON.stringify(v)} in \`${column}\`; each row says train, valid or test`,
        { code: "MLC2107", details: { row: i + 1, column, value: v === undefined ? null : String(v) } },
      );
    part[i] = p;
    counts[v as keyof typeof counts]++;
  }
  return { part, report: { column, rows: counts } };
}
