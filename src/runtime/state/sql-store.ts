// The StateStore written once over the Db layer, so SQLite and PostgreSQL behave the same.
// JSON-valued columns are stored as text; every multi-row change is one transaction.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { jsonText } from "../../ir/json-text.js";
import type { Db, Queryable, Row, SqlValue } from "./db.js";
import { sqlRecords } from "./sql-records.js";
import type {
  ArtifactRecord,
  LineageEdge,
  LockAttempt,
  LockInfo,
  NodeRecord,
  RegistryRecords,
  RunFailure,
  RunRecord,
  RunSuccess,
  StatEntry,
  StateChanges,
  StateLock,
  StateSnapshot,
  StateStore,
} from "../../ir/state-store.js";

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const parse = <T>(v: unknown): T => JSON.parse(String(v)) as T;
const optParse = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : parse<T>(v));
const json = (v: unknown): string => jsonText(v);
const optJson = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

function nodeFromRow(r: Row): NodeRecord {
  return {
    id: str(r.id),
    kind: str(r.kind),
    fingerprint: str(r.fingerprint),
    columns: parse(r.columns),
    node: parse(r.node),
    inputFingerprints: parse(r.input_fingerprints),
    data: optParse(r.data),
    executorVersion: str(r.executor_version),
    result: optParse(r.result),
    status: str(r.status) as NodeRecord["status"],
    error: optStr(r.error),
    runId: optStr(r.run_id),
    updated: str(r.updated),
  };
}

function runFromRow(r: Row): RunRecord {
  return {
    id: str(r.id),
    applyId: str(r.apply_id),
    node: str(r.node),
    kind: str(r.kind),
    fingerprint: str(r.fingerprint),
    started: str(r.started),
    ended: optStr(r.ended),
    status: str(r.status) as RunRecord["status"],
    error: optStr(r.error),
    timings: parse(r.timings),
    inputs: parse(r.inputs),
    config: parse(r.config),
    executorVersion: str(r.executor_version),
    data: optParse(r.data),
  };
}

const artifactFromRow = (r: Row): ArtifactRecord => ({
  hash: str(r.hash),
  size: Number(r.size),
  node: str(r.node),
  role: str(r.role),
  runId: str(r.run_id),
  created: str(r.created),
});

const NODE_UPSERT = `INSERT INTO mlc_nodes (id, kind, fingerprint, columns, node, input_fingerprints, data, executor_version, result, status, error, run_id, updated)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, fingerprint = excluded.fingerprint, columns = excluded.columns,
    node = excluded.node, input_fingerprints = excluded.input_fingerprints, data = excluded.data,
    executor_version = excluded.executor_version, result = excluded.result, status = excluded.status,
    error = excluded.error, run_id = excluded.run_id, updated = excluded.updated`;

function nodeParams(n: NodeRecord): SqlValue[] {
  return [
    n.id,
    n.kind,
    n.fingerprint,
    json(n.columns),
    json(n.node),
    json(n.inputFingerprints),
    optJson(n.data),
    n.executorVersion,
    optJson(n.result),
    n.status,
    n.error ?? null,
    n.runId ?? null,
    n.updated,
  ];
}

/** The session-lock names (PostgreSQL advisory locks): the whole state, and one per node. */
const APPLY_LOCK = "mlc_apply_lock";
const NODE_LOCK = "mlc_node_lock.";

/** A store holds one lock at a time: a second, different one is a bug of the caller. */
function refuseSecond(heldWhat: string): never {
  throw new Error(`this state store already holds the lock of ${heldWhat}; release it first`);
}

const bumpSerial = (q: Queryable) => q.run(`UPDATE mlc_serial SET serial = serial + 1 WHERE id = 1`);

/** Is a process with this pid alive on this host? (signal 0 checks without sending.) */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class SqlStateStore implements StateStore {
  readonly backend: "sqlite" | "postgres";
  readonly location: string;
  readonly lock: StateLock;
  readonly records: RegistryRecords;
  readonly changes?: StateChanges;

  constructor(private readonly db: Db) {
    this.backend = db.dialect;
    if (db.notifications) this.changes = db.notifications;
    this.location = db.location;
    this.lock = this.makeLock();
    this.records = sqlRecords(db, db.dialect, (fn) => db.tx(fn));
  }

  async serial(): Promise<number> {
    const rows = await this.db.all(`SELECT serial FROM mlc_serial WHERE id = 1`);
    return Number(rows[0]?.serial ?? 0);
  }

  async snapshot(): Promise<StateSnapshot> {
    // One transaction, so the serial and the nodes belong together.
    return this.db.tx(async (q) => {
      const s = await q.all(`SELECT serial FROM mlc_serial WHERE id = 1`);
      const rows = await q.all(`SELECT * FROM mlc_nodes WHERE status <> 'retired'`);
      const nodes: Record<string, NodeRecord> = {};
      for (const r of rows) nodes[str(r.id)] = nodeFromRow(r);
      return { serial: Number(s[0]?.serial ?? 0), nodes };
    });
  }

  async getNode(id: string): Promise<NodeRecord | undefined> {
    const rows = await this.db.all(`SELECT * FROM mlc_nodes WHERE id = ?`, [id]);
    return rows[0] ? nodeFromRow(rows[0]) : undefined;
  }

  async listNodes(opts: { includeRetired?: boolean } = {}): Promise<NodeRecord[]> {
    const rows = await this.db.all(
      opts.includeRetired
        ? `SELECT * FROM mlc_nodes ORDER BY id`
        : `SELECT * FROM mlc_nodes WHERE status <> 'retired' ORDER BY id`,
    );
    return rows.map(nodeFromRow);
  }

  async startRun(r: RunRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO mlc_runs (id, apply_id, node, kind, fingerprint, started, ended, status, error, timings, inputs, config, executor_version, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.id,
        r.applyId,
        r.node,
        r.kind,
        r.fingerprint,
        r.started,
        r.ended ?? null,
        r.status,
        r.error ?? null,
        json(r.timings),
        json(r.inputs),
        json(r.config),
        r.executorVersion,
        optJson(r.data),
      ],
    );
  }

  async commitSuccess(s: RunSuccess): Promise<void> {
    await this.db.tx(async (q) => {
      await q.run(`UPDATE mlc_runs SET status = 'ok', ended = ?, timings = ?, error = NULL WHERE id = ?`, [
        s.ended,
        json(s.timings),
        s.runId,
      ]);
      await q.run(NODE_UPSERT, nodeParams(s.node));
      for (const a of s.artifacts) {
        await q.run(
          `INSERT INTO mlc_artifacts (hash, size, node, role, run_id, created) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
          [a.hash, a.size, a.node, a.role, a.runId, a.created],
        );
      }
      for (const [name, value] of Object.entries(s.metrics)) {
        if (!Number.isFinite(value)) continue;
        await q.run(
          `INSERT INTO mlc_metrics (run_id, node, name, value) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET value = excluded.value`,
          [s.runId, s.node.id, name, value],
        );
      }
      for (const e of s.edges) {
        await q.run(
          `INSERT INTO mlc_lineage (run_id, direction, artifact, node, role) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, direction, artifact, role) DO NOTHING`,
          [e.runId, e.direction, e.artifact, e.node, e.role],
        );
      }
      await bumpSerial(q);
    });
  }

  async commitFailure(f: RunFailure): Promise<void> {
    await this.db.tx(async (q) => {
      await q.run(`UPDATE mlc_runs SET status = 'failed', ended = ?, timings = ?, error = ? WHERE id = ?`, [
        f.ended,
        json(f.timings),
        f.error,
        f.runId,
      ]);
      const existing = await q.all(`SELECT id FROM mlc_nodes WHERE id = ?`, [f.graphNode.id]);
      if (existing.length) {
        await q.run(`UPDATE mlc_nodes SET status = 'failed', error = ?, updated = ? WHERE id = ?`, [
          f.error,
          f.ended,
          f.graphNode.id,
        ]);
      } else {
        const n: NodeRecord = {
          id: f.graphNode.id,
          kind: f.graphNode.kind,
          fingerprint: "",
          columns: {},
          node: f.graphNode,
          inputFingerprints: {},
          executorVersion: "",
          status: "failed",
          error: f.error,
          updated: f.ended,
        };
        await q.run(NODE_UPSERT, nodeParams(n));
      }
      await bumpSerial(q);
    });
  }

  async interruptRunningRuns(nodes?: string[]): Promise<number> {
    const set = `UPDATE mlc_runs SET status = 'interrupted', error = 'the apply running it was interrupted' WHERE status = 'running'`;
    if (!nodes) return this.db.run(set);
    if (!nodes.length) return 0;
    return this.db.run(`${set} AND node IN (${nodes.map(() => "?").join(", ")})`, nodes);
  }

  async retireNode(id: string): Promise<void> {
    await this.db.tx(async (q) => {
      await q.run(`UPDATE mlc_nodes SET status = 'retired', updated = ? WHERE id = ?`, [
        new Date().toISOString(),
        id,
      ]);
      await bumpSerial(q);
    });
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const rows = await this.db.all(`SELECT * FROM mlc_runs WHERE id = ?`, [id]);
    return rows[0] ? runFromRow(rows[0]) : undefined;
  }

  async runsForNode(node: string, limit = 20): Promise<RunRecord[]> {
    const rows = await this.db.all(`SELECT * FROM mlc_runs WHERE node = ? ORDER BY started DESC LIMIT ?`, [
      node,
      limit,
    ]);
    return rows.map(runFromRow);
  }

  async getArtifact(hash: string): Promise<ArtifactRecord | undefined> {
    const rows = await this.db.all(`SELECT * FROM mlc_artifacts WHERE hash = ?`, [hash]);
    return rows[0] ? artifactFromRow(rows[0]) : undefined;
  }

  async artifactsByPrefix(prefix: string): Promise<ArtifactRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM mlc_artifacts WHERE substr(hash, 1, ?) = ? ORDER BY created DESC LIMIT 10`,
      [prefix.length, prefix],
    );
    return rows.map(artifactFromRow);
  }

  async edgesOfRun(runId: string): Promise<LineageEdge[]> {
    const rows = await this.db.all(
      `SELECT * FROM mlc_lineage WHERE run_id = ? ORDER BY direction, role, artifact`,
      [runId],
    );
    return rows.map((r) => ({
      runId: str(r.run_id),
      direction: str(r.direction) as LineageEdge["direction"],
      artifact: str(r.artifact),
      node: str(r.node),
      role: str(r.role),
    }));
  }

  async producersOf(hash: string): Promise<string[]> {
    const rows = await this.db.all(
      `SELECT l.run_id AS run_id FROM mlc_lineage l JOIN mlc_runs r ON r.id = l.run_id
       WHERE l.artifact = ? AND l.direction = 'output' ORDER BY r.started DESC`,
      [hash],
    );
    return rows.map((r) => str(r.run_id));
  }

  async metricsOfRun(runId: string): Promise<Record<string, number>> {
    const rows = await this.db.all(`SELECT name, value FROM mlc_metrics WHERE run_id = ? ORDER BY name`, [
      runId,
    ]);
    return Object.fromEntries(rows.map((r) => [str(r.name), Number(r.value)]));
  }

  async referencedArtifacts(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const r of await this.db.all(
      `SELECT result FROM mlc_nodes WHERE status <> 'retired' AND result IS NOT NULL`,
    )) {
      const res = parse<{ artifacts?: Record<string, string> }>(r.result);
      for (const h of Object.values(res.artifacts ?? {})) out.add(h);
    }
    for (const r of await this.db.all(`SELECT refs FROM mlc_records`))
      for (const h of parse<string[]>(r.refs)) out.add(h);
    return out;
  }

  async loadStatCache(): Promise<StatEntry[]> {
    const rows = await this.db.all(`SELECT path, size, mtime_ms, hash, rows_count FROM mlc_stat_cache`);
    return rows.map((r) => ({
      path: str(r.path),
      size: Number(r.size),
      mtimeMs: Number(r.mtime_ms),
      hash: str(r.hash),
      rows: r.rows_count === null || r.rows_count === undefined ? undefined : Number(r.rows_count),
    }));
  }

  async saveStatCache(entries: StatEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.db.tx(async (q) => {
      for (const e of entries) {
        await q.run(
          `INSERT INTO mlc_stat_cache (path, size, mtime_ms, hash, rows_count) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, hash = excluded.hash, rows_count = excluded.rows_count`,
          [e.path, e.size, e.mtimeMs, e.hash, e.rows ?? null],
        );
      }
    });
  }

  async close(): Promise<void> {
    await this.lock.release().catch(() => undefined);
    await this.db.close();
  }

  private makeLock(): StateLock {
    const db = this.db;
    const sessionLocks = db.sessionLocks;
    // What this store holds: the whole-state lock, or one node's lock, and the token of its row.
    let held: { node?: string; token: string } | undefined;
    const infoOf = (r: Row, node?: string): LockInfo => ({
      pid: Number(r.pid),
      host: str(r.host),
      command: str(r.command),
      since: str(r.since),
      ...(node !== undefined ? { node } : {}),
    });
    const holder = async (q: Queryable = db): Promise<LockInfo | undefined> => {
      const r = (await q.all(`SELECT pid, host, command, since FROM mlc_lock WHERE id = 1`))[0];
      return r ? infoOf(r) : undefined;
    };
    const nodeRows = async (
      q: Queryable = db,
      node?: string,
    ): Promise<(LockInfo & { session?: number })[]> => {
      const rows = node
        ? await q.all(`SELECT * FROM mlc_node_locks WHERE node = ?`, [node])
        : await q.all(`SELECT * FROM mlc_node_locks ORDER BY since DESC, node`);
      return rows.map((r) => ({
        ...infoOf(r, str(r.node)),
        ...(r.session === null || r.session === undefined ? {} : { session: Number(r.session) }),
      }));
    };
    const unknown = (node?: string): LockInfo => ({
      pid: 0,
      host: "unknown",
      command: "unknown",
      since: "unknown",
      ...(node !== undefined ? { node } : {}),
    });
    // A holder on this host whose process is gone was killed: its row is stale (SQLite only: there the rows decide).
    const stale = (h: LockInfo) => h.host === hostname() && !pidAlive(h.pid);
    const strip = ({ session: _s, ...info }: LockInfo & { session?: number }): LockInfo => info;
    const writeNodeRow = async (
      q: Queryable,
      node: string,
      info: LockInfo,
      token: string,
      session?: number,
    ) => {
      await q.run(`DELETE FROM mlc_node_locks WHERE node = ?`, [node]);
      await q.run(
        `INSERT INTO mlc_node_locks (node, pid, host, command, since, token, session) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [node, info.pid, info.host, info.command, info.since, token, session ?? null],
      );
    };
    return {
      holder: () => holder(),
      async nodeHolders(): Promise<LockInfo[]> {
        return (await nodeRows()).map(strip);
      },
      async acquire(info: LockInfo): Promise<LockAttempt> {
        if (held) return held.node === undefined ? { acquired: true } : refuseSecond(held.node);
        const mine = randomUUID();
        if (sessionLocks) {
          // PostgreSQL: the advisory lock decides; the row only describes the holder.
          // Who holds it is read after the refusal; a holder gone or just arriving meanwhile is tried again.
          for (let tries = 1; !(await sessionLocks.tryAcquire(APPLY_LOCK, "exclusive")); tries++) {
            // Held exclusively by an apply, or shared by execs (then a shared hold is still granted).
            if (!(await sessionLocks.tryAcquire(APPLY_LOCK, "shared")))
              return { acquired: false, holder: (await holder()) ?? unknown() };
            await sessionLocks.release(APPLY_LOCK, "shared");
            const rows = await nodeRows();
            const live = await sessionLocks.liveSessions(rows.flatMap((r) => (r.session ? [r.session] : [])));
            const h = rows.find((r) => r.session !== undefined && live.has(r.session));
            if (h || tries >= 3) return { acquired: false, holder: h ? strip(h) : unknown("a node") };
            await new Promise((r) => setTimeout(r, 50));
          }
          await db.run(
            `INSERT INTO mlc_lock (id, pid, host, command, since, token) VALUES (1, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, command = excluded.command, since = excluded.since, token = excluded.token`,
            [info.pid, info.host, info.command, info.since, mine],
          );
          held = { token: mine };
          return { acquired: true };
        }
        return db.tx(async (q): Promise<LockAttempt> => {
          const h = await holder(q);
          if (h) {
            if (!stale(h)) return { acquired: false, holder: h };
            await q.run(`DELETE FROM mlc_lock WHERE id = 1`);
          }
          for (const n of await nodeRows(q)) {
            if (!stale(n)) return { acquired: false, holder: strip(n) };
            await q.run(`DELETE FROM mlc_node_locks WHERE node = ?`, [n.node!]);
          }
          await q.run(
            `INSERT INTO mlc_lock (id, pid, host, command, since, token) VALUES (1, ?, ?, ?, ?, ?)`,
            [info.pid, info.host, info.command, info.since, mine],
          );
          held = { token: mine };
          return { acquired: true };
        });
      },
      async acquireNode(node: string, info: LockInfo): Promise<LockAttempt> {
        if (held) return held.node === node ? { acquired: true } : refuseSecond(held.node ?? "the state");
        const mine = randomUUID();
        const nodeInfo: LockInfo = { ...info, node };
        if (sessionLocks) {
          // PostgreSQL: a shared hold of the apply lock (applies wait for it) and the node's own lock.
          if (!(await sessionLocks.tryAcquire(APPLY_LOCK, "shared")))
            return { acquired: false, holder: (await holder()) ?? unknown() };
          if (!(await sessionLocks.tryAcquire(NODE_LOCK + node, "exclusive"))) {
            await sessionLocks.release(APPLY_LOCK, "shared");
            const h = (await nodeRows(db, node))[0];
            return { acquired: false, holder: h ? strip(h) : unknown(node) };
          }
          const session = await sessionLocks.session();
          await db.tx((q) => writeNodeRow(q, node, nodeInfo, mine, session));
          held = { node, token: mine };
          return { acquired: true };
        }
        return db.tx(async (q): Promise<LockAttempt> => {
          const h = await holder(q);
          if (h) {
            if (!stale(h)) return { acquired: false, holder: h };
            await q.run(`DELETE FROM mlc_lock WHERE id = 1`);
          }
          const n = (await nodeRows(q, node))[0];
          if (n && !stale(n)) return { acquired: false, holder: strip(n) };
          await writeNodeRow(q, node, nodeInfo, mine);
          held = { node, token: mine };
          return { acquired: true };
        });
      },
      async release(): Promise<void> {
        if (!held) return;
        const { node, token } = held;
        held = undefined;
        if (node === undefined) {
          await db.run(`DELETE FROM mlc_lock WHERE id = 1 AND token = ?`, [token]);
          await sessionLocks?.release(APPLY_LOCK, "exclusive");
        } else {
          await db.run(`DELETE FROM mlc_node_locks WHERE node = ? AND token = ?`, [node, token]);
          await sessionLocks?.release(NODE_LOCK + node, "exclusive");
          await sessionLocks?.release(APPLY_LOCK, "shared");
        }
      },
      async forceUnlock(node?: string): Promise<LockInfo | undefined> {
        if (node !== undefined) {
          const h = (await nodeRows(db, node))[0];
          await db.run(`DELETE FROM mlc_node_locks WHERE node = ?`, [node]);
          return h ? strip(h) : undefined;
        }
        const h = await holder();
        await db.run(`DELETE FROM mlc_lock WHERE id = 1`);
        return h;
      },
    };
  }
}
