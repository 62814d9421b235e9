// Tables from value-oriented readers (JSON lines, SQL rows, Arrow): each column built with its
// declared type, or an inferred one, into the in-memory forms; plus concatenation of parts.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { NodeFailure } from "../ir/executor.js";
import type { ColumnSpec, ColumnType } from "./column-type.js";
import { columnFromValues } from "./column-from-values.js";
import { type ColumnArray, inferValueType } from "./infer-column.js";
import { specName } from "./schema-infer.js";
import { columnValues } from "./table-columns.js";

export interface LoadedTable {
  table: ColumnTable;
  schema: ColumnSpec[];
}

/**
 * A source with a `schema` block holds only the columns it declares: the failure naming the others
 * (where: the file, or the file and header line), or undefined when there are none.
 */
export function undeclaredColumnsFailure(
  names: readonly string[],
  declared: readonly string[],
  where: string,
): NodeFailure | undefined {
  const known = new Set(declared);
  const extra = names.filter((n) => !known.has(n));
  if (extra.length === 0) return undefined;
  const one = extra.length === 1;
  const shown = extra
    .slice(0, 5)
    .map((n) => JSON.stringify(n))
    .join(", ");
  const more = extra.length > 5 ? ` and ${extra.length - 5} more` : "";
  return new NodeFailure(
    `${where}: ${one ? "column" : "columns"} ${shown}${more} ${one ? "is" : "are"} not declared in the source's schema; ` +
      `declare ${one ? "it" : "them"} (e.g. ${specName(extra[0]!) ?? JSON.stringify(extra[0]!)} = string) or remove ${one ? "it" : "them"} from the data`,
    { code: "MLC2103", details: { file: where, column: extra[0]! } },
  );
}

/** `types` gives a known type per column (e.g. from a database's column types) before inference. */
export function tableFromColumns(
  names: readonly string[],
  values: (name: string) => ArrayLike<unknown>,
  declared: readonly ColumnSpec[],
  where: string,
  types: ReadonlyMap<string, ColumnType> = new Map(),
): LoadedTable {
  const decl = new Map(declared.map((c) => [c.name, c]));
  for (const d of declared) {
    if (!names.includes(d.name))
      throw new NodeFailure(
        `${where}: declared column "${d.name}" is not in the data (columns: ${names.join(", ")})`,
        { code: "MLC2101" },
      );
  }
  const cols: Record<string, ColumnArray> = {};
  const schema: ColumnSpec[] = [];
  for (const name of names) {
    const v = values(name);
    const spec = decl.get(name) ?? {
      name,
      type: types.get(name) ?? inferValueType(Array.from(v)),
      nullable: true,
    };
    cols[name] = columnFromValues(v, spec, where);
    schema.push(spec);
  }
  return { table: aq.table(cols, [...names]), schema };
}

/** Rows of several files with the same columns, in file order. */
export function concatTables(parts: readonly LoadedTable[], where: string): LoadedTable {
  if (parts.length === 1) return parts[0]!;
  const names = parts[0]!.table.columnNames();
  for (const p of parts) {
    const n = p.table.columnNames();
    if (n.join("\u0000") !== names.join("\u0000"))
      throw new NodeFailure(
        `${where}: the files have different columns (${names.join(", ")} vs ${n.join(", ")})`,
        { code: "MLC2101" },
      );
  }
  const cols: Record<string, unknown> = {};
  for (const name of names) {
    const arrays = parts.map((p) => columnValues(p.table, name));
    if (arrays.every((a) => a instanceof Float64Array)) {
      const out = new Float64Array(arrays.reduce((s, a) => s + a.length, 0));
      let o = 0;
      for (const a of arrays) {
        out.set(a as Float64Array, o);
        o += a.length;
      }
      cols[name] = out;
    } else cols[name] = arrays.flatMap((a) => Array.from(a as ArrayLike<unknown>));
  }
  // A column inferred differently in two files takes the wider reading (float over int, string over all).
  const schema = parts[0]!.schema.map((c, j) => {
    const types = new Set(parts.map((p) => p.schema[j]!.type));
    const type: ColumnType =
      types.size === 1 ? c.type : [...types].every((t) => t === "int" || t === "float") ? "float" : "string";
    return { ...c, type, nullable: parts.some((p) => p.schema[j]!.nullable) };
  });
  return { table: aq.table(cols, names), schema };
}
