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

  async close(): Promise<void> {
    this.db.close();
  }
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
