// Column access on arquero tables in the in-memory forms of column-type.ts, whether the table
// came from a reader or from Arrow IPC; plus row selection. Everything downstream reads through here.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import type { ColumnType } from "./column-type.js";

type ColumnValues = Float64Array | Float32Array | Int32Array | readonly unknown[];

/** The values of a column as an array (typed array for numbers, plain array otherwise). */
export function columnValues(t: ColumnTable, name: string): ColumnValues {
  const c = t.column(name) as unknown;
  if (c === undefined) throw new Error(`no column '${name}'`);
  if (ArrayBuffer.isView(c) || Array.isArray(c)) return c as ColumnValues;
  const arr = (c as { toArray(): unknown }).toArray();
  if (arr instanceof BigInt64Array || arr instanceof BigUint64Array) return Float64Array.from(arr, Number);
  return arr as ColumnValues;
}

const isNumericArray = (a: ColumnValues): a is Float64Array | Float32Array | Int32Array =>
  a instanceof Float64Array || a instanceof Float32Array || a instanceof Int32Array;

/** The column's mlc type, from its in-memory form (ints and floats are both Float64Array: "float"). */
export function columnType(values: ColumnValues): ColumnType {
  if (isNumericArray(values) || ArrayBuffer.isView(values)) return "float";
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === "number" || typeof v === "bigint") return "float";
    if (typeof v === "boolean") return "bool";
    if (v instanceof Date) return "timestamp";
    return "string";
  }
  return "string";
}

/** Name and type of every column: what `buildPipeline` takes as its input columns. */
export function tableColumns(t: ColumnTable): { name: string; type: ColumnType }[] {
  return t.columnNames().map((name) => ({ name, type: columnType(columnValues(t, name)) }));
}

/** Numbers as float64 (NaN = null): bools as 0/1, timestamps as epoch milliseconds. */
export function numericValues(values: ColumnValues): Float64Array {
  if (values instanceof Float64Array) return values;
  if (ArrayBuffer.isView(values)) return Float64Array.from(values as Float32Array);
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) out[i] = NaN;
    else if (typeof v === "number") out[i] = v;
    else if (typeof v === "boolean") out[i] = v ? 1 : 0;
    else if (v instanceof Date) out[i] = v.getTime();
    else if (typeof v === "bigint") out[i] = Number(v);
    else out[i] = Number(v);
  }
  return out;
}

/** Whether row i of a column is null (NaN for numbers). */
export function isNullAt(values: ColumnValues, i: number): boolean {
  const v = values[i];
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

/** A new table holding the rows at `idx`, in that order, with the same column forms. */
export function takeRows(t: ColumnTable, idx: ArrayLike<number>): ColumnTable {
  const n = idx.length;
  const cols: Record<string, unknown> = {};
  for (const name of t.columnNames()) {
    const src = columnValues(t, name);
    if (ArrayBuffer.isView(src)) {
      const Ctor = (src as Float64Array).constructor as new (n: number) => Float64Array;
      const out = new Ctor(n);
      const s = src as Float64Array;
      for (let i = 0; i < n; i++) out[i] = s[idx[i]!]!;
      cols[name] = out;
    } else {
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = src[idx[i]!];
      cols[name] = out;
    }
  }
  return aq.table(cols, t.columnNames());
}

/** A JSON-safe rendering of one value for messages and examples. */
export function displayValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isNaN(v) ? null : v;
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}
