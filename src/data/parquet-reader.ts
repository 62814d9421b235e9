// Parquet reader: parquet-wasm decodes the file to Arrow IPC, arquero reads the Arrow table, and
// each column is converted to the in-memory forms with the declared (or Arrow's own) type.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as aq from "arquero";
import { NodeFailure } from "../ir/executor.js";
import type { ColumnSpec, ColumnType } from "./column-type.js";
import { columnValues } from "./table-columns.js";
import { type LoadedTable, tableFromColumns } from "./values-table.js";

const require = createRequire(import.meta.url);
type ParquetWasm = {
  readParquet(bytes: Uint8Array): { intoIPCStream(): Uint8Array };
  writeParquet(table: unknown): Uint8Array;
  Table: { fromIPCStream(b: Uint8Array): unknown };
};
let wasm: ParquetWasm | undefined;
/** The Node build of parquet-wasm (loaded on first use: it instantiates a wasm module). */
function parquetWasm(): ParquetWasm {
  wasm ??= require("parquet-wasm/node") as ParquetWasm;
  return wasm;
}

/** Arrow type ids (flechette) → mlc types, so undeclared columns keep the file's own types. */
function arrowType(typeId: number | undefined, sample: ArrayLike<unknown>): ColumnType | undefined {
  switch (typeId) {
    case 2: // Int
      return "int";
    case 3: // Float
    case 7: // Decimal
      return "float";
    case 6:
      return "bool";
    case 8: // Date
    case 10: // Timestamp
      return "timestamp";
    case 5: // Utf8
    case 20: // LargeUtf8
      return "string";
    case -1: // Dictionary
      return typeof Array.from(sample).find((x) => x !== null) === "string" ? "category" : undefined;
    default:
      return undefined;
  }
}

export async function readParquet(
  file: string,
  declared: readonly ColumnSpec[],
  display = file,
): Promise<LoadedTable> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new NodeFailure(
      `cannot read ${display}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
      { code: "MLC2100" },
    );
  }
  let ipc: Uint8Array;
  try {
    ipc = parquetWasm().readParquet(bytes).intoIPCStream();
  } catch (e) {
    throw new NodeFailure(`${display}: not a readable Parquet file (${String((e as Error).message ?? e)})`, {
      code: "MLC2100",
    });
  }
  const t = aq.fromArrow(ipc);
  const names = t.columnNames();
  const values = new Map(names.map((n) => [n, columnValues(t, n)]));
  const types = new Map<string, ColumnType>();
  for (const n of names) {
    const col = t.column(n) as unknown as { type?: { typeId?: number } };
    const ty = arrowType(
      col.type?.typeId ?? (typeof (col as { keyFor?: unknown }).keyFor === "function" ? -1 : undefined),
      values.get(n)! as ArrayLike<unknown>,
    );
    if (ty) types.set(n, ty);
  }
  return tableFromColumns(names, (n) => values.get(n)! as ArrayLike<unknown>, declared, display, types);
}

/** Writes a table as Parquet bytes (tests, examples and `mlc` tooling that exports data). */
export function parquetBytes(ipcStream: Uint8Array): Uint8Array {
  const pq = parquetWasm();
  return pq.writeParquet(pq.Table.fromIPCStream(ipcStream));
}
