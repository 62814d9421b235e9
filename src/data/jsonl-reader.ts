// JSON lines reader: one object per line, streamed line by line; columns are the union of keys
// in first-seen order, typed by the declared schema or inferred from the values.
import { createReadStream } from "node:fs";
import { NodeFailure } from "../ir/executor.js";
import type { ColumnSpec } from "./column-type.js";
import { type TextEncoding, invalidUtf8At, nodeEncoding, notUtf8Text, showBytes } from "./text-encoding.js";
import { type LoadedTable, tableFromColumns } from "./values-table.js";

/** The lines of a file as byte ranges (split at LF, CR before it dropped), with their 1-based numbers. */
async function* byteLines(file: string): AsyncGenerator<{ b: Buffer; s: number; e: number; line: number }> {
  let carry: Buffer[] = [];
  let line = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    let b = chunk,
      s = 0,
      lf = b.indexOf(10);
    if (lf >= 0 && carry.length) {
      b = Buffer.concat([...carry, chunk]);
      lf += b.length - chunk.length;
      carry = [];
    }
    for (; lf >= 0; lf = b.indexOf(10, s)) {
      yield { b, s, e: lf > s && b[lf - 1] === 13 ? lf - 1 : lf, line: ++line };
      s = lf + 1;
    }
    if (s < b.length) carry.push(b.subarray(s));
  }
  if (carry.length) {
    const b = Buffer.concat(carry);
    yield { b, s: 0, e: b.length, line: ++line };
  }
}

/** The key whose value holds the bad bytes, from the line read with replacement characters (for the message). */
function keyHolding(text: string): string | undefined {
  try {
    const obj = JSON.parse(text) as Record<string, unknown>;
    return Object.entries(obj).find(
      ([k, v]) => k.includes("\uFFFD") || JSON.stringify(v).includes("\uFFFD"),
    )?.[0];
  } catch {
    return undefined;
  }
}

export async function readJsonLines(
  file: string,
  declared: readonly ColumnSpec[],
  display = file,
  encoding: TextEncoding = "utf-8",
): Promise<LoadedTable> {
  const columns = new Map<string, unknown[]>();
  const enc = nodeEncoding(encoding);
  let rows = 0;
  try {
    for await (const { b, s: start, e, line } of byteLines(file)) {
      // A UTF-8 byte order mark may open the file.
      const s =
        line === 1 &&
        encoding === "utf-8" &&
        b[start] === 0xef &&
        b[start + 1] === 0xbb &&
        b[start + 2] === 0xbf
          ? start + 3
          : start;
      const bad = encoding === "utf-8" ? invalidUtf8At(b, s, e) : -1;
      if (bad >= 0) {
        const key = keyHolding(b.toString("utf8", s, e));
        const from = Math.max(s, b.lastIndexOf(34, bad) + 1);
        const to = b.indexOf(34, bad);
        throw new NodeFailure(
          `${display}:${line}: row ${rows + 1}${key === undefined ? "" : `, column ${JSON.stringify(key)}`}: "${showBytes(b, from, to < 0 || to > e ? e : to)}" ${notUtf8Text(b[bad]!)}`,
          {
            code: "MLC2101",
            details: { file: display, line, row: rows + 1, ...(key === undefined ? {} : { column: key }) },
          },
        );
      }
      const text = b.toString(enc, s, e);
      if (text.trim() === "") continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        throw new NodeFailure(`${display}:${line}: not valid JSON (${(e as Error).message})`, {
          code: "MLC2102",
          details: { file: display, line },
        });
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj))
        throw new NodeFailure(`${display}:${line}: each line must be a JSON object`, {
          code: "MLC2102",
          details: { file: display, line },
        });
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
      throw new NodeFailure(`cannot read ${display}: no such file`, { code: "MLC2100" });
    throw e;
  }
  for (const col of columns.values()) for (let i = 0; i < rows; i++) if (col[i] === undefined) col[i] = null;
  return tableFromColumns([...columns.keys()], (n) => columns.get(n)!, declared, display);
}
