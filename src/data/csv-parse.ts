// The byte-level CSV record parser shared by the reader and its worker thread: each field is
// parsed straight from the Buffer into its column while it is scanned (one pass over the bytes).
// No I/O and no threads here; problems are thrown as plain data (CsvProblem) for the reader to word.
import { type ColumnSpec, type ColumnType, type Misfit, parseValue } from "./column-type.js";
import { type ColumnArray, convertText, inferTextType } from "./infer-column.js";
import {
  type TextEncoding,
  invalidUtf8At,
  nodeEncoding,
  showBytes,
  utf8CompleteEnd,
} from "./text-encoding.js";
import { DEFAULT_NULLS, NullTokens, nullTokensFor } from "./null-tokens.js";
import { MlcError } from "../ir/errors.js";

const QUOTE = 34,
  LF = 10,
  CR = 13;
export const OK = 0,
  BAD = 1,
  NULL_NOT_ALLOWED = 2,
  INT_RANGE = 3,
  FLOAT_RANGE = 4;

/** The Misfit behind each code a column returns for a value that does not fit. */
export const CODE_MISFIT: Record<number, Misfit> = {
  [BAD]: "syntax",
  [INT_RANGE]: "int-range",
  [FLOAT_RANGE]: "float-range",
};
const MISFIT_CODE: Record<Misfit, number> = {
  syntax: BAD,
  "int-range": INT_RANGE,
  "float-range": FLOAT_RANGE,
};

/** A column as read: declared, or typed from the sample (`inferred`: a misfit means "read it as text"). */
export type ReadSpec = ColumnSpec & { inferred?: boolean };

/** What went wrong, with the row (1-based) and file line counted from where the parsed range starts. */
export type Problem =
  | { kind: "value"; row: number; line: number; column: number; value: string; code: number }
  | { kind: "fields"; row: number; line: number; fields: number }
  | { kind: "unclosed"; row: number; line: number }
  | { kind: "after-quote"; row: number; line: number }
  /** Bytes that are not UTF-8 in field `column` (row 0: the header); `value` shows them as \xNN. */
  | { kind: "encoding"; row: number; line: number; column: number; value: string; byte: number };

export class CsvProblem extends MlcError {
  constructor(readonly problem: Problem) {
    super("MLC2102", `CSV ${problem.kind} problem at line ${problem.line}`, { details: { ...problem } });
  }
}

export function fieldText(b: Buffer, s: number, e: number, esc: boolean, enc: BufferEncoding): string {
  const t = b.toString(enc, s, e);
  return esc ? t.replaceAll('""', '"') : t;
}

/**
 * The rows of one column from one parsed range, in a form that crosses threads cheaply
 * (typed arrays are transferred; categories travel as codes into a small dictionary).
 */
export type ColumnPart =
  | { t: "num"; v: Float64Array }
  | { t: "cat"; codes: Int32Array; dict: string[] }
  | { t: "bool"; v: Uint8Array }
  | { t: "values"; v: (string | Date | null)[] }
  | { t: "text"; v: (string | null)[] };

/** One column being filled at row indexes (a record cut by the end of the bytes is written again). */
interface Column {
  grow(cap: number): void;
  /** The field's bytes [s, e) (esc: it holds doubled quotes) as row r; OK, BAD or NULL_NOT_ALLOWED. */
  set(b: Buffer, s: number, e: number, esc: boolean, r: number): number;
  part(rows: number): ColumnPart;
}

class NumberColumn implements Column {
  a = new Float64Array(0);
  constructor(
    readonly isInt: boolean,
    readonly nullable: boolean,
    readonly enc: BufferEncoding,
    readonly nulls: NullTokens | null,
  ) {}
  grow(cap: number): void {
    const g = new Float64Array(cap);
    g.set(this.a);
    this.a = g;
  }
  set(b: Buffer, s: number, e: number, esc: boolean, r: number): number {
    if (s === e || (this.nulls !== null && this.nulls.has(b, s, e))) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.a[r] = NaN;
      return OK;
    }
    // [-+]digits[.digits] with at most 15 digits is exact as m / 10^k (one rounding), as Number() gives,
    // and well inside the ranges parseValue checks (exact ints, float32).
    let i = s,
      neg = false,
      c = b[i]!;
    if (c === 45) {
      neg = true;
      i++;
    } else if (c === 43) i++;
    let m = 0,
      nd = 0,
      scale = 1;
    while (i < e) {
      c = b[i]! - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      nd++;
      i++;
    }
    if (i < e && b[i] === 46) {
      i++;
      while (i < e) {
        c = b[i]! - 48;
        if (c < 0 || c > 9) break;
        m = m * 10 + c;
        nd++;
        scale *= 10;
        i++;
      }
    }
    let v: number;
    if (i === e && nd > 0 && nd <= 15) v = (neg ? -m : m) / scale;
    else {
      const p = parseValue(fieldText(b, s, e, esc, this.enc), this.isInt ? "int" : "float");
      if (p.ok === false) return MISFIT_CODE[p.why];
      if (p.value === null) {
        if (!this.nullable) return NULL_NOT_ALLOWED;
        v = NaN;
      } else v = p.value as number;
    }
    if (this.isInt && !Number.isInteger(v) && !Number.isNaN(v)) return BAD;
    this.a[r] = v;
    return OK;
  }
  part(rows: number): ColumnPart {
    // The spare room stays: a later range may be joined into it (joinParts trims).
    return { t: "num", v: this.a.subarray(0, rows) };
  }
}

/** Distinct values a category column interns; past this it keeps plain strings (IDs and the like). */
const MAX_DICT = 4096;

/** Slots of a category column's hash table: a power of two, at least twice MAX_DICT. */
const SLOTS = 8192;

/**
 * Category columns repeat a few values: they are interned by their bytes (FNV-1a hash into an
 * open-addressing table, then a byte comparison) into codes, so a value's string is made once,
 * not once per row.
 */
class CategoryColumn implements Column {
  codes = new Int32Array(0);
  readonly dict: string[] = [];
  /** Set once the column has more distinct values than MAX_DICT: rows as strings from then on. */
  private strings: (string | null)[] | undefined;
  /** The bytes of each code's value (values read unquoted). */
  private readonly bytes: Uint8Array[] = [];
  private readonly slotHash = new Int32Array(SLOTS);
  /** Code + 1 in each slot; 0 = empty. */
  private readonly slotCode = new Int32Array(SLOTS);
  private readonly byText = new Map<string, number>();
  constructor(
    readonly nullable: boolean,
    readonly enc: BufferEncoding,
    readonly nulls: NullTokens | null,
  ) {}
  grow(cap: number): void {
    if (this.strings) return;
    const g = new Int32Array(cap);
    g.set(this.codes);
    this.codes = g;
  }
  private toStrings(r: number): (string | null)[] {
    const out = new Array<string | null>(r);
    for (let i = 0; i < r; i++) out[i] = this.codes[i]! < 0 ? null : this.dict[this.codes[i]!]!;
    this.codes = new Int32Array(0);
    return (this.strings = out);
  }
  private put(code: number, text: string | null, r: number): void {
    if (this.strings) this.strings[r] = text;
    else this.codes[r] = code;
  }
  /** Unquoted bytes [s, e) whose FNV-1a hash the scanner computed on the way. */
  setHashed(b: Buffer, s: number, e: number, h: number, r: number): number {
    if (s === e || (this.nulls !== null && this.nulls.has(b, s, e))) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.put(-1, null, r);
      return OK;
    }
    const len = e - s,
      slotHash = this.slotHash,
      slotCode = this.slotCode;
    let at = h & (SLOTS - 1);
    probe: for (;;) {
      const c1 = slotCode[at]!;
      if (c1 === 0) break;
      if (slotHash[at] === h) {
        const v = this.bytes[c1 - 1]!;
        if (v.length === len) {
          for (let i = 0; i < len; i++)
            if (v[i] !== b[s + i]) {
              at = (at + 1) & (SLOTS - 1);
              continue probe;
            }
          this.put(c1 - 1, this.dict[c1 - 1]!, r);
          return OK;
        }
      }
      at = (at + 1) & (SLOTS - 1);
    }
    const text = b.toString(this.enc, s, e);
    if (this.dict.length >= MAX_DICT) {
      (this.strings ?? this.toStrings(r))[r] = text;
      return OK;
    }
    const code = this.dict.push(text) - 1;
    this.bytes[code] = new Uint8Array(b.subarray(s, e)); // a copy: the buffer is reused
    slotHash[at] = h;
    slotCode[at] = code + 1;
    this.put(code, text, r);
    return OK;
  }
  set(b: Buffer, s: number, e: number, esc: boolean, r: number): number {
    if (esc) {
      const text = fieldText(b, s, e, esc, this.enc);
      if (this.nulls !== null && this.nulls.texts.includes(text)) {
        if (!this.nullable) return NULL_NOT_ALLOWED;
        this.put(-1, null, r);
        return OK;
      }
      let code = this.byText.get(text);
      if (code === undefined && this.dict.length < MAX_DICT) {
        code = this.dict.push(text) - 1;
        this.byText.set(text, code);
      }
      if (code === undefined) (this.strings ?? this.toStrings(r))[r] = text;
      else this.put(code, text, r);
      return OK;
    }
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 16777619);
    return this.setHashed(b, s, e, h, r);
  }
  part(rows: number): ColumnPart {
    if (this.strings) {
      this.strings.length = rows;
      return { t: "values", v: this.strings };
    }
    // A view, not a copy (4 bytes a row of fresh memory); a worker transfers the whole buffer.
    return { t: "cat", codes: this.codes.subarray(0, rows), dict: this.dict };
  }
}

const BOOL_NULL = 2;

/** true/false, yes/no, t/f, y/n, 1/0 in any ASCII case, decided from the bytes: 1, 0, or -1 for anything else. */
function boolWord(b: Buffer, s: number, len: number): number {
  const c = b[s]! | 0x20;
  switch (len) {
    case 1:
      if (c === 0x74 || c === 0x79 || b[s] === 0x31) return 1; // t y 1
      if (c === 0x66 || c === 0x6e || b[s] === 0x30) return 0; // f n 0
      return -1;
    case 2:
      return c === 0x6e && (b[s + 1]! | 0x20) === 0x6f ? 0 : -1; // no
    case 3:
      return c === 0x79 && (b[s + 1]! | 0x20) === 0x65 && (b[s + 2]! | 0x20) === 0x73 ? 1 : -1; // yes
    case 4:
      return c === 0x74 &&
        (b[s + 1]! | 0x20) === 0x72 &&
        (b[s + 2]! | 0x20) === 0x75 &&
        (b[s + 3]! | 0x20) === 0x65
        ? 1
        : -1; // true
    case 5:
      return c === 0x66 &&
        (b[s + 1]! | 0x20) === 0x61 &&
        (b[s + 2]! | 0x20) === 0x6c &&
        (b[s + 3]! | 0x20) === 0x73 &&
        (b[s + 4]! | 0x20) === 0x65
        ? 0
        : -1; // false
    default:
      return -1;
  }
}

/** Booleans as bytes: 0 false, 1 true, 2 null. */
class BoolColumn implements Column {
  v = new Uint8Array(0);
  constructor(
    readonly nullable: boolean,
    readonly enc: BufferEncoding,
    readonly nulls: NullTokens | null,
  ) {}
  grow(cap: number): void {
    const g = new Uint8Array(cap);
    g.set(this.v);
    this.v = g;
  }
  set(b: Buffer, s: number, e: number, esc: boolean, r: number): number {
    if (s === e || (this.nulls !== null && this.nulls.has(b, s, e))) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.v[r] = BOOL_NULL;
      return OK;
    }
    const w = esc ? -1 : boolWord(b, s, e - s);
    if (w >= 0) {
      this.v[r] = w;
      return OK;
    }
    const p = parseValue(fieldText(b, s, e, esc, this.enc), "bool");
    if (!p.ok) return BAD;
    this.v[r] = p.value === null ? BOOL_NULL : p.value ? 1 : 0;
    return OK;
  }
  part(rows: number): ColumnPart {
    return { t: "bool", v: this.v.subarray(0, rows) };
  }
}

/** Declared string and timestamp columns. */
class ValueColumn implements Column {
  readonly a: (string | Date | null)[] = [];
  constructor(
    readonly type: ColumnType,
    readonly nullable: boolean,
    readonly enc: BufferEncoding,
    readonly nulls: NullTokens | null,
  ) {}
  grow(): void {}
  set(b: Buffer, s: number, e: number, esc: boolean, r: number): number {
    if (s === e || (this.nulls !== null && this.nulls.has(b, s, e))) {
      if (!this.nullable) return NULL_NOT_ALLOWED;
      this.a[r] = null;
      return OK;
    }
    const text = fieldText(b, s, e, esc, this.enc);
    if (this.type === "string" || this.type === "category") {
      this.a[r] = text;
      return OK;
    }
    const p = parseValue(text, this.type);
    if (p.ok === false) return MISFIT_CODE[p.why];
    if (p.value === null && !this.nullable) return NULL_NOT_ALLOWED;
    this.a[r] = p.value as Date | null;
    return OK;
  }
  part(rows: number): ColumnPart {
    this.a.length = rows;
    return { t: "values", v: this.a };
  }
}

/** Undeclared columns keep their text; the type is inferred once the whole column is known. */
class TextColumn implements Column {
  readonly a: (string | null)[] = [];
  constructor(
    readonly enc: BufferEncoding,
    readonly nulls: NullTokens | null,
  ) {}
  grow(): void {}
  set(b: Buffer, s: number, e: number, esc: boolean, r: number): number {
    this.a[r] =
      s === e || (this.nulls !== null && this.nulls.has(b, s, e)) ? null : fieldText(b, s, e, esc, this.enc);
    return OK;
  }
  part(rows: number): ColumnPart {
    this.a.length = rows;
    return { t: "text", v: this.a };
  }
}

// How the scanner treats a column's unquoted fields.
const K_OTHER = 0,
  K_NUM = 1,
  K_CAT = 2,
  K_BOOL = 3,
  K_EXTRA = 4;

function columnFor(
  spec: ReadSpec | undefined,
  enc: BufferEncoding,
  declaredNulls?: readonly string[],
): Column {
  const texts = nullTokensFor(spec?.type, declaredNulls);
  const nulls = texts.length ? new NullTokens(texts, enc) : null;
  if (!spec) return new TextColumn(enc, nulls);
  if (spec.type === "int" || spec.type === "float")
    return new NumberColumn(spec.type === "int", spec.nullable, enc, nulls);
  if (spec.type === "category") return new CategoryColumn(spec.nullable, enc, nulls);
  if (spec.type === "bool") return new BoolColumn(spec.nullable, enc, nulls);
  return new ValueColumn(spec.type, spec.nullable, enc, nulls);
}

/** Whether a null text is also a value of the column's type (`-999`, `n`): the scanner's shortcuts then skip it. */
function nullIsValue(c: NumberColumn | BoolColumn): boolean {
  const type = c instanceof BoolColumn ? "bool" : c.isInt ? "int" : "float";
  return (c.nulls?.texts ?? []).some((t) => {
    const p = parseValue(t, type);
    return p.ok && p.value !== null;
  });
}

const NO_NUMS = new Float64Array(0);
/** Rows the columns start with (small: they grow within the warm-up prefix, before `reserve`). */
const INITIAL_ROWS = 32;
/** Bytes of the warm-up prefix (parse). */
const WARM_UP_BYTES = 16 << 10;
const NO_BOOLS = new Uint8Array(0);

/**
 * Parses data records (the header is read by readHeader) into columns. Rows and lines count from
 * the start of the range it is given: the reader adds the offsets of the ranges before it.
 */
export class RecordParser {
  /** Data rows parsed. */
  rows = 0;
  /** Line (1-based, within the range) where the next record starts. */
  line = 1;
  /** Where the last parse stopped on reaching maxRows (bytes from there on were not looked at). */
  stoppedAt = -1;
  private cap = 0;
  private warmedUp = false;
  private readonly kinds: Uint8Array;
  /** 1 for int columns. */
  private readonly ints: Uint8Array;
  private readonly cols: Column[];
  private nums: Float64Array[];
  private bools: Uint8Array[];
  private readonly cats: CategoryColumn[];

  private readonly enc: BufferEncoding;

  constructor(
    specs: readonly (ReadSpec | undefined)[],
    private readonly delim: number,
    private readonly encoding: TextEncoding,
    readonly maxRows = Infinity,
    /** The source's `nulls` (undefined: the default of null-tokens.ts). */
    nulls?: readonly string[],
  ) {
    this.enc = nodeEncoding(encoding);
    this.cols = specs.map((s) => columnFor(s, this.enc, nulls));
    // Numbers are parsed while scanned only when the delimiter cannot be part of a number.
    const inlineNumbers = !"0123456789.+-".includes(String.fromCharCode(delim));
    this.kinds = Uint8Array.from(this.cols, (c) =>
      c instanceof NumberColumn
        ? inlineNumbers && !nullIsValue(c)
          ? K_NUM
          : K_OTHER
        : c instanceof CategoryColumn
          ? K_CAT
          : c instanceof BoolColumn && !nullIsValue(c)
            ? K_BOOL
            : K_OTHER,
    );
    this.ints = Uint8Array.from(this.cols, (c) => (c instanceof NumberColumn && c.isInt ? 1 : 0));
    this.cats = this.cols.map((c) =>
      c instanceof CategoryColumn ? c : (undefined as unknown as CategoryColumn),
    );
    this.nums = [];
    this.bools = [];
    this.grow(INITIAL_ROWS);
  }

  private grow(cap: number): void {
    this.cap = cap;
    for (const c of this.cols) c.grow(cap);
    this.nums = this.cols.map((c) => (c instanceof NumberColumn ? c.a : NO_NUMS));
    this.bools = this.cols.map((c) => (c instanceof BoolColumn ? c.v : NO_BOOLS));
  }

  /** Room for about `rows` rows up front (an estimate: the columns still grow past it). */
  reserve(rows: number): void {
    if (rows > this.cap) this.grow(Math.ceil(rows));
  }

  parts(): ColumnPart[] {
    return this.cols.map((c) => c.part(this.rows));
  }

  /**
   * Parses the complete records in b[from, end) and returns where the unconsumed tail starts
   * (a record that may go on past `end` when more bytes follow, i.e. unless eof). In a UTF-8 file
   * the bytes are checked first (a sequence cut by `end` waits for the next call): records before
   * a bad sequence are parsed, so earlier problems are reported first, then its field is named.
   */
  parse(b: Buffer, from: number, end: number, eof: boolean): number {
    if (this.encoding === "utf-8") {
      const bad = invalidUtf8At(b, from, eof ? end : utf8CompleteEnd(b, from, end));
      if (bad >= 0) {
        const next = this.parseRecords(b, from, bad, false);
        if (this.rows >= this.maxRows) return end;
        const at = locateField(b, next, bad, this.delim);
        throw new CsvProblem({
          kind: "encoding",
          row: this.rows + at.rows + 1,
          line: this.line + at.lines,
          column: at.field,
          value: showBytes(b, at.s, Math.min(at.e, end)),
          byte: b[bad]!,
        });
      }
    }
    if (!this.warmedUp && this.maxRows === Infinity) {
      // The first records are parsed alone (a short prefix): its end cuts a record, so every
      // exit of the loop and the column growth run before the loop is optimised (run unseen,
      // they would send it back to the interpreter: about 30 times per 1M-row read).
      this.warmedUp = true;
      const cut = Math.min(end, from + WARM_UP_BYTES);
      if (cut < end) from = this.parseRecords(b, from, cut, false);
    }
    return this.parseRecords(b, from, end, eof);
  }

  private parseRecords(b: Buffer, from: number, end: number, eof: boolean): number {
    const delim = this.delim,
      kinds = this.kinds,
      ints = this.ints,
      ncol = kinds.length,
      cols = this.cols,
      cats = this.cats,
      maxRows = this.maxRows;
    let nums = this.nums,
      bools = this.bools;
    let rows = this.rows,
      line = this.line;
    let i = from;
    // One exit for every way out (the type feedback of each path is then collected early, so
    // the optimised loop is not thrown away the first time a record is cut by `end`).
    records: while (i < end && rows < maxRows) {
      if (rows === this.cap) {
        this.grow(this.cap * 2);
        nums = this.nums;
        bools = this.bools;
      }
      const recStart = i;
      let nf = 0,
        quotedLines = 0,
        firstEmpty = false;
      let badCol = -1,
        badCode = OK,
        badS = 0,
        badE = 0,
        badEsc = false;
      for (;;) {
        const k = nf < ncol ? kinds[nf]! : K_EXTRA;
        let code = OK,
          fs: number,
          fe: number,
          esc = false;
        if (i < end && b[i] === QUOTE) {
          i++;
          fs = i;
          for (;;) {
            if (i >= end) {
              if (!eof) {
                i = recStart; // the record goes on past `end`: it waits for more bytes
                break records;
              }
              throw new CsvProblem({ kind: "unclosed", row: rows + 1, line });
            }
            const c = b[i]!;
            if (c === QUOTE) {
              if (i + 1 >= end && !eof) {
                i = recStart; // the record goes on past `end`: it waits for more bytes
                break records;
              }
              if (i + 1 < end && b[i + 1] === QUOTE) {
                esc = true;
                i += 2;
                continue;
              }
              break;
            }
            if (c === LF) quotedLines++;
            i++;
          }
          fe = i;
          i++;
          if (k !== K_EXTRA) code = cols[nf]!.set(b, fs, fe, esc, rows);
        } else if (k === K_NUM) {
          // The common shape [-+]digits[.digits] is parsed as it is scanned; anything else
          // (exponents, NaN, spaces…) is scanned to its end and parsed by the column.
          fs = i;
          let neg = false,
            m = 0,
            nd = 0,
            scale = 1,
            c = i < end ? b[i]! : 0;
          if (c === 45) {
            neg = true;
            i++;
          } else if (c === 43) i++;
          while (i < end) {
            c = b[i]! - 48;
            if (c < 0 || c > 9) break;
            m = m * 10 + c;
            nd++;
            i++;
          }
          if (i < end && b[i] === 46) {
            i++;
            while (i < end) {
              c = b[i]! - 48;
              if (c < 0 || c > 9) break;
              m = m * 10 + c;
              nd++;
              scale *= 10;
              i++;
            }
          }
          let plain = true;
          while (i < end) {
            c = b[i]!;
            if (c === delim || c === LF || c === CR) break;
            plain = false;
            i++;
          }
          fe = i;
          if (i >= end && !eof) {
            i = recStart; // the record goes on past `end`: it waits for more bytes
            break records;
          }
          if (plain && nd > 0 && nd <= 15) {
            // Negated after the division: m / scale is never -0, so the optimised division does
            // not deoptimise on "-0.000" (its sign is kept: -0 as Number() reads it).
            let v = m / scale;
            if (neg) v = -v;
            if (scale !== 1 && ints[nf] === 1 && !Number.isInteger(v)) code = BAD;
            else nums[nf]![rows] = v;
          } else code = cols[nf]!.set(b, fs, fe, false, rows);
        } else if (k === K_CAT) {
          fs = i;
          let h = 0x811c9dc5;
          while (i < end) {
            const c = b[i]!;
            if (c === delim || c === LF || c === CR) break;
            h = Math.imul(h ^ c, 16777619);
            i++;
          }
          fe = i;
          if (i >= end && !eof) {
            i = recStart; // the record goes on past `end`: it waits for more bytes
            break records;
          }
          code = cats[nf]!.setHashed(b, fs, fe, h, rows);
        } else {
          fs = i;
          while (i < end) {
            const c = b[i]!;
            if (c === delim || c === LF || c === CR) break;
            i++;
          }
          fe = i;
          if (i >= end && !eof) {
            i = recStart; // the record goes on past `end`: it waits for more bytes
            break records;
          }
          if (k === K_BOOL) {
            const w = fe > fs ? boolWord(b, fs, fe - fs) : -1;
            if (w >= 0) bools[nf]![rows] = w;
            else code = cols[nf]!.set(b, fs, fe, false, rows);
          } else if (k !== K_EXTRA) code = cols[nf]!.set(b, fs, fe, false, rows);
        }
        if (nf === 0) firstEmpty = fs === fe;
        if (code !== OK && badCol < 0) {
          badCol = nf;
          badCode = code;
          badS = fs;
          badE = fe;
          badEsc = esc;
        }
        nf++;
        if (i >= end) break; // end of file
        const c = b[i]!;
        if (c === delim) {
          i++;
          if (i >= end && !eof) {
            i = recStart; // the record goes on past `end`: it waits for more bytes
            break records;
          }
          continue;
        }
        if (c === CR) {
          if (i + 1 >= end && !eof) {
            i = recStart; // the record goes on past `end`: it waits for more bytes
            break records;
          }
          i++;
          if (b[i] === LF) i++;
          break;
        }
        if (c === LF) {
          i++;
          break;
        }
        throw new CsvProblem({ kind: "after-quote", row: rows + 1, line: line + quotedLines });
      }
      // A blank line is no record (its empty field may have been written: it is overwritten).
      const blank = nf === 1 && firstEmpty && b[recStart] !== QUOTE;
      if (!blank) {
        if (nf !== ncol) throw new CsvProblem({ kind: "fields", row: rows + 1, line, fields: nf });
        if (badCol >= 0)
          throw new CsvProblem({
            kind: "value",
            row: rows + 1,
            line,
            column: badCol,
            value: fieldText(b, badS, badE, badEsc, this.enc),
            code: badCode,
          });
        rows++;
      }
      line += 1 + quotedLines;
    }
    this.rows = rows;
    this.line = line;
    if (rows < maxRows) return i;
    this.stoppedAt = i;
    return end;
  }
}

/**
 * The field holding byte `at`, found by walking records from `i` (a record start, at most a few
 * records before it): data rows and file lines passed on the way, the field's index and bytes.
 * Only for messages: it trusts the record structure the parser checks.
 */
export function locateField(
  b: Buffer,
  i: number,
  at: number,
  delim: number,
): { rows: number; lines: number; field: number; s: number; e: number } {
  let rows = 0,
    lines = 0;
  for (;;) {
    let field = 0,
      quotedLines = 0,
      blank = true;
    for (;;) {
      let s: number, e: number;
      if (b[i] === QUOTE) {
        blank = false;
        s = ++i;
        while (i < b.length && !(b[i] === QUOTE && b[i + 1] !== QUOTE)) {
          if (b[i] === QUOTE) i++;
          else if (b[i] === LF) quotedLines++;
          i++;
        }
        e = i++;
      } else {
        s = i;
        while (i < b.length && b[i] !== delim && b[i] !== LF && b[i] !== CR) i++;
        e = i;
        if (e > s || field > 0) blank = false;
      }
      if (at >= s && at < e) return { rows, lines, field, s, e };
      field++;
      if (i >= b.length) return { rows, lines, field: field - 1, s, e };
      const c = b[i++];
      if (c === delim) continue;
      if (c === CR && b[i] === LF) i++;
      break;
    }
    if (!blank) rows++;
    lines += 1 + quotedLines;
  }
}

/**
 * The header: the first record that is not a blank line, as trimmed names. Returns null when
 * it may go on past `end` (more bytes are needed); `lines` counts the file lines it took.
 */
export function readHeader(
  b: Buffer,
  from: number,
  end: number,
  eof: boolean,
  delim: number,
  enc: BufferEncoding,
): { names: string[]; next: number; lines: number } | null {
  let i = from,
    lines = 0;
  while (i < end) {
    const recStart = i;
    const names: string[] = [];
    let quotedLines = 0,
      firstEmpty = false;
    for (;;) {
      let fs: number,
        fe: number,
        esc = false;
      if (i < end && b[i] === QUOTE) {
        i++;
        fs = i;
        for (;;) {
          if (i >= end) {
            if (!eof) return null;
            throw new CsvProblem({ kind: "unclosed", row: 1, line: lines + 1 });
          }
          const c = b[i]!;
          if (c === QUOTE) {
            if (i + 1 >= end && !eof) return null;
            if (i + 1 < end && b[i + 1] === QUOTE) {
              esc = true;
              i += 2;
              continue;
            }
            break;
          }
          if (c === LF) quotedLines++;
          i++;
        }
        fe = i;
        i++;
      } else {
        fs = i;
        while (i < end && b[i] !== delim && b[i] !== LF && b[i] !== CR) i++;
        fe = i;
        if (i >= end && !eof) return null;
        if (names.length === 0) firstEmpty = fs === fe;
      }
      names.push(fieldText(b, fs, fe, esc, enc).trim());
      if (i >= end) break;
      const c = b[i]!;
      if (c === delim) {
        i++;
        if (i >= end && !eof) return null;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= end && !eof) return null;
        i++;
        if (b[i] === LF) i++;
        break;
      }
      if (c === LF) {
        i++;
        break;
      }
      throw new CsvProblem({ kind: "after-quote", row: 1, line: lines + 1 + quotedLines });
    }
    lines += 1 + quotedLines;
    if (!(names.length === 1 && firstEmpty && b[recStart] !== QUOTE)) return { names, next: i, lines };
  }
  return eof ? { names: [], next: i, lines } : null;
}

/** A column's parts, in order, joined into its in-memory form (column-type.ts); the type for undeclared ones. */
export function joinParts(
  parts: readonly ColumnPart[],
  /** The source declares no `nulls`: an inferred column's NA, NaN… are null unless it is text. */
  defaultNulls = true,
): { values: ColumnArray; inferred?: ColumnType } {
  const first = parts[0]!;
  const total = parts.reduce((n, p) => n + (p.t === "cat" ? p.codes.length : p.v.length), 0);
  if (first.t === "num") {
    // The first range's column usually has room for all rows (the reader sizes it for the
    // whole file): the others are copied in after it rather than all into a new array.
    const room =
      first.v.byteOffset === 0 && first.v.buffer instanceof ArrayBuffer ? first.v.buffer.byteLength / 8 : 0;
    const out = room >= total ? new Float64Array(first.v.buffer, 0, total) : new Float64Array(total);
    let at = 0;
    for (const p of parts as readonly { v: Float64Array }[]) {
      if (p.v !== first.v || out.buffer !== first.v.buffer) out.set(p.v, at);
      at += p.v.length;
    }
    // Sharing the buffer avoids a copy of the whole column; copy only when much is unused.
    return { values: total * 4 >= (out.buffer.byteLength / 8) * 3 ? out : out.slice() };
  }
  if (first.t === "bool") {
    const out = new Array<boolean | null>(total);
    let at = 0;
    for (const p of parts as readonly { v: Uint8Array }[]) {
      const v = p.v;
      for (let r = 0; r < v.length; r++) {
        const x = v[r]!;
        out[at++] = x === BOOL_NULL ? null : x === 1;
      }
    }
    return { values: out };
  }
  // Strings, dates and categories (a category column may hold codes in one range, strings in another).
  let out: (string | Date | null)[];
  if (parts.length === 1 && first.t !== "cat") out = first.v;
  else {
    out = new Array<string | Date | null>(total);
    let at = 0;
    for (const p of parts) {
      if (p.t === "cat") {
        const { codes, dict } = p;
        for (let r = 0; r < codes.length; r++) {
          const c = codes[r]!;
          out[at++] = c < 0 ? null : dict[c]!;
        }
      } else if (p.t === "values" || p.t === "text") {
        const v = p.v;
        for (let r = 0; r < v.length; r++) out[at++] = v[r]!;
      }
    }
  }
  if (first.t !== "text") return { values: out as ColumnArray };
  const texts = out as (string | null)[];
  if (defaultNulls) {
    // NA, NaN… (null-tokens.ts) are null where the column turns out int, float, bool or timestamp
    const nulled = texts.map((t) => (t !== null && DEFAULT_NULLS.includes(t) ? null : t));
    if (nulled.some((t, i) => t !== texts[i])) {
      const typed = inferTextType(nulled);
      if (typed !== "string" && typed !== "category")
        return { values: convertText(nulled, typed), inferred: typed };
    }
  }
  const inferred = inferTextType(texts);
  return { values: convertText(texts, inferred), inferred };
}
