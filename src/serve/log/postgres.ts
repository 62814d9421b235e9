// The PostgreSQL log sink, shared by every replica: predictions in one table (indexed by deployment
// and time, and by request id), labels in `<table>_feedback` keyed by (deployment, id) so the first wins.
// Rows are inserted in batches by a timer (src/serve/log/batch-queue.ts), never on the response path.
import pg from "pg";
import type { PredictionLogEntry } from "../prediction-log.js";
import { QueuedSink } from "./batch-queue.js";
import {
  isOutcomeEntry,
  LogStoreError,
  type FeedbackEntry,
  type OutcomeEntry,
  type StoredFeedback,
  type Label,
  type LoggedPrediction,
  type LogQuery,
  type PredictionSink,
  type RetentionResult,
  type SinkOptions,
} from "./types.js";

const TABLE_RE = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/** The URL with its password masked, for messages. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres ${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "postgres";
  }
}

interface Row {
  ts: Date;
  request_id: string;
  deployment: string;
  model_version: number;
  arm: string;
  latency_ms: number;
  row_index: number | null;
  experiment: string | null;
  experiment_arm: string | null;
  error: string | null;
  features: Record<string, unknown>;
  output: unknown;
}

export class PostgresSink extends QueuedSink implements PredictionSink {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly fb: string;

  constructor(
    url: string,
    private readonly table: string,
    private readonly deployment: string,
    readonly describe: string = shownUrl(url),
    opts: SinkOptions = {},
  ) {
    super(opts);
    if (!TABLE_RE.test(table)) {
      void this.queue.close();
      throw new LogStoreError(
        `invalid log table name '${table}' (lower-case letters, digits, _; optionally schema.table)`,
      );
    }
    this.fb = `${table}_feedback`;
    this.pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
    this.pool.on("error", () => undefined); // an idle client lost its connection; the next query reconnects
  }

  private query(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    return this.pool.query(sql, params).catch((e: Error) => {
      throw new LogStoreError(
        `the prediction log ${this.describe} failed: ${e.message.replace(/postgres(ql)?:\/\/\S*/g, "<url>")}`,
      );
    });
  }

  /** Creates the tables and indexes once (concurrent replicas may race: a lost race is not an error). */
  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      const t = this.table;
      const ix = t.replace(".", "_");
      const ddl = [
        `CREATE TABLE IF NOT EXISTS ${t} (request_id text NOT NULL, row_index integer, ts timestamptz NOT NULL, deployment text NOT NULL, model_version integer NOT NULL, arm text NOT NULL, experiment text, experiment_arm text, latency_ms double precision NOT NULL, features jsonb NOT NULL, output jsonb NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${ix}_time ON ${t} (deployment, ts)`,
        `CREATE INDEX IF NOT EXISTS ${ix}_request ON ${t} (request_id)`,
        // the rows of failed requests (an experiment's error-rate guardrail); null on predictions
        `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS error text`,
        `CREATE TABLE IF NOT EXISTS ${this.fb} (deployment text NOT NULL, id text NOT NULL, received timestamptz NOT NULL, request_id text, row_index integer, key jsonb, time timestamptz, label jsonb NOT NULL, PRIMARY KEY (deployment, id))`,
        `CREATE INDEX IF NOT EXISTS ${ix}_feedback_received ON ${this.fb} (deployment, received)`,
        // experiment outcomes share the table: the metric's name (null for a label), its value in label
        `ALTER TABLE ${this.fb} ADD COLUMN IF NOT EXISTS metric text`,
      ];
      for (const sql of ddl) {
        try {
          await this.pool.query(sql);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code !== "23505" && code !== "42P07" && code !== "42701") {
            this.ready = undefined;
            throw new LogStoreError(
              `cannot create the prediction log tables in ${this.describe}: ${(e as Error).message}`,
            );
          }
        }
      }
    })();
    return this.ready;
  }

  protected async writeBatch(batch: LoggedPrediction[]): Promise<void> {
    await this.ensure();
    await this.query(
      `INSERT INTO ${this.table} (request_id, row_index, ts, deployment, model_version, arm, experiment, experiment_arm, latency_ms, features, output, error)
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::jsonb[], $11::jsonb[], $12::text[])`,
      [
        batch.map((p) => p.request_id),
        batch.map((p) => p.index ?? null),
        batch.map((p) => p.ts),
        batch.map((p) => p.deployment),
        batch.map((p) => p.model_version),
        batch.map((p) => p.arm),
        batch.map((p) => p.experiment ?? null),
        batch.map((p) => p.experiment_arm ?? null),
        batch.map((p) => p.latency_ms),
        batch.map((p) => p.features),
        batch.map((p) => p.output),
        batch.map((p) => p.error ?? null),
      ],
    );
  }

  async read(q: LogQuery = {}): Promise<PredictionLogEntry[]> {
    await this.ensure();
    const where = ["deployment = $1"];
    const params: unknown[] = [this.deployment];
    if (q.since) where.push(`ts >= $${params.push(q.since)}`);
    if (q.until) where.push(`ts < $${params.push(q.until)}`);
    if (q.arms) where.push(`arm = ANY($${params.push(q.arms)})`);
    if (q.exceptArms?.length) where.push(`NOT (arm = ANY($${params.push(q.exceptArms)}))`);
    if (!q.failures) where.push("error IS NULL");
    const cols =
      "ts, request_id, deployment, model_version, arm, latency_ms, row_index, experiment, experiment_arm, error, features, output";
    const sql =
      q.last !== undefined
        ? `SELECT * FROM (SELECT ${cols} FROM ${this.table} WHERE ${where.join(" AND ")} ORDER BY ts DESC, request_id DESC, row_index DESC LIMIT $${params.push(q.last)}) w ORDER BY ts, request_id, row_index`
        : `SELECT ${cols} FROM ${this.table} WHERE ${where.join(" AND ")} ORDER BY ts, request_id, row_index`;
    const rows = (await this.query(sql, params)).rows as Row[];
    return rows.map((r) => ({
      ts: r.ts.toISOString(),
      request_id: r.request_id,
      deployment: r.deployment,
      model_version: r.model_version,
      arm: r.arm,
      latency_ms: r.latency_ms,
      ...(r.row_index !== null ? { index: r.row_index } : {}),
      ...(r.experiment !== null ? { experiment: r.experiment, experiment_arm: r.experiment_arm ?? "" } : {}),
      ...(r.error !== null ? { error: r.error } : {}),
      features: r.features,
      output: r.output,
    }));
  }

  async requestRows(requestIds: readonly string[]): Promise<Map<string, number>> {
    await this.ensure();
    const rows = (
      await this.query(
        `SELECT request_id, max(coalesce(row_index, 0)) + 1 AS n FROM ${this.table} WHERE deployment = $1 AND request_id = ANY($2) AND arm <> 'shadow' AND error IS NULL GROUP BY request_id`,
        [this.deployment, [...requestIds]],
      )
    ).rows as { request_id: string; n: number }[];
    return new Map(rows.map((r) => [r.request_id, Number(r.n)]));
  }

  async addFeedback(items: readonly StoredFeedback[]): Promise<boolean[]> {
    if (!items.length) return [];
    await this.ensure();
    // ON CONFLICT DO NOTHING: the first label per id wins, across replicas and within one batch
    const res = await this.query(
      `INSERT INTO ${this.fb} (deployment, id, received, request_id, row_index, key, time, label, metric)
       SELECT $1::text, * FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::int[], $6::jsonb[], $7::timestamptz[], $8::jsonb[], $9::text[])
       ON CONFLICT (deployment, id) DO NOTHING RETURNING id`,
      [
        this.deployment,
        items.map((f) => f.id),
        items.map((f) => f.received),
        items.map((f) => f.request_id ?? null),
        items.map((f) => f.index ?? null),
        items.map((f) => (f.key ? JSON.stringify(f.key) : null)),
        items.map((f) => f.time ?? null),
        items.map((f) => JSON.stringify(isOutcomeEntry(f) ? f.value : f.label)),
        items.map((f) => (isOutcomeEntry(f) ? f.metric : null)),
      ],
    );
    const inserted = new Set((res.rows as { id: string }[]).map((r) => r.id));
    return items.map((f) => inserted.delete(f.id));
  }

  /** Labels (metric null) or outcomes, the first per id, oldest first. */
  private async readStored(q: { since?: Date }, outcomes: boolean): Promise<StoredFeedback[]> {
    await this.ensure();
    const params: unknown[] = [this.deployment];
    const since = q.since ? ` AND received >= $${params.push(q.since)}` : "";
    const rows = (
      await this.query(
        `SELECT id, received, request_id, row_index, key, time, label, metric FROM ${this.fb} WHERE deployment = $1 AND metric IS ${outcomes ? "NOT " : ""}NULL${since} ORDER BY received, id`,
        params,
      )
    ).rows as {
      id: string;
      received: Date;
      request_id: string | null;
      row_index: number | null;
      key: Record<string, string | number | boolean> | null;
      time: Date | null;
      label: Label;
      metric: string | null;
    }[];
    return rows.map((r) => {
      const base = {
        id: r.id,
        received: r.received.toISOString(),
        ...(r.request_id !== null ? { request_id: r.request_id } : {}),
        ...(r.row_index !== null ? { index: r.row_index } : {}),
        ...(r.key !== null ? { key: r.key } : {}),
        ...(r.time !== null ? { time: r.time.toISOString() } : {}),
      };
      return r.metric !== null
        ? { ...base, metric: r.metric, value: Number(r.label) }
        : { ...base, label: r.label };
    });
  }

  async readFeedback(q: { since?: Date } = {}): Promise<FeedbackEntry[]> {
    return (await this.readStored(q, false)).filter((e): e is FeedbackEntry => !isOutcomeEntry(e));
  }

  async readOutcomes(q: { since?: Date } = {}): Promise<OutcomeEntry[]> {
    return (await this.readStored(q, true)).filter(isOutcomeEntry);
  }

  async enforceRetention(retentionSeconds: number, now: Date = new Date()): Promise<RetentionResult> {
    await this.ensure();
    const cutoff = new Date(now.getTime() - retentionSeconds * 1000);
    const p = await this.query(`DELETE FROM ${this.table} WHERE deployment = $1 AND ts < $2`, [
      this.deployment,
      cutoff,
    ]);
    const f = await this.query(`DELETE FROM ${this.fb} WHERE deployment = $1 AND received < $2`, [
      this.deployment,
      cutoff,
    ]);
    return { predictions: p.rowCount ?? 0, feedback: f.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.pool.end();
  }
}
