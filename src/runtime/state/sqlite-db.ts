// The embedded backend: better-sqlite3 on `.mlc/state.db`, WAL mode with a busy timeout so
// several processes (plan while apply runs) can share the file.
import Database from "better-sqlite3";
import { resolve } from "node:path";
import type { Db, Queryable, Row, SqlValue } from "./db.js";
import { Mutex } from "./db.js";
import { damagedSqliteMessage, isSqliteDamage, StateError } from "./state-error.js";

// One mutex per database file in this process: a second connection's statement must not run
// while the first holds a transaction across an await (SQLite would block the event loop until
// its busy timeout, and the first transaction could never finish).
const fileMutexes = new Map<string, Mutex>();

/** Runs `fn`; a damaged file becomes a StateError with the recovery steps. */
function guarded<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isSqliteDamage(e)) throw new StateError(damagedSqliteMessage(file, (e as Error).message));
    throw e;
  }
}

export function openSqliteDb(file: string): Db {
  const db = guarded(file, () => {
    const d = new Database(file);
    try {
      d.pragma("journal_mode = WAL");
      d.pragma("busy_timeout = 10000");
      d.pragma("synchronous = NORMAL");
      d.pragma("foreign_keys = ON");
      // A truncated file can open cleanly and fail on its first page read: read the schema now.
      d.prepare("SELECT count(*) FROM sqlite_master").get();
    } catch (e) {
      d.close();
      throw e;
    }
    return d;
  });
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  const direct: Queryable = {
    async all(sql: string, params: SqlValue[] = []): Promise<Row[]> {
      return guarded(file, () => prepare(sql).all(...params) as Row[]);
    },
    async run(sql: string, params: SqlValue[] = []): Promise<number> {
      return guarded(file, () => {
        const s = prepare(sql);
        if (!s.reader) return s.run(...params).changes;
        s.all(...params);
        return 0;
      });
    },
  };
  const key = resolve(file);
  let mutex = fileMutexes.get(key);
  if (!mutex) fileMutexes.set(key, (mutex = new Mutex()));
  return {
    dialect: "sqlite",
    location: file,
    all: (sql, params) => mutex.run(() => direct.all(sql, params)),
    run: (sql, params) => mutex.run(() => direct.run(sql, params)),
    tx: <T>(fn: (q: Queryable) => Promise<T>) =>
      mutex.run(async () => {
        // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading.
        guarded(file, () => db.exec("BEGIN IMMEDIATE"));
        try {
          const out = await fn(direct);
          db.exec("COMMIT");
          return out;
        } catch (e) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw e;
        }
      }),
    async close() {
      await mutex!.run(async () => db.close());
    },
  };
}
