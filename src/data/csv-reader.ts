// Streaming CSV reader: the byte-level parser of csv-parse.ts over large Buffer chunks, applying
// the declared schema while reading (other columns are inferred). Large files are cut at line
// starts into ranges parsed at once by worker threads (csv-worker.ts); a cut that turns out to
// fall inside a quoted field is undone and the rest of the file is read on this thread.
import { type FileHandle, open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { NodeFailure } from "../ir/executor.js";
import { compiledWorkerUrl, newWorker } from "../threads/worker-start.js";
import { type ColumnSpec, misfitText, nullText } from "./column-type.js";
import { type ColumnArray } from "./infer-column.js";
import {
  CODE_MISFIT,
  type ColumnPart,
  CsvProblem,
  joinParts,
  locateField,
  NULL_NOT_ALLOWED,
  type Problem,
  type ReadSpec,
  readHeader,
  RecordParser,
} from "./csv-parse.js";
import { type TextEncoding, invalidUtf8At, nodeEncoding, notUtf8Text, showBytes } from "./text-encoding.js";
import { undeclaredColumnsFailure } from "./values-table.js";
import { RangeFeed } from "./csv-range.js";
import type { RangeJob, RangeResult } from "./csv-worker.js";
import { MlcError } from "../ir/errors.js";

export interface CsvReadOptions {
  /** Declared columns (by name); columns of the file not declared here are inferred. */
  declared?: readonly ColumnSpec[];
  /** The path shown in messages (relative to the project), defaults to the file path. */
  display?: string;
  delimiter?: string;
  /** The source's `nulls`: the texts read as null in every column (default: null-tokens.ts). */
  nulls?: readonly string[];
  /** The file's text encoding (default UTF-8, whose invalid bytes are an error, never replaced). */
  encoding?: TextEncoding;
  /** The declared columns are all the file may hold (a source with a `schema` block); else others are inferred. */
  declaredOnly?: boolean;
  /** Bytes read per chunk; large chunks keep the parser in its hot loop. */
  chunkSize?: number;
  /** Stop after this many data rows (schema inference samples). */
  maxRows?: number;
  /** Byte ranges parsed at once (this thread plus workers); default: the CPUs, at most 4; 1 = this thread only. */
  threads?: number;
  /** Files with less data than this (bytes per range) are read on this thread alone. */
  minBytesPerThread?: number;
  /** The compiled csv-worker.js; null reads on this thread alone. Default: found next to this module. */
  workerUrl?: URL | null;
}

/** Reads a whole CSV file (header row first) into a table with the in-memory column forms. */
export async function readCsv(file: string, opts: CsvReadOptions = {}): Promise<ColumnTable> {
  return (await readCsvWithSchema(file, opts)).table;
}

/** A column typed from the sample met a value of another type: read again with it as text. */
class InferredMismatch extends MlcError {
  constructor(readonly column: string) {
    super("MLC2101", `inferred type of ${column} does not fit`, { details: { column } });
  }
}

const SAMPLE_ROWS = 2000;
const DEFAULT_CHUNK = 8 << 20;
const MIN_BYTES_PER_THREAD = 8 << 20;
/** The share of the data this thread parses, relative to each worker's. */
const FIRST_SHARE = 1.2;
/** How far past a cut point a line end is looked for. */
const CUT_WINDOW = 1 << 16;

/**
 * readCsv plus the schema applied: declared columns as declared, the others inferred (nullable).
 * Undeclared columns are typed from a sample of the first rows and parsed by typed sinks; a
 * later value that does not fit sends that column back to text inference in a second pass. With
 * `declaredOnly` there are none, and no sample is read.
 */
export async function readCsvWithSchema(
  file: string,
  opts: CsvReadOptions = {},
): Promise<{ table: ColumnTable; schema: ColumnSpec[]; ranges: number }> {
  const declared = new Map<string, ReadSpec>((opts.declared ?? []).map((c) => [c.name, c]));
  // Every column is declared (a source's `schema` block): there is nothing to type from a sample.
  if (opts.declaredOnly && opts.maxRows === undefined) return readPass(file, opts, declared);
  const sample = await readPass(
    file,
    { ...opts, maxRows: Math.min(opts.maxRows ?? Infinity, SAMPLE_ROWS) },
    declared,
  );
  if (sample.complete || (opts.maxRows !== undefined && opts.maxRows <= SAMPLE_ROWS)) return sample;
  const specs = new Map(declared);
  for (const c of sample.schema) {
    if (!declared.has(c.name) && c.type !== "string" && c.type !== "category")
      specs.set(c.name, { ...c, nullable: true, inferred: true });
  }
  for (;;) {
    try {
      return await readPass(file, opts, specs);
    } catch (e) {
      if (!(e instanceof InferredMismatch)) throw e;
      specs.delete(e.column);
    }
  }
}

interface Pass {
  table: ColumnTable;
  schema: ColumnSpec[];
  complete: boolean;
  /** Byte ranges the data was parsed in (1: this thread alone). */
  ranges: number;
}

async function readPass(
  file: string,
  opts: CsvReadOptions,
  declared: ReadonlyMap<string, ReadSpec>,
): Promise<Pass> {
  const display = opts.display ?? file;
  const delim = (opts.delimiter ?? ",").charCodeAt(0);
  const encoding = opts.encoding ?? "utf-8";
  const maxRows = opts.maxRows ?? Infinity;
  const chunk = opts.chunkSize ?? DEFAULT_CHUNK;
  const fh = await open(file, "r").catch((e: NodeJS.ErrnoException) => {
    throw new NodeFailure(`cannot read ${display}: ${e.code === "ENOENT" ? "no such file" : e.message}`, {
      code: "MLC2100",
    });
  });
  let names: string[] = [];
  let specs: (ReadSpec | undefined)[] = [];
  const problem = (p: Problem, rowOffset = 0, lineOffset = 0): Error => {
    const line = p.line + lineOffset,
      row = p.row + rowOffset;
    switch (p.kind) {
      case "unclosed":
        return new NodeFailure(`${display}:${line}: row ${row}: a quoted field is never closed`, {
          code: "MLC2102",
          details: { file: display, line, row },
        });
      case "after-quote":
        return new NodeFailure(`${display}:${line}: row ${row}: unexpected character after a closing quote`, {
          code: "MLC2102",
          details: { file: display, line, row },
        });
      case "fields":
        return new NodeFailure(
          `${display}:${line}: row ${row} has ${p.fields} fields, the header has ${names.length}`,
          { code: "MLC2102", details: { file: display, line, row } },
        );
      case "encoding": {
        const where = p.row === 0 ? "the header" : `row ${row}`;
        const column =
          names[p.column] === undefined
            ? `field ${p.column + 1}`
            : `column ${JSON.stringify(names[p.column])}`;
        return new NodeFailure(
          `${display}:${line}: ${where}, ${column}: "${p.value}" ${notUtf8Text(p.byte)}`,
          {
            code: "MLC2101",
            details: {
              file: display,
              line,
              row,
              ...(names[p.column] === undefined ? {} : { column: names[p.column]! }),
              value: p.value,
            },
          },
        );
      }
      case "value": {
        const spec = specs[p.column]!;
        if (spec.inferred) return new InferredMismatch(spec.name);
        const what =
          p.code === NULL_NOT_ALLOWED
            ? nullText(spec.type, p.value)
            : misfitText(spec.type, CODE_MISFIT[p.code]!);
        return new NodeFailure(
          `${display}:${line}: row ${row}, column "${spec.name}" (${spec.type}): ${JSON.stringify(p.value)} ${what}`,
          {
            code: "MLC2101",
            hint: "fix the value, or declare the column's type in the source's `schema` block",
            details: { file: display, line, row, column: spec.name, value: p.value },
          },
        );
      }
    }
  };
  const workers: Worker[] = [];
  try {
    // The header: read until its record is complete.
    let buf = Buffer.allocUnsafe(chunk);
    let have = 0,
      pos = 0,
      from = -1;
    let header: ReturnType<typeof readHeader>;
    for (;;) {
      if (have === buf.length) {
        const g = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(g, 0, 0, have);
        buf = g;
      }
      const { bytesRead } = await fh.read(buf, have, buf.length - have, pos);
      pos += bytesRead;
      have += bytesRead;
      if (from < 0)
        from =
          encoding === "utf-8" && have >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      try {
        header = readHeader(buf, from, have, bytesRead === 0, delim, nodeEncoding(encoding));
      } catch (e) {
        throw e instanceof CsvProblem ? problem(e.problem) : e;
      }
      if (header) break;
    }
    const bad = encoding === "utf-8" ? invalidUtf8At(buf, from, header.next) : -1;
    if (bad >= 0) {
      const at = locateField(buf, from, bad, delim);
      throw problem({
        kind: "encoding",
        row: 0,
        line: at.lines + 1,
        column: at.field,
        value: showBytes(buf, at.s, at.e),
        byte: buf[bad]!,
      });
    }
    if (header.names.length === 0)
      throw new NodeFailure(`${display}: the file is empty (a CSV needs a header row)`, { code: "MLC2100" });
    names = header.names;
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n))
        throw new NodeFailure(`${display}:1: column "${n}" appears twice in the header`, { code: "MLC2100" });
      seen.add(n);
    }
    for (const name of declared.keys()) {
      if (!seen.has(name))
        throw new NodeFailure(
          `${display}: declared column "${name}" is not in the file (columns: ${names.join(", ")})`,
          { code: "MLC2100" },
        );
    }
    if (opts.declaredOnly) {
      const failure = undeclaredColumnsFailure(names, [...declared.keys()], `${display}:${header.lines}`);
      if (failure) throw failure;
    }
    specs = names.map((n) => declared.get(n));
    buf.copy(buf, 0, header.next, have);
    have -= header.next;

    const parser = new RecordParser(specs, delim, encoding, maxRows, opts.nulls);
    parser.line = 1 + header.lines;
    const size = (await fh.stat()).size;
    const feed = new RangeFeed(fh, buf, have, pos, size);
    const cuts = maxRows === Infinity ? await cutPoints(fh, size, pos - have, opts, delim) : [];
    const jobs = cuts.map((start, k): RangeJob => ({
      file,
      specs,
      delim,
      encoding,
      ...(opts.nulls ? { nulls: opts.nulls } : {}),
      chunk,
      start,
      stop: cuts[k + 1],
    }));
    const url = jobs.length ? (opts.workerUrl === undefined ? defaultCsvWorkerUrl() : opts.workerUrl) : null;
    const results = url ? jobs.map((job) => runWorker(url, job, workers)) : [];

    let parts: ColumnPart[][] = [];
    // This thread's columns are sized for the whole file: the workers' rows are joined into them.
    let end = await feed.run(parser, results.length ? cuts[0] : undefined, size).catch((e: unknown) => {
      throw e instanceof CsvProblem ? problem(e.problem) : e;
    });
    let ranges = 1;
    if (end === "boundary") {
      // Each range's start is confirmed by the range before it ending exactly there.
      const done = await Promise.all(results);
      const later: { rows: number; parts: ColumnPart[] }[] = [];
      let rowOffset = parser.rows,
        lineOffset = parser.line - 1,
        confirmed = true;
      for (const r of done) {
        if (!confirmed || r === null || r.t === "no-boundary" || r.t === "failed") {
          confirmed = false;
          break;
        }
        if (r.t === "problem") throw problem(r.problem, rowOffset, lineOffset);
        later.push(r);
        rowOffset += r.rows;
        lineOffset += r.line - 1;
      }
      if (confirmed) {
        parts = parser.parts().map((p, j) => [p, ...later.map((r) => r.parts[j]!)]);
        ranges = 1 + later.length;
      } else end = "no-boundary";
    }
    if (end === "no-boundary") {
      for (const w of workers) void w.terminate();
      // A cut fell inside a record (or a worker could not run): this thread reads on.
      end = await feed.run(parser).catch((e: unknown) => {
        throw e instanceof CsvProblem ? problem(e.problem) : e;
      });
    }
    if (ranges === 1) parts = parser.parts().map((p) => [p]);
    const cols: Record<string, ColumnArray> = {};
    const schema: ColumnSpec[] = [];
    names.forEach((n, j) => {
      const { values, inferred } = joinParts(parts[j]!, !opts.nulls);
      cols[n] = values;
      const spec = declared.get(n);
      schema.push(
        spec
          ? { name: n, type: spec.type, nullable: spec.nullable }
          : { name: n, type: inferred!, nullable: true },
      );
    });
    return { table: aq.table(cols, names), schema, complete: end !== "stopped", ranges };
  } finally {
    // Workers that answered have ended; others (a problem or fallback here) are stopped.
    await Promise.all(workers.map((w) => w.terminate()));
    await fh.close();
  }
}

/**
 * Where the data (from `start`) is cut for the workers: just after a line end near each equal
 * share. Whether each cut is a record start is learnt only while parsing (quoted newlines).
 */
async function cutPoints(
  fh: FileHandle,
  size: number,
  start: number,
  opts: CsvReadOptions,
  delim: number,
): Promise<number[]> {
  const threads = Math.max(1, Math.floor(opts.threads ?? Math.min(4, availableParallelism())));
  const n = Math.min(threads, Math.floor((size - start) / (opts.minBytesPerThread ?? MIN_BYTES_PER_THREAD)));
  if (n < 2 || delim === 10 || delim === 13) return [];
  const cuts: number[] = [];
  const window = Buffer.allocUnsafe(CUT_WINDOW);
  for (let k = 1; k < n; k++) {
    // This thread's range is a little longer: a worker first starts up and compiles the parser.
    const at = start + Math.floor(((size - start) * (FIRST_SHARE + k - 1)) / (FIRST_SHARE + n - 1));
    const { bytesRead } = await fh.read(window, 0, CUT_WINDOW, at);
    const lf = window.subarray(0, bytesRead).indexOf(10);
    if (lf < 0) continue;
    const cut = at + lf + 1;
    if (cut < size && cut > (cuts.at(-1) ?? start)) cuts.push(cut);
  }
  return cuts;
}

/** The compiled worker next to this module, or (under vitest, running the .ts) in dist/. */
function defaultCsvWorkerUrl(): URL | null {
  return compiledWorkerUrl(import.meta.url, "csv-worker.js");
}

/** A worker's answer, or null when it could not run (the caller then reads that range itself). */
function runWorker(url: URL, job: RangeJob, workers: Worker[]): Promise<RangeResult | null> {
  return new Promise((resolve) => {
    const w = newWorker(url, job);
    if (!w) return resolve(null);
    workers.push(w);
    w.once("message", (m: RangeResult) => resolve(m));
    w.once("error", () => resolve(null));
    w.once("exit", () => {
      workers.splice(workers.indexOf(w), 1);
      resolve(null);
    });
  });
}
