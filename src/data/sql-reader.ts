// Database sources: a query on SQLite (better-sqlite3, read-only) or PostgreSQL (pg). Column
// types come from the declared schema, else the database's own types; secrets never reach messages.
import Database from "better-sqlite3";
import type pg from "pg";
import { NodeFailure } from "../ir/executor.js";
import type { ColumnSpec, ColumnType } from "./column-type.js";
import { type LoadedTable, tableFromColumns } from "./values-table.js";

export interface QueryResult {
  names: string[];
  rows: unknown[][];
  types: Map<string, ColumnType>;
}

const SQLITE_TYPES: [RegExp, ColumnType][] = [
  [/INT/i, "int"],
  [/REAL|FLOA|DOUB|NUMERIC|DECIMAL/i, "float"],
  [/BOOL/i, "bool"],
  [/DATE|TIME/i, "timestamp"],
  [/CHAR|CLOB|TEXT/i, "string"],
];

export function querySqlite(file: string, query: string, display: string): QueryResult {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new NodeFailure(`cannot open the SQLite database ${display}: ${(e as Error).message}`, {
      code: "MLC2100",
    });
  }
  try {
    const stmt = db.prepare(query);
    if (!stmt.reader)
      throw new NodeFailure(`${display}: the query returns no rows (a source query must be a select)`, {
        code: "MLC2100",
      });
    stmt.raw(true);
    // Integers arrive as BigInt, so one past 2^53 - 1 is reported by the column it lands in, not rounded.
    stmt.safeIntegers(true);
    const cols = stmt.columns();
    const rows = stmt.all() as unknown[][];
    const types = new Map<string, ColumnType>();
    for (const c of cols) {
      const match = c.type ? SQLITE_TYPES.find(([re]) => re.test(c.type!)) : undefined;
      if (match) types.set(c.name, match[1]);
    }
    return { names: cols.map((c) => c.name), rows, types };
  } catch (e) {
    if (e instanceof NodeFailure) throw e;
    throw new NodeFailure(`${display}: the query failed: ${(e as Error).message}`, { code: "MLC2100" });
  } finally {
    db.close();
  }
}

/** PostgreSQL type OIDs → mlc types (int8 and numeric arrive as strings and are converted). */
const PG_TYPES: Record<number, ColumnType> = {
  16: "bool",
  20: "int",
  21: "int",
  23: "int",
  700: "float",
  701: "float",
  1700: "float",
  1082: "timestamp",
  1114: "timestamp",
  1184: "timestamp",
  25: "string",
  1043: "string",
  1042: "string",
};

function redact(message: string, url: string): string {
  let m = message.split(url).join("<url>");
  try {
    const pw = new URL(url).password;
    if (pw) m = m.split(pw).join("<password>");
  } catch {
    // not a URL: nothing more to hide
  }
  return m;
}

export async function queryPostgres(url: string, query: string, display: string): Promise<QueryResult> {
  let client: pg.Client | undefined;
  try {
    // pg loads here, not with the module: every command that reads sources imports this file
    const { default: postgres } = await import("pg");
    client = new postgres.Client({ connectionString: url });
    await client.connect();
    const res = await client.query({ text: query, rowMode: "array" });
    const types = new Map<string, ColumnType>();
    for (const f of res.fields) {
      const ty = PG_TYPES[f.dataTypeID];
      if (ty) types.set(f.name, ty);
    }
    return { names: res.fields.map((f) => f.name), rows: res.rows as unknown[][], types };
  } catch (e) {
    throw new NodeFailure(`${display}: ${redact((e as Error).message, url)}`, { code: "MLC2100" });
  } finally {
    await client?.end().catch(() => undefined);
  }
}

export function tableFromQuery(
  r: QueryResult,
  declared: readonly ColumnSpec[],
  display: string,
): LoadedTable {
  const index = new Map(r.names.map((n, j) => [n, j]));
  if (index.size !== r.names.length)
    throw new NodeFailure(`${display}: the query returns two columns with the same name; alias them`, {
      code: "MLC2100",
    });
  return tableFromColumns(
    r.names,
    (n) => {
      const j = index.get(n)!;
      return r.rows.map((row) => row[j]);
    },
    declared,
    `${display} query`,
    r.types,
  );
}

/** SQL for a declared version expression: `max(updated_at)` → max("updated_at"), `rows` → count(*). */
export function versionSql(version: unknown, query: string): string | undefined {
  if (typeof version === "string") return version;
  const v = version as { $call?: string; args?: unknown[]; $ref?: string[] } | null;
  const inner = `(${query.replace(/;\s*$/, "")}) as mlc_source`;
  if (v && Array.isArray(v.$ref) && v.$ref.length === 1 && v.$ref[0] === "rows")
    return `select count(*) from ${inner}`;
  if (v && typeof v.$call === "string" && ["max", "min", "count", "sum"].includes(v.$call)) {
    const arg = v.args?.[0] as { $ref?: string[] } | undefined;
    const col = arg?.$ref?.at(-1);
    const target = col ? `"${col.replace(/"/g, '""')}"` : "*";
    return `select ${v.$call}(${target}) from ${inner}`;
  }
  return undefined;
}
