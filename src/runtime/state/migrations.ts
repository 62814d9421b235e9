// Versioned schema migrations of the state store, shared by SQLite and PostgreSQL (the SQL is
// the common subset). Append a migration to change the schema; never edit an applied one.
import type { Db } from "./db.js";

interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial state schema",
    statements: [
      `CREATE TABLE IF NOT EXISTS mlc_serial (id INTEGER PRIMARY KEY, serial BIGINT NOT NULL)`,
      `INSERT INTO mlc_serial (id, serial) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
      `CREATE TABLE IF NOT EXISTS mlc_nodes (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, fingerprint TEXT NOT NULL, columns TEXT NOT NULL,
        node TEXT NOT NULL, input_fingerprints TEXT NOT NULL, data TEXT, executor_version TEXT NOT NULL,
        result TEXT, status TEXT NOT NULL, error TEXT, run_id TEXT, updated TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS mlc_runs (
        id TEXT PRIMARY KEY, apply_id TEXT NOT NULL, node TEXT NOT NULL, kind TEXT NOT NULL,
        fingerprint TEXT NOT NULL, started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL, error TEXT,
        timings TEXT NOT NULL, inputs TEXT NOT NULL, config TEXT NOT NULL, executor_version TEXT NOT NULL, data TEXT)`,
      `CREATE INDEX IF NOT EXISTS mlc_runs_node ON mlc_runs (node, started)`,
      `CREATE TABLE IF NOT EXISTS mlc_artifacts (
        hash TEXT PRIMARY KEY, size BIGINT NOT NULL, node TEXT NOT NULL, role TEXT NOT NULL,
        run_id TEXT NOT NULL, created TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS mlc_metrics (
        run_id TEXT NOT NULL, node TEXT NOT NULL, name TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (run_id, name))`,
      `CREATE TABLE IF NOT EXISTS mlc_lineage (
        run_id TEXT NOT NULL, direction TEXT NOT NULL, artifact TEXT NOT NULL, node TEXT NOT NULL, role TEXT NOT NULL,
        PRIMARY KEY (run_id, direction, artifact, role))`,
      `CREATE INDEX IF NOT EXISTS mlc_lineage_artifact ON mlc_lineage (artifact)`,
      `CREATE TABLE IF NOT EXISTS mlc_stat_cache (
        path TEXT PRIMARY KEY, size BIGINT NOT NULL, mtime_ms DOUBLE PRECISION NOT NULL, hash TEXT NOT NULL, rows_count BIGINT)`,
      `CREATE TABLE IF NOT EXISTS mlc_lock (
        id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, command TEXT NOT NULL,
        since TEXT NOT NULL, token TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS mlc_records (
        collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, refs TEXT NOT NULL, updated TEXT NOT NULL,
        PRIMARY KEY (collection, key))`,
      `CREATE TABLE IF NOT EXISTS mlc_sequences (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
    ],
  },
  {
    version: 2,
    name: "per-node locks (mlc exec)",
    statements: [
      // `session` is the PostgreSQL backend holding the node's advisory lock (NULL on SQLite).
      `CREATE TABLE IF NOT EXISTS mlc_node_locks (
        node TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, command TEXT NOT NULL,
        since TEXT NOT NULL, token TEXT NOT NULL, session INTEGER)`,
    ],
  },
];

/** Brings the schema to the latest version; safe when several processes open the store at once. */
export async function migrate(db: Db): Promise<number> {
  await db
    .run(
      `CREATE TABLE IF NOT EXISTS mlc_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`,
    )
    .catch(async (e) => {
      // Two PostgreSQL sessions racing on CREATE TABLE IF NOT EXISTS can collide on the catalog; the loser retries.
      if (db.dialect !== "postgres") throw e;
      await db.run(
        `CREATE TABLE IF NOT EXISTS mlc_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`,
      );
    });
  const latest = migrations[migrations.length - 1]!.version;
  const current = async (): Promise<number> => {
    const rows = await db.all(`SELECT MAX(version) AS v FROM mlc_migrations`);
    return Number(rows[0]?.v ?? 0);
  };
  if ((await current()) >= latest) return latest;
  return db.tx(async (q) => {
    if (db.dialect === "postgres")
      await q.all(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.mlc_migrate'))`);
    const rows = await q.all(`SELECT MAX(version) AS v FROM mlc_migrations`);
    const have = Number(rows[0]?.v ?? 0);
    for (const m of migrations) {
      if (m.version <= have) continue;
      for (const s of m.statements) await q.run(s);
      await q.run(`INSERT INTO mlc_migrations (version, name, applied) VALUES (?, ?, ?)`, [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    return latest;
  });
}
