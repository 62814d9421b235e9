// Opens the sink a deployment's log settings name, validates those settings where the pointer
// records them, and reads a URL from the environment without ever recording or printing it.
import { FilesSink } from "./files.js";
import {
  LogStoreError,
  type LogConfig,
  type LogStoreRef,
  type PredictionSink,
  type SinkOptions,
} from "./types.js";

/** The URL of a database store: the literal one, or the named environment variable's value. */
export function logStoreUrl(ref: Extract<LogStoreRef, { kind: "postgres" | "redis" }>): string {
  if (ref.url) return ref.url;
  const name = ref.url_env ?? "";
  const v = process.env[name];
  if (v === undefined || v === "")
    throw new LogStoreError(
      `the environment variable ${name || "(none)"} is not set (it holds the prediction log's ${ref.kind} URL)`,
      {
        hint: `set ${name} where mlc serve and mlc monitor run (in a container, from the Secret named in the manifest)`,
      },
    );
  return v;
}

/** A description for messages: no URL, no credential. */
export function describeLogStore(ref: LogStoreRef): string {
  if (ref.kind === "files") return "files";
  const where = ref.kind === "postgres" ? `table ${ref.table}` : `prefix ${ref.prefix}`;
  if (ref.url_env) return `${ref.kind} (env ${ref.url_env}, ${where})`;
  try {
    const u = new URL(ref.url ?? "");
    return `${ref.kind} ${u.hostname}${u.port ? `:${u.port}` : ""} (${where})`;
  } catch {
    return `${ref.kind} (${where})`;
  }
}

/** Opens a deployment's log (the database modules load only when used). Connections open on first use. */
export async function openLogSink(
  projectDir: string,
  deployment: string,
  config: LogConfig | undefined,
  opts: SinkOptions = {},
): Promise<PredictionSink> {
  const ref = config?.store ?? { kind: "files" };
  const o: SinkOptions = {
    ...opts,
    ...(config?.retention_seconds !== undefined ? { retentionSeconds: config.retention_seconds } : {}),
  };
  if (ref.kind === "files") return new FilesSink(projectDir, deployment, o);
  const url = logStoreUrl(ref);
  if (ref.kind === "postgres") {
    const { PostgresSink } = await import("./postgres.js");
    return new PostgresSink(url, ref.table, deployment, describeLogStore(ref), o);
  }
  const { RedisSink } = await import("./redis.js");
  return new RedisSink(url, ref.prefix, deployment, describeLogStore(ref), o);
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/** Problems with a pointer's `log` value ("field: problem"); empty when valid. */
export function validateLogConfig(v: unknown): string[] {
  if (!isObj(v)) return ["log: expected { store, retention_seconds?, exclude? }"];
  const errs: string[] = [];
  const s = v.store;
  if (!isObj(s)) errs.push("log.store: expected { kind, … }");
  else if (s.kind === "postgres" || s.kind === "redis") {
    if (typeof s.url !== "string" && typeof s.url_env !== "string")
      errs.push(`log.store: a ${s.kind} store needs url or url_env`);
    if (s.kind === "postgres" && typeof s.table !== "string")
      errs.push("log.store.table: expected a table name");
    if (s.kind === "redis" && typeof s.prefix !== "string") errs.push("log.store.prefix: expected a string");
  } else if (s.kind !== "files") errs.push(`log.store.kind: expected "files", "postgres" or "redis"`);
  if (
    v.retention_seconds !== undefined &&
    !(typeof v.retention_seconds === "number" && v.retention_seconds > 0)
  )
    errs.push("log.retention_seconds: expected a positive number");
  if (v.exclude !== undefined && !(Array.isArray(v.exclude) && v.exclude.every((x) => typeof x === "string")))
    errs.push("log.exclude: expected a list of field names");
  return errs;
}
