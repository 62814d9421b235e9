// Streaming CSV reader: a byte-level parser over large Buffer chunks that writes straight into
// typed-array columns, applying the declared schema while reading; other columns are inferred.
import { open } from "node:fs/promises";
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { NodeFailure } from "../runtime/executor.js";
import { type ColumnSpec, type ColumnType, parseValue } from "./column-type.js";
import { type ColumnArray, convertText, inferTextType } from "./infer-column.js";

export interface CsvReadOptions {
  /** Declared columns (by name); columns of the file not declared here are inferred. */
  declared?: readonly ColumnSpec[];
  /** The path shown in messages (relative to the project), defaults to the file path. */
  display?: string;
  delimiter?: string;
  /** Bytes read per chunk; large chunks keep the parser in its hot loop. */
  chunkSize?: number;
  /** Stop after this many data rows (schema inference samples). */
  maxRows?: number;
}

const QUOTE = 34, LF = 10, CR = 13;
const OK = 0, BAD = 1, NULL_NOT_ALLOWED = 2;

/** One column being filled; `push` returns OK, BAD or NULL_NOT_ALLOWED. */
interface Sink {
  push(b: Buffer, s: number, e: number, esc: boolean): number;
  finish(): ColumnArray;
}

function fieldText(b: Buffer, s: number, e: number, esc: boolean): string {
  const t = b.toString("utf8", s, e);
  return esc ? t.replaceAll('""', '"') : t;
}

class NumberSink implements Sink {
  private a = new Float64Array(1024);
  private n = 0;
  constructor(private readonly isInt: boolean, private readonly nullable: boolean) {}

  push(b: Buffer, s: number, e: number, esc: boolean): number {
    if (this.n === this.a.length) {
      const g = new Float64Array(this.a.length * 2);
      g.set(this.a);
      this.a = g;
    }
    if (s === e) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.a[this.n++] = NaN;
      return OK;
    }
    // Fast path: [-+]digits[.digits] with at most 15 digits is exact as m / 10^k (one rounding).
    let i = s, neg = false, c = b[i]!;
    if (c === 45) { neg = true; i++; } else if (c === 43) i++;
    let m = 0, nd = 0, scale = 1;
    while (i < e) { c = b[i]! - 48; if (c < 0 || c > 9) break; m = m * 10 + c; nd++; i++; }
    if (i < e && b[i] === 46) {
      i++;
      while (i < e) { c = b[i]! - 48; if (c < 0 || c > 9) break; m = m * 10 + c; nd++; scale *= 10; i++; }
    }
    let v: number;
    if (i === e && nd > 0 && nd <= 15) v = (neg ? -m : m) / scale;
    else {
      const p = parseValue(fieldText(b, s, e, esc), this.isInt ? "int" : "float");
      if (!p.ok) return BAD;
      if (p.value === null) {
        if (!this.nullable) return NULL_NOT_ALLOWED;
        v = NaN;
      } else v = p.value as number;
    }
    if (this.isInt && !Number.isInteger(v) && !Number.isNaN(v)) return BAD;
    this.a[this.n++] = v;
    return OK;
  }

  finish(): ColumnArray {
    // Sharing the buffer avoids a copy of the whole column; copy only when much is unused.
    return this.n * 4 >= this.a.length * 3 ? this.a.subarray(0, this.n) : this.a.slice(0, this.n);
  }
}

/**
 * Category columns repeat a few values: intern them by their bytes (FNV-1a hash, then a byte
 * comparison), so a value's string is made once, not once per row.
 */
class CategorySink implements Sink {
  private readonly a: (string | null)[] = [];
  private readonly byHash = new Map<number, { bytes: Buffer; value: string }[]>();
  constructor(private readonly nullable: boolean) {}

  push(b: Buffer, s: number, e: number, esc: boolean): number {
    if (s === e) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.a.push(null);
      return OK;
    }
    if (esc) {
      this.a.push(fieldText(b, s, e, esc));
      return OK;
    }
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 16777619);
    let bucket = this.byHash.get(h);
    if (bucket) {
      const len = e - s;
      outer: for (const c of bucket) {
        if (c.bytes.length !== len) continue;
        for (let i = 0; i < len; i++) if (c.bytes[i] !== b[s + i]) continue outer;
        this.a.push(c.value);
        return OK;
      }
    } else this.byHash.set(h, (bucket = []));
    const value = b.toString("utf8", s, e);
    if (bucket.length < 8) bucket.push({ bytes: Buffer.from(b.subarray(s, e)), value });
    this.a.push(value);
    return OK;
  }

  finish(): ColumnArray {
    return this.a;
  }
}

/** Booleans decided from their bytes (true/false, yes/no, t/f, y/n, 1/0, any case). */
class BoolSink implements Sink {
  private readonly a: (boolean | null)[] = [];
  constructor(private readonly nullable: boolean) {}

  push(b: Buffer, s: number, e: number, esc: boolean): number {
    if (s === e) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.a.push(null);
      return OK;
    }
    const len = e - s;
    const c = b[s]! | 0x20; // lower-case ASCII
    if (len <= 5 && !esc) {
      const word = b.toString("latin1", s, e).toLowerCase();
      if (c === 0x74 || c === 0x79 || b[s] === 0x31) {
        if (word === "true" || word === "t" || word === "yes" || word === "y" || word === "1") { this.a.push(true); return OK; }
      } else if (word === "false" || word === "f" || word === "no" || word === "n" || word === "0") { this.a.push(false); return OK; }
    }
    const p = parseValue(fieldText(b, s, e, esc), "bool");
    if (!p.ok) return BAD;
    this.a.push(p.value as boolean | null);
    return OK;
  }

  finish(): ColumnArray {
    return this.a;
  }
}

class ValueSink implements Sink {
  private readonly a: (string | boolean | Date | null)[] = [];
  constructor(private readonly type: ColumnType, private readonly nullable: boolean) {}

  push(b: Buffer, s: number, e: number, esc: boolean): number {
    if (s === e) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.a.push(null);
      return OK;
    }
    const text = fieldText(b, s, e, esc);
    if (this.type === "string" || this.type === "category") {
      this.a.push(text);
      return OK;
    }
    const p = parseValue(text, this.type);
    if (!p.ok) return BAD;
    if (p.value === null && !this.nullable) return NULL_NOT_ALLOWED;
    this.a.push(p.value as boolean | Date | null);
    return OK;
  }

  finish(): ColumnArray {
    return this.a as ColumnArray;
  }
}

/** Undeclared columns keep their text; the type is inferred once the whole column is known. */
class TextSink implements Sink {
  readonly a: (string | null)[] = [];
  inferred: ColumnType = "string";
  push(b: Buffer, s: number, e: number, esc: boolean): number {
    this.a.push(s === e ? null : fieldText(b, s, e, esc));
    return OK;
  }
  finish(): ColumnArray {
    this.inferred = inferTextType(this.a);
    return convertText(this.a, this.inferred);
  }
}

function sinkFor(spec: ColumnSpec | undefined): Sink {
  if (!spec) return new TextSink();
  if (spec.type === "int" || spec.type === "float") return new NumberSink(spec.type === "int", spec.nullable);
  if (spec.type === "category") return new CategorySink(spec.nullable);
  if (spec.type === "bool") return new BoolSink(spec.nullable);
  return new ValueSink(spec.type, spec.nullable);
}

const TYPE_WORD: Record<ColumnType, string> = {
  int: "an int", float: "a float", bool: "a bool (true/false, yes/no, 1/0)", string: "a string",
  category: "a category", timestamp: "a timestamp (ISO 8601, e.g. 2024-01-31 or 2024-01-31T12:00:00Z)",
};

/** Reads a whole CSV file (header row first) into a table with the in-memory column forms. */
export async function readCsv(file: string, opts: CsvReadOptions = {}): Promise<ColumnTable> {
  return (await readCsvWithSchema(file, opts)).table;
}

/** A column typed from the sample met a value of another type: read again with it as text. */
class InferredMismatch extends Error {
  constructor(readonly column: string) {
    super(`inferred type of ${column} does not fit`);
  }
}

type ReadSpec = ColumnSpec & { inferred?: boolean };
const SAMPLE_ROWS = 2000;

/**
 * readCsv plus the schema applied: declared columns as declared, the others inferred (nullable).
 * Undeclared columns are typed from a sample of the first rows and parsed by typed sinks; a
 * later value that does not fit sends that column back to text inference in a second pass.
 */
export async function readCsvWithSchema(file: string, opts: CsvReadOptions = {}): Promise<{ table: ColumnTable; schema: ColumnSpec[] }> {
  const declared = new Map<string, ReadSpec>((opts.declared ?? []).map((c) => [c.name, c]));
  const sample = await readPass(file, { ...opts, maxRows: Math.min(opts.maxRows ?? Infinity, SAMPLE_ROWS) }, declared);
  if (sample.complete || (opts.maxRows !== undefined && opts.maxRows <= SAMPLE_ROWS)) return sample;
  const specs = new Map(declared);
  for (const c of sample.schema) {
    if (!declared.has(c.name) && c.type !== "string" && c.type !== "category") specs.set(c.name, { ...c, nullable: true, inferred: true });
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

async function readPass(file: string, opts: CsvReadOptions, declared: ReadonlyMap<string, ReadSpec>): Promise<{ table: ColumnTable; schema: ColumnSpec[]; complete: boolean }> {
  const display = opts.display ?? file;
  const delim = (opts.delimiter ?? ",").charCodeAt(0);
  const maxRows = opts.maxRows ?? Infinity;
  const fh = await open(file, "r").catch((e: NodeJS.ErrnoException) => {
    throw new NodeFailure(`cannot read ${display}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  });
  let names: string[] | undefined;
  let sinks: Sink[] = [];
  let rows = 0;
  let stopped = false;
  let line = 1; // file line where the current record starts
  // Field offsets of the record being parsed: committed only once the record is complete,
  // so a record cut by a chunk boundary is parsed again from its start.
  let starts = new Int32Array(64), ends = new Int32Array(64);
  let escs = new Uint8Array(64);

  const fail = (b: Buffer, j: number, code: number): never => {
    const spec = declared.get(names![j]!)!;
    if (spec.inferred) throw new InferredMismatch(spec.name);
    const value = fieldText(b, starts[j]!, ends[j]!, escs[j] === 1);
    const what = code === NULL_NOT_ALLOWED
      ? "is empty but the column is not nullable (declare it nullable(" + spec.type + "))"
      : `is not ${TYPE_WORD[spec.type]}`;
    throw new NodeFailure(`${display}:${line}: row ${rows + 1}, column "${spec.name}" (${spec.type}): ${JSON.stringify(value)} ${what}`, {
      file: display, line, row: rows + 1, column: spec.name, value,
    });
  };

  const commit = (b: Buffer, nf: number): void => {
    if (!names) {
      names = [];
      for (let j = 0; j < nf; j++) names.push(fieldText(b, starts[j]!, ends[j]!, escs[j] === 1).trim());
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(n)) throw new NodeFailure(`${display}:1: column "${n}" appears twice in the header`);
        seen.add(n);
      }
      for (const name of declared.keys()) {
        if (!seen.has(name)) throw new NodeFailure(`${display}: declared column "${name}" is not in the file (columns: ${names.join(", ")})`);
      }
      sinks = names.map((n) => sinkFor(declared.get(n)));
      return;
    }
    if (nf !== names.length) {
      throw new NodeFailure(`${display}:${line}: row ${rows + 1} has ${nf} fields, the header has ${names.length}`, { file: display, line, row: rows + 1 });
    }
    for (let j = 0; j < nf; j++) {
      const code = sinks[j]!.push(b, starts[j]!, ends[j]!, escs[j] === 1);
      if (code !== OK) fail(b, j, code);
    }
    rows++;
  };

  /** Parses complete records in b[from, end); returns where the unconsumed tail starts. */
  const parse = (b: Buffer, from: number, end: number, eof: boolean): number => {
    let i = from;
    while (i < end && rows < maxRows) {
      const recStart = i;
      let nf = 0, quotedLines = 0;
      for (;;) {
        let fs: number, fe: number, esc = 0;
        if (b[i] === QUOTE && i < end) {
          i++;
          fs = i;
          for (;;) {
            if (i >= end) {
              if (!eof) return recStart;
              throw new NodeFailure(`${display}:${line}: row ${rows + 1}: a quoted field is never closed`);
            }
            const c = b[i]!;
            if (c === QUOTE) {
              if (i + 1 >= end && !eof) return recStart;
              if (b[i + 1] === QUOTE) { esc = 1; i += 2; continue; }
              break;
            }
            if (c === LF) quotedLines++;
            i++;
          }
          fe = i;
          i++;
        } else {
          fs = i;
          while (i < end) {
            const c = b[i]!;
            if (c === delim || c === LF || c === CR) break;
            i++;
          }
          fe = i;
          if (i >= end && !eof) return recStart;
        }
        if (nf === starts.length) {
          const grow = <T extends Int32Array | Uint8Array>(a: T): T => { const g = new (a.constructor as new (n: number) => T)(a.length * 2); g.set(a); return g; };
          starts = grow(starts); ends = grow(ends); escs = grow(escs);
        }
        starts[nf] = fs; ends[nf] = fe; escs[nf] = esc; nf++;
        if (i >= end) break; // end of file
        const c = b[i]!;
        if (c === delim) { i++; if (i >= end && !eof) return recStart; continue; }
        if (c === CR) {
          if (i + 1 >= end && !eof) return recStart;
          i++;
          if (b[i] === LF) i++;
          break;
        }
        if (c === LF) { i++; break; }
        throw new NodeFailure(`${display}:${line + quotedLines}: row ${rows + 1}: unexpected character after a closing quote`);
      }
      const blank = nf === 1 && starts[0] === ends[0] && b[recStart] !== QUOTE;
      if (!blank) commit(b, nf);
      line += 1 + quotedLines;
    }
    return rows >= maxRows ? end : i;
  };

  try {
    const chunk = opts.chunkSize ?? 8 << 20;
    let buf = Buffer.allocUnsafe(chunk);
    let have = 0;
    let first = true;
    for (;;) {
      if (have === buf.length) {
        const g = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(g, 0, 0, have);
        buf = g;
      }
      const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
      const eof = bytesRead === 0;
      const end = have + bytesRead;
      let from = 0;
      if (first && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
      first = false;
      const next = parse(buf, from, end, eof);
      if (eof) break;
      if (rows >= maxRows) {
        stopped = true;
        break;
      }
      buf.copy(buf, 0, next, end);
      have = end - next;
    }
  } finally {
    await fh.close();
  }
  if (!names) throw new NodeFailure(`${display}: the file is empty (a CSV needs a header row)`);
  const cols: Record<string, ColumnArray> = {};
  const schema: ColumnSpec[] = [];
  names.forEach((n, j) => {
    const sink = sinks[j]!;
    cols[n] = sink.finish();
    const spec = declared.get(n);
    schema.push(spec ? { name: n, type: spec.type, nullable: spec.nullable } : { name: n, type: (sink as TextSink).inferred, nullable: true });
  });
  return { table: aq.table(cols, names), schema, complete: !stopped };
}
