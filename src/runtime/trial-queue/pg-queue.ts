// The queue of tuning trials in the shared PostgreSQL state: the applying process registers a study
// and queues its trials; `mlc worker` processes claim one at a time (FOR UPDATE SKIP LOCKED, so two
// workers never claim the same trial), keep a lease alive while they fit it, and answer. A trial whose
// lease runs out (its worker died) is claimed again; after `maxAttempts` losses it is answered with an error.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { MlcError } from "../../ir/errors.js";
import type { TrialQueue } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import type { Db } from "../state/db.js";
import { openPostgresDb } from "../state/postgres-db.js";
import { storageSettings } from "../storage-settings.js";

/** The queue cannot be used: no PostgreSQL state, or a study a worker cannot read. */
export class TrialQueueError extends MlcError {
  constructor(message: string, hint?: string) {
    super("MLC2403", message, hint ? { hint } : {});
  }
}

export interface ClaimedTrial {
  study: string;
  index: number;
  task: Json;
  /** This claim's token: a heartbeat or an answer with another one (the lease was lost) changes nothing. */
  token: string;
  attempt: number;
}

export interface StudyRow {
  id: string;
  model: string;
  spec: Json;
  data: Record<string, string>;
}

interface QueueOptions {
  /** How often the applying process looks for an answer (ms). */
  pollMs?: number;
  /** Claims of one trial before it is answered with an error (a trial that kills its workers). */
  maxAttempts?: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS mlc_trial_studies (
     id TEXT PRIMARY KEY, model TEXT NOT NULL, spec TEXT NOT NULL, data TEXT NOT NULL,
     created TIMESTAMPTZ NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS mlc_trial_queue (
     study TEXT NOT NULL REFERENCES mlc_trial_studies (id), idx INTEGER NOT NULL, task TEXT NOT NULL,
     status TEXT NOT NULL, worker TEXT, token TEXT, lease_until TIMESTAMPTZ,
     attempts INTEGER NOT NULL DEFAULT 0, runs INTEGER NOT NULL DEFAULT 0, answer TEXT,
     queued_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), updated TIMESTAMPTZ,
     PRIMARY KEY (study, idx))`,
];

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

export class PgTrialQueue implements TrialQueue {
  private readonly pollMs: number;
  private readonly maxAttempts: number;

  private constructor(
    private readonly db: Db,
    o: QueueOptions,
  ) {
    this.pollMs = o.pollMs ?? 250;
    this.maxAttempts = o.maxAttempts ?? 3;
  }

  static async open(url: string, schema?: string, o: QueueOptions = {}): Promise<PgTrialQueue> {
    const db = await openPostgresDb(url, schema);
    try {
      await db.tx(async (q) => {
        // concurrent first opens would race on the catalog: serialise them
        await q.all(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.mlc_trial_queue'))`);
        for (const sql of SCHEMA) await q.run(sql);
      });
    } catch (e) {
      await db.close();
      throw e;
    }
    return new PgTrialQueue(db, o);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---- the applying process

  async open(study: { id: string; model: string; spec: Json; data: Record<string, string> }): Promise<void> {
    await this.db.run(
      `INSERT INTO mlc_trial_studies (id, model, spec, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [study.id, study.model, JSON.stringify(study.spec), JSON.stringify(study.data)],
    );
  }

  async run(id: string, index: number, task: Json, signal?: AbortSignal): Promise<Json> {
    const text = JSON.stringify(task);
    // A trial already queued or answered with the same task is waited for or reused (a resumed apply).
    await this.db.run(
      `INSERT INTO mlc_trial_queue (study, idx, task, status) VALUES (?, ?, ?, 'queued')
       ON CONFLICT (study, idx) DO UPDATE SET task = EXCLUDED.task, status = 'queued', answer = NULL,
         worker = NULL, token = NULL, lease_until = NULL, attempts = 0, queued_at = clock_timestamp()
       WHERE mlc_trial_queue.task <> EXCLUDED.task`,
      [id, index, text],
    );
    for (;;) {
      if (signal?.aborted) throw new Error(`trial ${index}: interrupted while a worker had it`);
      const rows = await this.db.all(
        `SELECT status, answer FROM mlc_trial_queue WHERE study = ? AND idx = ?`,
        [id, index],
      );
      const row = rows[0];
      if (row?.status === "done" && typeof row.answer === "string") return JSON.parse(row.answer) as Json;
      await sleep(this.pollMs, signal);
    }
  }

  // ---- the workers

  /** Claims the oldest trial that is queued or whose lease ran out; undefined when there is none. */
  async claim(worker: string, leaseMs: number, model?: string): Promise<ClaimedTrial | undefined> {
    const token = randomBytes(12).toString("hex");
    return this.db.tx(async (q) => {
      // Trials that lost their worker too often are answered, so the study goes on without them.
      await q.run(
        `UPDATE mlc_trial_queue SET status = 'done', token = NULL, updated = now(),
           answer = '{"error":"the trial''s worker stopped ' || attempts || ' times before answering"}'
         WHERE status = 'running' AND lease_until < now() AND attempts >= ?`,
        [this.maxAttempts],
      );
      const rows = await q.all(
        `SELECT q.study, q.idx, q.task, q.attempts FROM mlc_trial_queue q
           JOIN mlc_trial_studies s ON s.id = q.study
         WHERE (q.status = 'queued' OR (q.status = 'running' AND q.lease_until < now()))
           ${model ? "AND s.model = ?" : ""}
         ORDER BY q.queued_at, q.study, q.idx
         LIMIT 1 FOR UPDATE OF q SKIP LOCKED`,
        model ? [model] : [],
      );
      const r = rows[0];
      if (!r) return undefined;
      await q.run(
        `UPDATE mlc_trial_queue SET status = 'running', worker = ?, token = ?, attempts = attempts + 1,
           runs = runs + 1, lease_until = now() + make_interval(secs => ?::float8), updated = now()
         WHERE study = ? AND idx = ?`,
        [worker, token, leaseMs / 1000, r.study as string, r.idx as number],
      );
      return {
        study: r.study as string,
        index: r.idx as number,
        task: JSON.parse(r.task as string) as Json,
        token,
        attempt: (r.attempts as number) + 1,
      };
    });
  }

  /** Extends the lease; false when the claim was lost (its lease ran out and another worker took it). */
  async heartbeat(c: ClaimedTrial, leaseMs: number): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE mlc_trial_queue SET lease_until = now() + make_interval(secs => ?::float8), updated = now()
       WHERE study = ? AND idx = ? AND token = ? AND status = 'running'`,
      [leaseMs / 1000, c.study, c.index, c.token],
    );
    return n > 0;
  }

  /** Records the answer; false when the claim was lost meanwhile (the answer is dropped). */
  async answer(c: ClaimedTrial, answer: Json): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE mlc_trial_queue SET status = 'done', answer = ?, token = NULL, updated = now()
       WHERE study = ? AND idx = ? AND token = ? AND status = 'running'`,
      [JSON.stringify(answer), c.study, c.index, c.token],
    );
    return n > 0;
  }

  /** Gives a claimed trial back to the queue at once (a worker told to stop). */
  async release(c: ClaimedTrial): Promise<void> {
    await this.db.run(
      `UPDATE mlc_trial_queue SET status = 'queued', token = NULL, lease_until = NULL, attempts = attempts - 1,
         runs = runs - 1, updated = now()
       WHERE study = ? AND idx = ? AND token = ? AND status = 'running'`,
      [c.study, c.index, c.token],
    );
  }

  async study(id: string): Promise<StudyRow> {
    const rows = await this.db.all(`SELECT id, model, spec, data FROM mlc_trial_studies WHERE id = ?`, [id]);
    const r = rows[0];
    if (!r) throw new TrialQueueError(`trial queue: study ${id.slice(0, 12)} is not registered`);
    return {
      id,
      model: r.model as string,
      spec: JSON.parse(r.spec as string) as Json,
      data: JSON.parse(r.data as string) as Record<string, string>,
    };
  }

  /** Every trial of a study: index, status, how many times it was claimed and fitted (for `mlc worker` status and tests). */
  async trials(id: string): Promise<{ index: number; status: string; attempts: number; runs: number }[]> {
    const rows = await this.db.all(
      `SELECT idx, status, attempts, runs FROM mlc_trial_queue WHERE study = ? ORDER BY idx`,
      [id],
    );
    return rows.map((r) => ({
      index: r.idx as number,
      status: r.status as string,
      attempts: r.attempts as number,
      runs: r.runs as number,
    }));
  }

  /** The studies of a model, newest first. */
  async studiesOf(model: string): Promise<string[]> {
    const rows = await this.db.all(`SELECT id FROM mlc_trial_studies WHERE model = ? ORDER BY created DESC`, [
      model,
    ]);
    return rows.map((r) => r.id as string);
  }
}

/** A name for this worker in the queue: host, pid and a random part. */
export function workerName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** The queue in the project's shared state; MLC2403 when the state is not PostgreSQL. */
export async function openProjectTrialQueue(projectDir: string, o: QueueOptions = {}): Promise<PgTrialQueue> {
  const url = storageSettings(projectDir).state;
  if (!url || !/^postgres(ql)?:\/\//.test(url))
    throw new TrialQueueError(
      "tuning trials are shared through a PostgreSQL state, and this project's state is a local file",
      'set project { state = postgres { url = env("…") } } (or MLC_STATE_URL) where mlc apply and every mlc worker run',
    );
  return PgTrialQueue.open(url, process.env.MLC_STATE_SCHEMA || undefined, o);
}
