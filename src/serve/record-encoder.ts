// Validates raw records (JSON objects or table columns) against a bundle's input schema and encodes
// them into the column tensors model.onnx takes. Pure: no I/O; errors name the field (and row).
import { ONNX_INPUT_TYPE, type BundleInput } from "./bundle.js";

type EncodedColumn = Float32Array | Float64Array | string[];

/** One [n, 1] column per bundle input, in bundle order. */
export interface ColumnBatch {
  n: number;
  columns: EncodedColumn[];
}

interface InputProblem {
  field: string;
  message: string;
  /** Row index within the request/table (absent for single-record requests). */
  index?: number;
}

/** Writes value `v` at `row` of `out`; returns an error message, or undefined when accepted. */
type Writer = (v: unknown, out: EncodedColumn, row: number) => string | undefined;

const FLOAT32_MAX = 3.4028234663852886e38;

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function writerFor(inp: BundleInput): Writer {
  switch (inp.type) {
    case "float":
      return (v, out, r) => {
        if (typeof v !== "number") return `expected a number, got ${describe(v)}`;
        if (v > FLOAT32_MAX || v < -FLOAT32_MAX) return `${v} is out of range for the model's float32 input`;
        (out as Float32Array)[r] = v;
        return undefined;
      };
    case "int":
      return (v, out, r) => {
        if (typeof v !== "number") return `expected an integer, got ${describe(v)}`;
        if (!Number.isInteger(v)) return `expected an integer, got ${v}`;
        if (v > FLOAT32_MAX || v < -FLOAT32_MAX) return `${v} is out of range for the model's float32 input`;
        (out as Float32Array)[r] = v;
        return undefined;
      };
    case "bool":
      return (v, out, r) => {
        if (v === true || v === 1) (out as Float32Array)[r] = 1;
        else if (v === false || v === 0) (out as Float32Array)[r] = 0;
        else
          return `expected true or false, got ${typeof v === "string" ? `'${v.slice(0, 40)}'` : describe(v)}`;
        return undefined;
      };
    case "timestamp":
      // epoch milliseconds, as the feature pipeline's ONNX backend reads them
      return (v, out, r) => {
        let ms: number;
        if (typeof v === "number") ms = v;
        else if (typeof v === "string") {
          ms = Date.parse(v);
          if (Number.isNaN(ms))
            return `expected an ISO-8601 time or epoch milliseconds, got '${v.slice(0, 40)}'`;
        } else if (v instanceof Date) ms = v.getTime();
        else return `expected an ISO-8601 time or epoch milliseconds, got ${describe(v)}`;
        (out as Float64Array)[r] = ms;
        return undefined;
      };
    case "string":
    case "category": {
      // Only a column declared `unseen = error` refuses new values; others go to the model's fallback.
      const allowed = inp.values && inp.unseen === "error" ? new Set(inp.values) : undefined;
      const list = inp.values
        ? inp.values.slice(0, 20).join(", ") + (inp.values.length > 20 ? ", …" : "")
        : "";
      return (v, out, r) => {
        let s: string;
        if (typeof v === "string") s = v;
        else if (typeof v === "number" || typeof v === "boolean") s = String(v);
        else return `expected a string, got ${describe(v)}`;
        if (allowed && !allowed.has(s))
          return `unknown category '${s.slice(0, 60)}'; expected one of ${list}`;
        (out as string[])[r] = s;
        return undefined;
      };
    }
  }
}

function allocate(inp: BundleInput, n: number): EncodedColumn {
  const t = ONNX_INPUT_TYPE[inp.type];
  return t === "float" ? new Float32Array(n) : t === "double" ? new Float64Array(n) : new Array<string>(n);
}

/** Writes the encoding of null (NaN for numbers, "" for strings). */
function writeNull(out: EncodedColumn, row: number): void {
  if (Array.isArray(out)) out[row] = "";
  else out[row] = NaN;
}

/**
 * Compiled once per bundle: validates and encodes records. Unknown extra fields are ignored
 * (records may carry their key and label); an absent nullable field counts as null.
 */
export class RecordEncoder {
  private readonly names: string[];
  private readonly writers: Writer[];
  private readonly nullable: boolean[];
  /** String columns that take any string as it is (no `unseen = error` check): a table's strings are copied. */
  private readonly plainString: boolean[];

  constructor(readonly inputs: readonly BundleInput[]) {
    this.names = inputs.map((i) => i.name);
    this.writers = inputs.map(writerFor);
    this.nullable = inputs.map((i) => i.nullable);
    this.plainString = inputs.map(
      (i) => (i.type === "string" || i.type === "category") && !(i.values && i.unseen === "error"),
    );
  }

  /** Encodes JSON records; the first problem found is returned instead of a batch. */
  encodeRecords(records: readonly unknown[], indexed: boolean): ColumnBatch | InputProblem {
    const n = records.length;
    const k = this.inputs.length;
    const columns: EncodedColumn[] = new Array(k);
    for (let c = 0; c < k; c++) columns[c] = allocate(this.inputs[c]!, n);
    for (let r = 0; r < n; r++) {
      const rec = records[r];
      if (typeof rec !== "object" || rec === null || Array.isArray(rec)) {
        return {
          field: indexed ? "instances" : "",
          message: `expected a JSON object per record, got ${describe(rec)}`,
          ...(indexed ? { index: r } : {}),
        };
      }
      for (let c = 0; c < this.names.length; c++) {
        const name = this.names[c]!;
        const v = Object.hasOwn(rec, name) ? (rec as Record<string, unknown>)[name] : undefined;
        const out = columns[c]!;
        if (v === null || v === undefined) {
          if (this.nullable[c]) {
            writeNull(out, r);
            continue;
          }
          const message =
            v === undefined ? `missing required field '${name}'` : `field '${name}' must not be null`;
          return { field: name, message, ...(indexed ? { index: r } : {}) };
        }
        const err = this.writers[c]!(v, out, r);
        if (err) return { field: name, message: err, ...(indexed ? { index: r } : {}) };
      }
    }
    return { n, columns };
  }

  /**
   * Encodes rows [start, start + n) of a columnar table (name → values). Numeric typed arrays are
   * copied without per-value checks except integrality; NaN counts as null.
   */
  encodeColumns(
    table: Readonly<Record<string, ArrayLike<unknown>>>,
    start: number,
    n: number,
  ): ColumnBatch | InputProblem {
    const columns: EncodedColumn[] = [];
    for (let c = 0; c < this.inputs.length; c++) {
      const inp = this.inputs[c]!;
      const src = table[inp.name];
      if (!src) return { field: inp.name, message: `missing column '${inp.name}'` };
      const out = allocate(inp, n);
      const numericFast =
        (inp.type === "float" || inp.type === "int") &&
        (src instanceof Float64Array || src instanceof Float32Array || src instanceof Int32Array);
      if (numericFast) {
        // typed numbers: one tight loop per column (the batch scorer's hot path)
        const problem = copyNumeric(inp, src, start, n, out as Float32Array);
        if (problem) return problem;
        columns.push(out);
        continue;
      }
      const write = this.writers[c]!;
      const plain = this.plainString[c]!;
      for (let i = 0; i < n; i++) {
        const v = src[start + i];
        if (plain && typeof v === "string") {
          (out as string[])[i] = v; // what the writer does with a string, without the call
          continue;
        }
        if (v === null || v === undefined || (typeof v === "number" && v !== v)) {
          if (!inp.nullable)
            return {
              field: inp.name,
              message: `column '${inp.name}' row ${start + i}: null in a non-nullable column`,
              index: start + i,
            };
          writeNull(out, i);
          continue;
        }
        const err = write(v, out, i);
        if (err)
          return {
            field: inp.name,
            message: `column '${inp.name}' row ${start + i}: ${err}`,
            index: start + i,
          };
      }
      columns.push(out);
    }
    return { n, columns };
  }

  /** A record that passes validation: used to warm a freshly loaded model. */
  sampleRecord(): Record<string, unknown> {
    const rec: Record<string, unknown> = {};
    for (const inp of this.inputs) {
      rec[inp.name] =
        inp.type === "bool"
          ? false
          : inp.type === "string" || inp.type === "category"
            ? (inp.values?.[0] ?? "")
            : inp.type === "timestamp"
              ? 0
              : 0;
    }
    return rec;
  }
}

export const isProblem = (v: ColumnBatch | InputProblem): v is InputProblem => !("columns" in v);

/** Copies `n` typed numbers from `start` into `out`; NaN is null (refused when not nullable), int must be whole. */
function copyNumeric(
  inp: BundleInput,
  src: Float64Array | Float32Array | Int32Array,
  start: number,
  n: number,
  out: Float32Array,
): InputProblem | undefined {
  const isInt = inp.type === "int";
  // one native conversion (the same rounding as assigning each value); values are read again only to check them
  out.set(src.subarray(start, start + n));
  if (inp.nullable && !isInt) return undefined;
  for (let i = 0; i < n; i++) {
    const x = src[start + i]!;
    if (x !== x) {
      if (!inp.nullable)
        return {
          field: inp.name,
          message: `column '${inp.name}' row ${start + i}: null in a non-nullable column`,
          index: start + i,
        };
    } else if (isInt && !Number.isInteger(x)) {
      return {
        field: inp.name,
        message: `column '${inp.name}' row ${start + i}: expected an integer, got ${x}`,
        index: start + i,
      };
    }
  }
  return undefined;
}
