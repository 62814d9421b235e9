// Column types of mlc tables and the parsing of single text values into them.
// How each type is held in memory is fixed here, so readers, expectations and features agree.
//
// In-memory representation (every reader produces exactly this):
//   int, float  → Float64Array, NaN = null
//   bool        → (boolean | null)[]
//   string, category → (string | null)[]
//   timestamp   → (Date | null)[]  (UTC)

export type ColumnType = "int" | "float" | "bool" | "string" | "category" | "timestamp";

const COLUMN_TYPES: readonly ColumnType[] = ["int", "float", "bool", "string", "category", "timestamp"];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Declared columns are non-nullable unless marked `nullable(T)` / `T?`; inferred ones are nullable. */
  nullable: boolean;
}

export const isColumnType = (s: string): s is ColumnType => (COLUMN_TYPES as readonly string[]).includes(s);

const TRUE_WORDS = new Set(["true", "t", "yes", "y", "1"]);
const FALSE_WORDS = new Set(["false", "f", "no", "n", "0"]);

/** A boolean from its usual spellings; undefined when the text is none of them. */
function parseBool(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return undefined;
}

const TS_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch for ISO-8601 dates and date-times (no zone = UTC); NaN when not one. */
export function parseTimestamp(text: string): number {
  const m = TS_RE.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
  if (new Date(t).getUTCDate() !== day) return NaN; // 2023-02-30 and the like
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/** Why a text does not fit its column's type: not its syntax, or a number mlc cannot hold as read. */
export type Misfit = "syntax" | "int-range" | "float-range";

/** The value of a text field for a type, or why it does not fit; "" is null. */
export type Parsed =
  { ok: true; value: number | boolean | string | Date | null } | { ok: false; why: Misfit };

/** Plain decimal notation: a sign, digits with an optional point, an optional exponent (no hex, no Infinity). */
const DECIMAL_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INFINITY_RE = /^[-+]?(?:inf|infinity)$/i;

/** The number a trimmed text spells in plain decimal notation; NaN when it is not one. */
export function parseDecimal(text: string): number {
  return DECIMAL_RE.test(text) ? Number(text) : NaN;
}

/**
 * Why a number does not fit an int or float column: ints must be exact (within ±(2^53 - 1)), floats
 * finite in float32, which the model and the ONNX bundle compute in. undefined when it fits.
 */
export function numberMisfit(v: number, type: "int" | "float"): Misfit | undefined {
  if (type === "int")
    return !Number.isInteger(v) ? "syntax" : Number.isSafeInteger(v) ? undefined : "int-range";
  return Number.isFinite(Math.fround(v)) ? undefined : "float-range";
}

const TYPE_WORD: Record<ColumnType, string> = {
  int: "an int",
  float: "a float",
  bool: "a bool (true/false, yes/no, 1/0)",
  string: "a string",
  category: "a category",
  timestamp: "a timestamp (ISO 8601, e.g. 2024-01-31 or 2024-01-31T12:00:00Z)",
};

/** What follows a quoted value in a reader's message when it does not fit its column. */
export function misfitText(type: ColumnType, why: Misfit): string {
  switch (why) {
    case "syntax":
      return `is not ${TYPE_WORD[type]}`;
    case "int-range":
      return "is beyond the exact integer range ±9007199254740991 (2^53 - 1); declare the column string or category if it holds identifiers, or float if rounded values will do";
    case "float-range":
      return "is beyond the float32 range ±3.4028235e38, which the model and ONNX bundle compute in (infinities are not read)";
  }
}

/** What follows a quoted value that stands for null in a column that is not nullable. */
export function nullText(type: ColumnType, text: string): string {
  const what = text === "" ? "is empty" : "means a missing value";
  return `${what} but the column is not nullable (declare it nullable(${type}))`;
}

export function parseValue(text: string, type: ColumnType): Parsed {
  if (text === "") return { ok: true, value: null };
  switch (type) {
    case "int":
    case "float": {
      const t = text.trim();
      if (type === "float") {
        const lower = t.toLowerCase();
        if (lower === "nan" || lower === "na") return { ok: true, value: null };
        if (INFINITY_RE.test(t)) return { ok: false, why: "float-range" };
      }
      const v = parseDecimal(t);
      if (Number.isNaN(v)) return { ok: false, why: "syntax" };
      const why = numberMisfit(v, type);
      return why ? { ok: false, why } : { ok: true, value: v };
    }
    case "bool": {
      const b = parseBool(text);
      return b === undefined ? { ok: false, why: "syntax" } : { ok: true, value: b };
    }
    case "timestamp": {
      const t = parseTimestamp(text);
      return Number.isNaN(t) ? { ok: false, why: "syntax" } : { ok: true, value: new Date(t) };
    }
    case "string":
    case "category":
      return { ok: true, value: text };
  }
}
