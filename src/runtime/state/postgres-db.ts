// The team backend: PostgreSQL through a `pg` pool. An optional schema isolates one state
// (and the tests); the apply lock is a session-level advisory lock, so a killed holder frees it.
import pg from "pg";
import type { Db, Queryable, Row, SqlValue } from "./db.js";

/** `?` parameter markers → `$1, $2…` (the state SQL never has a literal `?`). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function queryable(c: pg.Pool | pg.PoolClient): Queryable {
  return {
    async all(sql: string, params: SqlValue[] = []): Promise<Row[]> {
      return (await c.query(numbered(sql), params)).rows as Row[];
    },
    async run(sql: string, params: SqlValue[] = []): Promise<number> {
      return (await c.query(numbered(sql), params)).rowCount ?? 0;
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

export async function openPostgresDb(url: string, schema?: string): Promise<Db> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`invalid schema name '${schema}'`);
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on("error", () => {
    /* an idle client lost its connection; the next query reconnects */
  });
  if (schema) {
    const c = await pool.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      c.release();
    }
  }
  const base = queryable(pool);
  let lockClient: pg.PoolClient | undefined;
  const lockKey = "hashtext(current_schema() || '.mlc_apply_lock')";
  return {
    dialect: "postgres",
    location: redactUrl(url) + (schema ? ` (schema ${schema})` : ""),
    all: base.all,
    run: base.run,
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        const out = await fn(queryable(c));
        await c.query("COMMIT");
        return out;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    sessionLock: {
      async tryAcquire(): Promise<boolean> {
        if (lockClient) return true;
        const c = await pool.connect();
        const r = await c.query(`SELECT pg_try_advisory_lock(${lockKey}) AS ok`);
        if (r.rows[0]?.ok === true) {
          lockClient = c;
          return true;
        }
        c.release();
        return false;
      },
      async release(): Promise<void> {
        if (!lockClient) return;
        const c = lockClient;
        lockClient = undefined;
        try {
          await c.query(`SELECT pg_advisory_unlock(${lockKey})`);
        } finally {
          c.release();
        }
      },
    },
    async close() {
      if (lockClient) {
        lockClient.release();
        lockClient = undefined;
      }
      await pool.end();
    },
  };
}
