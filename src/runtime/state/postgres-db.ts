// The team backend: PostgreSQL through a `pg` pool. An optional schema isolates one state
// (and the tests); the apply and node locks are session-level advisory locks, so a killed holder frees them.
import pg from "pg";
import type { StateChanges } from "../../ir/state-store.js";
import type { Db, Queryable, Row, SessionLockMode, SessionLocks, SqlValue } from "./db.js";
import { redactSecret, StateError } from "./state-error.js";

/** The one channel of mlc's change announcements; each payload names its schema. */
const NOTIFY_CHANNEL = "mlc_state_changes";

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
    return redactSecret(url, url);
  }
}

/** Why a connection failed, in words, without the password. */
function connectProblem(e: unknown, url: string): string {
  const err = e as { code?: string; message?: string };
  const msg = redactSecret(err.message ?? String(e), url);
  switch (err.code) {
    case "ECONNREFUSED":
      return `nothing accepts connections there (${msg}); is the server running?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host name does not resolve (${msg})`;
    case "ETIMEDOUT":
      return `the connection timed out (${msg})`;
    case "28P01":
    case "28000":
      return `the server refused the credentials (${msg})`;
    case "3D000":
      return `the database does not exist (${msg})`;
    default:
      return msg;
  }
}

/** Creates the schema once, however many processes open it at the same moment. */
async function ensureSchema(c: pg.PoolClient, schema: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query("BEGIN");
      // CREATE SCHEMA IF NOT EXISTS is not atomic against a concurrent creator: serialise on a lock.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('mlc.create_schema.' || $1))`, [schema]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query("COMMIT");
      return;
    } catch (e) {
      await c.query("ROLLBACK").catch(() => undefined);
      // A creator that took no lock (an older mlc) can still collide on the catalog: try again.
      if ((e as { code?: string }).code !== "23505" || attempt >= 3) throw e;
    }
  }
}

export async function openPostgresDb(url: string, schema?: string): Promise<Db> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new StateError(
      `invalid MLC_STATE_SCHEMA '${schema}': lower-case letters, digits and _ only, not starting with a digit`,
    );
  const where = redactUrl(url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 15_000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
  } catch (e) {
    throw new StateError(
      `MLC_STATE_URL ${where} is not a valid PostgreSQL URL (${redactSecret((e as Error).message, url)}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`,
    );
  }
  pool.on("error", () => {
    /* an idle client lost its connection; the next query reconnects */
  });
  let c: pg.PoolClient;
  try {
    c = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new StateError(`cannot open the state at ${where}: ${connectProblem(e, url)}`);
  }
  try {
    if (schema) await ensureSchema(c, schema);
  } finally {
    c.release();
  }
  const base = queryable(pool);
  // Every advisory lock this process holds lives on one dedicated session, kept while any is held.
  let lockClient: pg.PoolClient | undefined;
  let lockSession: number | undefined;
  const held = new Map<string, number>();
  const lockKey = "hashtext(current_schema() || '.' || $1)";
  const heldKey = (name: string, mode: SessionLockMode) => `${mode}:${name}`;
  const sessionLocks: SessionLocks = {
    async tryAcquire(name, mode): Promise<boolean> {
      const k = heldKey(name, mode);
      if (held.has(k)) return true;
      if (!lockClient) {
        lockClient = await pool.connect();
        lockSession = Number((await lockClient.query(`SELECT pg_backend_pid() AS pid`)).rows[0]?.pid);
      }
      const fn = mode === "shared" ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock";
      const r = await lockClient.query(`SELECT ${fn}(${lockKey}) AS ok`, [name]);
      if (r.rows[0]?.ok === true) {
        held.set(k, 1);
        return true;
      }
      if (!held.size) releaseClient();
      return false;
    },
    async release(name, mode): Promise<void> {
      const k = heldKey(name, mode);
      if (!held.has(k) || !lockClient) return;
      held.delete(k);
      const fn = mode === "shared" ? "pg_advisory_unlock_shared" : "pg_advisory_unlock";
      try {
        await lockClient.query(`SELECT ${fn}(${lockKey})`, [name]);
      } finally {
        if (!held.size) releaseClient();
      }
    },
    async session() {
      return lockSession;
    },
    async liveSessions(ids) {
      if (!ids.length) return new Set();
      const r = await pool.query(`SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])`, [ids]);
      return new Set(r.rows.map((row: { pid: unknown }) => Number(row.pid)));
    },
  };
  const notifications: StateChanges = {
    async notify(n) {
      await pool.query(
        `SELECT pg_notify($1, json_build_object('schema', current_schema(), 'topic', $2::text, 'key', $3::text)::text)`,
        [NOTIFY_CHANNEL, n.topic, n.key],
      );
    },
    async listen(onNotice, onError) {
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: 15_000,
        application_name: `mlc listen ${process.pid}`,
        ...(schema ? { options: `-c search_path=${schema}` } : {}),
      });
      let closing = false;
      let failed = false;
      const fail = (e: Error) => {
        if (closing || failed) return;
        failed = true;
        onError(new StateError(`listening for changes at ${where} stopped: ${redactSecret(e.message, url)}`));
      };
      client.on("error", fail);
      client.on("end", () => fail(new Error("the connection ended")));
      try {
        await client.connect();
        const mine = String((await client.query(`SELECT current_schema() AS s`)).rows[0]?.s);
        client.on("notification", (m) => {
          if (m.channel !== NOTIFY_CHANNEL || !m.payload) return;
          let v: unknown;
          try {
            v = JSON.parse(m.payload);
          } catch {
            return; // not an mlc announcement
          }
          const o = v as { schema?: unknown; topic?: unknown; key?: unknown };
          if (o.schema === mine && typeof o.topic === "string" && typeof o.key === "string")
            onNotice({ topic: o.topic, key: o.key });
        });
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      } catch (e) {
        closing = true;
        await client.end().catch(() => undefined);
        throw new StateError(`cannot listen for changes at ${where}: ${connectProblem(e, url)}`);
      }
      return {
        async close() {
          closing = true;
          await client.end().catch(() => undefined);
        },
      };
    },
  };
  function releaseClient(): void {
    lockClient?.release();
    lockClient = undefined;
    lockSession = undefined;
  }
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
    sessionLocks,
    notifications,
    async close() {
      held.clear();
      releaseClient();
      await pool.end();
    },
  };
}
