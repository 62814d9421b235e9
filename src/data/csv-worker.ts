// Worker thread of csv-reader.ts: parses one byte range of a CSV file (it starts at a line start
// that the reader has yet to confirm is a record start) and posts its columns back, transferred.
// Runs only as compiled .js.
import { open } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { type ColumnPart, CsvProblem, type Problem, type ReadSpec, RecordParser } from "./csv-parse.js";
import { RangeFeed } from "./csv-range.js";
import type { TextEncoding } from "./text-encoding.js";

export interface RangeJob {
  file: string;
  specs: (ReadSpec | undefined)[];
  delim: number;
  encoding: TextEncoding;
  /** The source's `nulls` (absent: the default). */
  nulls?: readonly string[];
  chunk: number;
  start: number;
  /** Where the next range starts; the last range reads to the end of the file. */
  stop?: number;
}

export type RangeResult =
  | { t: "done"; rows: number; line: number; parts: ColumnPart[] }
  | { t: "no-boundary" }
  | { t: "problem"; problem: Problem }
  | { t: "failed"; message: string };

const job = workerData as RangeJob;

async function parseRange(): Promise<{ result: RangeResult; transfer: ArrayBuffer[] }> {
  const fh = await open(job.file, "r");
  try {
    const parser = new RecordParser(job.specs, job.delim, job.encoding, Infinity, job.nulls);
    const end = await new RangeFeed(
      fh,
      Buffer.allocUnsafe(job.chunk),
      0,
      job.start,
      (await fh.stat()).size,
    ).run(parser, job.stop);
    if (end === "no-boundary") return { result: { t: "no-boundary" }, transfer: [] };
    const parts = parser.parts();
    const transfer = new Set<ArrayBuffer>();
    for (const p of parts) {
      if (p.t === "num" || p.t === "bool") transfer.add(p.v.buffer as ArrayBuffer);
      else if (p.t === "cat") transfer.add(p.codes.buffer as ArrayBuffer);
    }
    return { result: { t: "done", rows: parser.rows, line: parser.line, parts }, transfer: [...transfer] };
  } finally {
    await fh.close();
  }
}

try {
  const { result, transfer } = await parseRange();
  parentPort!.postMessage(result, transfer);
} catch (e) {
  const result: RangeResult =
    e instanceof CsvProblem
      ? { t: "problem", problem: e.problem }
      : { t: "failed", message: e instanceof Error ? e.message : String(e) };
  parentPort!.postMessage(result);
}
