// `mlc serve` for a stream target: loads the deployment (following its pointer, as the HTTP server does),
// creates the consumer group and runs `workers` consumers in it, each on its own Redis connection, and,
// when the target has alert rules, one alert dispatcher that delivers and records their alerts. On NATS
// (`transport = nats`) it sets up the JetStream streams and durable consumer and runs `workers` workers
// on it over one connection.
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { connect as natsConnect, type NatsConnection } from "nats";
import { LiveDeployment, type Routing } from "./live-deployment.js";
import { predictionLogDir, PredictionLogWriter, type PredictionLogOptions } from "./prediction-log.js";
import { ensureGroup, StreamConsumer } from "./stream-consumer.js";
import { NatsStreamConsumer, setUpJetStream } from "./stream-nats.js";
import { emptyStats, type ConsumerStats, type ScoringRoute, type StreamWorker } from "./stream-score.js";
import type { RegistryRecords } from "../ir/state-store.js";
import { AlertDispatcher } from "./stream-alert-dispatch.js";
import { streamUrl, type StreamTarget } from "./stream-config.js";
import type { ReviewIntake } from "./review-intake.js";

export interface StreamServiceOptions {
  projectDir: string;
  deployment: string;
  target: StreamTarget;
  /** Consumers to run (default the target's `workers`). */
  workers?: number;
  /** Prefix of consumer names (default `<host>-<pid>`). */
  consumerPrefix?: string;
  blockMs?: number;
  /** The prediction log (`.mlc/predictions/<deployment>/`, as the HTTP server writes it); false: none. */
  predictionLog?: PredictionLogOptions | false;
  /** The review queue flagged events enter (anomaly deployments with a threshold). */
  review?: ReviewIntake;
  /** Where alerts are recorded (the project's state store); required when the target has alert rules. */
  records?: RegistryRecords;
  /** The webhook's first retry wait (ms; default 500). */
  alertBackoffMs?: number;
  log?(message: string): void;
}

export interface StreamService {
  routing: Routing;
  consumers: StreamWorker[];
  /** Delivers the alerts of the target's rules (absent without rules). */
  alerts?: AlertDispatcher;
  /** Drains every consumer (the batch in flight is finished and acknowledged), then closes. */
  stop(): Promise<void>;
  stats(): ConsumerStats;
}

export async function startStreamService(opts: StreamServiceOptions): Promise<StreamService> {
  const t = opts.target;
  const url = streamUrl(t);
  const live = new LiveDeployment(opts.projectDir, opts.deployment, { coalesce: false });
  const routing = await live.start();
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const r = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
    r.on("error", () => undefined); // reported by the commands that fail
    connections.push(r);
    return r;
  };
  const consumers: StreamWorker[] = [];
  let alerts: AlertDispatcher | undefined;
  let nats: NatsConnection | undefined;
  const writer =
    opts.predictionLog === false
      ? undefined
      : new PredictionLogWriter(predictionLogDir(opts.projectDir, opts.deployment), opts.predictionLog ?? {});
  const predictionLog = writer
    ? { deployment: opts.deployment, append: (line: string) => writer.append(line) }
    : undefined;
  const route = (): ScoringRoute => {
    const r = live.routing!;
    return { runner: r.stable, ...(r.stableOnline ? { online: r.stableOnline } : {}) };
  };
  const prefix = opts.consumerPrefix ?? `${hostname()}-${process.pid}`;
  const n = opts.workers ?? t.workers;
  try {
    if (t.transport === "nats") {
      nats = await natsConnect({ servers: url, name: `mlc-${opts.deployment}-${prefix}` });
      const setup = await setUpJetStream(await nats.jetstreamManager(), t);
      for (const w of setup.warnings) opts.log?.(`warning: ${w}`);
      const js = nats.jetstream();
      const consumer = await js.consumers.get(setup.inputStream, t.group);
      for (let i = 0; i < n; i++)
        consumers.push(
          new NatsStreamConsumer({
            js,
            consumer,
            inputStream: setup.inputStream,
            target: t,
            name: `${prefix}-${i}`,
            route,
            ...(predictionLog ? { predictionLog } : {}),
            ...(opts.review ? { review: opts.review } : {}),
            ...(opts.blockMs !== undefined ? { blockMs: opts.blockMs } : {}),
            ...(opts.log ? { log: opts.log } : {}),
          }),
        );
    } else await ensureGroup(connect(), t);
    if (t.alerts?.length && !nats) {
      if (!opts.records)
        throw new Error(`the alerts of '${opts.deployment}' need the state store to be recorded in`);
      alerts = new AlertDispatcher({
        redis: connect(),
        target: t,
        deployment: opts.deployment,
        name: `${prefix}-alerts`,
        records: opts.records,
        ...(opts.blockMs !== undefined ? { blockMs: opts.blockMs } : {}),
        ...(opts.alertBackoffMs !== undefined ? { backoffMs: opts.alertBackoffMs } : {}),
        ...(opts.log ? { log: opts.log } : {}),
      });
      await alerts.ensureGroup();
    }
    for (let i = 0; i < n && !nats; i++) {
      consumers.push(
        new StreamConsumer({
          redis: connect(),
          target: t,
          name: `${prefix}-${i}`,
          route,
          ...(predictionLog ? { predictionLog } : {}),
          ...(opts.review ? { review: opts.review } : {}),
          ...(opts.blockMs !== undefined ? { blockMs: opts.blockMs } : {}),
          ...(opts.log ? { log: opts.log } : {}),
        }),
      );
    }
  } catch (e) {
    await live.stop();
    await writer?.close();
    connections.forEach((c) => c.disconnect());
    await nats?.close();
    throw e;
  }
  for (const c of consumers) c.start();
  alerts?.start();
  return {
    routing,
    consumers,
    ...(alerts ? { alerts } : {}),
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
      // the consumers' last alerts are in the alert stream: the dispatcher delivers what it already read
      await alerts?.stop();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
      await nats?.drain().catch(() => nats?.close());
      await writer?.close();
      await live.stop();
      await opts.review?.close?.();
    },
    stats() {
      const sum: ConsumerStats = emptyStats();
      for (const c of consumers)
        for (const k of Object.keys(sum) as (keyof ConsumerStats)[])
          sum[k] = k === "maxInFlight" ? Math.max(sum[k], c.stats[k]) : sum[k] + c.stats[k];
      return sum;
    },
  };
}
