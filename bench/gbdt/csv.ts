// A fast numeric CSV reader for the GBDT bench and its trainer CLI: reads the file in chunks,
// parses numbers straight from bytes into Float32 columns (empty field = NaN), label first.
// readNumericCsvParallel parses byte ranges (split at line starts) on worker threads
// (csv-worker.ts) into shared columns: the same values as the one-thread reader.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { Matrix } from "../../src/ml/matrix.js";

export interface LabelledData {
  X: Matrix;
  y: Float64Array;
}

const CHUNK = 1 << 24;

const POW10 = Array.from({ length: 23 }, (_, i) => Math.pow(10, i));

interface Layout {
  nRows: number;
  names: string[];
  nFeat: number;
  size: number;
  lastByte: number;
  /** Range t of `parts`: bytes [cuts[t].byte, cuts[t+1].byte), first data row cuts[t].row. */
  cuts: { byte: number; row: number }[];
}

/** Pass 1: lines, the first line's fields, and `parts` byte ranges that start at line starts. */
function scan(path: string, header: boolean, parts: number): Layout {
  let lines = 0;
  let lastByte = 10;
  let firstLine = "";
  let firstDone = false;
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  const targets = Array.from({ length: parts - 1 }, (_, t) => Math.floor((size * (t + 1)) / parts));
  const found: { byte: number; lines: number }[] = [];
  // A small file gets a buffer its size: zeroing (and searching) a whole chunk costs more than the parse.
  const buf = new Uint8Array(Math.max(1, Math.min(CHUNK, size)));
  let pos = 0;
  try {
    for (;;) {
      const len = readSync(fd, buf, 0, buf.length, null);
      if (len <= 0) break;
      for (let i = buf.indexOf(10); i >= 0 && i < len; i = buf.indexOf(10, i + 1)) {
        lines++;
        // The first line start at or after each target byte.
        while (found.length < targets.length && pos + i + 1 >= targets[found.length]!)
          found.push({ byte: pos + i + 1, lines });
      }
      if (!firstDone) {
        const nl = buf.subarray(0, len).indexOf(10);
        firstLine += new TextDecoder().decode(buf.subarray(0, nl < 0 ? len : nl));
        firstDone = nl >= 0;
      }
      lastByte = buf[len - 1]!;
      pos += len;
    }
  } finally {
    closeSync(fd);
  }
  if (lastByte !== 10) lines++;
  const fields = firstLine.replace(/\r$/, "").split(",");
  const nCols = fields.length;
  const skip = header ? 1 : 0;
  const names = header
    ? fields.slice(1).map((s) => s.trim())
    : Array.from({ length: nCols - 1 }, (_, j) => `x${j}`);
  const cuts = [{ byte: 0, row: 0 }];
  for (const f of found) cuts.push({ byte: Math.min(f.byte, size), row: Math.max(0, f.lines - skip) });
  while (cuts.length < parts) cuts.push({ byte: size, row: lines - skip });
  cuts.push({ byte: size, row: lines - skip });
  return { nRows: lines - skip, names, nFeat: nCols - 1, size, lastByte, cuts };
}

/** What one parse of a byte range needs (columns may be shared with other threads). */
export interface RangeJob {
  path: string;
  from: number;
  to: number;
  /** Row index of the first line in the range (−1 when that line is the header). */
  row0: number;
  nRows: number;
  /** Whether the range ends the file without a final newline (its last field is flushed). */
  flush: boolean;
  y: Float64Array;
  columns: Float32Array[];
}

/**
 * Pass 2 over bytes [from, to): a byte-level state machine that survives chunk boundaries. All
 * state lives in locals of this function (no closures), which keeps V8's hot loop in registers.
 */
export function parseRange(j: RangeJob): void {
  const { y, columns, nRows } = j;
  let row = j.row0;
  let col = 0;
  let mant = 0;
  let digits = 0;
  let fracDigits = 0;
  let inFrac = false;
  let neg = false;
  let inExp = false;
  let expNeg = false;
  let exp = 0;
  let bad = false;
  const nFeat = columns.length;
  let target: Float32Array | Float64Array = y;
  const fd = openSync(j.path, "r");
  const buf = new Uint8Array(Math.max(1, Math.min(CHUNK, j.to - j.from)));
  let pos = j.from;
  try {
    for (;;) {
      const len = pos < j.to ? readSync(fd, buf, 0, Math.min(buf.length, j.to - pos), pos) : 0;
      pos += Math.max(0, len);
      const last = len <= 0;
      const end = last ? (j.flush ? 1 : 0) : len;
      if (last && j.flush) buf[0] = 10;
      for (let i = 0; i < end; i++) {
        const c = buf[i]!;
        if (c >= 48 && c <= 57) {
          if (inExp) exp = exp * 10 + (c - 48);
          else {
            mant = mant * 10 + (c - 48);
            digits++;
            if (inFrac) fracDigits++;
          }
        } else if (c === 44 || c === 10) {
          if (row >= 0 && row < nRows && col <= nFeat) {
            let v = NaN;
            if (!bad && digits > 0) {
              const e = (expNeg ? -exp : exp) - fracDigits;
              v =
                e === 0
                  ? mant
                  : e > 0
                    ? mant * (e < 23 ? POW10[e]! : Math.pow(10, e))
                    : -e < 23
                      ? mant / POW10[-e]!
                      : mant * Math.pow(10, e);
              if (neg) v = -v;
            }
            target[row] = v;
          }
          mant = 0;
          digits = 0;
          fracDigits = 0;
          inFrac = false;
          neg = false;
          inExp = false;
          expNeg = false;
          exp = 0;
          bad = false;
          if (c === 44) col++;
          else {
            col = 0;
            row++;
          }
          target = col === 0 ? y : col <= nFeat ? columns[col - 1]! : y;
        } else if (c === 46) inFrac = true;
        else if (c === 45) {
          if (inExp) expNeg = true;
          else neg = true;
        } else if (c === 101 || c === 69) inExp = true;
        else if (c !== 13 && c !== 32 && c !== 43 && c !== 34) bad = true;
      }
      if (last) break;
    }
  } finally {
    closeSync(fd);
  }
}

function jobs(
  path: string,
  header: boolean,
  l: Layout,
  y: Float64Array,
  columns: Float32Array[],
): RangeJob[] {
  return l.cuts.slice(0, -1).map((c, t) => ({
    path,
    from: c.byte,
    to: l.cuts[t + 1]!.byte,
    row0: t === 0 && header ? -1 : c.row,
    nRows: l.nRows,
    flush: l.cuts[t + 1]!.byte === l.size && l.lastByte !== 10 && c.byte < l.size,
    y,
    columns,
  }));
}

/** Reads a numeric CSV whose first column is the label; `header` skips (and names columns from) the first line. */
export function readNumericCsv(path: string, header: boolean): LabelledData {
  const l = scan(path, header, 1);
  const y = new Float64Array(l.nRows);
  const columns = Array.from({ length: l.nFeat }, () => new Float32Array(l.nRows));
  for (const j of jobs(path, header, l, y, columns)) parseRange(j);
  return { X: { nRows: l.nRows, columns, names: l.names }, y };
}

/**
 * readNumericCsv on `threads` threads (this one and threads − 1 workers running csv-worker.js),
 * each parsing a byte range that starts at a line start; the columns are SharedArrayBuffers.
 */
export async function readNumericCsvParallel(
  path: string,
  header: boolean,
  threads: number,
): Promise<LabelledData> {
  const l = scan(path, header, Math.max(1, threads));
  const y = new Float64Array(new SharedArrayBuffer(8 * l.nRows));
  const columns = Array.from({ length: l.nFeat }, () => new Float32Array(new SharedArrayBuffer(4 * l.nRows)));
  const [own, ...rest] = jobs(path, header, l, y, columns);
  const url = new URL("./csv-worker.js", import.meta.url);
  const done = rest.map(
    (job) =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(url, { workerData: job });
        w.once("error", reject);
        w.once("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`csv worker exited with ${code}`)),
        );
      }),
  );
  parseRange(own!);
  await Promise.all(done);
  return { X: { nRows: l.nRows, columns, names: l.names }, y };
}
