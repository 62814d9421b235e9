// The prediction server (`mlc serve`): fastify routes for predict, model description, health, readiness
// and metrics over a LiveDeployment, with the usual `POST /v1/predict` answered ahead of fastify on the
// same http server (predict-fast.ts). Every failure a client can cause is a JSON 4xx; nothing it sends crashes it.
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener } from "node:http";
import type { Rollout } from "./deployment.js";
import { LiveDeployment, type Routing } from "./live-deployment.js";
import { ServeMetrics, type ServedBy, type ServedModel } from "./metrics.js";
import type { MonitorRunResult } from "./monitor-gauges.js";
import { startEventLoopMonitor } from "./process-metrics.js";
import { DEFAULT_MAX_BATCH } from "./predict-request.js";
import { formatterOf, predictAnswerer, withoutFields } from "./predict-answer.js";
import { fastPredictListener, type ErrorAnswer, type ParsedBody } from "./predict-fast.js";
import { isFeedbackProblem, parseFeedback } from "./feedback-request.js";
import { openLogSink } from "./log/open.js";
import { isoTime } from "./prediction-log.js";
import type { LogConfig, PredictionSink, SinkOptions } from "./log/types.js";
import { OIP_PROBE_PATHS, registerOipRoutes } from "./oip-rest.js";
import { registerRecommendRoute } from "./recommend-route.js";
import { startOipGrpc, type OipGrpcServer } from "./oip-grpc.js";
import type { OipContext } from "./oip-v2.js";
import type { ReviewIntake } from "./review-intake.js";
import { loginPage, registerReviewRoutes, REVIEW_COOKIE } from "./review-page.js";

interface ServeOptions {
  projectDir: string;
  deployment: string;
  /** Most records in one request (default 1024). */
  maxBatch?: number;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Bearer token required on /v1/*, /v2/models/* and /metrics; unset = no authentication. */
  token?: string;
  /** pino level (default "warn", so logging costs nothing per request). */
  logLevel?: string;
  /** Prediction log settings (the sink itself is the pointer's `log`, files by default); false disables it. */
  predictionLog?: false | SinkOptions;
  /** Pointer poll period in ms (default 500). */
  pollMs?: number;
  /** Coalesce concurrent requests into one session run (default true). */
  coalesce?: boolean;
  /** Limits on slow clients (slowloris); each defaults to SERVE_TIMEOUTS. */
  timeouts?: Partial<ServeTimeouts>;
  /** The latest run of each monitor watching this deployment, read at every scrape of /metrics. */
  monitorResults?: () => Promise<readonly MonitorRunResult[]>;
  /** Also serve the Open Inference Protocol over gRPC on this port (0 picks a free one); unset = no gRPC. */
  grpcPort?: number;
  /** The review queue: flagged predictions enter it, and /review and /v1/review/ serve it. */
  review?: ReviewIntake;
  /**
   * Answer the usual `POST /v1/predict` on the raw node:http path ahead of fastify, with the same
   * bytes (default true); false sends every request through fastify.
   */
  fastPath?: boolean;
}

/** How long a client may take, in milliseconds; a connection over any limit is closed. */
export interface ServeTimeouts {
  /** From the connection's first byte (or the previous response) to the end of the request headers. */
  headersMs: number;
  /** From the first byte to the end of the request body. */
  requestMs: number;
  /** Longest silence on a connection while a request is being received or processed. */
  idleMs: number;
  /** How long an idle keep-alive connection is kept open for its next request. */
  keepAliveMs: number;
  /**
   * At shutdown, how long connections still open get to send one more request (answered with
   * `Connection: close`) before the idle ones are closed: closing an idle keep-alive connection at
   * once resets the request its client may already be sending on it.
   */
  drainMs: number;
}

export const SERVE_TIMEOUTS: Readonly<ServeTimeouts> = {
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
  keepAliveMs: 72_000,
  drainMs: 1_000,
};

export interface PredictionServer {
  app: FastifyInstance;
  live: LiveDeployment;
  metrics: ServeMetrics;
  /** The prediction log and feedback store in use (set once the first pointer is loaded). */
  readonly log: PredictionSink | undefined;
  /** Resolves once the first model is loaded and warmed; rejects when it cannot be loaded. */
  loaded: Promise<Routing>;
  /** Requests the raw node:http path answered (`fastPath`); every other request went through fastify. */
  readonly fastAnswered: number;
  /** The gRPC (Open Inference Protocol) address, host:port, once listening with `grpcPort`. */
  readonly grpcAddress: string | undefined;
  /** Listens and returns the bound address, e.g. http://127.0.0.1:40123. */
  listen(port: number, host?: string): Promise<string>;
  /** Graceful stop: refuse new work, finish in-flight requests, flush the prediction log, free models. */
  close(): Promise<void>;
}

const RAW_BODY = Symbol("mlc.rawBody");
type RawBodyRequest = FastifyRequest & { [RAW_BODY]?: string };
/** The model version(s) and arm that scored a request: the latency histogram's labels. */
const SERVED_BY = Symbol("mlc.servedBy");
/** The route a handler answered for, set by the hot route itself so the metrics hook need not ask fastify. */
const ROUTE = Symbol("mlc.route");
type ServedRequest = FastifyRequest & { [SERVED_BY]?: ServedBy; [ROUTE]?: string };

/**
 * Whether fastify's JSON parser would return JSON.parse's value unchanged, known without its two
 * poisoning regexes: a body neither empty nor starting with a BOM in which no `"__proto__"` or
 * `"constructor"` key can be spelled, not even with `\u` escapes.
 */
const plainJson = (text: string): boolean =>
  text.length > 0 &&
  text.charCodeAt(0) !== 0xfeff &&
  text.indexOf("\\u") < 0 &&
  text.indexOf("__proto__") < 0 &&
  text.indexOf("constructor") < 0;

/** Every version a routing serves, with its arm. */
function servedModels(r: Routing): ServedModel[] {
  const out: ServedModel[] = [{ version: r.stable.version, arm: "stable" }];
  if (r.candidate) out.push({ version: r.candidate.version, arm: r.rollout?.kind ?? "canary" });
  for (const [arm, a] of r.experiment?.arms ?? []) out.push({ version: a.runner.version, arm });
  return out;
}

const PER_REQUEST_LEVELS = new Set(["trace", "debug", "info"]);

const json = (reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply =>
  reply.code(status).send(body);

/** `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1). */
function tokenMatches(header: string | undefined, token: Buffer): boolean {
  const m = header === undefined ? null : /^bearer +(\S+) *$/i.exec(header);
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  return got.length === token.length && timingSafeEqual(got, token);
}

/** The value of one cookie of a request, if sent. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const sameToken = (got: string | undefined, token: Buffer): boolean => {
  if (got === undefined) return false;
  const b = Buffer.from(got);
  return b.length === token.length && timingSafeEqual(b, token);
};

/** The review page's own paths (HTML and forms), where a signed-in browser's cookie stands for the token. */
const isReviewPage = (path: string): boolean => path === "/review" || path.startsWith("/review/");

function describeModel(routing: Routing, deployment: string): Record<string, unknown> {
  const m = routing.stable.meta;
  const rollout = routing.rollout as Rollout | undefined;
  return {
    deployment,
    model: m.model,
    model_version: m.version,
    task: m.task,
    inputs: m.inputs,
    output: m.output,
    metrics: m.metrics,
    lineage: m.lineage,
    created: m.created,
    ...(routing.stableOnline ? { online: routing.stableOnline.describe() } : {}),
    ...(rollout && routing.candidate
      ? {
          rollout:
            rollout.kind === "canary"
              ? {
                  kind: "canary",
                  share: rollout.share,
                  key: rollout.key,
                  candidate_version: routing.candidate.version,
                }
              : { kind: "shadow", candidate_version: routing.candidate.version },
        }
      : {}),
    ...(routing.experiment
      ? {
          experiment: {
            name: routing.experiment.route.name,
            key: routing.experiment.route.key,
            control: routing.experiment.route.control,
            arms: routing.experiment.route.arms.map((a) => ({
              name: a.name,
              share: a.share,
              model_version: a.target.version,
            })),
            ...(routing.experiment.route.default_arm
              ? { default_arm: routing.experiment.route.default_arm }
              : {}),
          },
        }
      : {}),
  };
}

export function createPredictionServer(opts: ServeOptions): PredictionServer {
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  const metrics = new ServeMetrics(opts.deployment);
  startEventLoopMonitor();
  const token = opts.token ? Buffer.from(opts.token) : undefined;
  const bootId = randomBytes(4).toString("hex");
  let reqCounter = 0;
  let childLevel: string | undefined;
  let childPerRequest = false;
  /** Whether a logger level logs each request; the set is asked once per level change, not once per request. */
  const perRequestLevel = (level: string): boolean => {
    if (level !== childLevel) {
      childLevel = level;
      childPerRequest = PER_REQUEST_LEVELS.has(level);
    }
    return childPerRequest;
  };
  let closing = false;
  /** Requests the raw /v1/predict path answered. */
  let fastAnswered = 0;
  /** Shadow scorings still running: shutdown waits for them so their log entries are not lost. */
  const shadowsInFlight = new Set<Promise<unknown>>();

  /** A client's `X-Request-Id` when it is a sane one, else this server's next id. */
  const requestId = (req: IncomingMessage): string => {
    const h = req.headers["x-request-id"];
    return typeof h === "string" && /^[\w.:-]{1,128}$/.test(h)
      ? h
      : `${bootId}-${(++reqCounter).toString(36)}`;
  };

  const timeouts: ServeTimeouts = { ...SERVE_TIMEOUTS, ...opts.timeouts };
  const app = Fastify({
    logger: { level: opts.logLevel ?? "warn" },
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Drain: a request that reaches the server after shutdown began (on a keep-alive connection it
    // already had) is still answered, with `Connection: close`, rather than refused with a 503.
    return503OnClosing: false,
    forceCloseConnections: "idle", // after the drain grace of close()
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // node checks the headers and request timeouts on this period (30 s by default)
    http: {
      headersTimeout: timeouts.headersMs,
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4)),
      ),
    },
    requestIdHeader: false,
    // a pino child per request costs more than a small model's run; below info nothing logs per request
    childLoggerFactory: (logger, bindings, childOpts) =>
      perRequestLevel(logger.level) ? logger.child(bindings, childOpts) : logger,
    genReqId: requestId,
  });

  // The log sink follows the pointer's `log` setting: a change opens the new sink, then closes the old one.
  let log: PredictionSink | undefined;
  let logKey: string | undefined;
  let logConfig: LogConfig | undefined;
  let logSwitch: Promise<void> = Promise.resolve();
  const retiredLogs = new Set<Promise<void>>();
  let retentionTimer: NodeJS.Timeout | undefined;
  const enforceRetention = (): void => {
    const seconds = logConfig?.retention_seconds;
    if (!log || seconds === undefined) return;
    log
      .enforceRetention(seconds)
      .catch((e: Error) => app.log.warn({ err: e.message }, "log retention failed"));
  };
  const useLogConfig = (config: LogConfig | undefined): void => {
    if (opts.predictionLog === false) return;
    const key = JSON.stringify(config ?? null);
    if (key === logKey) return;
    logKey = key;
    // a failed switch leaves the previous sink in use and never blocks the next one
    logSwitch = logSwitch
      .catch(() => undefined)
      .then(async () => {
        const next = await openLogSink(opts.projectDir, opts.deployment, config, {
          ...(opts.predictionLog || {}),
          onDrop: (n) => metrics.logDropped(n),
          onError: (e) => {
            metrics.logWriteFailed();
            app.log.warn({ err: e.message }, "prediction log write failed; retrying");
          },
        });
        const old = log;
        log = next;
        logConfig = config;
        if (old) {
          const closing = old.close().catch(() => undefined);
          retiredLogs.add(closing);
          void closing.finally(() => retiredLogs.delete(closing));
        }
        if (retentionTimer) clearInterval(retentionTimer);
        retentionTimer = undefined;
        if (config?.retention_seconds !== undefined) {
          enforceRetention();
          retentionTimer = setInterval(enforceRetention, Math.min(3_600_000, config.retention_seconds * 100));
          retentionTimer.unref();
        }
      });
    logSwitch.catch((e: Error) => {
      logKey = undefined; // retried at the next pointer change
      app.log.error(
        { err: e.message },
        "the prediction log could not be opened; the previous one stays in use",
      );
    });
  };

  const live = new LiveDeployment(opts.projectDir, opts.deployment, {
    pollMs: opts.pollMs,
    coalesce: opts.coalesce,
    events: {
      loaded: (r) => {
        metrics.modelLoaded(r.version, r.loadSeconds);
        app.log.info(
          { model_version: r.version, load_seconds: r.loadSeconds, bundle: r.dir },
          "model loaded",
        );
      },
      swapped: (r) => {
        useLogConfig(r.pointer.log);
        metrics.serving(servedModels(r));
        app.log.info(
          {
            model_version: r.stable.version,
            rollout: r.rollout?.kind,
            candidate_version: r.candidate?.version,
          },
          "serving",
        );
      },
      loadFailed: (e) => {
        metrics.loadFailed();
        app.log.error(
          { err: e.message },
          "new deployment pointer could not be loaded; the previous version keeps serving",
        );
      },
    },
  });
  // ready once the first version and its log sink are: no prediction is served before it can be logged
  const loaded = live.start().then(async (r) => {
    await logSwitch;
    return r;
  });
  loaded.catch(() => undefined); // observed by the caller; never an unhandled rejection

  // Every body is parsed as JSON (clients often send JSON without a JSON content type, as curl -d does);
  // the raw text is kept so a single record's log line reuses it instead of serialising the record again.
  const jsonParser = app.getDefaultJsonParser("error", "error");
  /** A JSON body, or the error fastify's JSON parser gives for it (synchronously, both). */
  const parseBody = (text: string): ParsedBody => {
    if (plainJson(text)) {
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        // its error, as for any malformed body
      }
    }
    let out: ParsedBody | undefined;
    // fastify's JSON parser reads only the text (and answers synchronously)
    jsonParser(undefined as never, text, (err, value) => (out = err ? { error: err } : { value }));
    return out!;
  };
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser(["application/json", "*"], { parseAs: "string" }, (req, body, done) => {
    const text = body as string;
    (req as RawBodyRequest)[RAW_BODY] = text;
    const parsed = parseBody(text);
    if (parsed.error) done(parsed.error as FastifyError, undefined);
    else done(null, parsed.value);
  });
  // the review page's HTML forms post form fields; everywhere else such a body is JSON (curl -d)
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (req, body, done) => {
    if (isReviewPage(req.url.split("?")[0]!))
      return done(null, Object.fromEntries(new URLSearchParams(body as string)));
    (req as RawBodyRequest)[RAW_BODY] = body as string;
    jsonParser(req, body as string, done);
  });

  /** The JSON every error a handler throws or a parser reports is answered with. */
  const errorAnswer = (err: Error & { statusCode?: number; code?: string }): ErrorAnswer => {
    const code = err.code;
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413) {
      return {
        status: 413,
        body: {
          error: "payload_too_large",
          message: `request body exceeds the limit of ${app.initialConfig.bodyLimit} bytes`,
        },
      };
    }
    if (
      code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      err instanceof SyntaxError ||
      code === "FST_ERR_CTP_INVALID_JSON_BODY"
    ) {
      return { status: 400, body: { error: "malformed_json", message: err.message } };
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return {
      status,
      body: {
        error: status === 500 ? "internal_error" : "bad_request",
        message: status === 500 ? "internal error" : err.message,
      },
    };
  };
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const a = errorAnswer(err);
    if (a.status === 500) req.log.error({ err }, "request failed");
    return json(reply, a.status, a.body);
  });

  /** The methods each path answers, for 405 Method Not Allowed with its `Allow` header. */
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook("onRoute", (r) => {
    const set = methodsByPath.get(r.url) ?? new Set<string>();
    for (const m of [r.method].flat()) set.add(m);
    methodsByPath.set(r.url, set);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0]!;
    const allowed = methodsByPath.get(path);
    if (allowed) {
      const allow = [...allowed].sort().join(", ");
      reply.header("allow", allow);
      return json(reply, 405, {
        error: "method_not_allowed",
        message: `${path.slice(0, 200)} accepts ${allow}, not ${req.method}`,
      });
    }
    return json(reply, 404, { error: "not_found", message: `no route ${req.method} ${path.slice(0, 200)}` });
  });

  // The request hooks below (token, metrics, draining) are mirrored by the raw /v1/predict path's
  // options (predict-fast.ts): a new hook that must see /v1/predict needs its counterpart there.
  if (token) {
    app.addHook("onRequest", async (req, reply) => {
      const path = req.url;
      if (path === "/healthz" || path === "/readyz" || OIP_PROBE_PATHS.has(path)) return;
      const page = opts.review !== undefined && isReviewPage(path.split("?")[0]!);
      if (page && path.split("?")[0] === "/review/login") return;
      if (page && sameToken(cookieValue(req.headers.cookie, REVIEW_COOKIE), token)) {
        // a form posted from another site carries the cookie too (where SameSite is not honoured)
        const origin = req.headers.origin;
        if (
          req.method === "POST" &&
          origin !== undefined &&
          origin !== `http://${req.headers.host}` &&
          origin !== `https://${req.headers.host}`
        )
          return json(reply, 403, {
            error: "forbidden",
            message: "a review form must be posted from this server's own page",
          });
        return;
      }
      if (!tokenMatches(req.headers.authorization, token)) {
        reply.header("www-authenticate", 'Bearer realm="mlc"');
        return json(reply, 401, {
          error: "unauthorized",
          message: `a valid bearer token is required (Authorization: Bearer …)${page ? "; reviewers sign in at /review/login" : ""}`,
        });
      }
    });
  }

  app.addHook("onResponse", (req, reply, done) => {
    metrics.request(
      (req as ServedRequest)[ROUTE] ?? req.routeOptions.url ?? "unmatched",
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
      (req as ServedRequest)[SERVED_BY],
    );
    done();
  });

  app.addHook("onSend", (_req, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_req, reply) => {
    const r = live.routing;
    if (closing) return json(reply, 503, { status: "draining" });
    if (!r) return json(reply, 503, { status: "loading" });
    return { status: "ready", model_version: r.stable.version };
  });

  app.get("/metrics", async (_req, reply) => {
    const r = live.routing;
    const runners = r ? [r.stable, ...(r.candidate ? [r.candidate] : [])] : [];
    let monitors: readonly MonitorRunResult[] = [];
    if (opts.monitorResults)
      try {
        monitors = await opts.monitorResults();
      } catch (e) {
        // a scrape still answers with every other metric; the monitors' gauges are absent this time
        app.log.error({ err: (e as Error).message }, "the monitors' latest results could not be read");
      }
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(
      metrics.render(
        runners.map((x) => ({ version: x.version, runs: x.runs, rows: x.rows })),
        monitors,
      ),
    );
  });

  // KServe's Open Inference Protocol (v2): /v2/health/*, /v2/models/{deployment}[/versions/{v}]/…
  const oip: OipContext = {
    deployment: opts.deployment,
    maxBatch,
    routing: () => live.routing,
    draining: () => closing,
    // counted and logged as /v1/predict's predictions are, so monitors see protocol traffic too
    scored: ({ runner, arm, experiment, rows, records, scores, requestId, received }) => {
      const f = formatterOf(runner);
      for (let i = 0; i < records.length; i++) {
        const cls = f.label(scores, i);
        if (cls !== undefined) metrics.predictedClass(runner.version, cls);
      }
      metrics.predicted(runner.version, arm, records.length);
      if (!log) return;
      const ts = isoTime(received);
      const latencyMs = Date.now() - received;
      const exclude = logConfig?.exclude?.length ? new Set(logConfig.exclude) : undefined;
      for (let i = 0; i < records.length; i++)
        log.append({
          ts,
          request_id: requestId,
          deployment: opts.deployment,
          model_version: runner.version,
          arm,
          latency_ms: latencyMs,
          index: rows ? rows[i]! : i,
          ...(experiment !== undefined ? { experiment, experiment_arm: arm } : {}),
          features: JSON.stringify(exclude ? withoutFields(records[i], exclude) : records[i]),
          output: f.formatJson(scores, i),
        });
    },
  };
  registerOipRoutes(app, oip);
  registerRecommendRoute(app, {
    deployment: opts.deployment,
    routing: () => live.routing,
    log: () => log,
    cacheOutcome: (o) => metrics.recommendCached(o),
    cacheFailed: () => metrics.recommendCacheFailed(),
  });
  let grpcServer: OipGrpcServer | undefined;

  app.get("/v1/model", async (_req, reply) => {
    const r = live.routing;
    if (!r) return json(reply, 503, { error: "not_ready", message: "the model is still loading" });
    return describeModel(r, opts.deployment);
  });

  if (opts.review) {
    registerReviewRoutes(app, opts.deployment, opts.review.queue);
    app.get("/review/login", async (_req, reply) =>
      token
        ? reply.type("text/html; charset=utf-8").send(loginPage())
        : reply.code(303).header("location", "/review").send(),
    );
    app.post("/review/login", async (req, reply) => {
      const given = (req.body as { token?: unknown } | null)?.token;
      if (!token) return reply.code(303).header("location", "/review").send();
      if (typeof given !== "string" || !sameToken(given, token))
        return reply
          .code(401)
          .type("text/html; charset=utf-8")
          .send(loginPage("That is not the server's token."));
      return reply
        .code(303)
        .header(
          "set-cookie",
          `${REVIEW_COOKIE}=${encodeURIComponent(given)}; Path=/review; HttpOnly; SameSite=Strict`,
        )
        .header("location", "/review")
        .send();
    });
  }

  const answerPredict = predictAnswerer({
    deployment: opts.deployment,
    maxBatch,
    metrics,
    ...(opts.review ? { review: opts.review } : {}),
    routing: () => live.routing,
    log: () => log,
    logConfig: () => logConfig,
    track: (p) => {
      shadowsInFlight.add(p);
      void p.finally(() => shadowsInFlight.delete(p));
    },
  });

  app.post("/v1/predict", async (req: FastifyRequest, reply: FastifyReply) => {
    (req as ServedRequest)[ROUTE] = "/v1/predict";
    const a = await answerPredict({
      body: req.body,
      raw: (req as RawBodyRequest)[RAW_BODY],
      id: req.id,
      received: Date.now(),
      elapsedMs: () => reply.elapsedTime,
      logger: req.log,
    });
    if (!("json" in a)) return json(reply, a.status, a.problem);
    (req as ServedRequest)[SERVED_BY] = a.servedBy;
    reply.header("x-model-version", String(a.version)).type("application/json; charset=utf-8");
    return a.json;
  });

  // The raw path answers the usual /v1/predict ahead of fastify's listener on the same server, and
  // hands it every other request untouched.
  const [fastifyListener, ...others] = app.server.listeners("request") as RequestListener[];
  if (opts.fastPath !== false && fastifyListener && others.length === 0) {
    const fast = fastPredictListener({
      bodyLimit: app.initialConfig.bodyLimit!,
      // fastify logs each request at info and below: those requests must meet its logger
      open: () => !closing && !perRequestLevel(app.log.level),
      authorized: (header) => token === undefined || tokenMatches(header, token),
      closing: () => closing,
      requestId,
      parse: parseBody,
      errorAnswer,
      answer: answerPredict,
      logger: app.log,
      finished: (status, seconds, servedBy) => {
        fastAnswered++;
        metrics.request("/v1/predict", "POST", status, seconds, servedBy);
      },
    });
    app.server.removeListener("request", fastifyListener);
    app.server.on("request", (req, res) => {
      if (!fast(req, res)) fastifyListener(req, res);
    });
  }

  app.post("/v1/feedback", async (req: FastifyRequest, reply: FastifyReply) => {
    const routing = live.routing;
    if (!routing) return json(reply, 503, { error: "not_ready", message: "the model is still loading" });
    const sink = log;
    if (!sink)
      return json(reply, 503, {
        error: "feedback_unavailable",
        message: "this server keeps no prediction log (--no-prediction-log), so labels cannot be joined",
      });
    const parsed = parseFeedback(req.body, routing.stable.meta.task);
    if (isFeedbackProblem(parsed))
      return json(reply, 400, { error: "invalid_feedback", field: parsed.field, message: parsed.message });
    const at = (k: number, field: string): string => (parsed.batched ? `items[${k}].${field}` : field);
    let stored: boolean[];
    try {
      const ids = [
        ...new Set(parsed.items.flatMap((f) => (f.request_id !== undefined ? [f.request_id] : []))),
      ];
      let rows = new Map<string, number>();
      if (ids.length) {
        await sink.flush(); // this server's own latest predictions must be visible
        rows = await sink.requestRows(ids);
      }
      const unknown = ids.filter((id) => !rows.has(id));
      if (unknown.length) {
        const k = parsed.items.findIndex((f) => f.request_id === unknown[0]);
        return json(reply, 404, {
          error: "unknown_request",
          field: at(k, "request_id"),
          request_ids: unknown.slice(0, 100),
          message: `no logged prediction has request id '${unknown[0]}'${unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : ""}; nothing was stored`,
        });
      }
      for (let k = 0; k < parsed.items.length; k++) {
        const f = parsed.items[k]!;
        if (f.request_id === undefined) continue;
        const n = rows.get(f.request_id)!;
        if ((f.index ?? 0) >= n || (n > 1 && f.index === undefined))
          return json(reply, 400, {
            error: "invalid_feedback",
            field: at(k, "index"),
            message: `request '${f.request_id}' scored ${n} row${n === 1 ? "" : "s"}: ${n > 1 ? `name the row with index 0…${n - 1}` : "leave index out or write 0"}`,
          });
      }
      stored = await sink.addFeedback(parsed.items);
    } catch (e) {
      req.log.error({ err: (e as Error).message }, "feedback store failed");
      return json(reply, 503, {
        error: "feedback_store_unavailable",
        message: "the feedback store could not be read or written; nothing was stored",
      });
    }
    const n = stored.filter(Boolean).length;
    return parsed.batched
      ? {
          stored: n,
          duplicates: stored.length - n,
          results: stored.map((s) => (s ? "stored" : "duplicate")),
        }
      : { status: stored[0] ? "stored" : "duplicate", id: parsed.items[0]!.id };
  });

  return {
    app,
    live,
    metrics,
    get log() {
      return log;
    },
    loaded,
    get fastAnswered() {
      return fastAnswered;
    },
    get grpcAddress() {
      return grpcServer?.address;
    },
    async listen(port, host = "127.0.0.1") {
      const address = await app.listen({ port, host });
      if (opts.grpcPort !== undefined)
        grpcServer = await startOipGrpc(oip, { port: opts.grpcPort, host, token: opts.token });
      return address;
    },
    async close() {
      // Every response from now on carries `Connection: close` (the onSend hook), so each keep-alive
      // connection closes after its current or next response; /readyz says draining. Connections
      // still open after the grace are idle ones: closing the server closes them and waits for the rest.
      closing = true;
      const until = Date.now() + timeouts.drainMs;
      while (app.server.listening && Date.now() < until && (await openConnections(app)) > 0)
        await new Promise((r) => setTimeout(r, 20));
      await Promise.all([app.close(), grpcServer?.close(timeouts.drainMs)]);
      await Promise.all([...shadowsInFlight]);
      await live.stop();
      await logSwitch.catch(() => undefined);
      if (retentionTimer) clearInterval(retentionTimer);
      await log?.close();
      await Promise.all([...retiredLogs]);
      await opts.review?.close?.();
    },
  };
}

const openConnections = (app: FastifyInstance): Promise<number> =>
  new Promise((resolve) => app.server.getConnections((err, n) => resolve(err ? 0 : n)));
