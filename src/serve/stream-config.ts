// The stream target of a deployment (`serve = stream { … }`), as the deploy executor records it in
// `.mlc/deployments/<name>/stream.json` for `mlc serve` to run: streams, group, batch, timings. No URL secret.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MlcError } from "../ir/errors.js";
import { deploymentDir, DeploymentError, readCheckedJson } from "./deployment.js";
import { alertStreamOf, validateAlertRules, type AlertRule } from "./stream-alert-rules.js";

export interface StreamTarget {
  format: "mlc-stream/1";
  /** Redis Streams with a consumer group (absent: the default), or NATS JetStream with a durable consumer. */
  transport?: "nats";
  /** The environment variable holding the Redis (NATS) URL, or a literal URL without a password. */
  url_env?: string;
  url?: string;
  input: string;
  output: string;
  group: string;
  dead_letter: string;
  /** Most events read (and in flight) per consumer at once. */
  batch: number;
  /** Milliseconds an event stays pending before another consumer claims it. */
  claim_idle_ms: number;
  /** Seconds a scored event id is remembered. */
  dedup_s: number;
  workers: number;
  /** Alert rules on the scored events (absent or empty: no alerts). */
  alerts?: AlertRule[];
}

export const streamTargetPath = (projectDir: string, deployment: string): string =>
  join(deploymentDir(projectDir, deployment), "stream.json");

const isPosInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;
const isName = (v: unknown): v is string => typeof v === "string" && v !== "";

/** Problems with a stream target ("field: problem"); empty when valid. */
export function validateStreamTarget(v: unknown): string[] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return ["expected a JSON object"];
  const s = v as Record<string, unknown>;
  const errs: string[] = [];
  if (s.format !== "mlc-stream/1") errs.push(`format: expected "mlc-stream/1"`);
  if (s.transport !== undefined && s.transport !== "nats") errs.push(`transport: expected "nats" or none`);
  if (!isName(s.url_env) && !isName(s.url)) errs.push("url_env/url: one is required");
  for (const k of ["input", "output", "group", "dead_letter"])
    if (!isName(s[k])) errs.push(`${k}: expected a non-empty stream name`);
  for (const k of ["batch", "claim_idle_ms", "dedup_s", "workers"])
    if (!isPosInt(s[k])) errs.push(`${k}: expected a positive integer`);
  if (s.alerts !== undefined) {
    errs.push(...validateAlertRules(s.alerts));
    if (s.transport === "nats" && Array.isArray(s.alerts) && s.alerts.length)
      errs.push("alerts: alert rules need the redis transport");
    const alerts = typeof s.output === "string" ? alertStreamOf(s.output) : undefined;
    if (alerts !== undefined && (alerts === s.input || alerts === s.dead_letter))
      errs.push(`alerts: the alert stream '${alerts}' is also the input or dead-letter stream`);
  }
  return errs;
}

/** The recorded stream target, or undefined when the deployment serves another way. */
export function readStreamTarget(projectDir: string, deployment: string): StreamTarget | undefined {
  return readCheckedJson<StreamTarget>(
    streamTargetPath(projectDir, deployment),
    validateStreamTarget,
    "stream target",
  );
}

/** Records (temp file + rename) or, with undefined, removes the stream target of a deployment. */
export function writeStreamTarget(
  projectDir: string,
  deployment: string,
  target: StreamTarget | undefined,
): void {
  const file = streamTargetPath(projectDir, deployment);
  if (!target) {
    rmSync(file, { force: true });
    return;
  }
  const errs = validateStreamTarget(target);
  if (errs.length)
    throw new DeploymentError(`invalid stream target for '${deployment}':\n  ${errs.join("\n  ")}`);
  mkdirSync(deploymentDir(projectDir, deployment), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, JSON.stringify(target, null, 2) + "\n");
  renameSync(tmp, file);
}

/** The transport's name as messages say it. */
export const transportName = (t: StreamTarget): string => (t.transport === "nats" ? "NATS" : "Redis");

/**
 * The broker URL of a target, from the environment when it names a variable; a URL of the other
 * transport's scheme is refused (MLC2315). Never printed.
 */
export function streamUrl(t: StreamTarget): string {
  const v = t.url ?? process.env[t.url_env ?? ""];
  if (v === undefined || v === "")
    throw new DeploymentError(
      `the environment variable ${t.url_env ?? "(none)"} is not set (it holds the stream's ${transportName(t)} URL)`,
    );
  const scheme = v.slice(0, Math.max(0, v.indexOf("://")));
  const schemes = t.transport === "nats" ? ["nats", "tls"] : ["redis", "rediss"];
  if (!schemes.includes(scheme))
    throw new MlcError(
      "MLC2315",
      `the stream's URL${t.url_env ? ` (${t.url_env})` : ""} is not a ${transportName(t)} URL: expected ${schemes
        .map((s) => s + "://")
        .join(" or ")}, found ${scheme ? `'${scheme}://'` : "no scheme"}`,
      {
        hint:
          t.transport === "nats"
            ? "point the variable at the NATS server (nats://host:4222)"
            : "point the variable at the Redis server (redis://host:6379), or give the stream block `transport = nats` for a NATS server",
      },
    );
  return v;
}
