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

/** The value of a text field for a type, or an error description; "" is null. */
type Parsed = { ok: true; value: number | boolean | string | Date | null } | { ok: false };

export function parseValue(text: string, type: ColumnType): Parsed {
  if (text === "") return { ok: true, value: null };
  switch (type) {
    case "int": {
      const v = Number(text.trim());
      return Number.isInteger(v) ? { ok: true, value: v } : { ok: false };
    }
    case "float": {
      const t = text.trim();
      const lower = t.toLowerCase();
      if (lower === "nan" || lower === "na") return { ok: true, value: null };
      const v = Number(t);
      return t !== "" && !Number.isNaN(v) ? { ok: true, value: v } : { ok: false };
    }
    case "bool": {
      const b = parseBool(text);
      return b === undefined ? { ok: false } : { ok: true, value: b };
    }
    case "timestamp": {
      const t = parseTimestamp(text);
      return Number.isNaN(t) ? { ok: false } : { ok: true, value: new Date(t) };
    }
    case "string":
    case "category":
      return { ok: true, value: text };
  }
}
