// Builds one in-memory column from JS values (JSON lines, SQL rows, Arrow vectors), applying a
// declared or inferred type; a value that does not fit is a NodeFailure naming row and column.
import { NodeFailure } from "../ir/executor.js";
import { type ColumnSpec, misfitText, nullText, numberMisfit, parseValue } from "./column-type.js";
import type { ColumnArray } from "./infer-column.js";

function badValue(where: string, row: number, spec: ColumnSpec, value: unknown, why: string): NodeFailure {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new NodeFailure(`${where} row ${row + 1}, column "${spec.name}" (${spec.type}): ${shown} ${why}`, {
    code: "MLC2101",
    hint: "fix the value, or declare the column's type in the source's `schema` block",
    details: { file: where, row: row + 1, column: spec.name, value: shown },
  });
}

/** `where` names the origin in messages (a file path, or "query on sqlite:…"). */
export function columnFromValues(values: ArrayLike<unknown>, spec: ColumnSpec, where: string): ColumnArray {
  const n = values.length;
  const nullAt = (i: number, value: unknown = ""): void => {
    if (!spec.nullable) throw badValue(where, i, spec, value, nullText(spec.type, String(value)));
  };
  switch (spec.type) {
    case "int":
    case "float": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        let x: number;
        if (v === null || v === undefined) {
          nullAt(i);
          x = NaN;
        } else if (typeof v === "number") x = v;
        else if (typeof v === "bigint") x = Number(v);
        else if (typeof v === "boolean") x = v ? 1 : 0;
        else if (v instanceof Date) x = v.getTime();
        else {
          const p = parseValue(String(v), spec.type);
          if (!p.ok) throw badValue(where, i, spec, v, misfitText(spec.type, p.why));
          if (p.value === null) nullAt(i, v);
          x = p.value === null ? NaN : (p.value as number);
        }
        // A NaN number is a missing value; other numbers must be exact ints or finite float32 values.
        if (Number.isNaN(x)) {
          if (typeof v === "number") nullAt(i, v);
        } else {
          const why = numberMisfit(x, spec.type);
          if (why) throw badValue(where, i, spec, v, misfitText(spec.type, why));
        }
        out[i] = x;
      }
      return out;
    }
    case "bool": {
      const out: (boolean | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined || v === "") {
          nullAt(i);
          out[i] = null;
        } else if (typeof v === "boolean") out[i] = v;
        else if (typeof v === "number" || typeof v === "bigint") {
          if (Number(v) !== 0 && Number(v) !== 1) throw badValue(where, i, spec, v, "is not a bool");
          out[i] = Number(v) === 1;
        } else {
          const p = parseValue(String(v), "bool");
          if (!p.ok) throw badValue(where, i, spec, v, misfitText("bool", p.why));
          out[i] = p.value as boolean;
        }
      }
      return out;
    }
    case "timestamp": {
      const out: (Date | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined || v === "") {
          nullAt(i);
          out[i] = null;
        } else if (v instanceof Date) out[i] = v;
        else if (typeof v === "number" || typeof v === "bigint") out[i] = new Date(Number(v));
        else {
          const p = parseValue(String(v), "timestamp");
          if (!p.ok) throw badValue(where, i, spec, v, misfitText("timestamp", p.why));
          out[i] = p.value as Date;
        }
      }
      return out;
    }
    case "string":
    case "category": {
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined || v === "") {
          nullAt(i);
          out[i] = null;
        } else out[i] = v instanceof Date ? v.toISOString() : String(v);
      }
      return out;
    }
  }
}
