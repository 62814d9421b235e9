// Delivers the alerts the stream consumers decided (the alert stream `<output>.alerts`): reads them in
// a consumer group of its own, posts each to its rule's webhook (timeout, retries), records it in the
// state store (collection `alerts`, key `<deployment>/<alert entry id>`), then acknowledges it. A
// dispatcher that dies leaves its alerts pending; another claims them after the target's claim_idle.
import type { Redis } from "ioredis";
import type { Json } from "../ir/graph-ir.js";
import type { RegistryRecords } from "../ir/state-store.js";
import { postAlert, type AlertDelivery } from "./alert-webhook.js";
import { alertStreamOf, alertWebhookUrl, type AlertRule } from "./stream-alert-rules.js";
import type { StreamTarget } from "./stream-config.js";

/** The state collection holding every alert of every stream deployment. */
export const ALERT_COLLECTION = "alerts";

/** What an alert's webhook receives, and what its state record holds beside the delivery. */
export interface AlertPayload {
  /** `<deployment>/<alert entry id>`: the same on a redelivery, so a receiver can drop duplicates. */
  alert_id: string;
  deployment: string;
  rule: string;
  /** The `group_by` field and its value (absent without group_by). */
  group_by?: string;
  group?: string;
  /** Anomalous events counted (the rule's count or more), within `within_s` seconds for a rate rule. */
  count: number;
  within_s?: number;
  /** The event ids of the incident, oldest first; the last one raised the alert. */
  events: string[];
  event: string;
  /** The raising event's prediction: `{score, anomaly, threshold}`. */
  prediction: Json;
  version: number;
  /** Anomalous events of this group that qualified during the previous alert's cooldown. */
  suppressed: number;
  /** When the raising event entered the input stream (ISO 8601). */
  at: string;
}

export interface AlertRecord extends AlertPayload {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
  recorded: string;
}

export interface DispatcherOptions {
  redis: Redis;
  target: StreamTarget;
  deployment: string;
  name: string;
  records: RegistryRecords;
  blockMs?: number;
  /** The first retry's wait (ms), doubled for each later one (default 500; tests shorten it). */
  backoffMs?: number;
  log?(message: string): void;
}

export interface DispatcherStats {
  delivered: number;
  failed: number;
}

type Entry = [id: string, fields: string[] | null];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const fieldsOf = (fields: string[]): Map<string, string> => {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i]!, fields[i + 1]!);
  return m;
};

function entriesOf(v: unknown): Entry[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((e): Entry[] =>
    Array.isArray(e) && typeof e[0] === "string"
      ? [[e[0], Array.isArray(e[1]) ? e[1].map((x) => String(x)) : null]]
      : [],
  );
}

function parseJson(text: string | undefined): Json {
  try {
    return JSON.parse(text ?? "null") as Json;
  } catch {
    return text ?? null;
  }
}

/** The payload of one alert entry, as the consumer's script wrote it. */
export function alertPayload(
  deployment: string,
  entry: string,
  fields: string[],
  rule?: AlertRule,
): AlertPayload {
  const f = fieldsOf(fields);
  const events = parseJson(f.get("events"));
  const source = f.get("entry") ?? entry;
  return {
    alert_id: `${deployment}/${entry}`,
    deployment,
    rule: f.get("rule") ?? "",
    ...(rule?.group_by !== undefined ? { group_by: rule.group_by, group: f.get("group") ?? "" } : {}),
    count: Number(f.get("count") ?? 1),
    ...(rule && rule.count > 1 ? { within_s: rule.within_ms / 1000 } : {}),
    events: Array.isArray(events) ? events.map(String) : [],
    event: f.get("event") ?? "",
    prediction: parseJson(f.get("prediction")),
    version: Number(f.get("version") ?? 0),
    suppressed: Number(f.get("suppressed") ?? 0),
    at: new Date(Number(source.slice(0, source.indexOf("-")))).toISOString(),
  };
}

export class AlertDispatcher {
  readonly stats: DispatcherStats = { delivered: 0, failed: 0 };
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly stream: string;
  private readonly group: string;
  private readonly rules: Map<string, { rule: AlertRule; url: string }>;
  private nextClaim = 0;

  /** Resolves every rule's webhook URL now, so a missing variable stops `mlc serve` at start. */
  constructor(private readonly opts: DispatcherOptions) {
    this.stream = alertStreamOf(opts.target.output);
    this.group = `${opts.target.group}.alerts`;
    this.rules = new Map(
      (opts.target.alerts ?? []).map((rule) => [rule.name, { rule, url: alertWebhookUrl(rule) }]),
    );
  }

  /** Creates the dispatchers' group at the start of the alert stream (an existing group is kept). */
  async ensureGroup(): Promise<void> {
    try {
      await this.opts.redis.call("XGROUP", "CREATE", this.stream, this.group, "0", "MKSTREAM");
    } catch (e) {
      if (!String((e as Error).message).startsWith("BUSYGROUP")) throw e;
    }
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading; the alert in flight is delivered, recorded and acknowledged first. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const r = this.opts.redis;
    while (!this.stopping) {
      try {
        let entries: Entry[] = [];
        if (Date.now() >= this.nextClaim) {
          const reply = await r.call(
            "XAUTOCLAIM",
            this.stream,
            this.group,
            this.opts.name,
            String(this.opts.target.claim_idle_ms),
            "0-0",
            "COUNT",
            "16",
          );
          entries = Array.isArray(reply) ? entriesOf(reply[1]) : [];
          if (!entries.length) this.nextClaim = Date.now() + Math.max(50, this.opts.target.claim_idle_ms / 2);
        }
        if (!entries.length) {
          const reply = await r.call(
            "XREADGROUP",
            "GROUP",
            this.group,
            this.opts.name,
            "COUNT",
            "16",
            "BLOCK",
            String(this.opts.blockMs ?? 500),
            "STREAMS",
            this.stream,
            ">",
          );
          entries =
            Array.isArray(reply) && Array.isArray(reply[0]) ? entriesOf((reply[0] as unknown[])[1]) : [];
        }
        for (const e of entries) await this.deliver(e);
      } catch (e) {
        this.opts.log?.(`alerts ${this.opts.name}: ${(e as Error).message}; retrying`);
        if (!this.stopping) await sleep(Math.min(1000, this.opts.target.claim_idle_ms));
      }
    }
  }

  /** Posts, records and acknowledges one alert; an alert already recorded is only acknowledged. */
  private async deliver([entry, fields]: Entry): Promise<void> {
    const key = `${this.opts.deployment}/${entry}`;
    if (fields !== null && !(await this.opts.records.get(ALERT_COLLECTION, key))) {
      const name = fieldsOf(fields).get("rule") ?? "";
      const rule = this.rules.get(name);
      const payload = alertPayload(this.opts.deployment, entry, fields, rule?.rule);
      const delivery: AlertDelivery = rule
        ? await postAlert(rule.url, payload, {
            timeoutMs: rule.rule.timeout_ms,
            retries: rule.rule.retries,
            ...(this.opts.backoffMs !== undefined ? { backoffMs: this.opts.backoffMs } : {}),
          })
        : {
            delivered: false,
            attempts: 0,
            error: `the deployment has no alert rule named '${name}' any more`,
          };
      const record: AlertRecord = { ...payload, ...delivery, recorded: new Date().toISOString() };
      const value: Json = JSON.parse(JSON.stringify(record));
      await this.opts.records.create(ALERT_COLLECTION, key, value);
      if (delivery.delivered) this.stats.delivered++;
      else {
        this.stats.failed++;
        this.opts.log?.(`alert ${payload.rule} (${key}) not delivered: ${delivery.error ?? "unknown"}`);
      }
    }
    await this.opts.redis.call("XACK", this.stream, this.group, entry);
  }
}
