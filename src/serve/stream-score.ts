// The transport-independent half of a stream consumer: turns a micro-batch of delivered events (Redis
// Stream entries or JetStream messages) into outcomes, each an output (scored in one model run, the
// flagged ones queued for review) or a dead letter with the reason, the field and the payload.
import type { OnlineView } from "./online-lookup.js";
import { isLookupProblem } from "./online-lookup.js";
import type { ModelRunner } from "./model-runner.js";
import { predictionFormatter, type PredictionFormatter } from "./prediction-format.js";
import { queueFlagged, type ReviewIntake } from "./review-intake.js";
import { isProblem, type ColumnBatch } from "./record-encoder.js";
import type { AlertRule } from "./stream-alert-rules.js";
import type { StreamTarget } from "./stream-config.js";
import { predictionLogLine } from "./prediction-log.js";

/** The version scoring right now: read again for every batch, so a promotion takes effect between batches. */
export interface ScoringRoute {
  runner: ModelRunner;
  online?: OnlineView;
}

/** Counters of one consumer, whatever its transport. */
export interface ConsumerStats {
  /** Events taken from the stream: read new, or claimed from another consumer (redelivered). */
  read: number;
  claimed: number;
  /** Outputs written, dead letters written, and events whose event id was already done (acknowledged only). */
  scored: number;
  dead: number;
  duplicates: number;
  /** Model runs, and the most events this consumer held at once (the backpressure bound is `batch`). */
  batches: number;
  maxInFlight: number;
  errors: number;
}

export const emptyStats = (): ConsumerStats => ({
  read: 0,
  claimed: 0,
  scored: 0,
  dead: 0,
  duplicates: 0,
  batches: 0,
  maxInFlight: 0,
  errors: 0,
});

/** One consumer of a stream target (Redis Streams or NATS JetStream), as `mlc serve` runs it. */
export interface StreamWorker {
  readonly name: string;
  readonly stats: ConsumerStats;
  start(): void;
  /** Graceful drain: stops reading, finishes, writes and acknowledges the batch in flight. */
  stop(): Promise<void>;
}

/** What a worker of either transport takes beside its connection. */
export interface StreamWorkerOptions {
  target: StreamTarget;
  /** The worker's name (a Redis consumer name, unique per live consumer; a label on NATS). */
  name: string;
  route(): ScoringRoute;
  /** Where each new output is also logged for the monitor (one prediction-log line per event). */
  predictionLog?: { deployment: string; append(line: string): void };
  /** Where flagged events of an anomaly deployment are queued for review (before they are acknowledged). */
  review?: ReviewIntake;
  /** Longest wait for the first event of a batch, so a stop is noticed within it. */
  blockMs?: number;
  log?(message: string): void;
}

/**
 * A failed batch, as every read loop handles it: counted, remembered for the dead letter of an
 * exhausted event, and logged. Its events stay unacknowledged, so the transport delivers them again.
 */
export function noteBatchFailure(
  stats: ConsumerStats,
  scorer: BatchScorer,
  opts: StreamWorkerOptions,
  e: unknown,
): void {
  stats.errors++;
  scorer.lastError = (e as Error).message;
  opts.log?.(`consumer ${opts.name}: ${(e as Error).message}; retrying`);
}

/**
 * Counts a written batch's outcomes and logs each new output for the monitor. `isNew(i)` says whether
 * outcome i was stored now (false: a redelivered event already done); `latencyMs` is from the event's
 * arrival at the transport to now.
 */
export function recordOutcomes(
  stats: ConsumerStats,
  outcomes: readonly Outcome[],
  isNew: (i: number) => boolean,
  latencyMs: (o: Outcome, now: number) => number,
  log: StreamWorkerOptions["predictionLog"],
): void {
  const now = Date.now();
  const ts = new Date(now).toISOString();
  outcomes.forEach((o, i) => {
    if (!isNew(i)) stats.duplicates++;
    else if (o.kind === "d") stats.dead++;
    else {
      stats.scored++;
      log?.append(
        predictionLogLine(
          ts,
          o.event,
          log.deployment,
          o.version,
          "stable",
          Math.max(0, latencyMs(o, now)),
          undefined,
          JSON.stringify(o.features),
          o.prediction,
        ),
      );
    }
  });
}

/** Deliveries after which an event that never got scored (the model or the store failing) is dead-lettered. */
export const MAX_DELIVERIES = 5;

/** One delivered event: its transport id (`entry`), its event id and its payload (the event as JSON). */
export interface DeliveredEvent {
  entry: string;
  event: string;
  /** The event as JSON; absent when the delivery carries none (`missing` says why). */
  payload?: string;
  missing?: { reason: string; field: string; raw: string };
  /** Delivered more than MAX_DELIVERIES times without being scored: dead-lettered without another attempt. */
  exhausted?: boolean;
}

/**
 * A delivered event from what the transport carried: `payload` undefined means the delivery has none,
 * and `missing` says why (the dead letter's reason and raw content).
 */
export function deliveredEvent(
  entry: string,
  event: string,
  payload: string | undefined,
  missing: { reason: string; raw: string },
  exhausted: boolean,
): DeliveredEvent {
  return {
    entry,
    event,
    ...(payload !== undefined ? { payload } : { missing: { ...missing, field: "data" } }),
    ...(exhausted ? { exhausted: true } : {}),
  };
}

/** What one event becomes: an output (scored) or a dead letter (refused), both acknowledged. */
export type Outcome =
  | {
      kind: "o";
      entry: string;
      event: string;
      version: number;
      prediction: string;
      features: unknown;
      /** "" when the event is no anomaly (or no rule watches); else "1" and each rule's group value, joined by \x1f. */
      alert: string;
    }
  | { kind: "d"; entry: string; event: string; reason: string; field: string; payload: string };

export interface BatchScorerOptions {
  route(): ScoringRoute;
  review?: ReviewIntake;
  /** Alert rules whose group values the outputs carry (Redis decides the alerts in its write script). */
  rules?: readonly AlertRule[];
}

/** The value of an event's `group_by` field as the alert group ("" when the rule has none or the event lacks it). */
function groupValue(record: unknown, field: string | undefined): string {
  if (field === undefined || typeof record !== "object" || record === null) return "";
  const v = (record as Record<string, unknown>)[field];
  return v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
}

/** Scores micro-batches into outcomes; one per consumer (it caches a formatter per model version). */
export class BatchScorer {
  private formatters = new WeakMap<ModelRunner, PredictionFormatter>();
  /** The last failure of a batch, named in the dead letter of an exhausted event. */
  lastError: string | undefined;

  constructor(private readonly opts: BatchScorerOptions) {}

  /**
   * Validates and scores one batch; `onRun` is called per model run. Throws (nothing written) on a
   * model or store failure, so the transport redelivers the events.
   */
  async score(events: readonly DeliveredEvent[], onRun: () => void): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const dead = (entry: string, event: string, reason: string, field: string, payload: string): void => {
      outcomes.push({ kind: "d", entry, event, reason, field, payload });
    };
    let pending: { entry: string; event: string; payload: string; record: unknown }[] = [];
    for (const e of events) {
      if (e.exhausted) {
        const last = this.lastError ? `; the last failure here: ${this.lastError}` : "";
        dead(
          e.entry,
          e.event,
          `not scored after ${MAX_DELIVERIES} deliveries: the model or the online store failed each time${last}`,
          "",
          e.payload ?? e.missing?.raw ?? "",
        );
        continue;
      }
      if (e.payload === undefined) {
        const m = e.missing ?? { reason: "the event carries no payload", field: "data", raw: "" };
        dead(e.entry, e.event, m.reason, m.field, m.raw);
        continue;
      }
      try {
        pending.push({ entry: e.entry, event: e.event, payload: e.payload, record: JSON.parse(e.payload) });
      } catch (err) {
        dead(e.entry, e.event, `data is not valid JSON: ${(err as Error).message}`, "data", e.payload);
      }
    }
    // the route is taken again if the version changed while the online store was read
    for (;;) {
      const route = this.opts.route();
      let records = pending.map((p) => p.record);
      if (route.online && records.length) {
        for (;;) {
          const fill = await route.online.fill(records, true);
          if (!isLookupProblem(fill)) {
            records = fill.records;
            break;
          }
          const i = fill.index ?? 0;
          const p = pending[i]!;
          dead(p.entry, p.event, fill.message, fill.field, p.payload);
          pending = pending.filter((_, j) => j !== i);
          records = records.filter((_, j) => j !== i);
        }
      }
      let batch: ColumnBatch | undefined;
      while (records.length) {
        const enc = route.runner.encoder.encodeRecords(records, true);
        if (!isProblem(enc)) {
          batch = enc;
          break;
        }
        const i = enc.index ?? 0;
        const p = pending[i]!;
        dead(p.entry, p.event, enc.message, enc.field === "instances" ? "data" : enc.field, p.payload);
        pending = pending.filter((_, j) => j !== i);
        records = records.filter((_, j) => j !== i);
      }
      if (!batch) break;
      if (this.opts.route().runner !== route.runner) continue;
      const scores = await route.runner.score(batch);
      onRun();
      let f = this.formatters.get(route.runner);
      if (!f) this.formatters.set(route.runner, (f = predictionFormatter(route.runner.meta)));
      // queued before the outputs are written and acknowledged: a crash in between redelivers the
      // events, and the queue keeps each event id once
      if (this.opts.review)
        await queueFlagged(
          this.opts.review,
          route.runner.meta,
          "stream",
          pending.map((p, r) => ({ event_id: p.event, record: records[r], score: scores[r]! })),
        );
      const rules = this.opts.rules ?? [];
      pending.forEach((p, r) => {
        const prediction = f.formatJson(scores, r);
        const decided = rules.length ? f.format(scores, r) : undefined;
        outcomes.push({
          kind: "o",
          entry: p.entry,
          event: p.event,
          version: route.runner.version,
          prediction,
          features: records[r],
          alert:
            decided && "anomaly" in decided && decided.anomaly
              ? "1" + rules.map((rule) => groupValue(records[r], rule.group_by)).join("\x1f")
              : "",
        });
      });
      break;
    }
    return outcomes;
  }
}
