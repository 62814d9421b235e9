// One consumer of a Redis Stream consumer group: reads micro-batches (XREADGROUP COUNT batch), claims
// entries idle on crashed consumers (XAUTOCLAIM), validates and scores each batch in one model run, and
// writes outputs or dead letters and acknowledges them in one atomic script, deduplicated by event id;
// the same script decides the alerts of new anomalous outputs (windows and cooldowns kept in Redis).
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { StreamTarget } from "./stream-config.js";
import { alertStreamOf } from "./stream-alert-rules.js";
import {
  BatchScorer,
  deliveredEvent,
  emptyStats,
  MAX_DELIVERIES,
  noteBatchFailure,
  recordOutcomes,
  type ConsumerStats,
  type DeliveredEvent,
  type Outcome,
  type StreamWorker,
  type StreamWorkerOptions,
} from "./stream-score.js";

export { MAX_DELIVERIES, type ConsumerStats, type ScoringRoute } from "./stream-score.js";

export interface ConsumerOptions extends StreamWorkerOptions {
  /** A connection of this consumer's own (blocking reads hold it). */
  redis: Redis;
}

/** A stream entry: its id and its field/value pairs (null when the entry was deleted while pending). */
type Entry = [id: string, fields: string[] | null];

/**
 * KEYS: output, dead letter, input, alert stream, then one done-marker per outcome. ARGV: group, ttl,
 * the number of alert rules, four per rule (name, count, window ms, cooldown ms), then seven per
 * outcome; returns 1 (written) or 0 (already done) per outcome. An outcome whose marker exists is only
 * acknowledged (a redelivery); otherwise its record is added and the marker set, in the same atomic
 * step, so a crash can never leave an output unmarked, nor an anomaly written but not counted.
 *
 * A new anomalous output counts once per rule in its group: a rate rule keeps the group's event ids
 * in a sorted set by entry time (the window); when the count reaches the rule's and the group's
 * cooldown key is free, the alert is added to the alert stream (with the window's event ids and the
 * events suppressed by the last cooldown) and the window starts again; otherwise, during a cooldown,
 * the event is counted as suppressed.
 */
const WRITE_SCRIPT = `
local group, ttl, nrules = ARGV[1], ARGV[2], tonumber(ARGV[3])
local obase = 3 + nrules * 4
local res = {}
for i = 5, #KEYS do
  local b = obase + (i - 5) * 7
  local kind, entry, id, a, f, c, g = ARGV[b+1], ARGV[b+2], ARGV[b+3], ARGV[b+4], ARGV[b+5], ARGV[b+6], ARGV[b+7]
  if redis.call('SET', KEYS[i], entry, 'NX', 'EX', ttl) then
    if kind == 'o' then
      redis.call('XADD', KEYS[1], '*', 'id', id, 'entry', entry, 'version', a, 'prediction', f)
      if g ~= '' then
        local groups, p = {}, 2
        while true do
          local q = string.find(g, '\\31', p, true)
          if not q then groups[#groups + 1] = string.sub(g, p); break end
          groups[#groups + 1] = string.sub(g, p, q - 1)
          p = q + 1
        end
        -- entry time in microsecond-like units: ms * 1000 + the sequence (≤ 999), so the window keeps stream order
        local ms, seq = string.match(entry, '^(%d+)-(%d+)')
        local ts = tonumber(ms) * 1000 + math.min(tonumber(seq), 999)
        for r = 1, nrules do
          local rb = 3 + (r - 1) * 4
          local name, count, within, cool = ARGV[rb+1], tonumber(ARGV[rb+2]), tonumber(ARGV[rb+3]), ARGV[rb+4]
          local gv = groups[r] or ''
          local pre = 'mlc:alert:' .. KEYS[1] .. ':' .. name .. ':'
          local wkey, n = pre .. 'w:' .. gv, 1
          if count > 1 then
            redis.call('ZADD', wkey, ts, id)
            redis.call('ZREMRANGEBYSCORE', wkey, '-inf', ts - within * 1000)
            n = redis.call('ZCARD', wkey)
            redis.call('PEXPIRE', wkey, within)
          end
          if n >= count then
            local skey = pre .. 's:' .. gv
            if redis.call('SET', pre .. 'c:' .. gv, id, 'NX', 'PX', cool) then
              local events = {id}
              if count > 1 then
                events = redis.call('ZRANGE', wkey, 0, -1)
                redis.call('DEL', wkey)
              end
              local suppressed = redis.call('GET', skey) or '0'
              redis.call('DEL', skey)
              redis.call('XADD', KEYS[4], '*', 'rule', name, 'group', gv, 'count', tostring(n), 'event', id,
                'entry', entry, 'version', a, 'prediction', f, 'events', cjson.encode(events), 'suppressed', suppressed)
            else
              redis.call('INCR', skey)
              redis.call('PEXPIRE', skey, tonumber(cool) + within)
            end
          end
        end
      end
    else
      redis.call('XADD', KEYS[2], '*', 'id', id, 'entry', entry, 'reason', a, 'field', f, 'payload', c)
    end
    res[#res + 1] = 1
  else
    res[#res + 1] = 0
  end
  redis.call('XACK', KEYS[3], group, entry)
end
return res
`;
const WRITE_SHA = createHash("sha1").update(WRITE_SCRIPT).digest("hex");

/** The key remembering that an event id was scored (or dead-lettered) for this output. */
export const doneKey = (t: StreamTarget, kind: "o" | "d", event: string): string =>
  `mlc:stream:${t.output}:${kind === "o" ? "done" : "dead"}:${event}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function parseEntries(v: unknown): Entry[] {
  if (!Array.isArray(v)) return [];
  const out: Entry[] = [];
  for (const e of v) {
    if (!Array.isArray(e) || typeof e[0] !== "string") continue;
    const fields = Array.isArray(e[1]) ? e[1].map((x) => String(x)) : null;
    out.push([e[0], fields]);
  }
  return out;
}

/** XREADGROUP's reply for one stream: [[stream, entries]] or null. */
function readReply(v: unknown): Entry[] {
  if (!Array.isArray(v) || !Array.isArray(v[0])) return [];
  return parseEntries((v[0] as unknown[])[1]);
}

const fieldOf = (fields: string[], name: string): string | undefined => {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
};

/** Creates the group at the start of the stream (creating the stream too); an existing group is kept. */
export async function ensureGroup(redis: Redis, t: StreamTarget): Promise<void> {
  try {
    await redis.call("XGROUP", "CREATE", t.input, t.group, "0", "MKSTREAM");
  } catch (e) {
    if (!String((e as Error).message).startsWith("BUSYGROUP")) throw e;
  }
}

export class StreamConsumer implements StreamWorker {
  readonly stats: ConsumerStats = emptyStats();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private claimCursor = "0-0";
  private nextClaim = 0;
  private readonly scorer: BatchScorer;
  private readonly blockMs: number;
  private readonly claimEveryMs: number;

  constructor(private readonly opts: ConsumerOptions) {
    this.blockMs = opts.blockMs ?? 500;
    this.claimEveryMs = Math.max(50, Math.min(opts.target.claim_idle_ms / 2, 5000));
    this.scorer = new BatchScorer({
      route: opts.route,
      ...(opts.review ? { review: opts.review } : {}),
      ...(opts.target.alerts ? { rules: opts.target.alerts } : {}),
    });
  }

  get name(): string {
    return this.opts.name;
  }

  /** Starts the read loop (the group must exist: ensureGroup). */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Graceful drain: stops reading, lets the batch in flight finish (scored, written, acknowledged),
   * then leaves the group if this consumer holds no pending entry. Resolves when done.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    try {
      const pending = await this.opts.redis.call(
        "XPENDING",
        this.opts.target.input,
        this.opts.target.group,
        "-",
        "+",
        "1",
        this.opts.name,
      );
      if (Array.isArray(pending) && pending.length === 0)
        await this.opts.redis.call(
          "XGROUP",
          "DELCONSUMER",
          this.opts.target.input,
          this.opts.target.group,
          this.opts.name,
        );
    } catch (e) {
      this.opts.log?.(`consumer ${this.opts.name}: could not leave the group: ${(e as Error).message}`);
    }
  }

  private async run(): Promise<void> {
    const t = this.opts.target;
    while (!this.stopping) {
      try {
        if (Date.now() >= this.nextClaim) {
          const claimed = await this.claim();
          if (claimed.length) {
            this.stats.claimed += claimed.length;
            await this.process(claimed, await this.exhausted(claimed));
            continue;
          }
        }
        const wait = Math.max(1, Math.min(this.blockMs, this.nextClaim - Date.now()));
        const reply = await this.opts.redis.call(
          "XREADGROUP",
          "GROUP",
          t.group,
          this.opts.name,
          "COUNT",
          String(t.batch),
          "BLOCK",
          String(wait),
          "STREAMS",
          t.input,
          ">",
        );
        const entries = readReply(reply);
        if (entries.length) await this.process(entries);
      } catch (e) {
        // the entries stay pending: this or another consumer claims them after claim_idle
        noteBatchFailure(this.stats, this.scorer, this.opts, e);
        if (!this.stopping) await sleep(Math.min(1000, t.claim_idle_ms));
      }
    }
  }

  /** One XAUTOCLAIM page of entries idle longer than claim_idle; deleted entries are acknowledged. */
  private async claim(): Promise<Entry[]> {
    const t = this.opts.target;
    const reply = await this.opts.redis.call(
      "XAUTOCLAIM",
      t.input,
      t.group,
      this.opts.name,
      String(t.claim_idle_ms),
      this.claimCursor,
      "COUNT",
      String(t.batch),
    );
    if (!Array.isArray(reply)) return [];
    const next = typeof reply[0] === "string" ? reply[0] : "0-0";
    this.claimCursor = next;
    if (next === "0-0") this.nextClaim = Date.now() + this.claimEveryMs;
    const deleted = Array.isArray(reply[2]) ? reply[2].map(String) : [];
    if (deleted.length) await this.opts.redis.call("XACK", t.input, t.group, ...deleted);
    const entries = parseEntries(reply[1]);
    const gone = entries.filter((e) => e[1] === null).map((e) => e[0]);
    if (gone.length) await this.opts.redis.call("XACK", t.input, t.group, ...gone);
    return entries.filter((e) => e[1] !== null);
  }

  /** The claimed entries delivered more than MAX_DELIVERIES times (XAUTOCLAIM counts each claim). */
  private async exhausted(claimed: Entry[]): Promise<Set<string>> {
    const t = this.opts.target;
    const reply = await this.opts.redis.call(
      "XPENDING",
      t.input,
      t.group,
      claimed[0]![0],
      claimed[claimed.length - 1]![0],
      String(claimed.length * 2),
      this.opts.name,
    );
    const out = new Set<string>();
    if (!Array.isArray(reply)) return out;
    for (const row of reply)
      if (Array.isArray(row) && typeof row[0] === "string" && Number(row[3]) > MAX_DELIVERIES)
        out.add(row[0]);
    return out;
  }

  /**
   * Validates, scores and writes one batch; throws (leaving it pending) on a model or store failure.
   * Entries in `exhausted` are dead-lettered without another attempt.
   */
  private async process(entries: Entry[], exhausted?: ReadonlySet<string>): Promise<void> {
    this.stats.read += entries.length;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, entries.length);
    const events: DeliveredEvent[] = entries.map(([entry, maybeFields]) => {
      const fields = maybeFields ?? [];
      return deliveredEvent(
        entry,
        fieldOf(fields, "id") || entry,
        fieldOf(fields, "data"),
        { reason: "the entry has no 'data' field (the event as JSON)", raw: JSON.stringify(fields) },
        exhausted?.has(entry) ?? false,
      );
    });
    await this.write(await this.scorer.score(events, () => this.stats.batches++));
  }

  /** Adds outputs and dead letters and acknowledges every entry, atomically (WRITE_SCRIPT). */
  private async write(outcomes: Outcome[]): Promise<void> {
    if (!outcomes.length) return;
    const t = this.opts.target;
    const keys = [
      t.output,
      t.dead_letter,
      t.input,
      alertStreamOf(t.output),
      ...outcomes.map((o) => doneKey(t, o.kind, o.event)),
    ];
    const rules = t.alerts ?? [];
    const args: string[] = [t.group, String(t.dedup_s), String(rules.length)];
    for (const r of rules) args.push(r.name, String(r.count), String(r.within_ms), String(r.cooldown_ms));
    for (const o of outcomes)
      if (o.kind === "o") args.push("o", o.entry, o.event, String(o.version), o.prediction, "", o.alert);
      else args.push("d", o.entry, o.event, o.reason, o.field, o.payload, "");
    let reply: unknown;
    try {
      reply = await this.opts.redis.evalsha(WRITE_SHA, keys.length, ...keys, ...args);
    } catch (e) {
      if (!String((e as Error).message).startsWith("NOSCRIPT")) throw e;
      reply = await this.opts.redis.eval(WRITE_SCRIPT, keys.length, ...keys, ...args);
    }
    const flags = Array.isArray(reply) ? reply.map(Number) : [];
    // latency: from the entry's time (the Redis server's clock) to its output
    recordOutcomes(
      this.stats,
      outcomes,
      (i) => flags[i] === 1,
      (o, now) => now - Number(o.entry.slice(0, o.entry.indexOf("-"))),
      this.opts.predictionLog,
    );
  }
}
