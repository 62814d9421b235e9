// The NATS JetStream transport of a stream target (`transport = nats`): the JetStream streams holding
// the input, output and dead-letter subjects (created when missing), one durable pull consumer named by
// the group that all workers share, and a worker that reads bounded micro-batches, scores them, publishes
// each output or dead letter with the event id as its message id (the output stream's duplicate window is
// the target's `dedup`, so a redelivered event never yields a second output) and acknowledges each event
// only after its output is stored. An event unacknowledged for `claim_idle` is redelivered to any worker.
import { createHash } from "node:crypto";
import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
} from "nats";
import { MlcError } from "../ir/errors.js";
import type { StreamTarget } from "./stream-config.js";
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

/** The JetStream streams and consumer of a target, as setUpJetStream found or made them. */
export interface JetStreamSetup {
  /** The stream holding the input subject (the durable consumer lives there). */
  inputStream: string;
  outputStream: string;
  deadStream: string;
  /** Warnings for `mlc serve` to print (an existing stream whose duplicate window is shorter than `dedup`). */
  warnings: string[];
}

/** The name mlc gives the stream it creates for a subject: readable, and unique per subject. */
export function jetStreamNameOf(subject: string): string {
  const hash = createHash("sha1").update(subject).digest("hex").slice(0, 8);
  return `mlc_${subject.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 48)}_${hash}`;
}

const isNoMatch = (e: unknown): boolean => /no stream matches subject/i.test(String((e as Error).message));

/**
 * The stream holding `subject`, created (file storage, the duplicate window given) when none does.
 * An existing stream is kept as it is; a duplicate window shorter than `windowMs` is reported.
 */
async function streamFor(
  jsm: JetStreamManager,
  subject: string,
  windowMs: number | undefined,
  warnings: string[],
): Promise<string> {
  try {
    const name = await jsm.streams.find(subject);
    if (windowMs !== undefined) {
      const info = await jsm.streams.info(name);
      const have = (info.config.duplicate_window ?? 0) / 1e6;
      if (have < windowMs)
        warnings.push(
          `the JetStream stream '${name}' holding '${subject}' remembers message ids for ${Math.round(have / 1000)} s, less than the target's dedup (${Math.round(windowMs / 1000)} s): an event redelivered later than that is scored again`,
        );
    }
    return name;
  } catch (e) {
    if (!isNoMatch(e)) throw e;
  }
  const name = jetStreamNameOf(subject);
  await jsm.streams.add({
    name,
    subjects: [subject],
    ...(windowMs !== undefined ? { duplicate_window: nanos(windowMs) } : {}),
  });
  return name;
}

/**
 * Finds or creates the streams of the three subjects and the durable consumer (explicit acks, redelivery
 * after claim_idle, unlimited deliveries: a worker dead-letters an event after MAX_DELIVERIES itself).
 * An existing consumer gets the target's ack wait; one on another subject is refused (MLC2315).
 */
export async function setUpJetStream(jsm: JetStreamManager, t: StreamTarget): Promise<JetStreamSetup> {
  const warnings: string[] = [];
  const fail = (what: string, e: unknown): never => {
    throw new MlcError("MLC2315", `NATS JetStream: cannot set up ${what}: ${(e as Error).message}`, {
      hint: "the server must run with JetStream enabled (nats-server -js), and the account may create streams and consumers",
    });
  };
  const inputStream = await streamFor(jsm, t.input, undefined, warnings).catch((e) =>
    fail(`the stream of '${t.input}'`, e),
  );
  const outputStream = await streamFor(jsm, t.output, t.dedup_s * 1000, warnings).catch((e) =>
    fail(`the stream of '${t.output}'`, e),
  );
  const deadStream = await streamFor(jsm, t.dead_letter, t.dedup_s * 1000, warnings).catch((e) =>
    fail(`the stream of '${t.dead_letter}'`, e),
  );
  const config = {
    ack_wait: nanos(t.claim_idle_ms),
    max_ack_pending: Math.max(1000, t.batch * t.workers * 4),
  };
  let existing;
  try {
    existing = await jsm.consumers.info(inputStream, t.group);
  } catch {
    existing = undefined;
  }
  if (existing) {
    if (existing.config.filter_subject !== t.input)
      throw new MlcError(
        "MLC2315",
        `NATS JetStream: the consumer '${t.group}' of stream '${inputStream}' reads '${existing.config.filter_subject ?? "every subject"}', not '${t.input}'`,
        { hint: "give the stream block another `group`, or delete that consumer" },
      );
    if (
      existing.config.ack_wait !== config.ack_wait ||
      existing.config.max_ack_pending !== config.max_ack_pending
    )
      await jsm.consumers
        .update(inputStream, t.group, config)
        .catch((e) => fail(`the consumer '${t.group}'`, e));
  } else {
    await jsm.consumers
      .add(inputStream, {
        durable_name: t.group,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: t.input,
        max_deliver: -1,
        ...config,
      })
      .catch(async (e) => {
        // another process created it meanwhile: use that one
        if (!(await jsm.consumers.info(inputStream, t.group).catch(() => undefined)))
          fail(`the consumer '${t.group}'`, e);
      });
  }
  return { inputStream, outputStream, deadStream, warnings };
}

/** The message id an outcome is published with: the event id, per kind (a dead letter may share a stream). */
export const natsMessageId = (kind: "o" | "d", event: string): string => `${kind}:${event}`;

export interface NatsConsumerOptions extends StreamWorkerOptions {
  js: JetStreamClient;
  /** The durable consumer (setUpJetStream made it). */
  consumer: Consumer;
  inputStream: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One worker on the target's durable consumer: read a batch, score it, publish the outcomes, acknowledge. */
export class NatsStreamConsumer implements StreamWorker {
  readonly stats: ConsumerStats = emptyStats();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly scorer: BatchScorer;
  private readonly expires: number;

  constructor(private readonly opts: NatsConsumerOptions) {
    this.expires = Math.max(1000, opts.blockMs ?? 1000);
    this.scorer = new BatchScorer({
      route: opts.route,
      ...(opts.review ? { review: opts.review } : {}),
    });
  }

  get name(): string {
    return this.opts.name;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Graceful drain: no new read; the batch in flight is scored, published and acknowledged. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** One batch: the first event waited for (up to `expires`), then what is already there, up to `batch`. */
  private async read(): Promise<JsMsg[]> {
    const t = this.opts.target;
    const first = await this.opts.consumer.next({ expires: this.expires });
    if (!first) return [];
    const out = [first];
    if (t.batch > 1 && !this.stopping)
      for await (const m of this.opts.js.fetch(this.opts.inputStream, t.group, {
        batch: t.batch - 1,
        no_wait: true,
      }))
        out.push(m);
    return out;
  }

  private async run(): Promise<void> {
    const t = this.opts.target;
    while (!this.stopping) {
      let msgs: JsMsg[] = [];
      try {
        msgs = await this.read();
        if (msgs.length) await this.process(msgs);
      } catch (e) {
        // unacknowledged events are redelivered after claim_idle, to this worker or another
        noteBatchFailure(this.stats, this.scorer, this.opts, e);
        if (!this.stopping) await sleep(Math.min(1000, t.claim_idle_ms));
      }
    }
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    this.stats.read += msgs.length;
    this.stats.claimed += msgs.filter((m) => m.info.deliveryCount > 1).length;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, msgs.length);
    const byEntry = new Map<string, JsMsg>();
    const events: DeliveredEvent[] = msgs.map((m) => {
      const entry = String(m.info.streamSequence);
      byEntry.set(entry, m);
      return deliveredEvent(
        entry,
        m.headers?.get("Nats-Msg-Id") || `${this.opts.inputStream}:${entry}`,
        m.data.length ? m.string() : undefined,
        { reason: "the message is empty (its data is the event as JSON)", raw: "" },
        m.info.deliveryCount > MAX_DELIVERIES,
      );
    });
    const outcomes = await this.scorer.score(events, () => this.stats.batches++);
    await this.write(outcomes, byEntry);
  }

  /** Publishes every outcome (deduplicated by its message id), then acknowledges its event. */
  private async write(outcomes: Outcome[], byEntry: Map<string, JsMsg>): Promise<void> {
    const t = this.opts.target;
    const acks: PubAck[] = await Promise.all(
      outcomes.map((o) =>
        o.kind === "o"
          ? this.opts.js.publish(
              t.output,
              `{"id":${JSON.stringify(o.event)},"entry":${JSON.stringify(o.entry)},"version":${o.version},"prediction":${o.prediction}}`,
              { msgID: natsMessageId("o", o.event) },
            )
          : this.opts.js.publish(
              t.dead_letter,
              JSON.stringify({
                id: o.event,
                entry: o.entry,
                reason: o.reason,
                field: o.field,
                payload: o.payload,
              }),
              { msgID: natsMessageId("d", o.event) },
            ),
      ),
    );
    // every outcome is stored: acknowledge (a lost acknowledgement redelivers, and the output is deduplicated)
    await Promise.all(outcomes.map((o) => byEntry.get(o.entry)!.ackAck()));
    recordOutcomes(
      this.stats,
      outcomes,
      (i) => !acks[i]!.duplicate,
      (o, now) => now - Math.floor(byEntry.get(o.entry)!.info.timestampNanos / 1e6),
      this.opts.predictionLog,
    );
  }
}
