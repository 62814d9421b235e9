// JSON lines reader: one object per line, streamed line by line; columns are the union of keys
// in first-seen order, typed by the declared schema or inferred from the values.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { NodeFailure } from "../ir/executor.js";
import type { ColumnSpec } from "./column-type.js";
import { type LoadedTable, tableFromColumns } from "./values-table.js";

export async function readJsonLines(
  file: string,
  declared: readonly ColumnSpec[],
  display = file,
): Promise<LoadedTable> {
  const columns = new Map<string, unknown[]>();
  let rows = 0;
  let line = 0;
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 4 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        throw new NodeFailure(`${display}:${line}: not valid JSON (${(e as Error).message})`, {
          file: display,
          line,
        });
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj))
        throw new NodeFailure(`${display}:${line}: each line must be a JSON object`, { file: display, line });
      for (const [k, v] of Object.entries(obj)) {
        let col = columns.get(k);
        if (!col) {
          col = new Array(rows).fill(null);
          columns.set(k, col);
        }
        col[rows] = typeof v === "object" && v !== null ? JSON.stringify(v) : v;
      }
      rows++;
      for (const col of columns.values()) if (col.length < rows) col.length = rows;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new NodeFailure(`cannot read ${display}: no such file`);
    throw e;
  }
  for (const col of columns.values()) for (let i = 0; i < rows; i++) if (col[i] === undefined) col[i] = null;
  return tableFromColumns([...columns.keys()], (n) => columns.get(n)!, declared, display);
}
