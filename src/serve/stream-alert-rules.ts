// The alert rules of a stream target (`alert { … }` blocks of a stream deployment), as recorded in
// `.mlc/deployments/<name>/stream.json`: which anomalies count, per which key, over which window, how
// often an alert may go out, and where it is posted. Types, validation and the webhook's URL; no I/O.
import { DeploymentError } from "./deployment.js";

export interface AlertRule {
  /** Unique within the deployment; names the alert in payloads and in the state records. */
  name: string;
  /** The environment variable holding the webhook URL, or a literal URL (never with a password). */
  webhook_env?: string;
  webhook?: string;
  /** Anomalous events of one group within `within_ms` that raise an alert (1: every anomalous event). */
  count: number;
  /** The sliding window of a rate rule, in milliseconds (0 with count = 1). */
  within_ms: number;
  /** The event field whose value groups the counts and the cooldown (absent: one group). */
  group_by?: string;
  /** After an alert, how long the same group raises no other (milliseconds). */
  cooldown_ms: number;
  /** Per webhook attempt, and retries after the first attempt. */
  timeout_ms: number;
  retries: number;
}

const isPosInt = (v: unknown, min = 1): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min;
const isName = (v: unknown): v is string => typeof v === "string" && v !== "";

/** Problems with the `alerts` of a stream target ("alerts[i].field: problem"); empty when valid. */
export function validateAlertRules(v: unknown): string[] {
  if (!Array.isArray(v)) return ["alerts: expected a list"];
  const errs: string[] = [];
  const names = new Set<string>();
  v.forEach((r: unknown, i) => {
    const at = `alerts[${i}]`;
    if (typeof r !== "object" || r === null || Array.isArray(r)) {
      errs.push(`${at}: expected an object`);
      return;
    }
    const a = r as Record<string, unknown>;
    if (!isName(a.name)) errs.push(`${at}.name: expected a non-empty name`);
    else if (names.has(a.name)) errs.push(`${at}.name: '${a.name}' is used twice`);
    else names.add(a.name);
    if (!isName(a.webhook_env) && !isName(a.webhook)) errs.push(`${at}.webhook_env/webhook: one is required`);
    if (!isPosInt(a.count)) errs.push(`${at}.count: expected a positive integer`);
    if (!isPosInt(a.within_ms, 0)) errs.push(`${at}.within_ms: expected an integer ≥ 0`);
    else if (isPosInt(a.count) && a.count > 1 && a.within_ms === 0)
      errs.push(`${at}.within_ms: a rate rule (count > 1) needs a window`);
    if (a.group_by !== undefined && !isName(a.group_by)) errs.push(`${at}.group_by: expected a field name`);
    for (const k of ["cooldown_ms", "timeout_ms"])
      if (!isPosInt(a[k])) errs.push(`${at}.${k}: expected a positive integer`);
    if (!isPosInt(a.retries, 0)) errs.push(`${at}.retries: expected an integer ≥ 0`);
  });
  return errs;
}

/** The webhook URL of a rule, from the environment when it names a variable. Never printed. */
export function alertWebhookUrl(rule: AlertRule): string {
  if (rule.webhook) return rule.webhook;
  const v = process.env[rule.webhook_env ?? ""];
  if (v === undefined || v === "")
    throw new DeploymentError(
      `the environment variable ${rule.webhook_env ?? "(none)"} is not set (it holds the webhook URL of alert '${rule.name}')`,
    );
  return v;
}

/** The stream the consumers add decided alerts to, for the dispatcher to deliver. */
export const alertStreamOf = (output: string): string => `${output}.alerts`;
