// Tables travel between nodes as content-addressed Arrow IPC artifacts. The bytes are a pure
// function of the table's columns, so the same table always has the same hash.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import type { ArtifactAccess } from "../ir/executor.js";
import { columnValues } from "./table-columns.js";

type ArrowType = ReturnType<typeof aq.toArrow>["schema"]["fields"][number]["type"];

/**
 * Arrow IPC stream bytes of a table (columns in table order). A table with no rows has no values
 * to infer column types from: they are taken from `like` (the table it was cut from).
 */
export function tableToBytes(t: ColumnTable, like?: ColumnTable): Uint8Array {
  // A filtered or ordered view is materialised first so the bytes depend on the rows only.
  const plain = t.isFiltered() || t.isOrdered() ? t.reify() : t;
  if (plain.numRows() > 0) return aq.toArrowIPC(plain, { format: "stream" });
  const model = like && like.numRows() > 0 ? like.slice(0, 1).reify() : undefined;
  const fields = model ? aq.toArrow(model).schema.fields : [];
  // Dictionary-encoded strings become plain strings: an empty dictionary does not read back.
  const plainType = (type: ArrowType): ArrowType => ("dictionary" in type ? type.dictionary : type);
  const types = Object.fromEntries(fields.map((f) => [f.name, plainType(f.type)]));
  const text = plainType(aq.toArrow(aq.table({ s: [""] })).schema.fields[0]!.type);
  for (const name of plain.columnNames()) types[name] ??= text;
  return aq.toArrowIPC(plain, { format: "stream", types });
}

/** Reads IPC bytes back into a table with the in-memory column forms (numbers as typed arrays). */
function tableFromBytes(bytes: Uint8Array): ColumnTable {
  const t = aq.fromArrow(bytes);
  const cols: Record<string, unknown> = {};
  for (const name of t.columnNames()) cols[name] = columnValues(t, name);
  return aq.table(cols, t.columnNames());
}

export async function saveTable(
  artifacts: ArtifactAccess,
  t: ColumnTable,
  like?: ColumnTable,
): Promise<string> {
  return artifacts.put(tableToBytes(t, like));
}

export async function loadTable(artifacts: ArtifactAccess, hash: string): Promise<ColumnTable> {
  return tableFromBytes(await artifacts.get(hash));
}
