// The answer to one `POST /v1/predict` body, whichever HTTP path received it: the fastify route and
// the raw node:http fast path (predict-fast.ts) both call it, so their status codes, JSON, prediction
// log lines, metrics, canary and experiment routing and shadow scoring are the same code.
import { armGroups, type ArmGroup } from "./arm-groups.js";
import type { Routing } from "./live-deployment.js";
import type { LogConfig, PredictionSink } from "./log/types.js";
import type { ServeMetrics, ServedBy } from "./metrics.js";
import type { ModelRunner } from "./model-runner.js";
import { isLookupProblem, type OnlineView } from "./online-lookup.js";
import { isBodyProblem, predictRecords } from "./predict-request.js";
import { predictionFormatter, type PredictionFormatter } from "./prediction-format.js";
import { asciiText, isoTime, plainAscii } from "./prediction-log.js";
import { isProblem, type ColumnBatch } from "./record-encoder.js";
import { anomalyThreshold, queueFlagged, type ReviewIntake } from "./review-intake.js";

const fmtCache = new WeakMap<ModelRunner, PredictionFormatter>();
/** The JSON formatter of a runner's predictions, made once per runner. */
export const formatterOf = (r: ModelRunner): PredictionFormatter => {
  let f = fmtCache.get(r);
  if (!f) fmtCache.set(r, (f = predictionFormatter(r.meta)));
  return f;
};

/** The latency labels of a request one arm group answered, made once per group (groups are cached per routing). */
const servedByGroup = new WeakMap<ArmGroup, ServedBy>();
const servedByOf = (g: ArmGroup): ServedBy => {
  let s = servedByGroup.get(g);
  if (!s) servedByGroup.set(g, (s = { version: String(g.runner.version), arm: g.arm }));
  return s;
};

/** A request body as one log line's features: JSON strings cannot hold raw line breaks, so any are whitespace. */
const flatBody = (raw: string): string =>
  raw.indexOf("\n") < 0 && raw.indexOf("\r") < 0 ? raw : raw.replace(/[\r\n]+/g, " ");

/** A record without the fields the log leaves out (`log { exclude }`); other values are logged as sent. */
export function withoutFields(record: unknown, exclude: ReadonlySet<string>): unknown {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return record;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!exclude.has(k)) out[k] = v;
  return out;
}

/** What the server lends the answer: its state at the moment of the request. */
export interface PredictContext {
  deployment: string;
  maxBatch: number;
  metrics: ServeMetrics;
  review?: ReviewIntake;
  routing(): Routing | undefined;
  /** The prediction log in use, if any, and its settings. */
  log(): PredictionSink | undefined;
  logConfig(): LogConfig | undefined;
  /** A shadow scoring's log write still running: shutdown waits for it. */
  track(p: Promise<unknown>): void;
}

/** One request as the answer needs it. */
export interface PredictInput {
  /** The parsed JSON body. */
  body: unknown;
  /** The body's text (a single record's log line reuses it). */
  raw: string | undefined;
  /** True when `raw` is known to hold only characters below 0x80 (the fast path checks the body's bytes). */
  rawAscii?: boolean;
  id: string;
  /** Date.now() when the handler started. */
  received: number;
  /** Milliseconds since the request arrived (the log's latency_ms). */
  elapsedMs(): number;
  /** The request's logger: scoring and lookup failures at error, canary and experiment requests at info. */
  logger: RequestLogger;
}

/** The two levels the answer logs at (pino's signature). */
export interface RequestLogger {
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * The answer: a 200 with its JSON text and the `x-model-version` header, or an error status with
 * the object the server serialises (`JSON.stringify`) as the body.
 */
export type PredictAnswer =
  | {
      status: 200;
      json: string;
      /** Whether the JSON is all ASCII (its byte length is its length). */
      ascii: boolean;
      version: number;
      servedBy: ServedBy;
    }
  | { status: number; problem: Record<string, unknown> };

export type PredictAnswerer = (input: PredictInput) => Promise<PredictAnswer>;

export function predictAnswerer(ctx: PredictContext): PredictAnswerer {
  const { deployment, maxBatch, metrics } = ctx;
  const deploymentAscii = asciiText(deployment);
  const problem = (status: number, body: Record<string, unknown>): PredictAnswer => ({
    status,
    problem: body,
  });

  /** Shadow scoring: never awaited by the response; failures only count. */
  async function scoreShadow(
    candidate: ModelRunner,
    online: OnlineView | undefined,
    records: unknown[],
    batched: boolean,
  ): Promise<Float32Array | undefined> {
    let recs = records;
    if (online) {
      const fill = await online.fill(records, batched).catch(() => undefined);
      if (!fill || isLookupProblem(fill)) {
        metrics.shadowFailed();
        return undefined;
      }
      recs = fill.records;
    }
    const enc = candidate.encoder.encodeRecords(recs, batched);
    if (isProblem(enc)) {
      metrics.shadowFailed();
      return undefined;
    }
    return candidate.score(enc).then(
      (s) => {
        metrics.predicted(candidate.version, "shadow", enc.n);
        return s;
      },
      () => {
        metrics.shadowFailed();
        return undefined;
      },
    );
  }

  return async function answer(input: PredictInput): Promise<PredictAnswer> {
    const { received, id } = input;
    const routing = ctx.routing();
    if (!routing) return problem(503, { error: "not_ready", message: "the model is still loading" });
    const parsed = predictRecords(input.body, maxBatch);
    if (isBodyProblem(parsed)) return problem(parsed.status, parsed.body);
    const { records, batched } = parsed;

    // split by arm (canary), fill looked-up inputs, validate every group, then score: a bad record fails the request before any work
    const groups = armGroups(routing, records);
    /** Logs the rows of groups their arm failed to answer (a 5xx), for an experiment's error-rate guardrail. */
    const logFailed = (failed: readonly ArmGroup[], error: string): void => {
      const log = ctx.log();
      if (!log) return;
      const ts = isoTime(received);
      const logConfig = ctx.logConfig();
      const exclude = logConfig?.exclude?.length ? new Set(logConfig.exclude) : undefined;
      for (const g of failed)
        for (const i of g.rows ?? records.map((_, j) => j))
          log.append({
            ts,
            request_id: id,
            deployment,
            model_version: g.runner.version,
            arm: g.arm,
            latency_ms: input.elapsedMs(),
            ...(batched ? { index: i } : {}),
            ...(g.experiment !== undefined ? { experiment: g.experiment, experiment_arm: g.arm } : {}),
            error,
            features: JSON.stringify(exclude ? withoutFields(records[i], exclude) : records[i]),
            output: "null",
          });
    };
    if ("missing" in groups) {
      return problem(400, {
        error: "missing_key",
        field: groups.missing,
        message: `experiment '${routing.experiment!.route.name}' routes by '${groups.missing}': every record needs it`,
        ...(batched ? { index: groups.index } : {}),
      });
    }
    const batches: ColumnBatch[] = [];
    /** Records as scored, where the online store filled some of their inputs (for the prediction log). */
    let scored: unknown[] | undefined;
    for (const g of groups) {
      let recs = g.rows ? g.rows.map((i) => records[i]) : records;
      if (g.online) {
        let fill;
        try {
          fill = await g.online.fill(recs, batched);
        } catch (e) {
          input.logger.error({ err: (e as Error).message }, "online lookup failed");
          logFailed([g], "online_store_unavailable");
          return problem(503, {
            error: "online_store_unavailable",
            message: "the online feature store could not be read",
          });
        }
        if (isLookupProblem(fill)) {
          const index = fill.index !== undefined && g.rows ? g.rows[fill.index] : fill.index;
          return problem(fill.status, {
            error: fill.error,
            field: fill.field,
            message: fill.message,
            ...(index !== undefined ? { index } : {}),
          });
        }
        recs = fill.records;
        fill.filled.forEach((f, j) => {
          if (f) (scored ??= records.slice())[g.rows ? g.rows[j]! : j] = recs[j];
        });
      }
      const enc = g.runner.encoder.encodeRecords(recs, batched);
      if (isProblem(enc)) {
        const index = enc.index !== undefined && g.rows ? g.rows[enc.index] : enc.index;
        return problem(400, {
          error: "invalid_input",
          field: enc.field,
          message: enc.message,
          ...(index !== undefined ? { index } : {}),
        });
      }
      batches.push(enc);
    }
    const pending = groups.map((g, i) => g.runner.score(batches[i]!));
    const shadow = routing.rollout?.kind === "shadow" ? routing.candidate : undefined;
    const shadowRun = shadow ? scoreShadow(shadow, routing.candidateOnline, records, batched) : undefined;

    let results: Float32Array[];
    if (pending.length === 1) {
      // one arm (the usual case): no allSettled bookkeeping per request
      try {
        results = [await pending[0]!];
      } catch (e) {
        input.logger.error({ err: (e as Error).message }, "scoring failed");
        logFailed(groups, "scoring_failed");
        return problem(500, { error: "scoring_failed", message: "the model failed to score this request" });
      }
    } else {
      const settled = await Promise.allSettled(pending);
      const failedAt = settled.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
      if (failedAt.length) {
        const first = settled[failedAt[0]!] as PromiseRejectedResult;
        input.logger.error({ err: (first.reason as Error).message }, "scoring failed");
        logFailed(
          failedAt.map((i) => groups[i]!),
          "scoring_failed",
        );
        return problem(500, { error: "scoring_failed", message: "the model failed to score this request" });
      }
      results = settled.map((r) => (r as PromiseFulfilledResult<Float32Array>).value);
    }

    // Predictions are serialised once, as text, and that text is both the response and the log's output.
    const predJson: string[] = new Array(records.length);
    const canary = routing.rollout?.kind === "canary" || routing.experiment !== undefined;
    // the answer is ASCII when its id and class names are (arm and experiment names are not checked)
    const plainId = plainAscii(id);
    let ascii = !canary && plainId;
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi]!;
      const f = formatterOf(g.runner);
      ascii &&= f.ascii;
      const scores = results[gi]!;
      const n = g.rows ? g.rows.length : records.length;
      const version = g.runner.version;
      const exp = g.experiment !== undefined ? `"experiment":${JSON.stringify(g.experiment)},` : "";
      const tail = canary ? `,${exp}"arm":${JSON.stringify(g.arm)},"model_version":${version}}` : "";
      for (let j = 0; j < n; j++) {
        let pj = f.formatJson(scores, j);
        if (canary) pj = pj.slice(0, -1) + tail;
        const cls = f.label(scores, j);
        if (cls !== undefined) metrics.predictedClass(version, cls);
        predJson[g.rows ? g.rows[j]! : j] = pj;
      }
      metrics.predicted(version, g.arm, n);
    }
    const servedBy: ServedBy =
      groups.length === 1
        ? servedByOf(groups[0]!)
        : { version: [...new Set(groups.map((g) => g.runner.version))].join("+"), arm: "mixed" };
    if (ctx.review) {
      // flagged records enter the review queue, once per event id: the request id (#index in a batch);
      // only an anomaly version with a threshold flags any (the rest are not even listed)
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi]!;
        if (anomalyThreshold(g.runner.meta) === undefined) continue;
        const scores = results[gi]!;
        const n = g.rows ? g.rows.length : records.length;
        const events = Array.from({ length: n }, (_, j) => {
          const i = g.rows ? g.rows[j]! : j;
          return {
            event_id: batched ? `${id}#${i}` : id,
            record: scored ? scored[i] : records[i],
            score: scores[j]!,
          };
        });
        try {
          await queueFlagged(ctx.review, g.runner.meta, "rest", events, new Date(received));
        } catch (e) {
          metrics.reviewQueueFailed();
          input.logger.error({ err: (e as Error).message }, "flagged events could not be queued for review");
        }
      }
    }
    const version = groups.length === 1 ? groups[0]!.runner.version : routing.stable.version;
    const latencyMs = input.elapsedMs();
    const sink = ctx.log();
    if (sink) {
      const ts = isoTime(received);
      const raw = input.raw;
      const logConfig = ctx.logConfig();
      const exclude = logConfig?.exclude?.length ? new Set(logConfig.exclude) : undefined;
      const g0 = groups[0]!;
      if (
        !batched &&
        !exclude &&
        !scored &&
        raw !== undefined &&
        groups.length === 1 &&
        g0.experiment === undefined
      ) {
        // the usual single record: its raw body is the features, and the entry has one shape; it is
        // ASCII when its body, id, deployment and prediction are (its arm, without an experiment, is
        // stable or canary; the other fields are digits)
        sink.append(
          {
            ts,
            request_id: id,
            deployment,
            model_version: g0.runner.version,
            arm: g0.arm,
            latency_ms: latencyMs,
            features: flatBody(raw),
            output: predJson[0]!,
          },
          input.rawAscii === true && plainId && deploymentAscii && formatterOf(g0.runner).ascii,
        );
      } else {
        const featuresOf = (i: number, record: unknown): string =>
          exclude
            ? JSON.stringify(withoutFields(record, exclude))
            : scored
              ? JSON.stringify(scored[i])
              : !batched && raw !== undefined
                ? flatBody(raw)
                : JSON.stringify(record);
        for (const g of groups) {
          const n = g.rows ? g.rows.length : records.length;
          for (let j = 0; j < n; j++) {
            const i = g.rows ? g.rows[j]! : j;
            sink.append({
              ts,
              request_id: id,
              deployment,
              model_version: g.runner.version,
              arm: g.arm,
              latency_ms: latencyMs,
              ...(batched ? { index: i } : {}),
              ...(g.experiment !== undefined ? { experiment: g.experiment, experiment_arm: g.arm } : {}),
              features: featuresOf(i, scored ? scored[i] : records[i]),
              output: predJson[i]!,
            });
          }
        }
      }
      if (shadowRun) {
        const logged = shadowRun.then(
          (s) => {
            if (!s) return;
            const f = formatterOf(shadow!);
            for (let i = 0; i < records.length; i++) {
              sink.append({
                ts,
                request_id: id,
                deployment,
                model_version: shadow!.version,
                arm: "shadow",
                latency_ms: latencyMs,
                ...(batched ? { index: i } : {}),
                features: exclude
                  ? JSON.stringify(withoutFields(records[i], exclude))
                  : JSON.stringify(records[i]),
                output: f.formatJson(s, i),
              });
            }
          },
          () => undefined,
        );
        ctx.track(logged);
      }
    }
    if (groups.length > 1 || canary)
      input.logger.info(
        { request_id: id, arms: groups.map((g) => g.arm), model_version: version },
        "prediction",
      );
    return {
      status: 200,
      json: `{"predictions":[${predJson.join(",")}],"model_version":${version},"request_id":${plainId ? `"${id}"` : JSON.stringify(id)}}`,
      ascii,
      version,
      servedBy,
    };
  };
}
