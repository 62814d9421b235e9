// `mlc serve DEPLOYMENT`: runs the prediction server (or a stream target's consumers) for a deployment
// until SIGTERM/SIGINT, then drains in-flight requests or batches, flushes logs and returns (exit 0).
import type { Command } from "commander";
import cluster, { type Worker } from "node:cluster";
import { resolve } from "node:path";
import {
  createPredictionServer,
  SERVE_TIMEOUTS,
  type PredictionServer,
  type ServeTimeouts,
} from "../../serve/server.js";
import { writePidFile } from "../../serve/pid-file.js";
import { BundleError } from "../../serve/bundle.js";
import { DeploymentError } from "../../serve/deployment.js";
import { parseSize } from "../../serve/size.js";
import { readStreamTarget, type StreamTarget } from "../../serve/stream-config.js";
import { startStreamService } from "../../serve/stream-serve.js";
import { openState } from "../../runtime/state/open.js";
import type { StateStore } from "../../ir/state-store.js";
import { CliExit } from "../exit.js";
import { openReviewIntake } from "../../runtime/review-explainer.js";
import { latestMonitorResults } from "../../runtime/monitor/run-monitor.js";
import type { MonitorRunResult } from "../../serve/monitor-gauges.js";
import type { ReviewIntake } from "../../serve/review-intake.js";

/** How long the monitors' latest runs are reused between /metrics scrapes before the state is read again. */
const MONITOR_RESULTS_TTL_MS = 30_000;

/**
 * The latest monitor runs of a deployment, read from the state at most every MONITOR_RESULTS_TTL_MS:
 * scrapes every few seconds must not open the state and list every recorded run each time. A failed
 * read is not kept, so the next scrape tries again.
 */
function cachedMonitorResults(dir: string, deployment: string): () => Promise<readonly MonitorRunResult[]> {
  let at = 0;
  let last: Promise<readonly MonitorRunResult[]> | undefined;
  return () => {
    if (!last || Date.now() - at >= MONITOR_RESULTS_TTL_MS) {
      at = Date.now();
      const read = latestMonitorResults(dir, deployment);
      last = read;
      read.catch(() => {
        if (last === read) last = undefined;
      });
    }
    return last;
  };
}

/** The review queue flagged events enter; a state store that cannot be opened turns it off with a warning. */
async function reviewIntake(dir: string): Promise<ReviewIntake | undefined> {
  try {
    return await openReviewIntake(resolve(dir));
  } catch (e) {
    process.stderr.write(
      `mlc serve: warning: the review queue is off (the state store cannot be opened: ${(e as Error).message})\n`,
    );
    return undefined;
  }
}
import { specPort } from "../spec-port.js";
import { withProjectDir } from "../project-dir.js";

export interface ServeFlags {
  dir: string;
  port: string;
  host: string;
  maxBatch: string;
  bodyLimit: string;
  predictionLog: boolean;
  headersTimeout?: string;
  requestTimeout?: string;
  idleTimeout?: string;
  drain?: string;
  grpcPort?: string;
  /** Seconds between looks at the shared state's pointer ("0": do not follow other checkouts). */
  sharedPoll?: string;
}

/** A number of seconds from a flag, as milliseconds. */
function secondsOption(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0.01 || n > 86_400)
    throw new CliExit(
      2,
      `mlc serve: --${name} must be a number of seconds from 0.01 to 86400, got '${text}'`,
    );
  return Math.round(n * 1000);
}

function timeoutsOf(flags: ServeFlags): Partial<ServeTimeouts> {
  return {
    headersMs: secondsOption("headers-timeout", flags.headersTimeout, SERVE_TIMEOUTS.headersMs),
    requestMs: secondsOption("request-timeout", flags.requestTimeout, SERVE_TIMEOUTS.requestMs),
    idleMs: secondsOption("idle-timeout", flags.idleTimeout, SERVE_TIMEOUTS.idleMs),
    drainMs: secondsOption("drain", flags.drain, SERVE_TIMEOUTS.drainMs),
  };
}

function intOption(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliExit(2, `mlc serve: --${name} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

/**
 * Starts the server as the command does: listen first (so /healthz answers while loading), then load;
 * prints the bound address and the served version. Throws CliExit on bad flags or a failed load.
 */
export async function startServe(
  deployment: string,
  flags: ServeFlags,
): Promise<{ server: PredictionServer; address: string }> {
  const port = intOption("port", flags.port, 0, 65535);
  const maxBatch = intOption("max-batch", flags.maxBatch, 1, 1_000_000);
  const bodyLimit = parseSize(flags.bodyLimit);
  if (typeof bodyLimit !== "number") throw new CliExit(2, `mlc serve: --body-limit: ${bodyLimit.error}`);
  const timeouts = timeoutsOf(flags);
  const grpcPort =
    flags.grpcPort === undefined ? undefined : intOption("grpc-port", flags.grpcPort, 0, 65535);
  const review = await reviewIntake(flags.dir);
  const server = createPredictionServer({
    ...(review ? { review } : {}),
    timeouts,
    projectDir: resolve(flags.dir),
    deployment,
    maxBatch,
    bodyLimit,
    token: process.env.MLC_SERVE_TOKEN || undefined,
    logLevel: process.env.MLC_LOG_LEVEL || "warn",
    predictionLog: flags.predictionLog ? {} : false,
    ...(grpcPort !== undefined ? { grpcPort } : {}),
    // the latest run of each monitor of this deployment, for the /metrics gauges
    monitorResults: cachedMonitorResults(resolve(flags.dir), deployment),
  });
  let address: string;
  try {
    address = await server.listen(port, flags.host);
  } catch (e) {
    await server.close().catch(() => undefined);
    const where = `${flags.host}:${port}${grpcPort !== undefined ? ` (gRPC ${flags.host}:${grpcPort})` : ""}`;
    throw new CliExit(1, `mlc serve: cannot listen on ${where}: ${(e as Error).message}`);
  }
  process.stdout.write(`mlc serve: ${deployment} listening on ${address}\n`);
  if (server.grpcAddress)
    process.stdout.write(`mlc serve: Open Inference Protocol (gRPC) on ${server.grpcAddress}\n`);
  try {
    const routing = await server.loaded;
    process.stdout.write(
      `mlc serve: ready, serving ${routing.stable.meta.model} version ${routing.stable.version}${routing.rollout ? ` (${routing.rollout.kind} of version ${routing.candidate?.version})` : ""}\n`,
    );
    const online = routing.stableOnline?.meta;
    if (online) {
      const by = online.key.length ? `by ${online.key.join(", ")}` : "(one row for every request)";
      process.stdout.write(
        `mlc serve: looks up ${online.columns.map((c) => c.name).join(", ")} ${by} in ${routing.stableOnline!.describe().store} (as of ${online.as_of}) when a request omits them\n`,
      );
    }
  } catch (e) {
    await server.close().catch(() => undefined);
    throw new CliExit(1, `mlc serve: cannot load deployment '${deployment}': ${(e as Error).message}`);
  }
  return { server, address };
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("serve")
      .description(
        "serve a deployment over HTTP: POST /v1/predict, POST /v1/feedback, GET /v1/model, /healthz, /readyz, /metrics, the Open Inference Protocol (v2) under /v2, and the review page /review of an anomaly deployment",
      )
      .argument(
        "<deployment>",
        "the deployment to serve (its current version, following promotions and rollbacks)",
      ),
  )
    .option(
      "--port <n>",
      "port to listen on (0 picks a free one; default: the port of the spec's `serve = rest { port = … }`, else 8080)",
    )
    .option("--host <addr>", "address to bind", "127.0.0.1")
    .option("--max-batch <n>", "most records per request", "1024")
    .option("--body-limit <size>", "largest request body", "1mb")
    .option("--headers-timeout <seconds>", "close a connection whose request headers take longer", "10")
    .option(
      "--request-timeout <seconds>",
      "close a connection whose request (headers and body) takes longer",
      "30",
    )
    .option(
      "--idle-timeout <seconds>",
      "close a connection silent this long while a request is under way",
      "60",
    )
    .option(
      "--drain <seconds>",
      "at shutdown, how long open keep-alive connections may send one more request",
      "1",
    )
    .option(
      "--grpc-port <n>",
      "also serve the Open Inference Protocol (v2) over gRPC on this port (0 picks a free one); off by default",
    )
    .option(
      "--shared-poll <seconds>",
      "with a shared state or store: how often to look for pointer changes made from other checkouts (promote, rollback); a PostgreSQL state also announces them at once; 0 turns following off",
      "2",
    )
    .option("--no-prediction-log", "write no prediction log (and accept no feedback)")
    .option(
      "--pid-file <file>",
      "write the server's process id here while it runs (stop it: kill $(cat FILE))",
    )
    .option(
      "--workers <n>",
      "server processes sharing the port (node:cluster; default 1), or consumers in the group of a stream target (default its `workers`); each loads the model and follows the pointer",
    )
    .addHelpText(
      "after",
      "\nEnvironment: MLC_SERVE_TOKEN (require Authorization: Bearer <token>; reviewers sign in at /review/login), MLC_LOG_LEVEL (pino level, default warn).",
    )
    .action(async (deployment: string, _dir: string, flags: CommandFlags & { pidFile?: string }) => {
      const removePidFile = flags.pidFile && cluster.isPrimary ? writePidFile(flags.pidFile) : undefined;
      try {
        // A deployment another checkout applied or moved comes down first (pointer, history, bundles).
        if (cluster.isPrimary) await pullShared(resolve(flags.dir), deployment);
        await serveCommand(deployment, flags);
      } finally {
        removePidFile?.();
      }
    });
}

async function pullShared(projectDir: string, deployment: string): Promise<void> {
  const { withSharedDeployment } = await import("../../runtime/shared-deployments.js");
  try {
    await withSharedDeployment(
      projectDir,
      deployment,
      () => undefined,
      (m) => process.stderr.write(`mlc serve: ${m}\n`),
    );
  } catch (e) {
    if (e instanceof DeploymentError || e instanceof BundleError)
      throw new CliExit(1, `mlc serve: ${e.message}`);
    throw e;
  }
}

function streamTargetOf(dir: string, deployment: string): StreamTarget | undefined {
  try {
    return readStreamTarget(resolve(dir), deployment);
  } catch (e) {
    throw new CliExit(1, `mlc serve: ${(e as Error).message}`);
  }
}

/** A stream target: `workers` consumers in one group until SIGTERM/SIGINT, then a drain (exit 0). */
async function serveStream(
  deployment: string,
  flags: ServeFlags,
  target: StreamTarget,
  workers: number,
): Promise<void> {
  let service;
  const review = await reviewIntake(flags.dir);
  // alerts are recorded in the project's state (collection `alerts`)
  let state: StateStore | undefined;
  try {
    if (target.alerts?.length) state = await openState(resolve(flags.dir));
    service = await startStreamService({
      ...(review ? { review } : {}),
      projectDir: resolve(flags.dir),
      deployment,
      target,
      workers,
      predictionLog: flags.predictionLog ? {} : false,
      ...(state ? { records: state.records } : {}),
      log: (m) => process.stderr.write(`mlc serve: ${m}\n`),
    });
  } catch (e) {
    await review?.close?.();
    await state?.close();
    throw new CliExit(1, `mlc serve: cannot start the consumers of '${deployment}': ${(e as Error).message}`);
  }
  const v = service.routing.stable;
  process.stdout.write(
    `mlc serve: ${deployment} consuming ${target.input} → ${target.output} in group ${target.group}${target.transport === "nats" ? " on NATS JetStream" : ""} with ${workers} consumer${workers === 1 ? "" : "s"}, ${v.meta.model} version ${v.version}\n`,
  );
  await untilSignal(async (signal) => {
    process.stdout.write(`mlc serve: ${signal}, draining\n`);
    await service.stop().catch((e: Error) => {
      process.stderr.write(`mlc serve: error while stopping: ${e.message}\n`);
    });
    await state?.close();
    await review?.close?.();
  });
  const s = service.stats();
  process.stdout.write(
    `mlc serve: stopped after ${s.scored} scored, ${s.dead} dead-lettered, ${s.duplicates} duplicate${s.duplicates === 1 ? "" : "s"} skipped${
      service.alerts
        ? `, ${service.alerts.stats.delivered} alert${service.alerts.stats.delivered === 1 ? "" : "s"} delivered (${service.alerts.stats.failed} failed)`
        : ""
    }\n`,
  );
}

/** The command's work: a stream target's consumers, or the server (or its workers), until a signal stops it. */
/** The flags as the command line gives them: --port may be absent (the spec's port is the default). */
type CommandFlags = Omit<ServeFlags, "port"> & { port?: string; workers?: string };

async function serveCommand(deployment: string, cli: CommandFlags): Promise<void> {
  const given = cli.workers === undefined ? undefined : intOption("workers", cli.workers, 1, 256);
  const stream = streamTargetOf(cli.dir, deployment);
  // a stream target listens on no port
  const flags: ServeFlags = {
    ...cli,
    port: cli.port ?? String(stream ? 0 : specPort(cli.dir, deployment, "serve")),
  };
  const pollMs = sharedPollOf(flags.sharedPoll);
  if (stream) {
    const follower = cluster.isPrimary ? await followShared(flags.dir, deployment, pollMs) : undefined;
    try {
      await serveStream(deployment, flags, stream, given ?? stream.workers);
    } finally {
      await follower?.stop();
    }
    return;
  }
  const workers = given ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    // The primary alone follows the shared state (one writer of the local pointer); each worker
    // follows the local pointer and counts the primary's failed looks in its /metrics.
    const follower = await followShared(flags.dir, deployment, pollMs, () => {
      for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(SHARED_SYNC_FAILED);
    });
    try {
      await superviseWorkers(workers);
    } finally {
      await follower?.stop();
    }
    return;
  }
  const { server } = await startServe(deployment, flags);
  const follower = cluster.isPrimary
    ? await followShared(flags.dir, deployment, pollMs, () => server.metrics.sharedSyncFailed())
    : undefined;
  const onPrimaryMessage = (m: unknown): void => {
    if (m === SHARED_SYNC_FAILED) server.metrics.sharedSyncFailed();
  };
  if (cluster.isWorker) process.on("message", onPrimaryMessage);
  await untilSignal(async (signal) => {
    process.stdout.write(`mlc serve: ${signal}, draining\n`);
    process.off("message", onPrimaryMessage);
    await follower?.stop().catch(() => undefined);
    return server.close().catch((e: Error) => {
      process.stderr.write(`mlc serve: error while stopping: ${e.message}\n`);
    });
  });
  process.stdout.write("mlc serve: stopped\n");
  // a cluster worker's IPC channel would keep it alive after the drain
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/** The message the primary of `--workers N` sends its workers when a look at the shared state failed. */
const SHARED_SYNC_FAILED = "mlc:shared-sync-failed";

/** --shared-poll in milliseconds; 0 turns following off. */
function sharedPollOf(text: string | undefined): number {
  if (text === undefined) return 2000;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 86_400)
    throw new CliExit(
      2,
      `mlc serve: --shared-poll must be a number of seconds from 0 to 86400, got '${text}'`,
    );
  return Math.round(n * 1000);
}

/**
 * Follows pointer changes other checkouts make through the shared state (a promote or rollback done
 * elsewhere reaches this server without a restart); undefined when the project shares nothing.
 */
async function followShared(
  dir: string,
  deployment: string,
  pollMs: number,
  failed?: () => void,
): Promise<{ stop(): Promise<void> } | undefined> {
  if (pollMs === 0) return undefined;
  const { followSharedDeployment } = await import("../../runtime/shared-follow.js");
  try {
    return await followSharedDeployment(resolve(dir), deployment, {
      intervalMs: pollMs,
      log: (m) => process.stderr.write(`mlc serve: ${m}\n`),
      ...(failed ? { failed } : {}),
    });
  } catch (e) {
    process.stderr.write(
      `mlc serve: warning: not following the shared state (it cannot be opened: ${(e as Error).message})\n`,
    );
    return undefined;
  }
}

/** Resolves after the first SIGTERM/SIGINT once `onSignal`'s work is done. */
function untilSignal(onSignal: (signal: string) => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (signal: string): void => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      void onSignal(signal).then(done);
    };
    const onTerm = (): void => stop("SIGTERM");
    const onInt = (): void => stop("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
  });
}

/**
 * The primary of `--workers N`: forks N copies of this command (they share the listening port through
 * node:cluster), replaces a worker that dies, and on SIGTERM/SIGINT drains them all before returning.
 */
async function superviseWorkers(n: number): Promise<void> {
  let stopping = false;
  const fork = (): void => {
    const w = cluster.fork();
    w.once("exit", (code, signal) => {
      if (stopping) return;
      process.stderr.write(
        `mlc serve: worker ${w.process.pid} exited (${signal ?? code}); starting another\n`,
      );
      setTimeout(fork, 1000).unref();
    });
  };
  for (let i = 0; i < n; i++) fork();
  await untilSignal(async (signal) => {
    stopping = true;
    process.stdout.write(
      `mlc serve: ${signal}, draining ${Object.keys(cluster.workers ?? {}).length} workers\n`,
    );
    const alive = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined && !w.isDead(),
    );
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((res) => {
            w.once("exit", () => res());
            w.process.kill("SIGTERM");
          }),
      ),
    );
  });
  process.stdout.write("mlc serve: stopped\n");
}
