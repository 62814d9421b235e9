// Type inference for columns read without a declared type: from their text values (CSV) or
// their JS values (JSON lines, databases) to the in-memory form fixed in column-type.ts.
import { type ColumnType, numberMisfit, parseDecimal, parseTimestamp } from "./column-type.js";

export type ColumnArray = Float64Array | (boolean | null)[] | (string | null)[] | (Date | null)[];

const INT_RE = /^[-+]?\d+$/;

/**
 * The narrowest type every non-null text value fits, in the order int, float, bool, timestamp, category,
 * string. Numbers are read as the declared types read them (column-type.ts): plain decimal notation,
 * ints exact, floats within float32; digits beyond the exact int range (identifiers) stay text.
 */
export function inferTextType(values: readonly (string | null)[]): ColumnType {
  let int = true,
    float = true,
    bool = true,
    ts = true,
    nonNull = 0;
  const distinct = new Set<string>();
  for (const v of values) {
    if (v === null) continue;
    nonNull++;
    if (distinct.size <= 100) distinct.add(v);
    const t = v.trim();
    const digits = INT_RE.test(t);
    if (digits && numberMisfit(Number(t), "int") !== undefined) int = float = false;
    else if (!digits) int = false;
    if (float && !int) {
      const x = parseDecimal(t);
      if (Number.isNaN(x) || numberMisfit(x, "float") !== undefined) float = false;
    }
    if (bool) {
      const l = v.trim().toLowerCase();
      if (l !== "true" && l !== "false") bool = false;
    }
    if (ts && !float && Number.isNaN(parseTimestamp(v))) ts = false;
    if (!int && !float && !bool && !ts && distinct.size > 100) break;
  }
  if (nonNull === 0) return "string";
  if (int) return "int";
  if (float) return "float";
  if (bool) return "bool";
  if (ts) return "timestamp";
  return distinct.size <= 100 && distinct.size * 2 <= nonNull ? "category" : "string";
}

/** Converts text values already known to fit `type` (see inferTextType). */
export function convertText(values: readonly (string | null)[], type: ColumnType): ColumnArray {
  const n = values.length;
  switch (type) {
    case "int":
    case "float": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = v === null || v === undefined ? NaN : Number(v);
      }
      return out;
    }
    case "bool":
      return values.map((v) => (v === null ? null : v.trim().toLowerCase() === "true"));
    case "timestamp":
      return values.map((v) => (v === null ? null : new Date(parseTimestamp(v))));
    case "string":
    case "category":
      return values.slice();
  }
}

/** The type of a column of JS values (JSON, SQL rows): numbers, booleans, strings, Dates. */
export function inferValueType(values: readonly unknown[]): ColumnType {
  type Kind = "none" | "int" | "float" | "bool" | "string" | "timestamp" | "mixed";
  let kind = "none" as Kind;
  const texts: (string | null)[] = [];
  for (const v of values) {
    if (v === null || v === undefined) {
      texts.push(null);
      continue;
    }
    let k: Kind;
    // Integral numbers stay int even past the exact range, so reading them as int reports them.
    if (typeof v === "number" || typeof v === "bigint") k = Number.isInteger(Number(v)) ? "int" : "float";
    else if (typeof v === "boolean") k = "bool";
    else if (v instanceof Date) k = "timestamp";
    else k = "string";
    texts.push(typeof v === "string" ? v : null);
    if (kind === "none") kind = k;
    else if (kind !== k)
      kind = (kind === "int" && k === "float") || (kind === "float" && k === "int") ? "float" : "mixed";
  }
  switch (kind) {
    case "none":
      return "string";
    case "mixed":
      return "string";
    case "string":
      // strings from JSON may still be dates or categories
      return inferTextType(texts) === "timestamp"
        ? "timestamp"
        : inferTextType(texts) === "category"
          ? "category"
          : "string";
    default:
      return kind;
  }
}
