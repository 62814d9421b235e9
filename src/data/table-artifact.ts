// Tables travel between nodes as content-addressed Arrow IPC artifacts. The bytes are a pure
// function of the table's columns, so the same table always has the same hash.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import type { ArtifactAccess } from "../ir/executor.js";
import { columnValues } from "./table-columns.js";

/** Arrow IPC stream bytes of a table (columns in table order). */
export function tableToBytes(t: ColumnTable): Uint8Array {
  // A filtered or ordered view is materialised first so the bytes depend on the rows only.
  const plain = t.isFiltered() || t.isOrdered() ? t.reify() : t;
  return aq.toArrowIPC(plain, { format: "stream" });
}

/** Reads IPC bytes back into a table with the in-memory column forms (numbers as typed arrays). */
export function tableFromBytes(bytes: Uint8Array): ColumnTable {
  const t = aq.fromArrow(bytes);
  const cols: Record<string, unknown> = {};
  for (const name of t.columnNames()) cols[name] = columnValues(t, name);
  return aq.table(cols, t.columnNames());
}

export async function saveTable(artifacts: ArtifactAccess, t: ColumnTable): Promise<string> {
  return artifacts.put(tableToBytes(t));
}

export async function loadTable(artifacts: ArtifactAccess, hash: string): Promise<ColumnTable> {
  return tableFromBytes(await artifacts.get(hash));
}
