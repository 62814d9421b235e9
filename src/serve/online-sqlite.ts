// The embedded online store: one SQLite file (default `.mlc/online.db`, WAL). A table is written in
// one transaction under a fresh content id; its `online_tables` row is the commit marker readers use.
import Database from "better-sqlite3";
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import {
  entityId,
  OnlineStoreError,
  tableId,
  type OnlineRow,
  type OnlineStore,
  type OnlineTableMeta,
} from "./online-store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS online_tables (
  id TEXT PRIMARY KEY,
  deployment TEXT NOT NULL,
  meta TEXT NOT NULL,
  created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS online_rows (
  table_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  vals TEXT NOT NULL,
  PRIMARY KEY (table_id, entity)
) WITHOUT ROWID;
`;

export class SqliteOnlineStore implements OnlineStore {
  private readonly getMeta: Database.Statement<[string], { meta: string }>;
  private readonly getRow: Database.Statement<[string, string], { vals: string }>;

  private constructor(
    private readonly db: Database.Database,
    readonly describe: string,
  ) {
    this.getMeta = db.prepare("SELECT meta FROM online_tables WHERE id = ?");
    this.getRow = db.prepare("SELECT vals FROM online_rows WHERE table_id = ? AND entity = ?");
  }

  static open(file: string, shown: string, readonly: boolean): SqliteOnlineStore {
    let db: Database.Database;
    try {
      if (!readonly) mkdirSync(dirname(file), { recursive: true });
      db = new Database(file, readonly ? { readonly: true, fileMustExist: true } : {});
      db.pragma("busy_timeout = 10000");
      if (!readonly) {
        db.pragma("journal_mode = WAL");
        db.exec(SCHEMA);
      }
    } catch (e) {
      throw new OnlineStoreError(`cannot open the online store ${shown}: ${(e as Error).message}`);
    }
    return new SqliteOnlineStore(db, `sqlite ${shown}`);
  }

  async write(meta: OnlineTableMeta, rows: readonly OnlineRow[]): Promise<string> {
    const id = tableId(meta, rows);
    const insertRow = this.db.prepare(
      "INSERT OR REPLACE INTO online_rows (table_id, entity, vals) VALUES (?, ?, ?)",
    );
    const insertTable = this.db.prepare(
      "INSERT INTO online_tables (id, deployment, meta, created) VALUES (?, ?, ?, ?)",
    );
    // IMMEDIATE: a second writer waits (busy_timeout) instead of interleaving; readers never see a partial table.
    this.db
      .transaction(() => {
        if (this.getMeta.get(id)) return;
        for (const r of rows) insertRow.run(id, entityId(r.key), JSON.stringify(r.values));
        insertTable.run(id, meta.deployment, JSON.stringify(meta), meta.created);
      })
      .immediate();
    return id;
  }

  async meta(table: string): Promise<OnlineTableMeta | undefined> {
    const r = this.getMeta.get(table);
    return r ? (JSON.parse(r.meta) as OnlineTableMeta) : undefined;
  }

  async lookup(table: string, entities: readonly string[]): Promise<(OnlineRow["values"] | undefined)[]> {
    return entities.map((e) => {
      const r = this.getRow.get(table, e);
      return r ? (JSON.parse(r.vals) as OnlineRow["values"]) : undefined;
    });
  }

  async prune(deployment: string, keep: ReadonlySet<string>): Promise<number> {
    const ids = this.db.prepare("SELECT id FROM online_tables WHERE deployment = ?").all(deployment) as {
      id: string;
    }[];
    const drop = ids.map((r) => r.id).filter((id) => !keep.has(id));
    const delRows = this.db.prepare("DELETE FROM online_rows WHERE table_id = ?");
    const delTable = this.db.prepare("DELETE FROM online_tables WHERE id = ?");
    this.db
      .transaction(() => {
        for (const id of drop) {
          delTable.run(id);
          delRows.run(id);
        }
      })
      .immediate();
    return drop.length;
  }

  /**
   * One table as written, for another checkout (shared deployments): its meta and its rows as stored
   * (entity id, values JSON), read in one transaction; undefined when the store has no such table.
   */
  exportTable(table: string): SqliteTableExport | undefined {
    return this.db.transaction(() => {
      const m = this.getMeta.get(table);
      if (!m) return undefined;
      const rows = this.db
        .prepare("SELECT entity, vals FROM online_rows WHERE table_id = ? ORDER BY entity")
        .all(table) as { entity: string; vals: string }[];
      return {
        format: "mlc-online-export/1" as const,
        id: table,
        meta: JSON.parse(m.meta) as OnlineTableMeta,
        rows: rows.map((r) => [r.entity, r.vals] as [string, string]),
      };
    })();
  }

  /** Writes an exported table under its own id, atomically; a table already there is kept. */
  importTable(t: SqliteTableExport): void {
    const insertRow = this.db.prepare(
      "INSERT OR REPLACE INTO online_rows (table_id, entity, vals) VALUES (?, ?, ?)",
    );
    const insertTable = this.db.prepare(
      "INSERT INTO online_tables (id, deployment, meta, created) VALUES (?, ?, ?, ?)",
    );
    this.db
      .transaction(() => {
        if (this.getMeta.get(t.id)) return;
        for (const [entity, vals] of t.rows) insertRow.run(t.id, entity, vals);
        insertTable.run(t.id, t.meta.deployment, JSON.stringify(t.meta), t.meta.created);
      })
      .immediate();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** A table exported from one SQLite online store for another (the shared store carries it as one object). */
export interface SqliteTableExport {
  format: "mlc-online-export/1";
  id: string;
  meta: OnlineTableMeta;
  /** [entity id, values JSON], by entity id. */
  rows: [string, string][];
}

/** Problems with an export read back from the shared store; empty when it can be imported. */
export function validateTableExport(v: unknown, id: string): string[] {
  const t = v as Partial<SqliteTableExport> | null;
  if (!t || typeof t !== "object") return ["expected an object"];
  const errs: string[] = [];
  if (t.format !== "mlc-online-export/1") errs.push(`format: expected mlc-online-export/1`);
  if (t.id !== id) errs.push(`id: expected ${id}, found ${String(t.id)}`);
  if (!t.meta || typeof t.meta !== "object" || t.meta.format !== "mlc-online-table/1")
    errs.push("meta: expected an online table's meta");
  else if (typeof t.meta.deployment !== "string" || typeof t.meta.created !== "string")
    errs.push("meta: expected deployment and created");
  if (
    !Array.isArray(t.rows) ||
    !t.rows.every((r) => Array.isArray(r) && typeof r[0] === "string" && typeof r[1] === "string")
  )
    errs.push("rows: expected [entity, values] pairs of strings");
  return errs;
}

/**
 * Copies one table into a fresh SQLite file (a container's build context carries only the table its
 * version serves). Synchronous, and consistent: the rows are read in one transaction of the source.
 */
export function copySqliteTable(src: string, dest: string, table: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  for (const f of [dest, `${dest}-wal`, `${dest}-shm`]) rmSync(f, { force: true });
  const db = new Database(dest);
  try {
    db.exec(SCHEMA);
    db.prepare("ATTACH DATABASE ? AS src").run(src);
    const copied = db.transaction(() => {
      const n = db
        .prepare("INSERT INTO online_tables SELECT * FROM src.online_tables WHERE id = ?")
        .run(table).changes;
      db.prepare("INSERT INTO online_rows SELECT * FROM src.online_rows WHERE table_id = ?").run(table);
      return n;
    })();
    db.exec("DETACH DATABASE src");
    if (copied !== 1) throw new OnlineStoreError(`the online store ${src} has no table ${table}`);
  } finally {
    db.close();
  }
}
