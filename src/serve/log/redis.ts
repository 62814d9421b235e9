// The Redis Streams log sink, shared by every replica: predictions in the stream
// `<prefix>:<deployment>:predictions` (one NDJSON line per entry, trimmed by time with MINID), a key per
// request id for the feedback lookup, and labels in `<prefix>:<deployment>:feedback` (first per id wins).
import { Redis } from "ioredis";
import type { PredictionLogEntry } from "../prediction-log.js";
import { QueuedSink } from "./batch-queue.js";
import { loggedLine } from "./files.js";
import {
  isOutcomeEntry,
  LogStoreError,
  type FeedbackEntry,
  type OutcomeEntry,
  type StoredFeedback,
  type LoggedPrediction,
  type LogQuery,
  type PredictionSink,
  type RetentionResult,
  type SinkOptions,
} from "./types.js";

/** A stream entry id is its insertion time in ms (Redis's clock): allowed skew from the server's clock. */
const MAX_WRITE_LAG_MS = 60_000;
const CHUNK = 1000;

/** SET the feedback id if absent (expiring with retention) and only then add the label: atomic, first wins. */
const ADD_FEEDBACK = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  if ARGV[2] ~= '' then redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[2], '*', 'f', ARGV[3])
  else redis.call('XADD', KEYS[2], '*', 'f', ARGV[3]) end
  return 1
end
return 0`;

/** A key per request id lives this long without a declared retention (30 days). */
const DEFAULT_INDEX_MS = 30 * 86_400_000;

export class RedisSink extends QueuedSink implements PredictionSink {
  readonly kind = "redis" as const;
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly fbStream: string;
  private readonly retentionMs: number | undefined;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly deployment: string,
    readonly describe: string,
    opts: SinkOptions = {},
  ) {
    super(opts);
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
    this.redis.on("error", () => undefined); // the URL may hold a password; failures surface per command
    this.stream = `${prefix}:${deployment}:predictions`;
    this.fbStream = `${prefix}:${deployment}:feedback`;
    this.retentionMs = opts.retentionSeconds !== undefined ? opts.retentionSeconds * 1000 : undefined;
  }

  private fail(e: unknown): never {
    throw new LogStoreError(
      `the prediction log ${this.describe} failed: ${(e as Error).message.replace(/rediss?:\/\/\S*/g, "<url>")}`,
    );
  }

  private ridKey(id: string): string {
    return `${this.prefix}:${this.deployment}:rid:${id}`;
  }

  protected async writeBatch(batch: LoggedPrediction[]): Promise<void> {
    const now = Date.now();
    const minId = this.retentionMs !== undefined ? String(Math.max(0, now - this.retentionMs)) : undefined;
    const ttl = this.retentionMs ?? DEFAULT_INDEX_MS;
    const rows = new Map<string, number>();
    const m = this.redis.pipeline();
    for (const p of batch) {
      if (minId !== undefined) m.xadd(this.stream, "MINID", "~", minId, "*", "e", loggedLine(p));
      else m.xadd(this.stream, "*", "e", loggedLine(p));
      if (p.arm !== "shadow" && p.error === undefined)
        rows.set(p.request_id, Math.max(rows.get(p.request_id) ?? 0, (p.index ?? 0) + 1));
    }
    for (const [id, n] of rows) m.set(this.ridKey(id), String(n), "PX", ttl);
    const res = await m.exec().catch((e: unknown) => this.fail(e));
    const err = res?.find(([e]) => e)?.[0];
    if (err) this.fail(err);
  }

  /** Entries with a stream id in [start, end], oldest first (or newest first when `reverse`). */
  private async *entries(
    stream: string,
    start: string,
    end: string,
    reverse = false,
  ): AsyncGenerator<string> {
    let from = reverse ? end : start;
    for (;;) {
      let chunk: [id: string, fields: string[]][];
      try {
        chunk = reverse
          ? await this.redis.xrevrange(stream, from, start, "COUNT", CHUNK)
          : await this.redis.xrange(stream, from, end, "COUNT", CHUNK);
      } catch (e) {
        this.fail(e);
      }
      for (const [, fields] of chunk) {
        const i = fields.indexOf("e") >= 0 ? fields.indexOf("e") : fields.indexOf("f");
        if (i >= 0 && fields[i + 1] !== undefined) yield fields[i + 1]!;
      }
      if (chunk.length < CHUNK) return;
      from = `(${chunk[chunk.length - 1]![0]}`;
    }
  }

  async read(q: LogQuery = {}): Promise<PredictionLogEntry[]> {
    const since = q.since?.getTime();
    const until = q.until?.getTime();
    const arms = q.arms ? new Set(q.arms) : undefined;
    const except = new Set(q.exceptArms ?? []);
    const keep = (e: PredictionLogEntry): boolean => {
      const t = Date.parse(e.ts);
      return (
        (since === undefined || t >= since) &&
        (until === undefined || t < until) &&
        (!arms || arms.has(e.arm)) &&
        !except.has(e.arm) &&
        (e.error === undefined || q.failures === true)
      );
    };
    const start = since !== undefined ? String(Math.max(0, since - MAX_WRITE_LAG_MS)) : "-";
    // an entry is written after its request (a retry after an outage: much later), so only the start bounds ids
    const end = "+";
    const out: PredictionLogEntry[] = [];
    for await (const line of this.entries(this.stream, start, end, q.last !== undefined)) {
      const e = JSON.parse(line) as PredictionLogEntry;
      if (!keep(e)) continue;
      out.push(e);
      // `last` reads newest-written first: the N entries written most recently
      if (q.last !== undefined && out.length >= q.last) break;
    }
    if (q.last !== undefined) out.reverse(); // back to write order, which a stable sort keeps among equal times
    out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    return q.last !== undefined && out.length > q.last ? out.slice(out.length - q.last) : out;
  }

  async requestRows(requestIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!requestIds.length) return out;
    const got = await this.redis
      .mget(...requestIds.map((id) => this.ridKey(id)))
      .catch((e: unknown) => this.fail(e));
    requestIds.forEach((id, i) => {
      if (got[i] != null) out.set(id, Number(got[i]));
    });
    return out;
  }

  async addFeedback(items: readonly StoredFeedback[]): Promise<boolean[]> {
    const now = Date.now();
    const ttl = this.retentionMs ?? DEFAULT_INDEX_MS;
    const minId = this.retentionMs !== undefined ? String(Math.max(0, now - this.retentionMs)) : "";
    const out: boolean[] = [];
    for (const f of items) {
      const r = await this.redis
        .eval(
          ADD_FEEDBACK,
          2,
          `${this.prefix}:${this.deployment}:fbid:${f.id}`,
          this.fbStream,
          String(ttl),
          minId,
          JSON.stringify(f),
        )
        .catch((e: unknown) => this.fail(e));
      out.push(r === 1);
    }
    return out;
  }

  /** Labels and outcomes, oldest first (the id key admitted only the first per id). */
  private async readStored(q: { since?: Date }): Promise<StoredFeedback[]> {
    const since = q.since?.getTime();
    const out: StoredFeedback[] = [];
    const start = since !== undefined ? String(since) : "-";
    for await (const line of this.entries(this.fbStream, start, "+"))
      out.push(JSON.parse(line) as StoredFeedback);
    return out;
  }

  async readFeedback(q: { since?: Date } = {}): Promise<FeedbackEntry[]> {
    return (await this.readStored(q)).filter((e): e is FeedbackEntry => !isOutcomeEntry(e));
  }

  async readOutcomes(q: { since?: Date } = {}): Promise<OutcomeEntry[]> {
    return (await this.readStored(q)).filter(isOutcomeEntry);
  }

  async enforceRetention(retentionSeconds: number, now: Date = new Date()): Promise<RetentionResult> {
    // exact trimming here (the XADDs trim approximately, which is cheaper)
    const minId = String(Math.max(0, now.getTime() - retentionSeconds * 1000));
    const predictions = await this.redis
      .xtrim(this.stream, "MINID", minId)
      .catch((e: unknown) => this.fail(e));
    const feedback = await this.redis
      .xtrim(this.fbStream, "MINID", minId)
      .catch((e: unknown) => this.fail(e));
    return { predictions, feedback };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
