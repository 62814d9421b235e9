// The stream target of a deployment (`serve = stream { … }`), as the deploy executor records it in
// `.mlc/deployments/<name>/stream.json` for `mlc serve` to run: streams, group, batch, timings. No URL secret.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deploymentDir, DeploymentError, readCheckedJson } from "./deployment.js";
import { alertStreamOf, validateAlertRules, type AlertRule } from "./stream-alert-rules.js";

export interface StreamTarget {
  format: "mlc-stream/1";
  /** The environment variable holding the Redis URL, or a literal URL without a password. */
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
  if (!isName(s.url_env) && !isName(s.url)) errs.push("url_env/url: one is required");
  for (const k of ["input", "output", "group", "dead_letter"])
    if (!isName(s[k])) errs.push(`${k}: expected a non-empty stream name`);
  for (const k of ["batch", "claim_idle_ms", "dedup_s", "workers"])
    if (!isPosInt(s[k])) errs.push(`${k}: expected a positive integer`);
  if (s.alerts !== undefined) {
    errs.push(...validateAlertRules(s.alerts));
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

/** The Redis URL of a target, from the environment when it names a variable. Never printed. */
export function streamUrl(t: StreamTarget): string {
  if (t.url) return t.url;
  const v = process.env[t.url_env ?? ""];
  if (v === undefined || v === "")
    throw new DeploymentError(
      `the environment variable ${t.url_env ?? "(none)"} is not set (it holds the stream's Redis URL)`,
    );
  return v;
}
